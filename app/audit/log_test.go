package audit

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestAppendAndVerify(t *testing.T) {
	l, path := newLog(t, 4)
	appendN(t, l, 9, "YAMADA")
	seq, head := l.Head()
	rep := verifyDSN(t, path, VerifyOptions{Keys: map[string]ed25519.PublicKey{"T-001": l.PublicKey()}})
	if !rep.Intact() {
		t.Fatalf("broken: %+v", rep.First())
	}
	tr := rep.Terminals[0]
	if seq != 9 || tr.Entries != 9 || tr.Values != 9 || tr.LastCheckpoint != 9 || tr.Checkpoints != 3 || tr.Head != hexs(head) {
		t.Fatalf("report %+v, head %d", tr, seq)
	}
	// A wrong pinned key is a break, not an error.
	other := testKeys(t, "T-001-other")
	if b := verifyDSN(t, path, VerifyOptions{Keys: map[string]ed25519.PublicKey{"T-001": other.Public()}}).First(); b == nil || b.Code != BreakTerminalKey {
		t.Fatalf("wrong pinned key: %+v", b)
	}
	// Reopening continues the chain.
	l.Close()
	l2, err := Open(context.Background(), path, Options{Keys: testKeys(t, "T-001"), Now: newClock().Now})
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	appendN(t, l2, 2, "")
	if rep := verifyDSN(t, path, VerifyOptions{}); !rep.Intact() || rep.Terminals[0].Entries != 11 {
		t.Fatalf("after reopen: %+v", rep.Terminals)
	}
	// Another terminal's keys are refused.
	if _, err := Open(context.Background(), path, Options{Keys: testKeys(t, "T-002")}); !errors.Is(err, ErrTerminalKey) {
		t.Fatalf("other terminal: %v", err)
	}
	if _, err := Open(context.Background(), path, Options{Keys: other}); !errors.Is(err, ErrTerminalKey) {
		t.Fatalf("other key: %v", err)
	}
}

func hexs(b []byte) string { return strings.ToLower(strings.TrimSpace(string(mustJSONHex(b)))) }

func mustJSONHex(b []byte) []byte {
	j, _ := Hex(b).MarshalJSON()
	return bytes.Trim(j, `"`)
}

func TestFilePermissions(t *testing.T) {
	l, path := newLog(t, 4)
	appendN(t, l, 1, "")
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %04o, want 0600", filepath.Base(p), st.Mode().Perm())
		}
	}
}

func TestOpenStoreErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := OpenStore(context.Background(), filepath.Join(dir, "missing.db")); !errors.Is(err, ErrNoDatabase) {
		t.Fatalf("missing: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); err == nil {
		t.Fatal("OpenStore created a database")
	}
	other := filepath.Join(dir, "other.db")
	db := raw(t, other)
	if _, err := db.Exec(`CREATE TABLE t (x)`); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenStore(context.Background(), other); !errors.Is(err, ErrNotAuditLog) {
		t.Fatalf("not an audit log: %v", err)
	}
	if _, err := db.Exec(`CREATE TABLE audit_schema (version INTEGER PRIMARY KEY, applied_at BIGINT); INSERT INTO audit_schema VALUES (99, 0)`); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenStore(context.Background(), other); !errors.Is(err, ErrNotAuditLog) {
		t.Fatalf("newer schema: %v", err)
	}
	garbage := filepath.Join(dir, "garbage.db")
	os.WriteFile(garbage, bytes.Repeat([]byte("not sqlite "), 500), 0o600)
	if _, err := OpenStore(context.Background(), garbage); err == nil {
		t.Fatal("garbage file opened")
	}
}

// TestDiskFull fills the database to SQLite's page limit (as a full disk
// would): the append fails with ErrStorage, nothing half-written stays, and
// the chain still verifies and continues once there is room.
func TestDiskFull(t *testing.T) {
	l, path := newLog(t, 4)
	appendN(t, l, 3, "")
	var pages int
	if err := l.db.QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := l.db.Exec(`PRAGMA max_page_count = ` + strconv.Itoa(pages)); err != nil {
		t.Fatal(err)
	}
	big := record(0, strings.Repeat("x", 64<<10))
	_, err := l.Append(context.Background(), big)
	var se *StorageError
	if !errors.Is(err, ErrStorage) || !errors.As(err, &se) || se.Op != "append" {
		t.Fatalf("append on a full database: %v", err)
	}
	if seq, _ := l.Head(); seq != 3 {
		t.Fatalf("head moved to %d", seq)
	}
	if rep := verifyDSN(t, path, VerifyOptions{}); !rep.Intact() || rep.Terminals[0].Entries != 3 {
		t.Fatalf("after a failed append: %+v", rep.Terminals)
	}
	if _, err := l.db.Exec(`PRAGMA max_page_count = 1073741823`); err != nil {
		t.Fatal(err)
	}
	appendN(t, l, 1, "")
	if rep := verifyDSN(t, path, VerifyOptions{}); !rep.Intact() || rep.Terminals[0].Entries != 4 {
		t.Fatalf("after room was made: %+v", rep.Terminals)
	}
}

