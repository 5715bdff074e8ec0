package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"taimen/app/audit"
)

const auditUsage = "usage: taimen audit verify|export|purge --db DSN (a SQLite file or a postgres:// URL)"

// runAudit: taimen audit verify|export|purge --db DSN …
func runAudit(env *Env, args []string) int {
	if len(args) == 0 {
		fail(env.Stderr, errors.New("audit: no subcommand"), auditUsage)
		return ExitUsage
	}
	switch args[0] {
	case "verify":
		return auditVerify(env, args[1:])
	case "export":
		return auditExport(env, args[1:])
	case "purge":
		return auditPurge(env, args[1:])
	}
	fail(env.Stderr, fmt.Errorf("audit: unknown subcommand %q", args[0]), auditUsage)
	return ExitUsage
}

func auditFlags(name string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("audit "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs, fs.String("db", "", "audit database: SQLite file path or postgres:// URL")
}

func parseAudit(env *Env, fs *flag.FlagSet, db *string, args []string, usage string) bool {
	if err := fs.Parse(args); err != nil {
		fail(env.Stderr, fmt.Errorf("audit %s: %w", fs.Name(), err), usage)
		return false
	}
	if fs.NArg() > 0 {
		fail(env.Stderr, fmt.Errorf("audit %s: unexpected argument %q", fs.Name(), fs.Arg(0)), usage)
		return false
	}
	if *db == "" {
		fail(env.Stderr, fmt.Errorf("%s: no --db given", fs.Name()), usage)
		return false
	}
	return true
}

// openStore opens the database and reports a failure with a hint.
func openStore(env *Env, dsn string) (*audit.Store, bool) {
	s, err := audit.OpenStore(context.Background(), dsn)
	if err != nil {
		hint := "check the --db path or URL"
		switch {
		case errors.Is(err, audit.ErrNoDatabase):
			hint = "the file does not exist; pass the counter's audit database (e.g. --db taimen-audit.db)"
		case errors.Is(err, audit.ErrNotAuditLog):
			hint = "this database holds no taimen audit log, or one from a newer taimen"
		}
		fail(env.Stderr, err, hint)
		return nil, false
	}
	return s, true
}

func auditVerify(env *Env, args []string) int {
	fs, db := auditFlags("verify")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	usage := "usage: taimen audit verify --db DSN [--json]"
	if !parseAudit(env, fs, db, args, usage) {
		return ExitUsage
	}
	s, ok := openStore(env, *db)
	if !ok {
		return ExitUsage
	}
	defer s.Close()
	// A central copy may end with entries whose checkpoint the terminal
	// has not forwarded yet; they are counted, not reported as broken.
	rep, err := s.Verify(context.Background(), audit.VerifyOptions{Partial: audit.IsPostgres(*db)})
	if err != nil {
		fail(env.Stderr, err, "the database could not be read to the end")
		return ExitUsage
	}
	if *asJSON {
		b, _ := json.MarshalIndent(rep, "", "  ")
		fmt.Fprintf(env.Stdout, "%s\n", b)
	} else {
		for _, t := range rep.Terminals {
			status := "intact"
			if t.Break != nil {
				status = "BROKEN"
			}
			fmt.Fprintf(env.Stdout, "terminal %s: %s, %d entries, head %s, %d checkpoints, %d values kept, %d purged, key %s\n",
				t.Terminal, status, t.Entries, t.Head, t.Checkpoints, t.Values, t.Purged, t.KeyFingerprint)
			if t.Uncovered > 0 {
				fmt.Fprintf(env.Stdout, "terminal %s: the newest %d entries await the terminal's next checkpoint\n", t.Terminal, t.Uncovered)
			}
		}
	}
	if b := rep.First(); b != nil {
		who := ""
		if len(rep.Terminals) > 1 {
			who = " of terminal " + b.Terminal
		}
		if b.Seq > 0 {
			fmt.Fprintf(env.Stderr, "taimen: audit chain broken at entry %d%s: %s\n", b.Seq, who, b.Reason)
		} else {
			fmt.Fprintf(env.Stderr, "taimen: audit chain broken%s: %s\n", who, b.Reason)
		}
		fmt.Fprintf(env.Stderr, "hint: the log was changed after it was written (%s); keep this file as evidence and compare it with the central copy\n", b.Code)
		return ExitInvalid
	}
	return ExitValid
}

func auditExport(env *Env, args []string) int {
	fs, db := auditFlags("export")
	format := fs.String("format", "csv", "csv or json")
	ja := fs.Bool("ja", false, "Japanese column names (CSV)")
	out := fs.String("out", "", "output file (default: standard output)")
	usage := "usage: taimen audit export --db DSN [--format csv|json] [--ja] [--out FILE]"
	if !parseAudit(env, fs, db, args, usage) {
		return ExitUsage
	}
	f := audit.Format(*format)
	if f != audit.FormatCSV && f != audit.FormatJSON {
		fail(env.Stderr, fmt.Errorf("export: unknown format %q", *format), "use --format csv or --format json")
		return ExitUsage
	}
	s, ok := openStore(env, *db)
	if !ok {
		return ExitUsage
	}
	defer s.Close()
	w := env.Stdout
	var file *os.File
	if *out != "" {
		// 0600: the export may hold retained personal data. Written
		// in place, not through a temp file, and removed on failure.
		var err error
		file, err = os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			fail(env.Stderr, fmt.Errorf("export: %w", err), "check that the folder of --out exists and is writable")
			return ExitUsage
		}
		w = file
	}
	err := s.Export(context.Background(), w, audit.ExportOptions{Format: f, Japanese: *ja})
	if file != nil {
		if cerr := file.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(*out)
		}
	}
	if err != nil {
		fail(env.Stderr, fmt.Errorf("export: %w", err), "check free disk space; run `taimen audit verify` if an entry cannot be read")
		return ExitUsage
	}
	if *out != "" {
		abs, _ := filepath.Abs(*out)
		fmt.Fprintf(env.Stderr, "taimen: exported to %s\n", abs)
	}
	return ExitValid
}

func auditPurge(env *Env, args []string) int {
	fs, db := auditFlags("purge")
	nowFlag := fs.String("now", "", "the time to purge as of, RFC 3339 (default: now)")
	usage := "usage: taimen audit purge --db DSN [--now RFC3339]"
	if !parseAudit(env, fs, db, args, usage) {
		return ExitUsage
	}
	now := time.Now()
	if *nowFlag != "" {
		t, err := time.Parse(time.RFC3339, *nowFlag)
		if err != nil {
			fail(env.Stderr, fmt.Errorf("purge: --now %q is not an RFC 3339 time", *nowFlag), "for example --now 2033-04-01T00:00:00+09:00")
			return ExitUsage
		}
		now = t
	}
	s, ok := openStore(env, *db)
	if !ok {
		return ExitUsage
	}
	defer s.Close()
	r, err := s.Purge(context.Background(), now)
	if err != nil {
		fail(env.Stderr, fmt.Errorf("purge: %w", err), "check free disk space and that no other program holds the database")
		return ExitUsage
	}
	fmt.Fprintf(env.Stdout, "purged %d values whose retention ended by %s; %d values still kept\n", r.Purged, now.UTC().Format(time.RFC3339), r.Remaining)
	return ExitValid
}
