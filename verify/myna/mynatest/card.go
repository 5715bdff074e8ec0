package mynatest

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"taimen/verify/myna"
)

// Application IDs (research §1.2–§1.4).
var (
	AIDJPKI   = []byte{0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01} // 公的個人認証AP
	AIDText   = []byte{0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08} // 券面事項入力補助AP
	AIDVisual = []byte{0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02} // 券面AP
)

// Options say which card to mint. Zero values take the defaults.
type Options struct {
	Seed     string // keys of this card; "" = "taro"
	Person   Person // zero = Taro
	MyNumber string // 12 digits; "" = DefaultMyNumber
	// Municipality is the 5-digit 全国地方公共団体コード in 券面AP EF0003.
	Municipality string // "" = "13101" (千代田区)
	// TextPerson, when set, is written to the 入力補助AP instead of Person
	// (properly signed): a card whose text and face disagree, for the
	// consistency check's negative tests.
	TextPerson *Person
}

// Card is a simulated My Number Card: every EF as the real card stores it
// (physical contents, FF filler included) and the private keys behind it.
type Card struct {
	Person   Person
	MyNumber string // only in Text[0x0001] and (not rendered) Visual[0x0005]
	CodeB    string // 照合番号B that opens Visual[0x0002] and Text[0x0002..0x0003, 0x0006, 0x0007]

	// EF contents by FID, per application.
	Visual map[uint16][]byte // 券面AP: 0001 age record, 0002 card face, 0003 AP info, 0004 CV cert, 0005 My Number image
	Text   map[uint16][]byte // 入力補助AP: 0001 My Number, 0002 基本4情報, 0003 integrity, 0004 CV cert, 0005 AP info, 0006 SM key, 0007 signed key
	JPKI   map[uint16][]byte // JPKI AP: 0001 署名用 cert, 0002 署名用 CA, 0006 token info, 0008 presence, 000A 利用者証明用 cert, 000B its CA

	// Chip keys: they answer `80 2A` (use SignDigestInfo).
	VisualKey *rsa.PrivateKey // 券面AP; public half in Visual 0002 DF24 (and 0001 DF12, 0005 DF42)
	TextKey   *rsa.PrivateKey // 入力補助AP EF0013; public half in Text 0007 DF51
	SignKey   *rsa.PrivateKey // JPKI 署名用 key (EF001A), certified by JPKI[0x0001]
	AuthKey   *rsa.PrivateKey // JPKI 利用者証明用 key (EF0017), certified by JPKI[0x000A]
}

