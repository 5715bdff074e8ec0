// Package purpose holds the counter's purpose profiles: why a clerk checks
// an ID, which attributes that reason needs, what may be kept and for how
// long, and under which law. A purpose is written in attributes (name,
// address, …); this package turns them into the element names of each
// document type, because the mDL (18013-5 §7.2.1) and the iPhone My Number
// Card (org.iso.23220.1.jp.mnc) name the same fact differently.
//
// The My Number (individual_number_unicode) is never requested: no
// attribute maps to it and Validate rejects any profile that names it
// (番号法 §15, §19, §20).
package purpose

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"taimen/app/audit"
	"taimen/verify/mdoc"
)

// Document types Taimen requests.
const (
	DocTypeMDL = "org.iso.18013.5.1.mDL"
	DocTypeMNC = "org.iso.23220.1.jp.mnc"
	// DocTypeCard is the physical My Number Card read with 照合番号B; it is
	// no mdoc, and its elements live in a namespace of the same name.
	DocTypeCard = "jp.mynumbercard"
)

// Namespaces used by the built-in attribute mapping.
const (
	NamespaceMDL   = "org.iso.18013.5.1"
	NamespaceJP    = "org.iso.23220.1.jp"
	NamespaceISO23 = "org.iso.23220.1"
)

// Attribute is a fact a purpose needs, independent of the document.
type Attribute string

const (
	Name              Attribute = "name"
	Address           Attribute = "address"
	BirthDate         Attribute = "birth_date"
	Portrait          Attribute = "portrait"
	Sex               Attribute = "sex"
	AgeOver           Attribute = "age_over" // with Purpose.AgeOver (18 or 20)
	DrivingPrivileges Attribute = "driving_privileges"
	DocumentNumber    Attribute = "document_number"
)

// Attributes lists every attribute a profile may use.
var Attributes = []Attribute{Name, Address, BirthDate, Portrait, Sex, AgeOver, DrivingPrivileges, DocumentNumber}

// Element is one data element of one document type.
type Element struct {
	Namespace string `json:"namespace"`
	Element   string `json:"element"`
}

// forbidden are elements no purpose may request, whatever the config says.
var forbidden = []Element{{NamespaceJP, "individual_number_unicode"}}

// IsForbidden reports whether an element may never be requested or kept.
func IsForbidden(e Element) bool { return slices.Contains(forbidden, e) }

// elementsFor maps an attribute to the elements of a document type. Nil
// means the document type has no such element (the My Number Card mdoc has
// no driving privileges and, deliberately, no document number: its only
// number is the My Number).
func elementsFor(docType string, a Attribute, ageOver int) []Element {
	switch docType {
	case DocTypeMDL:
		ns := NamespaceMDL
		switch a {
		case Name:
			return []Element{{ns, "family_name"}, {ns, "given_name"}}
		case Address:
			return []Element{{ns, "resident_address"}, {ns, "resident_city"}, {ns, "resident_state"}, {ns, "resident_postal_code"}}
		case BirthDate:
			return []Element{{ns, "birth_date"}}
		case Portrait:
			return []Element{{ns, "portrait"}}
		case Sex:
			return []Element{{ns, "sex"}}
		case AgeOver:
			return []Element{{ns, fmt.Sprintf("age_over_%02d", ageOver)}}
		case DrivingPrivileges:
			return []Element{{ns, "driving_privileges"}}
		case DocumentNumber:
			return []Element{{ns, "document_number"}}
		}
	case DocTypeCard:
		switch a {
		case Name, Address, BirthDate, Sex, Portrait:
			return []Element{{DocTypeCard, string(a)}}
		case AgeOver:
			return []Element{{DocTypeCard, fmt.Sprintf("age_over_%02d", ageOver)}}
		}
	case DocTypeMNC:
		switch a {
		case Name:
			return []Element{{NamespaceJP, "full_name_unicode"}}
		case Address:
			return []Element{{NamespaceJP, "resident_address_unicode"}}
		case BirthDate:
			// The machine-readable date and the string printed on the card.
			return []Element{{NamespaceISO23, "birth_date"}, {NamespaceJP, "birth_date_unicode"}}
		case Portrait:
			return []Element{{NamespaceJP, "portrait"}}
		case Sex:
			return []Element{{NamespaceJP, "sex_unicode"}}
		case AgeOver:
			return []Element{{NamespaceISO23, fmt.Sprintf("age_over_%02d", ageOver)}}
		}
	}
	return nil
}

// Text is a string in the languages of the UI.
type Text struct {
	JA string `json:"ja"`
	EN string `json:"en"`
}

// Purpose is one reason for checking an ID.
type Purpose struct {
	ID         string      `json:"id"`
	Name       Text        `json:"name"`
	LegalBasis Text        `json:"legalBasis"`
	Attributes []Attribute `json:"attributes"`
	// AgeOver is the age threshold for the age_over attribute (18 or 20).
	AgeOver int `json:"ageOver,omitempty"`
	// Retain lists the attributes whose values may be kept in the audit
	// log (and are requested with intent_to_retain = true), for Retention.
	Retain    []Attribute `json:"retain,omitempty"`
	Retention Duration    `json:"retention,omitempty"`
}

