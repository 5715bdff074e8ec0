package myna_test

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"taimen/internal/testvec"
	"taimen/verify"
	"taimen/verify/myna"
	"taimen/verify/myna/mynatest"
	"taimen/verify/trust"
)

// sharedDir finds ../shared next to the repository root (the directory
// holding go.mod).
func sharedDir(t testing.TB) string {
	t.Helper()
	return filepath.Dir(testvec.Path(t))
}

// TestRealJPKIRoots parses the published J-LIS roots (both purposes, 2015
// and 2023 generations) and checks they are what the research says.
func TestRealJPKIRoots(t *testing.T) {
	dir := filepath.Join(sharedDir(t), "vectors", "jpki-roots")
	roots, err := trust.Load(trust.JLIS, dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		ou     string
		serial string
		until  time.Time
	}{
		"sign_ca_2015.pem": {"JPKI for digital signature", "1", time.Date(2025, 10, 19, 14, 59, 59, 0, time.UTC)},
		"sign_ca_2023.pem": {"JPKI for digital signature", "67c6a21", time.Date(2033, 7, 15, 14, 59, 59, 0, time.UTC)},
		"auth_ca_2015.pem": {"JPKI for user authentication", "1", time.Date(2025, 10, 19, 14, 59, 59, 0, time.UTC)},
		"auth_ca_2023.pem": {"JPKI for user authentication", "6d18006", time.Date(2033, 7, 15, 14, 59, 59, 0, time.UTC)},
	}
	if len(roots) != len(want) {
		t.Fatalf("%d roots", len(roots))
	}
	for _, a := range roots {
		w, ok := want[filepath.Base(a.Source)]
		if !ok {
			t.Errorf("unexpected %s", a.Source)
			continue
		}
		c := a.Cert
		if c.Subject.OrganizationalUnit[0] != w.ou || c.SerialNumber.Text(16) != w.serial || !c.NotAfter.Equal(w.until) ||
			!c.IsCA || c.PublicKeyAlgorithm != x509.RSA || c.SignatureAlgorithm != x509.SHA256WithRSA ||
			!bytes.Equal(c.RawSubject, c.RawIssuer) || c.CheckSignatureFrom(c) != nil {
			t.Errorf("%s: %v serial %s until %v", a.Source, c.Subject, c.SerialNumber.Text(16), c.NotAfter)
		}
	}
	// A test card's certificate does not chain to the real roots.
	f := newFixture(t)
	sig, _ := mynatest.SignNonce(f.card.SignKey, nonce)
	res := myna.VerifySigningCert([][]byte{f.card.JPKI[0x0001]}, roots, nonce, sig, at)
	if c, _ := res.Checks.Get(myna.CheckSigningChain); c.Code != myna.CodeNoTrustedRoot || res.Valid {
		t.Errorf("%+v", res.Checks)
	}
}

