package myna_test

import (
	"testing"

	"taimen/verify/myna"
	"taimen/verify/myna/mynatest"
)

// BenchmarkVerifyCard: one full 照合番号B verdict (two CV certificates,
// two record signatures, the chip challenge: five RSA-2048 verifications).
func BenchmarkVerifyCard(b *testing.B) {
	f := newFixture(b)
	in := f.input(b)
	keys := f.pki.CAKeys()
	b.ReportAllocs()
	for b.Loop() {
		res, err := myna.VerifyCard(in, keys, at)
		if err != nil || !res.Valid {
			b.Fatal(err, res)
		}
	}
}

// BenchmarkVerifySigningCert: chain to the JPKI root, SAN attributes and
// the nonce signature.
func BenchmarkVerifySigningCert(b *testing.B) {
	f := newFixture(b)
	sig, err := mynatest.SignNonce(f.card.SignKey, nonce)
	if err != nil {
		b.Fatal(err)
	}
	chain, roots := [][]byte{f.card.JPKI[0x0001]}, f.pki.Roots()
	b.ReportAllocs()
	for b.Loop() {
		if res := myna.VerifySigningCert(chain, roots, nonce, sig, at); !res.Valid {
			b.Fatal(res)
		}
	}
}

// BenchmarkParseCardFace: parsing alone, the largest record (photo).
func BenchmarkParseCardFace(b *testing.B) {
	f := newFixture(b)
	raw := f.card.Visual[0x0002]
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := myna.ParseCardFace(raw); err != nil {
			b.Fatal(err)
		}
	}
}
