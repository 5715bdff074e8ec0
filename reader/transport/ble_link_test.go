package transport_test

// The BLE session tests run over transporttest's in-memory radio. They are
// an external test package because transporttest imports transport.

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"taimen/reader/transport"
	"taimen/reader/transport/transporttest"
)

// notifies is how many notifications r carried.
func notifies(r *transporttest.Radio) int {
	n, _ := r.Counts()
	return n
}

// centralHolder is an mdoc in central client mode talking to our reader
// service over the radio.
type centralHolder struct {
	rs transport.RemoteService
	in *inbox
}

func connectCentralHolder(t *testing.T, r *transporttest.Radio, start bool) *centralHolder {
	t.Helper()
	ctx := transport.CtxT(t)
	rs, err := r.Client().Connect(ctx, transport.TestService, nil)
	if err != nil {
		t.Fatal(err)
	}
	ident, err := rs.Read(ctx, transport.ReaderIdent)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ident, transport.IdentByHand(transport.TestEDK)) {
		t.Fatalf("reader ident %x", ident)
	}
	h := &centralHolder{rs: rs, in: newInbox()}
	if err := rs.Subscribe(ctx, transport.ReaderServer2Client, h.in.chunk); err != nil {
		t.Fatal(err)
	}
	if err := rs.Subscribe(ctx, transport.ReaderState, h.in.stateValue); err != nil {
		t.Fatal(err)
	}
	if start {
		h.write(t, transport.ReaderState, transport.StateStart)
	}
	return h
}

func (h *centralHolder) write(t *testing.T, u transport.UUID, v ...byte) {
	t.Helper()
	if err := h.rs.WriteWithoutResponse(context.Background(), u, v); err != nil {
		t.Fatal(err)
	}
}

func (h *centralHolder) send(t *testing.T, msg []byte, mtu int) {
	t.Helper()
	for _, c := range transport.HolderChunks(msg, mtu) {
		h.write(t, transport.ReaderClient2Server, c...)
	}
}

func recvMsg(t *testing.T, ch chan []byte) []byte {
	t.Helper()
	select {
	case m := <-ch:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("holder got no message")
		return nil
	}
}

