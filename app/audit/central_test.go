package audit

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func openCentral(t *testing.T) (*Central, string) {
	t.Helper()
	dsn := freshDB(t)
	c, err := OpenCentral(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, dsn
}

func terminalLog(t *testing.T, id string, every uint64) *Log {
	t.Helper()
	l, err := Open(context.Background(), filepath.Join(t.TempDir(), "audit.db"), Options{Keys: testKeys(t, id), Now: newClock().Now, Rand: newRand(id), CheckpointEvery: every})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func drain(t *testing.T, f *Forwarder) int {
	t.Helper()
	total := 0
	for {
		n, err := f.Step(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return total
		}
		total += n
	}
}

func centralCount(t *testing.T, c *Central, table string) int {
	t.Helper()
	var n int
	if err := c.db.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestForwardEndToEnd: two terminals forward to a real PostgreSQL server;
// the central store verifies every chain with the terminals' pinned keys;
// a re-sent batch changes nothing; a rewritten terminal log is refused.
func TestForwardEndToEnd(t *testing.T) {
	c, dsn := openCentral(t)
	a, b := terminalLog(t, "T-A", 4), terminalLog(t, "T-B", 4)
	appendN(t, a, 23, "YAMADA")
	appendN(t, b, 7, "")
	fa := &Forwarder{Log: a, Central: c, Batch: 5}
	fb := &Forwarder{Log: b, Central: c, Batch: 5}
	keys := map[string]ed25519.PublicKey{"T-A": a.PublicKey(), "T-B": b.PublicKey()}

	// One batch: entries 1–5, checkpoint 4 only.
	if n, err := fa.Step(context.Background()); n != 5 || err != nil {
		t.Fatalf("step: %d %v", n, err)
	}
	s := openStore(t, dsn)
	rep, err := s.Verify(context.Background(), VerifyOptions{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	if b := rep.First(); b == nil || b.Code != BreakUncovered || b.Seq != 5 {
		t.Fatalf("partial copy, strict: %+v", b)
	}
	rep, _ = s.Verify(context.Background(), VerifyOptions{Keys: keys, Partial: true})
	if !rep.Intact() || rep.Terminals[0].Uncovered != 1 {
		t.Fatalf("partial copy: %+v", rep.Terminals)
	}

	if n := drain(t, fa) + drain(t, fb); n != 18+7 {
		t.Fatalf("forwarded %d", n)
	}
	for _, l := range []*Log{a, b} {
		acked, _ := l.Acked(context.Background())
		if seq, _ := l.Head(); acked != seq {
			t.Fatalf("%s: acked %d of %d", l.TerminalID(), acked, seq)
		}
	}
	rep, _ = s.Verify(context.Background(), VerifyOptions{Keys: keys})
	if !rep.Intact() || len(rep.Terminals) != 2 || rep.Terminals[0].Entries != 23 || rep.Terminals[0].Values != 23 || rep.Terminals[1].Entries != 7 {
		t.Fatalf("central: %+v %+v", rep.Terminals, rep.First())
	}
	// A terminal whose pinned key is unknown is reported.
	if b := verifyDSN(t, dsn, VerifyOptions{Keys: map[string]ed25519.PublicKey{"T-A": a.PublicKey()}}).First(); b == nil || b.Terminal != "T-B" || b.Code != BreakTerminalKey {
		t.Fatalf("missing key: %+v", b)
	}

	// Idempotent re-send: forget the acknowledgements and send again.
	if _, err := a.db.Exec(`UPDATE audit_forward SET acked_seq = 0`); err != nil {
		t.Fatal(err)
	}
	before := [3]int{centralCount(t, c, "audit_entries"), centralCount(t, c, "audit_values"), centralCount(t, c, "audit_checkpoints")}
	if n := drain(t, fa); n != 23 {
		t.Fatalf("re-sent %d", n)
	}
	after := [3]int{centralCount(t, c, "audit_entries"), centralCount(t, c, "audit_values"), centralCount(t, c, "audit_checkpoints")}
	if before != after || after[0] != 30 {
		t.Fatalf("re-send changed the central store: %v → %v", before, after)
	}
	if rep := verifyDSN(t, dsn, VerifyOptions{Keys: keys}); !rep.Intact() {
		t.Fatalf("after re-send: %+v", rep.First())
	}

	// A forked log of T-A (same key, other entries) is refused, and Run
	// does not retry it.
	forkPath := filepath.Join(t.TempDir(), "fork.db")
	fork, err := Open(context.Background(), forkPath, Options{Keys: testKeys(t, "T-A"), Now: newClock().Now, Rand: newRand("fork")})
	if err != nil {
		t.Fatal(err)
	}
	defer fork.Close()
	appendN(t, fork, 3, "SATO")
	ff := &Forwarder{Log: fork, Central: c}
	if _, err := ff.Step(context.Background()); !errors.Is(err, ErrConflict) {
		t.Fatalf("fork: %v", err)
	}
	if err := ff.Run(context.Background()); !errors.Is(err, ErrConflict) {
		t.Fatalf("run on a fork: %v", err)
	}
	// Another key for a known terminal is refused.
	other, err := Open(context.Background(), filepath.Join(t.TempDir(), "o.db"), Options{Keys: &TerminalKeys{TerminalID: "T-A", Signing: testKeys(t, "x").Signing, Secret: make([]byte, 32)}})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	appendN(t, other, 1, "")
	if _, err := (&Forwarder{Log: other, Central: c}).Step(context.Background()); !errors.Is(err, ErrTerminalKey) {
		t.Fatalf("other key: %v", err)
	}

	// Central tampering is named like local tampering.
	if _, err := c.db.Exec(`UPDATE audit_entries SET body = body || '\x00'::bytea WHERE terminal_id = 'T-B' AND seq = 6`); err != nil {
		t.Fatal(err)
	}
	if b := verifyDSN(t, dsn, VerifyOptions{Keys: keys}).First(); b == nil || b.Terminal != "T-B" || b.Seq != 6 || b.Code != BreakHash {
		t.Fatalf("central edit: %+v", b)
	}
	// So is a truncated central tail: checkpoint 23 outlives entries 22–23.
	if _, err := c.db.Exec(`DELETE FROM audit_entries WHERE terminal_id = 'T-A' AND seq >= 22`); err != nil {
		t.Fatal(err)
	}
	if b := verifyDSN(t, dsn, VerifyOptions{Keys: keys, Partial: true}).Terminals[0].Break; b == nil || b.Seq != 22 || b.Code != BreakTruncated {
		t.Fatalf("central truncation: %+v", b)
	}
}

func TestCentralPurgeAndExport(t *testing.T) {
	c, dsn := openCentral(t)
	l := terminalLog(t, "T-P", 4)
	short := record(0, "SHORT")
	short.Values[0].Keep = time.Hour
	if _, err := l.Append(context.Background(), short); err != nil {
		t.Fatal(err)
	}
	appendN(t, l, 2, "LONG")
	drain(t, &Forwarder{Log: l, Central: c})
	s := openStore(t, dsn)
	r, err := s.Purge(context.Background(), time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC))
	if err != nil || r.Purged != 1 || r.Remaining != 2 {
		t.Fatalf("purge: %+v %v", r, err)
	}
	rep := verifyDSN(t, dsn, VerifyOptions{})
	if !rep.Intact() || rep.Terminals[0].Purged != 1 {
		t.Fatalf("after central purge: %+v", rep.Terminals)
	}
	var n int
	if err := c.db.QueryRow(`SELECT count(*) FROM audit_values WHERE position('SHORT'::bytea in coalesce(value, ''::bytea)) > 0`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("purged value still readable: %d %v", n, err)
	}
}

// TestForwardSurvivesCentralRestart stops the central server in the
// middle of forwarding while the counter keeps appending, starts it again,
// and expects the forwarder to catch up with every entry and the central
// chain to verify. A second forwarder on the reopened log then resumes
// from the stored acknowledgement.
func TestForwardSurvivesCentralRestart(t *testing.T) {
	c, dsn := openCentral(t)
	path := filepath.Join(t.TempDir(), "audit.db")
	keys := testKeys(t, "T-R")
	l, err := Open(context.Background(), path, Options{Keys: keys, Now: newClock().Now, Rand: newRand("r"), CheckpointEvery: 4})
	if err != nil {
		t.Fatal(err)
	}
	var failures atomic.Int64
	f := &Forwarder{Log: l, Central: c, Batch: 3, MinBackoff: 10 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, Idle: 10 * time.Millisecond,
		OnError: func(error) { failures.Add(1) }}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	var runErr error
	go func() { defer wg.Done(); runErr = f.Run(ctx) }()

	appendN(t, l, 20, "V")
	waitAcked(t, l, 6)
	if err := pg.stop(); err != nil {
		t.Fatal(err)
	}
	appendN(t, l, 20, "V") // the counter keeps working while the center is down
	for failures.Load() < 3 {
		time.Sleep(10 * time.Millisecond)
	}
	if acked, _ := l.Acked(context.Background()); acked >= 40 {
		t.Fatalf("acked %d while the server was down", acked)
	}
	if err := pg.start(); err != nil {
		t.Fatal(err)
	}
	waitAcked(t, l, 40)
	cancel()
	wg.Wait()
	if !errors.Is(runErr, context.Canceled) {
		t.Fatalf("run: %v", runErr)
	}
	rep := verifyDSN(t, dsn, VerifyOptions{Keys: map[string]ed25519.PublicKey{"T-R": keys.Public()}})
	if !rep.Intact() || rep.Terminals[0].Entries != 40 {
		t.Fatalf("after restart: %+v %+v", rep.Terminals, rep.First())
	}

	// Restart the terminal: a new forwarder resumes after entry 40.
	l.Close()
	l, err = Open(context.Background(), path, Options{Keys: keys, Now: newClock().Now, Rand: newRand("r2"), CheckpointEvery: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	appendN(t, l, 2, "")
	c2, err := OpenCentral(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if n := drain(t, &Forwarder{Log: l, Central: c2}); n != 2 {
		t.Fatalf("resumed with %d entries, want 2", n)
	}
	if rep := verifyDSN(t, dsn, VerifyOptions{}); !rep.Intact() || rep.Terminals[0].Entries != 42 {
		t.Fatalf("after terminal restart: %+v", rep.Terminals)
	}
}

func waitAcked(t *testing.T, l *Log, n uint64) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if a, err := l.Acked(context.Background()); err == nil && a >= n {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	a, _ := l.Acked(context.Background())
	t.Fatalf("acked %d after 60 s, want %d", a, n)
}

// TestBackoffBounded: failed attempts wait Min, 2·Min, … up to Max.
func TestBackoffBounded(t *testing.T) {
	l := terminalLog(t, "T-X", 4)
	appendN(t, l, 1, "")
	db, err := sql.Open("pgx", "postgres://postgres@/none?host=/nonexistent&port=1&connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var waits []time.Duration
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := &Forwarder{Log: l, Central: &Central{Store: &Store{db: db, d: dialectPostgres}}, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
		Sleep: func(ctx context.Context, d time.Duration) error {
			waits = append(waits, d)
			if len(waits) == 6 {
				cancel()
				return ctx.Err()
			}
			return nil
		}}
	if err := f.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("run: %v", err)
	}
	want := []time.Duration{10, 20, 40, 50, 50, 50}
	for i := range want {
		if waits[i] != want[i]*time.Millisecond {
			t.Fatalf("waits %v", waits)
		}
	}
	if acked, _ := l.Acked(context.Background()); acked != 0 {
		t.Fatalf("acked %d with no server", acked)
	}
}
