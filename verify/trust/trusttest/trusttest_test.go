package trusttest

import (
	"bytes"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/asn1"
	"math/big"
	"testing"
	"time"
)

func TestKeysAreDeterministic(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
	}{
		{"P-256", nil},
		{"P-384", []Option{WithCurve(elliptic.P384())}},
		{"P-521", []Option{WithCurve(elliptic.P521())}},
		{"Ed25519", []Option{WithEd25519()}},
		{"RSA-1024", []Option{WithRSA(1024)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := NewIACA("seed", tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			b, err := NewIACA("seed", tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			c, err := NewIACA("other seed", tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			pa, _ := x509.MarshalPKIXPublicKey(a.Cert.PublicKey)
			pb, _ := x509.MarshalPKIXPublicKey(b.Cert.PublicKey)
			pc, _ := x509.MarshalPKIXPublicKey(c.Cert.PublicKey)
			if !bytes.Equal(pa, pb) || bytes.Equal(pa, pc) {
				t.Fatal("same seed must give the same key, another seed another key")
			}
			if a.Cert.SerialNumber.Cmp(b.Cert.SerialNumber) != 0 {
				t.Fatal("serial must be deterministic")
			}
		})
	}
}

func extension(c *x509.Certificate, oid asn1.ObjectIdentifier) (critical, ok bool) {
	for _, e := range c.Extensions {
		if e.Id.Equal(oid) {
			return e.Critical, true
		}
	}
	return false, false
}

func TestDefaultProfiles(t *testing.T) {
	iaca, err := NewIACA("profile", WithState("Tokyo"))
	if err != nil {
		t.Fatal(err)
	}
	ds, err := iaca.IssueDS("profile")
	if err != nil {
		t.Fatal(err)
	}
	if iaca.Cert.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageCRLSign || !iaca.Cert.IsCA || !iaca.Cert.MaxPathLenZero ||
		len(iaca.Cert.SubjectKeyId) == 0 || len(iaca.Cert.CRLDistributionPoints) != 1 || iaca.Cert.Subject.Country[0] != "JP" {
		t.Fatalf("IACA profile: %+v", iaca.Cert)
	}
	if crit, ok := extension(iaca.Cert, oidBC); !ok || !crit {
		t.Fatal("IACA basicConstraints must be critical")
	}
	if _, ok := extension(iaca.Cert, oidIAN); !ok {
		t.Fatal("IACA lacks issuerAltName")
	}
	if ds.Cert.KeyUsage != x509.KeyUsageDigitalSignature || ds.Cert.IsCA || !bytes.Equal(ds.Cert.AuthorityKeyId, iaca.Cert.SubjectKeyId) ||
		len(ds.Cert.SubjectKeyId) == 0 || ds.Cert.Subject.Country[0] != "JP" || ds.Cert.Subject.Province[0] != "Tokyo" {
		t.Fatalf("DS profile: %+v", ds.Cert)
	}
	if crit, ok := extension(ds.Cert, oidEKU); !ok || !crit || len(ds.Cert.UnknownExtKeyUsage) != 1 || !ds.Cert.UnknownExtKeyUsage[0].Equal(OIDDocumentSigner) {
		t.Fatal("DS EKU must be exactly 1.0.18013.5.1.2, critical")
	}
	if err := ds.Cert.CheckSignatureFrom(iaca.Cert); err != nil {
		t.Fatal(err)
	}
	// Options break one rule each.
	noSKI, err := NewIACA("profile", WithoutSKI())
	if err != nil {
		t.Fatal(err)
	}
	if len(noSKI.Cert.SubjectKeyId) != 0 || !noSKI.Cert.IsCA {
		t.Fatal("WithoutSKI must drop only the SKI of a CA")
	}
	aki, err := iaca.IssueDS("x", WithAKI([]byte{9, 9}))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(aki.Cert.AuthorityKeyId, []byte{9, 9}) {
		t.Fatalf("AKI = %x", aki.Cert.AuthorityKeyId)
	}
	rd, err := NewReaderRoot("r")
	if err != nil {
		t.Fatal(err)
	}
	reader, err := rd.IssueReader("r")
	if err != nil {
		t.Fatal(err)
	}
	if !reader.Cert.UnknownExtKeyUsage[0].Equal(OIDReaderAuth) {
		t.Fatal("reader EKU")
	}
}

func TestCRLAndVICAL(t *testing.T) {
	iaca, err := NewIACA("crl")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	der, err := iaca.IssueCRL([]*big.Int{big.NewInt(42)}, now, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	l, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.CheckSignatureFrom(iaca.Cert); err != nil || len(l.RevokedCertificateEntries) != 1 {
		t.Fatalf("crl: %v, %d entries", err, len(l.RevokedCertificateEntries))
	}
	signer, err := iaca.IssueVICALSigner("v")
	if err != nil {
		t.Fatal(err)
	}
	v, err := MintVICAL(signer, nil, "p", now, []*Issued{iaca}, nil)
	if err != nil || len(v) < 100 || v[0] != 0xd2 {
		t.Fatalf("vical: %v (%d bytes)", err, len(v))
	}
	if _, err := NewIACA("x", WithRSA(7)); err == nil {
		t.Fatal("odd RSA size must be refused")
	}
}
