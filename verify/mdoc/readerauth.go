package mdoc

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"

	"taimen/verify"
	"taimen/verify/trust"
)

// Check IDs of VerifyReaderAuth. The reader chain checks come from
// trust.Store.VerifyReader, renamed so that they cannot be confused with
// the issuer chain checks of a DeviceResponse in the same verdict:
// "issuer_chain" becomes "reader_chain", "revocation" becomes
// "reader_revocation", any other ID gets the "reader_" prefix.
const (
	CheckReaderAuth       = "reader_auth"       // the readerAuth signature (18013-5 §9.1.4)
	CheckReaderChain      = "reader_chain"      // the reader certificate chain (18013-5 B.1.7)
	CheckReaderRevocation = "reader_revocation" // revocation of the reader certificate
)

// RACodeNoTrustStore is the reader_chain code when no trust store was
// given (not_checked).
const RACodeNoTrustStore = "not_configured"

// Reason codes of the reader_auth check. Stable; the UI translates them.
//
//	ok                     the signature verifies with the leaf certificate's key
//	absent                 the DocRequest has no readerAuth (not_checked)
//	malformed              readerAuth is not a COSE_Sign1 with a protected alg and a detached payload
//	no_certificate         no x5chain (label 33) in the unprotected header
//	certificate_malformed  the leaf certificate does not parse
//	alg_unsupported        alg is not ES256, ES384, ES512 or EdDSA
//	alg_key_mismatch       alg does not fit the leaf key (curve or type)
//	signature_invalid      the signature does not verify over ReaderAuthenticationBytes
const (
	RACodeOK                   = "ok"
	RACodeAbsent               = "absent"
	RACodeMalformed            = "malformed"
	RACodeNoCertificate        = "no_certificate"
	RACodeCertificateMalformed = "certificate_malformed"
	RACodeAlgUnsupported       = "alg_unsupported"
	RACodeAlgKeyMismatch       = "alg_key_mismatch"
	RACodeSignatureInvalid     = "signature_invalid"
)

// ErrReaderAuthKey: a ReaderAuthKey that cannot sign (no key, no
// certificate, or a key type 18013-5 does not allow for reader auth).
var ErrReaderAuthKey = errors.New("unusable reader auth key")

// COSE header labels (RFC 9052 §3.1, RFC 9360 §2) used by readerAuth.
const (
	raHeaderAlg     = 1
	raHeaderX5Chain = 33
)

// ReaderAuthKey is the reader's signing key and certificate chain for
// readerAuth (18013-5 §9.1.4). Chain is DER, leaf first; a single
// certificate is sent as a bstr, a longer chain as an array, as x5chain
// allows (RFC 9360). Signer is usually an *ecdsa.PrivateKey but may be any
// crypto.Signer with an ECDSA P-256/384/521 or Ed25519 public key (a key
// in an HSM). Rand is passed
// to the signer (Go ≥1.26 ignores it for ECDSA unless
// GODEBUG=cryptocustomrand=1).
type ReaderAuthKey struct {
	Signer crypto.Signer
	Chain  [][]byte
	Rand   io.Reader
}

// algForKey picks the COSE algorithm for a key as 18013-5 §9.1.3.6
// (Table 22) pairs them: ES256/384/512 by curve, EdDSA for Ed25519.
func algForKey(pub crypto.PublicKey) (cose.Algorithm, error) {
	if _, ok := pub.(ed25519.PublicKey); ok {
		return cose.AlgorithmEdDSA, nil
	}
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return 0, fmt.Errorf("mdoc: reader auth key %T: %w", pub, ErrReaderAuthKey)
	}
	switch k.Curve {
	case elliptic.P256():
		return cose.AlgorithmES256, nil
	case elliptic.P384():
		return cose.AlgorithmES384, nil
	case elliptic.P521():
		return cose.AlgorithmES512, nil
	}
	return 0, fmt.Errorf("mdoc: reader auth curve %s: %w", k.Curve.Params().Name, ErrReaderAuthKey)
}