func TestSigningCert(t *testing.T) {
	f := newFixture(t)
	other, err := mynatest.NewPKI("other")
	if err != nil {
		t.Fatal(err)
	}
	// Same DN as the test roots, another key: a second "generation".
	gen2 := other.Roots()
	good := f.card.JPKI[0x0001]
	mint := func(o mynatest.SignCertOptions) []byte {
		t.Helper()
		der, err := f.card.SignCert(f.pki, o)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	attrs := func(edit func(map[string]string)) map[string]string {
		m := mynatest.HolderAttributes(mynatest.Taro)
		edit(m)
		return m
	}
	sigOf := func(n []byte) []byte {
		s, err := mynatest.SignNonce(f.card.SignKey, n)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	iaca := f.pki.Roots()
	for i := range iaca {
		iaca[i].Purpose = trust.IACA
	}
	jst := time.FixedZone("JST", 9*3600)

	tests := []struct {
		name     string
		chain    [][]byte
		roots    []trust.Anchor
		nonce    []byte
		sig      []byte
		at       time.Time
		want     map[string]want
		status   verify.Status
		warnings []string
	}{
		{name: "good", want: map[string]want{}},
		{name: "good with root in chain", chain: [][]byte{good, f.pki.SignRoot.Cert.Raw}, want: map[string]want{}},
		{name: "good with filler", chain: [][]byte{append(bytes.Clone(good), 0xFF, 0xFF, 0xFF)}, want: map[string]want{}},
		{name: "two generations configured", roots: append(gen2, f.pki.Roots()...), want: map[string]want{}},
		{name: "critical san", chain: [][]byte{mint(mynatest.SignCertOptions{CriticalSAN: true})}, want: map[string]want{}},
		{name: "substituted characters", chain: [][]byte{mint(mynatest.SignCertOptions{Attributes: attrs(func(m map[string]string) {
			m[myna.OIDJPKINameSubst.String()] = "00100"
		})})}, want: map[string]want{}, warnings: []string{myna.WarnSubstituteChars}},
		{name: "expired", at: mynatest.LeafTo.Add(time.Second),
			want: map[string]want{myna.CheckSigningChain: {verify.StatusInvalid, myna.CodeCertExpired},
				myna.CheckSigningAttributes: notReached, myna.CheckSigningChallenge: notReached}},
		{name: "not yet valid", at: mynatest.LeafFrom.Add(-time.Second),
			want: map[string]want{myna.CheckSigningChain: {verify.StatusInvalid, myna.CodeCertNotYetValid},
				myna.CheckSigningAttributes: notReached, myna.CheckSigningChallenge: notReached}},
		{name: "expired leaf inside a valid root", chain: [][]byte{mint(mynatest.SignCertOptions{
			NotBefore: time.Date(2021, 1, 1, 0, 0, 0, 0, jst), NotAfter: time.Date(2026, 1, 1, 0, 0, 0, 0, jst)})},
			want: map[string]want{myna.CheckSigningChain: {verify.StatusInvalid, myna.CodeCertExpired},
				myna.CheckSigningAttributes: notReached, myna.CheckSigningChallenge: notReached}},
		{name: "root expired", at: time.Date(2040, 1, 1, 0, 0, 1, 0, time.UTC), chain: [][]byte{mint(mynatest.SignCertOptions{
			NotAfter: time.Date(2041, 1, 1, 0, 0, 0, 0, time.UTC)})},
			want: map[string]want{myna.CheckSigningChain: {verify.StatusInvalid, myna.CodeRootExpired},
				myna.CheckSigningAttributes: notReached, myna.CheckSigningChallenge: notReached}},
		{name: "wrong root, same name", roots: gen2,
			want: map[string]want{myna.CheckSigningChain: {verify.StatusInvalid, myna.CodeChainSigInvalid},
				myna.CheckSigningAttributes: notReached, myna.CheckSigningChallenge: notReached}},
		{name: "root of another purpose", roots: iaca,
			want: map[string]want{myna.CheckSigningChain: {verify.StatusNotChecked, myna.CodeNoJPKIRoots},
				myna.CheckSigningAttributes: notReached, myna.CheckSigningChallenge: notReached},
			status: verify.StatusUndetermined},
		{name: "signed by the auth root", chain: [][]byte{mint(mynatest.SignCertOptions{Issuer: &f.pki.AuthRoot})},
			roots: []trust.Anchor{f.pki.Roots()[0]},
			want: map[string]want{myna.CheckSigningChain: {verify.StatusInvalid, myna.CodeNoTrustedRoot},
				myna.CheckSigningAttributes: notReached, myna.CheckSigningChallenge: notReached}},
		{name: "leaf signature", chain: [][]byte{func() []byte { b := bytes.Clone(good); b[len(b)-1] ^= 1; return b }()},
			want: map[string]want{myna.CheckSigningChain: {verify.StatusInvalid, myna.CodeChainSigInvalid},
				myna.CheckSigningAttributes: notReached, myna.CheckSigningChallenge: notReached}},
		{name: "malformed", chain: [][]byte{good[:200]},
			want: map[string]want{myna.CheckSigningChain: {verify.StatusInvalid, myna.CodeChainMalformed},
				myna.CheckSigningAttributes: notReached, myna.CheckSigningChallenge: notReached}},
		{name: "empty chain", chain: [][]byte{},
			want: map[string]want{myna.CheckSigningChain: {verify.StatusInvalid, myna.CodeChainMalformed},
				myna.CheckSigningAttributes: notReached, myna.CheckSigningChallenge: notReached}},
		{name: "no digitalSignature", chain: [][]byte{mint(mynatest.SignCertOptions{KeyUsage: x509.KeyUsageContentCommitment})},
			want: map[string]want{myna.CheckSigningChain: {verify.StatusInvalid, myna.CodeKeyUsage},
				myna.CheckSigningAttributes: notReached, myna.CheckSigningChallenge: notReached}},
		{name: "no sex", chain: [][]byte{mint(mynatest.SignCertOptions{Attributes: attrs(func(m map[string]string) {
			delete(m, myna.OIDJPKISex.String())
		})})}, want: map[string]want{myna.CheckSigningAttributes: {verify.StatusInvalid, myna.CodeSANMalformed}}},
		{name: "birth date without era", chain: [][]byte{mint(mynatest.SignCertOptions{Attributes: attrs(func(m map[string]string) {
			m[myna.OIDJPKIBirthDate.String()] = "19800217"
		})})}, want: map[string]want{myna.CheckSigningAttributes: {verify.StatusInvalid, myna.CodeSANMalformed}}},
		{name: "no san", chain: [][]byte{mint(mynatest.SignCertOptions{NoSAN: true})},
			want: map[string]want{myna.CheckSigningAttributes: {verify.StatusInvalid, myna.CodeSANMissing}}},
		{name: "no jpki attributes", chain: [][]byte{mint(mynatest.SignCertOptions{Attributes: map[string]string{}})},
			want: map[string]want{myna.CheckSigningAttributes: {verify.StatusInvalid, myna.CodeSANMalformed}}},
		{name: "bad nonce signature", sig: func() []byte { s := sigOf(nonce); s[5] ^= 1; return s }(),
			want: map[string]want{myna.CheckSigningChallenge: {verify.StatusInvalid, myna.CodeChallengeFailed}}},
		{name: "nonce signed by the face chip", sig: func() []byte { s, _ := mynatest.SignNonce(f.card.VisualKey, nonce); return s }(),
			want: map[string]want{myna.CheckSigningChallenge: {verify.StatusInvalid, myna.CodeChallengeFailed}}},
		{name: "other nonce", nonce: []byte("another nonce of 32 bytes ......"),
			want: map[string]want{myna.CheckSigningChallenge: {verify.StatusInvalid, myna.CodeChallengeFailed}}},
		{name: "short nonce", nonce: nonce[:4], sig: sigOf(nonce[:4]),
			want: map[string]want{myna.CheckSigningChallenge: {verify.StatusInvalid, myna.CodeNonceTooShort}}},
		{name: "no challenge", sig: []byte{},
			want:   map[string]want{myna.CheckSigningChallenge: {verify.StatusNotChecked, myna.CodeNoChallenge}},
			status: verify.StatusUndetermined},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			chain, roots, n, sig, when := tc.chain, tc.roots, tc.nonce, tc.sig, tc.at
			if chain == nil {
				chain = [][]byte{good}
			}
			if roots == nil {
				roots = f.pki.Roots()
			}
			if n == nil {
				n = nonce
			}
			if sig == nil {
				sig = sigOf(nonce)
			}
			if when.IsZero() {
				when = at
			}
			res := myna.VerifySigningCert(chain, roots, n, sig, when)
			w := map[string]want{myna.CheckRevocation: {verify.StatusNotChecked, myna.CodeRevocationNotChecked}}
			for k, v := range tc.want {
				w[k] = v
			}
			assertChecks(t, res.Checks, w)
			st := tc.status
			if st == "" {
				st = verify.StatusValid
				for _, x := range tc.want {
					if x.status == verify.StatusInvalid {
						st = verify.StatusInvalid
					}
				}
			}
			if res.Status != st || res.Valid != (st == verify.StatusValid) {
				t.Errorf("status %s, want %s", res.Status, st)
			}
			if strings.Join(res.Warnings, ",") != strings.Join(tc.warnings, ",") {
				t.Errorf("warnings %v, want %v", res.Warnings, tc.warnings)
			}
			if res.Valid {
				p := res.Person
				if p.Name != mynatest.Taro.Name || p.Address != mynatest.Taro.Address || p.BirthDate != "1980-02-17" || p.Sex != myna.SexMale || p.Photo != nil {
					t.Errorf("person %+v", p)
				}
				root := trust.NewAnchor(f.pki.SignRoot.Cert, trust.JLIS, "")
				if len(res.Keys) != 1 || res.Keys[0].Root != root.FingerprintHex() {
					t.Errorf("keys %+v", res.Keys)
				}
			} else if c, _ := res.Checks.Get(myna.CheckSigningAttributes); c.Status != verify.StatusValid && res.Person.Name != "" {
				t.Errorf("person shown from an unverified certificate: %+v", res.Person)
			}
			assertNoMyNumber(t, res, f.card.MyNumber)
		})
	}
}

// TestSANShape pins the otherName encoding mynatest mints against the
// research (§2.4): [0] { OID 1.2.392.200149.8.5.5.x, [0] EXPLICIT UTF8String }.
func TestSANShape(t *testing.T) {
	der, err := mynatest.SANOtherNames([]asn1.ObjectIdentifier{myna.OIDJPKISex}, map[string]string{myna.OIDJPKISex.String(): "1"})
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{0x30, 0x13, 0xA0, 0x11, 0x06, 0x0A, 0x2A, 0x83, 0x08, 0x8C, 0x9B, 0x55, 0x08, 0x05, 0x05, 0x03, 0xA0, 0x03, 0x0C, 0x01, '1'}
	if !bytes.Equal(der, want) {
		t.Errorf("% X", der)
	}
}