// TestKillDuringAppends runs an appender in a subprocess (this test binary
// again), kills it with SIGKILL in the middle of a burst, and checks that
// every entry it acknowledged is there and the chain verifies.
func TestKillDuringAppends(t *testing.T) {
	dir := t.TempDir()
	path, keyPath := filepath.Join(dir, "audit.db"), filepath.Join(dir, "terminal.key")
	if err := SaveKeys(keyPath, testKeys(t, "T-KILL")); err != nil {
		t.Fatal(err)
	}
	var lastAcked uint64
	for round := 0; round < 3; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), appenderEnv+"="+path, "TAIMEN_AUDIT_APPENDER_KEY="+keyPath)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		n := 0
		for sc.Scan() {
			seq, err := strconv.ParseUint(strings.TrimPrefix(sc.Text(), "acked "), 10, 64)
			if err != nil {
				t.Fatalf("appender said %q", sc.Text())
			}
			if seq != lastAcked+1 {
				t.Fatalf("acked %d after %d", seq, lastAcked)
			}
			lastAcked = seq
			if n++; n == 40+round*17 {
				// Mid-burst: the appender is inside its next Append.
				cmd.Process.Signal(syscall.SIGKILL)
			}
		}
		err = cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("appender ended with %v: %s", err, stderr.String())
		}
		rep := verifyDSN(t, path, VerifyOptions{})
		if !rep.Intact() {
			t.Fatalf("round %d: chain broken after kill -9: %+v", round, rep.First())
		}
		if got := rep.Terminals[0].Entries; got < lastAcked || got > lastAcked+1 {
			t.Fatalf("round %d: %d entries, %d acknowledged", round, got, lastAcked)
		} else {
			lastAcked = got // an entry committed just before the kill counts as written
		}
	}
}

func TestPurge(t *testing.T) {
	l, path := newLog(t, 4)
	short := record(1, "SHORTLIVED")
	short.Values[0].Keep = time.Hour
	if _, err := l.Append(context.Background(), short); err != nil {
		t.Fatal(err)
	}
	appendN(t, l, 2, "LONGLIVED")
	l.Close()
	s := openStore(t, path)
	start := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	r, err := s.Purge(context.Background(), start.Add(30*time.Minute))
	if err != nil || r.Purged != 0 || r.Remaining != 3 {
		t.Fatalf("early purge: %+v %v", r, err)
	}
	r, err = s.Purge(context.Background(), start.Add(2*time.Hour))
	if err != nil || r.Purged != 1 || r.Remaining != 2 {
		t.Fatalf("purge: %+v %v", r, err)
	}
	rep := verifyDSN(t, path, VerifyOptions{})
	if !rep.Intact() || rep.Terminals[0].Purged != 1 || rep.Terminals[0].Values != 2 {
		t.Fatalf("after purge: %+v %+v", rep.Terminals, rep.First())
	}
	s.Close()
	// The purged value is gone from every file, not just hidden.
	assertAbsent(t, filepath.Dir(path), [][]byte{[]byte("SHORTLIVED")})
	if !bytes.Contains(readAll(t, filepath.Dir(path)), []byte("LONGLIVED")) {
		t.Fatal("the kept value is not in the database: the grep proves nothing")
	}
	s = openStore(t, path)
	if r, err := s.Purge(context.Background(), start.Add(8*365*24*time.Hour)); err != nil || r.Purged != 2 || r.Remaining != 0 {
		t.Fatalf("purge all: %+v %v", r, err)
	}
	if rep := verifyDSN(t, path, VerifyOptions{}); !rep.Intact() || rep.Terminals[0].Purged != 3 {
		t.Fatalf("after purging all: %+v", rep.Terminals)
	}
}

// readAll concatenates every file in dir (database, -wal, -shm).
func readAll(t *testing.T, dir string) []byte {
	t.Helper()
	var all []byte
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, b...)
		}
		return nil
	})
	return all
}

func assertAbsent(t *testing.T, dir string, needles [][]byte) {
	t.Helper()
	all := readAll(t, dir)
	if len(all) == 0 {
		t.Fatalf("%s is empty", dir)
	}
	for _, n := range needles {
		if bytes.Contains(all, n) {
			t.Errorf("%q found in %s", n, dir)
		}
	}
}

