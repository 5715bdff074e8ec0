package mdoc

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"

	"taimen/verify"
	"taimen/verify/trust"
)

// VerifyOptions are the inputs of [VerifyResponse] besides the bytes.
type VerifyOptions struct {
	// Trust holds the IACAs. Nil: issuer_chain is not_checked
	// (no_trust_store) and the verdict cannot be valid.
	Trust *trust.Store
	// At is the verification time (required; the caller passes now).
	At time.Time
	// Transcript is this session's SessionTranscript. Nil: device_auth is
	// not_checked (no_transcript) and the verdict is undetermined.
	Transcript *SessionTranscript
	// ReaderKey is EReaderKey's private key; it is needed only for a
	// deviceMac. Nil with a deviceMac: device_auth not_checked (no_reader_key).
	ReaderKey *ecdh.PrivateKey
	// Requested is what was asked for: docType → namespace → element →
	// intent_to_retain. Nil: extra elements are not judged. Otherwise
	// elements sent without being asked are flagged and dropped.
	Requested map[string]map[string]map[string]bool
	// DigestAlgs is the MSO digest allow-list; empty means DefaultDigestAlgs.
	DigestAlgs []string
	// SigAlgs is the allow-list for issuerAuth and deviceSignature; empty
	// means DefaultSigAlgs.
	SigAlgs []cose.Algorithm
}

// DefaultSigAlgs are the signature algorithms of 18013-5 §9.1.3.6 and
// §9.1.2.4 that Go's standard library verifies.
var DefaultSigAlgs = []cose.Algorithm{cose.AlgorithmES256, cose.AlgorithmES384, cose.AlgorithmES512, cose.AlgorithmEdDSA}

// VerifyResponse verifies a DeviceResponse (18013-5 §9.3.1) and says, check
// by check, what is proven and what is not. It never panics and never
// returns nil: malformed input is a verdict (decode invalid), not an error.
//
// Order, per document (each step needs the ones before it; a check that
// cannot run is not_checked with code prerequisite_failed):
//
//  1. decode: strict CBOR (limits, duplicate keys, trailing bytes), required members.
//  2. issuer_chain, revocation: x5chain from the issuerAuth unprotected
//     header (label 33, bstr or array of bstr) judged by verify/trust.
//  3. issuer_signature: the protected alg must be present, allowed and fit
//     the DS key; the COSE_Sign1 signature; the payload must be a
//     well-formed MSO (#6.24).
//  4. digests: every disclosed IssuerSignedItemBytes is hashed as received
//     (tag 24 included) and compared with valueDigests[namespace][digestID].
//  5. doctype: MSO docType = Document docType, and the IACA may issue it.
//  6. validity: validFrom ≤ At ≤ validUntil, and signed within the DS
//     certificate's validity.
//  7. device_auth: deviceSignature (COSE_Sign1 by the MSO deviceKey) or
//     deviceMac (COSE_Mac0 with EMacKey) over DeviceAuthenticationBytes
//     built from the raw SessionTranscript and DeviceNameSpacesBytes.
//
// An expired DS or MSO is an expiry, not a forgery: the signature and
// digest checks still run and say valid when they are. Elements holds
// what the digests proved, whatever the other checks say; a caller shows
// them as verified only when Result.Valid.
func VerifyResponse(data []byte, opts VerifyOptions) (res *Result) {
	defer func() {
		// A panic would be a bug in Taimen or a library; the counter still
		// gets an answer, and it is not "valid".
		if p := recover(); p != nil {
			res = newResult()
			res.Checks = verify.Checks{{ID: CheckDecode, Status: verify.StatusInvalid, Code: CodeMalformed, Detail: fmt.Sprintf("internal error: %v", p)}}
			res.fold()
		}
	}()
	return verifyResponse(data, &opts)
}

func newResult() *Result {
	return &Result{Documents: []DocumentResult{}, Warnings: []string{}}
}

