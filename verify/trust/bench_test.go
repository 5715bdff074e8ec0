package trust

import (
	"crypto/x509"
	"math/big"
	"testing"
	"time"

	"taimen/verify/trust/trusttest"
)

// BenchmarkVerifyDocumentSignerAnnexD is the whole issuer_chain +
// revocation verdict for the Annex D DS: one certificate parse, one AKI
// lookup, one ECDSA P-256 verification, the profile checks.
func BenchmarkVerifyDocumentSignerAnnexD(b *testing.B) {
	s := annexDStore(b)
	chain := [][]byte{readAnnexD(b, "annexd_ds_cert.der")}
	b.ReportAllocs()
	for b.Loop() {
		r := s.VerifyDocumentSigner(chain, annexDTime)
		if !r.OK() {
			b.Fatal(r.Checks)
		}
	}
}

// BenchmarkVerifyDocumentSignerAnnexDCold is the same without the
// signature memo: what the first document of a new DS costs.
func BenchmarkVerifyDocumentSignerAnnexDCold(b *testing.B) {
	s := annexDStore(b)
	s.memo = nil
	chain := [][]byte{readAnnexD(b, "annexd_ds_cert.der")}
	b.ReportAllocs()
	for b.Loop() {
		r := s.VerifyDocumentSigner(chain, annexDTime)
		if !r.OK() {
			b.Fatal(r.Checks)
		}
	}
}

func BenchmarkParseCertificate(b *testing.B) {
	der := readAnnexD(b, "annexd_ds_cert.der")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := x509.ParseCertificate(der); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkECDSAVerify is the one signature check of the chain: the Annex D
// DS signature with the IACA's P-256 key.
func BenchmarkECDSAVerify(b *testing.B) {
	ds := must(x509.ParseCertificate(readAnnexD(b, "annexd_ds_cert.der")))
	iaca := must(x509.ParseCertificate(readAnnexD(b, "annexd_iaca_root.der")))
	b.ReportAllocs()
	for b.Loop() {
		if err := iaca.CheckSignature(ds.SignatureAlgorithm, ds.RawTBSCertificate, ds.Signature); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkX509Verify is the general chain builder, for comparison.
func BenchmarkX509Verify(b *testing.B) {
	der := readAnnexD(b, "annexd_ds_cert.der")
	iaca := must(x509.ParseCertificate(readAnnexD(b, "annexd_iaca_root.der")))
	roots := x509.NewCertPool()
	roots.AddCert(iaca)
	b.ReportAllocs()
	for b.Loop() {
		ds, err := x509.ParseCertificate(der)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ds.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: annexDTime, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyDocumentSignerWithCRL adds the revocation lookup in a
// 1000-entry CRL (its signature check is memoized like the chain's).
func BenchmarkVerifyDocumentSignerWithCRL(b *testing.B) {
	iaca := must(trusttest.NewIACA("bench"))
	ds := must(iaca.IssueDS("bench"))
	serials := make([]*big.Int, 1000)
	for i := range serials {
		serials[i] = big.NewInt(int64(i + 1))
	}
	crl := must(x509.ParseRevocationList(must(iaca.IssueCRL(serials, testTime.Add(-time.Hour), testTime.Add(time.Hour)))))
	s := NewStore(anchorOf(iaca, IACA)).WithCRLs(NewCRLCache(crl), 0)
	chain := [][]byte{ds.DER}
	b.ReportAllocs()
	for b.Loop() {
		r := s.VerifyDocumentSigner(chain, testTime)
		if c, _ := r.Checks.Get(CheckRevocation); c.Code != RevOK {
			b.Fatal(r.Checks)
		}
	}
}
