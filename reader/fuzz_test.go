package reader

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// The seed corpora live in testdata/fuzz/<target>/ (go test runs them as
// ordinary tests); this guards against an empty corpus silently seeding
// nothing.
func TestFuzzSeedCorpora(t *testing.T) {
	for _, target := range []string{"FuzzParseResponse", "FuzzParseCommand", "FuzzTransceiver"} {
		entries, err := os.ReadDir(filepath.Join("testdata", "fuzz", target))
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) == 0 {
			t.Errorf("%s: empty seed corpus", target)
		}
	}
}

func FuzzParseResponse(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseResponse(b)
		if err != nil {
			if len(b) >= 2 {
				t.Fatalf("rejected %d bytes: %v", len(b), err)
			}
			return
		}
		if !bytes.Equal(r.Encode(), b) {
			t.Fatalf("Encode(ParseResponse(%x)) = %x", b, r.Encode())
		}
		_ = r.Err() // must not panic for any status word
	})
}

func FuzzParseCommand(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCommand(b)
		if err != nil {
			return
		}
		// The bytes came in one form; encoding in that form must give them back.
		extended := len(b) > 5 && b[4] == 0
		var again []byte
		if extended {
			again, err = c.EncodeExtended()
		} else {
			again, err = c.EncodeShort()
		}
		if err != nil {
			t.Fatalf("parsed %x to %+v, which does not encode: %v", b, c, err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("parsed %x, encoded back %x", b, again)
		}
	})
}

// FuzzTransceiver plays a card whose answers come from the fuzzer: the input
// is a list of responses, each prefixed by its length byte. Whatever the card
// says, Transmit must end without panicking and within a bounded number of
// APDUs.
func FuzzTransceiver(f *testing.F) {
	f.Fuzz(func(t *testing.T, mode byte, script []byte) {
		n := 0
		raw := func(apdu []byte) ([]byte, error) {
			n++
			if _, err := ParseCommand(apdu); err != nil {
				t.Fatalf("sent malformed apdu %x: %v", apdu, err)
			}
			if len(script) == 0 {
				return []byte{0x90, 0x00}, nil
			}
			l := int(script[0])
			script = script[1:]
			l = min(l, len(script))
			r := script[:l]
			script = script[l:]
			return r, nil
		}
		opts := Options{Length: LengthMode(mode % 3), MaxResponse: 4096, MaxCommandData: 300}
		tr := NewTransceiver(raw, opts)
		cmd := Command{CLA: 0x80, INS: 0xE2, Data: make([]byte, 700), Ne: 300}
		resp, err := tr.Transmit(context.Background(), cmd)
		if err == nil && (resp.SW1() == 0x61 || len(resp.Data) > 4096+255) {
			t.Fatalf("transmit returned %04x with %d bytes", resp.SW, len(resp.Data))
		}
		if n > 4096/256+16+8 {
			t.Fatalf("%d apdus for one command", n)
		}
	})
}
