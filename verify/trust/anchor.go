package trust

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"slices"
	"time"
)

// Purpose says what an anchor may be trusted for. An anchor is only ever
// used for its own purpose: an IACA never vouches for a reader, a reader CA
// never for a document (isomdl's TrustPurpose, 18013-5 Annex B).
type Purpose string

const (
	// IACA: issuing authority CA, root of document signer chains (18013-5 B.1.2).
	IACA Purpose = "iaca"
	// ReaderCA: root of mdoc reader authentication chains (18013-5 B.1.7).
	ReaderCA Purpose = "reader_ca"
	// VICALSigner: root of VICAL signer chains (18013-5 Annex C).
	VICALSigner Purpose = "vical_signer"
	// JLIS: J-LIS roots for the physical My Number Card (JPKI chains).
	JLIS Purpose = "jlis"
)

// Anchor is one trusted certificate with its purpose.
type Anchor struct {
	Cert        *x509.Certificate
	Purpose     Purpose
	Source      string   // file path, "vical:<provider>", ...
	Fingerprint [32]byte // SHA-256 of Cert.Raw
	// DocTypes limits the docTypes this anchor may vouch for (a VICAL entry's
	// docType list, 18013-5 C.1.7). Empty means any.
	DocTypes []string
}

// NewAnchor wraps a parsed certificate, filling in the fingerprint.
func NewAnchor(cert *x509.Certificate, p Purpose, source string) Anchor {
	return Anchor{Cert: cert, Purpose: p, Source: source, Fingerprint: sha256.Sum256(cert.Raw)}
}

// AllowsDocType reports whether the anchor may vouch for documents of type
// dt. A nil anchor allows nothing.
func (a *Anchor) AllowsDocType(dt string) bool {
	if a == nil {
		return false
	}
	return len(a.DocTypes) == 0 || slices.Contains(a.DocTypes, dt)
}

// FingerprintHex is the fingerprint in lowercase hex, as shown in the audit log.
func (a *Anchor) FingerprintHex() string { return hex.EncodeToString(a.Fingerprint[:]) }

// anchorEntry is an anchor with everything the hot path needs computed once:
// its own profile verdict (the anchor does not change, so neither does the
// verdict) and its country/state for the issuer match.
type anchorEntry struct {
	Anchor
	profileCode   string   // CodeOK or the CA profile violation
	profileDetail string   // why, for Detail
	warnings      []string // soft CA profile deviations
	country       []string
	state         []string
}

// Store is an immutable set of trust anchors. It is safe for concurrent use;
// each anchor is parsed and profiled once, when the store is built.
type Store struct {
	entries   []*anchorEntry
	byPurpose map[Purpose][]*anchorEntry
	// bySKI and bySubject find an issuer's anchor without chain building:
	// the DS's AKI names the IACA's SKI (18013-5 B.1.4), and the subject is
	// the fallback for certificates without AKI.
	bySKI     map[Purpose]map[string][]*anchorEntry
	bySubject map[Purpose]map[string][]*anchorEntry
	byPrint   map[Purpose]map[[32]byte]*anchorEntry

	crls      *CRLCache
	crlMaxAge time.Duration

	memo *sigMemo // nil: no memo (benchmarks of the cold path)
}

// NewStore builds a store. Anchors with a nil certificate are ignored; an
// anchor given twice (same purpose and fingerprint) is kept once.
func NewStore(anchors ...Anchor) *Store {
	s := &Store{memo: &sigMemo{}}
	s.add(anchors)
	return s
}

func (s *Store) add(anchors []Anchor) {
	s.byPurpose = make(map[Purpose][]*anchorEntry)
	s.bySKI = make(map[Purpose]map[string][]*anchorEntry)
	s.bySubject = make(map[Purpose]map[string][]*anchorEntry)
	s.byPrint = make(map[Purpose]map[[32]byte]*anchorEntry)
	old := s.entries
	s.entries = nil
	for _, e := range old {
		s.index(e)
	}
	for _, a := range anchors {
		if a.Cert == nil {
			continue
		}
		a.Fingerprint = sha256.Sum256(a.Cert.Raw)
		a.DocTypes = slices.Clone(a.DocTypes)
		s.index(newEntry(a))
	}
}

