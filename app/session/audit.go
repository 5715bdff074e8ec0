package session

import (
	"encoding/json"
	"fmt"
	"time"

	"taimen/app/audit"
	"taimen/app/purpose"
	"taimen/verify"
)

// PhoneRecord is the audit record of a finished phone check: what was
// asked and why, what was disclosed, every check, the clerk's confirmation,
// and the values the purpose and the customer's intent_to_retain allow to
// keep (audit.NewMdocRecord decides that).
func PhoneRecord(out *Outcome, p purpose.Purpose, docTypes []string, operator string, c audit.Confirmation, secret []byte) (audit.Record, error) {
	if out == nil {
		return audit.Record{}, fmt.Errorf("session: no outcome to record: %w", audit.ErrInvalidRecord)
	}
	if out.Result == nil {
		// Declined before any response: the entry records the request only.
		return audit.Record{
			Operator:     operator,
			Purpose:      audit.Purpose{ID: p.ID, LegalBasis: p.LegalBasis.JA},
			Checks:       []audit.CheckRecord{{ID: "consent", Status: string(verify.StatusInvalid), Code: "declined"}},
			Documents:    []audit.Document{},
			Verdict:      string(verify.StatusInvalid),
			Confirmation: c,
		}, nil
	}
	return audit.NewMdocRecord(audit.MdocCheck{
		Result:        out.Result,
		Requested:     out.Request,
		Policy:        p.Policy(docTypes...),
		Retention:     audit.RetentionFromRequest(out.Request),
		Operator:      operator,
		Confirmation:  c,
		SubjectSecret: secret,
	})
}

// CardRecord is the audit record of a physical card check. The card has no
// protocol for consent: agreed lists the elements the customer agreed on
// screen may be kept (nil: none); values are kept only where the purpose
// also allows it.
func CardRecord(out *CardOutcome, p purpose.Purpose, shown map[string]any, agreed map[string]bool, operator string, c audit.Confirmation) (audit.Record, error) {
	if out == nil || out.Result == nil {
		return audit.Record{}, fmt.Errorf("session: no card verdict to record: %w", audit.ErrInvalidRecord)
	}
	res := out.Result
	checks := make([]audit.CheckRecord, 0, len(res.Checks))
	for _, ch := range res.Checks {
		checks = append(checks, audit.CheckRecord{ID: ch.ID, Status: string(ch.Status), Code: ch.Code})
	}
	doc := audit.Document{
		DocType:   DocTypeCard,
		Issuer:    audit.Issuer{Country: "JP", Authority: "J-LIS"},
		Requested: []audit.Requested{},
		Disclosed: []audit.ElementRef{},
		Checks:    checks,
		Status:    string(res.Status),
	}
	rec := audit.Record{
		Operator:     operator,
		Purpose:      audit.Purpose{ID: p.ID, LegalBasis: p.LegalBasis.JA},
		Checks:       []audit.CheckRecord{},
		Verdict:      string(res.Status),
		Confirmation: c,
	}
	for _, e := range p.Elements(DocTypeCard) {
		keep := p.Retains(DocTypeCard, e) && agreed[e.Element]
		doc.Requested = append(doc.Requested, audit.Requested{Namespace: e.Namespace, Element: e.Element, IntentToRetain: keep})
		v, ok := shown[e.Element]
		if !ok {
			continue
		}
		doc.Disclosed = append(doc.Disclosed, audit.ElementRef{Namespace: e.Namespace, Element: e.Element})
		if keep && p.Retention > 0 {
			data, err := json.Marshal(v)
			if err != nil {
				return audit.Record{}, fmt.Errorf("session: value of %s: %w", e.Element, err)
			}
			rec.Values = append(rec.Values, audit.Value{Doc: 0, Namespace: e.Namespace, Element: e.Element, Data: data, Keep: time.Duration(p.Retention)})
		}
	}
	rec.Documents = []audit.Document{doc}
	return rec, nil
}
