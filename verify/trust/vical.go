package trust

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"

	"taimen/verify"
)

// Sentinels of [ParseVICAL]. A [*VICALError] unwraps to one of these, or to
// verify.ErrMalformed (and the finer CBOR sentinels) for bad bytes.
var (
	// ErrVICALSignature: the COSE_Sign1 signature does not verify with the
	// signer certificate's key, or its algorithm is not allowed.
	ErrVICALSignature = errors.New("vical signature invalid")
	// ErrVICALSigner: the signer certificate chain is not trusted (unknown
	// root, expired, no EKU 1.0.18013.5.1.8, ...).
	ErrVICALSigner = errors.New("vical signer not trusted")
)

// VICALError says why a VICAL was refused. Code is a stable reason code:
// "malformed", "signature_invalid", "algorithm_unsupported", or the
// issuer_chain code of the signer chain (e.g. "vical_signer_profile_eku").
type VICALError struct {
	Code string
	Err  error // wraps the sentinel
}

func (e *VICALError) Error() string { return "trust: vical: " + e.Err.Error() }
func (e *VICALError) Unwrap() error { return e.Err }

// VICAL is a verified Verified Issuer Certificate Authority List
// (18013-5 Annex C).
type VICAL struct {
	Version    string
	Provider   string
	Date       time.Time
	IssueID    *uint64   // vicalIssueID, if present
	NextUpdate time.Time // zero if absent
	// Stale is set when at is after NextUpdate: the list was signed but a
	// newer one should exist. Importing it is the caller's decision.
	Stale bool
	// Anchors are the listed IACAs, purpose IACA, Source "vical:<provider>",
	// each limited to its entry's docTypes.
	Anchors []Anchor
	// Skipped lists entries that were left out, with the reason.
	Skipped []VICALEntryError
	// Signer is the verified VICAL signer certificate; SignerChain its result.
	Signer      *x509.Certificate
	SignerChain ChainResult
}

// VICALEntryError is a certificateInfo that was not imported.
type VICALEntryError struct {
	Index int
	Err   error
}

// vicalPayload is the VICAL map (18013-5 C.1.7). Unknown keys (RFU,
// extensions) are ignored; duplicate keys are refused by verify.Unmarshal.
type vicalPayload struct {
	Version          *string         `cbor:"version"`
	VICALProvider    *string         `cbor:"vicalProvider"`
	Date             *time.Time      `cbor:"date"`
	VICALIssueID     *uint64         `cbor:"vicalIssueID"`
	NextUpdate       *time.Time      `cbor:"nextUpdate"`
	CertificateInfos *[]certInfo     `cbor:"certificateInfos"`
	Extensions       cbor.RawMessage `cbor:"extensions"`
}

// certInfo is one CertificateInfo (C.1.7).
type certInfo struct {
	Certificate         []byte    `cbor:"certificate"`
	SerialNumber        *big.Int  `cbor:"serialNumber"`
	SKI                 []byte    `cbor:"ski"`
	DocType             []string  `cbor:"docType"`
	CertificateProfile  []string  `cbor:"certificateProfile"`
	IssuingAuthority    string    `cbor:"issuingAuthority"`
	IssuingCountry      string    `cbor:"issuingCountry"`
	StateOrProvinceName string    `cbor:"stateOrProvinceName"`
	Issuer              []byte    `cbor:"issuer"`
	Subject             []byte    `cbor:"subject"`
	NotBefore           time.Time `cbor:"notBefore"`
	NotAfter            time.Time `cbor:"notAfter"`
}

func vicalErr(code string, sentinel error, format string, args ...any) *VICALError {
	return &VICALError{Code: code, Err: fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), sentinel)}
}

