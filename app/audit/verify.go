package audit

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/hex"
	"fmt"
)

// Break codes: why a chain is broken. They are stable.
const (
	BreakMissing        = "entry_missing"         // a sequence number has no entry (deleted)
	BreakOrder          = "entry_out_of_order"    // a row is stored under another entry's number (reordered)
	BreakHash           = "entry_hash_mismatch"   // the stored hash is not the hash of the stored bytes (edited)
	BreakMalformed      = "entry_malformed"       // the stored bytes are not a canonical entry (edited)
	BreakPrev           = "entry_prev_mismatch"   // the entry does not commit to the one before it
	BreakTerminal       = "entry_terminal"        // the entry names another terminal
	BreakValue          = "value_mismatch"        // a value row does not match its commitment (edited)
	BreakValueMissing   = "value_missing"         // a committed value row is gone (deleted, not purged)
	BreakValueExtra     = "value_extra"           // a value row no entry commits to (inserted)
	BreakCheckpoint     = "checkpoint_invalid"    // a checkpoint's signature or head hash is wrong
	BreakTruncated      = "truncated"             // a signed checkpoint covers entries that are gone
	BreakUncovered      = "not_covered"           // entries after the newest checkpoint (appended without the key)
	BreakTerminalKey    = "terminal_key_mismatch" // the registered key is not the pinned one
	BreakUnknownTermnal = "unknown_terminal"      // rows of a terminal that is not registered
)

// Break names the first broken entry of a terminal's chain.
type Break struct {
	Terminal string `json:"terminal"`
	Seq      uint64 `json:"seq"` // 0 when no single entry is to blame
	Code     string `json:"code"`
	Reason   string `json:"reason"`
}

func (b *Break) Error() string {
	return fmt.Sprintf("audit chain broken at entry %d: %s", b.Seq, b.Reason)
}

// TerminalReport is the verification of one terminal's chain.
type TerminalReport struct {
	Terminal       string `json:"terminal"`
	KeyFingerprint string `json:"keyFingerprint"`
	Entries        uint64 `json:"entries"`
	Head           string `json:"head"` // hex hash of the newest entry
	Checkpoints    int    `json:"checkpoints"`
	LastCheckpoint uint64 `json:"lastCheckpoint"`
	Values         int    `json:"values"` // value rows still holding a value
	Purged         int    `json:"purged"` // value rows purged after their retention
	// Uncovered counts entries after the newest checkpoint, accepted only
	// with VerifyOptions.Partial (a central copy still being forwarded).
	Uncovered uint64 `json:"uncovered,omitempty"`
	Break     *Break `json:"break,omitempty"`
}

// Report is the verification of every chain in a database.
type Report struct {
	Terminals []TerminalReport `json:"terminals"`
	Breaks    []Break          `json:"breaks,omitempty"` // breaks not tied to a registered terminal
}

// Intact reports whether every chain verified.
func (r *Report) Intact() bool { return r.First() == nil }

// First returns the first break, or nil.
func (r *Report) First() *Break {
	for i := range r.Terminals {
		if b := r.Terminals[i].Break; b != nil {
			return b
		}
	}
	if len(r.Breaks) > 0 {
		return &r.Breaks[0]
	}
	return nil
}

// VerifyOptions configure [Store.Verify].
type VerifyOptions struct {
	// Keys pins each terminal's public key (the central register). Nil:
	// the keys registered in the database are used, and the report shows
	// their fingerprints for comparison.
	Keys map[string]ed25519.PublicKey
	// Partial accepts entries after the newest checkpoint (a central copy
	// whose terminal has not forwarded its next checkpoint yet).
	Partial bool
}

