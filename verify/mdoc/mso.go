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
	if err := wellformed(data); err != nil {
		return err
	}
	w := walker{b: bytes.Clone(data)}
	m, err := w.digestIDs()
	if err != nil {
		return err
	}
	*d = m
	return nil
}

// digestIDs reads {+ DigestID => Digest}; the digests alias the walker's bytes.
func (w *walker) digestIDs() (DigestIDs, error) {
	major, ai, n, err := w.head()
	if err != nil {
		return nil, err
	}
	if major != 5 {
		return nil, malformedf("valueDigests namespace is not a map")
	}
	indef := ai == aiIndefinite
	var m DigestIDs
	if indef {
		m = make(DigestIDs)
	} else {
		c, err := w.count(n, 2)
		if err != nil {
			return nil, err
		}
		m = make(DigestIDs, c)
	}
	for i := uint64(0); indef && !w.isBreak() || !indef && i < n; i++ {
		id, err := w.uint("digestID")
		if err != nil {
			return nil, err
		}
		dg, err := w.byteString("digest")
		if err != nil {
			return nil, err
		}
		if _, dup := m[id]; dup {
			return nil, fmt.Errorf("mdoc: digestID %d repeated: %w", id, verify.ErrDuplicateKey)
		}
		m[id] = dg
	}
	if indef {
		if err := w.endIndefinite(); err != nil {
			return nil, err
		}
	}
	return m, nil
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
	if err := wellformed(data); err != nil {
		return fmt.Errorf("mdoc: tdate: %w", err)
	}
	w := walker{b: data}
	t, err := w.tdate("tdate")
	if err != nil {
		return fmt.Errorf("mdoc: %w", err)
	}
	*d = *t
	return nil
}

// MarshalCBOR writes #6.0(tstr) in UTC without fractional seconds, the form
// 18013-5 §9.1.2.4 requires of issuers.
func (d TDate) MarshalCBOR() ([]byte, error) {
	return verify.Marshal(cbor.Tag{Number: 0, Content: d.Time.UTC().Format(time.RFC3339)})
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
	if err := wellformed(inner); err != nil {
		return nil, fmt.Errorf("mdoc: mso: %w", err)
	}
	w := walker{b: inner}
	m, err := w.mso()
	if err != nil {
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
	return m, nil
}

// mso reads the MSO map with the head walker (see walk.go); byte strings
// alias the input.
func (w *walker) mso() (*MSO, error) {
	var m MSO
	text := func(dst **string, what string) (bool, error) {
		s, err := w.textString(what)
		*dst = &s
		return true, err
	}
	err := w.eachEntry("MSO", func(key []byte) (bool, error) {
		switch string(key) {
		case "version":
			return text(&m.Version, "version")
		case "digestAlgorithm":
			return text(&m.DigestAlgorithm, "digestAlgorithm")
		case "docType":
			return text(&m.DocType, "docType")
		case "status":
			raw, err := w.item()
			m.Status = raw
			return true, err
		case "valueDigests":
			m.ValueDigests = map[string]DigestIDs{}
			return true, w.eachEntry("valueDigests", func(ns []byte) (bool, error) {
				ids, err := w.digestIDs()
				m.ValueDigests[string(ns)] = ids
				return true, err
			})
		case "deviceKeyInfo":
			var dki DeviceKeyInfo
			m.DeviceKeyInfo = &dki
			return true, w.eachEntry("deviceKeyInfo", func(k []byte) (bool, error) {
				var err error
				switch string(k) {
				case "deviceKey":
					dki.DeviceKey, err = w.item()
				case "keyAuthorizations":
					dki.KeyAuthorizations, err = w.item()
				case "keyInfo":
					dki.KeyInfo, err = w.item()
				default:
					return false, nil
				}
				return true, err
			})
		case "validityInfo":
			var vi ValidityInfo
			m.ValidityInfo = &vi
			return true, w.eachEntry("validityInfo", func(k []byte) (bool, error) {
				var dst **TDate
				switch string(k) {
				case "signed":
					dst = &vi.Signed
				case "validFrom":
					dst = &vi.ValidFrom
				case "validUntil":
					dst = &vi.ValidUntil
				case "expectedUpdate":
					dst = &vi.ExpectedUpdate
				default:
					return false, nil
				}
				d, err := w.tdate(string(k))
				*dst = d
				return true, err
			})
		}
		return false, nil
	})
	return &m, err
}

// tdate reads #6.0(tstr) or a plain tstr (see TDate).
func (w *walker) tdate(what string) (*TDate, error) {
	start := w.off
	major, _, n, err := w.head()
	if err != nil {
		return nil, err
	}
	tagged := major == 6
	if tagged && n != tagDateTime {
		return nil, malformedf("%s: tag %d where tag 0 was expected", what, n)
	}
	if !tagged {
		w.off = start
	}
	s, err := w.textString(what)
	if err != nil {
		return nil, err
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil, malformedf("%s: tdate %q", what, s)
	}
	return &TDate{Time: t, Tagged: tagged}, nil
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
