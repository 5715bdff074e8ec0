// Package mynatest mints a simulated My Number Card for tests, benchmarks
// and the card simulator: a test J-LIS PKI (CA keys for the card-verifiable
// certificates of the 券面AP and the 入力補助AP, and test JPKI roots), the
// exact EF contents a real card holds for a fictitious person (research
// §1.2–§1.4 layouts, with FF filler), the record signatures, and the chip
// keys that answer `80 2A`.
//
// Everything derives from a seed string: the same seed always gives the
// same keys and bytes. Nothing here is a real credential: the CA key IDs
// start with 9 (production J-LIS keys start with 5, J-LIS test keys with 6),
// the JPKI test roots have their own DN, and the people are fictitious.
//
// The card's My Number lives only in 入力補助AP EF0001 and (as an image
// that does not render the digits) 券面AP EF0005, the two files 照合番号B
// cannot open. This is not a _test package: the simulator uses it.
package mynatest

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	_ "embed"
	"encoding/pem"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/big"
	"time"

	"taimen/verify/myna"
	"taimen/verify/trust"
)

// Photo is the card-face photo every simulated card carries: a 64×80
// greyscale JPEG 2000 (JP2) test pattern; see testdata/README.md.
//
//go:embed testdata/photo.jp2
var Photo []byte

// Person is the holder of a simulated card.
type Person struct {
	Name         string // family U+3000 given, as the card writes it
	Address      string // full-width digits, as the card writes it
	BirthDate    string // YYYYMMDD, Gregorian
	Sex          byte   // JIS X 0303: '1' male, '2' female, '0', '9'
	Expiry       string // card 有効期限 YYYYMMDD
	SecurityCode string // 4 digits printed under the photo (part of 照合番号B)
}

// Taro is the default holder: a fictitious person.
var Taro = Person{
	Name:         "対面　太郎",
	Address:      "東京都千代田区霞が関１丁目２番３号",
	BirthDate:    "19800217",
	Sex:          '1',
	Expiry:       "20350217",
	SecurityCode: "1234",
}

// Hanako is a second fictitious holder.
var Hanako = Person{
	Name:         "対面　花子",
	Address:      "東京都新宿区西新宿２丁目８番１号",
	BirthDate:    "19950704",
	Sex:          '2',
	Expiry:       "20300704",
	SecurityCode: "5678",
}

// DefaultMyNumber is the fictitious My Number of a simulated card (valid
// check digit; not a real person's). Tests assert it appears in no output.
const DefaultMyNumber = "987654321012"

// Key IDs of the test hierarchy (research §2.1 format: 7 digits, 08 05,
// 3 digits, 3 × 00, 1 byte). 9… marks them as Taimen test keys.
var (
	VisualCAKeyID = keyID("9000023", "001", 0) // CA of 券面AP certificates
	TextCAKeyID   = keyID("9000033", "001", 0) // CA of 入力補助AP certificates
	visualIssuer  = keyID("9131016", "001", 1) // 券面AP record signer (certified in EF0004)
	textIssuer    = keyID("9131016", "001", 2) // 入力補助AP record signer
)

func keyID(num, group string, last byte) myna.KeyID {
	var k myna.KeyID
	copy(k[:7], num)
	k[7], k[8] = 0x08, 0x05
	copy(k[9:12], group)
	k[15] = last
	return k
}

// CA is a J-LIS CV-certificate CA key with its ID.
type CA struct {
	ID  myna.KeyID
	Key *rsa.PrivateKey
}

// Root is a test JPKI root with its key.
type Root struct {
	Cert *x509.Certificate
	Key  *rsa.PrivateKey
}

// PKI is a test J-LIS PKI.
type PKI struct {
	Seed     string
	VisualCA CA   // signs 券面AP EF0004
	TextCA   CA   // signs 入力補助AP EF0004
	SignRoot Root // JPKI 署名用 root
	AuthRoot Root // JPKI 利用者証明用 root
}

// Fixed dates of the test PKI.
var (
	rootFrom = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	rootTo   = time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)
	// LeafFrom and LeafTo bound the JPKI certificates of every simulated card.
	LeafFrom = time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)
	LeafTo   = time.Date(2030, 4, 1, 0, 0, 0, 0, time.UTC)
)

