package transport

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"testing"
	"time"
)

var (
	testService = UUID{0x45, 0xef, 0xef, 0x74, 0x2b, 0x2c, 0x4b, 0x37, 0x8b, 0x0b, 0x6d, 0x1e, 0x0c, 0x25, 0x45, 0x2c}
	// testEDK stands in for EDeviceKeyBytes: the transport treats it as
	// opaque bytes.
	testEDK = []byte{0xd8, 0x18, 0x58, 0x4b, 0xa4, 0x01, 0x02, 0x20, 0x01}
)

// identByHand is HKDF-SHA256 (RFC 5869) written out, to check IdentValue
// against something other than crypto/hkdf.
func identByHand(ikm []byte) []byte {
	ext := hmac.New(sha256.New, make([]byte, sha256.Size)) // no salt = zeros
	ext.Write(ikm)
	prk := ext.Sum(nil)
	exp := hmac.New(sha256.New, prk)
	exp.Write([]byte("BLEIdent"))
	exp.Write([]byte{1})
	return exp.Sum(nil)[:16]
}

func TestIdentValue(t *testing.T) {
	for _, ikm := range [][]byte{testEDK, {}, bytes.Repeat([]byte{7}, 200)} {
		got := IdentValue(ikm)
		if !bytes.Equal(got[:], identByHand(ikm)) {
			t.Errorf("ident of %x = %x, want %x", ikm, got, identByHand(ikm))
		}
	}
	if a, b := IdentValue([]byte{1}), IdentValue([]byte{2}); a == b {
		t.Error("different keys give the same ident")
	}
}

func TestUUIDs(t *testing.T) {
	want := map[UUID]string{
		MdocState:           "00000001-a123-48ce-896b-4c76973373e6",
		MdocClient2Server:   "00000002-a123-48ce-896b-4c76973373e6",
		MdocServer2Client:   "00000003-a123-48ce-896b-4c76973373e6",
		MdocIdent:           "00000004-a123-48ce-896b-4c76973373e6",
		MdocL2CAP:           "0000000a-a123-48ce-896b-4c76973373e6",
		ReaderState:         "00000005-a123-48ce-896b-4c76973373e6",
		ReaderClient2Server: "00000006-a123-48ce-896b-4c76973373e6",
		ReaderServer2Client: "00000007-a123-48ce-896b-4c76973373e6",
		ReaderIdent:         "00000008-a123-48ce-896b-4c76973373e6",
		ReaderL2CAP:         "0000000b-a123-48ce-896b-4c76973373e6",
	}
	for u, s := range want {
		if u.String() != s {
			t.Errorf("%s, want %s", u, s)
		}
	}
}

func TestChunks(t *testing.T) {
	tests := []struct {
		mtu, msg int
		want     []int // chunk lengths including the prefix
	}{
		{mtu: 23, msg: 0, want: []int{1}},
		{mtu: 23, msg: 19, want: []int{20}},
		{mtu: 23, msg: 20, want: []int{20, 2}},
		{mtu: 23, msg: 38, want: []int{20, 20}},
		{mtu: 23, msg: 39, want: []int{20, 20, 2}},
		{mtu: 0, msg: 20, want: []int{20, 2}},  // unknown MTU = 23
		{mtu: 10, msg: 20, want: []int{20, 2}}, // below the ATT minimum
		{mtu: 24, msg: 20, want: []int{21}},
		{mtu: 185, msg: 400, want: []int{182, 182, 39}},
		{mtu: 515, msg: 1022, want: []int{512, 512}},
		{mtu: 517, msg: 1023, want: []int{512, 512, 2}}, // values cap at 512
	}
	for _, tc := range tests {
		msg := pattern(tc.msg, 3)
		chunks := AppendChunks(nil, msg, tc.mtu)
		var lens []int
		var asm Reassembler
		var got []byte
		for i, c := range chunks {
			lens = append(lens, len(c))
			wantPrefix := byte(1)
			if i == len(chunks)-1 {
				wantPrefix = 0
			}
			if c[0] != wantPrefix {
				t.Errorf("mtu %d msg %d: chunk %d prefix %02x", tc.mtu, tc.msg, i, c[0])
			}
			m, err := asm.Push(c)
			if err != nil {
				t.Fatal(err)
			}
			if m != nil {
				got = m
			}
		}
		if !equalInts(lens, tc.want) {
			t.Errorf("mtu %d msg %d: chunk lengths %v, want %v", tc.mtu, tc.msg, lens, tc.want)
		}
		if !bytes.Equal(got, msg) || got == nil {
			t.Errorf("mtu %d msg %d: reassembled %d bytes", tc.mtu, tc.msg, len(got))
		}
	}
}

