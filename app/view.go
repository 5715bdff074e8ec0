package app

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"taimen/app/purpose"
	"taimen/app/session"
	"taimen/verify"
	"taimen/verify/mdoc"
	vmyna "taimen/verify/myna"
	"taimen/verify/trust"
)

// Overall answers of a ResultView beyond verify.Status.
const overallDeclined = "declined"

// Warning codes the app adds to the verifier's own.
const (
	WarnUntrustedIssuer = "untrusted_issuer"
	WarnExtraElements   = "extra_elements"
	WarnExpired         = "expired"
)

// buildView turns a phone check's outcome into what the clerk sees: only
// the purpose's attributes, in the purpose's order, formatted for display.
// The verifier has already dropped anything that was not requested.
func buildView(p purpose.Purpose, out *session.Outcome) *ResultView {
	v := &ResultView{Attributes: []AttributeView{}, Checks: []CheckView{}, Warnings: []string{}}
	if out == nil || out.Kind == session.Declined || out.Result == nil {
		v.Overall = overallDeclined
		return v
	}
	res := out.Result
	v.Overall = string(res.Status)
	if res.Status != verify.StatusValid && res.Status != verify.StatusInvalid {
		v.Overall = string(verify.StatusUndetermined)
	}
	for _, w := range res.Warnings {
		v.addWarning(w)
	}
	doc := pickDocument(res.Documents)
	if doc == nil {
		for _, c := range res.Checks {
			v.Checks = append(v.Checks, CheckView{ID: c.ID, Status: string(c.Status), Code: c.Code})
		}
		return v
	}
	v.DocType = doc.DocType
	v.Issuer = IssuerView{Country: doc.Issuer.Country, Name: firstNonEmpty(doc.Issuer.CommonName, doc.Issuer.Organization)}
	for _, c := range doc.Checks {
		v.Checks = append(v.Checks, CheckView{ID: c.ID, Status: string(c.Status), Code: c.Code})
		switch {
		case c.ID == mdoc.CheckIssuerChain && c.Code == trust.CodeNoTrustedAnchor:
			v.addWarning(WarnUntrustedIssuer)
		case c.ID == mdoc.CheckIssuerChain && c.Code == trust.CodeDSExpired,
			c.ID == mdoc.CheckValidity && c.Code == mdoc.CodeMSOExpired:
			v.addWarning(WarnExpired)
		}
	}
	for _, w := range doc.Warnings {
		v.addWarning(w)
	}
	if len(doc.Unrequested) > 0 {
		v.addWarning(WarnExtraElements)
	}
	get := func(ns, el string) (mdoc.Value, bool) {
		val, ok := doc.Elements[ns][el]
		return val, ok && val.Kind != mdoc.KindNull && val.Kind != ""
	}
	for _, a := range p.Attributes {
		switch a {
		case purpose.Portrait:
			for _, e := range elementsOf(p, doc.DocType, a) {
				if val, ok := get(e.Namespace, e.Element); ok && val.Kind == mdoc.KindBytes && len(val.Bytes) > 0 {
					v.Portrait = &PortraitView{MediaType: val.MediaType, DataURL: dataURL(val.MediaType, val.Bytes)}
					break
				}
			}
		case purpose.AgeOver:
			for _, e := range elementsOf(p, doc.DocType, a) {
				if val, ok := get(e.Namespace, e.Element); ok {
					v.Attributes = append(v.Attributes, AttributeView{Key: e.Element, Value: display(val)})
				}
			}
		default:
			if s := attributeValue(doc.DocType, a, get); s != "" {
				v.Attributes = append(v.Attributes, AttributeView{Key: string(a), Value: s})
			}
		}
	}
	return v
}

// elementsOf lists the elements of one attribute of the purpose.
func elementsOf(p purpose.Purpose, docType string, a purpose.Attribute) []purpose.Element {
	one := purpose.Purpose{Attributes: []purpose.Attribute{a}, AgeOver: p.AgeOver}
	return one.Elements(docType)
}

// attributeValue formats one text attribute per document type: the mDL
// splits the name and the address into several elements that the clerk
// reads as one line.
func attributeValue(docType string, a purpose.Attribute, get func(ns, el string) (mdoc.Value, bool)) string {
	text := func(ns, el string) string {
		if val, ok := get(ns, el); ok {
			return display(val)
		}
		return ""
	}
	switch docType {
	case purpose.DocTypeMDL:
		ns := purpose.NamespaceMDL
		switch a {
		case purpose.Name:
			return joinNonEmpty(" ", text(ns, "family_name"), text(ns, "given_name"))
		case purpose.Address:
			return joinNonEmpty(" ", text(ns, "resident_postal_code"), text(ns, "resident_state"), text(ns, "resident_city"), text(ns, "resident_address"))
		case purpose.BirthDate:
			return text(ns, "birth_date")
		case purpose.Sex:
			return sexText(get(ns, "sex"))
		case purpose.DrivingPrivileges:
			return privileges(get(ns, "driving_privileges"))
		case purpose.DocumentNumber:
			return text(ns, "document_number")
		}
	case purpose.DocTypeMNC:
		switch a {
		case purpose.Name:
			return text(purpose.NamespaceJP, "full_name_unicode")
		case purpose.Address:
			return text(purpose.NamespaceJP, "resident_address_unicode")
		case purpose.BirthDate:
			// The machine-readable date when sent, else the printed text.
			return firstNonEmpty(text(purpose.NamespaceISO23, "birth_date"), text(purpose.NamespaceJP, "birth_date_unicode"))
		case purpose.Sex:
			return text(purpose.NamespaceJP, "sex_unicode")
		}
	}
	return ""
}

