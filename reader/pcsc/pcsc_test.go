package pcsc

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"sync"
	"testing"
	"time"

	"taimen/reader"
	"taimen/reader/pcsc/pcsctest"
	"taimen/sim/vicc"
)

// Every wait in these tests is bounded by this; nothing sleeps.
const bound = 15 * time.Second

var daemon *pcsctest.Daemon

func TestMain(m *testing.M) { pcsctest.Main(m, &daemon) }

// testATR is a PC/SC part 3 style ATR, as a contactless reader builds it.
var testATR = []byte{0x3B, 0x8F, 0x80, 0x01, 0x80, 0x4F, 0x0C, 0xA0, 0x00, 0x00, 0x03, 0x06, 0x03, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x68}

// testCard is a small card for these tests:
//
//	80 EE P1 P2        echo P1 P2
//	80 E1 P1 P2 (Ne)   return P1P2 bytes of pattern
//	80 E2 (chained)    return SHA-256 of all chained data and the number of parts
//	80 E3 P1 P2        announce P1P2 bytes with 61xx, hand them out by GET RESPONSE
//	80 E4              call hold (the test pulls the card) and answer 9000
type testCard struct {
	mu      sync.Mutex
	chain   []byte
	parts   int
	pending []byte
	hold    func()
}

func (c *testCard) ATR() []byte { return testATR }
func (c *testCard) Power(bool)  {}
func (c *testCard) Reset() {
	c.mu.Lock()
	c.chain, c.parts, c.pending = nil, 0, nil
	c.mu.Unlock()
}

func (c *testCard) setHold(f func()) {
	c.mu.Lock()
	c.hold = f
	c.mu.Unlock()
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i>>8)
	}
	return b
}

func sw(data []byte, sw uint16) []byte { return reader.Response{Data: data, SW: sw}.Encode() }

func (c *testCard) APDU(b []byte) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	cmd, err := reader.ParseCommand(b)
	if err != nil {
		return sw(nil, 0x6700)
	}
	n := int(cmd.P1)<<8 | int(cmd.P2)
	switch {
	case cmd.INS == 0xA4:
		return sw(nil, 0x9000)
	case cmd.INS == 0xEE:
		return sw([]byte{cmd.P1, cmd.P2}, 0x9000)
	case cmd.INS == 0xE1:
		if cmd.Ne < n {
			return sw(nil, 0x6700)
		}
		return sw(pattern(n), 0x9000)
	case cmd.INS == 0xE2:
		c.chain = append(c.chain, cmd.Data...)
		c.parts++
		if cmd.CLA&0x10 != 0 {
			return sw(nil, 0x9000)
		}
		h := sha256.Sum256(c.chain)
		out := append(h[:], byte(c.parts))
		c.chain, c.parts = nil, 0
		return sw(out, 0x9000)
	case cmd.INS == 0xE3:
		c.pending = pattern(n)
		return sw(nil, 0x6100|uint16(min(n, 256)&0xFF))
	case cmd.INS == 0xC0:
		k := min(cmd.Ne, len(c.pending))
		out := c.pending[:k]
		c.pending = c.pending[k:]
		if len(c.pending) == 0 {
			return sw(out, 0x9000)
		}
		return sw(out, 0x6100|uint16(min(len(c.pending), 256)&0xFF))
	case cmd.INS == 0xE4:
		if c.hold != nil {
			c.hold()
		}
		return sw(nil, 0x9000)
	}
	return sw(nil, 0x6D00)
}

// watch collects the snapshots of a running Monitor.
type watch struct {
	ch chan reader.Snapshot
}

func startMonitor(t *testing.T) *watch {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := &watch{ch: make(chan reader.Snapshot, 4096)}
	done := make(chan error, 1)
	m := &Monitor{OnError: func(err error) { t.Logf("monitor: %v", err) }}
	go func() { done <- m.Run(ctx, func(s reader.Snapshot) { w.ch <- s }) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Run = %v, want context.Canceled", err)
			}
		case <-time.After(bound):
			t.Error("Monitor.Run did not return after cancel")
		}
	})
	return w
}

func (w *watch) waitFor(t *testing.T, what string, ok func(reader.Snapshot) bool) reader.Snapshot {
	t.Helper()
	timeout := time.After(bound)
	var last reader.Snapshot
	for {
		select {
		case s := <-w.ch:
			if ok(s) {
				return s
			}
			last = s
		case <-timeout:
			t.Fatalf("no snapshot with %s within %v; last %+v", what, bound, last)
		}
	}
}

func present(name string, want bool) func(reader.Snapshot) bool {
	return func(s reader.Snapshot) bool {
		r, ok := s.Reader(name)
		return s.Service && ok && r.CardPresent == want
	}
}

