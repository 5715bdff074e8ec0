package app

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"taimen/reader"
)

// Counter is the service bound to the frontend (window.go.app.Counter). It
// follows the reader through a reader.Source and tells the frontend of every
// change of what the clerk should see.
type Counter struct {
	source  reader.Source
	emit    Emitter
	demo    bool
	version string
	log     *slog.Logger

	// emitMu makes sure no two goroutines ever emit at once.
	emitMu sync.Mutex

	// The customer's check (check.go). fmu guards flow and is taken
	// before cfgMu, never after.
	fmu   sync.Mutex
	flow  flow
	runs  sync.WaitGroup
	cfg   checkConfig
	cfgMu sync.RWMutex
	conf  config

	mu     sync.Mutex
	state  ReaderState
	seen   chan struct{} // closed once the source has reported
	once   sync.Once
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
}

// CounterOptions configure a Counter.
type CounterOptions struct {
	Source  reader.Source
	Emit    Emitter
	Demo    bool
	Version string
	Log     *slog.Logger
	// Check configures the customer's check (check.go).
	Check CheckOptions
}

// NewCounter builds the service; nothing runs until Startup.
func NewCounter(o CounterOptions) *Counter {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Emit == nil {
		o.Emit = func(context.Context, string, ...any) {}
	}
	c := &Counter{source: o.Source, emit: o.Emit, demo: o.Demo, version: o.Version, log: o.Log, seen: make(chan struct{})}
	c.state = ReaderState{Status: ReaderNoService, Readers: []ReaderInfo{}, Demo: o.Demo}
	c.initCheck(o.Check)
	return c
}

// Startup starts following the reader; Wails calls it with its own context
// (OnStartup), which is also the context events are emitted with.
func (c *Counter) Startup(ctx context.Context) {
	c.mu.Lock()
	c.ctx = ctx
	runCtx, cancel := context.WithCancel(ctx)
	c.cancel = cancel
	c.done = make(chan struct{})
	c.mu.Unlock()
	go func() {
		defer close(c.done)
		err := c.source.Run(runCtx, c.onSnapshot)
		if err != nil && !errors.Is(err, context.Canceled) {
			c.log.Error("reader source stopped", "err", err)
		}
	}()
}

// Shutdown stops following the reader, wipes the current customer's check
// and waits for the source and any running check to return.
func (c *Counter) Shutdown(context.Context) {
	c.mu.Lock()
	cancel, done := c.cancel, c.done
	c.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	c.shutdownCheck()
}

// firstStateWait bounds how long ReaderState waits for the source's first
// report at start-up.
const firstStateWait = 3 * time.Second

// ReaderState returns the current reader state (the frontend asks once at
// start, then follows EventReaderState). Until the source has reported once
// it waits, up to firstStateWait, so that the clerk never sees a "service
// not running" flash while PC/SC is still being asked.
func (c *Counter) ReaderState() ReaderState {
	select {
	case <-c.seen:
	case <-time.After(firstStateWait):
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return cloneState(c.state)
}

// AppInfo returns the version and whether the app runs in demo mode.
func (c *Counter) AppInfo() AppInfo { return AppInfo{Version: c.version, Demo: c.demo} }

func (c *Counter) onSnapshot(s reader.Snapshot) {
	next := stateFromSnapshot(s, c.demo)
	c.mu.Lock()
	defer c.once.Do(func() { close(c.seen) })
	changed := !statesEqual(c.state, next)
	c.state = next
	c.mu.Unlock()
	if changed {
		c.send(EventReaderState, cloneState(next))
	}
	c.onReaders(s)
}

// send emits one event; emitMu keeps emits from overlapping.
func (c *Counter) send(name string, payload any) {
	c.mu.Lock()
	ctx := c.ctx
	c.mu.Unlock()
	c.emitMu.Lock()
	defer c.emitMu.Unlock()
	c.emit(ctx, name, payload)
}

// stateFromSnapshot reduces what PC/SC reports to what the clerk needs: the
// first reader with something on it wins, otherwise the first reader.
func stateFromSnapshot(s reader.Snapshot, demo bool) ReaderState {
	st := ReaderState{Readers: make([]ReaderInfo, 0, len(s.Readers)), Demo: demo}
	for _, r := range s.Readers {
		st.Readers = append(st.Readers, ReaderInfo{Name: r.Name, CardPresent: r.CardPresent})
	}
	switch {
	case !s.Service:
		st.Status = ReaderNoService
	case len(s.Readers) == 0:
		st.Status = ReaderNone
	default:
		st.Status = ReaderReady
		st.Selected = s.Readers[0].Name
		for _, r := range s.Readers {
			if r.CardPresent {
				st.Status = ReaderPresent
				st.Selected = r.Name
				break
			}
		}
	}
	return st
}

func statesEqual(a, b ReaderState) bool {
	return a.Status == b.Status && a.Selected == b.Selected && a.Demo == b.Demo && slices.Equal(a.Readers, b.Readers)
}

func cloneState(s ReaderState) ReaderState {
	s.Readers = slices.Clone(s.Readers)
	if s.Readers == nil {
		s.Readers = []ReaderInfo{}
	}
	return s
}

// UIShown is called by the frontend each time it has rendered a reader
// state, or a check phase as "phase:<phase>". It only logs (no personal
// data: the value is one of a few fixed words), which lets the smoke test
// and a support engineer see what the clerk saw.
func (c *Counter) UIShown(what string) {
	switch ReaderStatus(what) {
	case ReaderNoService, ReaderNone, ReaderReady, ReaderPresent:
		c.log.Info("ui showing", "status", what)
		return
	}
	if p, ok := strings.CutPrefix(what, "phase:"); ok {
		switch Phase(p) {
		case PhaseIdle, PhaseWaiting, PhaseEngaging, PhaseConsent, PhaseVerifying, PhaseCodeB, PhaseReadingCard, PhaseResult, PhaseError:
			c.log.Info("ui showing", "phase", p)
			return
		}
	}
	c.log.Warn("ui reported an unknown screen")
}
