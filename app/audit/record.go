package audit

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"taimen/verify"
	"taimen/verify/mdoc"
)

// Policy is the audit side of a purpose profile: its ID, its legal basis
// (the text an auditor reads) and how long each element may be kept. An
// element absent from Retain, or with a period ≤ 0, is never kept.
// app/purpose adapts its profiles to this type.
type Policy struct {
	ID         string
	LegalBasis string
	Retain     map[ElementRef]time.Duration
}

// Validate rejects a policy without an ID or one that keeps a forbidden
// element.
func (p Policy) Validate() error {
	if p.ID == "" {
		return fmt.Errorf("audit: policy without an id: %w", ErrInvalidRecord)
	}
	for ref, d := range p.Retain {
		if Forbidden(ref.Element) && d > 0 {
			return fmt.Errorf("audit: policy %s keeps %s: %w", p.ID, ref.Element, ErrForbidden)
		}
	}
	return nil
}

// RetentionSource says how the customer agreed to retention.
type RetentionSource string

const (
	// AgreedByIntentToRetain: the holder's wallet showed the request with
	// its intent_to_retain flags and the holder released it (18013-5
	// §8.3.2.1.2.1).
	AgreedByIntentToRetain RetentionSource = "intent_to_retain"
	// AgreedOnScreen: the customer agreed on Taimen's screen (plastic card,
	// which has no protocol for consent).
	AgreedOnScreen RetentionSource = "on_screen"
)

// Retention is the customer's side of the retention decision: the elements
// they agreed may be kept. A value is kept only when the policy allows it
// AND the customer agreed; either alone is not enough.
type Retention struct {
	Source RetentionSource
	Agreed map[ElementRef]bool
}

// RetentionFromRequest is the customer's agreement carried by a
// DeviceRequest: the elements requested with intent_to_retain = true.
func RetentionFromRequest(specs []mdoc.DocRequestSpec) Retention {
	r := Retention{Source: AgreedByIntentToRetain, Agreed: map[ElementRef]bool{}}
	for _, s := range specs {
		for _, e := range s.Elements {
			if e.IntentToRetain {
				r.Agreed[ElementRef{Namespace: e.Namespace, Element: e.Element}] = true
			}
		}
	}
	return r
}

// keep returns how long an element may be kept, 0 for not at all.
func keep(p Policy, r Retention, ref ElementRef) time.Duration {
	if Forbidden(ref.Element) || !r.Agreed[ref] {
		return 0
	}
	return max(p.Retain[ref], 0)
}

// Value is a value to retain: the element's value as JSON (the natural JSON
// of mdoc.Value) kept for Keep after the entry's time.
type Value struct {
	Doc       int // index into Record.Documents
	Namespace string
	Element   string
	Data      []byte
	Keep      time.Duration
}

// Record is an entry before it is chained: [Log.Append] adds the sequence
// number, the previous hash, the time, the terminal and the commitments.
type Record struct {
	Operator     string
	Purpose      Purpose
	Checks       []CheckRecord
	Documents    []Document
	Verdict      string
	Confirmation Confirmation
	Values       []Value
}

// validate checks a record before it is written.
func (r *Record) validate() error {
	if r.Purpose.ID == "" {
		return fmt.Errorf("audit: record without a purpose: %w", ErrInvalidRecord)
	}
	if !r.Confirmation.Valid() {
		return fmt.Errorf("audit: confirmation %q: %w", r.Confirmation, ErrInvalidRecord)
	}
	switch verify.Status(r.Verdict) {
	case verify.StatusValid, verify.StatusInvalid, verify.StatusUndetermined, verify.StatusNotChecked:
	default:
		return fmt.Errorf("audit: verdict %q: %w", r.Verdict, ErrInvalidRecord)
	}
	for i, v := range r.Values {
		if Forbidden(v.Element) {
			return fmt.Errorf("audit: value %d (%s): %w", i, v.Element, ErrForbidden)
		}
		if v.Doc < 0 || v.Doc >= len(r.Documents) || v.Keep <= 0 || v.Namespace == "" || v.Element == "" {
			return fmt.Errorf("audit: value %d: %w", i, ErrInvalidRecord)
		}
	}
	return nil
}