func (s *Store) index(e *anchorEntry) {
	p := e.Purpose
	if s.byPrint[p] == nil {
		s.byPrint[p] = make(map[[32]byte]*anchorEntry)
		s.bySKI[p] = make(map[string][]*anchorEntry)
		s.bySubject[p] = make(map[string][]*anchorEntry)
	}
	if _, dup := s.byPrint[p][e.Fingerprint]; dup {
		return
	}
	s.byPrint[p][e.Fingerprint] = e
	s.entries = append(s.entries, e)
	s.byPurpose[p] = append(s.byPurpose[p], e)
	if len(e.Cert.SubjectKeyId) > 0 {
		k := string(e.Cert.SubjectKeyId)
		s.bySKI[p][k] = append(s.bySKI[p][k], e)
	}
	k := string(e.Cert.RawSubject)
	s.bySubject[p][k] = append(s.bySubject[p][k], e)
}

func newEntry(a Anchor) *anchorEntry {
	e := &anchorEntry{Anchor: a}
	e.country = a.Cert.Subject.Country
	e.state = a.Cert.Subject.Province
	var role *role
	switch a.Purpose {
	case IACA:
		role = &dsRole
	case ReaderCA:
		role = &readerRole
	case VICALSigner:
		role = &vicalRole
	}
	if role != nil {
		e.profileCode, e.profileDetail, e.warnings = checkCAProfile(role, a.Cert)
	} else {
		e.profileCode = CodeOK
	}
	return e
}

// Anchors returns the anchors of one purpose, in the order they were added.
// The slice is a copy; the certificates are shared and must not be modified.
func (s *Store) Anchors(p Purpose) []Anchor {
	if s == nil {
		return nil
	}
	es := s.byPurpose[p]
	out := make([]Anchor, 0, len(es))
	for _, e := range es {
		a := e.Anchor
		a.DocTypes = slices.Clone(a.DocTypes)
		out = append(out, a)
	}
	return out
}

// All returns every anchor, in the order added (for `taimen trust list`).
func (s *Store) All() []Anchor {
	if s == nil {
		return nil
	}
	out := make([]Anchor, 0, len(s.entries))
	for _, e := range s.entries {
		a := e.Anchor
		a.DocTypes = slices.Clone(a.DocTypes)
		out = append(out, a)
	}
	return out
}

// With returns a new store holding this store's anchors and the given ones
// (for VICAL imports). The CRL configuration is carried over. The receiver
// is not changed.
func (s *Store) With(anchors ...Anchor) *Store {
	if s == nil {
		s = &Store{}
	}
	n := &Store{entries: s.entries, crls: s.crls, crlMaxAge: s.crlMaxAge, memo: &sigMemo{}}
	n.add(anchors)
	return n
}

// WithCRLs returns a new store that checks revocation against cache. A CRL
// older than maxAge (from its thisUpdate) is stale even before its
// nextUpdate; maxAge <= 0 means only nextUpdate counts. A nil cache turns
// revocation checking off (revocation is then not_checked/not_configured).
func (s *Store) WithCRLs(cache *CRLCache, maxAge time.Duration) *Store {
	if s == nil {
		s = &Store{}
	}
	n := &Store{entries: s.entries, crls: cache, crlMaxAge: maxAge, memo: &sigMemo{}}
	n.add(nil)
	return n
}

// issuerCandidates returns anchors of purpose p that may have issued c:
// first those whose SKI equals c's AKI, then (only if there are none) those
// whose subject equals c's issuer.
func (s *Store) issuerCandidates(p Purpose, c *x509.Certificate) []*anchorEntry {
	if len(c.AuthorityKeyId) > 0 {
		if es := s.bySKI[p][string(c.AuthorityKeyId)]; len(es) > 0 {
			return es
		}
	}
	return s.bySubject[p][string(c.RawIssuer)]
}
