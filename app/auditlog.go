package app

import (
	"context"
	crand "crypto/rand"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"time"

	"taimen/app/audit"
	"taimen/app/purpose"
	"taimen/app/session"
	"taimen/verify/mdoc"
)

// AuditLog is the Auditor of the desktop app: the terminal's hash-chained
// SQLite audit log of app/audit.
type AuditLog struct {
	log      *audit.Log
	path     string
	secret   []byte
	operator string
}

// OpenAuditLog opens (or creates) the terminal's log dir/audit.sqlite with
// its keys in dir/terminal-key.json (created 0600 on first use): the same
// files `taimen tap --db` uses, so the app and the CLI keep one chain. rand makes the keys;
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
		host = "terminal"
	}
	keys, err := audit.LoadOrCreateKeys(filepath.Join(dir, "terminal-key.json"), host, rand)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "audit.sqlite")
	l, err := audit.Open(ctx, path, audit.Options{Keys: keys})
	if err != nil {
		return nil, err
	}
	op := "unknown"
	if u, err := user.Current(); err == nil && u.Username != "" {
		op = u.Username // the signed-in clerk, as the CLI records it
	}
	return &AuditLog{log: l, path: path, secret: keys.Secret, operator: op}, nil
}

// Close closes the database.
func (a *AuditLog) Close() error { return a.log.Close() }

// Record appends the entry of one check through the records of
// app/session (the same entries `taimen tap --db` writes): values are kept
// only where the purpose retains them and the customer agreed
// (intent_to_retain; nothing on screen for the card yet).
func (a *AuditLog) Record(ctx context.Context, r AuditRecord) error {
	conf := auditConfirmation(r.Confirmed)
	var (
		rec audit.Record
		err error
	)
	switch {
	case r.Card != nil:
		shown := session.CardElements(r.Purpose, r.Card.Person, r.Time)
		rec, err = session.CardRecord(&session.CardOutcome{Result: r.Card}, r.Purpose, shown, nil, a.operator, conf)
	case r.Outcome != nil && r.Overall != overallDeclined:
		rec, err = session.PhoneRecord(r.Outcome, r.Purpose, phoneDocTypes, a.operator, conf, a.secret)
	default:
		// Declined: the entry records the request only.
		var req []mdoc.DocRequestSpec
		if r.Outcome != nil {
			req = r.Outcome.Request
		}
		rec, err = session.PhoneRecord(&session.Outcome{Kind: session.Declined, Request: req}, r.Purpose, phoneDocTypes, a.operator, audit.ConfirmNotConfirmed, a.secret)
	}
	if err != nil {
		return err
	}
	_, err = a.log.Append(ctx, rec)
	return err
}

// phoneDocTypes are the document types a phone check requests
// (session.PhoneOptions' default).
var phoneDocTypes = []string{purpose.DocTypeMDL, purpose.DocTypeMNC}

// History lists the newest entries, newest first: facts only (an entry
// holds commitments to retained values, never the values).
func (a *AuditLog) History(ctx context.Context, limit int) ([]HistoryRow, error) {
	entries, err := a.log.Recent(ctx, limit)
	if err != nil {
		return nil, err
	}
	out := make([]HistoryRow, 0, len(entries))
	for _, e := range entries {
		row := HistoryRow{Time: e.Time.Time().Format(time.RFC3339), Purpose: e.Purpose.ID, Source: "phone",
			Overall: e.Verdict, Confirmed: historyConfirmation(e.Confirmation), Checks: []CheckView{}}
		for _, c := range e.Checks {
			if c.ID == "consent" && c.Code == overallDeclined { // session.PhoneRecord of a decline
				row.Overall = overallDeclined
			}
		}
		checks := e.Checks
		if len(e.Documents) > 0 {
			row.DocType, checks = e.Documents[0].DocType, e.Documents[0].Checks
		}
		if row.DocType == purpose.DocTypeCard {
			row.Source = "card"
		}
		for _, c := range checks {
			row.Checks = append(row.Checks, CheckView{ID: c.ID, Status: c.Status, Code: c.Code})
		}
		out = append(out, row)
	}
	return out, nil
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
