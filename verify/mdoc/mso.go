package mdoc

import (
	"bytes"
	"crypto"
	"fmt"
	"time"

	"github.com/fxamacker/cbor/v2"

	"taimen/verify"
)

// MSO is the Mobile Security Object, 18013-5 §9.1.2.4:
//
//	MobileSecurityObject = {"version": tstr, "digestAlgorithm": tstr,
//	    "valueDigests": {+ NameSpace => {+ DigestID => Digest}},
//	    "deviceKeyInfo": DeviceKeyInfo, "docType": tstr,
//	    "validityInfo": ValidityInfo}
//
// The issuer signs MobileSecurityObjectBytes = #6.24(bstr .cbor MSO); the
// verifier decodes the MSO only after that signature has verified.
type MSO struct {
	Version         *string              `cbor:"version"`
	DigestAlgorithm *string              `cbor:"digestAlgorithm"`
	ValueDigests    map[string]DigestIDs `cbor:"valueDigests"`
	DeviceKeyInfo   *DeviceKeyInfo       `cbor:"deviceKeyInfo"`
	DocType         *string              `cbor:"docType"`
	ValidityInfo    *ValidityInfo        `cbor:"validityInfo"`
	// Status (revocation status list, 18013-5 2nd edition) is kept but not judged here.
	Status cbor.RawMessage `cbor:"status,omitempty"`
}

// DigestIDs is one namespace of valueDigests, 18013-5 §9.1.2.4:
// {+ DigestID => Digest}, DigestID = uint, Digest = bstr.
type DigestIDs map[uint64][]byte

// UnmarshalCBOR reads the map with the head walker: an MSO carries a digest
// for every element the issuer signed (often dozens), and reflection-based
// decoding of them was the largest cost of decoding the MSO. Duplicate
// digestIDs are rejected; the digests are sub-slices of one copy.
func (d *DigestIDs) UnmarshalCBOR(data []byte) error {
	if err := verify.DecMode().Wellformed(data); err != nil {
		return verify.ClassifyCBORError(err)
	}
	b := bytes.Clone(data)
	w := walker{b: b}
	major, ai, n, err := w.head()
	if err != nil {
		return err
	}
	if major != 5 {
		return malformedf("valueDigests namespace is not a map")
	}
	indef := ai == aiIndefinite
	m := make(DigestIDs)
	if !indef {
		if n > uint64(len(b)) {
			return fmt.Errorf("mdoc: %w", verify.ErrTruncated)
		}
		m = make(DigestIDs, int(n))
	}
	for i := uint64(0); indef && !w.isBreak() || !indef && i < n; i++ {
		km, _, id, err := w.head()
		if err != nil {
			return err
		}
		if km != 0 {
			return malformedf("digestID is not a uint")
		}
		vm, vai, vn, err := w.head()
		if err != nil {
			return err
		}
		if vm != 2 {
			return malformedf("digest is not a bstr")
		}
		dg, err := w.str(2, vai, vn)
		if err != nil {
			return err
		}
		if _, dup := m[id]; dup {
			return fmt.Errorf("mdoc: digestID %d repeated: %w", id, verify.ErrDuplicateKey)
		}
		m[id] = dg
	}
	if indef {
		if err := w.endIndefinite(); err != nil {
			return err
		}
	}
	*d = m
	return nil
}

// DeviceKeyInfo is 18013-5 §9.1.2.4. DeviceKey stays raw and is decoded by
// device authentication, so that an unsupported key type is reported there
// (device_key_unsupported) and not as a malformed MSO.
type DeviceKeyInfo struct {
	DeviceKey         cbor.RawMessage `cbor:"deviceKey"`
	KeyAuthorizations cbor.RawMessage `cbor:"keyAuthorizations,omitempty"`
	KeyInfo           cbor.RawMessage `cbor:"keyInfo,omitempty"`
}

// ValidityInfo is 18013-5 §9.1.2.4:
//
//	ValidityInfo = {"signed": tdate, "validFrom": tdate, "validUntil": tdate,
//	                ? "expectedUpdate": tdate}
type ValidityInfo struct {
	Signed         *TDate `cbor:"signed"`
	ValidFrom      *TDate `cbor:"validFrom"`
	ValidUntil     *TDate `cbor:"validUntil"`
	ExpectedUpdate *TDate `cbor:"expectedUpdate,omitempty"`
}