// sign returns readerAuth: an untagged COSE_Sign1 with protected {1: alg},
// unprotected {33: x5chain} and a nil (detached) payload, signed over
// ReaderAuthenticationBytes.
func (k *ReaderAuthKey) sign(readerAuthBytes []byte) (cbor.RawMessage, error) {
	if k.Signer == nil || len(k.Chain) == 0 {
		return nil, fmt.Errorf("mdoc: reader auth without key or certificate: %w", ErrReaderAuthKey)
	}
	alg, err := algForKey(k.Signer.Public())
	if err != nil {
		return nil, err
	}
	signer, err := cose.NewSigner(alg, k.Signer)
	if err != nil {
		return nil, fmt.Errorf("mdoc: reader auth signer: %w: %w", ErrReaderAuthKey, err)
	}
	var x5chain any = k.Chain[0]
	if len(k.Chain) > 1 {
		x5chain = k.Chain
	}
	msg := cose.UntaggedSign1Message{
		Headers: cose.Headers{
			Protected:   cose.ProtectedHeader{cose.HeaderLabelAlgorithm: alg},
			Unprotected: cose.UnprotectedHeader{cose.HeaderLabelX5Chain: x5chain},
		},
		Payload: readerAuthBytes,
	}
	if err := msg.Sign(k.Rand, nil, signer); err != nil {
		return nil, fmt.Errorf("mdoc: reader auth sign: %w", err)
	}
	msg.Payload = nil // detached: the holder rebuilds it (§9.1.4)
	return msg.MarshalCBOR()
}

// readerAuthWire is COSE_Sign1 (RFC 9052 §4.2), decoded strictly before
// go-cose sees it.
type readerAuthWire struct {
	_           struct{} `cbor:",toarray"`
	Protected   cbor.RawMessage
	Unprotected map[int64]cbor.RawMessage
	Payload     cbor.RawMessage
	Signature   cbor.RawMessage
}

// parsedReaderAuth is what VerifyReaderAuth needs from readerAuth.
type parsedReaderAuth struct {
	alg   cose.Algorithm
	chain [][]byte
}

// parseReaderAuth checks the shape of readerAuth and returns the algorithm
// and x5chain, or a reason code.
func parseReaderAuth(raw []byte) (*parsedReaderAuth, string, error) {
	var w readerAuthWire
	if err := verify.Unmarshal(raw, &w); err != nil {
		return nil, RACodeMalformed, err
	}
	prot, err := decodeBstr(w.Protected)
	if err != nil {
		return nil, RACodeMalformed, fmt.Errorf("protected header: %w", err)
	}
	var ph map[int64]cbor.RawMessage
	if err := verify.Unmarshal(prot, &ph); err != nil {
		return nil, RACodeMalformed, fmt.Errorf("protected header: %w", err)
	}
	algRaw, ok := ph[raHeaderAlg]
	if !ok {
		return nil, RACodeMalformed, fmt.Errorf("no alg in protected header: %w", verify.ErrMalformed)
	}
	var alg int64
	if err := verify.Unmarshal(algRaw, &alg); err != nil {
		return nil, RACodeAlgUnsupported, fmt.Errorf("alg: %w", err)
	}
	// The payload is detached (nil) in 18013-5 §9.1.4: the holder must
	// rebuild ReaderAuthenticationBytes from its own transcript, otherwise
	// a reader could have it accept a signature over another session.
	if len(w.Payload) != 1 || w.Payload[0] != 0xf6 {
		return nil, RACodeMalformed, fmt.Errorf("payload is not detached: %w", verify.ErrMalformed)
	}
	if _, err := decodeBstr(w.Signature); err != nil {
		return nil, RACodeMalformed, fmt.Errorf("signature: %w", err)
	}
	x5, ok := w.Unprotected[raHeaderX5Chain]
	if !ok {
		return nil, RACodeNoCertificate, fmt.Errorf("no x5chain: %w", verify.ErrMalformed)
	}
	chain, err := decodeX5Chain(x5)
	if err != nil {
		return nil, RACodeNoCertificate, err
	}
	return &parsedReaderAuth{alg: cose.Algorithm(alg), chain: chain}, "", nil
}

