package audit

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// DefaultCheckpointEvery is how often a checkpoint is kept for good. The
// newest entry always has a checkpoint (rewritten with each append); the
// periodic ones bound what a verifier must re-check and let the central
// store cover a partly forwarded chain.
const DefaultCheckpointEvery = 64

// saltSize is the size of a value commitment's random salt.
const saltSize = 16

// Options configure a terminal [Log].
type Options struct {
	// Keys are the terminal's keys (required).
	Keys *TerminalKeys
	// Now is the clock; time.Now by default.
	Now func() time.Time
	// Rand is the source of commitment salts; crypto/rand by default.
	Rand io.Reader
	// CheckpointEvery keeps a checkpoint every N entries; 0 means
	// DefaultCheckpointEvery.
	CheckpointEvery uint64
}

// Log is a terminal's audit log in one SQLite file, with one writer:
// appends are serialised in the process, and SQLite's write lock
// serialises processes.
type Log struct {
	db    *sql.DB
	opts  Options
	keys  *TerminalKeys
	mu    sync.Mutex
	seq   uint64 // newest entry
	head  []byte // its hash
	every uint64
}

// Open opens or creates the terminal log at path (created 0600), applies
// schema migrations and registers the terminal's public key. A database
// that belongs to another terminal or key is refused with ErrTerminalKey.
func Open(ctx context.Context, path string, opts Options) (*Log, error) {
	if opts.Keys == nil || opts.Keys.TerminalID == "" {
		return nil, fmt.Errorf("audit: open without terminal keys: %w", ErrKey)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	every := opts.CheckpointEvery
	if every == 0 {
		every = DefaultCheckpointEvery
	}
	// Create the file ourselves with 0600: SQLite creates it with the
	// umask default, and its -wal and -shm files copy the file's mode.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, storageErr("open", err)
	}
	f.Close()
	db, err := sql.Open("sqlite", sqliteDSN(path, true))
	if err != nil {
		return nil, storageErr("open", err)
	}
	db.SetMaxOpenConns(1)
	l := &Log{db: db, opts: opts, keys: opts.Keys, every: every}
	if err := l.init(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return l, nil
}

func (l *Log) init(ctx context.Context) error {
	var mode string
	if err := l.db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		return storageErr("open", err)
	}
	if mode != "wal" {
		return storageErr("open", fmt.Errorf("journal mode is %q, want wal", mode))
	}
	if err := migrate(ctx, l.db, dialectSQLite); err != nil {
		return err
	}
	id, pub := l.keys.TerminalID, l.keys.Public()
	var ids []string
	var keys [][]byte
	rows, err := l.db.QueryContext(ctx, `SELECT terminal_id, public_key FROM audit_terminals`)
	if err != nil {
		return storageErr("open", err)
	}
	for rows.Next() {
		var t string
		var k []byte
		if err := rows.Scan(&t, &k); err != nil {
			rows.Close()
			return storageErr("open", err)
		}
		ids, keys = append(ids, t), append(keys, k)
	}
	rows.Close()
	switch {
	case len(ids) == 0:
		if _, err := l.db.ExecContext(ctx, `INSERT INTO audit_terminals (terminal_id, public_key) VALUES (?, ?)`, id, []byte(pub)); err != nil {
			return storageErr("open", err)
		}
		if _, err := l.db.ExecContext(ctx, `INSERT INTO audit_forward (terminal_id, acked_seq) VALUES (?, 0)`, id); err != nil {
			return storageErr("open", err)
		}
	case len(ids) > 1 || ids[0] != id || !bytes.Equal(keys[0], pub):
		return fmt.Errorf("audit: the log belongs to terminal %q with key %s: %w", ids[0], Fingerprint(keys[0]), ErrTerminalKey)
	}
	l.head = make([]byte, HashSize)
	err = l.db.QueryRowContext(ctx, `SELECT seq, hash FROM audit_entries WHERE terminal_id = ? ORDER BY seq DESC LIMIT 1`, id).Scan(&l.seq, &l.head)
	if err != nil && err != sql.ErrNoRows {
		return storageErr("open", err)
	}
	return nil
}

// Close closes the database.
func (l *Log) Close() error { return l.db.Close() }

// Head returns the newest entry's sequence number and hash (0 and zeros
// for an empty log).
func (l *Log) Head() (uint64, []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seq, bytes.Clone(l.head)
}

// PublicKey is the terminal's checkpoint verification key.
func (l *Log) PublicKey() ed25519.PublicKey { return l.keys.Public() }

// TerminalID is the terminal's ID.
func (l *Log) TerminalID() string { return l.keys.TerminalID }