func equalInts(a, b []int) bool {
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

func TestReassemblerErrors(t *testing.T) {
	tests := []struct {
		name   string
		max    int
		chunks [][]byte
		err    error
	}{
		{name: "empty chunk", chunks: [][]byte{{}}, err: ErrTransport},
		{name: "bad prefix", chunks: [][]byte{{0x02, 1}}, err: ErrTransport},
		{name: "bad prefix after more", chunks: [][]byte{{0x01, 1}, {0xff}}, err: ErrTransport},
		{name: "too large", max: 3, chunks: [][]byte{{0x01, 1, 2}, {0x00, 3, 4}}, err: ErrMessageTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Reassembler{Max: tc.max}
			var err error
			for _, c := range tc.chunks {
				if _, err = r.Push(c); err != nil {
					break
				}
			}
			if !errors.Is(err, tc.err) {
				t.Fatalf("err %v, want %v", err, tc.err)
			}
			// After an error the next message starts clean.
			m, err := r.Push([]byte{0x00, 9})
			if err != nil || !bytes.Equal(m, []byte{9}) {
				t.Fatalf("after error: %x, %v", m, err)
			}
		})
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// centralHolder is an mdoc in central client mode talking to our reader
// service over the radio.
type centralHolder struct {
	rs RemoteService
	in *inbox
}

func connectCentralHolder(t *testing.T, r *radio, start bool) *centralHolder {
	t.Helper()
	ctx := ctxT(t)
	rs, err := memClient{r}.Connect(ctx, testService, nil)
	if err != nil {
		t.Fatal(err)
	}
	ident, err := rs.Read(ctx, ReaderIdent)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ident, identByHand(testEDK)) {
		t.Fatalf("reader ident %x", ident)
	}
	h := &centralHolder{rs: rs, in: newInbox()}
	if err := rs.Subscribe(ctx, ReaderServer2Client, h.in.chunk); err != nil {
		t.Fatal(err)
	}
	if err := rs.Subscribe(ctx, ReaderState, h.in.stateValue); err != nil {
		t.Fatal(err)
	}
	if start {
		h.write(t, ReaderState, StateStart)
	}
	return h
}

func (h *centralHolder) write(t *testing.T, u UUID, v ...byte) {
	t.Helper()
	if err := h.rs.WriteWithoutResponse(context.Background(), u, v); err != nil {
		t.Fatal(err)
	}
}

func (h *centralHolder) send(t *testing.T, msg []byte, mtu int) {
	t.Helper()
	for _, c := range holderChunks(msg, mtu) {
		h.write(t, ReaderClient2Server, c...)
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
			r := newRadio(t, mtu)
			ctx := ctxT(t)
			b, err := ServeCentralClient(ctx, memServer{r}, CentralClientOptions{Service: testService, EDeviceKeyBytes: testEDK})
			if err != nil {
				t.Fatal(err)
			}
			h := connectCentralHolder(t, r, true)
			req := pattern(300, 1)
			if err := b.Send(ctx, req); err != nil {
				t.Fatal(err)
			}
			if got := recvMsg(t, h.in.msgs); !bytes.Equal(got, req) {
				t.Fatalf("mtu %d: holder got %d bytes", mtu, len(got))
			}
			resp := pattern(size, 2)
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
				if v != StateEnd {
					t.Fatalf("state %02x", v)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no end signal")
			}
			if _, err := b.Receive(ctx); !errors.Is(err, ErrClosed) {
				t.Fatalf("receive after close: %v", err)
			}
		}
	}
}