// decodeX5Chain reads x5chain (RFC 9360 §2): one bstr, or an array of at
// least one bstr.
func decodeX5Chain(item []byte) ([][]byte, error) {
	if len(item) > 0 && item[0]>>5 == deMajorBytes {
		c, err := decodeBstr(item)
		if err != nil {
			return nil, err
		}
		return [][]byte{c}, nil
	}
	var items []cbor.RawMessage
	if err := verify.Unmarshal(item, &items); err != nil {
		return nil, fmt.Errorf("x5chain: %w", err)
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("empty x5chain: %w", verify.ErrMalformed)
	}
	chain := make([][]byte, 0, len(items))
	for _, it := range items {
		c, err := decodeBstr(it)
		if err != nil {
			return nil, fmt.Errorf("x5chain: %w", err)
		}
		chain = append(chain, c)
	}
	return chain, nil
}

// VerifyReaderAuth checks a DocRequest's readerAuth (18013-5 §9.1.4) for
// session transcript t: the signature over ReaderAuthenticationBytes,
// rebuilt from t and the ItemsRequestBytes as received, with the leaf
// certificate's key (check "reader_auth"), followed by the checks of the
// reader chain against store's reader CAs at time at. The signature is
// checked even when the chain is not trusted, so that "expired" and
// "forged" stay apart. With no readerAuth the result is one not_checked
// reader_auth check; with store nil the chain is reported not_checked
// (reader_chain, code not_configured).
func VerifyReaderAuth(doc *DocRequest, t SessionTranscript, store *trust.Store, at time.Time) verify.Checks {
	if doc == nil || doc.ReaderAuth == nil {
		return verify.Checks{{ID: CheckReaderAuth, Status: verify.StatusNotChecked, Code: RACodeAbsent}}
	}
	ra, code, err := parseReaderAuth(doc.ReaderAuth)
	if err != nil {
		return verify.Checks{{ID: CheckReaderAuth, Status: verify.StatusInvalid, Code: code, Detail: err.Error()}}
	}
	checks := verify.Checks{verifyReaderAuthSignature(doc, ra, t)}
	if store == nil {
		return append(checks, verify.Check{ID: CheckReaderChain, Status: verify.StatusNotChecked, Code: RACodeNoTrustStore})
	}
	for _, c := range store.VerifyReader(ra.chain, at).Checks {
		c.ID = readerCheckID(c.ID)
		checks = append(checks, c)
	}
	return checks
}

func readerCheckID(id string) string {
	switch {
	case id == trust.CheckIssuerChain:
		return CheckReaderChain
	case id == trust.CheckRevocation:
		return CheckReaderRevocation
	case strings.HasPrefix(id, "reader_"):
		return id
	}
	return "reader_" + id
}

func verifyReaderAuthSignature(doc *DocRequest, ra *parsedReaderAuth, t SessionTranscript) verify.Check {
	invalid := func(code string, err error) verify.Check {
		return verify.Check{ID: CheckReaderAuth, Status: verify.StatusInvalid, Code: code, Detail: err.Error()}
	}
	leaf, err := x509.ParseCertificate(ra.chain[0])
	if err != nil {
		return invalid(RACodeCertificateMalformed, err)
	}
	switch ra.alg {
	case cose.AlgorithmES256, cose.AlgorithmES384, cose.AlgorithmES512, cose.AlgorithmEdDSA:
	default:
		return invalid(RACodeAlgUnsupported, fmt.Errorf("alg %d", int64(ra.alg)))
	}
	want, err := algForKey(leaf.PublicKey)
	if err != nil || want != ra.alg {
		return invalid(RACodeAlgKeyMismatch, fmt.Errorf("alg %v with a %T leaf key", ra.alg, leaf.PublicKey))
	}
	verifier, err := cose.NewVerifier(ra.alg, leaf.PublicKey)
	if err != nil {
		return invalid(RACodeAlgKeyMismatch, err)
	}
	var msg cose.UntaggedSign1Message
	if err := msg.UnmarshalCBOR(doc.ReaderAuth); err != nil {
		return invalid(RACodeMalformed, err)
	}
	// go-cose refuses a nil payload (go-cose #150); the detached payload is
	// ReaderAuthenticationBytes rebuilt from this session (research §0.4).
	msg.Payload = ReaderAuthenticationBytes(t, doc.ItemsRequestBytes)
	if err := msg.Verify(nil, verifier); err != nil {
		return invalid(RACodeSignatureInvalid, err)
	}
	return verify.Check{ID: CheckReaderAuth, Status: verify.StatusValid, Code: RACodeOK}
}
