package myna_test

import (
	"bytes"
	"testing"

	"taimen/verify/myna"
	"taimen/verify/trust"
)

// Fuzz targets take keys from testdata, never from mynatest: deriving RSA
// keys under coverage instrumentation takes most of a short fuzz run.

// seedKeys are the test CA keys of testdata/trust.pem (visual CA first).
func seedKeys(f *testing.F) []myna.CAKey {
	f.Helper()
	ks, err := myna.ParseCAKeys("trust.pem", readSeeds(f, "trust.pem")[0])
	if err != nil || len(ks) != 2 {
		f.Fatal(len(ks), err)
	}
	return ks
}

// Each fuzz target decodes untrusted card bytes: it must never panic, and
// what it returns must be slices of the input, consistent with it.

func FuzzParseCVCert(f *testing.F) {
	for _, s := range readSeeds(f, "face_cert.bin", "text_cert.bin") {
		f.Add(s)
	}
	ca := seedKeys(f)[0].Key
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := myna.ParseCVCert(b)
		if err != nil {
			return
		}
		if !bytes.HasPrefix(b, c.Raw) || !bytes.Contains(c.Raw, c.Body) || !bytes.Contains(c.Raw, c.Signature) {
			t.Fatal("parsed fields are not slices of the input")
		}
		if c.PublicKey.N.BitLen() < 2048 {
			t.Fatal("short key accepted")
		}
		_ = c.CheckSignatureFrom(ca)
	})
}

func FuzzParseCardFace(f *testing.F) {
	for _, s := range readSeeds(f, "face.bin") {
		f.Add(s)
	}
	seeds := readSeeds(f, "face.bin", "face_cert.bin")
	good := seeds[0]
	issuer, err := myna.ParseCVCert(seeds[1])
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := myna.ParseCardFace(b)
		if err != nil {
			return
		}
		if !bytes.HasPrefix(b, c.Raw) {
			t.Fatal("raw is not the input's prefix")
		}
		for _, s := range c.Segments {
			if len(s) == 0 || !bytes.Contains(c.Raw, s) {
				t.Fatal("segment not in the record")
			}
		}
		// Only the genuine signed bytes verify (filler and the unsigned
		// DF29/DF2A aside).
		if c.CheckSignatureFrom(issuer.PublicKey) == nil {
			g, _ := myna.ParseCardFace(good)
			for i := range c.Segments {
				if !bytes.Equal(c.Segments[i], g.Segments[i]) {
					t.Fatal("a changed card face verifies")
				}
			}
		}
	})
}

func FuzzParseTextRecord(f *testing.F) {
	for _, s := range readSeeds(f, "text.bin") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := myna.ParseTextRecord(b)
		if err != nil {
			return
		}
		if !bytes.HasPrefix(b, r.Raw) || !bytes.HasSuffix(r.Raw, r.Digested) {
			t.Fatal("raw/digested are not slices of the input")
		}
		if r.Name == "" || r.Address == "" || r.BirthDate.IsZero() || r.Sex == "" {
			t.Fatal("empty attribute accepted")
		}
	})
}

func FuzzParseTextIntegrity(f *testing.F) {
	for _, s := range readSeeds(f, "text_integrity.bin") {
		f.Add(s)
	}
	seeds := readSeeds(f, "text_integrity.bin", "text_cert.bin")
	issuer, err := myna.ParseCVCert(seeds[1])
	if err != nil {
		f.Fatal(err)
	}
	good, err := myna.ParseTextIntegrity(seeds[0])
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ti, err := myna.ParseTextIntegrity(b)
		if err != nil {
			return
		}
		if ti.CheckSignatureFrom(issuer.PublicKey) == nil && ti.TextDigest != good.TextDigest {
			t.Fatal("a changed integrity record verifies")
		}
	})
}

func FuzzParseTextCardKey(f *testing.F) {
	seeds := readSeeds(f, "text_cardkey.bin", "text_cert.bin")
	f.Add(seeds[0])
	issuer, err := myna.ParseCVCert(seeds[1])
	if err != nil {
		f.Fatal(err)
	}
	good, err := myna.ParseTextCardKey(seeds[0])
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := myna.ParseTextCardKey(b)
		if err != nil {
			return
		}
		if k.CheckSignatureFrom(issuer.PublicKey) == nil && k.PublicKey.N.Cmp(good.PublicKey.N) != 0 {
			t.Fatal("a changed card key verifies")
		}
	})
}

func FuzzParseCAKeys(f *testing.F) {
	for _, s := range readSeeds(f, "trust.pem", "face_cert.bin") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ks, err := myna.ParseCAKeys("fuzz", b)
		if err != nil {
			return
		}
		if len(ks) == 0 {
			t.Fatal("no keys and no error")
		}
		for _, k := range ks {
			if k.Key == nil || k.Key.N.BitLen() < 2048 {
				t.Fatal("bad key accepted")
			}
		}
	})
}

func FuzzVerifySigningCert(f *testing.F) {
	for _, s := range readSeeds(f, "sign_cert.der") {
		f.Add(s)
	}
	roots, err := trust.ParseAnchors(trust.JLIS, "trust.pem", readSeeds(f, "trust.pem")[0])
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		res := myna.VerifySigningCert([][]byte{b}, roots, nil, nil, at)
		if res.Valid || len(res.Checks) != 4 {
			t.Fatalf("%+v", res)
		}
	})
}
