package myna_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"testing"

	"taimen/verify"
	"taimen/verify/myna"
	"taimen/verify/myna/mynatest"
	"taimen/verify/trust"
)

func TestParseCAKeys(t *testing.T) {
	f := newFixture(t)
	trustPEM, err := f.pki.TrustPEM()
	if err != nil {
		t.Fatal(err)
	}
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&f.pki.VisualCA.Key.PublicKey)})
	// A CA given as a (self-issued) CV certificate: its subject key ID and key.
	caCV, err := mynatest.CVCert(f.pki.VisualCA, mynatest.VisualCAKeyID, &f.pki.VisualCA.Key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	caCVPEM := pem.EncodeToMemory(&pem.Block{Type: myna.PEMCVCert, Bytes: caCV})
	badID := strings.Replace(string(trustPEM), "Key-Id: ", "Key-Id: 00", 1)
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, err := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	ecKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: ecDER})

	tests := []struct {
		name    string
		data    []byte
		n       int
		withID  int
		wantErr error
	}{
		{"trust-out file", trustPEM, 2, 2, nil},
		{"pkcs1 without id", pkcs1, 1, 0, nil},
		{"cv certificate pem", caCVPEM, 1, 1, nil},
		{"raw cv certificate", caCV, 1, 1, nil},
		{"bad key id", []byte(badID), 0, 0, verify.ErrMalformed},
		{"ec key", ecKey, 0, 0, verify.ErrMalformed},
		{"only certificates", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.pki.SignRoot.Cert.Raw}), 0, 0, verify.ErrMalformed},
		{"garbage", []byte("hello"), 0, 0, verify.ErrTruncated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ks, err := myna.ParseCAKeys("x.pem", tc.data)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err %v", err)
				}
				return
			}
			if err != nil || len(ks) != tc.n {
				t.Fatalf("%d keys, %v", len(ks), err)
			}
			ids := 0
			for _, k := range ks {
				if k.ID != nil {
					ids++
				}
				if k.Source != "x.pem" {
					t.Errorf("source %q", k.Source)
				}
			}
			if ids != tc.withID {
				t.Errorf("%d with ID", ids)
			}
			// The parsed keys verify the simulated card.
			if tc.n > 0 {
				in := f.input(t)
				res, err := myna.VerifyCard(in, ks, at)
				if err != nil {
					t.Fatal(err)
				}
				if c, _ := res.Checks.Get(myna.CheckCardFaceCertificate); c.Status != verify.StatusValid {
					t.Errorf("%+v", c)
				}
			}
		})
	}
	// The same file gives the JPKI roots to verify/trust.
	roots, err := trust.ParseAnchors(trust.JLIS, "x.pem", trustPEM)
	if err != nil || len(roots) != 2 {
		t.Fatalf("%d roots, %v", len(roots), err)
	}
}

func TestKeyIDString(t *testing.T) {
	if s := mynatest.VisualCAKeyID.String(); s != "9000023/001:00000000" {
		t.Errorf("%q", s)
	}
}
