package myna

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"

	"taimen/verify"
)

// Tags of a card-verifiable certificate as observed on the card (research
// §2.1 [obs myna-card `src/data.rs` CardVerifiableCertificate; jsapdu
// `schemaCertificate`]). This is not the ISO 7816-8/BSI TR-03110 layout
// (7F4E body with CPI, CAR, 7F49 key, CHR, dates): the My Number Card's body
// 5F4E is a flat 297-byte value.
//
//	7F21 82 0233
//	  5F4E 82 0129   16 B 証明者鍵ID (issuer key ID, the CA's)
//	                 16 B 被証明者鍵ID (subject key ID)
//	                 90 03 010001 · 91 82 0100 <n>   RSA public key
//	  5F37 82 0100   RSASSA-PKCS1-v1_5 / SHA-256 signature over the 5F4E value
const (
	tagCVCert    = 0x7F21
	tagCVBody    = 0x5F4E
	tagCVSig     = 0x5F37
	tagExponent  = 0x90
	tagModulus   = 0x91
	keyIDLen     = 16
	minRSABits   = 2048 // observed: RSA-2048 everywhere (research §1.2, §2.1)
	maxRSABits   = 4096 // bounds the work one forged key can cause
	maxExpLen    = 4
	cvMaxCertLen = 2048
)

// KeyID is a 16-byte key identifier (証明者鍵ID / 被証明者鍵ID): seven ASCII
// digits, 08 05, three digits, three 00 and one byte [obs myna-card
// `KeyId`]. Production CA keys start with 5, J-LIS test keys with 6.
type KeyID [keyIDLen]byte

// String shows the two digit groups, e.g. "5000023/001", and the last four
// bytes in hex where they differ invisibly.
func (k KeyID) String() string {
	return fmt.Sprintf("%s/%s:%X", printable(k[:7]), printable(k[9:12]), k[12:])
}

func printable(b []byte) string {
	out := make([]byte, len(b))
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			c = '?'
		}
		out[i] = c
	}
	return string(out)
}

// CVCert is a parsed card-verifiable certificate (券面AP / 入力補助AP
// EF0004). Raw and Body are slices of the bytes as read.
type CVCert struct {
	Raw          []byte // the 7F21 object
	Body         []byte // the 5F4E value: exactly what the signature covers
	IssuerKeyID  KeyID  // 証明者鍵ID: the CA key that signed this certificate
	SubjectKeyID KeyID  // 被証明者鍵ID: the certified key
	PublicKey    *rsa.PublicKey
	Signature    []byte
}

// ParseCVCert parses a CV certificate as read from EF0004, with the FF
// filler after the object tolerated. GET DATA returns the template's content
// without 7F21 [obs myna-card]; pass the EF as read instead.
func ParseCVCert(b []byte) (*CVCert, error) {
	if err := refuseMyNumber(b); err != nil {
		return nil, err
	}
	outer, err := parseOuter(b, tagCVCert)
	if err != nil {
		return nil, fmt.Errorf("myna: cv certificate: %w", err)
	}
	if len(outer.Raw) > cvMaxCertLen {
		return nil, fmt.Errorf("myna: cv certificate of %d bytes: %w", len(outer.Raw), verify.ErrTooLarge)
	}
	fs, err := parseFields(outer.Value, 0)
	if err != nil {
		return nil, fmt.Errorf("myna: cv certificate: %w", err)
	}
	if len(fs) != 2 || fs[0].Tag != tagCVBody || fs[1].Tag != tagCVSig {
		return nil, fmt.Errorf("myna: cv certificate: want 5F4E then 5F37: %w", verify.ErrMalformed)
	}
	body, sig := fs[0].Value, fs[1].Value
	if len(body) < 2*keyIDLen {
		return nil, fmt.Errorf("myna: cv certificate body of %d bytes: %w", len(body), verify.ErrMalformed)
	}
	c := &CVCert{Raw: outer.Raw, Body: body, Signature: sig}
	copy(c.IssuerKeyID[:], body[:keyIDLen])
	copy(c.SubjectKeyID[:], body[keyIDLen:2*keyIDLen])
	if c.PublicKey, err = parseCardKey(body[2*keyIDLen:]); err != nil {
		return nil, fmt.Errorf("myna: cv certificate: %w", err)
	}
	return c, nil
}

