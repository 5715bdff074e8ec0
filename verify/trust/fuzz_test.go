package trust

import (
	"errors"
	"os"
	"testing"

	"taimen/verify"
)

func addSeeds(f *testing.F, dir string) [][]byte {
	var out [][]byte
	for _, name := range seedFiles(f, dir) {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func fuzzStore(f *testing.F) *Store {
	roots := must(Load(VICALSigner, seedAnchorsDir+"/vical_root.pem"))
	iacas := must(Load(IACA, seedAnchorsDir+"/iaca.der", annexD(f, "annexd_iaca_root.der")))
	return NewStore(append(roots, iacas...)...)
}

func FuzzParseVICAL(f *testing.F) {
	for _, b := range addSeeds(f, seedVICALDir) {
		f.Add(b)
	}
	s := fuzzStore(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := ParseVICAL(data, s, testTime)
		if err != nil {
			var ve *VICALError
			if !errors.As(err, &ve) || ve.Code == "" {
				t.Fatalf("error %v is not a coded VICALError", err)
			}
			return
		}
		for _, a := range v.Anchors {
			if a.Cert == nil || a.Purpose != IACA || len(a.DocTypes) == 0 {
				t.Fatalf("bad anchor %+v", a)
			}
		}
	})
}

func FuzzParseAnchors(f *testing.F) {
	for _, b := range addSeeds(f, seedAnchorsDir) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		as, err := ParseAnchors(IACA, "fuzz", data)
		if err != nil {
			if !errors.Is(err, verify.ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		if len(as) == 0 {
			t.Fatal("no anchors and no error")
		}
		s := NewStore(as...) // profiling anchors must not panic either
		if len(s.Anchors(IACA)) == 0 {
			t.Fatal("store dropped every anchor")
		}
	})
}

func FuzzVerifyDocumentSigner(f *testing.F) {
	seeds := addSeeds(f, seedChainsDir)
	iaca := must(os.ReadFile(seedAnchorsDir + "/iaca.der"))
	for _, b := range seeds {
		f.Add(b, []byte(nil))
		f.Add(b, iaca)
	}
	f.Add(readAnnexD(f, "annexd_ds_cert.der"), readAnnexD(f, "annexd_iaca_root.der"))
	s := fuzzStore(f)
	f.Fuzz(func(t *testing.T, leaf, second []byte) {
		chain := [][]byte{leaf}
		if len(second) > 0 {
			chain = append(chain, second)
		}
		r := s.VerifyDocumentSigner(chain, testTime)
		if len(r.Checks) != 2 {
			t.Fatalf("checks = %+v", r.Checks)
		}
		c, ok := r.Checks.Get(CheckIssuerChain)
		if !ok || c.Code == "" {
			t.Fatalf("issuer_chain = %+v", c)
		}
		if c.Status == verify.StatusValid && (r.Leaf == nil || r.Anchor == nil) {
			t.Fatal("valid chain without leaf or anchor")
		}
		if c.Status != verify.StatusValid && c.Status != verify.StatusInvalid {
			t.Fatalf("issuer_chain status %q", c.Status)
		}
	})
}
