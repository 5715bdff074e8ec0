package app

import (
	"context"
	"slices"
	"sync"
	"time"

	"taimen/app/purpose"
	"taimen/app/session"
	vmyna "taimen/verify/myna"
)

// Confirmations of the clerk's face comparison, as History shows them.
const (
	ConfirmedMatch    = "match"
	ConfirmedMismatch = "mismatch"
	ConfirmedNone     = "none"
)

// AuditRecord is everything known when a customer's check ends (confirmed,
// cancelled or timed out). Outcome still holds the values: an Auditor may
// keep those the purpose retains, and must not keep the rest.
type AuditRecord struct {
	Time      time.Time
	Purpose   purpose.Purpose
	Source    string // "phone" or "card"
	Outcome   *session.Outcome
	Card      *vmyna.Result // the plastic card's verdict (Outcome is nil)
	Overall   string        // the ResultView's overall answer
	Confirmed string        // ConfirmedMatch, ConfirmedMismatch or ConfirmedNone
}

// Auditor writes the audit entry of each finished check and lists past
// entries without personal data. The hash-chained SQLite log of app/audit
// will implement it; until it is wired, MemoryAuditor keeps this run's
// entries in memory.
type Auditor interface {
	Record(ctx context.Context, r AuditRecord) error
	History(ctx context.Context, limit int) ([]HistoryRow, error)
}

// HistoryRow is one audit entry as the history screen shows it: facts of
// the check, never a value.
type HistoryRow struct {
	Time      string      `json:"time"` // RFC 3339
	Purpose   string      `json:"purpose"`
	DocType   string      `json:"docType"`
	Source    string      `json:"source"`
	Overall   string      `json:"overall"`
	Confirmed string      `json:"confirmed"`
	Checks    []CheckView `json:"checks"`
}

// historyRow reduces a record to its facts.
func historyRow(r AuditRecord) HistoryRow {
	row := HistoryRow{
		Time: r.Time.UTC().Format(time.RFC3339), Purpose: r.Purpose.ID, Source: r.Source,
		Overall: r.Overall, Confirmed: r.Confirmed, Checks: []CheckView{},
	}
	if r.Card != nil {
		row.DocType = purpose.DocTypeCard
		for _, c := range r.Card.Checks {
			row.Checks = append(row.Checks, CheckView{ID: c.ID, Status: string(c.Status), Code: c.Code})
		}
	}
	if r.Outcome != nil && r.Outcome.Result != nil {
		if d := pickDocument(r.Outcome.Result.Documents); d != nil {
			row.DocType = d.DocType
			for _, c := range d.Checks {
				row.Checks = append(row.Checks, CheckView{ID: c.ID, Status: string(c.Status), Code: c.Code})
			}
		}
	}
	return row
}

// MemoryAuditor keeps the facts of this run's checks in memory (newest
// last), up to Max rows (default 1000). It never holds a value.
type MemoryAuditor struct {
	Max  int
	mu   sync.Mutex
	rows []HistoryRow
}

// Record keeps the facts of r.
func (m *MemoryAuditor) Record(_ context.Context, r AuditRecord) error {
	row := historyRow(r)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rows = append(m.rows, row)
	keep := m.Max
	if keep <= 0 {
		keep = 1000
	}
	if len(m.rows) > keep {
		m.rows = slices.Delete(m.rows, 0, len(m.rows)-keep)
	}
	return nil
}

// History returns up to limit rows, newest first.
func (m *MemoryAuditor) History(_ context.Context, limit int) ([]HistoryRow, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]HistoryRow, 0, min(max(limit, 0), len(m.rows)))
	for i := len(m.rows) - 1; i >= 0 && len(out) < limit; i-- {
		r := m.rows[i]
		r.Checks = slices.Clone(r.Checks)
		out = append(out, r)
	}
	return out, nil
}