// Verify checks every terminal's chain in one read snapshot, streaming the
// rows, and names the first broken entry of each. A broken chain is data
// in the report; the error is for I/O failures only.
func (s *Store) Verify(ctx context.Context, opts VerifyOptions) (*Report, error) {
	var q querier = s.db
	if s.d == dialectSQLite {
		// One connection, one snapshot: the writer replaces the head
		// checkpoint with each append, so the three cursors must see the
		// same moment.
		tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return nil, storageErr("verify", err)
		}
		defer tx.Rollback()
		q = tx
	}
	ids, keys, err := terminalsOf(ctx, q)
	if err != nil {
		return nil, err
	}
	rep := &Report{Terminals: []TerminalReport{}}
	for _, id := range ids {
		pub := ed25519.PublicKey(keys[id])
		tr := TerminalReport{Terminal: id, KeyFingerprint: Fingerprint(pub)}
		if opts.Keys != nil {
			pin, ok := opts.Keys[id]
			if !ok || !bytes.Equal(pin, pub) {
				tr.Break = &Break{Terminal: id, Code: BreakTerminalKey, Reason: fmt.Sprintf("terminal %s is registered with key %s, not the pinned key", id, Fingerprint(pub))}
				rep.Terminals = append(rep.Terminals, tr)
				continue
			}
		}
		if err := verifyTerminal(ctx, q, s.d, id, pub, opts.Partial, &tr); err != nil {
			return nil, err
		}
		rep.Terminals = append(rep.Terminals, tr)
	}
	for _, tbl := range []string{"audit_entries", "audit_values", "audit_checkpoints"} {
		var n int
		var tid sql.NullString
		err := q.QueryRowContext(ctx, `SELECT count(*), min(terminal_id) FROM `+tbl+` WHERE terminal_id NOT IN (SELECT terminal_id FROM audit_terminals)`).Scan(&n, &tid)
		if err != nil {
			return nil, storageErr("verify", err)
		}
		if n > 0 {
			rep.Breaks = append(rep.Breaks, Break{Terminal: tid.String, Code: BreakUnknownTermnal, Reason: fmt.Sprintf("%d rows of %s belong to unregistered terminal %q", n, tbl, tid.String)})
		}
	}
	return rep, nil
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func terminalsOf(ctx context.Context, q querier) ([]string, map[string][]byte, error) {
	rows, err := q.QueryContext(ctx, `SELECT terminal_id, public_key FROM audit_terminals ORDER BY terminal_id`)
	if err != nil {
		return nil, nil, storageErr("read terminals", err)
	}
	defer rows.Close()
	var ids []string
	keys := map[string][]byte{}
	for rows.Next() {
		var id string
		var k []byte
		if err := rows.Scan(&id, &k); err != nil {
			return nil, nil, storageErr("read terminals", err)
		}
		ids = append(ids, id)
		keys[id] = k
	}
	return ids, keys, storageErr("read terminals", rows.Err())
}

// cursor walks one table of a terminal in sequence order, one row ahead.
type cursor[T any] struct {
	rows *sql.Rows
	scan func(*sql.Rows) (T, error)
	cur  T
	ok   bool
	err  error
}

func openCursor[T any](ctx context.Context, q querier, query string, scan func(*sql.Rows) (T, error), args ...any) (*cursor[T], error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, storageErr("verify", err)
	}
	c := &cursor[T]{rows: rows, scan: scan}
	c.next()
	return c, c.err
}

func (c *cursor[T]) next() {
	c.ok = c.rows.Next()
	if !c.ok {
		c.err = storageErr("read", c.rows.Err())
		return
	}
	c.cur, c.err = c.scan(c.rows)
	if c.err != nil {
		c.ok = false
		c.err = storageErr("read", c.err)
	}
}

func (c *cursor[T]) close() { c.rows.Close() }

type entryRow struct {
	seq  int64
	hash []byte
	body []byte
}

type storedValue struct {
	seq     int64
	idx     int64
	expires int64
	salt    []byte
	value   []byte
	purged  sql.NullInt64
}

func scanEntry(r *sql.Rows) (entryRow, error) {
	var e entryRow
	return e, r.Scan(&e.seq, &e.hash, &e.body)
}

func scanValue(r *sql.Rows) (storedValue, error) {
	var v storedValue
	return v, r.Scan(&v.seq, &v.idx, &v.expires, &v.salt, &v.value, &v.purged)
}

func scanCheckpoint(r *sql.Rows) (storedCheckpoint, error) {
	var c storedCheckpoint
	return c, r.Scan(&c.seq, &c.head, &c.signedAt, &c.sig)
}

type storedCheckpoint struct {
	seq      int64
	head     []byte
	signedAt int64
	sig      []byte
}