// parseCardKey parses an RSA public key as the card stores it: 90 exponent
// then 91 modulus, nothing else (research §1.3 EF0006/EF0007, §1.4 DF24,
// §2.1). The key must be 2048–4096 bits with an odd exponent ≥ 3.
func parseCardKey(b []byte) (*rsa.PublicKey, error) {
	fs, err := parseFields(b, 0)
	if err != nil {
		return nil, fmt.Errorf("rsa key: %w", err)
	}
	if len(fs) != 2 || fs[0].Tag != tagExponent || fs[1].Tag != tagModulus {
		return nil, fmt.Errorf("rsa key: want 90 then 91: %w", verify.ErrMalformed)
	}
	e, n := fs[0].Value, fs[1].Value
	if len(e) == 0 || len(e) > maxExpLen || e[0] == 0 {
		return nil, fmt.Errorf("rsa key: exponent of %d bytes: %w", len(e), verify.ErrMalformed)
	}
	var ev int
	for _, c := range e {
		ev = ev<<8 | int(c)
	}
	if ev < 3 || ev&1 == 0 {
		return nil, fmt.Errorf("rsa key: exponent %d: %w", ev, verify.ErrMalformed)
	}
	nv := new(big.Int).SetBytes(n)
	if bits := nv.BitLen(); bits < minRSABits || bits > maxRSABits || nv.Bit(0) == 0 {
		return nil, fmt.Errorf("rsa key: %d-bit modulus: %w", bits, verify.ErrMalformed)
	}
	return &rsa.PublicKey{N: nv, E: ev}, nil
}

// errSignature is what a signature that does not verify unwraps to.
var errSignature = errors.New("signature does not verify")

// CheckSignatureFrom verifies the certificate's signature with a CA key:
// RSASSA-PKCS1-v1_5 with SHA-256 over the 5F4E value (research §2.1).
func (c *CVCert) CheckSignatureFrom(ca *rsa.PublicKey) error {
	return verifySHA256(ca, c.Body, c.Signature)
}

// verifySHA256 verifies RSASSA-PKCS1-v1_5 over SHA-256(msg).
func verifySHA256(pub *rsa.PublicKey, msg, sig []byte) error {
	h := sha256.Sum256(msg)
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig); err != nil {
		return fmt.Errorf("myna: %w", errSignature)
	}
	return nil
}

// digestInfoSHA256Prefix is the DER prefix of a SHA-256 DigestInfo
// (research §1.2; RFC 8017 §9.2 note 1) without its two outer length bytes
// and the OCTET STRING length, which vary for the card face.
var digestInfoAlg = []byte{0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00}

// DigestInfoSHA256 builds DigestInfo{sha256, digest} in DER. digest is
// normally 32 bytes; the card face signs three concatenated SHA-256 digests
// (96 bytes) in one DigestInfo [obs myna-card `sha256_digest_info`].
// digest must be under 256 - 17 bytes.
func DigestInfoSHA256(digest []byte) []byte {
	inner := len(digestInfoAlg) + 2 + len(digest)
	out := make([]byte, 0, 3+inner)
	if inner < 0x80 {
		out = append(out, 0x30, byte(inner))
	} else {
		out = append(out, 0x30, 0x81, byte(inner))
	}
	out = append(out, digestInfoAlg...)
	out = append(out, 0x04, byte(len(digest)))
	return append(out, digest...)
}

// verifyDigestInfo verifies RSASSA-PKCS1-v1_5 whose encoded message T is
// exactly di (crypto.Hash(0): no hashing, no prefix added).
func verifyDigestInfo(pub *rsa.PublicKey, di, sig []byte) error {
	if err := rsa.VerifyPKCS1v15(pub, crypto.Hash(0), di, sig); err != nil {
		return fmt.Errorf("myna: %w", errSignature)
	}
	return nil
}