func TestCentralClientSession(t *testing.T) {
	for _, mtu := range []int{23, 24, 100, 185, 247, 512, 517} {
		for _, size := range []int{1, 19, 20, 300, 20000, 70000} {
			r := transporttest.NewRadio(t, mtu)
			ctx := transport.CtxT(t)
			b, err := transport.ServeCentralClient(ctx, r.Server(), transport.CentralClientOptions{Service: transport.TestService, EDeviceKeyBytes: transport.TestEDK})
			if err != nil {
				t.Fatal(err)
			}
			h := connectCentralHolder(t, r, true)
			req := transport.Pattern(300, 1)
			if err := b.Send(ctx, req); err != nil {
				t.Fatal(err)
			}
			if got := recvMsg(t, h.in.msgs); !bytes.Equal(got, req) {
				t.Fatalf("mtu %d: holder got %d bytes", mtu, len(got))
			}
			resp := transport.Pattern(size, 2)
			h.send(t, resp, mtu)
			got, err := b.Receive(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, resp) {
				t.Fatalf("mtu %d size %d: reader got %d bytes", mtu, size, len(got))
			}
			// The reader ends the session: State 02 reaches the holder.
			if err := b.Close(); err != nil {
				t.Fatal(err)
			}
			select {
			case v := <-h.in.state:
				if v != transport.StateEnd {
					t.Fatalf("state %02x", v)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no end signal")
			}
			if _, err := b.Receive(ctx); !errors.Is(err, transport.ErrClosed) {
				t.Fatalf("receive after close: %v", err)
			}
		}
	}
}

// TestCentralClientLearnsMTU: a GATT server that is not told the MTU (as
// with BlueZ) sends at 23 until the holder's chunks show a larger MTU.
func TestCentralClientLearnsMTU(t *testing.T) {
	r := transporttest.NewRadio(t, 185)
	r.ReportMTU(0, 185)
	ctx := transport.CtxT(t)
	b, err := transport.ServeCentralClient(ctx, r.Server(), transport.CentralClientOptions{Service: transport.TestService, EDeviceKeyBytes: transport.TestEDK})
	if err != nil {
		t.Fatal(err)
	}
	h := connectCentralHolder(t, r, true)
	req := transport.Pattern(190, 1)
	if err := b.Send(ctx, req); err != nil {
		t.Fatal(err)
	}
	recvMsg(t, h.in.msgs)
	if n := notifies(r); n != 10 { // 190 bytes in 19-byte chunks
		t.Errorf("%d notifications at mtu 23, want 10", n)
	}
	h.send(t, transport.Pattern(1000, 2), 185)
	if _, err := b.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	before := notifies(r)
	if err := b.Send(ctx, req); err != nil {
		t.Fatal(err)
	}
	recvMsg(t, h.in.msgs)
	if n := notifies(r) - before; n != 2 { // 190 bytes in 181-byte chunks
		t.Errorf("%d notifications after learning mtu 185, want 2", n)
	}
}

func TestCentralClientPeerBehaviour(t *testing.T) {
	tests := []struct {
		name string
		opts transport.BLEOptions
		// script runs the holder after it connected (without start).
		script func(t *testing.T, h *centralHolder, r *transporttest.Radio)
		want   [][]byte // messages Receive returns first
		err    error    // then this error
		also   error    // and, when set, this one too
	}{
		{
			name: "unknown state values ignored",
			script: func(t *testing.T, h *centralHolder, r *transporttest.Radio) {
				h.write(t, transport.ReaderState, 0x00)
				h.write(t, transport.ReaderState, 0x03)
				h.write(t, transport.ReaderState, 0x01, 0x02)
				h.write(t, transport.ReaderState, transport.StateStart)
				h.write(t, transport.ReaderState, transport.StateStart) // repeated start
				h.send(t, []byte("hello"), 23)
				h.write(t, transport.ReaderState, transport.StateEnd)
			},
			want: [][]byte{[]byte("hello")},
			err:  transport.ErrPeerClosed,
		},
		{
			name: "data before start",
			script: func(t *testing.T, h *centralHolder, r *transporttest.Radio) {
				h.send(t, []byte("early"), 23)
			},
			err: transport.ErrTransport,
		},
		{
			name: "holder ends after sending (status 20 then state end)",
			script: func(t *testing.T, h *centralHolder, r *transporttest.Radio) {
				h.write(t, transport.ReaderState, transport.StateStart)
				h.send(t, []byte{0xa1, 0x66, 0x73, 0x74, 0x61, 0x74, 0x75, 0x73, 0x14}, 23)
				h.write(t, transport.ReaderState, transport.StateEnd)
				h.send(t, []byte("late"), 23) // after the end: dropped
			},
			want: [][]byte{{0xa1, 0x66, 0x73, 0x74, 0x61, 0x74, 0x75, 0x73, 0x14}},
			err:  transport.ErrPeerClosed,
		},
		{
			name: "holder ends mid-message",
			script: func(t *testing.T, h *centralHolder, r *transporttest.Radio) {
				h.write(t, transport.ReaderState, transport.StateStart)
				h.write(t, transport.ReaderClient2Server, 0x01, 1, 2, 3)
				h.write(t, transport.ReaderState, transport.StateEnd)
			},
			err:  transport.ErrPeerClosed,
			also: transport.ErrIncomplete,
		},
		{
			name: "link lost mid-message",
			script: func(t *testing.T, h *centralHolder, r *transporttest.Radio) {
				h.write(t, transport.ReaderState, transport.StateStart)
				h.write(t, transport.ReaderClient2Server, 0x01, 1, 2, 3)
				r.Kill()
			},
			err:  transport.ErrPeerClosed,
			also: transport.ErrIncomplete,
		},
		{
			name: "oversized message",
			opts: transport.BLEOptions{MaxMessage: 1000},
			script: func(t *testing.T, h *centralHolder, r *transporttest.Radio) {
				h.write(t, transport.ReaderState, transport.StateStart)
				h.send(t, transport.Pattern(1000, 0), 23) // exactly the cap: fine
				h.send(t, transport.Pattern(1001, 0), 23)
			},
			want: [][]byte{transport.Pattern(1000, 0)},
			err:  transport.ErrMessageTooLarge,
		},
		{
			name: "bad chunk prefix",
			script: func(t *testing.T, h *centralHolder, r *transporttest.Radio) {
				h.write(t, transport.ReaderState, transport.StateStart)
				h.write(t, transport.ReaderClient2Server, 0x05, 1)
			},
			err: transport.ErrTransport,
		},
		{
			name: "empty chunk",
			script: func(t *testing.T, h *centralHolder, r *transporttest.Radio) {
				h.write(t, transport.ReaderState, transport.StateStart)
				h.write(t, transport.ReaderClient2Server)
			},
			err: transport.ErrTransport,
		},
		{
			name: "too many unread messages",
			opts: transport.BLEOptions{MaxQueued: 2},
			script: func(t *testing.T, h *centralHolder, r *transporttest.Radio) {
				h.write(t, transport.ReaderState, transport.StateStart)
				for i := range 3 {
					h.send(t, []byte{byte(i)}, 23)
				}
			},
			want: [][]byte{{0}, {1}},
			err:  transport.ErrTransport,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := transporttest.NewRadio(t, 23)
			ctx := transport.CtxT(t)
			b, err := transport.ServeCentralClient(ctx, r.Server(), transport.CentralClientOptions{Service: transport.TestService, EDeviceKeyBytes: transport.TestEDK, BLEOptions: tc.opts})
			if err != nil {
				t.Fatal(err)
			}
			h := connectCentralHolder(t, r, false)
			tc.script(t, h, r)
			// Receive only after the script, so queued messages are
			// delivered before the error.
			waitEnded(t, b)
			for _, w := range tc.want {
				got, err := b.Receive(ctx)
				if err != nil {
					t.Fatalf("receive: %v", err)
				}
				if !bytes.Equal(got, w) {
					t.Fatalf("got %x, want %x", got, w)
				}
			}
			_, err = b.Receive(ctx)
			want := []error{tc.err}
			if tc.also != nil {
				want = append(want, tc.also)
			} else if errors.Is(err, transport.ErrIncomplete) {
				t.Errorf("%v: a session that ended between messages is called incomplete", err)
			}
			transport.CheckErrs(t, err, want)
			if err := b.Send(ctx, []byte{1}); err == nil {
				t.Error("send after the session ended succeeded")
			}
			// Close after the holder ended sends no end signal.
			if err := b.Close(); err != nil {
				t.Fatal(err)
			}
			select {
			case v := <-h.in.state:
				t.Errorf("state %02x sent after the session ended", v)
			default:
			}
		})
	}
}