// NewCard mints a card issued by pki.
func NewCard(pki *PKI, o Options) (*Card, error) {
	if o.Seed == "" {
		o.Seed = "taro"
	}
	if o.Person == (Person{}) {
		o.Person = Taro
	}
	if o.MyNumber == "" {
		o.MyNumber = DefaultMyNumber
	}
	if o.Municipality == "" {
		o.Municipality = "13101"
	}
	if len(o.MyNumber) != 12 || !digits(o.MyNumber) || len(o.Municipality) != 5 || !digits(o.Municipality) {
		return nil, fmt.Errorf("mynatest: my number must be 12 digits and municipality 5")
	}
	codeB, err := CodeB(o.Person)
	if err != nil {
		return nil, err
	}
	c := &Card{Person: o.Person, MyNumber: o.MyNumber, CodeB: codeB,
		Visual: map[uint16][]byte{}, Text: map[uint16][]byte{}, JPKI: map[uint16][]byte{}}
	label := pki.Seed + "\x00card\x00" + o.Seed + "\x00"
	keys := map[string]*rsa.PrivateKey{}
	for _, l := range []string{"visual chip", "text chip", "jpki sign", "jpki auth", "visual issuer", "text issuer", "text sm"} {
		if keys[l], err = rsaKey(label + l); err != nil {
			return nil, err
		}
	}
	c.VisualKey, c.TextKey, c.SignKey, c.AuthKey = keys["visual chip"], keys["text chip"], keys["jpki sign"], keys["jpki auth"]
	if err := c.mintVisual(pki, keys["visual issuer"], o); err != nil {
		return nil, err
	}
	textPerson := o.Person
	if o.TextPerson != nil {
		textPerson = *o.TextPerson
	}
	if err := c.mintText(pki, keys["text issuer"], keys["text sm"], textPerson); err != nil {
		return nil, err
	}
	if err := c.mintJPKI(pki, o.Seed); err != nil {
		return nil, err
	}
	return c, nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func pubTLV(k *rsa.PrivateKey) []byte {
	return cardKey(k.PublicKey.E, k.PublicKey.N.FillBytes(make([]byte, 256)))
}

// mintVisual builds 券面AP EF0001–EF0005 (research §1.4, §2.2).
func (c *Card) mintVisual(pki *PKI, issuer *rsa.PrivateKey, o Options) error {
	p := o.Person
	cert, err := CVCert(pki.VisualCA, visualIssuer, &issuer.PublicKey)
	if err != nil {
		return err
	}
	c.Visual[0x0004] = cert
	chip := pubTLV(c.VisualKey)

	// EF0001 age record: signature over everything before DF13.
	age := append(tlv(0xDF11, []byte(p.BirthDate)), tlv(0xDF12, chip)...)
	sig, err := signSHA256(issuer, age)
	if err != nil {
		return err
	}
	c.Visual[0x0001] = pad(tlv(0xFF10, age, tlv(0xDF13, sig)))

	// EF0002 card face: three digests in one DigestInfo, signed in DF28;
	// DF29 and DF2A follow the signature and are not covered.
	nameImg, err := textImage(p.Name, 160, 16)
	if err != nil {
		return err
	}
	addrImg, err := textImage(p.Address, 320, 16)
	if err != nil {
		return err
	}
	secImg, err := textImage(p.SecurityCode, 24, 12)
	if err != nil {
		return err
	}
	df22, df23, df24 := tlv(0xDF22, []byte(p.BirthDate)), tlv(0xDF23, []byte{p.Sex}), tlv(0xDF24, chip)
	df25, df26, df27 := tlv(0xDF25, nameImg), tlv(0xDF26, addrImg), tlv(0xDF27, Photo)
	var digests []byte
	for _, seg := range [][]byte{cat(df22, df23, df24), cat(df25, df26), df27} {
		h := sha256.Sum256(seg)
		digests = append(digests, h[:]...)
	}
	if sig, err = SignDigestInfo(issuer, myna.DigestInfoSHA256(digests)); err != nil {
		return err
	}
	c.Visual[0x0002] = pad(withOffsets(0xFF20, df22, df23, df24, df25, df26, df27,
		tlv(0xDF28, sig), tlv(0xDF29, []byte(p.Expiry)), tlv(0xDF2A, secImg)))

	// EF0003 AP basic info (free to read; not signed).
	vid := keyID("9000024", "001", 0)
	opaque := append(vid[:], stream("df35 "+c.CodeB, 256)...)
	c.Visual[0x0003] = pad(tlv(0xFF30, tlv(0xDF31, []byte{0x06, 0x03, 0x0E, 0x01}),
		tlv(0xDF32, vid[:]), tlv(0xDF33, []byte{0x01}), tlv(0xDF34, []byte(o.Municipality)), tlv(0xDF35, opaque)))

	// EF0005: the My Number as an image, behind 照合番号A only. The image
	// here is bars keyed by the number, never its digits.
	mnImg, err := textImage("my number "+c.MyNumber, 72, 12)
	if err != nil {
		return err
	}
	rec := append(tlv(0xDF41, mnImg), tlv(0xDF42, chip)...)
	if sig, err = signSHA256(issuer, rec); err != nil {
		return err
	}
	c.Visual[0x0005] = pad(tlv(0xFF40, rec, tlv(0xDF43, sig)))
	return nil
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// mintText builds 入力補助AP EF0001–EF0007 (research §1.3, §2.2).
func (c *Card) mintText(pki *PKI, issuer, sm *rsa.PrivateKey, p Person) error {
	cert, err := CVCert(pki.TextCA, textIssuer, &issuer.PublicKey)
	if err != nil {
		return err
	}
	c.Text[0x0004] = cert

	// EF0001: FF 10 0C + 12 digits + 2 filler bytes = 17 B physical.
	ef1 := append(tlv(0xFF10, []byte(c.MyNumber)), 0xFF, 0xFF)
	c.Text[0x0001] = ef1

	ef2 := withOffsets(0xFF20, tlv(0xDF22, []byte(p.Name)), tlv(0xDF23, []byte(p.Address)),
		tlv(0xDF24, []byte(p.BirthDate)), tlv(0xDF25, []byte{p.Sex}))
	c.Text[0x0002] = pad(ef2)

	// EF0003: DF31 = SHA-256(EF0001 physical), DF32 = SHA-256(EF0002 value
	// after DF21), DF33 over DF31‖DF32.
	d1 := sha256.Sum256(ef1)
	_, value := splitOuter(ef2)
	table := 3 + int(value[2]) // DF 21 <len> <table>: a short length (4 offsets)
	d2 := sha256.Sum256(value[table:])
	signed := append(tlv(0xDF31, d1[:]), tlv(0xDF32, d2[:])...)
	sig, err := signSHA256(issuer, signed)
	if err != nil {
		return err
	}
	c.Text[0x0003] = tlv(0xFF30, signed, tlv(0xDF33, sig)) // 336 B, no filler (jpki/myna reads 336)

	tid := keyID("9000034", "001", 0)
	trailing := append(stream("text df43 "+c.CodeB, 32), make([]byte, 96)...)
	for i := 32; i < len(trailing); i++ {
		trailing[i] = 0xFF
	}
	c.Text[0x0005] = pad(tlv(0xFF40, tlv(0xDF41, []byte{0x01, 0x03, 0x0E, 0x01}), tlv(0xDF42, tid[:]), tlv(0xDF43, trailing)))
	c.Text[0x0006] = pad(tlv(0xA1, pubTLV(sm)))

	df51 := tlv(0xDF51, pubTLV(c.TextKey))
	if sig, err = signSHA256(issuer, df51); err != nil {
		return err
	}
	c.Text[0x0007] = pad(tlv(0xFF50, df51, tlv(0xDF52, sig)))
	return nil
}

// splitOuter returns the header and value of a TLV built by tlv.
func splitOuter(b []byte) (head, value []byte) {
	i := 2 // two-byte tags only here
	switch b[i] {
	case 0x81:
		i += 2
	case 0x82:
		i += 3
	default:
		i++
	}
	return b[:i], b[i:]
}

// JPKI subjectAltName otherName OIDs (research §2.4).
var (
	oidName      = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 1}
	oidNameSub   = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 2}
	oidSex       = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 3}
	oidBirth     = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 4}
	oidAddress   = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 5}
	oidAddrSub   = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 6}
	oidSAN       = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidSignClass = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 1, 1, 20} // jpki-cp-sign-class20
	oidAuthClass = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 1, 3, 30} // research §2.4
)

