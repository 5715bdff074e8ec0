package cli

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"taimen/app/audit"
)

type fixedRand struct{ b byte }

func (r *fixedRand) Read(p []byte) (int, error) {
	for i := range p {
		r.b++
		p[i] = r.b
	}
	return len(p), nil
}

// auditDB writes n entries (each keeping family_name for keep) to a new
// terminal log and returns its path.
func auditDB(t *testing.T, n int, keep time.Duration) string {
	t.Helper()
	keys, err := audit.GenerateKeys("T-CLI", &fixedRand{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "audit.db")
	at := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	l, err := audit.Open(context.Background(), path, audit.Options{Keys: keys, Rand: &fixedRand{}, Now: func() time.Time { at = at.Add(time.Minute); return at }})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for i := 0; i < n; i++ {
		_, err := l.Append(context.Background(), audit.Record{
			Operator: "窓口1",
			Purpose:  audit.Purpose{ID: "account-opening", LegalBasis: "犯罪収益移転防止法"},
			Documents: []audit.Document{{DocType: "org.iso.18013.5.1.mDL", Issuer: audit.Issuer{Country: "JP", Authority: "見本県公安委員会"},
				Requested: []audit.Requested{{Namespace: "org.iso.18013.5.1", Element: "family_name", IntentToRetain: true}},
				Disclosed: []audit.ElementRef{{Namespace: "org.iso.18013.5.1", Element: "family_name"}}, Status: "valid"}},
			Verdict: "valid", Confirmation: audit.ConfirmMatches,
			Values: []audit.Value{{Namespace: "org.iso.18013.5.1", Element: "family_name", Data: []byte(`"山田"`), Keep: keep}},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func TestAuditVerify(t *testing.T) {
	path := auditDB(t, 4, time.Hour)
	code, out, errs := runCLI(t, "audit", "verify", "--db", path)
	if code != ExitValid || !strings.Contains(out, "terminal T-CLI: intact, 4 entries") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	code, out, _ = runCLI(t, "audit", "verify", "--db", path, "--json")
	var rep audit.Report
	if code != ExitValid || json.Unmarshal([]byte(out), &rep) != nil || rep.Terminals[0].Entries != 4 {
		t.Fatalf("json: %d %s", code, out)
	}
}

// TestAuditVerifyAfterShellEdit edits one stored byte with the real
// sqlite3 shell, as a new user would, and expects verify to name the entry.
func TestAuditVerifyAfterShellEdit(t *testing.T) {
	shell, err := exec.LookPath("sqlite3")
	if err != nil {
		t.Fatal("sqlite3 shell not installed (apt-get install sqlite3)")
	}
	for _, seq := range []int{1, 3} {
		path := auditDB(t, 4, time.Hour)
		out, err := exec.Command(shell, path, fmt.Sprintf("SELECT hex(body) FROM audit_entries WHERE seq = %d;", seq)).Output()
		if err != nil {
			t.Fatal(err)
		}
		body, err := hex.DecodeString(strings.TrimSpace(string(out)))
		if err != nil {
			t.Fatal(err)
		}
		i := bytes.Index(body, []byte("窓口1"))
		body[i+len("窓口")] = '2' // the operator "窓口1" becomes "窓口2"
		q := fmt.Sprintf("UPDATE audit_entries SET body = x'%X' WHERE seq = %d;", body, seq)
		if out, err := exec.Command(shell, path, q).CombinedOutput(); err != nil {
			t.Fatalf("sqlite3: %v %s", err, out)
		}
		code, _, errs := runCLI(t, "audit", "verify", "--db", path)
		want := fmt.Sprintf("taimen: audit chain broken at entry %d: ", seq)
		if code != ExitInvalid || !strings.HasPrefix(errs, want) || !strings.Contains(errs, "\nhint: ") {
			t.Fatalf("entry %d edited: exit %d, stderr %q", seq, code, errs)
		}
	}
}

func TestAuditExport(t *testing.T) {
	path := auditDB(t, 3, time.Hour)
	out := filepath.Join(t.TempDir(), "audit.csv")
	code, _, errs := runCLI(t, "audit", "export", "--db", path, "--format", "csv", "--ja", "--out", out)
	if code != ExitValid {
		t.Fatalf("exit %d: %s", code, errs)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\ufeff端末ID,連番,")) || bytes.Count(b, []byte("\r\n")) != 4 || !bytes.Contains(b, []byte("family_name=山田")) {
		t.Fatalf("csv:\n%s", b)
	}
	if st, _ := os.Stat(out); st.Mode().Perm() != 0o600 {
		t.Fatalf("export mode %04o", st.Mode().Perm())
	}
	code, stdout, _ := runCLI(t, "audit", "export", "--db", path, "--format", "json")
	var entries []map[string]any
	if code != ExitValid || json.Unmarshal([]byte(stdout), &entries) != nil || len(entries) != 3 {
		t.Fatalf("json: %d %s", code, stdout)
	}
}

func TestAuditPurge(t *testing.T) {
	path := auditDB(t, 2, time.Hour)
	code, out, errs := runCLI(t, "audit", "purge", "--db", path, "--now", "2026-04-01T00:30:00Z")
	if code != ExitValid || !strings.HasPrefix(out, "purged 0 values") {
		t.Fatalf("early: %d %s %s", code, out, errs)
	}
	code, out, _ = runCLI(t, "audit", "purge", "--db", path, "--now", "2026-04-01T11:00:00+09:00")
	if code != ExitValid || !strings.HasPrefix(out, "purged 2 values") || !strings.Contains(out, "0 values still kept") {
		t.Fatalf("purge: %d %s", code, out)
	}
	if code, out, errs := runCLI(t, "audit", "verify", "--db", path); code != ExitValid || !strings.Contains(out, "2 purged") {
		t.Fatalf("verify after purge: %d %s %s", code, out, errs)
	}
}

func TestAuditUsage(t *testing.T) {
	path := auditDB(t, 1, time.Hour)
	missing := filepath.Join(t.TempDir(), "none.db")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"audit"}, "taimen: audit: no subcommand"},
		{[]string{"audit", "list"}, `unknown subcommand "list"`},
		{[]string{"audit", "verify"}, "no --db given"},
		{[]string{"audit", "verify", "--db", missing}, "audit database not found"},
		{[]string{"audit", "export", "--db", path, "--format", "xml"}, `unknown format "xml"`},
		{[]string{"audit", "export", "--db", path, "--out", filepath.Join(missing, "x", "y.csv")}, "taimen: export:"},
		{[]string{"audit", "purge", "--db", path, "--now", "tomorrow"}, "not an RFC 3339 time"},
		{[]string{"audit", "verify", "--db", path, "extra"}, `unexpected argument "extra"`},
		{[]string{"audit", "verify", "--bogus"}, "flag provided but not defined"},
	}
	for _, c := range cases {
		code, _, errs := runCLI(t, c.args...)
		if code != ExitUsage || !strings.Contains(errs, c.want) || !strings.HasPrefix(errs, "taimen: ") {
			t.Errorf("%v: exit %d, stderr %q", c.args, code, errs)
		}
	}
	if _, err := os.Stat(missing); err == nil {
		t.Fatal("verify created the missing database")
	}
}
