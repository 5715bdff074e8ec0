package reader

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
)

// step is one expected APDU and the card's scripted answer.
type step struct {
	apdu []byte
	resp []byte
	err  error
}

// script is a RawTransmit that checks every APDU against the expected
// sequence; a test fails on any extra, missing or different APDU.
type script struct {
	t     *testing.T
	steps []step
	n     int
}

func (s *script) raw(apdu []byte) ([]byte, error) {
	s.t.Helper()
	if s.n >= len(s.steps) {
		s.t.Fatalf("unexpected apdu %x after %d steps", apdu, s.n)
	}
	st := s.steps[s.n]
	s.n++
	if !bytes.Equal(apdu, st.apdu) {
		s.t.Fatalf("apdu %d = %x, want %x", s.n, apdu, st.apdu)
	}
	return st.resp, st.err
}

func (s *script) done() {
	s.t.Helper()
	if s.n != len(s.steps) {
		s.t.Fatalf("%d of %d apdus sent", s.n, len(s.steps))
	}
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestTransceiver(t *testing.T) {
	d600 := seq(600)
	big := seq(4096)
	errWire := errors.New("wire broke")
	tests := []struct {
		name     string
		opts     Options
		cmd      Command
		steps    func(t *testing.T) []step
		wantData []byte
		wantSW   uint16
		wantErr  error
		wantExt  bool
	}{
		{
			name: "round trip",
			cmd:  Command{INS: 0xA4, P1: 4, Data: []byte{0xA0, 1}},
			steps: func(t *testing.T) []step {
				return []step{{unhex(t, "00a4040002a001"), unhex(t, "9000"), nil}}
			},
			wantSW: 0x9000, wantExt: true,
		},
		{
			name: "short mode chains 600 bytes",
			opts: Options{Length: LengthShort},
			cmd:  Command{CLA: 0x80, INS: 0xE2, Data: d600, Ne: 256},
			steps: func(t *testing.T) []step {
				return []step{
					{cat(unhex(t, "90e20000ff"), d600[:255]), unhex(t, "9000"), nil},
					{cat(unhex(t, "90e20000ff"), d600[255:510]), unhex(t, "9000"), nil},
					{cat(unhex(t, "80e200005a"), d600[510:], unhex(t, "00")), unhex(t, "aa9000"), nil},
				}
			},
			wantData: []byte{0xAA}, wantSW: 0x9000,
		},
		{
			name: "extended mode sends 600 bytes at once",
			cmd:  Command{CLA: 0x80, INS: 0xE2, Data: d600},
			steps: func(t *testing.T) []step {
				return []step{{cat(unhex(t, "80e20000000258"), d600), unhex(t, "9000"), nil}}
			},
			wantSW: 0x9000, wantExt: true,
		},
		{
			name: "extended mode chains above MaxCommandData",
			opts: Options{MaxCommandData: 400},
			cmd:  Command{INS: 0xE2, Data: d600},
			steps: func(t *testing.T) []step {
				return []step{
					{cat(unhex(t, "10e20000000190"), d600[:400]), unhex(t, "9000"), nil},
					{cat(unhex(t, "00e20000c8"), d600[400:]), unhex(t, "9000"), nil},
				}
			},
			wantSW: 0x9000, wantExt: true,
		},
		{
			name: "card refuses the chain",
			opts: Options{Length: LengthShort},
			cmd:  Command{INS: 0xE2, Data: d600},
			steps: func(t *testing.T) []step {
				return []step{{cat(unhex(t, "10e20000ff"), d600[:255]), unhex(t, "6884"), nil}}
			},
			wantSW: 0x6884,
		},
		{
			name: "61xx collected",
			cmd:  Command{INS: 0xB0, Ne: 256},
			steps: func(t *testing.T) []step {
				return []step{
					{unhex(t, "00b0000000"), cat(big[:3], unhex(t, "6110")), nil},
					{unhex(t, "00c0000010"), cat(big[3:19], unhex(t, "6100")), nil},
					{unhex(t, "00c0000000"), cat(big[19:275], unhex(t, "6105")), nil},
					{unhex(t, "00c0000005"), cat(big[275:280], unhex(t, "9000")), nil},
				}
			},
			wantData: big[:280], wantSW: 0x9000, wantExt: true,
		},
		{
			name: "61xx ending in an error status keeps the data",
			cmd:  Command{INS: 0xB0, Ne: 1},
			steps: func(t *testing.T) []step {
				return []step{
					{unhex(t, "00b0000001"), unhex(t, "6102"), nil},
					{unhex(t, "00c0000002"), unhex(t, "01026282"), nil},
				}
			},
			wantData: []byte{1, 2}, wantSW: 0x6282, wantExt: true,
		},
		{
			name: "get response keeps the logical channel",
			cmd:  Command{CLA: 0x03, INS: 0xB0, Ne: 1},
			steps: func(t *testing.T) []step {
				return []step{
					{unhex(t, "03b0000001"), unhex(t, "6101"), nil},
					{unhex(t, "03c0000001"), unhex(t, "079000"), nil},
				}
			},
			wantData: []byte{7}, wantSW: 0x9000, wantExt: true,
		},
		{
			name: "get response for a proprietary class uses 00",
			cmd:  Command{CLA: 0x80, INS: 0xCA, Ne: 1},
			steps: func(t *testing.T) []step {
				return []step{
					{unhex(t, "80ca000001"), unhex(t, "6101"), nil},
					{unhex(t, "00c0000001"), unhex(t, "079000"), nil},
				}
			},
			wantData: []byte{7}, wantSW: 0x9000, wantExt: true,
		},
		{
			name: "6Cxx resends with the right Le",
			cmd:  Command{INS: 0xCA, Ne: 256},
			steps: func(t *testing.T) []step {
				return []step{
					{unhex(t, "00ca000000"), unhex(t, "6c02"), nil},
					{unhex(t, "00ca000002"), unhex(t, "01029000"), nil},
				}
			},
			wantData: []byte{1, 2}, wantSW: 0x9000, wantExt: true,
		},
		{
			name: "6Cxx twice is malformed",
			cmd:  Command{INS: 0xCA, Ne: 1},
			steps: func(t *testing.T) []step {
				return []step{
					{unhex(t, "00ca000001"), unhex(t, "6c02"), nil},
					{unhex(t, "00ca000002"), unhex(t, "6c03"), nil},
				}
			},
			wantErr: ErrMalformedResponse,
		},
		{
			name: "6Cxx on get response",
			cmd:  Command{INS: 0xCA, Ne: 1},
			steps: func(t *testing.T) []step {
				return []step{
					{unhex(t, "00ca000001"), unhex(t, "6101"), nil},
					{unhex(t, "00c0000001"), unhex(t, "6c02"), nil},
					{unhex(t, "00c0000002"), unhex(t, "01029000"), nil},
				}
			},
			wantData: []byte{1, 2}, wantSW: 0x9000, wantExt: true,
		},
		{
			name: "61xx in the middle of a chain",
			opts: Options{Length: LengthShort},
			cmd:  Command{INS: 0xE2, Data: d600},
			steps: func(t *testing.T) []step {
				return []step{{cat(unhex(t, "10e20000ff"), d600[:255]), unhex(t, "6110"), nil}}
			},
			wantErr: ErrMalformedResponse,
		},
		{
			name: "auto falls back to short on 6700",
			cmd:  Command{INS: 0xB0, Ne: 4096},
			steps: func(t *testing.T) []step {
				return []step{
					{unhex(t, "00b00000001000"), unhex(t, "6700"), nil},
					{unhex(t, "00b0000000"), cat(big[:256], unhex(t, "6100")), nil},
					{unhex(t, "00c0000000"), cat(big[256:512], unhex(t, "9000")), nil},
				}
			},
			wantData: big[:512], wantSW: 0x9000, wantExt: false,
		},
		{
			name: "extended mode does not fall back",
			opts: Options{Length: LengthExtended},
			cmd:  Command{INS: 0xB0, Ne: 4096},
			steps: func(t *testing.T) []step {
				return []step{{unhex(t, "00b00000001000"), unhex(t, "6700"), nil}}
			},
			wantSW: 0x6700, wantExt: true,
		},
		{
			name: "6700 on a short command is just a status",
			cmd:  Command{INS: 0xB0, Ne: 5},
			steps: func(t *testing.T) []step {
				return []step{{unhex(t, "00b0000005"), unhex(t, "6700"), nil}}
			},
			wantSW: 0x6700, wantExt: true,
		},
		{
			name: "extended response",
			cmd:  Command{INS: 0xB0, Ne: 4096},
			steps: func(t *testing.T) []step {
				return []step{{unhex(t, "00b00000001000"), cat(big, unhex(t, "9000")), nil}}
			},
			wantData: big, wantSW: 0x9000, wantExt: true,
		},
		{
			name: "wire error passes through",
			cmd:  Command{INS: 0xB0, Ne: 1},
			steps: func(t *testing.T) []step {
				return []step{{unhex(t, "00b0000001"), nil, fmt.Errorf("x: %w", errWire)}}
			},
			wantErr: errWire,
		},
		{
			name: "wire error during get response",
			cmd:  Command{INS: 0xB0, Ne: 1},
			steps: func(t *testing.T) []step {
				return []step{
					{unhex(t, "00b0000001"), unhex(t, "6101"), nil},
					{unhex(t, "00c0000001"), nil, ErrCardRemoved},
				}
			},
			wantErr: ErrCardRemoved,
		},
		{
			name: "response without status word",
			cmd:  Command{INS: 0xB0, Ne: 1},
			steps: func(t *testing.T) []step {
				return []step{{unhex(t, "00b0000001"), []byte{0x90}, nil}}
			},
			wantErr: ErrMalformedResponse,
		},
		{
			name: "get response beyond MaxResponse",
			opts: Options{MaxResponse: 300},
			cmd:  Command{INS: 0xB0, Ne: 1},
			steps: func(t *testing.T) []step {
				return []step{
					{unhex(t, "00b0000001"), cat(big[:200], unhex(t, "6100")), nil},
					{unhex(t, "00c0000000"), cat(big[:200], unhex(t, "9000")), nil},
				}
			},
			wantErr: ErrResponseTooLarge,
		},
		{
			name:    "chaining bit set by caller",
			cmd:     Command{CLA: 0x10, INS: 0xB0},
			steps:   func(t *testing.T) []step { return nil },
			wantErr: ErrInvalidCommand,
		},
		{
			name:    "ne out of range",
			cmd:     Command{INS: 0xB0, Ne: 65537},
			steps:   func(t *testing.T) []step { return nil },
			wantErr: ErrInvalidCommand,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &script{t: t, steps: tt.steps(t)}
			tr := NewTransceiver(s.raw, tt.opts)
			resp, err := tr.Transmit(context.Background(), tt.cmd)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				s.done()
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			s.done()
			if resp.SW != tt.wantSW || !bytes.Equal(resp.Data, tt.wantData) {
				t.Fatalf("resp = %x %04x, want %x %04x", resp.Data, resp.SW, tt.wantData, tt.wantSW)
			}
			if tr.Extended() != tt.wantExt {
				t.Fatalf("Extended() = %v, want %v", tr.Extended(), tt.wantExt)
			}
		})
	}
}

