package reader

import (
	"bytes"
	"context"
)

// Snapshot is the whole reader situation at one moment. A [Source] hands
// the app a complete Snapshot on every change, so the app never has to
// merge events or guess what it missed.
type Snapshot struct {
	// Service reports whether the smart card service (pcscd) is reachable.
	// When false, Readers is empty.
	Service bool
	// Readers in the order the service lists them.
	Readers []ReaderStatus
}

// ReaderStatus is one reader in a [Snapshot].
type ReaderStatus struct {
	Name        string
	CardPresent bool
	// ATR of the card when CardPresent (for contactless cards the reader
	// builds it from the ATS or ATQB, PC/SC part 3 §3.1.3.2.3).
	ATR []byte
	// InUse: some application (possibly this one) held a connection at the
	// last card event. pcsc-lite does not wake waiters when an application
	// connects or disconnects, so this is a hint, not a live lock state.
	InUse bool
}

// Equal reports whether s and o describe the same situation.
func (s Snapshot) Equal(o Snapshot) bool {
	if s.Service != o.Service || len(s.Readers) != len(o.Readers) {
		return false
	}
	for i, r := range s.Readers {
		q := o.Readers[i]
		if r.Name != q.Name || r.CardPresent != q.CardPresent || r.InUse != q.InUse || !bytes.Equal(r.ATR, q.ATR) {
			return false
		}
	}
	return true
}

// Reader returns the status of the named reader.
func (s Snapshot) Reader(name string) (ReaderStatus, bool) {
	for _, r := range s.Readers {
		if r.Name == name {
			return r, true
		}
	}
	return ReaderStatus{}, false
}

// Source watches readers. Run calls onChange with the first snapshot as soon
// as it is known and then after every change (service lost or restored,
// reader added or removed, card inserted or removed), from one goroutine,
// never concurrently. onChange should return quickly (hand the snapshot to a
// channel): the next wait starts only after it. Losing the service is not an
// error: Run reports Service=false and reconnects by itself. Run returns
// ctx.Err() once ctx is done, or an error it cannot recover from.
type Source interface {
	Run(ctx context.Context, onChange func(Snapshot)) error
}