// chainCursors opens the three cursors of one terminal; entries are
// bounded by the newest entry seen first: on PostgreSQL the cursors run on
// separate connections, and rows committed meanwhile (a forwarded batch)
// lie beyond the bound.
func chainCursors(ctx context.Context, q querier, d dialect, id string) (*cursor[entryRow], *cursor[storedValue], *cursor[storedCheckpoint], error) {
	var bound sql.NullInt64
	if err := q.QueryRowContext(ctx, d.q(`SELECT max(seq) FROM audit_entries WHERE terminal_id = ?`), id).Scan(&bound); err != nil {
		return nil, nil, nil, storageErr("verify", err)
	}
	// Checkpoints and value rows past the newest entry are exactly what
	// reveals a truncated tail, so they are read without the bound (see
	// the end of verifyTerminal for rows a concurrent batch added).
	cpBound := int64(1<<62 - 1)
	es, err := openCursor(ctx, q, d.q(`SELECT seq, hash, body FROM audit_entries WHERE terminal_id = ? AND seq <= ? ORDER BY seq`), scanEntry, id, bound.Int64)
	if err != nil {
		return nil, nil, nil, err
	}
	vs, err := openCursor(ctx, q, d.q(`SELECT seq, idx, expires_at, salt, value, purged_at FROM audit_values WHERE terminal_id = ? AND seq <= ? ORDER BY seq, idx`), scanValue, id, cpBound)
	if err != nil {
		es.close()
		return nil, nil, nil, err
	}
	cs, err := openCursor(ctx, q, d.q(`SELECT seq, head, signed_at, signature FROM audit_checkpoints WHERE terminal_id = ? AND seq <= ? ORDER BY seq`), scanCheckpoint, id, cpBound)
	if err != nil {
		es.close()
		vs.close()
		return nil, nil, nil, err
	}
	return es, vs, cs, nil
}

func verifyTerminal(ctx context.Context, q querier, d dialect, id string, pub ed25519.PublicKey, partial bool, tr *TerminalReport) error {
	es, vs, cs, err := chainCursors(ctx, q, d, id)
	if err != nil {
		return err
	}
	defer es.close()
	defer vs.close()
	defer cs.close()
	brk := func(seq uint64, code, format string, args ...any) {
		tr.Break = &Break{Terminal: id, Seq: seq, Code: code, Reason: fmt.Sprintf(format, args...)}
	}
	prev := make([]byte, HashSize)
	var last uint64
	for ; es.ok; es.next() {
		want := last + 1
		row := es.cur
		switch {
		case row.seq > int64(want):
			brk(want, BreakMissing, "entry %d is missing (the next stored entry is %d)", want, row.seq)
			return nil
		case row.seq < int64(want):
			blame := want
			if e, err := DecodeEntry(row.body); err == nil && e.Seq > 0 {
				blame = e.Seq
			}
			brk(blame, BreakOrder, "entry %d is stored under sequence number %d", blame, row.seq)
			return nil
		}
		if !bytes.Equal(row.hash, EntryHash(row.body)) {
			brk(want, BreakHash, "the stored hash is not the hash of the stored entry (the entry or its hash was changed)")
			return nil
		}
		e, err := DecodeEntry(row.body)
		if err != nil {
			brk(want, BreakMalformed, "the stored entry is not a canonical entry encoding")
			return nil
		}
		switch {
		case e.Seq != want:
			brk(want, BreakOrder, "the entry stored as %d is entry %d (entries were reordered)", want, e.Seq)
			return nil
		case e.Terminal != id:
			brk(want, BreakTerminal, "the entry belongs to terminal %q", e.Terminal)
			return nil
		case !bytes.Equal(e.Prev, prev):
			// Entry want commits to another hash of entry want-1: the
			// likely edit is entry want-1 with its hash recomputed (an
			// edit without recomputing is caught at want-1 itself).
			if want == 1 {
				brk(1, BreakPrev, "the first entry does not start the chain")
			} else {
				brk(want-1, BreakPrev, "entry %d was changed after entry %d was written (entry %d commits to another hash)", want-1, want, want)
			}
			return nil
		}
		if code, why := checkValues(vs, e, want, tr); code != "" {
			brk(want, code, "%s", why)
			return nil
		}
		for cs.ok && cs.cur.seq < int64(want) {
			// A checkpoint for a number before this one: that entry
			// would have been reported missing; a checkpoint at 0 or
			// below is an inserted row.
			brk(want, BreakCheckpoint, "a checkpoint names sequence number %d", cs.cur.seq)
			return nil
		}
		if cs.ok && cs.cur.seq == int64(want) {
			c := cs.cur
			cp := Checkpoint{Seq: want, Head: c.head, SignedAt: Millis(c.signedAt), Signature: c.sig}
			if !bytes.Equal(c.head, row.hash) || !cp.verify(pub, id) {
				brk(want, BreakCheckpoint, "the checkpoint at entry %d does not verify with the terminal key %s", want, Fingerprint(pub))
				return nil
			}
			tr.Checkpoints++
			tr.LastCheckpoint = want
			cs.next()
		}
		prev, last = row.hash, want
		tr.Entries, tr.Head = last, hex.EncodeToString(row.hash)
	}
	for _, err := range []error{es.err, vs.err, cs.err} {
		if err != nil {
			return err
		}
	}
	if (cs.ok || vs.ok) && d == dialectPostgres {
		// The central store may have received a batch after the entries
		// cursor started: if entry last+1 exists now, the rows beyond are
		// that batch, not the remains of a truncated tail.
		var n int
		if err := q.QueryRowContext(ctx, d.q(`SELECT count(*) FROM audit_entries WHERE terminal_id = ? AND seq = ?`), id, int64(last+1)).Scan(&n); err != nil {
			return storageErr("verify", err)
		}
		if n > 0 {
			cs.ok, vs.ok = false, false
		}
	}
	if cs.ok {
		brk(last+1, BreakTruncated, "entries from %d on are missing: a checkpoint signed entry %d", last+1, cs.cur.seq)
		return nil
	}
	if vs.ok {
		brk(uint64(max(vs.cur.seq, 0)), BreakValueExtra, "a value row exists for entry %d, which is not stored", vs.cur.seq)
		return nil
	}
	if last > tr.LastCheckpoint {
		if !partial {
			brk(tr.LastCheckpoint+1, BreakUncovered, "entries %d to %d are not covered by a signed checkpoint (appended without the terminal key, or the newest checkpoint was deleted)", tr.LastCheckpoint+1, last)
			return nil
		}
		tr.Uncovered = last - tr.LastCheckpoint
	}
	return nil
}

