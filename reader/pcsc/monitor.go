package pcsc

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/ebfe/scard"

	"taimen/reader"
)

// pnp is the pseudo reader whose state changes when a reader is added or
// removed (PC/SC part 5 §3.1.13; pcsc-lite supports it since 1.6).
const pnp = `\\?PnP?\Notification`

// Monitor watches readers and cards with SCardGetStatusChange and hands out
// a full reader.Snapshot on every change. It blocks in the daemon between
// changes: no polling of readers or cards, no sleeps.
//
// Recovery: when pcscd goes away every call fails with SCARD_E_NO_SERVICE,
// and a context made before the restart never works again even after pcscd
// is back (and SCardIsValidContext still says it is valid, as it only checks
// client-side). So on any service failure Run reports Service=false, releases
// the context and establishes a new one. While the service is away there is
// nothing to block on, so that one step retries on a timer with bounded
// backoff.
type Monitor struct {
	// MinBackoff and MaxBackoff bound the pause between attempts to reach a
	// missing service (defaults 20 ms and 1 s; a restarted pcscd serves
	// again within ~15 ms).
	MinBackoff, MaxBackoff time.Duration
	// OnError, if set, is told why the service was given up for lost (for
	// logs; Run recovers by itself). It runs on Run's goroutine.
	OnError func(error)
}

var _ reader.Source = (*Monitor)(nil)

// Run implements reader.Source. It returns ctx.Err() when ctx is done; a
// blocked SCardGetStatusChange is cancelled with SCardCancel at that moment.
func (m *Monitor) Run(ctx context.Context, onChange func(reader.Snapshot)) error {
	minB, maxB := m.MinBackoff, m.MaxBackoff
	if minB <= 0 {
		minB = 20 * time.Millisecond
	}
	if maxB < minB {
		maxB = max(time.Second, minB)
	}
	var last *reader.Snapshot
	emit := func(s reader.Snapshot) {
		if last == nil || !last.Equal(s) {
			// Keep our own copy: onChange may keep or modify what it gets.
			c := s
			c.Readers = append([]reader.ReaderStatus(nil), s.Readers...)
			for i := range c.Readers {
				c.Readers[i].ATR = append([]byte(nil), c.Readers[i].ATR...)
			}
			last = &c
			onChange(s)
		}
	}
	backoff := minB
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		served, werr := m.watch(ctx, emit)
		if m.OnError != nil && werr != nil && ctx.Err() == nil {
			m.OnError(werr)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		emit(reader.Snapshot{Service: false})
		if served {
			backoff = minB
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		backoff = min(2*backoff, maxB)
	}
}

// watch runs one PC/SC context until the service fails or ctx ends. served
// reports whether at least one wait succeeded (the service was really up).
func (m *Monitor) watch(ctx context.Context, emit func(reader.Snapshot)) (served bool, err error) {
	sc, err := scard.EstablishContext()
	if err != nil {
		return false, wrap("establish context", err)
	}
	w := newWaiter(ctx, sc)
	defer w.release()

	states := []scard.ReaderState{{Reader: pnp, CurrentState: scard.StateUnaware}}
	relist := true
	misses := 0 // consecutive waits that named a reader the service no longer knows
	for {
		if relist {
			names, err := sc.ListReaders()
			if err != nil && !errors.Is(err, scard.ErrNoReadersAvailable) {
				return served, wrap("list readers", err)
			}
			states = reconcile(states, names)
			relist = false
		}
		if known(states) {
			emit(snapshot(states))
		}
		for i := range states {
			states[i].Atr = nil // the library leaves a stale ATR when the card is gone
		}
		err := w.wait(states)
		switch {
		case err == nil:
			served, misses = true, 0
		case ctx.Err() != nil:
			return served, ctx.Err()
		case errors.Is(err, scard.ErrCancelled), errors.Is(err, scard.ErrTimeout):
			continue
		case errors.Is(err, scard.ErrUnknownReader), errors.Is(err, scard.ErrReaderUnavailable):
			// A reader vanished between the list and the wait. Bounded, so a
			// service that keeps contradicting itself cannot spin us.
			if misses++; misses > 3 {
				return served, wrap("get status change", err)
			}
			relist = true
			continue
		default:
			return served, wrap("get status change", err)
		}
		for i := range states {
			ev := states[i].EventState
			if i == 0 && ev&scard.StateChanged != 0 {
				relist = true
			}
			if i > 0 && ev&(scard.StateUnknown|scard.StateIgnore) != 0 {
				relist = true // the reader was removed
			}
			states[i].CurrentState = ev &^ scard.StateChanged
		}
	}
}

// reconcile returns the PnP entry followed by one entry per name, keeping
// the known state of readers that are still there.
func reconcile(old []scard.ReaderState, names []string) []scard.ReaderState {
	prev := make(map[string]scard.ReaderState, len(old))
	for _, s := range old[1:] {
		prev[s.Reader] = s
	}
	out := make([]scard.ReaderState, 1, 1+len(names))
	out[0] = old[0]
	for _, n := range names {
		s, ok := prev[n]
		if !ok {
			s = scard.ReaderState{Reader: n, CurrentState: scard.StateUnaware}
		}
		out = append(out, s)
	}
	return out
}

// known reports whether every reader's state has been reported once.
func known(states []scard.ReaderState) bool {
	for _, s := range states[1:] {
		if s.CurrentState == scard.StateUnaware {
			return false
		}
	}
	return true
}

func snapshot(states []scard.ReaderState) reader.Snapshot {
	s := reader.Snapshot{Service: true, Readers: make([]reader.ReaderStatus, 0, len(states)-1)}
	for _, st := range states[1:] {
		ev := st.CurrentState
		if ev&(scard.StateUnknown|scard.StateIgnore) != 0 {
			continue
		}
		r := reader.ReaderStatus{
			Name:        st.Reader,
			CardPresent: ev&scard.StatePresent != 0,
			InUse:       ev&(scard.StateInuse|scard.StateExclusive) != 0,
		}
		if r.CardPresent && len(st.Atr) > 0 {
			r.ATR = append([]byte(nil), st.Atr...)
		}
		s.Readers = append(s.Readers, r)
	}
	return s
}

// waiter runs SCardGetStatusChange with an infinite timeout and cancels it
// when ctx ends.
type waiter struct {
	sc   *scard.Context
	stop func() bool

	mu       sync.Mutex // orders Cancel against Release
	released bool
	quit     chan struct{}
}

func newWaiter(ctx context.Context, sc *scard.Context) *waiter {
	w := &waiter{sc: sc, quit: make(chan struct{})}
	w.stop = context.AfterFunc(ctx, w.cancel)
	return w
}

// cancel calls SCardCancel until the context is released. pcsc-lite ignores
// a cancel that arrives before the wait has started, and ctx may end in the
// gap between our ctx check and the call; repeating closes that gap. This
// loop runs only during shutdown.
func (w *waiter) cancel() {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		w.mu.Lock()
		if w.released {
			w.mu.Unlock()
			return
		}
		w.sc.Cancel()
		w.mu.Unlock()
		select {
		case <-w.quit:
			return
		case <-t.C:
		}
	}
}

func (w *waiter) wait(states []scard.ReaderState) error {
	return w.sc.GetStatusChange(states, -1)
}

func (w *waiter) release() {
	w.stop()
	w.mu.Lock()
	w.released = true
	close(w.quit)
	w.mu.Unlock()
	w.sc.Release()
}