// Append writes one entry durably: when it returns nil, the entry, its
// values and the new head checkpoint are committed (WAL, synchronous=FULL).
func (l *Log) Append(ctx context.Context, rec Record) (*Entry, error) {
	if err := rec.validate(); err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.opts.Now()
	e, vals, err := l.build(rec, now)
	if err != nil {
		return nil, err
	}
	body, err := EncodeEntry(e)
	if err != nil {
		return nil, err
	}
	hash := EntryHash(body)
	cp := signCheckpoint(l.keys.Signing, l.keys.TerminalID, e.Seq, hash, MillisOf(now))
	if err := l.write(ctx, e.Seq, hash, body, vals, cp); err != nil {
		return nil, err
	}
	l.seq, l.head = e.Seq, hash
	return e, nil
}

type valueRow struct {
	idx     int
	expires Millis
	salt    []byte
	value   []byte
	purged  sql.NullInt64
}

func (l *Log) build(rec Record, now time.Time) (*Entry, []valueRow, error) {
	e := &Entry{
		Version:      EntryVersion,
		Seq:          l.seq + 1,
		Prev:         bytes.Clone(l.head),
		Time:         MillisOf(now),
		Terminal:     l.keys.TerminalID,
		Operator:     rec.Operator,
		Purpose:      rec.Purpose,
		Checks:       rec.Checks,
		Documents:    rec.Documents,
		Verdict:      rec.Verdict,
		Confirmation: rec.Confirmation,
		Retained:     []Commitment{},
	}
	var vals []valueRow
	for i, v := range rec.Values {
		salt := make([]byte, saltSize)
		if _, err := io.ReadFull(l.opts.Rand, salt); err != nil {
			return nil, nil, fmt.Errorf("audit: salt: %w", err)
		}
		until := MillisOf(now.Add(v.Keep))
		e.Retained = append(e.Retained, Commitment{Doc: v.Doc, Namespace: v.Namespace, Element: v.Element, Until: until,
			Commitment: commitValue(salt, v.Namespace, v.Element, v.Data)})
		vals = append(vals, valueRow{idx: i, expires: until, salt: salt, value: v.Data})
	}
	return e, vals, nil
}

func (l *Log) write(ctx context.Context, seq uint64, hash, body []byte, vals []valueRow, cp Checkpoint) error {
	id := l.keys.TerminalID
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return storageErr("append", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_entries (terminal_id, seq, hash, body) VALUES (?, ?, ?, ?)`, id, int64(seq), hash, body); err != nil {
		return storageErr("append", err)
	}
	for _, v := range vals {
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_values (terminal_id, seq, idx, expires_at, salt, value) VALUES (?, ?, ?, ?, ?, ?)`,
			id, int64(seq), v.idx, int64(v.expires), v.salt, v.value); err != nil {
			return storageErr("append", err)
		}
	}
	// The previous head checkpoint is dropped unless it is a periodic one:
	// the new head covers it.
	if prev := seq - 1; prev > 0 && prev%l.every != 0 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM audit_checkpoints WHERE terminal_id = ? AND seq = ?`, id, int64(prev)); err != nil {
			return storageErr("append", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_checkpoints (terminal_id, seq, head, signed_at, signature) VALUES (?, ?, ?, ?, ?)`,
		id, int64(cp.Seq), cp.Head, int64(cp.SignedAt), cp.Signature); err != nil {
		return storageErr("append", err)
	}
	return storageErr("append", tx.Commit())
}

// Recent returns the newest entries of this terminal, newest first, at
// most limit. Entries hold facts and commitments, never retained values,
// so a history screen can show them. The stored bytes are decoded strictly;
// an entry that does not decode is an error (run Verify to locate it).
func (l *Log) Recent(ctx context.Context, limit int) ([]*Entry, error) {
	if limit <= 0 {
		return []*Entry{}, nil
	}
	rows, err := l.db.QueryContext(ctx, `SELECT seq, hash, body FROM audit_entries WHERE terminal_id = ? ORDER BY seq DESC LIMIT ?`, l.keys.TerminalID, limit)
	if err != nil {
		return nil, storageErr("read recent", err)
	}
	defer rows.Close()
	out := []*Entry{}
	for rows.Next() {
		row, err := scanEntry(rows)
		if err != nil {
			return nil, storageErr("read recent", err)
		}
		e, err := DecodeEntry(row.body)
		if err != nil {
			return nil, fmt.Errorf("audit: entry %d: %w", row.seq, err)
		}
		out = append(out, e)
	}
	return out, storageErr("read recent", rows.Err())
}
