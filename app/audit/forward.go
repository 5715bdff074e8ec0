package audit

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Forwarder pushes a terminal's unacknowledged entries to the central
// store (store-and-forward). The last acknowledged sequence number is kept
// in the terminal's database, so a restarted forwarder resumes where the
// central store last confirmed; anything sent but not acknowledged is sent
// again, which Receive makes harmless.
type Forwarder struct {
	Log     *Log
	Central *Central
	// Batch is the number of entries per transaction; 256 by default.
	Batch int
	// MinBackoff and MaxBackoff bound the wait after a failure, doubling
	// from Min to Max; 500 ms and 1 min by default.
	MinBackoff, MaxBackoff time.Duration
	// Idle is the wait when nothing is left to send; 5 s by default.
	Idle time.Duration
	// Sleep waits or returns early when ctx ends; injected by tests.
	Sleep func(ctx context.Context, d time.Duration) error
	// OnError is told about each failed attempt (without personal data:
	// errors carry sequence numbers and driver messages only).
	OnError func(error)
}

// Acked returns the last sequence number the central store acknowledged.
func (l *Log) Acked(ctx context.Context) (uint64, error) {
	var n int64
	err := l.db.QueryRowContext(ctx, `SELECT acked_seq FROM audit_forward WHERE terminal_id = ?`, l.keys.TerminalID).Scan(&n)
	return uint64(n), storageErr("read forward state", err)
}

func (l *Log) setAcked(ctx context.Context, seq uint64) error {
	_, err := l.db.ExecContext(ctx, `UPDATE audit_forward SET acked_seq = ? WHERE terminal_id = ? AND acked_seq < ?`, int64(seq), l.keys.TerminalID, int64(seq))
	return storageErr("write forward state", err)
}

// pending reads the next batch after the acknowledged sequence number.
func (l *Log) pending(ctx context.Context, after uint64, limit int) (*Batch, error) {
	// Hold the writer's lock so that an append cannot replace the head
	// checkpoint between the three reads.
	l.mu.Lock()
	defer l.mu.Unlock()
	id := l.keys.TerminalID
	b := &Batch{Terminal: id, PublicKey: l.keys.Public()}
	rows, err := l.db.QueryContext(ctx, `SELECT seq, hash, body FROM audit_entries WHERE terminal_id = ? AND seq > ? ORDER BY seq LIMIT ?`, id, int64(after), limit)
	if err != nil {
		return nil, storageErr("read pending", err)
	}
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			rows.Close()
			return nil, storageErr("read pending", err)
		}
		b.entries = append(b.entries, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, storageErr("read pending", err)
	}
	if len(b.entries) == 0 {
		return b, nil
	}
	lo, hi := b.entries[0].seq, b.entries[len(b.entries)-1].seq
	b.First, b.Last = uint64(lo), uint64(hi)
	rows, err = l.db.QueryContext(ctx, `SELECT seq, idx, expires_at, salt, value, purged_at FROM audit_values WHERE terminal_id = ? AND seq BETWEEN ? AND ? ORDER BY seq, idx`, id, lo, hi)
	if err != nil {
		return nil, storageErr("read pending", err)
	}
	for rows.Next() {
		v, err := scanValue(rows)
		if err != nil {
			rows.Close()
			return nil, storageErr("read pending", err)
		}
		b.values = append(b.values, v)
	}
	rows.Close()
	rows, err = l.db.QueryContext(ctx, `SELECT seq, head, signed_at, signature FROM audit_checkpoints WHERE terminal_id = ? AND seq BETWEEN ? AND ? ORDER BY seq`, id, lo, hi)
	if err != nil {
		return nil, storageErr("read pending", err)
	}
	for rows.Next() {
		c, err := scanCheckpoint(rows)
		if err != nil {
			rows.Close()
			return nil, storageErr("read pending", err)
		}
		b.checkpoints = append(b.checkpoints, c)
	}
	rows.Close()
	return b, storageErr("read pending", rows.Err())
}

// Step sends one batch and records the acknowledgement; it returns how
// many entries were sent (0 when nothing was pending).
func (f *Forwarder) Step(ctx context.Context) (int, error) {
	acked, err := f.Log.Acked(ctx)
	if err != nil {
		return 0, err
	}
	n := f.Batch
	if n <= 0 {
		n = 256
	}
	b, err := f.Log.pending(ctx, acked, n)
	if err != nil || len(b.entries) == 0 {
		return 0, err
	}
	if err := f.Central.Receive(ctx, b); err != nil {
		return 0, fmt.Errorf("audit: forward entries %d–%d: %w", b.First, b.Last, err)
	}
	if err := f.Log.setAcked(ctx, b.Last); err != nil {
		return 0, err
	}
	return len(b.entries), nil
}

// Run forwards until ctx ends, waiting Idle when everything is sent and
// backing off (bounded) after failures. A conflict or key mismatch is not
// retried: it needs a person.
func (f *Forwarder) Run(ctx context.Context) error {
	minB, maxB, idle := f.MinBackoff, f.MaxBackoff, f.Idle
	if minB <= 0 {
		minB = 500 * time.Millisecond
	}
	if maxB < minB {
		maxB = max(time.Minute, minB)
	}
	if idle <= 0 {
		idle = 5 * time.Second
	}
	sleep := f.Sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	backoff := minB
	for {
		n, err := f.Step(ctx)
		var wait time.Duration
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, ErrConflict) || errors.Is(err, ErrTerminalKey):
			return err
		case err != nil:
			if f.OnError != nil {
				f.OnError(err)
			}
			wait = backoff
			backoff = min(backoff*2, maxB)
		case n == 0:
			wait, backoff = idle, minB
		default:
			backoff = minB
			continue
		}
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
