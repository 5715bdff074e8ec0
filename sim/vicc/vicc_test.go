package vicc

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// wait bounds every blocking step of these tests.
const wait = 5 * time.Second

// fakeVPCD is the server side of the vpcd protocol, as vpcd.c does it:
// header and payload in two writes.
type fakeVPCD struct {
	t  *testing.T
	ln net.Listener
}

func newFakeVPCD(t *testing.T) *fakeVPCD {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return &fakeVPCD{t: t, ln: ln}
}

func (f *fakeVPCD) addr() string { return f.ln.Addr().String() }

// accept waits for the card to connect.
func (f *fakeVPCD) accept() *vconn {
	f.t.Helper()
	f.ln.(*net.TCPListener).SetDeadline(time.Now().Add(wait))
	c, err := f.ln.Accept()
	if err != nil {
		f.t.Fatalf("no card connected: %v", err)
	}
	f.t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(wait))
	return &vconn{t: f.t, c: c}
}

// acceptWithin reports whether a card connects within d (used to check
// that a removed card stays out).
func (f *fakeVPCD) acceptWithin(d time.Duration) bool {
	f.ln.(*net.TCPListener).SetDeadline(time.Now().Add(d))
	c, err := f.ln.Accept()
	if err != nil {
		return false
	}
	c.Close()
	return true
}

type vconn struct {
	t *testing.T
	c net.Conn
}

func (v *vconn) send(p []byte) {
	v.t.Helper()
	var h [2]byte
	binary.BigEndian.PutUint16(h[:], uint16(len(p)))
	if _, err := v.c.Write(h[:]); err != nil {
		v.t.Fatal(err)
	}
	if _, err := v.c.Write(p); err != nil {
		v.t.Fatal(err)
	}
}

func (v *vconn) recv() []byte {
	v.t.Helper()
	var h [2]byte
	if _, err := io.ReadFull(v.c, h[:]); err != nil {
		v.t.Fatalf("recv: %v", err)
	}
	p := make([]byte, binary.BigEndian.Uint16(h[:]))
	if _, err := io.ReadFull(v.c, p); err != nil {
		v.t.Fatalf("recv: %v", err)
	}
	return p
}

// expectEOF checks that the card closed the connection without sending
// anything more.
func (v *vconn) expectEOF() {
	v.t.Helper()
	b, err := io.ReadAll(v.c)
	if err != nil && !errors.Is(err, net.ErrClosed) {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			v.t.Fatal("connection still open")
		}
	}
	if len(b) != 0 {
		v.t.Fatalf("got %x before the close, want nothing", b)
	}
}

// testCard records controls and echoes APDUs.
type testCard struct {
	mu     sync.Mutex
	events []string
	reply  func(cmd []byte) []byte
}

var testATR = []byte{0x3B, 0x80, 0x80, 0x01, 0x01}

func (c *testCard) log(e string) { c.mu.Lock(); c.events = append(c.events, e); c.mu.Unlock() }
func (c *testCard) ATR() []byte  { c.log("atr"); return testATR }
func (c *testCard) Power(on bool) {
	if on {
		c.log("on")
	} else {
		c.log("off")
	}
}
func (c *testCard) Reset() { c.log("reset") }
func (c *testCard) APDU(cmd []byte) []byte {
	c.log("apdu")
	if c.reply != nil {
		return c.reply(cmd)
	}
	return append(append([]byte(nil), cmd...), 0x90, 0x00)
}
func (c *testCard) got() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.events...)
}

func run(t *testing.T, c *Client) (cancel func(), done <-chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan error, 1)
	finished := make(chan struct{})
	go func() { ch <- c.Run(ctx); close(finished) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-finished:
		case <-time.After(wait):
			t.Error("Run did not return after cancel")
		}
	})
	return cancel, ch
}