func TestExport(t *testing.T) {
	l, path := newLog(t, 4)
	appendN(t, l, 3, "山田")
	l.Close()
	s := openStore(t, path)
	for _, ja := range []bool{false, true} {
		var buf bytes.Buffer
		if err := s.Export(context.Background(), &buf, ExportOptions{Format: FormatCSV, Japanese: ja}); err != nil {
			t.Fatal(err)
		}
		b := buf.Bytes()
		if !bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) {
			t.Fatal("no UTF-8 byte order mark")
		}
		rows, err := csv.NewReader(bytes.NewReader(b[3:])).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 4 || len(rows[0]) != len(csvColumns) {
			t.Fatalf("%d rows, %d columns", len(rows), len(rows[0]))
		}
		wantHead := "terminal"
		if ja {
			wantHead = "端末ID"
		}
		if rows[0][0] != wantHead || rows[1][1] != "1" || rows[3][1] != "3" {
			t.Fatalf("rows: %q", rows[:2])
		}
		if !strings.Contains(rows[1][15], "family_name=山田") || rows[1][8] != "org.iso.18013.5.1.mDL" || rows[1][7] != "matches" {
			t.Fatalf("row 1: %q", rows[1])
		}
	}
	var buf bytes.Buffer
	if err := s.Export(context.Background(), &buf, ExportOptions{Format: FormatJSON}); err != nil {
		t.Fatal(err)
	}
	var got []struct {
		Seq    uint64 `json:"seq"`
		Time   string `json:"time"`
		Hash   string `json:"hash"`
		Values []struct {
			Element string `json:"element"`
			Value   string `json:"value"`
		} `json:"values"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, buf.Bytes())
	}
	if len(got) != 3 || got[2].Seq != 3 || got[0].Time != "2026-04-01T09:00:01.000Z" || len(got[0].Hash) != 64 || got[0].Values[0].Value != "山田" {
		t.Fatalf("json: %+v", got)
	}
	if err := s.Export(context.Background(), &buf, ExportOptions{Format: "xml"}); err == nil {
		t.Fatal("unknown format accepted")
	}
}

func TestDefuse(t *testing.T) {
	for in, want := range map[string]string{"=1+1": "'=1+1", "+81": "'+81", "-x": "'-x", "@SUM": "'@SUM", "山田": "山田", "": ""} {
		if got := defuse(in); got != want {
			t.Errorf("defuse(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestKeys(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "terminal.key")
	k, err := LoadOrCreateKeys(p, "T-9", newRand("k"))
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(p)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %04o", st.Mode().Perm())
	}
	k2, err := LoadOrCreateKeys(p, "T-9", newRand("other"))
	if err != nil || !bytes.Equal(k2.Signing, k.Signing) || !bytes.Equal(k2.Secret, k.Secret) || k2.TerminalID != "T-9" {
		t.Fatalf("reload: %v", err)
	}
	k3, _ := GenerateKeys("T-9", newRand("k"))
	if !bytes.Equal(k3.Signing, k.Signing) {
		t.Fatal("keys are not derived from the injected randomness")
	}
	if err := SaveKeys(p, k3); !errors.Is(err, ErrKey) {
		t.Fatalf("overwrite: %v", err)
	}
	os.Chmod(p, 0o644)
	if _, err := LoadKeys(p); !errors.Is(err, ErrKey) {
		t.Fatalf("0644 key file accepted: %v", err)
	}
	bad := filepath.Join(dir, "bad.key")
	os.WriteFile(bad, []byte(`{"format":"taimen-audit-key-v1","terminal":"x","ed25519Seed":"00","hmacSecret":"00"}`), 0o600)
	if _, err := LoadKeys(bad); !errors.Is(err, ErrKey) {
		t.Fatalf("bad key material: %v", err)
	}
	if _, err := GenerateKeys("", newRand("k")); !errors.Is(err, ErrKey) {
		t.Fatal("empty terminal id accepted")
	}
}

func TestRecent(t *testing.T) {
	l, _ := newLog(t, 0)
	appendN(t, l, 5, "山田")
	got, err := l.Recent(context.Background(), 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Seq != 5 || got[2].Seq != 3 {
		t.Fatalf("Recent(3) = %d entries starting at %d", len(got), got[0].Seq)
	}
	for _, e := range got {
		b, _ := json.Marshal(e)
		if strings.Contains(string(b), "山田") {
			t.Fatal("Recent returned a retained value")
		}
	}
	if none, err := l.Recent(context.Background(), 0); err != nil || len(none) != 0 {
		t.Fatalf("Recent(0) = %v, %v", none, err)
	}
}
