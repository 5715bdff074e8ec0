package transport

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func FuzzParseDO53(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := ParseDO53(b)
		if err != nil {
			if !errors.Is(err, ErrMalformedDO53) || !errors.Is(err, ErrTransport) {
				t.Fatalf("error %v does not unwrap to the sentinels", err)
			}
			return
		}
		// The value is the tail of the input, whatever length form was used.
		if !bytes.HasSuffix(b, v) || len(b)-len(v) > 5 {
			t.Fatalf("value of %d bytes from %d input bytes", len(v), len(b))
		}
		enc, err := AppendDO53(nil, v)
		if err != nil {
			t.Fatal(err)
		}
		v2, err := ParseDO53(enc)
		if err != nil || !bytes.Equal(v, v2) {
			t.Fatalf("re-encoded value does not parse back: %v", err)
		}
		if len(b) == len(enc) && !bytes.Equal(b, enc) {
			t.Fatalf("same length, different encoding: %x vs %x", b, enc)
		}
	})
}

// FuzzReassembler feeds chunks framed as [len][chunk]… and checks that
// whatever comes out is bounded and that errors are the documented ones.
func FuzzReassembler(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		r := Reassembler{Max: 300}
		for len(b) > 0 {
			n := min(int(b[0]), len(b)-1)
			chunk := b[1 : 1+n]
			b = b[1+n:]
			msg, err := r.Push(chunk)
			if err != nil {
				if !errors.Is(err, ErrTransport) && !errors.Is(err, ErrMessageTooLarge) {
					t.Fatalf("unexpected error %v", err)
				}
				if r.Partial() {
					t.Fatal("partial message kept after an error")
				}
				continue
			}
			if len(msg) > 300 {
				t.Fatalf("message of %d bytes over the cap", len(msg))
			}
			if msg != nil && r.Partial() {
				t.Fatal("partial after a complete message")
			}
		}
	})
}

// TestFuzzSeedCorpus makes sure every fuzz target has seeds to start from.
func TestFuzzSeedCorpus(t *testing.T) {
	for _, target := range []string{"FuzzParseDO53", "FuzzReassembler"} {
		entries, err := os.ReadDir(filepath.Join("testdata", "fuzz", target))
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) < 3 {
			t.Errorf("%s has %d seeds", target, len(entries))
		}
	}
}

func TestDO53(t *testing.T) {
	tests := []struct {
		n      int
		header []byte
	}{
		{0, []byte{0x53, 0x00}},
		{1, []byte{0x53, 0x01}},
		{127, []byte{0x53, 0x7f}},
		{128, []byte{0x53, 0x81, 0x80}},
		{255, []byte{0x53, 0x81, 0xff}},
		{256, []byte{0x53, 0x82, 0x01, 0x00}},
		{65535, []byte{0x53, 0x82, 0xff, 0xff}},
		{65536, []byte{0x53, 0x83, 0x01, 0x00, 0x00}},
	}
	for _, tc := range tests {
		msg := pattern(tc.n, 9)
		enc, err := AppendDO53(nil, msg)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(enc[:len(tc.header)], tc.header) || len(enc) != len(tc.header)+tc.n {
			t.Errorf("%d bytes: header %x, want %x", tc.n, enc[:min(len(enc), 5)], tc.header)
		}
		got, err := ParseDO53(enc)
		if err != nil || !bytes.Equal(got, msg) || got == nil {
			t.Errorf("%d bytes: parse back %d bytes, %v", tc.n, len(got), err)
		}
	}
	if _, err := AppendDO53(nil, make([]byte, MaxDO53+1)); !errors.Is(err, ErrMessageTooLarge) {
		t.Errorf("oversized: %v", err)
	}
	bad := [][]byte{
		nil, {0x53}, {0x54, 0x00}, {0x53, 0x80}, {0x53, 0x84, 0, 0, 0, 0},
		{0x53, 0x81}, {0x53, 0x82, 0x00}, {0x53, 0x02, 1}, {0x53, 0x01, 1, 2},
		{0x53, 0x81, 0x02, 1}, {0x53, 0x83, 0x00, 0x00, 0x01},
	}
	for _, b := range bad {
		if _, err := ParseDO53(b); !errors.Is(err, ErrMalformedDO53) {
			t.Errorf("%x: %v", b, err)
		}
	}
}