// checkValues consumes the value rows of entry seq and checks them against
// its commitments: every committed row present, each either holding the
// committed value or purged after its retention ended.
func checkValues(vs *cursor[storedValue], e *Entry, seq uint64, tr *TerminalReport) (code, why string) {
	n := 0
	for ; vs.ok && vs.cur.seq <= int64(seq); vs.next() {
		v := vs.cur
		switch {
		case v.seq < int64(seq):
			return BreakValueExtra, fmt.Sprintf("a value row names entry %d", v.seq)
		case v.idx != int64(n):
			if v.idx > int64(n) && n < len(e.Retained) {
				return BreakValueMissing, fmt.Sprintf("value %d (%s) is gone without being purged", n, e.Retained[n].Element)
			}
			return BreakValueExtra, fmt.Sprintf("value row %d is not committed to", v.idx)
		case n >= len(e.Retained):
			return BreakValueExtra, fmt.Sprintf("value row %d is not committed to", v.idx)
		}
		c := e.Retained[n]
		switch {
		case v.expires != int64(c.Until):
			return BreakValue, fmt.Sprintf("value %d (%s): the retention end was changed", n, c.Element)
		case v.purged.Valid:
			if v.salt != nil || v.value != nil || v.purged.Int64 < int64(c.Until) {
				return BreakValue, fmt.Sprintf("value %d (%s): purged before its retention ended, or the tombstone was changed", n, c.Element)
			}
			tr.Purged++
		default:
			if !bytes.Equal(commitValue(v.salt, c.Namespace, c.Element, v.value), c.Commitment) {
				return BreakValue, fmt.Sprintf("value %d (%s) does not match its commitment", n, c.Element)
			}
			tr.Values++
		}
		n++
	}
	if n < len(e.Retained) {
		return BreakValueMissing, fmt.Sprintf("value %d (%s) is gone without being purged", n, e.Retained[n].Element)
	}
	return "", ""
}
