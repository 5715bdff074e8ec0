package cli

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"os/user"
	"path/filepath"

	"taimen/app"
	"taimen/app/audit"
)

// auditSink writes one entry per finished check: to a SQLite log, or — for
// a postgres:// DSN — to the terminal's own SQLite log, forwarded to the
// central store at once (store-and-forward: if the central store is down,
// the entry is kept locally and forwarded by the next check).
type auditSink struct {
	log     *audit.Log
	central *audit.Central
	keys    *audit.TerminalKeys
}

// taimenConfigDir is the terminal's own folder (keys, local log, trust),
// shared with the desktop app.
func taimenConfigDir() string {
	dir, err := app.ConfigDir()
	if err != nil {
		return "taimen"
	}
	return dir
}

// openAuditSink opens the log named by dsn with the terminal's keys
// (created on first use, 0600, in the config folder).
func openAuditSink(ctx context.Context, dsn string) (*auditSink, error) {
	dir := taimenConfigDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "terminal"
	}
	keys, err := audit.LoadOrCreateKeys(filepath.Join(dir, "terminal-key.json"), host, rand.Reader)
	if err != nil {
		return nil, err
	}
	s := &auditSink{keys: keys}
	path := dsn
	if audit.IsPostgres(dsn) {
		path = filepath.Join(dir, "audit.sqlite")
		if s.central, err = audit.OpenCentral(ctx, dsn); err != nil {
			return nil, err
		}
	}
	if s.log, err = audit.Open(ctx, path, audit.Options{Keys: keys}); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// secret is the terminal's HMAC secret for subject keys.
func (s *auditSink) secret() []byte { return s.keys.Secret }

// auditRef tells where a check was recorded.
type auditRef struct {
	Seq        uint64 `json:"seq"`
	Terminal   string `json:"terminal"`
	Forwarded  *bool  `json:"forwarded,omitempty"` // set with a central store
	forwardErr error
}

// record appends the record durably and forwards it when there is a
// central store. A forwarding failure leaves the entry safe in the local
// log, to be forwarded with the next one.
func (s *auditSink) record(ctx context.Context, rec audit.Record) (*auditRef, error) {
	e, err := s.log.Append(ctx, rec)
	if err != nil {
		return nil, err
	}
	ref := &auditRef{Seq: e.Seq, Terminal: s.log.TerminalID()}
	if s.central != nil {
		_, ref.forwardErr = (&audit.Forwarder{Log: s.log, Central: s.central}).Step(ctx)
		ok := ref.forwardErr == nil
		ref.Forwarded = &ok
	}
	return ref, nil
}

// warnForward says on stderr when an entry could not be forwarded yet.
func warnForward(env *Env, r *auditRef) {
	if r != nil && r.forwardErr != nil {
		fmt.Fprintf(env.Stderr, "taimen: audit entry %d kept locally; forwarding failed: %v\n", r.Seq, r.forwardErr)
	}
}

func (s *auditSink) Close() {
	if s.log != nil {
		s.log.Close()
	}
	if s.central != nil {
		s.central.Close()
	}
}

// operator names who ran the check: the OS user of the CLI.
func operator() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "unknown"
}

// recordCheck writes the record of a finished check when there is an audit
// log; a failure is reported (the check must not pass unrecorded) and false
// returned.
func recordCheck(ctx context.Context, env *Env, sink *auditSink, rec audit.Record, err error) (*auditRef, bool) {
	if sink == nil {
		return nil, true
	}
	var ref *auditRef
	if err == nil {
		ref, err = sink.record(ctx, rec)
	}
	if err != nil {
		fail(env.Stderr, fmt.Errorf("tap: audit: %w", err), "the check was not recorded; fix the audit log and check again")
		return nil, false
	}
	warnForward(env, ref)
	return ref, true
}

// writeJSON prints v indented on stdout.
func writeJSON(env *Env, v any) bool {
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		fail(env.Stderr, fmt.Errorf("tap: writing result: %w", err), "")
		return false
	}
	return true
}
