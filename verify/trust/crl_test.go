package trust

import (
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"taimen/verify"
	"taimen/verify/trust/trusttest"
)

func parseCRL(t *testing.T, der []byte) *x509.RevocationList {
	t.Helper()
	l, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestRevocation(t *testing.T) {
	iaca := must(trusttest.NewIACA("crl"))
	ds := must(iaca.IssueDS("crl"))
	other := must(trusttest.NewIACA("crl other"))
	// An impostor with the IACA's name (but its own key) signs a CRL that
	// claims to come from the IACA.
	impostor := must(trusttest.NewIACA("crl impostor", trusttest.WithSubject(iaca.Cert.Subject)))
	day := 24 * time.Hour
	fresh := func(ca *trusttest.Issued, serials ...*big.Int) *x509.RevocationList {
		return parseCRL(t, must(ca.IssueCRL(serials, testTime.Add(-day), testTime.Add(6*day))))
	}
	tamperedCRL := func() *x509.RevocationList {
		der := must(iaca.IssueCRL(nil, testTime.Add(-day), testTime.Add(6*day)))
		return parseCRL(t, tamper(der))
	}
	tests := []struct {
		name   string
		cache  *CRLCache
		maxAge time.Duration
		status verify.Status
		code   string
	}{
		{"not configured", nil, 0, verify.StatusNotChecked, RevNotConfigured},
		{"fresh, not revoked", NewCRLCache(fresh(iaca, big.NewInt(7))), 0, verify.StatusValid, RevOK},
		{"fresh, within max age", NewCRLCache(fresh(iaca)), 2 * day, verify.StatusValid, RevOK},
		{"revoked", NewCRLCache(fresh(iaca, big.NewInt(7), ds.Cert.SerialNumber)), 0, verify.StatusInvalid, RevRevoked},
		{"past nextUpdate", NewCRLCache(parseCRL(t, must(iaca.IssueCRL([]*big.Int{ds.Cert.SerialNumber}, testTime.Add(-10*day), testTime.Add(-day))))), 0, verify.StatusUndetermined, RevCRLStale},
		{"older than max age", NewCRLCache(fresh(iaca)), 12 * time.Hour, verify.StatusUndetermined, RevCRLStale},
		{"thisUpdate in the future", NewCRLCache(parseCRL(t, must(iaca.IssueCRL(nil, testTime.Add(day), testTime.Add(6*day))))), 0, verify.StatusUndetermined, RevCRLStale},
		{"missing (other issuer only)", NewCRLCache(fresh(other, ds.Cert.SerialNumber)), 0, verify.StatusUndetermined, RevCRLMissing},
		{"missing (empty cache)", NewCRLCache(), 0, verify.StatusUndetermined, RevCRLMissing},
		{"signed by an impostor", NewCRLCache(fresh(impostor, ds.Cert.SerialNumber)), 0, verify.StatusUndetermined, RevCRLSignatureInvalid},
		{"tampered signature", NewCRLCache(tamperedCRL()), 0, verify.StatusUndetermined, RevCRLSignatureInvalid},
		{"stale revoked list and fresh clean list: the fresh one counts", NewCRLCache(
			parseCRL(t, must(iaca.IssueCRL([]*big.Int{ds.Cert.SerialNumber}, testTime.Add(-10*day), testTime.Add(-9*day)))),
			fresh(iaca)), 0, verify.StatusValid, RevOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := NewStore(anchorOf(iaca, IACA)).WithCRLs(tc.cache, tc.maxAge)
			r := s.VerifyDocumentSigner([][]byte{ds.DER}, testTime)
			if c, _ := r.Checks.Get(CheckIssuerChain); c.Status != verify.StatusValid {
				t.Fatalf("issuer_chain = %+v, want valid: revocation must not disturb it", c)
			}
			c, ok := r.Checks.Get(CheckRevocation)
			if !ok || c.Status != tc.status || c.Code != tc.code {
				t.Fatalf("revocation = %+v, want %s/%s", c, tc.status, tc.code)
			}
			if len(r.Checks) != 2 {
				t.Fatalf("checks = %+v", r.Checks)
			}
		})
	}
}

func TestRevocationNotRunWithoutPath(t *testing.T) {
	iaca := must(trusttest.NewIACA("crl"))
	other := must(trusttest.NewIACA("crl other"))
	ds := must(other.IssueDS("x"))
	s := NewStore(anchorOf(iaca, IACA)).WithCRLs(NewCRLCache(), 0)
	r := s.VerifyDocumentSigner([][]byte{ds.DER}, testTime)
	if c, _ := r.Checks.Get(CheckRevocation); c.Status != verify.StatusNotChecked || c.Code != RevChainNotVerified {
		t.Fatalf("revocation = %+v", c)
	}
}

func TestLoadCRLs(t *testing.T) {
	iaca := must(trusttest.NewIACA("crl"))
	ds := must(iaca.IssueDS("crl"))
	der := must(iaca.IssueCRL([]*big.Int{ds.Cert.SerialNumber}, testTime.Add(-time.Hour), testTime.Add(time.Hour)))
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.crl"), der, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "b.pem"), pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ignored.txt"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := LoadCRLs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.Len() != 2 {
		t.Fatalf("loaded %d crls, want 2", c.Len())
	}
	r := NewStore(anchorOf(iaca, IACA)).WithCRLs(c, 0).VerifyDocumentSigner([][]byte{ds.DER}, testTime)
	if rc, _ := r.Checks.Get(CheckRevocation); rc.Code != RevRevoked {
		t.Fatalf("revocation = %+v, want revoked", rc)
	}
	bad := filepath.Join(dir, "bad.crl")
	if err := os.WriteFile(bad, []byte{0x30, 0x03, 0x02, 0x01}, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadCRLs(bad); err == nil || !errorsIs(err, verify.ErrMalformed) {
		t.Fatalf("LoadCRLs(bad) = %v, want ErrMalformed", err)
	}
	if _, err := LoadCRLs(filepath.Join(dir, "nope.crl")); err == nil {
		t.Fatal("LoadCRLs of a missing file must fail")
	}
}