// JPKI test root DNs: the real roots differ only in their OUs (research §2.4).
func rootName(purpose string) pkix.Name {
	return pkix.Name{
		Country:            []string{"JP"},
		Organization:       []string{"JPKI Test (Taimen mynatest)"},
		OrganizationalUnit: []string{"JPKI for " + purpose, "Not Japan Agency for Local Authority Information Systems"},
	}
}

// NewPKI derives a test PKI from seed.
func NewPKI(seed string) (*PKI, error) {
	p := &PKI{Seed: seed}
	var err error
	key := func(label string) *rsa.PrivateKey {
		if err != nil {
			return nil
		}
		var k *rsa.PrivateKey
		k, err = rsaKey(seed + "\x00" + label)
		return k
	}
	p.VisualCA = CA{ID: VisualCAKeyID, Key: key("visual ca")}
	p.TextCA = CA{ID: TextCAKeyID, Key: key("text ca")}
	signKey, authKey := key("jpki sign root"), key("jpki auth root")
	if err != nil {
		return nil, err
	}
	if p.SignRoot, err = selfSigned(seed, "digital signature", signKey); err != nil {
		return nil, err
	}
	if p.AuthRoot, err = selfSigned(seed, "user authentication", authKey); err != nil {
		return nil, err
	}
	return p, nil
}

func serial(label string) *big.Int {
	b := stream(label, 8)
	b[0] &= 0x7f
	return new(big.Int).SetBytes(b)
}