// codeOf maps a decoding error to its reason code.
func codeOf(err error) string {
	switch {
	case errors.Is(err, verify.ErrTruncated):
		return CodeTruncated
	case errors.Is(err, verify.ErrTooLarge):
		return CodeTooLarge
	case errors.Is(err, verify.ErrTooDeep):
		return CodeTooDeep
	case errors.Is(err, verify.ErrDuplicateKey):
		return CodeDuplicateKey
	}
	return CodeMalformed
}

func valid(id string) verify.Check {
	return verify.Check{ID: id, Status: verify.StatusValid, Code: CodeOK}
}

func notReached(id string) verify.Check {
	return verify.Check{ID: id, Status: verify.StatusNotChecked, Code: CodeNotReached}
}

func invalid(id, code, detail string) verify.Check {
	return verify.Check{ID: id, Status: verify.StatusInvalid, Code: code, Detail: detail}
}

func verifyResponse(data []byte, opts *VerifyOptions) *Result {
	res := newResult()
	defer res.fold()
	r, err := DecodeDeviceResponse(data)
	if err == nil {
		err = checkVersion(*r.Version, res)
	}
	if err != nil {
		code := codeOf(err)
		if errors.Is(err, errVersion) {
			code = CodeVersionUnsupported
		}
		res.Checks = verify.Checks{invalid(CheckDecode, code, err.Error()), notReached(CheckResponseStatus), notReached(CheckDocuments)}
		return res
	}
	res.Checks = append(res.Checks, valid(CheckDecode))
	res.Checks = append(res.Checks, statusCheck(*r.Status))
	if len(r.DocumentErrors) > 0 {
		res.DocumentErrors = make(map[string]int)
		for _, de := range r.DocumentErrors {
			for dt, code := range de {
				res.DocumentErrors[dt] = code
			}
		}
		res.Warnings = append(res.Warnings, WarnDocumentErrors)
	}
	if len(r.Documents) == 0 {
		res.Checks = append(res.Checks, invalid(CheckDocuments, CodeNoDocuments, "the response carries no document"))
		return res
	}
	res.Checks = append(res.Checks, valid(CheckDocuments))
	res.Documents = make([]DocumentResult, len(r.Documents))
	for i := range r.Documents {
		verifyDocument(&r.Documents[i], opts, &res.Documents[i])
	}
	return res
}

var errVersion = errors.New("version unsupported")

// checkVersion accepts "1.0" and, with a warning, any later 1.x (the 2nd
// edition's "1.1" adds optional members only).
func checkVersion(v string, res *Result) error {
	if v == "1.0" {
		return nil
	}
	if major, _, ok := strings.Cut(v, "."); ok && major == "1" {
		res.Warnings = append(res.Warnings, WarnUnknownVersion)
		return nil
	}
	return fmt.Errorf("mdoc: device response version %q: %w", v, errVersion)
}

func statusCheck(st uint64) verify.Check {
	switch st {
	case StatusOK:
		return valid(CheckResponseStatus)
	case StatusGeneralError:
		return invalid(CheckResponseStatus, CodeStatusGeneralError, "status 10")
	case StatusCBORDecodingError:
		return invalid(CheckResponseStatus, CodeStatusCBORDecodingError, "status 11")
	case StatusCBORValidationError:
		return invalid(CheckResponseStatus, CodeStatusCBORValidationError, "status 12")
	}
	return invalid(CheckResponseStatus, CodeStatusUnknown, fmt.Sprintf("status %d", st))
}

// Positions of the document checks in DocumentResult.Checks.
const (
	iChain = iota
	iRevocation
	iSignature
	iDigests
	iDocType
	iValidity
	iDeviceAuth
	nDocChecks
)

var docCheckIDs = [nDocChecks]string{CheckIssuerChain, CheckRevocation, CheckIssuerSignature, CheckDigests, CheckDocType, CheckValidity, CheckDeviceAuth}