// insert starts a virtual card in slot and waits until the monitor sees it;
// cleanup removes it and waits until the reader is empty again, so the next
// test starts from an empty reader.
func insert(t *testing.T, w *watch, slot int, card vicc.Handler) *vicc.Client {
	t.Helper()
	c := vicc.New(daemon.VPCDAddr(slot), card)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	name := daemon.ReaderName(slot)
	w.waitFor(t, name+" present", present(name, true))
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(bound):
			t.Error("vicc did not stop")
		}
		w.waitFor(t, name+" empty after test", present(name, false))
	})
	return c
}

func connect(t *testing.T, o Opener, slot int) reader.Conn {
	t.Helper()
	conn, err := o.Connect(context.Background(), daemon.ReaderName(slot))
	if err != nil {
		t.Fatalf("connect: %v\n%s", err, daemon.Log())
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func transmit(t *testing.T, c reader.Card, cmd reader.Command) reader.Response {
	t.Helper()
	r, err := c.Transmit(context.Background(), cmd)
	if err != nil {
		t.Fatalf("transmit %x: %v", cmd.INS, err)
	}
	return r
}

func TestReadersAppear(t *testing.T) {
	w := startMonitor(t)
	s := w.waitFor(t, "both readers", func(s reader.Snapshot) bool { return s.Service && len(s.Readers) == 2 })
	for slot, r := range s.Readers {
		if r.Name != daemon.ReaderName(slot) {
			t.Errorf("reader %d = %q, want %q", slot, r.Name, daemon.ReaderName(slot))
		}
		if r.CardPresent || r.ATR != nil {
			t.Errorf("reader %d has a card before any was inserted: %+v", slot, r)
		}
	}
}

func TestInsertRemoveEvents(t *testing.T) {
	w := startMonitor(t)
	name := daemon.ReaderName(0)
	c := insert(t, w, 0, &testCard{})
	for range 2 {
		c.Remove()
		s := w.waitFor(t, "card removed", present(name, false))
		if r, _ := s.Reader(name); r.ATR != nil {
			t.Fatalf("empty reader reports ATR %x", r.ATR)
		}
		c.Insert()
		s = w.waitFor(t, "card inserted", present(name, true))
		if r, _ := s.Reader(name); !bytes.Equal(r.ATR, testATR) {
			t.Fatalf("ATR = %x, want %x", r.ATR, testATR)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	w := startMonitor(t)
	insert(t, w, 0, &testCard{})
	conn := connect(t, Opener{}, 0)
	if got := conn.(*Conn).ATR(); !bytes.Equal(got, testATR) {
		t.Fatalf("ATR = %x", got)
	}
	r := transmit(t, conn, reader.Command{CLA: 0x80, INS: 0xEE, P1: 0x12, P2: 0x34, Ne: 2})
	if !r.OK() || !bytes.Equal(r.Data, []byte{0x12, 0x34}) {
		t.Fatalf("echo = %x %04x", r.Data, r.SW)
	}
	r = transmit(t, conn, reader.Command{CLA: 0x80, INS: 0x99})
	if !errors.Is(r.Err(), reader.ErrInsNotSupported) {
		t.Fatalf("unknown ins: %v", r.Err())
	}
}

func TestExtendedResponse(t *testing.T) {
	w := startMonitor(t)
	insert(t, w, 0, &testCard{})
	conn := connect(t, Opener{}, 0)
	r := transmit(t, conn, reader.Command{CLA: 0x80, INS: 0xE1, P1: 0x10, P2: 0x00, Ne: 4096})
	if !r.OK() || !bytes.Equal(r.Data, pattern(4096)) {
		t.Fatalf("got %d bytes %04x, want the 4096-byte pattern", len(r.Data), r.SW)
	}
	if !conn.(*Conn).Extended() {
		t.Fatal("extended apdus were given up")
	}
}

func TestChaining(t *testing.T) {
	w := startMonitor(t)
	insert(t, w, 0, &testCard{})
	data := pattern(1000)
	want := sha256.Sum256(data)
	tests := []struct {
		name  string
		opts  reader.Options
		parts int
	}{
		{"short apdus", reader.Options{Length: reader.LengthShort}, 4},
		{"extended apdus up to 300 bytes", reader.Options{MaxCommandData: 300}, 4},
		{"one extended apdu", reader.Options{}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn := connect(t, Opener{Options: tt.opts}, 0)
			r := transmit(t, conn, reader.Command{CLA: 0x80, INS: 0xE2, Data: data, Ne: 256})
			if !r.OK() || len(r.Data) != 33 || !bytes.Equal(r.Data[:32], want[:]) {
				t.Fatalf("card got other data: %x %04x", r.Data, r.SW)
			}
			if int(r.Data[32]) != tt.parts {
				t.Fatalf("sent in %d parts, want %d", r.Data[32], tt.parts)
			}
			conn.Close()
		})
	}
}

func TestGetResponse(t *testing.T) {
	w := startMonitor(t)
	insert(t, w, 0, &testCard{})
	conn := connect(t, Opener{}, 0)
	for _, n := range []int{1, 255, 256, 1000} {
		r := transmit(t, conn, reader.Command{CLA: 0x80, INS: 0xE3, P1: byte(n >> 8), P2: byte(n)})
		if !r.OK() || !bytes.Equal(r.Data, pattern(n)) {
			t.Fatalf("n=%d: got %d bytes %04x", n, len(r.Data), r.SW)
		}
	}
}

func TestConnectErrors(t *testing.T) {
	w := startMonitor(t)
	w.waitFor(t, "readers", func(s reader.Snapshot) bool { return len(s.Readers) == 2 })
	ctx := context.Background()
	_, err := Opener{}.Connect(ctx, daemon.ReaderName(1))
	if !errors.Is(err, reader.ErrNoCard) {
		t.Errorf("empty reader: %v, want ErrNoCard", err)
	}
	var pe *Error
	if !errors.As(err, &pe) || pe.Code != 0x8010000C {
		t.Errorf("empty reader: %v is not a pcsc.Error with SCARD_E_NO_SMARTCARD", err)
	}
	if _, err := (Opener{}).Connect(ctx, "No Such Reader 00 00"); !errors.Is(err, reader.ErrNoReader) {
		t.Errorf("unknown reader: %v, want ErrNoReader", err)
	}
	insert(t, w, 1, &testCard{})
	conn := connect(t, Opener{}, 1)
	if _, err := (Opener{}).Connect(ctx, daemon.ReaderName(1)); !errors.Is(err, reader.ErrSharingViolation) {
		t.Errorf("second connect: %v, want ErrSharingViolation", err)
	}
	conn.Close()
	if _, err := conn.Transmit(ctx, reader.Command{INS: 0xA4}); !errors.Is(err, reader.ErrClosed) {
		t.Errorf("transmit after close: %v, want ErrClosed", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := (Opener{}).Connect(cctx, daemon.ReaderName(1)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled connect: %v", err)
	}
}

func TestCardPulledMidTransaction(t *testing.T) {
	w := startMonitor(t)
	name := daemon.ReaderName(0)
	card := &testCard{}
	c := insert(t, w, 0, card)
	card.setHold(c.Remove) // the card leaves while it is answering
	conn := connect(t, Opener{}, 0)
	_, err := conn.Transmit(context.Background(), reader.Command{CLA: 0x80, INS: 0xE4})
	if !errors.Is(err, reader.ErrTransactionFailed) {
		t.Fatalf("pulled card: %v, want ErrTransactionFailed", err)
	}
	// Later calls fail too, whether or not the reader has noticed yet.
	_, err = conn.Transmit(context.Background(), reader.Command{CLA: 0x80, INS: 0xEE})
	if !errors.Is(err, reader.ErrTransactionFailed) && !errors.Is(err, reader.ErrCardRemoved) {
		t.Fatalf("second transmit: %v, want ErrTransactionFailed or ErrCardRemoved", err)
	}
	t.Logf("second transmit: %v", err)
	w.waitFor(t, "card gone", present(name, false))
	conn.Close()

	card.setHold(nil)
	c.Insert()
	w.waitFor(t, "next card", present(name, true))
	conn = connect(t, Opener{}, 0)
	r := transmit(t, conn, reader.Command{CLA: 0x80, INS: 0xEE, P1: 1, P2: 2})
	if !r.OK() || !bytes.Equal(r.Data, []byte{1, 2}) {
		t.Fatalf("after reinsert: %x %04x", r.Data, r.SW)
	}
}

func TestPCSCDRestart(t *testing.T) {
	w := startMonitor(t)
	name := daemon.ReaderName(0)
	insert(t, w, 0, &testCard{})
	conn := connect(t, Opener{}, 0)

	if err := daemon.Restart(); err != nil {
		t.Fatal(err)
	}
	w.waitFor(t, "service lost", func(s reader.Snapshot) bool { return !s.Service && len(s.Readers) == 0 })
	w.waitFor(t, "card back after restart", present(name, true))

	// The old handle belongs to the dead daemon.
	_, err := conn.Transmit(context.Background(), reader.Command{CLA: 0x80, INS: 0xEE})
	if !errors.Is(err, reader.ErrConnectionLost) && !errors.Is(err, reader.ErrNoService) {
		t.Fatalf("old connection: %v, want ErrConnectionLost or ErrNoService", err)
	}
	t.Logf("old connection: %v", err)
	if err := conn.Close(); err != nil {
		t.Fatalf("close of a dead connection: %v", err)
	}
	conn = connect(t, Opener{}, 0)
	r := transmit(t, conn, reader.Command{CLA: 0x80, INS: 0xEE, P1: 5, P2: 6})
	if !r.OK() || !bytes.Equal(r.Data, []byte{5, 6}) {
		t.Fatalf("after restart: %x %04x", r.Data, r.SW)
	}
}

func TestNoService(t *testing.T) {
	w := startMonitor(t)
	w.waitFor(t, "service", func(s reader.Snapshot) bool { return s.Service })
	daemon.Kill()
	resumed := false
	t.Cleanup(func() {
		if !resumed {
			daemon.Resume()
		}
	})
	w.waitFor(t, "service lost", func(s reader.Snapshot) bool { return !s.Service })

	res := make(chan error, 1)
	go func() {
		_, err := Opener{}.Connect(context.Background(), daemon.ReaderName(0))
		res <- err
	}()
	select {
	case err := <-res:
		if !errors.Is(err, reader.ErrNoService) {
			t.Fatalf("connect without pcscd: %v, want ErrNoService", err)
		}
	case <-time.After(bound):
		t.Fatal("connect without pcscd hangs")
	}
	// A monitor started without pcscd says so at once, and cancelling it
	// while it waits for the service returns promptly.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first := make(chan reader.Snapshot, 16)
	done := make(chan error, 1)
	go func() { done <- (&Monitor{}).Run(ctx, func(s reader.Snapshot) { first <- s }) }()
	select {
	case s := <-first:
		if s.Service || len(s.Readers) != 0 {
			t.Fatalf("first snapshot without pcscd: %+v", s)
		}
	case <-time.After(bound):
		t.Fatal("no snapshot without pcscd")
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run = %v", err)
		}
	case <-time.After(bound):
		t.Fatal("Run without pcscd ignores cancel")
	}

	resumed = true
	if err := daemon.Resume(); err != nil {
		t.Fatal(err)
	}
	w.waitFor(t, "service back", func(s reader.Snapshot) bool { return s.Service && len(s.Readers) == 2 })
}

func TestMonitorCancelWhileBlocked(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan reader.Snapshot, 16)
	done := make(chan error, 1)
	go func() { done <- (&Monitor{}).Run(ctx, func(s reader.Snapshot) { got <- s }) }()
	select {
	case <-got: // Run is now (about to be) blocked in GetStatusChange
	case <-time.After(bound):
		t.Fatal("no first snapshot")
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run = %v", err)
		}
	case <-time.After(bound):
		t.Fatal("Run stayed blocked after cancel")
	}
}

// BenchmarkTransmit measures Transmit through libpcsclite, pcscd, vpcd and
// the virtual card: one short APDU, one 4 KiB extended response, and a
// 1000-byte response collected with four GET RESPONSE round trips.
func BenchmarkTransmit(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Watch first, so the insertion cannot be missed.
	snaps := make(chan reader.Snapshot, 64)
	mctx, mcancel := context.WithCancel(ctx)
	mdone := make(chan error, 1)
	go func() { mdone <- (&Monitor{}).Run(mctx, func(s reader.Snapshot) { snaps <- s }) }()
	c := vicc.New(daemon.VPCDAddr(1), &testCard{})
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	defer func() { cancel(); <-done }()
	timeout := time.After(bound)
	for ready := false; !ready; {
		select {
		case s := <-snaps:
			ready = present(daemon.ReaderName(1), true)(s)
		case <-timeout:
			b.Fatal("card not seen")
		}
	}
	mcancel()
	<-mdone
	conn, err := Opener{}.Connect(ctx, daemon.ReaderName(1))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	for _, bc := range []struct {
		name string
		cmd  reader.Command
	}{
		{"echo", reader.Command{CLA: 0x80, INS: 0xEE, P1: 1, P2: 2, Ne: 2}},
		{"4KiB response", reader.Command{CLA: 0x80, INS: 0xE1, P1: 0x10, Ne: 4096}},
		{"1000 bytes by get response", reader.Command{CLA: 0x80, INS: 0xE3, P1: 0x03, P2: 0xE8}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if r, err := conn.Transmit(ctx, bc.cmd); err != nil || !r.OK() {
					b.Fatal(r.SW, err)
				}
			}
		})
	}
}