func selfSigned(seed, purpose string, k *rsa.PrivateKey) (Root, error) {
	skid := sha256.Sum256(k.PublicKey.N.Bytes())
	tmpl := &x509.Certificate{
		SerialNumber:          serial(seed + " root " + purpose),
		Subject:               rootName(purpose),
		NotBefore:             rootFrom,
		NotAfter:              rootTo,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		SubjectKeyId:          skid[:20],
		SignatureAlgorithm:    x509.SHA256WithRSA,
	}
	der, err := x509.CreateCertificate(nil, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		return Root{}, fmt.Errorf("mynatest: root: %w", err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return Root{}, fmt.Errorf("mynatest: root: %w", err)
	}
	return Root{Cert: c, Key: k}, nil
}

// CAKeys returns the CA public keys as a verifier configures them.
func (p *PKI) CAKeys() []myna.CAKey {
	v, t := p.VisualCA.ID, p.TextCA.ID
	return []myna.CAKey{
		{ID: &v, Key: &p.VisualCA.Key.PublicKey, Source: "mynatest:" + p.Seed},
		{ID: &t, Key: &p.TextCA.Key.PublicKey, Source: "mynatest:" + p.Seed},
	}
}

// Roots returns the JPKI test roots as trust anchors of purpose JLIS.
func (p *PKI) Roots() []trust.Anchor {
	return []trust.Anchor{
		trust.NewAnchor(p.SignRoot.Cert, trust.JLIS, "mynatest:"+p.Seed),
		trust.NewAnchor(p.AuthRoot.Cert, trust.JLIS, "mynatest:"+p.Seed),
	}
}

// TrustPEM is what `taimen sim mynacard --trust-out FILE` writes: the two
// CA keys as "PUBLIC KEY" blocks with their Key-Id header, then the two JPKI
// roots as "CERTIFICATE" blocks. [myna.ParseCAKeys] reads the former and
// trust.ParseAnchors the latter from the same file.
func (p *PKI) TrustPEM() ([]byte, error) {
	var out bytes.Buffer
	for _, k := range p.CAKeys() {
		b, err := myna.EncodeCAKeyPEM(k)
		if err != nil {
			return nil, err
		}
		out.Write(b)
	}
	for _, r := range []Root{p.SignRoot, p.AuthRoot} {
		if err := pem.Encode(&out, &pem.Block{Type: "CERTIFICATE", Bytes: r.Cert.Raw}); err != nil {
			return nil, fmt.Errorf("mynatest: %w", err)
		}
	}
	return out.Bytes(), nil
}

// CVCert mints a card-verifiable certificate (research §2.1): issuer key
// ID, subject key ID and the subject's RSA key in 5F4E, signed with
// RSASSA-PKCS1-v1_5/SHA-256 by the CA.
func CVCert(ca CA, subject myna.KeyID, pub *rsa.PublicKey) ([]byte, error) {
	body := append(append(ca.ID[:0:0], ca.ID[:]...), subject[:]...)
	body = append(body, cardKey(pub.E, pub.N.FillBytes(make([]byte, 256)))...)
	sig, err := signSHA256(ca.Key, body)
	if err != nil {
		return nil, err
	}
	return tlv(0x7F21, tlv(0x5F4E, body), tlv(0x5F37, sig)), nil
}

func signSHA256(k *rsa.PrivateKey, msg []byte) ([]byte, error) {
	h := sha256.Sum256(msg)
	sig, err := rsa.SignPKCS1v15(nil, k, crypto.SHA256, h[:])
	if err != nil {
		return nil, fmt.Errorf("mynatest: sign: %w", err)
	}
	return sig, nil
}

// SignDigestInfo is what the chip does for `80 2A 00 00 Lc <DigestInfo> 00`
// (P1 = 00: the card PKCS#1 v1.5-pads the bytes it is sent, research §1.2):
// RSASSA-PKCS1-v1_5 over exactly di.
func SignDigestInfo(k *rsa.PrivateKey, di []byte) ([]byte, error) {
	sig, err := rsa.SignPKCS1v15(nil, k, crypto.Hash(0), di)
	if err != nil {
		return nil, fmt.Errorf("mynatest: sign: %w", err)
	}
	return sig, nil
}

// SignNonce answers a challenge the way the reader asks for it: the chip
// signs DigestInfo(SHA-256(nonce)) (research §2.3).
func SignNonce(k *rsa.PrivateKey, nonce []byte) ([]byte, error) {
	h := sha256.Sum256(nonce)
	return SignDigestInfo(k, myna.DigestInfoSHA256(h[:]))
}

// textImage renders a stand-in for a printed field: a 1-bit PNG (as the
// card's DF25/DF26 are) of bars derived from the text. No font rendering:
// the bytes only need to be a valid 1-bit PNG that differs per text.
func textImage(s string, w, h int) ([]byte, error) {
	img := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.White, color.Black})
	bits := stream("text image "+s, w)
	for x := 0; x < w; x++ {
		if bits[x]&1 == 1 {
			for y := 2; y < h-2; y++ {
				img.SetColorIndex(x, y, 1)
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("mynatest: png: %w", err)
	}
	return b.Bytes(), nil
}

// CodeB is the 照合番号B of a holder: birth date YYMMDD with the Japanese
// era year, the expiry's Gregorian year and the security code (research
// §1.6 [obs myna-card `verification_code_b`]).
func CodeB(p Person) (string, error) {
	if len(p.BirthDate) != 8 || len(p.Expiry) != 8 || len(p.SecurityCode) != 4 {
		return "", errors.New("mynatest: person dates or security code malformed")
	}
	t, err := time.Parse("20060102", p.BirthDate)
	if err != nil {
		return "", fmt.Errorf("mynatest: birth date: %w", err)
	}
	eras := []struct {
		from time.Time
		year int
	}{
		{time.Date(2019, 5, 1, 0, 0, 0, 0, time.UTC), 2019},   // 令和
		{time.Date(1989, 1, 8, 0, 0, 0, 0, time.UTC), 1989},   // 平成
		{time.Date(1926, 12, 25, 0, 0, 0, 0, time.UTC), 1926}, // 昭和
		{time.Date(1912, 7, 30, 0, 0, 0, 0, time.UTC), 1912},  // 大正
		{time.Date(1868, 1, 25, 0, 0, 0, 0, time.UTC), 1868},  // 明治
	}
	for _, e := range eras {
		if !t.Before(e.from) {
			return fmt.Sprintf("%02d%s%s%s", t.Year()-e.year+1, p.BirthDate[4:], p.Expiry[:4], p.SecurityCode), nil
		}
	}
	return "", errors.New("mynatest: birth date before 明治")
}

// eraDigit is the JPKI era code of a Gregorian date (research §2.4: 1 明治,
// 2 大正, 3 昭和, 4 平成, 5 令和).
func eraDigit(yyyymmdd string) byte {
	switch {
	case yyyymmdd >= "20190501":
		return '5'
	case yyyymmdd >= "19890108":
		return '4'
	case yyyymmdd >= "19261225":
		return '3'
	case yyyymmdd >= "19120730":
		return '2'
	}
	return '1'
}
