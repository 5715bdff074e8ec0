package myna_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/ from mynatest")

// testdataFiles are the fuzz seeds: files of the default simulated card
// (mynatest seed "test", holder Taro) exactly as mynatest mints them. They
// hold no real person's data; the My Number files are not among them.
func testdataFiles(t testing.TB) map[string][]byte {
	t.Helper()
	f := newFixture(t)
	keys, err := f.pki.TrustPEM()
	if err != nil {
		t.Fatal(err)
	}
	return map[string][]byte{
		"face_cert.bin":      f.card.Visual[0x0004],
		"face.bin":           f.card.Visual[0x0002],
		"text_cert.bin":      f.card.Text[0x0004],
		"text.bin":           f.card.Text[0x0002],
		"text_integrity.bin": f.card.Text[0x0003],
		"text_cardkey.bin":   f.card.Text[0x0007],
		"sign_cert.der":      f.card.JPKI[0x0001],
		"trust.pem":          keys,
	}
}

// TestTestdata keeps testdata/ in step with mynatest (which is
// deterministic); run with -update after changing mynatest.
func TestTestdata(t *testing.T) {
	for name, want := range testdataFiles(t) {
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from what mynatest mints; run go test -run TestTestdata -update", path)
		}
	}
}

// readSeeds returns testdata files by name for fuzz seeds.
func readSeeds(f *testing.F, names ...string) [][]byte {
	f.Helper()
	var out [][]byte
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join("testdata", n))
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// TestSeedCorpus: every fuzz target has a non-empty seed corpus.
func TestSeedCorpus(t *testing.T) {
	for _, n := range []string{"face_cert.bin", "face.bin", "text_cert.bin", "text.bin", "text_integrity.bin", "text_cardkey.bin", "sign_cert.der", "trust.pem"} {
		b, err := os.ReadFile(filepath.Join("testdata", n))
		if err != nil || len(b) == 0 {
			t.Errorf("%s: %d bytes, %v", n, len(b), err)
		}
	}
}
