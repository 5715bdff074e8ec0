package trust

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"slices"
	"time"

	"taimen/verify"
)

// CRLCache holds parsed CRLs, indexed by issuer. It is immutable after
// construction and safe for concurrent use. Nothing here fetches a CRL:
// fetching is I/O and belongs to the caller; this only answers from what it
// was given.
type CRLCache struct {
	all      []*crlEntry
	byAKI    map[string][]*crlEntry
	byIssuer map[string][]*crlEntry
}

// crlEntry is a parsed CRL with its SHA-256, the key of the signature memo.
type crlEntry struct {
	list  *x509.RevocationList
	print [32]byte
}

// NewCRLCache indexes already parsed CRLs. Nil entries are ignored.
func NewCRLCache(crls ...*x509.RevocationList) *CRLCache {
	c := &CRLCache{byAKI: map[string][]*crlEntry{}, byIssuer: map[string][]*crlEntry{}}
	for _, l := range crls {
		if l == nil {
			continue
		}
		e := &crlEntry{list: l, print: sha256.Sum256(l.Raw)}
		c.all = append(c.all, e)
		if len(l.AuthorityKeyId) > 0 {
			c.byAKI[string(l.AuthorityKeyId)] = append(c.byAKI[string(l.AuthorityKeyId)], e)
		}
		c.byIssuer[string(l.RawIssuer)] = append(c.byIssuer[string(l.RawIssuer)], e)
	}
	return c
}

// Len is the number of CRLs held.
func (c *CRLCache) Len() int {
	if c == nil {
		return 0
	}
	return len(c.all)
}

// ParseCRLs parses PEM ("X509 CRL" blocks, any number) or one DER CRL.
// The source names the input in errors.
func ParseCRLs(source string, data []byte) ([]*x509.RevocationList, error) {
	var out []*x509.RevocationList
	if bytes.Contains(data, []byte("-----BEGIN")) {
		rest := data
		for {
			var b *pem.Block
			b, rest = pem.Decode(rest)
			if b == nil {
				break
			}
			if b.Type != "X509 CRL" {
				continue
			}
			l, err := x509.ParseRevocationList(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("trust: %s: crl %d: %w: %w", source, len(out), verify.ErrMalformed, err)
			}
			out = append(out, l)
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("trust: %s: no X509 CRL block: %w", source, verify.ErrMalformed)
		}
		return out, nil
	}
	l, err := x509.ParseRevocationList(data)
	if err != nil {
		return nil, fmt.Errorf("trust: %s: %w: %w", source, verify.ErrMalformed, err)
	}
	return []*x509.RevocationList{l}, nil
}

// LoadCRLs reads CRL files (PEM or DER) or every *.crl/*.pem/*.der file of
// a folder and returns a cache of them.
func LoadCRLs(paths ...string) (*CRLCache, error) {
	var all []*x509.RevocationList
	err := readFiles(paths, []string{".crl", ".pem", ".der"}, func(name string, data []byte) error {
		ls, err := ParseCRLs(name, data)
		if err != nil {
			return err
		}
		all = append(all, ls...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return NewCRLCache(all...), nil
}

// revocation checks every non-anchor certificate of the path against its
// issuer's CRL. The first non-ok answer wins, with revoked (a proof) ranked
// above the undetermined answers.
func (s *Store) revocation(p path, at time.Time) verify.Check {
	if s.crls == nil {
		return verify.Check{ID: CheckRevocation, Status: verify.StatusNotChecked, Code: RevNotConfigured}
	}
	var undetermined *verify.Check
	for i, c := range p.certs {
		issuer, issuerPrint := p.anchor.Cert, p.anchor.Fingerprint
		if i+1 < len(p.certs) {
			issuer = p.certs[i+1]
			issuerPrint = sha256.Sum256(issuer.Raw)
		}
		chk := s.crls.check(c, issuer, issuerPrint, at, s.crlMaxAge, s.memo)
		switch chk.Status {
		case verify.StatusInvalid:
			return chk
		case verify.StatusUndetermined:
			if undetermined == nil {
				undetermined = &chk
			}
		}
	}
	if undetermined != nil {
		return *undetermined
	}
	return verify.Check{ID: CheckRevocation, Status: verify.StatusValid, Code: RevOK}
}

// check looks c up in the freshest CRL that issuer signed.
func (cc *CRLCache) check(c, issuer *x509.Certificate, issuerPrint [32]byte, at time.Time, maxAge time.Duration, memo *sigMemo) verify.Check {
	und := func(code, detail string) verify.Check {
		return verify.Check{ID: CheckRevocation, Status: verify.StatusUndetermined, Code: code, Detail: detail}
	}
	var cands []*crlEntry
	if len(issuer.SubjectKeyId) > 0 {
		cands = slices.Clip(cc.byAKI[string(issuer.SubjectKeyId)])
	}
	for _, e := range cc.byIssuer[string(issuer.RawSubject)] {
		l := e.list
		if len(l.AuthorityKeyId) == 0 || len(issuer.SubjectKeyId) == 0 || !bytes.Equal(l.AuthorityKeyId, issuer.SubjectKeyId) {
			cands = append(cands, e)
		}
	}
	if len(cands) == 0 {
		return und(RevCRLMissing, fmt.Sprintf("no crl from %q", issuer.Subject.String()))
	}
	var best *x509.RevocationList
	for _, e := range cands {
		// The CRL must be signed by the issuer's key itself (no indirect
		// CRLs, B.1.1). CheckSignatureFrom also demands cRLSign if the
		// issuer has keyUsage.
		if !memo.checkCRL(e, issuer, issuerPrint) {
			continue
		}
		if best == nil || e.list.ThisUpdate.After(best.ThisUpdate) {
			best = e.list
		}
	}
	if best == nil {
		return und(RevCRLSignatureInvalid, fmt.Sprintf("no crl from %q has a valid signature", issuer.Subject.String()))
	}
	switch {
	case at.Before(best.ThisUpdate):
		return und(RevCRLStale, fmt.Sprintf("crl thisUpdate %s is after %s", best.ThisUpdate.UTC().Format(time.RFC3339), at.UTC().Format(time.RFC3339)))
	case !best.NextUpdate.IsZero() && at.After(best.NextUpdate):
		return und(RevCRLStale, fmt.Sprintf("crl nextUpdate %s has passed", best.NextUpdate.UTC().Format(time.RFC3339)))
	case maxAge > 0 && at.Sub(best.ThisUpdate) > maxAge:
		return und(RevCRLStale, fmt.Sprintf("crl is older than %s", maxAge))
	}
	for _, e := range best.RevokedCertificateEntries {
		if e.SerialNumber != nil && e.SerialNumber.Cmp(c.SerialNumber) == 0 {
			return verify.Check{ID: CheckRevocation, Status: verify.StatusInvalid, Code: RevRevoked,
				Detail: fmt.Sprintf("serial %x revoked at %s", c.SerialNumber, e.RevocationTime.UTC().Format(time.RFC3339))}
		}
	}
	return verify.Check{ID: CheckRevocation, Status: verify.StatusValid, Code: RevOK}
}