// TestCentralClientLearnsMTU: a GATT server that is not told the MTU (as
// with BlueZ) sends at 23 until the holder's chunks show a larger MTU.
func TestCentralClientLearnsMTU(t *testing.T) {
	r := newRadio(t, 185)
	r.serverMTU = 0
	ctx := ctxT(t)
	b, err := ServeCentralClient(ctx, memServer{r}, CentralClientOptions{Service: testService, EDeviceKeyBytes: testEDK})
	if err != nil {
		t.Fatal(err)
	}
	h := connectCentralHolder(t, r, true)
	req := pattern(190, 1)
	if err := b.Send(ctx, req); err != nil {
		t.Fatal(err)
	}
	recvMsg(t, h.in.msgs)
	if r.notifies != 10 { // 190 bytes in 19-byte chunks
		t.Errorf("%d notifications at mtu 23, want 10", r.notifies)
	}
	h.send(t, pattern(1000, 2), 185)
	if _, err := b.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	r.notifies = 0
	if err := b.Send(ctx, req); err != nil {
		t.Fatal(err)
	}
	recvMsg(t, h.in.msgs)
	if r.notifies != 2 { // 190 bytes in 181-byte chunks
		t.Errorf("%d notifications after learning mtu 185, want 2", r.notifies)
	}
}