// coseSign1 is RFC 9052 §4.2 COSE_Sign1, untagged as 18013-5 uses it.
// Protected is the received bstr (head included), which go-cose puts into
// Sig_structure; decoding goes through Taimen's strict setup, not go-cose's.
type coseSign1 struct {
	_           struct{} `cbor:",toarray"`
	Protected   cbor.RawMessage
	Unprotected cbor.RawMessage
	Payload     cbor.RawMessage
	Signature   []byte
}

// coseHeaderX5Chain is the x5chain header label (RFC 9360 §2).
const coseHeaderX5Chain = 33

// decodeSign1 reads an untagged COSE_Sign1 and returns it with the content
// of its protected header bstr. Parts alias raw.
func decodeSign1(raw []byte) (*coseSign1, []byte, error) {
	if err := wellformed(raw); err != nil {
		return nil, nil, err
	}
	w := walker{b: raw}
	n, err := w.arrayLen("COSE_Sign1")
	if err != nil {
		return nil, nil, err
	}
	if n != 4 {
		return nil, nil, malformedf("COSE_Sign1 is not an array of 4")
	}
	var m coseSign1
	pstart := w.off
	prot, err := w.byteString("protected header")
	if err != nil {
		return nil, nil, err
	}
	m.Protected = raw[pstart:w.off]
	if m.Unprotected, err = w.item(); err != nil {
		return nil, nil, err
	}
	if m.Unprotected[0]>>5 != 5 {
		return nil, nil, malformedf("unprotected header is not a map")
	}
	if m.Payload, err = w.item(); err != nil {
		return nil, nil, err
	}
	if m.Signature, err = w.byteString("signature"); err != nil {
		return nil, nil, err
	}
	return &m, prot, nil
}

// payloadBytes returns the payload bstr content; nil for CBOR null.
func payloadBytes(p cbor.RawMessage) ([]byte, bool, error) {
	if len(p) == 1 && p[0] == 0xf6 {
		return nil, false, nil
	}
	w := walker{b: p}
	b, err := w.byteString("payload")
	if err != nil {
		return nil, false, err
	}
	return b, true, nil
}

// docState carries what one document's checks learn from each other.
type docState struct {
	opts   *VerifyOptions
	dr     *DocumentResult
	checks [nDocChecks]verify.Check
	leaf   *x509.Certificate
	anchor *trust.Anchor
	mso    *MSO
	msoDoc string
}

func (s *docState) warn(code string) {
	if !slices.Contains(s.dr.Warnings, code) {
		s.dr.Warnings = append(s.dr.Warnings, code)
	}
}

func verifyDocument(d *Document, opts *VerifyOptions, dr *DocumentResult) {
	s := &docState{opts: opts, dr: dr}
	dr.DocType = *d.DocType
	dr.Elements = map[string]map[string]Value{}
	dr.Warnings = []string{}
	for i := range s.checks {
		s.checks[i] = notReached(docCheckIDs[i])
	}
	defer func() { dr.Checks = s.checks[:] }()
	if len(d.Errors) > 0 {
		dr.Errors = d.Errors
		s.warn(WarnElementErrors)
	}

	sign1, prot, err := decodeSign1(d.IssuerSigned.IssuerAuth)
	if err != nil {
		s.checks[iSignature] = invalid(CheckIssuerSignature, CodeIssuerAuthMalformed, err.Error())
		return
	}
	s.issuerChain(sign1)
	if !s.issuerSignature(sign1, prot) {
		return
	}
	s.digests(d)
	s.docType()
	s.validity()
	s.deviceAuth(d)
}

