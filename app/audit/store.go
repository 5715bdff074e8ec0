package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx" for the central store
	_ "modernc.org/sqlite"             // driver "sqlite", pure Go (no cgo)
)

// Both back ends share one table layout, so that verification, export and
// purge are the same code on the counter and centrally. Every row carries
// terminal_id: on the counter it is always the one local terminal, which
// verification checks.

type dialect int

const (
	dialectSQLite dialect = iota
	dialectPostgres
)

// q rewrites "?" placeholders to PostgreSQL's "$n".
func (d dialect) q(s string) string {
	if d != dialectPostgres {
		return s
	}
	var b strings.Builder
	n := 0
	for _, r := range s {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Schema migrations, applied in order inside one transaction each; the
// applied versions are recorded in audit_schema. Append only: never edit a
// released migration.
var migrations = map[dialect][]string{
	dialectSQLite: {
		`CREATE TABLE audit_terminals (terminal_id TEXT PRIMARY KEY, public_key BLOB NOT NULL);
CREATE TABLE audit_entries (terminal_id TEXT NOT NULL, seq INTEGER NOT NULL, hash BLOB NOT NULL, body BLOB NOT NULL,
  PRIMARY KEY (terminal_id, seq)) WITHOUT ROWID;
CREATE TABLE audit_values (terminal_id TEXT NOT NULL, seq INTEGER NOT NULL, idx INTEGER NOT NULL,
  expires_at INTEGER NOT NULL, salt BLOB, value BLOB, purged_at INTEGER,
  PRIMARY KEY (terminal_id, seq, idx)) WITHOUT ROWID;
CREATE INDEX audit_values_expiry ON audit_values (expires_at) WHERE purged_at IS NULL;
CREATE TABLE audit_checkpoints (terminal_id TEXT NOT NULL, seq INTEGER NOT NULL, head BLOB NOT NULL,
  signed_at INTEGER NOT NULL, signature BLOB NOT NULL, PRIMARY KEY (terminal_id, seq)) WITHOUT ROWID;
CREATE TABLE audit_forward (terminal_id TEXT PRIMARY KEY, acked_seq INTEGER NOT NULL);`,
	},
	dialectPostgres: {
		`CREATE TABLE audit_terminals (terminal_id text PRIMARY KEY, public_key bytea NOT NULL,
  registered_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE audit_entries (terminal_id text NOT NULL REFERENCES audit_terminals, seq bigint NOT NULL,
  hash bytea NOT NULL, body bytea NOT NULL, received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (terminal_id, seq));
CREATE TABLE audit_values (terminal_id text NOT NULL, seq bigint NOT NULL, idx integer NOT NULL,
  expires_at bigint NOT NULL, salt bytea, value bytea, purged_at bigint,
  PRIMARY KEY (terminal_id, seq, idx));
CREATE INDEX audit_values_expiry ON audit_values (expires_at) WHERE purged_at IS NULL;
CREATE TABLE audit_checkpoints (terminal_id text NOT NULL, seq bigint NOT NULL, head bytea NOT NULL,
  signed_at bigint NOT NULL, signature bytea NOT NULL, PRIMARY KEY (terminal_id, seq));`,
	},
}

// Store is an audit database opened for verification, export and purge:
// a terminal's SQLite file or the PostgreSQL central store.
type Store struct {
	db *sql.DB
	d  dialect
}

// IsPostgres reports whether a DSN names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// sqliteDSN builds the modernc.org/sqlite DSN: WAL with synchronous=FULL,
// so a committed append survives a power cut; secure_delete so that purged
// values are overwritten in the file, not left in free pages; a busy
// timeout so a purge waits for the counter's writer instead of failing.
//
// The writer (create) begins transactions IMMEDIATE, taking the write lock
// up front; readers begin DEFERRED so a verification is one read snapshot.
func sqliteDSN(path string, create bool) string {
	v := url.Values{}
	v.Set("mode", "rw")
	if create {
		v.Set("mode", "rwc")
		v.Set("_txlock", "immediate")
	}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(FULL)", "secure_delete(ON)", "foreign_keys(ON)"} {
		v.Add("_pragma", p)
	}
	if !create {
		// Verification reads the whole file once: map it rather than
		// pread each page (fewer system calls).
		v.Add("_pragma", "mmap_size(268435456)")
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + v.Encode()
}

// OpenStore opens an existing audit database: a SQLite file path or a
// postgres:// URL. It never creates a database: a missing file is
// ErrNoDatabase, a database without the audit tables ErrNotAuditLog.
func OpenStore(ctx context.Context, dsn string) (*Store, error) {
	if IsPostgres(dsn) {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, storageErr("open", err)
		}
		s := &Store{db: db, d: dialectPostgres}
		if err := s.checkSchema(ctx); err != nil {
			db.Close()
			return nil, err
		}
		return s, nil
	}
	if _, err := os.Stat(dsn); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("audit: %s: %w", dsn, ErrNoDatabase)
		}
		return nil, storageErr("open", err)
	}
	db, err := sql.Open("sqlite", sqliteDSN(dsn, false))
	if err != nil {
		return nil, storageErr("open", err)
	}
	// Verification reads three cursors at once (entries, values,
	// checkpoints); WAL lets them read while a writer appends.
	db.SetMaxOpenConns(4)
	s := &Store{db: db, d: dialectSQLite}
	if err := s.checkSchema(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

func (s *Store) checkSchema(ctx context.Context) error {
	var v sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT max(version) FROM audit_schema`).Scan(&v)
	if err != nil {
		if isMissingTable(err) {
			return fmt.Errorf("audit: no audit tables: %w", ErrNotAuditLog)
		}
		return storageErr("open", err)
	}
	if !v.Valid || int(v.Int64) > len(migrations[s.d]) {
		return fmt.Errorf("audit: schema version %d, this build knows %d: %w", v.Int64, len(migrations[s.d]), ErrNotAuditLog)
	}
	return nil
}

func isMissingTable(err error) bool {
	m := err.Error()
	return strings.Contains(m, "no such table") || strings.Contains(m, "does not exist")
}

// migrate brings the schema to the newest version.
func migrate(ctx context.Context, db *sql.DB, d dialect) error {
	create := `CREATE TABLE IF NOT EXISTS audit_schema (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`
	if _, err := db.ExecContext(ctx, create); err != nil {
		return storageErr("migrate", err)
	}
	for i, m := range migrations[d] {
		version := i + 1
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return storageErr("migrate", err)
		}
		if d == dialectPostgres {
			// Serialise concurrent first starts of several central
			// services on one database.
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7007)`); err != nil {
				tx.Rollback()
				return storageErr("migrate", err)
			}
		}
		var n int
		if err := tx.QueryRowContext(ctx, d.q(`SELECT count(*) FROM audit_schema WHERE version = ?`), version).Scan(&n); err != nil {
			tx.Rollback()
			return storageErr("migrate", err)
		}
		if n > 0 {
			tx.Rollback()
			continue
		}
		if _, err := tx.ExecContext(ctx, m); err != nil {
			tx.Rollback()
			return storageErr(fmt.Sprintf("migrate to version %d", version), err)
		}
		if _, err := tx.ExecContext(ctx, d.q(`INSERT INTO audit_schema (version, applied_at) VALUES (?, ?)`), version, time.Now().Unix()); err != nil {
			tx.Rollback()
			return storageErr("migrate", err)
		}
		if err := tx.Commit(); err != nil {
			return storageErr("migrate", err)
		}
	}
	return nil
}