func TestProtocol(t *testing.T) {
	f := newFakeVPCD(t)
	card := &testCard{}
	run(t, New(f.addr(), card))
	v := f.accept()

	v.send([]byte{ctrlATR})
	if got := v.recv(); !bytes.Equal(got, testATR) {
		t.Fatalf("atr = %x", got)
	}
	// Controls get no reply: the next message read must be the ATR.
	v.send([]byte{ctrlOn})
	v.send([]byte{ctrlReset})
	v.send([]byte{ctrlOff})
	v.send([]byte{ctrlATR})
	if got := v.recv(); !bytes.Equal(got, testATR) {
		t.Fatalf("after controls got %x, want the atr", got)
	}
	cmd := []byte{0x00, 0xA4, 0x04, 0x00, 0x01, 0xAA}
	v.send(cmd)
	if got, want := v.recv(), append(append([]byte(nil), cmd...), 0x90, 0x00); !bytes.Equal(got, want) {
		t.Fatalf("apdu reply %x, want %x", got, want)
	}
	want := []string{"atr", "on", "reset", "off", "atr", "apdu"}
	if got := card.got(); !equal(got, want) {
		t.Fatalf("handler saw %v, want %v", got, want)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestLargestReply(t *testing.T) {
	f := newFakeVPCD(t)
	big := make([]byte, MaxMessage)
	big[len(big)-2], big[len(big)-1] = 0x90, 0x00
	run(t, New(f.addr(), &testCard{reply: func([]byte) []byte { return big }}))
	v := f.accept()
	v.send([]byte{0, 0xB0, 0, 0, 0, 0, 0})
	if got := v.recv(); len(got) != MaxMessage {
		t.Fatalf("reply of %d bytes, want %d", len(got), MaxMessage)
	}
}

func TestBadReplies(t *testing.T) {
	tests := []struct {
		name  string
		reply []byte
		atr   bool
	}{
		{"65536 bytes", make([]byte, MaxMessage+1), false},
		{"one byte", []byte{0x90}, false},
		{"empty", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeVPCD(t)
			_, done := run(t, New(f.addr(), &testCard{reply: func([]byte) []byte { return tt.reply }}))
			v := f.accept()
			v.send([]byte{0, 0xB0, 0, 0})
			v.expectEOF()
			select {
			case err := <-done:
				if !errors.Is(err, ErrBadReply) {
					t.Fatalf("Run = %v, want ErrBadReply", err)
				}
			case <-time.After(wait):
				t.Fatal("Run kept going after a bad reply")
			}
		})
	}
}

type badATR struct{}

func (badATR) ATR() []byte          { return make([]byte, 34) }
func (badATR) Power(bool)           {}
func (badATR) Reset()               {}
func (badATR) APDU(b []byte) []byte { return []byte{0x90, 0x00} }

func TestBadATR(t *testing.T) {
	f := newFakeVPCD(t)
	_, done := run(t, New(f.addr(), &badATR{}))
	v := f.accept()
	v.send([]byte{ctrlATR})
	v.expectEOF()
	select {
	case err := <-done:
		if !errors.Is(err, ErrBadReply) {
			t.Fatalf("Run = %v, want ErrBadReply", err)
		}
	case <-time.After(wait):
		t.Fatal("Run kept going after a bad atr")
	}
}

func TestProtocolViolationRedials(t *testing.T) {
	for _, msg := range [][]byte{{0x07}, {0x00, 0xA4}} {
		f := newFakeVPCD(t)
		run(t, New(f.addr(), &testCard{}))
		v := f.accept()
		v.send(msg)
		v.expectEOF()
		f.accept() // the card comes back on its own
	}
}

func TestRemoveInsert(t *testing.T) {
	f := newFakeVPCD(t)
	c := New(f.addr(), &testCard{})
	conns := make(chan bool, 16)
	c.OnConnect = func(up bool) { conns <- up }
	run(t, c)
	v := f.accept()
	expect(t, conns, true)

	c.Remove()
	v.expectEOF()
	expect(t, conns, false)
	if f.acceptWithin(300 * time.Millisecond) {
		t.Fatal("removed card dialled again")
	}
	c.Insert()
	v = f.accept()
	expect(t, conns, true)
	v.send([]byte{ctrlATR})
	if got := v.recv(); !bytes.Equal(got, testATR) {
		t.Fatalf("atr after insert = %x", got)
	}
}

func expect(t *testing.T, ch <-chan bool, want bool) {
	t.Helper()
	select {
	case got := <-ch:
		if got != want {
			t.Fatalf("OnConnect(%v), want %v", got, want)
		}
	case <-time.After(wait):
		t.Fatalf("no OnConnect(%v)", want)
	}
}

func TestRedialAfterServerClose(t *testing.T) {
	f := newFakeVPCD(t)
	run(t, New(f.addr(), &testCard{}))
	v := f.accept()
	v.send([]byte{ctrlATR})
	v.recv()
	v.c.Close()
	v = f.accept()
	v.send([]byte{ctrlATR})
	if got := v.recv(); !bytes.Equal(got, testATR) {
		t.Fatalf("atr after redial = %x", got)
	}
}

func TestDialRetriesUntilVPCDListens(t *testing.T) {
	// Reserve a port, close it, and start listening only after the client
	// has failed to dial at least once.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := ln.Addr().String()
	ln.Close()
	dials := make(chan struct{}, 64)
	c := New(a, &testCard{})
	c.Dialer = dialFunc(func(ctx context.Context, network, address string) (net.Conn, error) {
		dials <- struct{}{}
		var d net.Dialer
		return d.DialContext(ctx, network, address)
	})
	run(t, c)
	for range 2 {
		select {
		case <-dials:
		case <-time.After(wait):
			t.Fatal("no dial attempt")
		}
	}
	ln2, err := net.Listen("tcp", a)
	if err != nil {
		t.Fatalf("port taken meanwhile: %v", err)
	}
	f := &fakeVPCD{t: t, ln: ln2}
	t.Cleanup(func() { ln2.Close() })
	f.accept()
}

type dialFunc func(ctx context.Context, network, address string) (net.Conn, error)

func (f dialFunc) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	return f(ctx, network, address)
}