func TestTransceiverAutoRemembersShort(t *testing.T) {
	s := &script{t: t, steps: []step{
		{unhex(t, "00b00000000101"), unhex(t, "6700"), nil},
		{unhex(t, "00b0000000"), unhex(t, "9000"), nil},
		// the second command goes short straight away
		{unhex(t, "00b0000000"), unhex(t, "9000"), nil},
	}}
	tr := NewTransceiver(s.raw, Options{})
	for range 2 {
		if _, err := tr.Transmit(context.Background(), Command{INS: 0xB0, Ne: 257}); err != nil {
			t.Fatal(err)
		}
	}
	s.done()
}

func TestTransceiverEndless61(t *testing.T) {
	n := 0
	raw := func(apdu []byte) ([]byte, error) { n++; return []byte{0x61, 0x00}, nil }
	tr := NewTransceiver(raw, Options{MaxResponse: 1024})
	_, err := tr.Transmit(context.Background(), Command{INS: 0xB0, Ne: 1})
	if !errors.Is(err, ErrMalformedResponse) {
		t.Fatalf("err = %v, want ErrMalformedResponse", err)
	}
	if n > 1024/256+17 {
		t.Fatalf("%d apdus sent before giving up", n)
	}
}

func TestTransceiverContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := &script{t: t}
	_, err := NewTransceiver(s.raw, Options{}).Transmit(ctx, Command{INS: 0xB0})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	s.done()

	// Cancelled between the parts of a chain: nothing more is sent.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	d := seq(300)
	s = &script{t: t, steps: []step{{cat(unhex(t, "10e20000ff"), d[:255]), unhex(t, "9000"), nil}}}
	raw := func(apdu []byte) ([]byte, error) { cancel(); return s.raw(apdu) }
	_, err = NewTransceiver(raw, Options{Length: LengthShort}).Transmit(ctx, Command{INS: 0xE2, Data: d})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	s.done()
}
