package wallet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"taimen/reader"
	"taimen/reader/transport"
	"taimen/reader/transport/transporttest"
	"taimen/verify/mdoc"
	"taimen/verify/mdoc/mdoctest"
)

var (
	bleService = transport.UUID{0x45, 0xef, 0xef, 0x74, 0x2b, 0x2c, 0x4b, 0x37, 0x8b, 0x0b, 0x6d, 0x1e, 0x0c, 0x25, 0x45, 0x2c}
	// bleEDK stands in for EDeviceKeyBytes: the link treats it as opaque.
	bleEDK = []byte{0xd8, 0x18, 0x58, 0x4b, 0xa4, 0x01, 0x02, 0x20, 0x01}
)

// fakeHolder answers each message with reply(msg) and records what it got.
type fakeHolder struct {
	mu    sync.Mutex
	got   [][]byte
	reply func(msg []byte) ([]byte, bool, error)
}

func (h *fakeHolder) Message(msg []byte) ([]byte, bool, error) {
	h.mu.Lock()
	h.got = append(h.got, bytes.Clone(msg))
	h.mu.Unlock()
	return h.reply(msg)
}

func (h *fakeHolder) messages() [][]byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.got
}

// echo answers "re:" + msg and never ends the session.
func echo(msg []byte) ([]byte, bool, error) { return append([]byte("re:"), msg...), false, nil }

// runHolder starts RunBLECentral in a goroutine; the result arrives on the
// returned channel.
func runHolder(ctx context.Context, r *transporttest.Radio, h Holder, opts BLEOptions) chan error {
	done := make(chan error, 1)
	go func() { done <- RunBLECentral(ctx, r.Client(), h, opts) }()
	return done
}

func waitHolder(t *testing.T, done chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("the holder did not return")
		return nil
	}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func blePattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*13) ^ seed
	}
	return b
}

