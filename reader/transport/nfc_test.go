package transport

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"

	"taimen/reader"
)

func TestNFCExchange(t *testing.T) {
	tests := []struct {
		name      string
		length    reader.LengthMode
		chained   bool // card implements ChainLimiter
		plain     bool // card has only Transmit
		holder    func(h *holder)
		opts      NFCOptions
		req       int // request size
		resp      int // extra bytes the holder adds to the echo
		wantAPDUs int // 0: not checked
	}{
		{name: "small extended", req: 100, resp: 50, opts: NFCOptions{MaxCommand: 65535, MaxResponse: 65536}, wantAPDUs: 2},
		{name: "64 KiB+ response extended", req: 300, resp: 70000, opts: NFCOptions{MaxCommand: 65535, MaxResponse: 65536}},
		{name: "20 KB response one envelope", req: 300, resp: 20000, opts: NFCOptions{MaxCommand: 65535, MaxResponse: 65536}, wantAPDUs: 2},
		{name: "short only reader", length: reader.LengthShort, req: 600, resp: 20000, opts: NFCOptions{MaxCommand: 65535, MaxResponse: 65536}},
		{name: "auto falls back to short", holder: func(h *holder) { h.extended = false }, req: 600, resp: 5000, opts: NFCOptions{MaxCommand: 65535, MaxResponse: 65536}},
		{name: "holder response limit 256", req: 10, resp: 3000, opts: NFCOptions{MaxCommand: 255, MaxResponse: 256}},
		{
			name: "holder max command 255 chained by limiter", chained: true,
			holder: func(h *holder) { h.maxCmd = 255 }, req: 1000, resp: 10,
			opts: NFCOptions{MaxCommand: 255, MaxResponse: 65536},
			// 1000+4 bytes of DO'53' in parts of 255: 3 chained + 1 last, plus SELECT.
			wantAPDUs: 5,
		},
		{
			// No ChainLimiter: the holder's 6700 to the 1004-byte extended
			// APDU makes LengthAuto fall back to short APDUs, which fit.
			name: "holder max command 255 auto fallback", plain: true,
			holder: func(h *holder) { h.maxCmd = 255 }, req: 1000, resp: 10,
			opts: NFCOptions{MaxCommand: 255, MaxResponse: 65536},
		},
		{name: "exactly 127 and 128 byte boundary", req: 127, resp: 1, opts: NFCOptions{MaxCommand: 65535, MaxResponse: 65536}},
		{name: "empty request", req: 0, resp: 0, opts: NFCOptions{MaxCommand: 65535, MaxResponse: 65536}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHolder(t, echoPlus(tc.resp))
			if tc.holder != nil {
				tc.holder(h)
			}
			ropts := reader.Options{Length: tc.length}
			tr := reader.NewTransceiver(h.raw, ropts)
			var card reader.Card = tr
			if tc.chained {
				card = limitedCard{tr, h.raw, ropts}
			}
			if tc.plain {
				card = plainCard{tr}
			}
			n := NewNFC(card, tc.opts)
			ctx := context.Background()
			if err := n.Open(ctx); err != nil {
				t.Fatal(err)
			}
			req := pattern(tc.req, 0x5a)
			got, err := n.Exchange(ctx, req)
			if err != nil {
				t.Fatalf("exchange: %v (%s)", err, h)
			}
			want := echoPlus(tc.resp)(req)
			if !bytes.Equal(got, want) {
				t.Fatalf("answer of %d bytes differs from the %d expected", len(got), len(want))
			}
			if tc.wantAPDUs != 0 && h.apdus != tc.wantAPDUs {
				t.Errorf("%s, want %d apdus", h, tc.wantAPDUs)
			}
		})
	}
}