// terminals lists the terminals and their registered public keys.
func (s *Store) terminals(ctx context.Context) ([]string, map[string][]byte, error) {
	return terminalsOf(ctx, s.db)
}

// PurgeResult counts what a purge did.
type PurgeResult struct {
	Purged    int64 // values deleted now
	Remaining int64 // values still kept (retention not over)
}

// Purge deletes the values whose retention ended at or before now. The
// value rows stay as tombstones (no salt, no value, purged_at set) so the
// entries' commitments still account for every value row and the chain
// still verifies.
func (s *Store) Purge(ctx context.Context, now time.Time) (PurgeResult, error) {
	at := int64(MillisOf(now))
	res, err := s.db.ExecContext(ctx, s.d.q(`UPDATE audit_values SET salt = NULL, value = NULL, purged_at = ? WHERE purged_at IS NULL AND expires_at <= ?`), at, at)
	if err != nil {
		return PurgeResult{}, storageErr("purge", err)
	}
	var r PurgeResult
	if r.Purged, err = res.RowsAffected(); err != nil {
		return r, storageErr("purge", err)
	}
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM audit_values WHERE purged_at IS NULL`).Scan(&r.Remaining); err != nil {
		return r, storageErr("purge", err)
	}
	if s.d == dialectSQLite {
		// Old page images of the purged rows sit in the WAL until a
		// checkpoint copies the new pages over them; truncate it now.
		if _, err := s.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			return r, storageErr("purge", err)
		}
	}
	return r, nil
}
