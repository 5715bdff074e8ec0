package mdoc

import (
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"errors"
	"fmt"
	"math/big"

	"taimen/verify"
)

// COSE_Key labels and values (RFC 9052 §7, RFC 9053 §7), as 18013-5 §9.1.5.2 uses them.
const (
	coseKeyKty = 1
	coseKeyCrv = -1
	coseKeyX   = -2
	coseKeyY   = -3
	coseKeyD   = -4

	ktyOKP = 1
	ktyEC2 = 2

	crvP256    = 1
	crvP384    = 2
	crvP521    = 3
	crvX25519  = 4
	crvX448    = 5
	crvEd25519 = 6
)

// ErrUnsupportedKey: a COSE_Key of a type or curve this verifier does not support.
var ErrUnsupportedKey = errors.New("unsupported key")

// COSEKey is a decoded COSE_Key (RFC 9052 §7). Only the parameters 18013-5
// uses are kept. Y may be a bstr or a bool (point compression); Taimen
// accepts only the uncompressed form, as 18013-5 §9.1.5.2 requires.
type COSEKey struct {
	Kty int    `cbor:"1,keyasint"`
	Crv int    `cbor:"-1,keyasint"`
	X   []byte `cbor:"-2,keyasint"`
	Y   []byte `cbor:"-3,keyasint,omitempty"`
}

// DecodeCOSEKey decodes a COSE_Key from untrusted bytes.
func DecodeCOSEKey(data []byte) (*COSEKey, error) {
	var k COSEKey
	if err := verify.Unmarshal(data, &k); err != nil {
		return nil, fmt.Errorf("mdoc: cose_key: %w", err)
	}
	return &k, nil
}

func ecCurve(crv int) (elliptic.Curve, ecdh.Curve, int, bool) {
	switch crv {
	case crvP256:
		return elliptic.P256(), ecdh.P256(), 32, true
	case crvP384:
		return elliptic.P384(), ecdh.P384(), 48, true
	case crvP521:
		return elliptic.P521(), ecdh.P521(), 66, true
	}
	return nil, nil, 0, false
}

// ECDH returns the key as an ECDH public key (EC2 on P-256/384/521, or OKP X25519).
func (k *COSEKey) ECDH() (*ecdh.PublicKey, error) {
	switch k.Kty {
	case ktyEC2:
		_, c, size, ok := ecCurve(k.Crv)
		if !ok {
			return nil, fmt.Errorf("mdoc: ec2 curve %d: %w", k.Crv, ErrUnsupportedKey)
		}
		if len(k.X) != size || len(k.Y) != size {
			return nil, fmt.Errorf("mdoc: ec2 coordinates of %d/%d bytes for curve %d: %w", len(k.X), len(k.Y), k.Crv, verify.ErrMalformed)
		}
		pt := make([]byte, 0, 1+2*size)
		pt = append(pt, 4)
		pt = append(pt, k.X...)
		pt = append(pt, k.Y...)
		pub, err := c.NewPublicKey(pt)
		if err != nil {
			return nil, fmt.Errorf("mdoc: ec2 point: %w: %w", verify.ErrMalformed, err)
		}
		return pub, nil
	case ktyOKP:
		if k.Crv != crvX25519 {
			return nil, fmt.Errorf("mdoc: okp curve %d for key agreement: %w", k.Crv, ErrUnsupportedKey)
		}
		pub, err := ecdh.X25519().NewPublicKey(k.X)
		if err != nil {
			return nil, fmt.Errorf("mdoc: x25519 key: %w: %w", verify.ErrMalformed, err)
		}
		return pub, nil
	}
	return nil, fmt.Errorf("mdoc: key type %d: %w", k.Kty, ErrUnsupportedKey)
}

// PublicKey returns the key as a signature-verification key: *ecdsa.PublicKey
// for EC2 keys.
func (k *COSEKey) PublicKey() (crypto.PublicKey, error) {
	if k.Kty != ktyEC2 {
		return nil, fmt.Errorf("mdoc: key type %d for signatures: %w", k.Kty, ErrUnsupportedKey)
	}
	pub, err := k.ECDH()
	if err != nil {
		return nil, err
	}
	c, _, size, _ := ecCurve(k.Crv)
	raw := pub.Bytes()
	return &ecdsa.PublicKey{
		Curve: c,
		X:     new(big.Int).SetBytes(raw[1 : 1+size]),
		Y:     new(big.Int).SetBytes(raw[1+size:]),
	}, nil
}

// COSEKeyFromECDH builds the COSE_Key of an ECDH public key (for EReaderKey).
func COSEKeyFromECDH(pub *ecdh.PublicKey) (*COSEKey, error) {
	raw := pub.Bytes()
	switch pub.Curve() {
	case ecdh.P256():
		return &COSEKey{Kty: ktyEC2, Crv: crvP256, X: raw[1:33], Y: raw[33:]}, nil
	case ecdh.P384():
		return &COSEKey{Kty: ktyEC2, Crv: crvP384, X: raw[1:49], Y: raw[49:]}, nil
	case ecdh.P521():
		return &COSEKey{Kty: ktyEC2, Crv: crvP521, X: raw[1:67], Y: raw[67:]}, nil
	case ecdh.X25519():
		return &COSEKey{Kty: ktyOKP, Crv: crvX25519, X: raw}, nil
	}
	return nil, fmt.Errorf("mdoc: curve %v: %w", pub.Curve(), ErrUnsupportedKey)
}

// COSEKeyFromECDSA builds the COSE_Key of an ECDSA public key (for device keys in an MSO).
func COSEKeyFromECDSA(pub *ecdsa.PublicKey) (*COSEKey, error) {
	e, err := pub.ECDH()
	if err != nil {
		return nil, fmt.Errorf("mdoc: %w: %w", ErrUnsupportedKey, err)
	}
	return COSEKeyFromECDH(e)
}

// ECDHCurve returns the ECDH curve of a COSE_Key, so that an ephemeral
// reader key can be made on the same curve as EDeviceKey.
func (k *COSEKey) ECDHCurve() (ecdh.Curve, error) {
	pub, err := k.ECDH()
	if err != nil {
		return nil, err
	}
	return pub.Curve(), nil
}