// issuerChain reads x5chain from the unprotected header and has verify/trust
// judge it. It leaves s.leaf set whenever the DS certificate parses, so the
// signature is still checked when the chain fails (an expired DS is an
// expiry, not a forgery).
func (s *docState) issuerChain(m *coseSign1) {
	var x5 []byte
	w := walker{b: m.Unprotected}
	err := w.eachIntEntry("unprotected header", func(label int64) (bool, error) {
		if label != coseHeaderX5Chain {
			return false, nil
		}
		var err error
		x5, err = w.item()
		return true, err
	})
	if err != nil {
		s.checks[iChain] = invalid(CheckIssuerChain, CodeX5ChainMalformed, err.Error())
		return
	}
	if x5 == nil {
		s.checks[iChain] = invalid(CheckIssuerChain, CodeX5ChainMissing, "no x5chain in the issuerAuth unprotected header")
		return
	}
	chain, single, err := parseX5Chain(x5)
	if err != nil {
		s.checks[iChain] = invalid(CheckIssuerChain, CodeX5ChainMalformed, err.Error())
		return
	}
	if single {
		s.warn(WarnX5ChainSingleArray)
	}
	if s.opts.Trust == nil {
		s.checks[iChain] = verify.Check{ID: CheckIssuerChain, Status: verify.StatusNotChecked, Code: CodeNoTrustStore}
		s.checks[iRevocation] = verify.Check{ID: CheckRevocation, Status: verify.StatusNotChecked, Code: CodeNoTrustStore}
	} else {
		cr := s.opts.Trust.VerifyDocumentSigner(chain, s.opts.At)
		if c, ok := cr.Checks.Get(CheckIssuerChain); ok {
			s.checks[iChain] = c
		}
		if c, ok := cr.Checks.Get(CheckRevocation); ok {
			s.checks[iRevocation] = c
		}
		s.dr.Issuer = cr.Issuer
		s.leaf, s.anchor = cr.Leaf, cr.Anchor
		for _, w := range cr.Warnings {
			s.warn(w)
		}
	}
	if s.leaf == nil {
		if c, err := x509.ParseCertificate(chain[0]); err == nil {
			s.leaf = c
		}
	}
}

// parseX5Chain reads x5chain (RFC 9360 §2): a bstr for one certificate or an
// array of bstr, leaf first. An array of one is not what RFC 9360 wants but
// carries the same meaning, so it is accepted with a warning.
func parseX5Chain(raw []byte) (chain [][]byte, singleArray bool, err error) {
	w := walker{b: raw}
	switch raw[0] >> 5 {
	case 2:
		c, err := w.byteString("x5chain")
		if err != nil {
			return nil, false, err
		}
		return [][]byte{c}, false, nil
	case 4:
		err := w.eachElement("x5chain", func() error {
			c, err := w.byteString("x5chain certificate")
			chain = append(chain, c)
			return err
		})
		if err != nil {
			return nil, false, err
		}
		if len(chain) == 0 {
			return nil, false, malformedf("empty x5chain")
		}
		return chain, len(chain) == 1, nil
	}
	return nil, false, malformedf("x5chain is neither bstr nor array")
}

func (s *docState) algAllowed(alg cose.Algorithm) bool {
	algs := s.opts.SigAlgs
	if len(algs) == 0 {
		algs = DefaultSigAlgs
	}
	return slices.Contains(algs, alg)
}

// sigCode is a signature-setup failure with its reason code.
type sigCode struct{ code, detail string }

// newVerifier checks alg against the allow-list and the key (type and
// curve: ES256 needs P-256, ES384 P-384, ES512 P-521, EdDSA Ed25519) and
// returns a go-cose verifier. go-cose itself does not match the curve to
// the alg.
func (s *docState) newVerifier(alg cose.Algorithm, key any, device bool) (cose.Verifier, *sigCode) {
	notAllowed, mismatch := CodeAlgNotAllowed, CodeKeyAlgMismatch
	if device {
		notAllowed, mismatch = CodeDeviceAlgNotAllowed, CodeDeviceKeyAlgMismatch
	}
	if !s.algAllowed(alg) {
		return nil, &sigCode{notAllowed, fmt.Sprintf("alg %v", alg)}
	}
	var want elliptic.Curve
	switch alg {
	case cose.AlgorithmES256:
		want = elliptic.P256()
	case cose.AlgorithmES384:
		want = elliptic.P384()
	case cose.AlgorithmES512:
		want = elliptic.P521()
	}
	switch k := key.(type) {
	case *ecdsa.PublicKey:
		if want == nil || k.Curve != want {
			return nil, &sigCode{mismatch, fmt.Sprintf("alg %v with curve %s", alg, k.Curve.Params().Name)}
		}
	case ed25519.PublicKey:
		if alg != cose.AlgorithmEdDSA {
			return nil, &sigCode{mismatch, fmt.Sprintf("alg %v with an Ed25519 key", alg)}
		}
	default:
		return nil, &sigCode{mismatch, fmt.Sprintf("alg %v with a %T key", alg, key)}
	}
	v, err := cose.NewVerifier(alg, key)
	if err != nil {
		return nil, &sigCode{mismatch, err.Error()}
	}
	return v, nil
}

