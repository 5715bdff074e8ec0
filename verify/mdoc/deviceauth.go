package mdoc

import (
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"taimen/verify"
)

// Device authentication, 18013-5 §9.1.3.
//
//	DeviceAuthentication = ["DeviceAuthentication", SessionTranscript,
//	                        DocType, DeviceNameSpacesBytes]
//	DeviceAuthenticationBytes = #6.24(bstr .cbor DeviceAuthentication)
//
// It is the detached payload of both deviceSignature (COSE_Sign1) and
// deviceMac (COSE_Mac0).

// DeviceAuthenticationBytes builds DeviceAuthenticationBytes by
// concatenating the bytes as they were received: the SessionTranscript
// array as it went into the session (t.Array) and DeviceNameSpacesBytes
// with its tag-24 header (deviceNameSpaces.Raw). Only the array header, the
// context string and the DocType text string are encoded here; nothing
// received is decoded and re-encoded, so a holder's non-preferred encoding
// inside those items still authenticates (research §0.3).
func DeviceAuthenticationBytes(t SessionTranscript, docType string, deviceNameSpaces Tag24) []byte {
	const context = "DeviceAuthentication"
	innerLen := 1 + headLen(uint64(len(context))) + len(context) + len(t.Array) +
		headLen(uint64(len(docType))) + len(docType) + len(deviceNameSpaces.Raw)
	out := make([]byte, 0, 2+headLen(uint64(innerLen))+innerLen)
	out = append(out, 0xd8, tagEncodedCBOR)
	out = appendHead(out, 2, uint64(innerLen))
	out = append(out, 0x84) // array(4)
	out = appendHead(out, 3, uint64(len(context)))
	out = append(out, context...)
	out = append(out, t.Array...)
	out = appendHead(out, 3, uint64(len(docType)))
	out = append(out, docType...)
	out = append(out, deviceNameSpaces.Raw...)
	return out
}

// headLen is the length of the preferred (shortest) CBOR head for n.
func headLen(n uint64) int {
	switch {
	case n < 24:
		return 1
	case n <= 0xff:
		return 2
	case n <= 0xffff:
		return 3
	case n <= 0xffffffff:
		return 5
	}
	return 9
}

// appendHead appends the preferred CBOR head of major type mt and argument n
// (RFC 8949 §4.2.1).
func appendHead(b []byte, mt byte, n uint64) []byte {
	m := mt << 5
	switch {
	case n < 24:
		return append(b, m|byte(n))
	case n <= 0xff:
		return append(b, m|24, byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(b, m|25), uint16(n))
	case n <= 0xffffffff:
		return binary.BigEndian.AppendUint32(append(b, m|26), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, m|27), n)
}

// ErrNoSessionKey: the EMacKey could not be derived (no reader key, or keys
// on different curves).
var ErrNoSessionKey = errors.New("no session key")

// DeriveEMacKey derives the deviceMac key of 18013-5 §9.1.3.5:
//
//	EMacKey = HKDF-SHA256(IKM = ECDH(EReaderKey.priv, SDeviceKey.pub),
//	                      salt = SHA-256(SessionTranscriptBytes),
//	                      info = "EMacKey", L = 32)
//
// where SDeviceKey is the MSO's deviceKeyInfo.deviceKey.
func DeriveEMacKey(readerPriv *ecdh.PrivateKey, deviceKey *COSEKey, t SessionTranscript) ([]byte, error) {
	if readerPriv == nil || deviceKey == nil {
		return nil, fmt.Errorf("mdoc: emac key: %w", ErrNoSessionKey)
	}
	pub, err := deviceKey.ECDH()
	if err != nil {
		return nil, fmt.Errorf("mdoc: emac key: %w", err)
	}
	if pub.Curve() != readerPriv.Curve() {
		return nil, fmt.Errorf("mdoc: emac key: reader and device keys on different curves: %w", ErrNoSessionKey)
	}
	z, err := readerPriv.ECDH(pub)
	if err != nil {
		return nil, fmt.Errorf("mdoc: emac key: %w: %w", ErrNoSessionKey, err)
	}
	salt := t.Salt()
	return hkdf.Key(sha256.New, z, salt[:], "EMacKey", 32)
}

// coseMac0 is RFC 9052 §6.2 COSE_Mac0 = [protected: bstr, unprotected: map,
// payload: bstr / nil, tag: bstr], untagged as 18013-5 §9.1.3.5 uses it.
// Protected is the content of the bstr.
type coseMac0 struct {
	Protected   []byte
	Unprotected []byte
	Payload     []byte
	Tag         []byte
}