// TestNFCWire pins the bytes of SELECT and of a small ENVELOPE.
func TestNFCWire(t *testing.T) {
	var sent [][]byte
	raw := func(apdu []byte) ([]byte, error) {
		sent = append(sent, append([]byte(nil), apdu...))
		if apdu[1] == insEnvelope {
			return []byte{0x53, 0x02, 0xAB, 0xCD, 0x90, 0x00}, nil
		}
		return []byte{0x90, 0x00}, nil
	}
	n := NewNFC(reader.NewTransceiver(raw, reader.Options{}), NFCOptions{MaxCommand: 1000, MaxResponse: 4096})
	ctx := context.Background()
	if err := n.Open(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := n.Exchange(ctx, []byte{0x01, 0x02, 0x03})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, []byte{0xAB, 0xCD}) {
		t.Fatalf("answer %x", got)
	}
	want := []string{
		"00a4040007a000000248040000",
		// Extended because Le 4096 > 256: 00 Lc=0005 DO'53' Le=1000.
		"00c30000000005530301020" + "31000",
	}
	if len(sent) != len(want) {
		t.Fatalf("%d apdus, want %d", len(sent), len(want))
	}
	for i := range want {
		if hex.EncodeToString(sent[i]) != want[i] {
			t.Errorf("apdu %d = %x, want %s", i, sent[i], want[i])
		}
	}
}

func TestNFCErrors(t *testing.T) {
	errWire := errors.New("wire")
	tests := []struct {
		name     string
		holder   func(h *holder)
		length   reader.LengthMode
		opts     NFCOptions
		req      int
		cancelAt int // cancel the context before this apdu (1-based)
		plain    bool
		openErr  []error
		err      []error
	}{
		{name: "wrong aid", holder: func(h *holder) { h.aid = []byte{1, 2, 3} }, openErr: []error{ErrNotMdocAID, reader.ErrNotFound}},
		{
			name: "card removed during get response", length: reader.LengthShort,
			holder: func(h *holder) {
				h.handle = echoPlus(2000)
				h.fail = func(n int) error {
					if n == 4 {
						return fmt.Errorf("pcsc: %w", reader.ErrCardRemoved)
					}
					return nil
				}
			},
			err: []error{reader.ErrCardRemoved},
		},
		{
			name: "card removed during select",
			holder: func(h *holder) {
				h.fail = func(int) error { return fmt.Errorf("pcsc: %w", reader.ErrCardRemoved) }
			},
			openErr: []error{reader.ErrCardRemoved},
		},
		{
			name:   "transport error passes through",
			holder: func(h *holder) { h.fail = func(n int) error { return map[bool]error{true: errWire}[n == 2] } },
			err:    []error{errWire},
		},
		{name: "malformed do53", holder: func(h *holder) { h.wrap = func(a []byte) []byte { return append([]byte{0x53, 0x05}, a...) } }, err: []error{ErrMalformedDO53, ErrTransport}},
		{name: "wrong tag", holder: func(h *holder) { h.wrap = func(a []byte) []byte { return []byte{0x54, 0x00} } }, err: []error{ErrMalformedDO53}},
		{name: "no data at all", holder: func(h *holder) { h.wrap = func(a []byte) []byte { return nil } }, err: []error{ErrMalformedDO53}},
		{name: "envelope refused", holder: func(h *holder) { h.sw = 0x6985 }, err: []error{ErrTransport, reader.ErrConditionsNotSatisfied}},
		{
			// LengthAuto would take the 6700 as "no extended APDUs" and
			// resend short; LengthExtended shows the limit is not kept.
			name:   "holder max command 255 without limiter",
			length: reader.LengthExtended, plain: true,
			holder: func(h *holder) { h.maxCmd = 255 }, req: 1000,
			opts: NFCOptions{MaxCommand: 255},
			err:  []error{ErrTransport, reader.ErrWrongLength},
		},
		{
			name: "context cancelled between get responses", length: reader.LengthShort,
			holder: func(h *holder) { h.handle = echoPlus(2000) }, cancelAt: 4,
			err: []error{context.Canceled},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHolder(t, echoPlus(10))
			if tc.holder != nil {
				tc.holder(h)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			raw := h.raw
			if tc.cancelAt > 0 {
				raw = func(apdu []byte) ([]byte, error) {
					b, err := h.raw(apdu)
					if h.apdus == tc.cancelAt-1 {
						cancel()
					}
					return b, err
				}
			}
			var card reader.Card = reader.NewTransceiver(raw, reader.Options{Length: tc.length})
			if tc.plain {
				card = plainCard{card}
			}
			n := NewNFC(card, tc.opts)
			err := n.Open(ctx)
			if tc.openErr != nil {
				checkErrs(t, err, tc.openErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			_, err = n.Exchange(ctx, pattern(tc.req, 1))
			checkErrs(t, err, tc.err)
		})
	}
}

func checkErrs(t *testing.T, err error, want []error) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %v", want)
	}
	var te *Error
	if !errors.As(err, &te) {
		t.Errorf("%v is not a *transport.Error", err)
	}
	for _, w := range want {
		if !errors.Is(err, w) {
			t.Errorf("error %q does not unwrap to %q", err, w)
		}
	}
}