// verifySign1 verifies a COSE_Sign1 with go-cose: the message is built from
// the received parts (protected bstr as received, payload set by the caller,
// which is how go-cose handles a detached payload, research §0.4).
func verifySign1(m *coseSign1, alg cose.Algorithm, payload []byte, v cose.Verifier) error {
	msg := cose.UntaggedSign1Message{
		Headers: cose.Headers{
			RawProtected: m.Protected,
			Protected:    cose.ProtectedHeader{cose.HeaderLabelAlgorithm: alg},
		},
		Payload:   payload,
		Signature: m.Signature,
	}
	return msg.Verify(nil, v)
}

// issuerSignature verifies issuerAuth (18013-5 §9.1.2.4) and decodes the MSO
// it signs. It reports whether the MSO is usable for the later checks.
func (s *docState) issuerSignature(m *coseSign1, prot []byte) bool {
	fail := func(code, detail string) bool {
		s.checks[iSignature] = invalid(CheckIssuerSignature, code, detail)
		return false
	}
	alg, err := protectedAlg(prot)
	switch {
	case errors.Is(err, ErrAlgMissing):
		return fail(CodeAlgMissing, err.Error())
	case err != nil:
		return fail(CodeIssuerAuthMalformed, err.Error())
	}
	if s.leaf == nil {
		if s.checks[iChain].Status == verify.StatusInvalid || s.checks[iChain].Code == CodeNoTrustStore {
			// No certificate to take the key from: the chain check says why.
			return false
		}
		return fail(CodeDSCertUnreadable, "the DS certificate cannot be parsed")
	}
	v, sc := s.newVerifier(cose.Algorithm(alg), s.leaf.PublicKey, false)
	if sc != nil {
		return fail(sc.code, sc.detail)
	}
	payload, present, err := payloadBytes(m.Payload)
	if err != nil {
		return fail(CodeIssuerAuthMalformed, err.Error())
	}
	if !present {
		return fail(CodePayloadMissing, "issuerAuth payload is null")
	}
	if err := verifySign1(m, cose.Algorithm(alg), payload, v); err != nil {
		return fail(CodeSignatureInvalid, err.Error())
	}
	mso, err := DecodeMSO(payload)
	if err != nil {
		return fail(CodeMSOMalformed, err.Error())
	}
	s.mso = mso
	s.checks[iSignature] = valid(CheckIssuerSignature)
	v10 := *mso.Version
	if v10 != "1.0" {
		s.warn(WarnUnknownVersion)
	}
	vi := mso.ValidityInfo
	s.dr.MSO = MSOValidity{Signed: vi.Signed.Time, ValidFrom: vi.ValidFrom.Time, ValidUntil: vi.ValidUntil.Time}
	if vi.ExpectedUpdate != nil {
		t := vi.ExpectedUpdate.Time
		s.dr.MSO.ExpectedUpdate = &t
	}
	if !vi.Signed.Tagged || !vi.ValidFrom.Tagged || !vi.ValidUntil.Tagged || (vi.ExpectedUpdate != nil && !vi.ExpectedUpdate.Tagged) {
		s.warn(WarnDateUntagged)
	}
	return true
}