// MdocCheck is everything known at the end of one phone check.
type MdocCheck struct {
	Result       *mdoc.Result
	Requested    []mdoc.DocRequestSpec // what Taimen asked for
	Policy       Policy
	Retention    Retention // usually RetentionFromRequest(Requested)
	Operator     string
	Confirmation Confirmation
	// SubjectSecret is the terminal's HMAC secret ([TerminalKeys]).
	SubjectSecret []byte
}

// subjectElements are the elements that identify a document, by docType,
// for the subject key. The iPhone My Number Card's "document number" is
// the My Number itself, so it has none.
var subjectElements = map[string]ElementRef{
	"org.iso.18013.5.1.mDL": {Namespace: "org.iso.18013.5.1", Element: "document_number"},
}

// NewMdocRecord builds the record of one phone check: requested and
// disclosed element names, every check, the subject key, and the values
// that both the policy and the customer allow to keep.
func NewMdocRecord(c MdocCheck) (Record, error) {
	if err := c.Policy.Validate(); err != nil {
		return Record{}, err
	}
	if c.Result == nil {
		return Record{}, fmt.Errorf("audit: no result: %w", ErrInvalidRecord)
	}
	rec := Record{
		Operator:     c.Operator,
		Purpose:      Purpose{ID: c.Policy.ID, LegalBasis: c.Policy.LegalBasis},
		Checks:       checkRecords(c.Result.Checks),
		Documents:    []Document{},
		Verdict:      string(c.Result.Status),
		Confirmation: c.Confirmation,
	}
	for di, d := range c.Result.Documents {
		doc := Document{
			DocType:   d.DocType,
			Issuer:    Issuer{Country: d.Issuer.Country, Authority: cmp(d.Issuer.Organization, d.Issuer.CommonName), IACAFingerprint: d.Issuer.IACAFingerprint},
			Requested: []Requested{},
			Disclosed: []ElementRef{},
			Checks:    checkRecords(d.Checks),
			Status:    string(d.Checks.Overall()),
		}
		for _, s := range c.Requested {
			if s.DocType != d.DocType {
				continue
			}
			for _, e := range s.Elements {
				doc.Requested = append(doc.Requested, Requested{Namespace: e.Namespace, Element: e.Element, IntentToRetain: e.IntentToRetain})
			}
		}
		slices.SortFunc(doc.Requested, func(a, b Requested) int {
			return cmpRef(ElementRef{Namespace: a.Namespace, Element: a.Element}, ElementRef{Namespace: b.Namespace, Element: b.Element})
		})
		for ns, els := range d.Elements {
			for el := range els {
				doc.Disclosed = append(doc.Disclosed, ElementRef{Namespace: ns, Element: el})
			}
		}
		slices.SortFunc(doc.Disclosed, cmpRef)
		if ref, ok := subjectElements[d.DocType]; ok {
			if v, ok := d.Elements[ref.Namespace][ref.Element]; ok && v.Kind == mdoc.KindString && v.Str != "" {
				doc.SubjectKey = subjectKey(c.SubjectSecret, d.DocType, Subject{ref.Namespace, ref.Element, v.Str})
			}
		}
		for _, ref := range doc.Disclosed {
			k := keep(c.Policy, c.Retention, ref)
			if k <= 0 {
				continue
			}
			data, err := json.Marshal(d.Elements[ref.Namespace][ref.Element])
			if err != nil {
				return Record{}, fmt.Errorf("audit: value of %s: %w", ref.Element, err)
			}
			rec.Values = append(rec.Values, Value{Doc: di, Namespace: ref.Namespace, Element: ref.Element, Data: data, Keep: k})
		}
		rec.Documents = append(rec.Documents, doc)
	}
	return rec, rec.validate()
}

// SubjectFor returns the subject key for an identifier the caller read
// itself (a plastic card's identifier, say); a forbidden element is refused.
func SubjectFor(secret []byte, docType string, s Subject) ([]byte, error) {
	if Forbidden(s.Element) {
		return nil, fmt.Errorf("audit: subject from %s: %w", s.Element, ErrForbidden)
	}
	return subjectKey(secret, docType, s), nil
}

func checkRecords(cs verify.Checks) []CheckRecord {
	out := make([]CheckRecord, 0, len(cs))
	for _, c := range cs {
		out = append(out, CheckRecord{ID: c.ID, Status: string(c.Status), Code: c.Code})
	}
	return out
}

func cmpRef(a, b ElementRef) int {
	if c := strings.Compare(a.Namespace, b.Namespace); c != 0 {
		return c
	}
	return strings.Compare(a.Element, b.Element)
}

func cmp(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
