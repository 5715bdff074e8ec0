package audit

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"fmt"
)

// Central is the PostgreSQL central store: every terminal's entries, value
// rows and checkpoints keyed by (terminal_id, seq), fed by [Forwarder]s.
type Central struct {
	*Store
}

// OpenCentral connects to PostgreSQL (a postgres:// URL) and applies the
// schema migrations.
func OpenCentral(ctx context.Context, dsn string) (*Central, error) {
	if !IsPostgres(dsn) {
		return nil, fmt.Errorf("audit: central store needs a postgres:// URL: %w", ErrInvalidRecord)
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, storageErr("open central", err)
	}
	if err := migrate(ctx, db, dialectPostgres); err != nil {
		db.Close()
		return nil, err
	}
	return &Central{Store: &Store{db: db, d: dialectPostgres}}, nil
}

// Batch is a run of consecutive entries of one terminal, with their value
// rows and the checkpoints among them, as stored on the terminal.
type Batch struct {
	Terminal    string
	PublicKey   ed25519.PublicKey
	First, Last uint64 // sequence numbers of the first and last entry
	entries     []entryRow
	values      []storedValue
	checkpoints []storedCheckpoint
}

// Receive stores a batch idempotently in one transaction: rows already
// there are kept as they are (a re-sent batch changes nothing), but an
// entry that differs from the stored one is refused with ErrConflict, and
// a terminal known under another key with ErrTerminalKey. The central copy
// is append-only: nothing is ever overwritten.
func (c *Central) Receive(ctx context.Context, b *Batch) error {
	q := dialectPostgres.q
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return storageErr("receive", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, q(`INSERT INTO audit_terminals (terminal_id, public_key) VALUES (?, ?) ON CONFLICT (terminal_id) DO NOTHING`), b.Terminal, []byte(b.PublicKey)); err != nil {
		return storageErr("receive", err)
	}
	var key []byte
	if err := tx.QueryRowContext(ctx, q(`SELECT public_key FROM audit_terminals WHERE terminal_id = ?`), b.Terminal).Scan(&key); err != nil {
		return storageErr("receive", err)
	}
	if !bytes.Equal(key, b.PublicKey) {
		return fmt.Errorf("audit: terminal %s: %w", b.Terminal, ErrTerminalKey)
	}
	for _, e := range b.entries {
		if _, err := tx.ExecContext(ctx, q(`INSERT INTO audit_entries (terminal_id, seq, hash, body) VALUES (?, ?, ?, ?) ON CONFLICT (terminal_id, seq) DO NOTHING`), b.Terminal, e.seq, e.hash, e.body); err != nil {
			return storageErr("receive", err)
		}
	}
	if len(b.entries) > 0 {
		rows, err := tx.QueryContext(ctx, q(`SELECT seq, hash, body FROM audit_entries WHERE terminal_id = ? AND seq BETWEEN ? AND ? ORDER BY seq`), b.Terminal, b.entries[0].seq, b.entries[len(b.entries)-1].seq)
		if err != nil {
			return storageErr("receive", err)
		}
		i := 0
		for rows.Next() {
			var seq int64
			var h, body []byte
			if err := rows.Scan(&seq, &h, &body); err != nil {
				rows.Close()
				return storageErr("receive", err)
			}
			for i < len(b.entries) && b.entries[i].seq < seq {
				i++
			}
			if i < len(b.entries) && b.entries[i].seq == seq && (!bytes.Equal(b.entries[i].hash, h) || !bytes.Equal(b.entries[i].body, body)) {
				rows.Close()
				return fmt.Errorf("audit: terminal %s entry %d: %w", b.Terminal, seq, ErrConflict)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return storageErr("receive", err)
		}
	}
	for _, v := range b.values {
		// A value the central store already purged stays purged.
		if _, err := tx.ExecContext(ctx, q(`INSERT INTO audit_values (terminal_id, seq, idx, expires_at, salt, value, purged_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (terminal_id, seq, idx) DO NOTHING`),
			b.Terminal, v.seq, v.idx, v.expires, v.salt, v.value, v.purged); err != nil {
			return storageErr("receive", err)
		}
	}
	for _, cp := range b.checkpoints {
		if _, err := tx.ExecContext(ctx, q(`INSERT INTO audit_checkpoints (terminal_id, seq, head, signed_at, signature) VALUES (?, ?, ?, ?, ?) ON CONFLICT (terminal_id, seq) DO NOTHING`),
			b.Terminal, cp.seq, cp.head, cp.signedAt, cp.sig); err != nil {
			return storageErr("receive", err)
		}
	}
	return storageErr("receive", tx.Commit())
}