// display renders a value: dates as YYYY-MM-DD, booleans as "true"/"false".
func display(v mdoc.Value) string {
	switch v.Kind {
	case mdoc.KindBool:
		return strconv.FormatBool(v.Bool)
	case mdoc.KindFullDate, mdoc.KindDateTime:
		return v.Time.Format(time.DateOnly)
	case mdoc.KindBytes:
		return ""
	}
	return v.String()
}

// sexText renders ISO/IEC 5218 (18013-5 §7.2.1 "sex") as the card prints it.
func sexText(v mdoc.Value, ok bool) string {
	if !ok || v.Kind != mdoc.KindInt {
		return ""
	}
	switch v.Int {
	case 1:
		return "男"
	case 2:
		return "女"
	}
	return strconv.FormatInt(v.Int, 10)
}

// privileges lists the vehicle category codes of driving_privileges
// (18013-5 §7.2.4), e.g. "B, AM".
func privileges(v mdoc.Value, ok bool) string {
	if !ok || v.Kind != mdoc.KindArray {
		return ""
	}
	var codes []string
	for _, p := range v.Array {
		if c, ok := p.Get("vehicle_category_code"); ok && c.Kind == mdoc.KindString && c.Str != "" {
			codes = append(codes, c.Str)
		}
	}
	return strings.Join(codes, ", ")
}

// pickDocument shows the first valid document, else the first one.
func pickDocument(docs []mdoc.DocumentResult) *mdoc.DocumentResult {
	for i := range docs {
		if docs[i].Checks.Overall() == verify.StatusValid {
			return &docs[i]
		}
	}
	if len(docs) > 0 {
		return &docs[0]
	}
	return nil
}

// clerkWarnings are the warnings that change what the clerk does. The
// others (certificate profile details, the holder not having a document
// type that was asked for speculatively, encoding quirks) stay in the
// verdict's JSON and the audit log, but would only puzzle at the counter.
var clerkWarnings = []string{WarnUntrustedIssuer, WarnExtraElements, WarnExpired, mdoc.WarnElementErrors, vmyna.WarnSubstituteChars}

func (v *ResultView) addWarning(w string) {
	if w == mdoc.WarnUnrequestedElements {
		w = WarnExtraElements // the same fact under the contract's name
	}
	if slices.Contains(clerkWarnings, w) && !slices.Contains(v.Warnings, w) {
		v.Warnings = append(v.Warnings, w)
	}
}

func dataURL(mediaType string, b []byte) string {
	if mediaType == "" {
		mediaType = mdoc.MediaOctetStream
	}
	return fmt.Sprintf("data:%s;base64,%s", mediaType, base64.StdEncoding.EncodeToString(b))
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func joinNonEmpty(sep string, ss ...string) string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, sep)
}

// cloneView copies a view for a payload, so that a later wipe of the
// flow's own view (which clears its slices) never edits what was already
// handed out. Strings are immutable and shared.
func cloneView(v *ResultView) *ResultView {
	if v == nil {
		return nil
	}
	c := *v
	c.Attributes = slices.Clone(v.Attributes)
	c.Checks = slices.Clone(v.Checks)
	c.Warnings = slices.Clone(v.Warnings)
	if v.Portrait != nil {
		p := *v.Portrait
		c.Portrait = &p
	}
	return &c
}

// wipeView drops every reference the view holds.
func wipeView(v *ResultView) {
	if v == nil {
		return
	}
	clear(v.Attributes)
	v.Attributes = nil
	v.Portrait = nil
	v.Issuer = IssuerView{}
	v.Checks, v.Warnings = nil, nil
}

// wipeOutcome overwrites every byte string of the decoded values (the
// portrait above all) with zeros and drops the values. Strings cannot be
// overwritten in Go; dropping the last reference is all that can be done.
func wipeOutcome(o *session.Outcome) {
	if o == nil || o.Result == nil {
		return
	}
	for i := range o.Result.Documents {
		d := &o.Result.Documents[i]
		for ns, els := range d.Elements {
			for el, val := range els {
				zeroValue(&val)
				delete(els, el)
			}
			delete(d.Elements, ns)
		}
		d.Elements = nil
		d.Unrequested = nil
	}
	o.Result.Documents = nil
	o.Result = nil
	o.Request = nil
}

func zeroValue(v *mdoc.Value) {
	clear(v.Bytes)
	v.Bytes, v.Str = nil, ""
	for i := range v.Array {
		zeroValue(&v.Array[i])
	}
	for i := range v.Map {
		zeroValue(&v.Map[i].Value)
	}
	v.Array, v.Map = nil, nil
}
