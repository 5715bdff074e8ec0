package entry

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/fxamacker/cbor/v2"
)

// The seeds are entries written by a real log (regenerate with
// go test ./app/audit -run TestWriteSeeds -update).
func seeds(t testing.TB) [][]byte {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join("testdata", "entry_*.cbor"))
	var out [][]byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func TestSeedCorpus(t *testing.T) {
	s := seeds(t)
	if len(s) == 0 {
		t.Fatal("no fuzz seeds in testdata/entry_*.cbor")
	}
	for i, b := range s {
		e, err := Decode(b)
		if err != nil {
			t.Fatalf("seed %d: %v", i, err)
		}
		if e.Seq != uint64(i+1) {
			t.Fatalf("seed %d: seq %d", i, e.Seq)
		}
		// The seeds are one chain: each commits to the hash of the one
		// before, and the first to 32 zero bytes.
		prev := make([]byte, HashSize)
		if i > 0 {
			prev = Hash(s[i-1])
		}
		if !bytes.Equal(e.Prev, prev) {
			t.Fatalf("seed %d does not follow seed %d", i+1, i)
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	good := seeds(t)[1]
	e, err := Decode(good)
	if err != nil {
		t.Fatal(err)
	}
	var asMap map[string]cbor.RawMessage
	if err := cbor.Unmarshal(good, &asMap); err != nil {
		t.Fatal(err)
	}
	withExtra := map[string]cbor.RawMessage{"zz": cbor.RawMessage{0x01}}
	for k, v := range asMap {
		withExtra[k] = v
	}
	edit := func(f func(e *Entry)) []byte {
		c := *e
		c.Prev = bytes.Clone(e.Prev)
		c.Retained = append([]Commitment(nil), e.Retained...)
		f(&c)
		b, err := Encode(&c)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// Indefinite-length outer map holding the same members.
	indef := []byte{0xbf}
	for _, k := range sortedKeys(asMap) {
		kb, _ := cbor.Marshal(k)
		indef = append(append(indef, kb...), asMap[k]...)
	}
	indef = append(indef, 0xff)
	cases := map[string][]byte{
		"empty":            nil,
		"not a map":        {0x01},
		"truncated":        good[:len(good)-1],
		"trailing byte":    append(bytes.Clone(good), 0x00),
		"unknown member":   mustCanonical(t, withExtra),
		"indefinite map":   indef,
		"version 2":        edit(func(e *Entry) { e.Version = 2 }),
		"short prev":       edit(func(e *Entry) { e.Prev = e.Prev[:31] }),
		"commitment short": edit(func(e *Entry) { e.Retained[0].Commitment = e.Retained[0].Commitment[:8] }),
		"commitment doc":   edit(func(e *Entry) { e.Retained[0].Doc = 5 }),
		"duplicate key":    {0xa2, 0x61, 0x76, 0x01, 0x61, 0x76, 0x01},
		"non-minimal int":  bytes.Replace(good, []byte{0x61, 0x76, 0x01}, []byte{0x61, 0x76, 0x18, 0x01}, 1),
	}
	for name, b := range cases {
		if _, err := Decode(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func sortedKeys(m map[string]cbor.RawMessage) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	for i := range ks {
		for j := i + 1; j < len(ks); j++ {
			if ks[j] < ks[i] {
				ks[i], ks[j] = ks[j], ks[i]
			}
		}
	}
	return ks
}

func mustCanonical(t *testing.T, v any) []byte {
	t.Helper()
	b, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		t.Fatal(err)
	}
	out, err := b.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// FuzzDecode: decoding stored bytes never panics, and whatever it
// accepts re-encodes to exactly the same bytes (one encoding per entry).
func FuzzDecode(f *testing.F) {
	for _, b := range seeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := Decode(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not unwrap to ErrMalformed", err)
			}
			return
		}
		re, err := Encode(e)
		if err != nil || !bytes.Equal(re, b) {
			t.Fatalf("accepted bytes re-encode differently: %v", err)
		}
	})
}
