package audit

import (
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"taimen/verify"
)

// detRand is a deterministic byte stream (SHA-256 in counter mode).
type detRand struct {
	mu   sync.Mutex
	seed string
	n    uint64
	buf  []byte
}

func newRand(seed string) *detRand { return &detRand{seed: seed} }

func (r *detRand) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for len(r.buf) < len(p) {
		h := sha256.Sum256(binary.BigEndian.AppendUint64([]byte(r.seed), r.n))
		r.n++
		r.buf = append(r.buf, h[:]...)
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// clock is a fake clock that moves one second per reading.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

func testKeys(t testing.TB, id string) *TerminalKeys {
	t.Helper()
	k, err := GenerateKeys(id, newRand("keys "+id))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// newLog opens a fresh log in a temp dir.
func newLog(t testing.TB, every uint64) (*Log, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.db")
	l, err := Open(context.Background(), path, Options{Keys: testKeys(t, "T-001"), Now: newClock().Now, Rand: newRand("salts"), CheckpointEvery: every})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, path
}

// record returns a plausible record; with value set it keeps one value.
func record(i int, value string) Record {
	r := Record{
		Operator: fmt.Sprintf("clerk-%d", i%3),
		Purpose:  Purpose{ID: "account-opening", LegalBasis: "犯罪収益移転防止法 第4条"},
		Checks:   []CheckRecord{chk("decode"), chk("response_status"), chk("documents")},
		Documents: []Document{{
			DocType:   "org.iso.18013.5.1.mDL",
			Issuer:    Issuer{Country: "JP", Authority: "見本県公安委員会", IACAFingerprint: "ab12"},
			Requested: []Requested{{Namespace: "org.iso.18013.5.1", Element: "family_name", IntentToRetain: true}, {Namespace: "org.iso.18013.5.1", Element: "portrait"}},
			Disclosed: []ElementRef{{Namespace: "org.iso.18013.5.1", Element: "family_name"}, {Namespace: "org.iso.18013.5.1", Element: "portrait"}},
			Checks:    []CheckRecord{chk("issuer_chain"), chk("issuer_signature"), chk("digests"), chk("device_auth")},
			Status:    "valid",
		}},
		Verdict:      string(verify.StatusValid),
		Confirmation: ConfirmMatches,
	}
	if value != "" {
		r.Values = []Value{{Doc: 0, Namespace: "org.iso.18013.5.1", Element: "family_name", Data: []byte(`"` + value + `"`), Keep: 7 * 365 * 24 * time.Hour}}
	}
	return r
}

func appendN(t testing.TB, l *Log, n int, value string) {
	t.Helper()
	for i := 0; i < n; i++ {
		if _, err := l.Append(context.Background(), record(i, value)); err != nil {
			t.Fatal(err)
		}
	}
}

func openStore(t testing.TB, dsn string) *Store {
	t.Helper()
	s, err := OpenStore(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func verifyDSN(t testing.TB, dsn string, opts VerifyOptions) *Report {
	t.Helper()
	s := openStore(t, dsn)
	rep, err := s.Verify(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// raw opens the SQLite file with a plain connection, as an attacker would.
func raw(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// The appender subprocess of TestKillDuringAppends: it appends until
// killed and prints each sequence number after Append returned (after
// the commit).
const appenderEnv = "TAIMEN_AUDIT_APPENDER_DB"

func runAppender() int {
	path := os.Getenv(appenderEnv)
	keys, err := LoadKeys(os.Getenv("TAIMEN_AUDIT_APPENDER_KEY"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	l, err := Open(context.Background(), path, Options{Keys: keys, CheckpointEvery: 8})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	w := bufio.NewWriter(os.Stdout)
	for i := 0; ; i++ {
		e, err := l.Append(context.Background(), record(i, "VALUE"))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		fmt.Fprintf(w, "acked %d\n", e.Seq)
		w.Flush()
	}
}

func chk(id string) CheckRecord { return CheckRecord{ID: id, Status: "valid", Code: "ok"} }