func TestCentralClientPeerBehaviour(t *testing.T) {
	tests := []struct {
		name string
		opts BLEOptions
		// script runs the holder after it connected (without start).
		script func(t *testing.T, h *centralHolder, r *radio)
		want   [][]byte // messages Receive returns first
		err    error    // then this error
	}{
		{
			name: "unknown state values ignored",
			script: func(t *testing.T, h *centralHolder, r *radio) {
				h.write(t, ReaderState, 0x00)
				h.write(t, ReaderState, 0x03)
				h.write(t, ReaderState, 0x01, 0x02)
				h.write(t, ReaderState, StateStart)
				h.write(t, ReaderState, StateStart) // repeated start
				h.send(t, []byte("hello"), 23)
				h.write(t, ReaderState, StateEnd)
			},
			want: [][]byte{[]byte("hello")},
			err:  ErrPeerClosed,
		},
		{
			name: "data before start",
			script: func(t *testing.T, h *centralHolder, r *radio) {
				h.send(t, []byte("early"), 23)
			},
			err: ErrTransport,
		},
		{
			name: "holder ends after sending (status 20 then state end)",
			script: func(t *testing.T, h *centralHolder, r *radio) {
				h.write(t, ReaderState, StateStart)
				h.send(t, []byte{0xa1, 0x66, 0x73, 0x74, 0x61, 0x74, 0x75, 0x73, 0x14}, 23)
				h.write(t, ReaderState, StateEnd)
				h.send(t, []byte("late"), 23) // after the end: dropped
			},
			want: [][]byte{{0xa1, 0x66, 0x73, 0x74, 0x61, 0x74, 0x75, 0x73, 0x14}},
			err:  ErrPeerClosed,
		},
		{
			name: "holder ends mid-message",
			script: func(t *testing.T, h *centralHolder, r *radio) {
				h.write(t, ReaderState, StateStart)
				h.write(t, ReaderClient2Server, 0x01, 1, 2, 3)
				h.write(t, ReaderState, StateEnd)
			},
			err: ErrPeerClosed,
		},
		{
			name: "link lost mid-message",
			script: func(t *testing.T, h *centralHolder, r *radio) {
				h.write(t, ReaderState, StateStart)
				h.write(t, ReaderClient2Server, 0x01, 1, 2, 3)
				r.kill()
			},
			err: ErrPeerClosed,
		},
		{
			name: "oversized message",
			opts: BLEOptions{MaxMessage: 1000},
			script: func(t *testing.T, h *centralHolder, r *radio) {
				h.write(t, ReaderState, StateStart)
				h.send(t, pattern(1000, 0), 23) // exactly the cap: fine
				h.send(t, pattern(1001, 0), 23)
			},
			want: [][]byte{pattern(1000, 0)},
			err:  ErrMessageTooLarge,
		},
		{
			name: "bad chunk prefix",
			script: func(t *testing.T, h *centralHolder, r *radio) {
				h.write(t, ReaderState, StateStart)
				h.write(t, ReaderClient2Server, 0x05, 1)
			},
			err: ErrTransport,
		},
		{
			name: "empty chunk",
			script: func(t *testing.T, h *centralHolder, r *radio) {
				h.write(t, ReaderState, StateStart)
				h.write(t, ReaderClient2Server)
			},
			err: ErrTransport,
		},
		{
			name: "too many unread messages",
			opts: BLEOptions{MaxQueued: 2},
			script: func(t *testing.T, h *centralHolder, r *radio) {
				h.write(t, ReaderState, StateStart)
				for i := range 3 {
					h.send(t, []byte{byte(i)}, 23)
				}
			},
			want: [][]byte{{0}, {1}},
			err:  ErrTransport,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRadio(t, 23)
			ctx := ctxT(t)
			b, err := ServeCentralClient(ctx, memServer{r}, CentralClientOptions{Service: testService, EDeviceKeyBytes: testEDK, BLEOptions: tc.opts})
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
			checkErrs(t, err, []error{tc.err})
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
func waitEnded(t *testing.T, b *BLE) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b.mu.Lock()
		done := b.endErr != nil
		b.mu.Unlock()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("session did not end")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestCentralClientSendWaitsForStart(t *testing.T) {
	r := newRadio(t, 23)
	b, err := ServeCentralClient(ctxT(t), memServer{r}, CentralClientOptions{Service: testService, EDeviceKeyBytes: testEDK})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := b.Send(ctx, []byte{1}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("send before start: %v", err)
	}
	if r.notifies != 0 {
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
	if r.notifies != 0 {
		t.Fatal("end signal before start")
	}
	if err := b.Send(ctxT(t), []byte{1}); !errors.Is(err, ErrClosed) {
		t.Fatalf("send after close: %v", err)
	}
}

func TestCentralClientOptions(t *testing.T) {
	_, err := ServeCentralClient(ctxT(t), memServer{newRadio(t, 23)}, CentralClientOptions{Service: testService})
	checkErrs(t, err, []error{ErrInvalidOptions})
}

// peripheralHolder is an mdoc in peripheral server mode: it serves the mdoc
// service on the radio.
type peripheralHolder struct {
	svc LocalService
	in  *inbox
}

func servePeripheralHolder(t *testing.T, r *radio, ident []byte, chars ...UUID) *peripheralHolder {
	t.Helper()
	h := &peripheralHolder{in: newInbox()}
	all := map[UUID]CharSpec{
		MdocState:         {UUID: MdocState, Props: PropWriteWithoutResponse | PropNotify, OnWrite: h.in.stateValue},
		MdocClient2Server: {UUID: MdocClient2Server, Props: PropWriteWithoutResponse, OnWrite: h.in.chunk},
		MdocServer2Client: {UUID: MdocServer2Client, Props: PropNotify},
	}
	spec := ServiceSpec{UUID: testService}
	for _, c := range chars {
		spec.Chars = append(spec.Chars, all[c])
	}
	if ident != nil {
		spec.Chars = append(spec.Chars, CharSpec{UUID: MdocIdent, Props: PropRead, Value: ident})
	}
	svc, err := memServer{r}.Serve(ctxT(t), spec)
	if err != nil {
		t.Fatal(err)
	}
	h.svc = svc
	return h
}

func (h *peripheralHolder) send(t *testing.T, msg []byte, mtu int) {
	t.Helper()
	for _, c := range holderChunks(msg, mtu) {
		if err := h.svc.Notify(context.Background(), MdocServer2Client, c); err != nil {
			t.Fatal(err)
		}
	}
}

var allMdocChars = []UUID{MdocState, MdocClient2Server, MdocServer2Client}

func TestPeripheralServerSession(t *testing.T) {
	for _, mtu := range []int{23, 185, 517} {
		r := newRadio(t, mtu)
		ctx := ctxT(t)
		h := servePeripheralHolder(t, r, nil, allMdocChars...)
		b, err := ConnectPeripheralServer(ctx, memClient{r}, PeripheralServerOptions{Service: testService, EDeviceKeyBytes: testEDK})
		if err != nil {
			t.Fatal(err)
		}
		select {
		case v := <-h.in.state:
			if v != StateStart {
				t.Fatalf("first state %02x", v)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no start")
		}
		req := pattern(700, 1)
		if err := b.Send(ctx, req); err != nil {
			t.Fatal(err)
		}
		if got := recvMsg(t, h.in.msgs); !bytes.Equal(got, req) {
			t.Fatalf("holder got %d bytes", len(got))
		}
		resp := pattern(30000, 2)
		h.send(t, resp, mtu)
		got, err := b.Receive(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, resp) {
			t.Fatalf("reader got %d bytes", len(got))
		}
		// The holder ends: State 02 notification.
		if err := h.svc.Notify(ctx, MdocState, []byte{StateEnd}); err != nil {
			t.Fatal(err)
		}
		_, err = b.Receive(ctx)
		checkErrs(t, err, []error{ErrPeerClosed})
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPeripheralServerClose(t *testing.T) {
	r := newRadio(t, 23)
	ctx := ctxT(t)
	h := servePeripheralHolder(t, r, nil, allMdocChars...)
	b, err := ConnectPeripheralServer(ctx, memClient{r}, PeripheralServerOptions{Service: testService})
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
	if !bytes.Equal(got, []byte{StateStart, StateEnd}) {
		t.Fatalf("states %x, want 01 02", got)
	}
}

func TestPeripheralServerConnectErrors(t *testing.T) {
	tests := []struct {
		name  string
		ident []byte
		chars []UUID
		edk   []byte
		err   error
	}{
		{name: "ident mismatch", ident: make([]byte, 16), chars: allMdocChars, edk: testEDK, err: ErrIdentMismatch},
		{name: "no client2server", chars: []UUID{MdocState, MdocServer2Client}, err: ErrNoPeer},
		{name: "no state", chars: []UUID{MdocClient2Server, MdocServer2Client}, err: ErrNoPeer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRadio(t, 23)
			servePeripheralHolder(t, r, tc.ident, tc.chars...)
			_, err := ConnectPeripheralServer(ctxT(t), memClient{r}, PeripheralServerOptions{Service: testService, EDeviceKeyBytes: tc.edk})
			checkErrs(t, err, []error{tc.err})
			r.mu.Lock()
			down := r.down
			r.mu.Unlock()
			if !down {
				t.Error("failed connect left the link up")
			}
		})
	}
	// A matching ident is accepted.
	r := newRadio(t, 23)
	servePeripheralHolder(t, r, identByHand(testEDK), allMdocChars...)
	b, err := ConnectPeripheralServer(ctxT(t), memClient{r}, PeripheralServerOptions{Service: testService, EDeviceKeyBytes: testEDK})
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
}

func TestPeripheralServerLinkLost(t *testing.T) {
	r := newRadio(t, 23)
	ctx := ctxT(t)
	h := servePeripheralHolder(t, r, nil, allMdocChars...)
	b, err := ConnectPeripheralServer(ctx, memClient{r}, PeripheralServerOptions{Service: testService})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.svc.Notify(ctx, MdocServer2Client, []byte{0x01, 1, 2}); err != nil {
		t.Fatal(err)
	}
	r.kill()
	_, err = b.Receive(ctx)
	checkErrs(t, err, []error{ErrPeerClosed})
	if err := b.Send(ctx, []byte{1}); !errors.Is(err, ErrPeerClosed) {
		t.Fatalf("send after link loss: %v", err)
	}
}
