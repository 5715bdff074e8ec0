package trust

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"taimen/verify"
)

// maxChainLen bounds the work an attacker can cause with a long x5chain.
// An 18013-5 chain is one or two certificates.
const maxChainLen = 8

// Issuer describes who issued a document, for display and the audit log.
// It comes from the trusted anchor, never from an untrusted certificate.
type Issuer struct {
	Country         string `json:"country,omitempty"`
	State           string `json:"state,omitempty"`
	Organization    string `json:"organization,omitempty"`
	CommonName      string `json:"commonName,omitempty"`
	IACAFingerprint string `json:"iacaFingerprint,omitempty"` // SHA-256 of the anchor certificate, hex
	IACASubject     string `json:"iacaSubject,omitempty"`
}

// ChainResult is the verdict on one x5chain. Checks holds exactly the
// issuer_chain and revocation checks.
type ChainResult struct {
	Checks verify.Checks
	// Leaf is the parsed DS / reader certificate, nil if it did not parse.
	Leaf *x509.Certificate
	// Anchor is the anchor the chain led to, nil if none. Its profile may
	// still have failed; see Checks. It is a copy, but its Cert and
	// DocTypes are shared with the store: read only.
	Anchor *Anchor
	Issuer Issuer
	// Warnings are soft profile deviations ("iaca_crl_dp_not_uri", ...);
	// they never change a check's status.
	Warnings []string
}

// OK reports whether the issuer_chain check is valid.
func (r *ChainResult) OK() bool {
	c, ok := r.Checks.Get(CheckIssuerChain)
	return ok && c.Status == verify.StatusValid
}

// AllowsDocType reports whether the chain's anchor may vouch for docType dt
// (a VICAL-imported IACA lists its docTypes; a configured one allows any).
func (r *ChainResult) AllowsDocType(dt string) bool { return r.Anchor.AllowsDocType(dt) }

// VerifyDocumentSigner checks an issuerAuth x5chain (DER, leaf first; the
// IACA is normally not included but may be) against the IACA anchors at
// time at (18013-5 §9.3.1 step 1, Annex B). It never panics; malformed DER
// is a verdict.
func (s *Store) VerifyDocumentSigner(chain [][]byte, at time.Time) ChainResult {
	return s.verifyChain(&dsRole, chain, at)
}

// VerifyReader checks a readerAuth x5chain against the ReaderCA anchors
// (18013-5 §9.1.4, B.1.7): EKU 1.0.18013.5.1.6 and digitalSignature.
func (s *Store) VerifyReader(chain [][]byte, at time.Time) ChainResult {
	return s.verifyChain(&readerRole, chain, at)
}

// fail ends a verification that built no path: revocation has nothing to
// look up.
func fail(res *ChainResult, code, detail string) ChainResult {
	res.Checks = verify.Checks{
		{ID: CheckIssuerChain, Status: verify.StatusInvalid, Code: code, Detail: detail},
		{ID: CheckRevocation, Status: verify.StatusNotChecked, Code: RevChainNotVerified},
	}
	return *res
}

// path is a built chain: certs[0] is the leaf, then intermediates; the
// anchor is separate.
type path struct {
	certs  []*x509.Certificate
	anchor *anchorEntry
}

func (s *Store) verifyChain(r *role, chain [][]byte, at time.Time) (res ChainResult) {
	if s == nil {
		s = &Store{}
	}
	if len(chain) == 0 {
		return fail(&res, CodeChainMalformed, "empty x5chain")
	}
	if len(chain) > maxChainLen {
		return fail(&res, CodeChainMalformed, fmt.Sprintf("x5chain has %d certificates, at most %d allowed", len(chain), maxChainLen))
	}
	certs := make([]*x509.Certificate, len(chain))
	for i, der := range chain {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return fail(&res, CodeChainMalformed, fmt.Sprintf("certificate %d: %v", i, err))
		}
		certs[i] = c
		if i == 0 {
			res.Leaf = c
		}
	}

	p, code, detail := s.buildPath(r, certs, at)
	if code != "" {
		return fail(&res, code, detail)
	}
	a := p.anchor.Anchor
	res.Anchor = &a
	res.Issuer = issuerOf(&a)

	code, detail, warns := s.checkPath(r, p, at)
	res.Warnings = warns
	if code != "" {
		res.Checks = verify.Checks{{ID: CheckIssuerChain, Status: verify.StatusInvalid, Code: code, Detail: detail}}
	} else {
		res.Checks = verify.Checks{{ID: CheckIssuerChain, Status: verify.StatusValid, Code: CodeOK}}
	}
	res.Checks = append(res.Checks, s.revocation(p, at))
	return res
}