// decodeMac0 reads a COSE_Mac0; the parts alias b.
func decodeMac0(b []byte) (*coseMac0, error) {
	if err := wellformed(b); err != nil {
		return nil, err
	}
	w := walker{b: b}
	n, err := w.arrayLen("COSE_Mac0")
	if err != nil {
		return nil, err
	}
	if n != 4 {
		return nil, malformedf("COSE_Mac0 is not an array of 4")
	}
	var m coseMac0
	if m.Protected, err = w.byteString("protected header"); err != nil {
		return nil, err
	}
	if m.Unprotected, err = w.item(); err != nil {
		return nil, err
	}
	if m.Unprotected[0]>>5 != 5 {
		return nil, malformedf("unprotected header is not a map")
	}
	if m.Payload, err = w.item(); err != nil {
		return nil, err
	}
	if m.Tag, err = w.byteString("tag"); err != nil {
		return nil, err
	}
	return &m, nil
}

// coseAlgHMAC256 is COSE algorithm 5, HMAC 256/256 (RFC 9053 §3.1), the only
// MAC 18013-5 §9.1.3.5 allows.
const coseAlgHMAC256 = 5

// Errors of device authentication; the verifier maps them to reason codes.
var (
	ErrMACInvalid       = errors.New("device mac does not verify")
	ErrMACAlgorithm     = errors.New("device mac algorithm not allowed")
	ErrDetachedExpected = errors.New("payload present where a detached payload was expected")
)

// VerifyDeviceMac checks a deviceMac (COSE_Mac0 with detached payload)
// against DeviceAuthenticationBytes with EMacKey.
//
// Hand-written because go-cose v1.3.0 has no COSE_Mac0 (research §0.4). The
// MAC_structure is ["MAC0", protected, external_aad = h”, payload]
// (RFC 9052 §6.3); protected is the byte string exactly as received.
func VerifyDeviceMac(mac0 []byte, emacKey, deviceAuthenticationBytes []byte) error {
	m, err := decodeMac0(mac0)
	if err != nil {
		return fmt.Errorf("mdoc: device mac: %w", err)
	}
	if len(m.Payload) != 1 || m.Payload[0] != 0xf6 {
		return fmt.Errorf("mdoc: device mac: %w", ErrDetachedExpected)
	}
	alg, err := protectedAlg(m.Protected)
	if err != nil {
		return fmt.Errorf("mdoc: device mac: %w", err)
	}
	if alg != coseAlgHMAC256 {
		return fmt.Errorf("mdoc: device mac: alg %d: %w", alg, ErrMACAlgorithm)
	}
	h := hmac.New(sha256.New, emacKey)
	var head [16]byte
	b := append(head[:0], 0x84, 0x64, 'M', 'A', 'C', '0')
	b = appendHead(b, 2, uint64(len(m.Protected)))
	h.Write(b)
	h.Write(m.Protected)
	b = append(head[:0], 0x40) // external_aad h''
	b = appendHead(b, 2, uint64(len(deviceAuthenticationBytes)))
	h.Write(b)
	h.Write(deviceAuthenticationBytes)
	if !hmac.Equal(h.Sum(nil), m.Tag) {
		return ErrMACInvalid
	}
	return nil
}

// ErrAlgMissing: a COSE protected header without an alg (label 1).
var ErrAlgMissing = errors.New("alg missing from protected header")

// protectedAlg reads alg (label 1) from an encoded protected header map
// (the content of the protected bstr). 18013-5 requires alg in the protected
// header for issuerAuth, deviceSignature and deviceMac.
func protectedAlg(protected []byte) (int64, error) {
	if len(protected) == 0 {
		return 0, ErrAlgMissing
	}
	if err := wellformed(protected); err != nil {
		return 0, fmt.Errorf("protected header: %w", err)
	}
	// Labels may be ints or tstrs (RFC 9052 §3); only label 1 matters
	// here, and duplicate labels are still rejected.
	w := walker{b: protected}
	var alg int64
	found := false
	err := w.eachIntEntry("protected header", func(label int64) (bool, error) {
		if label != 1 {
			return false, nil
		}
		found = true
		var err error
		if alg, err = w.int("alg"); err != nil {
			// A tstr alg is legal COSE but names no algorithm 18013-5 allows.
			return true, fmt.Errorf("alg is not an integer: %w", verify.ErrMalformed)
		}
		return true, nil
	})
	if err != nil {
		return 0, fmt.Errorf("protected header: %w", err)
	}
	if !found {
		return 0, ErrAlgMissing
	}
	return alg, nil
}