func TestCancelStopsRun(t *testing.T) {
	f := newFakeVPCD(t)
	cancel, done := run(t, New(f.addr(), &testCard{}))
	v := f.accept()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run = %v, want context.Canceled", err)
		}
	case <-time.After(wait):
		t.Fatal("Run did not stop")
	}
	v.expectEOF()

	// Cancelled while removed (waiting for Insert).
	c := New(f.addr(), &testCard{})
	c.Remove()
	cancel, done = run(t, c)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run = %v, want context.Canceled", err)
		}
	case <-time.After(wait):
		t.Fatal("removed Run did not stop")
	}
}

// A peer that accepts and hangs up at once must not make the card redial in
// a tight loop: dials are at least MinBackoff apart. (Timers never fire
// early, so this lower bound holds on any machine.)
func TestHangUpBacksOff(t *testing.T) {
	f := newFakeVPCD(t)
	go func() {
		for {
			c, err := f.ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	dials := make(chan time.Time, 64)
	c := New(f.addr(), &testCard{})
	c.MinBackoff, c.MaxBackoff = 20*time.Millisecond, 40*time.Millisecond
	c.Dialer = dialFunc(func(ctx context.Context, network, address string) (net.Conn, error) {
		dials <- time.Now()
		var d net.Dialer
		return d.DialContext(ctx, network, address)
	})
	run(t, c)
	var prev time.Time
	for i := range 5 {
		select {
		case at := <-dials:
			if i > 0 && at.Sub(prev) < c.MinBackoff {
				t.Fatalf("dial %d only %v after the previous one", i, at.Sub(prev))
			}
			prev = at
		case <-time.After(wait):
			t.Fatal("no redial")
		}
	}
}