// buildPath walks from the leaf towards an anchor without general chain
// building: the anchor that issued a certificate is found by AKI→SKI (or
// subject) and one signature is checked per link. Certificates in the
// chain that are not needed (an included IACA) are ignored.
func (s *Store) buildPath(r *role, certs []*x509.Certificate, at time.Time) (path, string, string) {
	cur := certs[0]
	p := path{certs: []*x509.Certificate{cur}}
	rest := certs[1:]
	for {
		cands := s.issuerCandidates(r.anchor, cur)
		if len(cands) > 0 {
			if !sigAlgOK(cur.SignatureAlgorithm) {
				return p, CodeSignatureAlgorithmUnsupported, fmt.Sprintf("%q is signed with %v", cur.Subject.CommonName, cur.SignatureAlgorithm)
			}
			// Several anchors may share a key (a re-issued IACA); prefer
			// one that is valid at the verification time.
			for _, e := range cands {
				if !s.memo.checkSignature(e.Cert, e.Fingerprint, cur) {
					continue
				}
				if p.anchor == nil {
					p.anchor = e
				}
				if v, _ := validity(e.Cert, at); v == "" {
					p.anchor = e
					break
				}
			}
			if p.anchor != nil {
				return p, "", ""
			}
			// Found only by subject although cur names another key: an
			// unknown issuer with a familiar name, not a broken signature.
			if len(cur.AuthorityKeyId) > 0 && len(s.bySKI[r.anchor][string(cur.AuthorityKeyId)]) == 0 {
				return p, CodeNoTrustedAnchor, fmt.Sprintf("no %s anchor has key id %x", r.anchor, cur.AuthorityKeyId)
			}
			return p, CodeChainSignatureInvalid, fmt.Sprintf("signature of %q does not verify with the %s anchor", cur.Subject.CommonName, r.anchor)
		}
		if len(rest) == 0 || !bytes.Equal(cur.RawIssuer, rest[0].RawSubject) {
			return p, CodeNoTrustedAnchor, fmt.Sprintf("no %s anchor for issuer %q", r.anchor, cur.Issuer.String())
		}
		next := rest[0]
		rest = rest[1:]
		if !sigAlgOK(cur.SignatureAlgorithm) {
			return p, CodeSignatureAlgorithmUnsupported, fmt.Sprintf("%q is signed with %v", cur.Subject.CommonName, cur.SignatureAlgorithm)
		}
		if !s.memo.checkSignature(next, sha256.Sum256(next.Raw), cur) {
			return p, CodeChainSignatureInvalid, fmt.Sprintf("signature of %q does not verify with %q", cur.Subject.CommonName, next.Subject.CommonName)
		}
		if bytes.Equal(next.RawSubject, next.RawIssuer) {
			// A self-signed certificate in the chain that is not an anchor.
			return p, CodeNoTrustedAnchor, fmt.Sprintf("root %q in the chain is not a %s anchor", next.Subject.CommonName, r.anchor)
		}
		p.certs = append(p.certs, next)
		cur = next
	}
}

