package myna

import (
	"bytes"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"taimen/verify"
)

// ErrMyNumber is what [*MyNumberError] unwraps to: bytes that hold the
// 個人番号 were passed in. Taimen never reads those files (番号法 §15/§19/§20;
// research §0.3, §3.3), so receiving one is a programming error upstream.
var ErrMyNumber = errors.New("my number data refused")

// MyNumberError reports that an input holds the My Number. It never carries
// the number.
type MyNumberError struct {
	// File names the structure recognised, e.g. "入力補助AP EF0001".
	File string
}

func (e *MyNumberError) Error() string {
	return "myna: " + e.File + " holds the my number: refused"
}

func (e *MyNumberError) Unwrap() error { return ErrMyNumber }

var pngMagic = []byte("\x89PNG\r\n\x1a\n")

// refuseMyNumber recognises the two files that hold the My Number:
// 入力補助AP EF0001 (`FF 10 0C` + 12 ASCII digits, research §1.3) and
// 券面AP EF0005 (`FF 40 {DF41 PNG · DF42 key · DF43 sig}`, research §1.4).
// 入力補助AP EF0005 is also FF40 but starts with a 4-byte DF41.
func refuseMyNumber(b []byte) error {
	t, _, err := parseTLV(b)
	if err != nil {
		return nil // not a TLV at all: the caller's parser reports it
	}
	switch t.Tag {
	case 0xFF10:
		if len(t.Value) == 12 && allDigits(t.Value) {
			return &MyNumberError{File: "入力補助AP EF0001"}
		}
	case 0xFF40:
		if f, _, err := parseTLV(t.Value); err == nil && f.Tag == 0xDF41 && bytes.HasPrefix(f.Value, pngMagic) {
			return &MyNumberError{File: "券面AP EF0005"}
		}
	}
	return nil
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

// Date is a calendar date as the card writes it (YYYYMMDD, Gregorian).
type Date struct {
	Year, Month, Day int
}

// String gives the ISO 8601 form, YYYY-MM-DD.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// IsZero reports whether the date is unset.
func (d Date) IsZero() bool { return d == Date{} }

func parseDate(b []byte) (Date, error) {
	if len(b) != 8 {
		return Date{}, fmt.Errorf("myna: date of %d bytes is not YYYYMMDD: %w", len(b), verify.ErrMalformed)
	}
	if !allDigits(b) {
		return Date{}, fmt.Errorf("myna: date %q is not YYYYMMDD: %w", b, verify.ErrMalformed)
	}
	n := func(s []byte) int {
		v := 0
		for _, c := range s {
			v = v*10 + int(c-'0')
		}
		return v
	}
	d := Date{Year: n(b[:4]), Month: n(b[4:6]), Day: n(b[6:])}
	t := time.Date(d.Year, time.Month(d.Month), d.Day, 0, 0, 0, 0, time.UTC)
	if d.Year < 1868 || t.Year() != d.Year || int(t.Month()) != d.Month || t.Day() != d.Day {
		return Date{}, fmt.Errorf("myna: %q is not a calendar date: %w", b, verify.ErrMalformed)
	}
	return d, nil
}

// Sex is a stable code for 性別; the UI translates it.
type Sex string

// Sex codes. The card uses JIS X 0303 / ISO 5218 (1 male, 2 female, 0 not
// known, 9 not applicable; research §1.3); the JPKI signing certificate
// uses 1 男, 2 女, 3 不明 (research §2.4).
const (
	SexMale          Sex = "male"
	SexFemale        Sex = "female"
	SexNotKnown      Sex = "not_known"
	SexNotApplicable Sex = "not_applicable"
)

func parseCardSex(b []byte) (Sex, error) {
	if len(b) == 1 {
		switch b[0] {
		case '1':
			return SexMale, nil
		case '2':
			return SexFemale, nil
		case '0':
			return SexNotKnown, nil
		case '9':
			return SexNotApplicable, nil
		}
	}
	if len(b) != 1 {
		return "", fmt.Errorf("myna: sex of %d bytes: %w", len(b), verify.ErrMalformed)
	}
	return "", fmt.Errorf("myna: sex %q is not a JIS X 0303 code: %w", b, verify.ErrMalformed)
}

// Tags of 券面AP EF0002, the card face (research §1.4 [obs myna-card
// `src/ap/surface.rs` CardFace]).
const (
	tagCardFace     = 0xFF20
	tagFaceBirth    = 0xDF22 // 生年月日 YYYYMMDD
	tagFaceSex      = 0xDF23 // 性別, one ASCII digit
	tagFaceKey      = 0xDF24 // the chip's public key (90/91)
	tagFaceName     = 0xDF25 // 氏名 as a 1-bit PNG
	tagFaceAddress  = 0xDF26 // 住所 as a 1-bit PNG
	tagFacePhoto    = 0xDF27 // 顔写真, greyscale JPEG 2000 (JP2)
	tagFaceSig      = 0xDF28 // signature over three digests
	tagFaceExpiry   = 0xDF29 // 有効期限 YYYYMMDD, after the signature: not signed
	tagFaceSecurity = 0xDF2A // セキュリティコード PNG, not signed
)

// CardFace is 券面AP EF0002 as read. Byte fields are slices of the input.
type CardFace struct {
	Raw          []byte // the FF20 object, without filler
	BirthDate    Date
	Sex          Sex
	PublicKey    *rsa.PublicKey // DF24: the chip key that answers the challenge
	NameImage    []byte         // DF25, PNG
	AddressImage []byte         // DF26, PNG
	Photo        []byte         // DF27, JPEG 2000
	Signature    []byte         // DF28
	// Expiry (DF29) sits after the signature and is not covered by it
	// [obs myna-card]; 照合番号B, which opened the file, holds its year.
	Expiry Date
	// Segments are the three runs of objects as written that the signature
	// covers, each hashed on its own: DF22‖DF23‖DF24, DF25‖DF26, DF27
	// (research §2.2).
	Segments [3][]byte
}

// ParseCardFace parses 券面AP EF0002 as read (FF filler tolerated), checking
// the DF21 offset table against where the objects start.
func ParseCardFace(b []byte) (*CardFace, error) {
	if err := refuseMyNumber(b); err != nil {
		return nil, err
	}
	outer, err := parseOuter(b, tagCardFace)
	if err != nil {
		return nil, fmt.Errorf("myna: card face: %w", err)
	}
	fs, err := parseFields(outer.Value, len(outer.Raw)-len(outer.Value))
	if err != nil {
		return nil, fmt.Errorf("myna: card face: %w", err)
	}
	if len(fs) == 0 || fs[0].Tag != tagOffsets {
		return nil, fmt.Errorf("myna: card face: offset table DF21 is not first: %w", verify.ErrMalformed)
	}
	if err := checkOffsets(fs[0].Value, fs); err != nil {
		return nil, fmt.Errorf("myna: card face: %w", err)
	}
	get := func(tag uint32) []byte {
		if err != nil {
			return nil
		}
		var f field
		f, err = need(fs, tag, "card face")
		return f.Value
	}
	raw := func(tags ...uint32) []byte {
		var out []byte
		for _, t := range tags {
			f, _ := find(fs, t)
			out = append(out, f.Raw...)
		}
		return out
	}
	c := &CardFace{Raw: outer.Raw}
	birth, sex, key := get(tagFaceBirth), get(tagFaceSex), get(tagFaceKey)
	c.NameImage, c.AddressImage, c.Photo = get(tagFaceName), get(tagFaceAddress), get(tagFacePhoto)
	c.Signature = get(tagFaceSig)
	expiry := get(tagFaceExpiry)
	if err != nil {
		return nil, err
	}
	if c.BirthDate, err = parseDate(birth); err != nil {
		return nil, fmt.Errorf("myna: card face: birth date: %w", err)
	}
	if c.Sex, err = parseCardSex(sex); err != nil {
		return nil, fmt.Errorf("myna: card face: %w", err)
	}
	if c.PublicKey, err = parseCardKey(key); err != nil {
		return nil, fmt.Errorf("myna: card face: %w", err)
	}
	if c.Expiry, err = parseDate(expiry); err != nil {
		return nil, fmt.Errorf("myna: card face: expiry: %w", err)
	}
	c.Segments = [3][]byte{
		raw(tagFaceBirth, tagFaceSex, tagFaceKey),
		raw(tagFaceName, tagFaceAddress),
		raw(tagFacePhoto),
	}
	return c, nil
}

// SignedDigestInfo is what the card-face signature signs: a SHA-256
// DigestInfo whose OCTET STRING holds the three segment digests, 96 bytes
// (research §2.2 [obs myna-card `CardFace::verify`]).
func (c *CardFace) SignedDigestInfo() []byte {
	var d []byte
	for _, s := range c.Segments {
		h := sha256.Sum256(s)
		d = append(d, h[:]...)
	}
	return DigestInfoSHA256(d)
}

// CheckSignatureFrom verifies DF28 with the key certified in 券面AP EF0004.
func (c *CardFace) CheckSignatureFrom(issuer *rsa.PublicKey) error {
	return verifyDigestInfo(issuer, c.SignedDigestInfo(), c.Signature)
}

// Tags of 入力補助AP EF0002, 基本4情報 (research §1.3 [obs myna-card
// `src/ap/text.rs` Attributes]).
const (
	tagText        = 0xFF20
	tagTextName    = 0xDF22 // 氏名 UTF-8, family U+3000 given
	tagTextAddress = 0xDF23 // 住所 UTF-8
	tagTextBirth   = 0xDF24 // 生年月日 YYYYMMDD
	tagTextSex     = 0xDF25 // 性別
)

// TextRecord is 入力補助AP EF0002 (基本4情報) as read.
type TextRecord struct {
	Raw       []byte // the FF20 object, without filler
	Name      string
	Address   string
	BirthDate Date
	Sex       Sex
	// Digested is what EF0003 DF32 is the SHA-256 of: the outer value
	// after the DF21 offset table, as written [obs myna-card
	// `Attributes::digest_source`].
	Digested []byte
}

// ParseTextRecord parses 入力補助AP EF0002 as read (FF filler tolerated).
// Passing EF0001 (the My Number) gives a [*MyNumberError].
func ParseTextRecord(b []byte) (*TextRecord, error) {
	if err := refuseMyNumber(b); err != nil {
		return nil, err
	}
	outer, err := parseOuter(b, tagText)
	if err != nil {
		return nil, fmt.Errorf("myna: text: %w", err)
	}
	fs, err := parseFields(outer.Value, len(outer.Raw)-len(outer.Value))
	if err != nil {
		return nil, fmt.Errorf("myna: text: %w", err)
	}
	if len(fs) == 0 || fs[0].Tag != tagOffsets {
		return nil, fmt.Errorf("myna: text: offset table DF21 is not first: %w", verify.ErrMalformed)
	}
	if err := checkOffsets(fs[0].Value, fs); err != nil {
		return nil, fmt.Errorf("myna: text: %w", err)
	}
	t := &TextRecord{Raw: outer.Raw, Digested: outer.Value[len(fs[0].Raw):]}
	var vals [4][]byte
	for i, tag := range []uint32{tagTextName, tagTextAddress, tagTextBirth, tagTextSex} {
		f, err := need(fs, tag, "text")
		if err != nil {
			return nil, err
		}
		vals[i] = f.Value
	}
	for i, what := range []string{"name", "address"} {
		if !utf8.Valid(vals[i]) || len(vals[i]) == 0 {
			return nil, fmt.Errorf("myna: text: %s is not UTF-8 text: %w", what, verify.ErrMalformed)
		}
	}
	t.Name, t.Address = string(vals[0]), string(vals[1])
	if t.BirthDate, err = parseDate(vals[2]); err != nil {
		return nil, fmt.Errorf("myna: text: birth date: %w", err)
	}
	if t.Sex, err = parseCardSex(vals[3]); err != nil {
		return nil, fmt.Errorf("myna: text: %w", err)
	}
	return t, nil
}

// Tags of 入力補助AP EF0003, the integrity record (research §1.3, §2.2).
const (
	tagIntegrity       = 0xFF30
	tagIntegrityMyNum  = 0xDF31 // SHA-256 of EF0001 (the My Number): never kept
	tagIntegrityText   = 0xDF32 // SHA-256 of EF0002 from DF22 to the end
	tagIntegritySig    = 0xDF33
	integrityDigestLen = sha256.Size
)

// TextIntegrity is 入力補助AP EF0003. It deliberately keeps nothing of
// DF31: a SHA-256 of the 17-byte My Number file can be reversed by trying
// the 10^12 numbers.
type TextIntegrity struct {
	TextDigest [integrityDigestLen]byte // DF32
	Signature  []byte                   // DF33
	signed     []byte                   // the objects before DF33, as written
}

// ParseTextIntegrity parses 入力補助AP EF0003 as read.
func ParseTextIntegrity(b []byte) (*TextIntegrity, error) {
	if err := refuseMyNumber(b); err != nil {
		return nil, err
	}
	outer, err := parseOuter(b, tagIntegrity)
	if err != nil {
		return nil, fmt.Errorf("myna: text integrity: %w", err)
	}
	fs, err := parseFields(outer.Value, 0)
	if err != nil {
		return nil, fmt.Errorf("myna: text integrity: %w", err)
	}
	if len(fs) != 3 || fs[0].Tag != tagIntegrityMyNum || fs[1].Tag != tagIntegrityText || fs[2].Tag != tagIntegritySig {
		return nil, fmt.Errorf("myna: text integrity: want DF31, DF32, DF33: %w", verify.ErrMalformed)
	}
	if len(fs[0].Value) != integrityDigestLen || len(fs[1].Value) != integrityDigestLen {
		return nil, fmt.Errorf("myna: text integrity: digests are not %d bytes: %w", integrityDigestLen, verify.ErrMalformed)
	}
	ti := &TextIntegrity{Signature: fs[2].Value, signed: outer.Value[:fs[2].off]}
	copy(ti.TextDigest[:], fs[1].Value)
	return ti, nil
}

// CheckSignatureFrom verifies DF33 over DF31‖DF32 as written, RSASSA-PKCS1-
// v1_5 with SHA-256, with the key certified in 入力補助AP EF0004 (research §2.2).
func (ti *TextIntegrity) CheckSignatureFrom(issuer *rsa.PublicKey) error {
	return verifySHA256(issuer, ti.signed, ti.Signature)
}

// Matches reports whether DF32 is the digest of the text record.
func (ti *TextIntegrity) Matches(t *TextRecord) bool {
	return sha256.Sum256(t.Digested) == ti.TextDigest
}

// Tags of 入力補助AP EF0007: the card's own signing key with the issuer's
// signature over it (research §1.3, §2.2 [obs myna-card `SignedPublicKey`]).
const (
	tagTextCardKey    = 0xFF50
	tagTextCardKeyKey = 0xDF51 // public half of EF0013, the key that answers 80 2A in this AP
	tagTextCardKeySig = 0xDF52 // issuer signature over the DF51 object
)

// TextCardKey is 入力補助AP EF0007 as read.
type TextCardKey struct {
	PublicKey *rsa.PublicKey
	Signature []byte
	signed    []byte // the DF51 object as written
}

// ParseTextCardKey parses 入力補助AP EF0007 as read (FF filler tolerated).
func ParseTextCardKey(b []byte) (*TextCardKey, error) {
	if err := refuseMyNumber(b); err != nil {
		return nil, err
	}
	outer, err := parseOuter(b, tagTextCardKey)
	if err != nil {
		return nil, fmt.Errorf("myna: text card key: %w", err)
	}
	fs, err := parseFields(outer.Value, 0)
	if err != nil {
		return nil, fmt.Errorf("myna: text card key: %w", err)
	}
	if len(fs) != 2 || fs[0].Tag != tagTextCardKeyKey || fs[1].Tag != tagTextCardKeySig {
		return nil, fmt.Errorf("myna: text card key: want DF51, DF52: %w", verify.ErrMalformed)
	}
	k := &TextCardKey{Signature: fs[1].Value, signed: fs[0].Raw}
	if k.PublicKey, err = parseCardKey(fs[0].Value); err != nil {
		return nil, fmt.Errorf("myna: text card key: %w", err)
	}
	return k, nil
}

// CheckSignatureFrom verifies DF52 (RSASSA-PKCS1-v1_5, SHA-256 over the
// DF51 object as written) with the key certified in 入力補助AP EF0004.
func (k *TextCardKey) CheckSignatureFrom(issuer *rsa.PublicKey) error {
	return verifySHA256(issuer, k.signed, k.Signature)
}