// Duration is a time.Duration that reads and writes as "2555d", "72h" or
// any time.ParseDuration string, because retention laws count in days and
// years.
type Duration time.Duration

// Errors of Validate and the config loader.
var (
	ErrInvalid   = errors.New("invalid purpose")
	ErrForbidden = errors.New("element may never be requested")
	ErrUnknown   = errors.New("unknown purpose")
)

// Validate checks a profile: an ID, names, known attributes, a sensible
// age threshold, retention only of requested attributes and with a period.
func (p Purpose) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("purpose %q: %s: %w", p.ID, fmt.Sprintf(format, a...), ErrInvalid)
	}
	if p.ID == "" {
		return bad("no id")
	}
	if p.Name.JA == "" || p.Name.EN == "" {
		return bad("a name in Japanese and English is required")
	}
	if p.LegalBasis.JA == "" || p.LegalBasis.EN == "" {
		return bad("the legal basis in Japanese and English is required")
	}
	if len(p.Attributes) == 0 {
		return bad("no attributes")
	}
	for _, a := range p.Attributes {
		if !slices.Contains(Attributes, a) {
			return bad("unknown attribute %q", a)
		}
	}
	if slices.Contains(p.Attributes, AgeOver) && p.AgeOver != 18 && p.AgeOver != 20 {
		return bad("ageOver must be 18 or 20, not %d", p.AgeOver)
	}
	for _, a := range p.Retain {
		if !slices.Contains(p.Attributes, a) {
			return bad("retains %q, which it does not request", a)
		}
	}
	if len(p.Retain) > 0 && p.Retention <= 0 {
		return bad("retains values but sets no retention period")
	}
	for _, dt := range []string{DocTypeMDL, DocTypeMNC, DocTypeCard} {
		for _, e := range p.Elements(dt) {
			if IsForbidden(e) {
				return fmt.Errorf("purpose %q: %s/%s: %w", p.ID, e.Namespace, e.Element, ErrForbidden)
			}
		}
	}
	return nil
}

// Elements returns the elements the purpose needs from a document type.
func (p Purpose) Elements(docType string) []Element {
	var out []Element
	for _, a := range p.Attributes {
		for _, e := range elementsFor(docType, a, p.AgeOver) {
			if !slices.Contains(out, e) {
				out = append(out, e)
			}
		}
	}
	return out
}

// Retains reports whether values of an element may be kept (and so are
// requested with intent_to_retain = true).
func (p Purpose) Retains(docType string, e Element) bool {
	if IsForbidden(e) {
		return false
	}
	for _, a := range p.Retain {
		if slices.Contains(elementsFor(docType, a, p.AgeOver), e) {
			return true
		}
	}
	return false
}

// Request builds the DocRequests of an 18013-5 DeviceRequest for the
// given document types (§8.3.2.1.2.1), with intent_to_retain set from Retain.
func (p Purpose) Request(docTypes ...string) []mdoc.DocRequestSpec {
	var out []mdoc.DocRequestSpec
	for _, dt := range docTypes {
		els := p.Elements(dt)
		if len(els) == 0 {
			continue
		}
		spec := mdoc.DocRequestSpec{DocType: dt}
		for _, e := range els {
			spec.Elements = append(spec.Elements, mdoc.ElementRequest{Namespace: e.Namespace, Element: e.Element, IntentToRetain: p.Retains(dt, e)})
		}
		out = append(out, spec)
	}
	return out
}

// Requested is the same request in the shape mdoc.VerifyOptions.Requested
// takes: docType → namespace → element → intent_to_retain.
func (p Purpose) Requested(docTypes ...string) map[string]map[string]map[string]bool {
	out := map[string]map[string]map[string]bool{}
	for _, spec := range p.Request(docTypes...) {
		ns := map[string]map[string]bool{}
		for _, e := range spec.Elements {
			if ns[e.Namespace] == nil {
				ns[e.Namespace] = map[string]bool{}
			}
			ns[e.Namespace][e.Element] = e.IntentToRetain
		}
		out[spec.DocType] = ns
	}
	return out
}

// Policy is the purpose as the audit log needs it: the legal basis an
// auditor reads and, per element of the given document types, how long a
// value may be kept (only the elements in Retain).
func (p Purpose) Policy(docTypes ...string) audit.Policy {
	pol := audit.Policy{ID: p.ID, LegalBasis: p.LegalBasis.JA, Retain: map[audit.ElementRef]time.Duration{}}
	for _, dt := range docTypes {
		for _, e := range p.Elements(dt) {
			if p.Retains(dt, e) {
				pol.Retain[audit.ElementRef{Namespace: e.Namespace, Element: e.Element}] = time.Duration(p.Retention)
			}
		}
	}
	return pol
}