func TestNFCEmptyAnswer(t *testing.T) {
	h := newHolder(t, func([]byte) []byte { return nil })
	n := NewNFC(reader.NewTransceiver(h.raw, reader.Options{}), NFCOptions{})
	ctx := context.Background()
	if err := n.Open(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := n.Exchange(ctx, []byte{1})
	if err != nil {
		t.Fatal(err)
	}
	if got == nil || len(got) != 0 {
		t.Fatalf("got %#v, want an empty non-nil message", got)
	}
}

func TestNFCSendReceive(t *testing.T) {
	h := newHolder(t, echoPlus(3))
	n := NewNFC(reader.NewTransceiver(h.raw, reader.Options{}), NFCOptions{})
	ctx := context.Background()

	if err := n.Send(ctx, []byte{1}); !errors.Is(err, ErrOutOfOrder) {
		t.Errorf("send before open: %v", err)
	}
	if _, err := n.Exchange(ctx, []byte{1}); !errors.Is(err, ErrOutOfOrder) {
		t.Errorf("exchange before open: %v", err)
	}
	if err := n.Open(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Receive(ctx); !errors.Is(err, ErrOutOfOrder) {
		t.Errorf("receive without send: %v", err)
	}
	if err := n.Send(ctx, []byte{9, 9}); err != nil {
		t.Fatal(err)
	}
	if err := n.Send(ctx, []byte{9}); !errors.Is(err, ErrOutOfOrder) {
		t.Errorf("second send: %v", err)
	}
	got, err := n.Receive(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := echoPlus(3)([]byte{9, 9}); !bytes.Equal(got, want) {
		t.Fatalf("got %x, want %x", got, want)
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	if err := n.Send(ctx, []byte{1}); !errors.Is(err, ErrClosed) {
		t.Errorf("send after close: %v", err)
	}
	if _, err := n.Exchange(ctx, []byte{1}); !errors.Is(err, ErrClosed) {
		t.Errorf("exchange after close: %v", err)
	}
}

// TestNFCSlowHolder: the holder takes its time (consent); Exchange waits
// as long as the caller's context allows.
func TestNFCSlowHolder(t *testing.T) {
	release, inside := make(chan struct{}), make(chan struct{})
	h := newHolder(t, func(m []byte) []byte { close(inside); <-release; return m })
	n := NewNFC(reader.NewTransceiver(h.raw, reader.Options{}), NFCOptions{})
	ctx := context.Background()
	if err := n.Open(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := n.Exchange(ctx, []byte{1})
		done <- err
	}()
	<-inside
	// A second exchange while the first waits is refused, not queued.
	if _, err := n.Exchange(ctx, []byte{2}); !errors.Is(err, ErrOutOfOrder) {
		t.Errorf("second exchange: %v", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
