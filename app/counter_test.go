package app

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"taimen/reader"
)

type emitted struct {
	name    string
	payload any
}

type recorder struct {
	mu     sync.Mutex
	events []emitted
	got    chan struct{}
}

func newRecorder() *recorder { return &recorder{got: make(chan struct{}, 64)} }

func (r *recorder) emit(_ context.Context, name string, data ...any) {
	r.mu.Lock()
	var p any
	if len(data) > 0 {
		p = data[0]
	}
	r.events = append(r.events, emitted{name, p})
	r.mu.Unlock()
	r.got <- struct{}{}
}

func (r *recorder) waitState(t *testing.T, want ReaderStatus) ReaderState {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		r.mu.Lock()
		if n := len(r.events); n > 0 {
			last := r.events[n-1]
			if st, ok := last.payload.(ReaderState); ok && last.name == EventReaderState && st.Status == want {
				r.mu.Unlock()
				return st
			}
		}
		r.mu.Unlock()
		select {
		case <-r.got:
		case <-deadline:
			t.Fatalf("no %q state event; events: %+v", want, r.events)
		}
	}
}

// scriptSource replays snapshots pushed by the test.
type scriptSource struct{ snaps chan reader.Snapshot }

func (s *scriptSource) Run(ctx context.Context, onChange func(reader.Snapshot)) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case sn := <-s.snaps:
			onChange(sn)
		}
	}
}

func TestStateFromSnapshot(t *testing.T) {
	two := []reader.ReaderStatus{{Name: "A"}, {Name: "B", CardPresent: true}}
	tests := []struct {
		name     string
		snap     reader.Snapshot
		status   ReaderStatus
		selected string
	}{
		{"service down", reader.Snapshot{Service: false, Readers: two}, ReaderNoService, ""},
		{"no reader", reader.Snapshot{Service: true}, ReaderNone, ""},
		{"ready", reader.Snapshot{Service: true, Readers: []reader.ReaderStatus{{Name: "A"}}}, ReaderReady, "A"},
		{"present on second reader", reader.Snapshot{Service: true, Readers: two}, ReaderPresent, "B"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := stateFromSnapshot(tc.snap, false)
			if st.Status != tc.status || st.Selected != tc.selected {
				t.Fatalf("got %s/%q, want %s/%q", st.Status, st.Selected, tc.status, tc.selected)
			}
			if len(st.Readers) != len(tc.snap.Readers) {
				t.Fatalf("readers: got %d, want %d", len(st.Readers), len(tc.snap.Readers))
			}
		})
	}
}

func TestCounterEmitsChangesOnly(t *testing.T) {
	src := &scriptSource{snaps: make(chan reader.Snapshot)}
	rec := newRecorder()
	c := NewCounter(CounterOptions{Source: src, Emit: rec.emit, Version: "test"})
	c.Startup(context.Background())
	defer c.Shutdown(context.Background())

	// Before the source reports, ReaderState waits rather than answering
	// the placeholder no_service state.
	first := make(chan ReaderState, 1)
	go func() { first <- c.ReaderState() }()
	select {
	case st := <-first:
		t.Fatalf("ReaderState answered %s before the source reported", st.Status)
	case <-time.After(50 * time.Millisecond):
	}
	ready := reader.Snapshot{Service: true, Readers: []reader.ReaderStatus{{Name: "R"}}}
	src.snaps <- ready
	if st := <-first; st.Status != ReaderReady {
		t.Fatalf("first ReaderState %s, want ready", st.Status)
	}
	rec.waitState(t, ReaderReady)
	src.snaps <- ready // unchanged: no event
	src.snaps <- reader.Snapshot{Service: true, Readers: []reader.ReaderStatus{{Name: "R", CardPresent: true}}}
	st := rec.waitState(t, ReaderPresent)
	if st.Selected != "R" {
		t.Fatalf("selected %q", st.Selected)
	}
	src.snaps <- reader.Snapshot{Service: true}
	rec.waitState(t, ReaderNone)

	rec.mu.Lock()
	n := len(rec.events)
	rec.mu.Unlock()
	if n != 3 {
		t.Fatalf("%d events, want 3 (duplicates must be dropped)", n)
	}
	if got := c.ReaderState(); got.Status != ReaderNone {
		t.Fatalf("ReaderState() = %s after events", got.Status)
	}
}

func TestDemoSource(t *testing.T) {
	d := NewDemoSource()
	rec := newRecorder()
	c := NewCounter(CounterOptions{Source: d, Emit: rec.emit, Demo: true})
	c.Startup(context.Background())
	st := rec.waitState(t, ReaderReady)
	if !st.Demo || st.Selected != DemoReaderName {
		t.Fatalf("demo state %+v", st)
	}
	d.SetPresent(true)
	rec.waitState(t, ReaderPresent)
	d.SetPresent(false)
	rec.waitState(t, ReaderReady)
	done := make(chan struct{})
	go func() { c.Shutdown(context.Background()); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Shutdown did not return")
	}
	if !c.AppInfo().Demo {
		t.Fatal("AppInfo().Demo false in demo mode")
	}
}

func TestUIShownLogsOnlyKnownScreens(t *testing.T) {
	var buf bytes.Buffer
	c := NewCounter(CounterOptions{Source: &scriptSource{}, Log: slog.New(slog.NewTextHandler(&buf, nil))})
	for _, w := range []string{"ready", "phase:result", "phase:code_b", "山田 花子", "phase:secret"} {
		c.UIShown(w)
	}
	out := buf.String()
	for _, want := range []string{"status=ready", "phase=result", "phase=code_b"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "山田") || strings.Contains(out, "secret") {
		t.Fatalf("an unknown value reached the log:\n%s", out)
	}
}