// TestRunBLECentral runs the holder against our real reader side
// (transport.ServeCentralClient) at several MTUs and message sizes.
func TestRunBLECentral(t *testing.T) {
	for _, mtu := range []int{23, 24, 185, 517} {
		t.Run(fmt.Sprint("mtu ", mtu), func(t *testing.T) {
			ctx := testCtx(t)
			r := transporttest.NewRadio(t, mtu)
			b, err := transport.ServeCentralClient(ctx, r.Server(), transport.CentralClientOptions{Service: bleService, EDeviceKeyBytes: bleEDK})
			if err != nil {
				t.Fatal(err)
			}
			h := &fakeHolder{reply: echo}
			done := runHolder(ctx, r, h, BLEOptions{Service: bleService, EDeviceKeyBytes: bleEDK})
			for i, size := range []int{0, 1, 19, 20, 500, 30000} {
				msg := blePattern(size, byte(i))
				if err := b.Send(ctx, msg); err != nil {
					t.Fatal(err)
				}
				got, err := b.Receive(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if want := append([]byte("re:"), msg...); !bytes.Equal(got, want) {
					t.Fatalf("size %d: reader got %d bytes, want %d", size, len(got), len(want))
				}
			}
			// The reader ends the session (State 02): the holder returns.
			if err := b.Close(); err != nil {
				t.Fatal(err)
			}
			if err := waitHolder(t, done); err != nil {
				t.Fatalf("holder: %v", err)
			}
			if n := len(h.messages()); n != 6 {
				t.Errorf("holder handled %d messages, want 6", n)
			}
		})
	}
}

// TestRunBLECentralHolderEnds: an answer that ends the session (a decline,
// or a response with status 20) is followed by State 02, which the reader
// sees as a clean end after the message, not a cut-off one.
func TestRunBLECentralHolderEnds(t *testing.T) {
	ctx := testCtx(t)
	r := transporttest.NewRadio(t, 23)
	b, err := transport.ServeCentralClient(ctx, r.Server(), transport.CentralClientOptions{Service: bleService, EDeviceKeyBytes: bleEDK})
	if err != nil {
		t.Fatal(err)
	}
	status20 := mdoc.StatusMessage(mdoc.SessionStatusTermination)
	h := &fakeHolder{reply: func([]byte) ([]byte, bool, error) { return status20, true, nil }}
	done := runHolder(ctx, r, h, BLEOptions{Service: bleService, EDeviceKeyBytes: bleEDK})
	if err := b.Send(ctx, []byte("request")); err != nil {
		t.Fatal(err)
	}
	got, err := b.Receive(ctx)
	if err != nil || !bytes.Equal(got, status20) {
		t.Fatalf("reader got %x, %v", got, err)
	}
	_, err = b.Receive(ctx)
	if !errors.Is(err, transport.ErrPeerClosed) || errors.Is(err, transport.ErrIncomplete) {
		t.Fatalf("after the answer: %v, want a clean ErrPeerClosed", err)
	}
	if err := waitHolder(t, done); err != nil {
		t.Fatalf("holder: %v", err)
	}
	b.Close()
}

// TestRunBLECentralReaderTerminates: a status-only SessionData from the
// reader ends the session; the holder hands it to the wallet logic but
// sends nothing back over BLE.
func TestRunBLECentralReaderTerminates(t *testing.T) {
	for _, status := range []uint64{mdoc.SessionStatusTermination, mdoc.SessionStatusDecodingError} {
		ctx := testCtx(t)
		r := transporttest.NewRadio(t, 185)
		b, err := transport.ServeCentralClient(ctx, r.Server(), transport.CentralClientOptions{Service: bleService, EDeviceKeyBytes: bleEDK})
		if err != nil {
			t.Fatal(err)
		}
		h := &fakeHolder{reply: func([]byte) ([]byte, bool, error) { return []byte("must not be sent"), true, nil }}
		done := runHolder(ctx, r, h, BLEOptions{Service: bleService, EDeviceKeyBytes: bleEDK})
		if err := b.Send(ctx, mdoc.StatusMessage(status)); err != nil {
			t.Fatal(err)
		}
		if err := waitHolder(t, done); err != nil {
			t.Fatalf("status %d: holder: %v", status, err)
		}
		if n := len(h.messages()); n != 1 {
			t.Errorf("status %d: holder logic saw %d messages, want 1", status, n)
		}
		if _, writes := r.Counts(); writes != 1 { // the start signal only
			t.Errorf("status %d: holder wrote %d values, want 1", status, writes)
		}
		if _, err := b.Receive(ctx); !errors.Is(err, transport.ErrPeerClosed) {
			t.Errorf("status %d: reader receive: %v", status, err)
		}
		b.Close()
	}
}

// rawReader is a reader service played by the test, to misbehave.
type rawReader struct {
	svc    transport.LocalService
	state  chan byte
	chunks chan []byte
	gone   chan struct{} // closed when the link goes down
}

func serveRawReader(t *testing.T, r *transporttest.Radio, ident []byte, chars ...transport.UUID) *rawReader {
	t.Helper()
	rr := &rawReader{state: make(chan byte, 64), chunks: make(chan []byte, 1024), gone: make(chan struct{})}
	all := map[transport.UUID]transport.CharSpec{
		transport.ReaderState: {UUID: transport.ReaderState, Props: transport.PropWriteWithoutResponse | transport.PropNotify, OnWrite: func(v []byte) {
			for _, x := range v {
				rr.state <- x
			}
		}},
		transport.ReaderClient2Server: {UUID: transport.ReaderClient2Server, Props: transport.PropWriteWithoutResponse, OnWrite: func(v []byte) { rr.chunks <- v }},
		transport.ReaderServer2Client: {UUID: transport.ReaderServer2Client, Props: transport.PropNotify},
		transport.ReaderIdent:         {UUID: transport.ReaderIdent, Props: transport.PropRead, Value: ident},
	}
	spec := transport.ServiceSpec{UUID: bleService, OnDisconnect: func() { close(rr.gone) }}
	for _, c := range chars {
		spec.Chars = append(spec.Chars, all[c])
	}
	svc, err := r.Server().Serve(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	rr.svc = svc
	return rr
}

func (rr *rawReader) notify(t *testing.T, char transport.UUID, v ...byte) {
	t.Helper()
	if err := rr.svc.Notify(context.Background(), char, v); err != nil {
		t.Fatal(err)
	}
}

// waitStart waits for the holder's 01 on State.
func (rr *rawReader) waitStart(t *testing.T) {
	t.Helper()
	select {
	case v := <-rr.state:
		if v != transport.StateStart {
			t.Fatalf("first state %02x, want 01", v)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no start signal")
	}
}

var allReaderChars = []transport.UUID{transport.ReaderState, transport.ReaderClient2Server, transport.ReaderServer2Client, transport.ReaderIdent}

func TestRunBLECentralErrors(t *testing.T) {
	goodIdent := transport.IdentValue(bleEDK)
	tests := []struct {
		name  string
		ident []byte
		chars []transport.UUID
		opts  func(o *BLEOptions)
		reply func([]byte) ([]byte, bool, error)
		// script plays the reader after the holder started; nil means the
		// holder must fail before it starts.
		script  func(t *testing.T, rr *rawReader, r *transporttest.Radio, cancel context.CancelFunc)
		op      string
		err     error
		saysEnd bool // the holder writes 02 to State before it stops
	}{
		{name: "ident mismatch", ident: make([]byte, 16), op: "ident", err: ErrReaderIdent},
		{name: "short ident", ident: goodIdent[:15], op: "ident", err: ErrReaderIdent},
		{name: "no ident characteristic", chars: allReaderChars[:3], op: "connect", err: ErrNoReaderService},
		{name: "no client2server", chars: []transport.UUID{transport.ReaderState, transport.ReaderServer2Client, transport.ReaderIdent}, op: "connect", err: ErrNoReaderService},
		{name: "no edevicekeybytes", opts: func(o *BLEOptions) { o.EDeviceKeyBytes = nil }, op: "connect", err: ErrInvalidOptions},
		{name: "other service", opts: func(o *BLEOptions) { o.Service[0] ^= 1 }, op: "connect", err: transporttest.ErrNoService},
		{
			name: "bad chunk prefix",
			script: func(t *testing.T, rr *rawReader, r *transporttest.Radio, _ context.CancelFunc) {
				rr.notify(t, transport.ReaderServer2Client, 0x05, 1, 2)
			},
			op: "receive", err: ErrReaderBroke, saysEnd: true,
		},
		{
			name: "empty chunk",
			script: func(t *testing.T, rr *rawReader, r *transporttest.Radio, _ context.CancelFunc) {
				rr.notify(t, transport.ReaderServer2Client)
			},
			op: "receive", err: transport.ErrTransport, saysEnd: true,
		},
		{
			name: "message over the cap",
			opts: func(o *BLEOptions) { o.MaxMessage = 30 },
			script: func(t *testing.T, rr *rawReader, r *transporttest.Radio, _ context.CancelFunc) {
				rr.notify(t, transport.ReaderServer2Client, append([]byte{0x01}, make([]byte, 19)...)...)
				rr.notify(t, transport.ReaderServer2Client, append([]byte{0x00}, make([]byte, 12)...)...)
			},
			op: "receive", err: transport.ErrMessageTooLarge, saysEnd: true,
		},
		{
			name: "state end mid-message",
			script: func(t *testing.T, rr *rawReader, r *transporttest.Radio, _ context.CancelFunc) {
				rr.notify(t, transport.ReaderServer2Client, 0x01, 1, 2)
				rr.notify(t, transport.ReaderState, transport.StateEnd)
			},
			op: "receive", err: ErrReaderBroke,
		},
		{
			name: "link lost",
			script: func(t *testing.T, rr *rawReader, r *transporttest.Radio, _ context.CancelFunc) {
				r.Kill()
			},
			op: "receive", err: ErrLinkLost,
		},
		{
			name: "link lost mid-message",
			script: func(t *testing.T, rr *rawReader, r *transporttest.Radio, _ context.CancelFunc) {
				rr.notify(t, transport.ReaderServer2Client, 0x01, 1, 2)
				r.Kill()
			},
			op: "receive", err: ErrLinkLost,
		},
		{
			name:  "holder logic fails",
			reply: func([]byte) ([]byte, bool, error) { return nil, false, ErrNotEngaged },
			script: func(t *testing.T, rr *rawReader, r *transporttest.Radio, _ context.CancelFunc) {
				rr.notify(t, transport.ReaderServer2Client, 0x00, 0xa0)
			},
			op: "session", err: ErrNotEngaged, saysEnd: true,
		},
		{
			name: "context ends while waiting",
			script: func(t *testing.T, rr *rawReader, r *transporttest.Radio, cancel context.CancelFunc) {
				cancel()
			},
			op: "receive", err: context.Canceled, saysEnd: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := transporttest.NewRadio(t, 23)
			ident := tc.ident
			if ident == nil {
				ident = goodIdent[:]
			}
			chars := tc.chars
			if chars == nil {
				chars = allReaderChars
			}
			rr := serveRawReader(t, r, ident, chars...)
			opts := BLEOptions{Service: bleService, EDeviceKeyBytes: bleEDK}
			if tc.opts != nil {
				tc.opts(&opts)
			}
			reply := tc.reply
			if reply == nil {
				reply = echo
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			done := runHolder(ctx, r, &fakeHolder{reply: reply}, opts)
			if tc.script != nil {
				rr.waitStart(t)
				tc.script(t, rr, r, cancel)
			}
			err := waitHolder(t, done)
			var be *BLEError
			if !errors.As(err, &be) || be.Op != tc.op {
				t.Fatalf("err %v, want a *BLEError at %q", err, tc.op)
			}
			if !errors.Is(err, tc.err) {
				t.Fatalf("err %v does not unwrap to %v", err, tc.err)
			}
			if tc.script == nil {
				if _, writes := r.Counts(); writes != 0 {
					t.Errorf("the holder wrote %d values to a reader it refused", writes)
				}
				return
			}
			// The disconnect reaches the reader after everything the holder
			// wrote before it.
			select {
			case <-rr.gone:
			case <-time.After(10 * time.Second):
				t.Fatal("the holder did not disconnect")
			}
			var states []byte
			for len(rr.state) > 0 {
				states = append(states, <-rr.state)
			}
			if saidEnd := bytes.Equal(states, []byte{transport.StateEnd}); saidEnd != tc.saysEnd {
				t.Errorf("states after the start %x; want an end signal: %v", states, tc.saysEnd)
			}
		})
	}
}

// TestWalletBLE: after an NFC engagement that selected BLE, the wallet's
// own view of it (the UUID, its EDeviceKeyBytes) joins our reader side and
// answers a real DeviceRequest over the link.
func TestWalletBLE(t *testing.T) {
	for _, h := range []Handover{Static, Negotiated, Apple} {
		t.Run(h.String(), func(t *testing.T) {
			w := newWallet(t, Options{Handover: h, Transfer: TransferBLE, NotReady: -1})
			if _, err := w.BLEOptions(); !errors.Is(err, ErrNotEngaged) {
				t.Fatalf("before the tap: %v, want ErrNotEngaged", err)
			}
			res := engage(t, w.Card(reader.Options{}), readerOpts(t.Name()))
			if res.BLE == nil {
				t.Fatal("the engagement selected no BLE")
			}
			de, err := mdoc.ParseDeviceEngagement(res.DeviceEngagement)
			if err != nil {
				t.Fatal(err)
			}
			opts, err := w.BLEOptions()
			if err != nil {
				t.Fatal(err)
			}
			if opts.Service != transport.UUID(res.BLE.UUID) || !bytes.Equal(opts.EDeviceKeyBytes, de.EDeviceKeyBytes.Raw) {
				t.Fatalf("wallet's ble options %v %x, reader's %v %x", opts.Service, opts.EDeviceKeyBytes, res.BLE.UUID, de.EDeviceKeyBytes.Raw)
			}
			hover, err := mdoc.HandoverNFC(res.Hs, res.Hr)
			if err != nil {
				t.Fatal(err)
			}
			rs, err := mdoc.NewReaderSessionWithKey(de, hover, readerKey(t, t.Name()))
			if err != nil {
				t.Fatal(err)
			}

			ctx := testCtx(t)
			r := transporttest.NewRadio(t, 185)
			b, err := transport.ServeCentralClient(ctx, r.Server(), transport.CentralClientOptions{Service: transport.UUID(res.BLE.UUID), EDeviceKeyBytes: de.EDeviceKeyBytes.Raw})
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- w.RunBLE(ctx, r.Client()) }()
			specs := []mdoc.DocRequestSpec{spec(mdoctest.DocTypeMDL, ElementRef{Namespace: mdoctest.NamespaceMDL, Element: "age_over_20"})}
			req, err := mdoc.BuildDeviceRequest(specs, nil, rs.Transcript())
			if err != nil {
				t.Fatal(err)
			}
			est, err := rs.SessionEstablishment(req)
			if err != nil {
				t.Fatal(err)
			}
			if err := b.Send(ctx, est); err != nil {
				t.Fatal(err)
			}
			msg, err := b.Receive(ctx)
			if err != nil {
				t.Fatal(err)
			}
			plain, _, err := rs.Decrypt(msg)
			if err != nil {
				t.Fatal(err)
			}
			tr := rs.Transcript()
			vr := mdoc.VerifyResponse(plain, mdoc.VerifyOptions{Trust: trustOf(w), At: testNow, Transcript: &tr, Requested: requested(specs)})
			if !vr.Valid || len(vr.Documents) != 1 || !disclosed(vr.Documents[0])[mdoctest.NamespaceMDL+"/age_over_20"] || len(disclosed(vr.Documents[0])) != 1 {
				t.Fatalf("verdict %s, documents %+v", vr.Status, vr.Documents)
			}
			if err := b.Send(ctx, rs.Terminate()); err != nil {
				t.Fatal(err)
			}
			if err := waitHolder(t, done); err != nil {
				t.Fatalf("holder: %v", err)
			}
			b.Close()
			// The session is over: the wallet needs a new tap.
			if _, _, err := w.Message(est); !errors.Is(err, ErrNotEngaged) {
				t.Errorf("message after the session: %v, want ErrNotEngaged", err)
			}
		})
	}
}

func TestWalletBLEOptionsNFC(t *testing.T) {
	w := newWallet(t, Options{Transfer: TransferNFC})
	engage(t, w.Card(reader.Options{}), readerOpts(t.Name()))
	if _, err := w.BLEOptions(); !errors.Is(err, ErrNotEngaged) {
		t.Fatalf("nfc engagement: %v, want ErrNotEngaged", err)
	}
	var be *BLEError
	if err := w.RunBLE(testCtx(t), transporttest.NewRadio(t, 23).Client()); !errors.As(err, &be) || !errors.Is(err, ErrNotEngaged) {
		t.Fatalf("RunBLE after an nfc engagement: %v", err)
	}
}

// FuzzBLEReader plays a reader that notifies arbitrary values on
// Server2Client and State, then drops the link: whatever it sends, the
// holder returns (nil or a *BLEError) and never panics or hangs. The input
// is a sequence of [kind][length][value]: kind bit 0 picks State over
// Server2Client; lengths are clamped to the link's MTU−3.
func FuzzBLEReader(f *testing.F) {
	const mtu = 64
	ident := transport.IdentValue(bleEDK)
	f.Fuzz(func(t *testing.T, in []byte) {
		r := transporttest.NewRadio(t, mtu)
		svc, err := r.Server().Serve(context.Background(), transport.ServiceSpec{
			UUID: bleService,
			Chars: []transport.CharSpec{
				{UUID: transport.ReaderState, Props: transport.PropWriteWithoutResponse | transport.PropNotify},
				{UUID: transport.ReaderClient2Server, Props: transport.PropWriteWithoutResponse},
				{UUID: transport.ReaderServer2Client, Props: transport.PropNotify},
				{UUID: transport.ReaderIdent, Props: transport.PropRead, Value: ident[:]},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		done := runHolder(ctx, r, &fakeHolder{reply: echo}, BLEOptions{Service: bleService, EDeviceKeyBytes: bleEDK})
		for len(in) >= 2 {
			char := transport.ReaderServer2Client
			if in[0]&1 == 1 {
				char = transport.ReaderState
			}
			n := min(int(in[1]), len(in)-2, mtu-3)
			v := in[2 : 2+n]
			in = in[2+n:]
			if err := svc.Notify(ctx, char, v); err != nil {
				break // the holder already left
			}
		}
		r.Kill()
		select {
		case err := <-done:
			var be *BLEError
			if err != nil && !errors.As(err, &be) {
				t.Fatalf("%v is not a *BLEError", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the holder did not return")
		}
	})
}

// TestFuzzBLEReaderSeeds: the seed corpus is there (go test runs it).
func TestFuzzBLEReaderSeeds(t *testing.T) {
	ents, err := os.ReadDir(filepath.Join("testdata", "fuzz", "FuzzBLEReader"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) < 5 {
		t.Fatalf("%d seeds, want at least 5", len(ents))
	}
}