// digests checks every disclosed IssuerSignedItem against the MSO (18013-5
// §9.1.2.5, §9.3.1): the digest is over the full received tag-24 item
// (d8 18 …), never over a re-encoding. Only items that pass become Elements.
func (s *docState) digests(d *Document) {
	algs := s.opts.DigestAlgs
	if len(algs) == 0 {
		algs = DefaultDigestAlgs
	}
	alg := *s.mso.DigestAlgorithm
	h, ok := digestHash(alg)
	if !ok || !slices.Contains(algs, alg) {
		s.checks[iDigests] = invalid(CheckDigests, CodeDigestAlgUnsupported, fmt.Sprintf("digestAlgorithm %q", alg))
		return
	}
	var req map[string]map[string]bool
	judge := s.opts.Requested != nil
	if judge {
		var asked bool
		req, asked = s.opts.Requested[s.dr.DocType]
		if !asked {
			s.warn(WarnUnrequestedDocument)
		}
	}
	first := verify.Check{}
	failures := 0
	failf := func(code, format string, args ...any) {
		failures++
		if first.Code == "" {
			first = invalid(CheckDigests, code, fmt.Sprintf(format, args...))
		}
	}
	hasher := h.New()
	var sum []byte
	// Namespaces in a stable order, so the first failure reported is too.
	nss := make([]string, 0, len(d.IssuerSigned.NameSpaces))
	for ns := range d.IssuerSigned.NameSpaces {
		nss = append(nss, ns)
	}
	slices.Sort(nss)
	for _, ns := range nss {
		items := d.IssuerSigned.NameSpaces[ns]
		want := s.mso.ValueDigests[ns]
		seen := newIDSet(len(items))
		for _, t := range items {
			var it itemView
			if err := it.decode(t.Inner); err != nil {
				failf(CodeItemMalformed, "%s: %v", ns, err)
				continue
			}
			id, elem := it.digestID, string(it.elementIdentifier)
			digest, ok := want[id]
			if !ok {
				failf(CodeDigestMissing, "%s/%s: no digest for digestID %d", ns, elem, id)
				continue
			}
			hasher.Reset()
			hasher.Write(t.Raw)
			sum = hasher.Sum(sum[:0])
			if !bytes.Equal(sum, digest) {
				failf(CodeDigestMismatch, "%s/%s: digestID %d", ns, elem, id)
				continue
			}
			if _, dup := s.dr.Elements[ns][elem]; dup || !seen.add(id) {
				failf(CodeDuplicateElement, "%s/%s disclosed twice", ns, elem)
				continue
			}
			if len(it.random) < 16 {
				s.warn(WarnShortRandom)
			}
			if judge {
				if _, asked := req[ns][elem]; !asked {
					s.dr.Unrequested = append(s.dr.Unrequested, ElementRef{Namespace: ns, Element: elem})
					s.warn(WarnUnrequestedElements)
					continue
				}
			}
			val, err := DecodeValue(it.elementValue)
			if err != nil {
				s.warn(WarnValueUndecodable)
				continue
			}
			if s.dr.Elements[ns] == nil {
				s.dr.Elements[ns] = make(map[string]Value, len(items))
			}
			s.dr.Elements[ns][elem] = val
		}
	}
	if failures > 0 {
		if failures > 1 {
			first.Detail = fmt.Sprintf("%s (and %d more)", first.Detail, failures-1)
		}
		s.checks[iDigests] = first
		return
	}
	s.checks[iDigests] = valid(CheckDigests)
}

