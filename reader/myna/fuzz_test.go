package myna

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"taimen/reader"
)

// The seed corpora live in testdata/fuzz/<target>/; this guards against an
// empty corpus silently seeding nothing.
func TestFuzzSeedCorpora(t *testing.T) {
	for _, target := range []string{"FuzzParseHeader", "FuzzParseCodeB", "FuzzReadTLV"} {
		entries, err := os.ReadDir(filepath.Join("testdata", "fuzz", target))
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) == 0 {
			t.Errorf("%s: empty seed corpus", target)
		}
	}
}

func FuzzParseHeader(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHeader(b)
		if err != nil {
			if !errors.Is(err, ErrMalformedFile) {
				t.Fatalf("error %v is not ErrMalformedFile", err)
			}
			return
		}
		if h.HdrLen < 2 || h.HdrLen > maxHeader || h.HdrLen > len(b) || h.Len < 0 || h.Len >= 1<<24 {
			t.Fatalf("header %+v from %x", h, b)
		}
	})
}

func FuzzParseCodeB(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCodeB(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidCodeB) {
				t.Fatalf("error %v is not ErrInvalidCodeB", err)
			}
			return
		}
		d := c.String()
		if len(d) != 14 {
			t.Fatalf("%q gave %q", s, d)
		}
		again, err := ParseCodeB(d)
		if err != nil || again != c {
			t.Fatalf("%q does not parse back: %v", d, err)
		}
	})
}

// FuzzReadTLV reads one file from a card whose READ BINARY answers come
// from the fuzzer (each prefixed with a length byte; the last two bytes of
// each answer are its status word). Whatever the card says, the read ends
// within a bounded number of APDUs, without panicking, with either the
// whole object or an error.
func FuzzReadTLV(f *testing.F) {
	f.Fuzz(func(t *testing.T, script []byte) {
		n := 0
		card := cardFunc(func(cmd reader.Command) (reader.Response, error) {
			n++
			if n > 200 {
				t.Fatalf("more than 200 apdus")
			}
			if cmd.INS != 0xB0 || cmd.Ne < 1 || cmd.Ne > 256 || cmd.P1&0x80 != 0 {
				t.Fatalf("unexpected command %+v", cmd)
			}
			if len(script) == 0 {
				return reader.Response{SW: 0x6B00}, nil
			}
			l := min(int(script[0]), len(script)-1)
			r, err := reader.ParseResponse(script[1 : 1+l])
			script = script[1+l:]
			if err != nil {
				return reader.Response{}, reader.ErrTransactionFailed
			}
			return r, nil
		})
		s := &session{card: card}
		b, err := s.readTLV(context.Background(), "fuzz")
		if err != nil {
			return
		}
		h, err := ParseHeader(b)
		if err != nil || h.Total() != len(b) {
			t.Fatalf("read %d bytes that are not one tlv: %v", len(b), err)
		}
	})
}

type cardFunc func(reader.Command) (reader.Response, error)

func (f cardFunc) Transmit(_ context.Context, c reader.Command) (reader.Response, error) { return f(c) }