// SignCertOptions tune one 署名用電子証明書 for negative tests.
type SignCertOptions struct {
	NotBefore, NotAfter time.Time // zero = LeafFrom, LeafTo
	CriticalSAN         bool      // mark the SAN critical
	NoSAN               bool      // leave the SAN out
	// Attributes replaces the SAN otherNames (OID string → UTF-8 value);
	// nil = the holder's four attributes and the two substitution fields.
	Attributes map[string]string
	Issuer     *Root           // nil = the PKI's sign root
	Key        *rsa.PrivateKey // nil = the card's SignKey
	KeyUsage   x509.KeyUsage   // 0 = digitalSignature | nonRepudiation (research §2.4 profile)
}

// SANOtherNames encodes a GeneralNames of otherNames, each value a
// [0] EXPLICIT UTF8String, in the order of oids.
func SANOtherNames(oids []asn1.ObjectIdentifier, vals map[string]string) ([]byte, error) {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for _, oid := range oids {
			v, ok := vals[oid.String()]
			if !ok {
				continue
			}
			b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oid)
				b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.UTF8String, func(b *cryptobyte.Builder) { b.AddBytes([]byte(v)) })
				})
			})
		}
	})
	out, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("mynatest: san: %w", err)
	}
	return out, nil
}

// HolderAttributes are the SAN values of a holder (research §2.4).
func HolderAttributes(p Person) map[string]string {
	sex := "3"
	if p.Sex == '1' || p.Sex == '2' {
		sex = string(p.Sex)
	}
	return map[string]string{
		oidName.String():    p.Name,
		oidNameSub.String(): "00000",
		oidSex.String():     sex,
		oidBirth.String():   string(eraDigit(p.BirthDate)) + p.BirthDate,
		oidAddress.String(): p.Address,
		oidAddrSub.String(): "0000000000000000",
	}
}