// waitEnded waits until b has recorded why the session is over.
func waitEnded(t *testing.T, b *transport.BLE) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if transport.Ended(b) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("session did not end")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestCentralClientSendWaitsForStart(t *testing.T) {
	r := transporttest.NewRadio(t, 23)
	b, err := transport.ServeCentralClient(transport.CtxT(t), r.Server(), transport.CentralClientOptions{Service: transport.TestService, EDeviceKeyBytes: transport.TestEDK})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := b.Send(ctx, []byte{1}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("send before start: %v", err)
	}
	if notifies(r) != 0 {
		t.Fatal("sent before start")
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if _, err := b.Receive(ctx2); !errors.Is(err, context.Canceled) {
		t.Fatalf("receive with cancelled ctx: %v", err)
	}
	// Closing before the start sends no end signal.
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if notifies(r) != 0 {
		t.Fatal("end signal before start")
	}
	if err := b.Send(transport.CtxT(t), []byte{1}); !errors.Is(err, transport.ErrClosed) {
		t.Fatalf("send after close: %v", err)
	}
}

func TestCentralClientOptions(t *testing.T) {
	_, err := transport.ServeCentralClient(transport.CtxT(t), transporttest.NewRadio(t, 23).Server(), transport.CentralClientOptions{Service: transport.TestService})
	transport.CheckErrs(t, err, []error{transport.ErrInvalidOptions})
}

// peripheralHolder is an mdoc in peripheral server mode: it serves the mdoc
// service on the radio.
type peripheralHolder struct {
	svc transport.LocalService
	in  *inbox
}

func servePeripheralHolder(t *testing.T, r *transporttest.Radio, ident []byte, chars ...transport.UUID) *peripheralHolder {
	t.Helper()
	h := &peripheralHolder{in: newInbox()}
	all := map[transport.UUID]transport.CharSpec{
		transport.MdocState:         {UUID: transport.MdocState, Props: transport.PropWriteWithoutResponse | transport.PropNotify, OnWrite: h.in.stateValue},
		transport.MdocClient2Server: {UUID: transport.MdocClient2Server, Props: transport.PropWriteWithoutResponse, OnWrite: h.in.chunk},
		transport.MdocServer2Client: {UUID: transport.MdocServer2Client, Props: transport.PropNotify},
	}
	spec := transport.ServiceSpec{UUID: transport.TestService}
	for _, c := range chars {
		spec.Chars = append(spec.Chars, all[c])
	}
	if ident != nil {
		spec.Chars = append(spec.Chars, transport.CharSpec{UUID: transport.MdocIdent, Props: transport.PropRead, Value: ident})
	}
	svc, err := r.Server().Serve(transport.CtxT(t), spec)
	if err != nil {
		t.Fatal(err)
	}
	h.svc = svc
	return h
}

func (h *peripheralHolder) send(t *testing.T, msg []byte, mtu int) {
	t.Helper()
	for _, c := range transport.HolderChunks(msg, mtu) {
		if err := h.svc.Notify(context.Background(), transport.MdocServer2Client, c); err != nil {
			t.Fatal(err)
		}
	}
}

var allMdocChars = []transport.UUID{transport.MdocState, transport.MdocClient2Server, transport.MdocServer2Client}

func TestPeripheralServerSession(t *testing.T) {
	for _, mtu := range []int{23, 185, 517} {
		r := transporttest.NewRadio(t, mtu)
		ctx := transport.CtxT(t)
		h := servePeripheralHolder(t, r, nil, allMdocChars...)
		b, err := transport.ConnectPeripheralServer(ctx, r.Client(), transport.PeripheralServerOptions{Service: transport.TestService, EDeviceKeyBytes: transport.TestEDK})
		if err != nil {
			t.Fatal(err)
		}
		select {
		case v := <-h.in.state:
			if v != transport.StateStart {
				t.Fatalf("first state %02x", v)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no start")
		}
		req := transport.Pattern(700, 1)
		if err := b.Send(ctx, req); err != nil {
			t.Fatal(err)
		}
		if got := recvMsg(t, h.in.msgs); !bytes.Equal(got, req) {
			t.Fatalf("holder got %d bytes", len(got))
		}
		resp := transport.Pattern(30000, 2)
		h.send(t, resp, mtu)
		got, err := b.Receive(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, resp) {
			t.Fatalf("reader got %d bytes", len(got))
		}
		// The holder ends: State 02 notification.
		if err := h.svc.Notify(ctx, transport.MdocState, []byte{transport.StateEnd}); err != nil {
			t.Fatal(err)
		}
		_, err = b.Receive(ctx)
		transport.CheckErrs(t, err, []error{transport.ErrPeerClosed})
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPeripheralServerClose(t *testing.T) {
	r := transporttest.NewRadio(t, 23)
	ctx := transport.CtxT(t)
	h := servePeripheralHolder(t, r, nil, allMdocChars...)
	b, err := transport.ConnectPeripheralServer(ctx, r.Client(), transport.PeripheralServerOptions{Service: transport.TestService})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	var got []byte
	for len(got) < 2 {
		select {
		case v := <-h.in.state:
			got = append(got, v)
		case <-time.After(10 * time.Second):
			t.Fatalf("states %x", got)
		}
	}
	if !bytes.Equal(got, []byte{transport.StateStart, transport.StateEnd}) {
		t.Fatalf("states %x, want 01 02", got)
	}
}

func TestPeripheralServerConnectErrors(t *testing.T) {
	tests := []struct {
		name  string
		ident []byte
		chars []transport.UUID
		edk   []byte
		err   error
	}{
		{name: "ident mismatch", ident: make([]byte, 16), chars: allMdocChars, edk: transport.TestEDK, err: transport.ErrIdentMismatch},
		{name: "no client2server", chars: []transport.UUID{transport.MdocState, transport.MdocServer2Client}, err: transport.ErrNoPeer},
		{name: "no state", chars: []transport.UUID{transport.MdocClient2Server, transport.MdocServer2Client}, err: transport.ErrNoPeer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := transporttest.NewRadio(t, 23)
			servePeripheralHolder(t, r, tc.ident, tc.chars...)
			_, err := transport.ConnectPeripheralServer(transport.CtxT(t), r.Client(), transport.PeripheralServerOptions{Service: transport.TestService, EDeviceKeyBytes: tc.edk})
			transport.CheckErrs(t, err, []error{tc.err})
			if !r.Down() {
				t.Error("failed connect left the link up")
			}
		})
	}
	// A matching ident is accepted.
	r := transporttest.NewRadio(t, 23)
	servePeripheralHolder(t, r, transport.IdentByHand(transport.TestEDK), allMdocChars...)
	b, err := transport.ConnectPeripheralServer(transport.CtxT(t), r.Client(), transport.PeripheralServerOptions{Service: transport.TestService, EDeviceKeyBytes: transport.TestEDK})
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
}

func TestPeripheralServerLinkLost(t *testing.T) {
	r := transporttest.NewRadio(t, 23)
	ctx := transport.CtxT(t)
	h := servePeripheralHolder(t, r, nil, allMdocChars...)
	b, err := transport.ConnectPeripheralServer(ctx, r.Client(), transport.PeripheralServerOptions{Service: transport.TestService})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.svc.Notify(ctx, transport.MdocServer2Client, []byte{0x01, 1, 2}); err != nil {
		t.Fatal(err)
	}
	r.Kill()
	_, err = b.Receive(ctx)
	transport.CheckErrs(t, err, []error{transport.ErrPeerClosed})
	if err := b.Send(ctx, []byte{1}); !errors.Is(err, transport.ErrPeerClosed) {
		t.Fatalf("send after link loss: %v", err)
	}
}

// inbox collects chunks on the holder's side with its own (deliberately
// naive, independent) reassembly.
type inbox struct {
	mu    sync.Mutex
	buf   []byte
	msgs  chan []byte
	state chan byte
}

func newInbox() *inbox { return &inbox{msgs: make(chan []byte, 64), state: make(chan byte, 64)} }

func (in *inbox) chunk(v []byte) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.buf = append(in.buf, v[1:]...)
	if v[0] == 0x00 {
		in.msgs <- in.buf
		in.buf = nil
	}
}

func (in *inbox) stateValue(v []byte) {
	for _, b := range v {
		in.state <- b
	}
}