// TDate is a CDDL tdate (RFC 8949 §3.4.1): #6.0(tstr) in RFC 3339. Real
// issuers also send the plain tstr without the tag (research §8); both
// are accepted and Tagged records which one arrived, for a warning.
type TDate struct {
	Time   time.Time
	Tagged bool
}

// UnmarshalCBOR accepts #6.0(tstr) or a plain tstr holding an RFC 3339 date-time.
func (d *TDate) UnmarshalCBOR(data []byte) error {
	s, tagged, err := stringMaybeTagged(data, 0)
	if err != nil {
		return fmt.Errorf("mdoc: tdate: %w", err)
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return malformedf("tdate %q", s)
	}
	d.Time, d.Tagged = t, tagged
	return nil
}

// MarshalCBOR writes #6.0(tstr) in UTC without fractional seconds, the form
// 18013-5 §9.1.2.4 requires of issuers.
func (d TDate) MarshalCBOR() ([]byte, error) {
	return verify.Marshal(cbor.Tag{Number: 0, Content: d.Time.UTC().Format(time.RFC3339)})
}

// stringMaybeTagged decodes a tstr, optionally inside the given tag.
func stringMaybeTagged(data []byte, tag uint64) (string, bool, error) {
	if len(data) > 0 && data[0]>>5 == 6 {
		var rt cbor.RawTag
		if err := verify.DecMode().Unmarshal(data, &rt); err != nil {
			return "", false, verify.ClassifyCBORError(err)
		}
		if rt.Number != tag {
			return "", false, malformedf("tag %d where tag %d was expected", rt.Number, tag)
		}
		var s string
		if err := verify.DecMode().Unmarshal(rt.Content, &s); err != nil {
			return "", false, verify.ClassifyCBORError(err)
		}
		return s, true, nil
	}
	var s string
	if err := verify.DecMode().Unmarshal(data, &s); err != nil {
		return "", false, verify.ClassifyCBORError(err)
	}
	return s, false, nil
}

// DecodeMSO decodes MobileSecurityObjectBytes (the issuerAuth payload,
// #6.24(bstr .cbor MSO)) and checks that the required members are present.
func DecodeMSO(payload []byte) (*MSO, error) {
	var t Tag24
	if err := verify.Unmarshal(payload, &t); err != nil {
		return nil, fmt.Errorf("mdoc: mso bytes: %w", err)
	}
	return decodeMSOInner(t.Inner)
}

func decodeMSOInner(inner []byte) (*MSO, error) {
	var m MSO
	if err := verify.Unmarshal(inner, &m); err != nil {
		return nil, fmt.Errorf("mdoc: mso: %w", err)
	}
	switch {
	case m.Version == nil, m.DigestAlgorithm == nil, m.ValueDigests == nil,
		m.DeviceKeyInfo == nil, m.DeviceKeyInfo.DeviceKey == nil, m.DocType == nil, m.ValidityInfo == nil:
		return nil, malformedf("mso lacks a required member")
	case m.ValidityInfo.Signed == nil, m.ValidityInfo.ValidFrom == nil, m.ValidityInfo.ValidUntil == nil:
		return nil, malformedf("mso validityInfo lacks a required member")
	}
	n := 0
	for _, ds := range m.ValueDigests {
		n += len(ds)
	}
	if n > maxDigestsPerMSO {
		return nil, tooLargef("mso has %d digests", n)
	}
	return &m, nil
}

// Digest algorithms of 18013-5 §9.1.2.5, by the identifier the MSO uses.
const (
	DigestSHA256 = "SHA-256"
	DigestSHA384 = "SHA-384"
	DigestSHA512 = "SHA-512"
)

// DefaultDigestAlgs is the digest allow-list used when VerifyOptions leaves it empty.
var DefaultDigestAlgs = []string{DigestSHA256, DigestSHA384, DigestSHA512}

func digestHash(alg string) (crypto.Hash, bool) {
	switch alg {
	case DigestSHA256:
		return crypto.SHA256, true
	case DigestSHA384:
		return crypto.SHA384, true
	case DigestSHA512:
		return crypto.SHA512, true
	}
	return 0, false
}
