package app

import (
	"context"
	crand "crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"taimen/app/audit"
	"taimen/app/purpose"
	"taimen/verify"
)

// AuditLog is the Auditor of the desktop app: the terminal's hash-chained
// SQLite audit log of app/audit.
type AuditLog struct {
	log    *audit.Log
	path   string
	secret []byte
}

// OpenAuditLog opens (or creates) dir/audit.db with the terminal keys in
// dir/audit-keys.json (created 0600 on first use). rand makes the keys;
// nil means crypto/rand.
func OpenAuditLog(ctx context.Context, dir string, rand io.Reader) (*AuditLog, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	if rand == nil {
		rand = crand.Reader
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "taimen"
	}
	keys, err := audit.LoadOrCreateKeys(filepath.Join(dir, "audit-keys.json"), host, rand)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "audit.db")
	l, err := audit.Open(ctx, path, audit.Options{Keys: keys})
	if err != nil {
		return nil, err
	}
	return &AuditLog{log: l, path: path, secret: keys.Secret}, nil
}

// Close closes the database.
func (a *AuditLog) Close() error { return a.log.Close() }

// Record appends the entry of one check. Values are kept only where the
// purpose retains them and the request said so (audit.NewMdocRecord). A
// declined check has no verdict: it is written without documents and with
// verdict not_checked.
func (a *AuditLog) Record(ctx context.Context, r AuditRecord) error {
	pol := auditPolicy(r.Purpose)
	var rec audit.Record
	switch {
	case r.Card != nil:
		checks := make([]audit.CheckRecord, 0, len(r.Card.Checks))
		for _, c := range r.Card.Checks {
			checks = append(checks, audit.CheckRecord{ID: c.ID, Status: string(c.Status), Code: c.Code})
		}
		rec = audit.Record{
			Purpose: audit.Purpose{ID: pol.ID, LegalBasis: pol.LegalBasis}, Checks: []audit.CheckRecord{},
			Documents: []audit.Document{{DocType: DocTypeMyNumberCard, Issuer: audit.Issuer{Country: "JP", Authority: "J-LIS"},
				Requested: []audit.Requested{}, Disclosed: []audit.ElementRef{}, Checks: checks, Status: string(r.Card.Status)}},
			Verdict: string(r.Card.Status), Confirmation: auditConfirmation(r.Confirmed),
		}
	case r.Outcome != nil && r.Outcome.Result != nil && r.Overall != overallDeclined:
		var err error
		rec, err = audit.NewMdocRecord(audit.MdocCheck{
			Result: r.Outcome.Result, Requested: r.Outcome.Request, Policy: pol,
			Retention: audit.RetentionFromRequest(r.Outcome.Request), Confirmation: auditConfirmation(r.Confirmed),
			SubjectSecret: a.secret,
		})
		if err != nil {
			return err
		}
	default:
		rec = audit.Record{
			Purpose: audit.Purpose{ID: pol.ID, LegalBasis: pol.LegalBasis}, Checks: []audit.CheckRecord{},
			Documents: []audit.Document{}, Verdict: string(verify.StatusNotChecked), Confirmation: audit.ConfirmNotConfirmed,
		}
	}
	_, err := a.log.Append(ctx, rec)
	return err
}

// History reads the newest entries through the audit export, keeping only
// facts: the decoder has no field for retained values, so they are skipped.
func (a *AuditLog) History(ctx context.Context, limit int) ([]HistoryRow, error) {
	st, err := audit.OpenStore(ctx, a.path)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(st.Export(ctx, pw, audit.ExportOptions{Format: audit.FormatJSON})) }()
	defer pr.Close()
	dec := json.NewDecoder(pr)
	if _, err := dec.Token(); err != nil { // [
		return nil, fmt.Errorf("audit history: %w", err)
	}
	var ring []HistoryRow
	for dec.More() {
		var e struct {
			Time         time.Time           `json:"time"` // RFC 3339, as audit.Millis writes it
			Purpose      audit.Purpose       `json:"purpose"`
			Verdict      string              `json:"verdict"`
			Confirmation audit.Confirmation  `json:"confirmation"`
			Documents    []historyDocument   `json:"documents"`
			Checks       []audit.CheckRecord `json:"checks"`
		}
		if err := dec.Decode(&e); err != nil {
			return nil, fmt.Errorf("audit history: %w", err)
		}
		row := HistoryRow{Time: e.Time.UTC().Format(time.RFC3339), Purpose: e.Purpose.ID, Source: "phone",
			Overall: e.Verdict, Confirmed: historyConfirmation(e.Confirmation), Checks: []CheckView{}}
		if len(e.Documents) == 0 && e.Verdict == string(verify.StatusNotChecked) {
			row.Overall = overallDeclined
		}
		checks := e.Checks
		if len(e.Documents) > 0 {
			row.DocType, checks = e.Documents[0].DocType, e.Documents[0].Checks
		}
		if row.DocType == DocTypeMyNumberCard {
			row.Source = "card"
		}
		for _, c := range checks {
			row.Checks = append(row.Checks, CheckView{ID: c.ID, Status: c.Status, Code: c.Code})
		}
		ring = append(ring, row)
		if len(ring) > limit {
			ring = ring[1:]
		}
	}
	out := make([]HistoryRow, 0, len(ring))
	for i := len(ring) - 1; i >= 0; i-- {
		out = append(out, ring[i])
	}
	return out, nil
}

type historyDocument struct {
	DocType string              `json:"docType"`
	Checks  []audit.CheckRecord `json:"checks"`
}

// auditPolicy is the audit side of a purpose: each retained element of
// each document type, kept for the purpose's retention period.
func auditPolicy(p purpose.Purpose) audit.Policy {
	pol := audit.Policy{ID: p.ID, LegalBasis: p.LegalBasis.JA, Retain: map[audit.ElementRef]time.Duration{}}
	for _, dt := range []string{purpose.DocTypeMDL, purpose.DocTypeMNC} {
		for _, e := range p.Elements(dt) {
			if p.Retains(dt, e) {
				pol.Retain[audit.ElementRef{Namespace: e.Namespace, Element: e.Element}] = time.Duration(p.Retention)
			}
		}
	}
	return pol
}

func auditConfirmation(c string) audit.Confirmation {
	switch c {
	case ConfirmedMatch:
		return audit.ConfirmMatches
	case ConfirmedMismatch:
		return audit.ConfirmDoesNotMatch
	}
	return audit.ConfirmNotConfirmed
}

func historyConfirmation(c audit.Confirmation) string {
	switch c {
	case audit.ConfirmMatches:
		return ConfirmedMatch
	case audit.ConfirmDoesNotMatch:
		return ConfirmedMismatch
	}
	return ConfirmedNone
}

var _ Auditor = (*AuditLog)(nil)
