package myna

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"strings"

	"taimen/verify"
)

// CAKey is one configured J-LIS CA public key for card-verifiable
// certificates (the 証明者鍵ID a CV certificate names). The keys are not on
// the card and J-LIS does not publish them (research §2.1); Taimen builds
// none in. The operator configures them with a stated source.
type CAKey struct {
	// ID is the key's 16-byte 証明者鍵ID, or nil when the source gave none
	// (a bare PEM public key): such a key is tried for any certificate
	// whose issuer ID matches no key with an ID.
	ID     *KeyID
	Key    *rsa.PublicKey
	Source string // file name or label, for the verdict and the audit log
}

// PEM block types and headers read by [ParseCAKeys].
const (
	PEMPublicKey    = "PUBLIC KEY"     // SubjectPublicKeyInfo (RFC 7468 §13)
	PEMRSAPublicKey = "RSA PUBLIC KEY" // PKCS #1 RSAPublicKey
	PEMCVCert       = "CV CERTIFICATE" // a 7F21 card-verifiable certificate
	// PEMKeyIDHeader optionally names a public key's 16-byte 証明者鍵ID in hex.
	PEMKeyIDHeader = "Key-Id"
)

// ParseCAKeys parses J-LIS CA keys from one file's bytes: PEM with any
// number of "PUBLIC KEY" / "RSA PUBLIC KEY" blocks (optionally with a Key-Id
// header, 32 hex digits) or "CV CERTIFICATE" blocks, or one raw CV
// certificate (7F21 …). Other PEM blocks (certificates of the JPKI roots in
// the same file, say) are skipped. A CV certificate given as a CA key is
// trusted as configured: its subject key ID and key become the CA key; its
// own signature is not checked (there is nothing to check it with).
//
// It does no I/O; the caller reads the file.
func ParseCAKeys(source string, data []byte) ([]CAKey, error) {
	if !bytes.Contains(data, []byte("-----BEGIN")) {
		c, err := ParseCVCert(data)
		if err != nil {
			return nil, fmt.Errorf("myna: ca key %s: %w", source, err)
		}
		id := c.SubjectKeyID
		return []CAKey{{ID: &id, Key: c.PublicKey, Source: source}}, nil
	}
	var out []CAKey
	rest := data
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		var k CAKey
		switch b.Type {
		case PEMCVCert:
			c, err := ParseCVCert(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("myna: ca key %s: block %d: %w", source, len(out), err)
			}
			id := c.SubjectKeyID
			k = CAKey{ID: &id, Key: c.PublicKey}
		case PEMPublicKey, PEMRSAPublicKey:
			pub, err := parseRSAPublic(b)
			if err != nil {
				return nil, fmt.Errorf("myna: ca key %s: block %d: %w", source, len(out), err)
			}
			k.Key = pub
			if h, ok := b.Headers[PEMKeyIDHeader]; ok {
				raw, err := hex.DecodeString(strings.TrimSpace(h))
				if err != nil || len(raw) != keyIDLen {
					return nil, fmt.Errorf("myna: ca key %s: block %d: %s is not %d bytes of hex: %w", source, len(out), PEMKeyIDHeader, keyIDLen, verify.ErrMalformed)
				}
				var id KeyID
				copy(id[:], raw)
				k.ID = &id
			}
		default:
			continue
		}
		k.Source = source
		out = append(out, k)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("myna: ca key %s: no %q or %q block: %w", source, PEMPublicKey, PEMCVCert, verify.ErrMalformed)
	}
	return out, nil
}

func parseRSAPublic(b *pem.Block) (*rsa.PublicKey, error) {
	var pub *rsa.PublicKey
	if b.Type == PEMRSAPublicKey {
		k, err := x509.ParsePKCS1PublicKey(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", verify.ErrMalformed, err)
		}
		pub = k
	} else {
		k, err := x509.ParsePKIXPublicKey(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", verify.ErrMalformed, err)
		}
		r, ok := k.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("not an RSA key (%T): %w", k, verify.ErrMalformed)
		}
		pub = r
	}
	if bits := pub.N.BitLen(); bits < minRSABits || bits > maxRSABits {
		return nil, fmt.Errorf("%d-bit RSA key: %w", bits, verify.ErrMalformed)
	}
	return pub, nil
}

// EncodeCAKeyPEM encodes a CA key as a PEM "PUBLIC KEY" block with its
// Key-Id header (the form `taimen sim mynacard --trust-out` writes).
func EncodeCAKeyPEM(k CAKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(k.Key)
	if err != nil {
		return nil, fmt.Errorf("myna: %w", err)
	}
	b := &pem.Block{Type: PEMPublicKey, Bytes: der}
	if k.ID != nil {
		b.Headers = map[string]string{PEMKeyIDHeader: strings.ToUpper(hex.EncodeToString(k.ID[:]))}
	}
	return pem.EncodeToMemory(b), nil
}

// findCAKeys returns the keys that may have signed a certificate with the
// given issuer key ID: those with that ID, or, when none has it, those
// configured without an ID.
func findCAKeys(keys []CAKey, id KeyID) []CAKey {
	var byID, anon []CAKey
	for _, k := range keys {
		switch {
		case k.Key == nil:
		case k.ID == nil:
			anon = append(anon, k)
		case *k.ID == id:
			byID = append(byID, k)
		}
	}
	if len(byID) > 0 {
		return byID
	}
	return anon
}
