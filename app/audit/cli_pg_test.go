package audit_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"taimen/app/audit"
	"taimen/app/cli"
)

type counting struct{ b byte }

func (r *counting) Read(p []byte) (int, error) {
	for i := range p {
		r.b++
		p[i] = r.b
	}
	return len(p), nil
}

// TestCLIOnCentralStore runs `taimen audit verify|export|purge` against a
// postgres:// DSN fed by a forwarder.
func TestCLIOnCentralStore(t *testing.T) {
	dsn := audit.FreshPostgresForTest(t)
	ctx := context.Background()
	c, err := audit.OpenCentral(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	keys, err := audit.GenerateKeys("T-PG", &counting{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	l, err := audit.Open(ctx, filepath.Join(t.TempDir(), "a.db"), audit.Options{Keys: keys, Rand: &counting{}, CheckpointEvery: 4, Now: func() time.Time { at = at.Add(time.Minute); return at }})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for i := 0; i < 6; i++ {
		_, err := l.Append(ctx, audit.Record{
			Purpose: audit.Purpose{ID: "rental", LegalBasis: "古物営業法"}, Verdict: "valid", Confirmation: audit.ConfirmMatches,
			Documents: []audit.Document{{DocType: "org.iso.18013.5.1.mDL", Status: "valid"}},
			Values:    []audit.Value{{Namespace: "org.iso.18013.5.1", Element: "family_name", Data: []byte(`"佐藤"`), Keep: time.Hour}},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	f := &audit.Forwarder{Log: l, Central: c, Batch: 3}
	for {
		n, err := f.Step(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := cli.Run(args, &cli.Env{Stdout: &out, Stderr: &errb, Stdin: strings.NewReader("")})
		return code, out.String(), errb.String()
	}
	if code, out, errs := run("audit", "verify", "--db", dsn); code != cli.ExitValid || !strings.Contains(out, "terminal T-PG: intact, 6 entries") {
		t.Fatalf("verify: %d %s %s", code, out, errs)
	}
	if code, out, errs := run("audit", "export", "--db", dsn, "--format", "csv"); code != cli.ExitValid || strings.Count(out, "family_name=佐藤") != 6 {
		t.Fatalf("export: %d %s %s", code, out, errs)
	}
	if code, out, errs := run("audit", "purge", "--db", dsn, "--now", "2026-04-01T02:00:00Z"); code != cli.ExitValid || !strings.HasPrefix(out, "purged 6 values") {
		t.Fatalf("purge: %d %s %s", code, out, errs)
	}
	if code, out, errs := run("audit", "verify", "--db", dsn); code != cli.ExitValid || !strings.Contains(out, "6 purged") {
		t.Fatalf("verify after purge: %d %s %s", code, out, errs)
	}
	if code, _, errs := run("audit", "verify", "--db", strings.Replace(dsn, "/t_", "/nosuchdb_", 1)); code != cli.ExitUsage || !strings.HasPrefix(errs, "taimen: ") {
		t.Fatalf("missing central database: %d %s", code, errs)
	}
}
