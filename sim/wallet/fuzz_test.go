package wallet

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fuzzWallets are built once: minting the PKI costs milliseconds, and the
// fuzzer resets them between inputs.
func fuzzWallets(t testing.TB) [3]*Wallet {
	var ws [3]*Wallet
	for i, h := range []Handover{Static, Negotiated, Apple} {
		w, err := New(Options{Handover: h, Now: func() time.Time { return testNow }, Rand: newSeeded("fuzz"), Sleep: func(time.Duration) {}})
		if err != nil {
			t.Fatal(err)
		}
		ws[i] = w
	}
	return ws
}

// runAPDUs feeds a fuzz input to a wallet: the first byte picks the
// handover mode, then APDUs follow, each with a 2-byte big-endian length.
// Every answer must carry a status word and fit a vpcd frame.
func runAPDUs(t testing.TB, ws [3]*Wallet, in []byte) [][]byte {
	if len(in) == 0 {
		return nil
	}
	w := ws[int(in[0])%3]
	w.Reset()
	var out [][]byte
	rest := in[1:]
	for len(rest) >= 2 {
		n := min(int(rest[0])<<8|int(rest[1]), len(rest)-2)
		apdu := rest[2 : 2+n]
		rest = rest[2+n:]
		r := w.APDU(apdu)
		if len(r) < 2 || len(r) > 0xFFFF {
			t.Fatalf("apdu %x: %d-byte response", apdu, len(r))
		}
		out = append(out, r)
	}
	return out
}

func FuzzAPDU(f *testing.F) {
	for _, s := range readSeeds(f) {
		f.Add(s)
	}
	ws := fuzzWallets(f)
	f.Fuzz(func(t *testing.T, in []byte) { runAPDUs(t, ws, in) })
}

// readSeeds reads testdata/fuzz/FuzzAPDU (the go fuzz corpus format).
func readSeeds(t testing.TB) map[string][]byte {
	t.Helper()
	dir := filepath.Join("testdata", "fuzz", "FuzzAPDU")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) != 2 || lines[0] != "go test fuzz v1" || !strings.HasPrefix(lines[1], "[]byte(") {
			t.Fatalf("%s: not a go fuzz corpus file", e.Name())
		}
		s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"))
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		out[e.Name()] = []byte(s)
	}
	return out
}

// TestFuzzSeeds checks the corpus is there and that its engagement seeds
// really reach deep states (so the fuzzer starts from them).
func TestFuzzSeeds(t *testing.T) {
	seeds := readSeeds(t)
	if len(seeds) < 8 {
		t.Fatalf("%d seeds, want at least 8", len(seeds))
	}
	ws := fuzzWallets(t)
	sw := func(r []byte) string { return hexs(r[len(r)-2:]) }
	tests := []struct {
		seed string
		last string // status word of the last answer
		nth  int    // index of an answer to check, from the end
		want string
		size int // data bytes of that answer, at least
	}{
		{"static-engagement", "6b00", 2, "9000", 100},     // the Hs read; then a read past the file
		{"negotiated-engagement", "9000", 2, "9000", 100}, // the Hs read; then SELECT of the mdoc AID
		{"apple-not-ready", "9000", 2, "9000", 100},       // the Hs after the NLEN = 0 replies
		{"chained-envelope", "6985", 3, "9000", 5},        // a SessionData status 11 for the chained garbage
		{"garbage", "6700", 1, "6700", 0},
	}
	for _, tt := range tests {
		out := runAPDUs(t, ws, seeds[tt.seed])
		if got := sw(out[len(out)-1]); got != tt.last {
			t.Errorf("%s: last status %s, want %s", tt.seed, got, tt.last)
		}
		r := out[len(out)-tt.nth]
		if got := sw(r); got != tt.want || len(r)-2 < tt.size {
			t.Errorf("%s: answer -%d status %s with %d bytes, want %s with at least %d", tt.seed, tt.nth, got, len(r)-2, tt.want, tt.size)
		}
	}
}