// ParseVICAL verifies and decodes a VICAL: a COSE_Sign1 (tagged or not)
// whose x5chain (label 33, protected or unprotected, bstr or array) chains
// to a VICALSigner anchor of s at time at with EKU 1.0.18013.5.1.8, whose
// signature verifies, and whose payload is a VICAL map. The signature is
// checked over the payload bytes as received.
func ParseVICAL(data []byte, s *Store, at time.Time) (*VICAL, error) {
	if len(data) > verify.MaxMessageSize {
		return nil, &VICALError{Code: "malformed", Err: fmt.Errorf("%d bytes: %w", len(data), verify.ErrTooLarge)}
	}
	msg, err := decodeSign1(data)
	if err != nil {
		return nil, &VICALError{Code: "malformed", Err: err}
	}
	chain, err := x5chain(msg)
	if err != nil {
		return nil, &VICALError{Code: "malformed", Err: err}
	}
	if s == nil {
		s = &Store{}
	}
	cr := s.verifyChain(&vicalRole, chain, at)
	if !cr.OK() {
		c, _ := cr.Checks.Get(CheckIssuerChain)
		code := c.Code
		if code == CodeChainMalformed {
			return nil, vicalErr("malformed", verify.ErrMalformed, "x5chain: %s", c.Detail)
		}
		return nil, vicalErr(code, ErrVICALSigner, "%s: %s", code, c.Detail)
	}
	alg, err := msg.Headers.Protected.Algorithm()
	if err != nil {
		return nil, vicalErr("malformed", verify.ErrMalformed, "alg: %v", err)
	}
	switch alg {
	case cose.AlgorithmES256, cose.AlgorithmES384, cose.AlgorithmES512, cose.AlgorithmEdDSA:
	default:
		return nil, vicalErr("algorithm_unsupported", ErrVICALSignature, "algorithm %v not allowed", alg)
	}
	v, err := cose.NewVerifier(alg, cr.Leaf.PublicKey)
	if err != nil {
		return nil, vicalErr("algorithm_unsupported", ErrVICALSignature, "%v", err)
	}
	if msg.Payload == nil {
		return nil, vicalErr("malformed", verify.ErrMalformed, "detached payload")
	}
	if err := msg.Verify(nil, v); err != nil {
		return nil, vicalErr("signature_invalid", ErrVICALSignature, "%v", err)
	}

	var p vicalPayload
	if err := verify.Unmarshal(msg.Payload, &p); err != nil {
		return nil, &VICALError{Code: "malformed", Err: fmt.Errorf("payload: %w", err)}
	}
	if p.Version == nil || p.VICALProvider == nil || p.Date == nil || p.CertificateInfos == nil {
		return nil, vicalErr("malformed", verify.ErrMalformed, "payload lacks version, vicalProvider, date or certificateInfos")
	}
	out := &VICAL{
		Version:     *p.Version,
		Provider:    *p.VICALProvider,
		Date:        *p.Date,
		IssueID:     p.VICALIssueID,
		Signer:      cr.Leaf,
		SignerChain: cr,
	}
	if p.NextUpdate != nil {
		out.NextUpdate = *p.NextUpdate
		out.Stale = at.After(out.NextUpdate)
	}
	source := "vical:" + out.Provider
	for i, ci := range *p.CertificateInfos {
		a, err := ci.anchor(source)
		if err != nil {
			out.Skipped = append(out.Skipped, VICALEntryError{Index: i, Err: err})
			continue
		}
		out.Anchors = append(out.Anchors, a)
	}
	return out, nil
}

// anchor checks one CertificateInfo against its certificate: the listed
// serialNumber and ski must be the certificate's own, so that the list
// cannot say one thing and carry another.
func (ci *certInfo) anchor(source string) (Anchor, error) {
	if len(ci.Certificate) == 0 || ci.SerialNumber == nil || ci.SKI == nil || len(ci.DocType) == 0 {
		return Anchor{}, fmt.Errorf("certificateInfo lacks certificate, serialNumber, ski or docType: %w", verify.ErrMalformed)
	}
	c, err := x509.ParseCertificate(ci.Certificate)
	if err != nil {
		return Anchor{}, fmt.Errorf("certificate: %w: %w", verify.ErrMalformed, err)
	}
	if c.SerialNumber.Cmp(ci.SerialNumber) != 0 {
		return Anchor{}, fmt.Errorf("serialNumber %x is not the certificate's %x: %w", ci.SerialNumber, c.SerialNumber, verify.ErrMalformed)
	}
	if !bytes.Equal(c.SubjectKeyId, ci.SKI) {
		return Anchor{}, fmt.Errorf("ski %x is not the certificate's %x: %w", ci.SKI, c.SubjectKeyId, verify.ErrMalformed)
	}
	a := NewAnchor(c, IACA, source)
	a.DocTypes = append([]string(nil), ci.DocType...)
	return a, nil
}

// decodeSign1 accepts a tagged (18) or untagged COSE_Sign1.
func decodeSign1(data []byte) (*cose.Sign1Message, error) {
	if err := verify.DecMode().Wellformed(data); err != nil {
		return nil, verify.ClassifyCBORError(err)
	}
	if len(data) > 0 && data[0] == 0xd2 { // tag 18
		var m cose.Sign1Message
		if err := m.UnmarshalCBOR(data); err != nil {
			return nil, fmt.Errorf("cose_sign1: %w: %w", verify.ErrMalformed, err)
		}
		return &m, nil
	}
	var m cose.UntaggedSign1Message
	if err := m.UnmarshalCBOR(data); err != nil {
		return nil, fmt.Errorf("cose_sign1: %w: %w", verify.ErrMalformed, err)
	}
	return (*cose.Sign1Message)(&m), nil
}

// x5chain reads header label 33 (RFC 9360) from the protected header, else
// the unprotected one. go-cose's VerifyWithX5Chain reads only the
// protected header, and 18013-5 puts it in the unprotected one.
func x5chain(m *cose.Sign1Message) ([][]byte, error) {
	v, ok := m.Headers.Protected[cose.HeaderLabelX5Chain]
	if !ok {
		v, ok = m.Headers.Unprotected[cose.HeaderLabelX5Chain]
	}
	if !ok {
		return nil, fmt.Errorf("no x5chain: %w", verify.ErrMalformed)
	}
	switch t := v.(type) {
	case []byte:
		return [][]byte{t}, nil
	case []any:
		if len(t) < 2 { // RFC 9360: one certificate is a bstr, not an array
			return nil, fmt.Errorf("x5chain array of %d: %w", len(t), verify.ErrMalformed)
		}
		out := make([][]byte, len(t))
		for i, e := range t {
			b, ok := e.([]byte)
			if !ok {
				return nil, fmt.Errorf("x5chain element %d is %T: %w", i, e, verify.ErrMalformed)
			}
			out[i] = b
		}
		return out, nil
	}
	return nil, fmt.Errorf("x5chain is %T: %w", v, verify.ErrMalformed)
}