// checkPath applies validity, key, profile, AKI and country rules to a
// built path and returns the first failure.
func (s *Store) checkPath(r *role, p path, at time.Time) (code, detail string, warns []string) {
	leaf, anchor := p.certs[0], p.anchor
	// Validity, leaf first.
	if v, d := validity(leaf, at); v != "" {
		return r.leafCode(v), d, nil
	}
	for _, c := range p.certs[1:] {
		if v, d := validity(c, at); v != "" {
			return "intermediate_" + v, d, nil
		}
	}
	if v, d := validity(anchor.Cert, at); v != "" {
		return r.caCode(v), d, nil
	}
	if ok, why := leafKeyOK(leaf.PublicKey); !ok {
		return r.leafCode("key_unsupported"), fmt.Sprintf("%q: %s", leaf.Subject.CommonName, why), nil
	}
	// Profiles: anchor (precomputed), intermediates, leaf.
	if anchor.profileCode != CodeOK {
		return anchor.profileCode, anchor.profileDetail, nil
	}
	warns = append(warns, anchor.warnings...)
	for _, c := range p.certs[1:] {
		code, detail, ws := checkIntermediate(c)
		if code != "" {
			return code, detail, nil
		}
		warns = append(warns, ws...)
	}
	// pathLenConstraint: each CA may have at most MaxPathLen CAs below it.
	cas := append([]*x509.Certificate{anchor.Cert}, reversed(p.certs[1:])...)
	for i, c := range cas {
		below := len(cas) - 1 - i
		if c.MaxPathLen >= 0 && (c.MaxPathLen > 0 || c.MaxPathLenZero) && below > c.MaxPathLen {
			return CodePathLengthExceeded, fmt.Sprintf("%q allows %d intermediates, chain has %d", c.Subject.CommonName, c.MaxPathLen, below), nil
		}
	}
	code, detail, ws := checkLeafProfile(r, leaf)
	if code != "" {
		return code, detail, nil
	}
	warns = append(warns, ws...)
	// The DS AKI must name the IACA's key (B.1.4). Only the direct issuer
	// link to the anchor is compared; intermediates were matched by name
	// and signature.
	issuerOfTop := p.certs[len(p.certs)-1]
	if len(issuerOfTop.AuthorityKeyId) > 0 && !bytes.Equal(issuerOfTop.AuthorityKeyId, anchor.Cert.SubjectKeyId) {
		return CodeAKIMismatch, fmt.Sprintf("authorityKeyIdentifier %x is not the anchor's %x", issuerOfTop.AuthorityKeyId, anchor.Cert.SubjectKeyId), nil
	}
	if r.matchCountry {
		if code, detail := matchCountry(leaf, anchor); code != "" {
			return code, detail, nil
		}
	}
	return "", "", dedup(warns)
}

// matchCountry: the DS and the IACA each carry exactly one countryName and
// they are equal; stateOrProvinceName, where either carries one, must be
// equal too (B.1.4; AAMVA jurisdictions use it).
func matchCountry(leaf *x509.Certificate, a *anchorEntry) (string, string) {
	lc, ac := leaf.Subject.Country, a.country
	if len(lc) != 1 || len(ac) != 1 || lc[0] != ac[0] {
		return CodeCountryMismatch, fmt.Sprintf("document signer country %v, IACA country %v", lc, ac)
	}
	ls, as := leaf.Subject.Province, a.state
	if (len(ls) > 0 || len(as) > 0) && !slices.Equal(ls, as) {
		return CodeStateMismatch, fmt.Sprintf("document signer state %v, IACA state %v", ls, as)
	}
	return "", ""
}

func reversed(cs []*x509.Certificate) []*x509.Certificate {
	out := slices.Clone(cs)
	slices.Reverse(out)
	return out
}

func dedup(ws []string) []string {
	if len(ws) < 2 {
		return ws
	}
	out := ws[:0:0]
	for _, w := range ws {
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

func issuerOf(a *Anchor) Issuer {
	subj := a.Cert.Subject
	first := func(v []string) string {
		if len(v) > 0 {
			return v[0]
		}
		return ""
	}
	return Issuer{
		Country:         first(subj.Country),
		State:           first(subj.Province),
		Organization:    first(subj.Organization),
		CommonName:      subj.CommonName,
		IACAFingerprint: hex.EncodeToString(a.Fingerprint[:]),
		IACASubject:     subj.String(),
	}
}