var sanOrder = []asn1.ObjectIdentifier{oidName, oidBirth, oidSex, oidAddress, oidNameSub, oidAddrSub}

// SignCert mints a 署名用電子証明書 for the card's holder and key.
func (c *Card) SignCert(pki *PKI, o SignCertOptions) ([]byte, error) {
	if o.NotBefore.IsZero() {
		o.NotBefore = LeafFrom
	}
	if o.NotAfter.IsZero() {
		o.NotAfter = LeafTo
	}
	if o.Attributes == nil {
		o.Attributes = HolderAttributes(c.Person)
	}
	if o.Issuer == nil {
		o.Issuer = &pki.SignRoot
	}
	if o.Key == nil {
		o.Key = c.SignKey
	}
	if o.KeyUsage == 0 {
		o.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
	}
	san, err := SANOtherNames(sanOrder, o.Attributes)
	if err != nil {
		return nil, err
	}
	ext := []pkix.Extension{{Id: oidSAN, Critical: o.CriticalSAN, Value: san}}
	if o.NoSAN {
		ext = nil
	}
	return leafCert(o.Issuer, &o.Key.PublicKey, "sign "+c.CodeB, o.NotBefore, o.NotAfter, o.KeyUsage, oidSignClass, ext)
}

func leafCert(iss *Root, pub *rsa.PublicKey, label string, from, to time.Time, ku x509.KeyUsage, policy asn1.ObjectIdentifier, ext []pkix.Extension) ([]byte, error) {
	tmpl := &x509.Certificate{
		SerialNumber:       serial(label),
		Subject:            pkix.Name{Country: []string{"JP"}, CommonName: fmt.Sprintf("%X", stream(label, 12))},
		NotBefore:          from,
		NotAfter:           to,
		KeyUsage:           ku,
		PolicyIdentifiers:  []asn1.ObjectIdentifier{policy},
		ExtraExtensions:    ext,
		AuthorityKeyId:     iss.Cert.SubjectKeyId,
		SignatureAlgorithm: x509.SHA256WithRSA,
	}
	der, err := x509.CreateCertificate(nil, tmpl, iss.Cert, pub, iss.Key)
	if err != nil {
		return nil, fmt.Errorf("mynatest: leaf: %w", err)
	}
	return der, nil
}

// mintJPKI builds the JPKI AP files (research §1.2).
func (c *Card) mintJPKI(pki *PKI, seed string) error {
	sign, err := c.SignCert(pki, SignCertOptions{})
	if err != nil {
		return err
	}
	auth, err := leafCert(&pki.AuthRoot, &c.AuthKey.PublicKey, "auth "+c.CodeB+seed, LeafFrom, LeafTo,
		x509.KeyUsageDigitalSignature, oidAuthClass, nil)
	if err != nil {
		return err
	}
	token := make([]byte, 160)
	for i := range token {
		token[i] = ' '
	}
	copy(token, "JPKIAPICCTOKEN2")
	c.JPKI[0x0001] = sign
	c.JPKI[0x0002] = pki.SignRoot.Cert.Raw
	c.JPKI[0x0006] = token
	c.JPKI[0x0008] = []byte{0x8F, 0x8F, 0x00}
	c.JPKI[0x000A] = auth
	c.JPKI[0x000B] = pki.AuthRoot.Cert.Raw
	return nil
}

// Input is what a 照合番号B read of this card gives the verifier, with the
// 券面AP and 入力補助AP challenges answered for nonce. The My Number files
// are not in it.
func (c *Card) Input(nonce []byte) (*myna.Input, error) {
	sig, err := SignNonce(c.VisualKey, nonce)
	if err != nil {
		return nil, err
	}
	textSig, err := SignNonce(c.TextKey, nonce)
	if err != nil {
		return nil, err
	}
	return &myna.Input{
		CardFaceCert:       clone(c.Visual[0x0004]),
		CardFace:           clone(c.Visual[0x0002]),
		TextCert:           clone(c.Text[0x0004]),
		Text:               clone(c.Text[0x0002]),
		TextIntegrity:      clone(c.Text[0x0003]),
		Nonce:              clone(nonce),
		ChallengeSignature: sig,

		TextCardKey:            clone(c.Text[0x0007]),
		TextChallengeSignature: textSig,
	}, nil
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }
