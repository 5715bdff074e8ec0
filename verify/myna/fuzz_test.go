package myna_test

import (
	"bytes"
	"testing"

	"taimen/verify/myna"
)

// Each fuzz target decodes untrusted card bytes: it must never panic, and
// what it returns must be slices of the input, consistent with it.

func FuzzParseCVCert(f *testing.F) {
	for _, s := range readSeeds(f, "face_cert.bin", "text_cert.bin") {
		f.Add(s)
	}
	fx := newFixture(f)
	ca := &fx.pki.VisualCA.Key.PublicKey
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
	fx := newFixture(f)
	good := fx.card.Visual[0x0002]
	issuer, err := myna.ParseCVCert(fx.card.Visual[0x0004])
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
	fx := newFixture(f)
	issuer, err := myna.ParseCVCert(fx.card.Text[0x0004])
	if err != nil {
		f.Fatal(err)
	}
	good, err := myna.ParseTextIntegrity(fx.card.Text[0x0003])
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
	fx := newFixture(f)
	roots := fx.pki.Roots()
	f.Fuzz(func(t *testing.T, b []byte) {
		res := myna.VerifySigningCert([][]byte{b}, roots, nil, nil, at)
		if res.Valid || len(res.Checks) != 4 {
			t.Fatalf("%+v", res)
		}
	})
}