// docType checks MSO.docType == Document.docType (18013-5 §9.3.1) and that
// the IACA the chain ended at may issue this docType (VICAL docType lists).
func (s *docState) docType() {
	if *s.mso.DocType != s.dr.DocType {
		s.checks[iDocType] = invalid(CheckDocType, CodeDocTypeMismatch, fmt.Sprintf("mso docType %q, document docType %q", *s.mso.DocType, s.dr.DocType))
		return
	}
	if s.anchor != nil && !s.anchor.AllowsDocType(s.dr.DocType) {
		s.checks[iDocType] = invalid(CheckDocType, CodeDocTypeNotAllowed, fmt.Sprintf("anchor %s does not issue %q", s.anchor.Cert.Subject, s.dr.DocType))
		return
	}
	s.checks[iDocType] = valid(CheckDocType)
}

// validity applies 18013-5 §9.3.1: the signed date lies within the DS
// certificate's validity, and validFrom ≤ at ≤ validUntil. §9.1.2.4 also
// tells issuers to set validFrom no earlier than signed; that is an issuer
// rule the verifier does not add to, so a breach is only a warning.
func (s *docState) validity() {
	vi := s.mso.ValidityInfo
	at := s.opts.At
	if at.IsZero() {
		s.checks[iValidity] = verify.Check{ID: CheckValidity, Status: verify.StatusUndetermined, Code: CodeNoVerificationTime, Detail: "VerifyOptions.At is zero"}
		return
	}
	var fails []verify.Check
	if at.After(vi.ValidUntil.Time) {
		fails = append(fails, invalid(CheckValidity, CodeMSOExpired, fmt.Sprintf("validUntil %s, at %s", vi.ValidUntil.Time.Format(time.RFC3339), at.UTC().Format(time.RFC3339))))
	}
	if at.Before(vi.ValidFrom.Time) {
		fails = append(fails, invalid(CheckValidity, CodeMSONotYetValid, fmt.Sprintf("validFrom %s, at %s", vi.ValidFrom.Time.Format(time.RFC3339), at.UTC().Format(time.RFC3339))))
	}
	if s.leaf != nil && (vi.Signed.Time.Before(s.leaf.NotBefore) || vi.Signed.Time.After(s.leaf.NotAfter)) {
		fails = append(fails, invalid(CheckValidity, CodeSignedOutsideDSValidity, fmt.Sprintf("signed %s, DS valid %s..%s", vi.Signed.Time.Format(time.RFC3339), s.leaf.NotBefore.Format(time.RFC3339), s.leaf.NotAfter.Format(time.RFC3339))))
	}
	if vi.ValidFrom.Time.Before(vi.Signed.Time) {
		s.warn(WarnValidFromBeforeSign)
	}
	if len(fails) == 0 {
		s.checks[iValidity] = valid(CheckValidity)
		return
	}
	c := fails[0]
	for _, f := range fails[1:] {
		c.Detail += "; also " + f.Code + ": " + f.Detail
	}
	s.checks[iValidity] = c
}

// deviceAuth verifies deviceSignature or deviceMac (18013-5 §9.1.3) over
// DeviceAuthenticationBytes built from this session's transcript.
func (s *docState) deviceAuth(d *Document) {
	fail := func(code, detail string) {
		s.checks[iDeviceAuth] = invalid(CheckDeviceAuth, code, detail)
	}
	notChecked := func(code, detail string) {
		s.checks[iDeviceAuth] = verify.Check{ID: CheckDeviceAuth, Status: verify.StatusNotChecked, Code: code, Detail: detail}
	}
	ds := d.DeviceSigned
	dns := ds.NameSpaces.Inner
	if len(dns) == 0 || dns[0]>>5 != 5 {
		fail(CodeDeviceAuthMalformed, "deviceSigned nameSpaces is not a map")
		return
	}
	if !bytes.Equal(dns, []byte{0xa0}) {
		s.warn(WarnDeviceSignedElements)
	}
	sig, mac := ds.DeviceAuth.DeviceSignature, ds.DeviceAuth.DeviceMac
	if (sig == nil) == (mac == nil) {
		fail(CodeDeviceAuthMalformed, "deviceAuth needs exactly one of deviceSignature and deviceMac")
		return
	}
	if s.opts.Transcript == nil {
		notChecked(CodeNoTranscript, "no session transcript: the document is not bound to this session")
		return
	}
	key, err := DecodeCOSEKey(s.mso.DeviceKeyInfo.DeviceKey)
	if err != nil {
		fail(CodeDeviceKeyUnsupported, err.Error())
		return
	}
	dab := DeviceAuthenticationBytes(*s.opts.Transcript, s.dr.DocType, *ds.NameSpaces)
	if sig != nil {
		s.deviceSignature(sig, key, dab)
		return
	}
	if s.opts.ReaderKey == nil {
		notChecked(CodeNoReaderKey, "deviceMac needs the reader's ephemeral private key")
		return
	}
	if _, err := key.ECDH(); err != nil {
		fail(CodeDeviceKeyUnsupported, err.Error())
		return
	}
	emac, err := DeriveEMacKey(s.opts.ReaderKey, key, *s.opts.Transcript)
	if err != nil {
		fail(CodeReaderKeyMismatch, err.Error())
		return
	}
	switch err := VerifyDeviceMac(mac, emac, dab); {
	case err == nil:
		s.checks[iDeviceAuth] = valid(CheckDeviceAuth)
	case errors.Is(err, ErrMACInvalid):
		fail(CodeDeviceMacInvalid, err.Error())
	case errors.Is(err, ErrMACAlgorithm), errors.Is(err, ErrAlgMissing):
		fail(CodeDeviceAlgNotAllowed, err.Error())
	default:
		fail(CodeDeviceAuthMalformed, err.Error())
	}
}

// deviceSigningKey turns the MSO device key into a signature-verification
// key: EC2 (P-256/384/521) or OKP Ed25519.
func deviceSigningKey(k *COSEKey) (any, error) {
	if k.Kty == ktyOKP && k.Crv == crvEd25519 {
		if len(k.X) != ed25519.PublicKeySize {
			return nil, malformedf("ed25519 key of %d bytes", len(k.X))
		}
		return ed25519.PublicKey(k.X), nil
	}
	return k.PublicKey()
}

func (s *docState) deviceSignature(raw []byte, key *COSEKey, dab []byte) {
	fail := func(code, detail string) {
		s.checks[iDeviceAuth] = invalid(CheckDeviceAuth, code, detail)
	}
	m, prot, err := decodeSign1(raw)
	if err != nil {
		fail(CodeDeviceAuthMalformed, err.Error())
		return
	}
	if len(m.Payload) != 1 || m.Payload[0] != 0xf6 {
		fail(CodeDeviceAuthMalformed, "deviceSignature payload is not detached")
		return
	}
	alg, err := protectedAlg(prot)
	if err != nil {
		fail(CodeDeviceAlgNotAllowed, err.Error())
		return
	}
	pub, err := deviceSigningKey(key)
	if err != nil {
		fail(CodeDeviceKeyUnsupported, err.Error())
		return
	}
	v, sc := s.newVerifier(cose.Algorithm(alg), pub, true)
	if sc != nil {
		fail(sc.code, sc.detail)
		return
	}
	if err := verifySign1(m, cose.Algorithm(alg), dab, v); err != nil {
		fail(CodeDeviceSignatureInvalid, err.Error())
		return
	}
	s.checks[iDeviceAuth] = valid(CheckDeviceAuth)
}

// idSet remembers digestIDs: a slice scan for the usual few dozen items,
// a map beyond.
type idSet struct {
	ids []uint64
	m   map[uint64]struct{}
}

func newIDSet(n int) *idSet {
	if n > 64 {
		return &idSet{m: make(map[uint64]struct{}, n)}
	}
	return &idSet{ids: make([]uint64, 0, n)}
}

// add reports whether id was new.
func (s *idSet) add(id uint64) bool {
	if s.m != nil {
		if _, ok := s.m[id]; ok {
			return false
		}
		s.m[id] = struct{}{}
		return true
	}
	if slices.Contains(s.ids, id) {
		return false
	}
	s.ids = append(s.ids, id)
	return true
}
