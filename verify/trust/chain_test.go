package trust

import (
	"crypto/elliptic"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"slices"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"taimen/verify"
	"taimen/verify/trust/trusttest"
)

var testTime = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

// must keeps table setup short; a setup failure is a bug in the test PKI
// and fails the test through the panic.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func anchorOf(i *trusttest.Issued, p Purpose) Anchor { return NewAnchor(i.Cert, p, "test") }

// tamper flips a bit in the last byte of the certificate signature.
func tamper(der []byte) []byte {
	out := slices.Clone(der)
	out[len(out)-1] ^= 0x01
	return out
}

// wantChain asserts the issuer_chain code and that revocation is exactly
// what it should be when no CRLs are configured, i.e. not disturbed.
func wantChain(t *testing.T, r ChainResult, code string) {
	t.Helper()
	if len(r.Checks) != 2 {
		t.Fatalf("checks = %+v, want exactly issuer_chain and revocation", r.Checks)
	}
	c, ok := r.Checks.Get(CheckIssuerChain)
	if !ok {
		t.Fatalf("no issuer_chain check in %+v", r.Checks)
	}
	wantStatus := verify.StatusInvalid
	if code == CodeOK {
		wantStatus = verify.StatusValid
	}
	if c.Code != code || c.Status != wantStatus {
		t.Fatalf("issuer_chain = %s/%s (%s), want %s/%s", c.Status, c.Code, c.Detail, wantStatus, code)
	}
	rev, _ := r.Checks.Get(CheckRevocation)
	wantRev := RevNotConfigured
	if r.Anchor == nil {
		wantRev = RevChainNotVerified
	}
	if rev.Status != verify.StatusNotChecked || rev.Code != wantRev {
		t.Fatalf("revocation = %s/%s, want not_checked/%s", rev.Status, rev.Code, wantRev)
	}
}

func TestAnnexDDocumentSigner(t *testing.T) {
	ds := readAnnexD(t, "annexd_ds_cert.der")
	iaca := readAnnexD(t, "annexd_iaca_root.der")
	s := annexDStore(t)
	other := must(trusttest.NewIACA("other"))
	tests := []struct {
		name  string
		store *Store
		chain [][]byte
		at    time.Time
		code  string
	}{
		{"valid at 2021-04-01", s, [][]byte{ds}, annexDTime, CodeOK},
		{"valid with the IACA included", s, [][]byte{ds, iaca}, annexDTime, CodeOK},
		{"expired in 2026", s, [][]byte{ds}, annexDLate, CodeDSExpired},
		{"not yet valid on 2020-09-01", s, [][]byte{ds}, annexDEarly, CodeDSNotYetValid},
		{"wrong root", NewStore(anchorOf(other, IACA)), [][]byte{ds}, annexDTime, CodeNoTrustedAnchor},
		{"reader root is not an IACA", must(func() (*Store, error) {
			a, err := Load(ReaderCA, annexD(t, "annexd_reader_root.pem"))
			return NewStore(a...), err
		}()), [][]byte{ds}, annexDTime, CodeNoTrustedAnchor},
		{"tampered signature", s, [][]byte{tamper(ds)}, annexDTime, CodeChainSignatureInvalid},
		{"truncated DER", s, [][]byte{ds[:len(ds)-5]}, annexDTime, CodeChainMalformed},
		{"empty chain", s, nil, annexDTime, CodeChainMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.store.VerifyDocumentSigner(tc.chain, tc.at)
			wantChain(t, r, tc.code)
			if tc.code == CodeOK {
				// Annex D uses a dNSName CRL distribution point: tolerated, warned.
				if want := []string{"iaca_crl_dp_not_uri", "ds_crl_dp_not_uri"}; !slices.Equal(r.Warnings, want) {
					t.Errorf("warnings = %v, want %v", r.Warnings, want)
				}
				if r.Issuer.Country != "US" || r.Issuer.CommonName != "utopia iaca" || len(r.Issuer.IACAFingerprint) != 64 {
					t.Errorf("issuer = %+v", r.Issuer)
				}
				if r.Leaf == nil || r.Leaf.Subject.CommonName != "utopia ds" {
					t.Errorf("leaf = %v", r.Leaf)
				}
				if !r.AllowsDocType("org.iso.18013.5.1.mDL") {
					t.Error("a configured IACA must allow any docType")
				}
			}
		})
	}
}

func TestAnnexDReader(t *testing.T) {
	cert := readAnnexD(t, "annexd_reader_cert.der")
	s := annexDStore(t)
	iacaOnly := NewStore(must(Load(IACA, annexD(t, "annexd_iaca_root.der")))...)
	tests := []struct {
		name  string
		store *Store
		at    time.Time
		code  string
	}{
		{"valid at 2021-04-01", s, annexDTime, CodeOK},
		{"expired in 2026", s, annexDLate, CodeReaderExpired},
		{"IACA anchor only", iacaOnly, annexDTime, CodeNoTrustedAnchor},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantChain(t, tc.store.VerifyReader([][]byte{cert}, tc.at), tc.code)
		})
	}
	// Purposes do not mix: the reader cert is no document signer.
	wantChain(t, s.VerifyDocumentSigner([][]byte{cert}, annexDTime), CodeNoTrustedAnchor)
}

// Extensions used to break the common rules.
var (
	extFreshestCRL     = pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 46}, Value: []byte{0x30, 0x00}}
	extInhibitAny      = pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 54}, Value: []byte{0x02, 0x01, 0x00}}
	extUnknownCritical = pkix.Extension{Id: asn1.ObjectIdentifier{1, 2, 3, 4, 5}, Critical: true, Value: []byte{0x05, 0x00}}
	extUnknown         = pkix.Extension{Id: asn1.ObjectIdentifier{1, 2, 3, 4, 5}, Value: []byte{0x05, 0x00}}
	extIANDNS          = pkix.Extension{Id: oidExtIssuerAltName, Value: append([]byte{0x30, 0x0d, 0x82, 0x0b}, "example.com"...)}
)

// crlDPWithReasons is a CRL DP with a URI and a reasons field.
func crlDPWithReasons() pkix.Extension {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.Tag(6).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes([]byte("https://example.jp/a.crl")) })
				})
			})
			b.AddASN1(cbasn1.Tag(1).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes([]byte{0x07, 0x80}) })
		})
	})
	return pkix.Extension{Id: oidExtCRLDP, Value: b.BytesOrPanic()}
}

func TestDocumentSignerProfile(t *testing.T) {
	O := func(o ...trusttest.Option) []trusttest.Option { return o }
	tests := []struct {
		name     string
		iacaOpts []trusttest.Option
		dsOpts   []trusttest.Option
		// chain builds the x5chain; nil means [ds].
		chain func(t *testing.T, iaca, ds *trusttest.Issued) [][]byte
		code  string
		warns []string
	}{
		{name: "default profile", code: CodeOK},
		{name: "IACA included", chain: func(_ *testing.T, iaca, ds *trusttest.Issued) [][]byte { return trusttest.Chain(ds, iaca) }, code: CodeOK},
		{name: "P-384 DS", dsOpts: O(trusttest.WithCurve(elliptic.P384())), code: CodeOK},
		{name: "P-521 IACA and DS", iacaOpts: O(trusttest.WithCurve(elliptic.P521())), dsOpts: O(trusttest.WithCurve(elliptic.P521())), code: CodeOK},
		{name: "Ed25519 IACA and DS", iacaOpts: O(trusttest.WithEd25519()), dsOpts: O(trusttest.WithEd25519()), code: CodeOK},
		{name: "state on both", iacaOpts: O(trusttest.WithState("Tokyo")), code: CodeOK},
		{name: "unknown non-critical extension", dsOpts: O(trusttest.WithExtraExtension(extUnknown)), code: CodeOK},

		{name: "DS expired", dsOpts: O(trusttest.WithValidity(date(2020), date(2024))), code: CodeDSExpired},
		{name: "DS not yet valid", dsOpts: O(trusttest.WithValidity(date(2026), date(2030))), code: CodeDSNotYetValid},
		{name: "IACA expired", iacaOpts: O(trusttest.WithValidity(date(2015), date(2024))), code: CodeIACAExpired},
		{name: "IACA not yet valid", iacaOpts: O(trusttest.WithValidity(date(2026), date(2040))), code: CodeIACANotYetValid},

		{name: "DS RSA-1024", dsOpts: O(trusttest.WithRSA(1024)), code: CodeDSKeyUnsupported},
		{name: "IACA RSA-1024", iacaOpts: O(trusttest.WithRSA(1024)), code: CodeIACAKeyUnsupported},

		{name: "DS keyUsage keyEncipherment too", dsOpts: O(trusttest.WithKeyUsage(x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment)), code: CodeDSProfileKeyUsage},
		{name: "DS keyUsage missing", dsOpts: O(trusttest.WithKeyUsage(0)), code: CodeDSProfileKeyUsage},
		{name: "DS keyUsage without digitalSignature", dsOpts: O(trusttest.WithKeyUsage(x509.KeyUsageContentCommitment)), code: CodeDSProfileKeyUsage},
		{name: "DS EKU reader auth", dsOpts: O(trusttest.WithEKU(trusttest.OIDReaderAuth)), code: CodeDSProfileEKU},
		{name: "DS EKU missing", dsOpts: O(trusttest.WithoutEKU()), code: CodeDSProfileEKU},
		{name: "DS EKU extra OID", dsOpts: O(trusttest.WithEKU(trusttest.OIDDocumentSigner, asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 2})), code: CodeDSProfileEKU},
		{name: "DS EKU not critical", dsOpts: O(trusttest.WithEKUCritical(false)), code: CodeOK, warns: []string{"ds_eku_not_critical"}},
		{name: "DS keyUsage not critical", dsOpts: O(trusttest.WithExtraExtension(trusttest.KeyUsageExtension(x509.KeyUsageDigitalSignature, false))), code: CodeOK, warns: []string{"ds_key_usage_not_critical"}},
		{name: "DS without SKI", dsOpts: O(trusttest.WithoutSKI()), code: CodeDSProfileMissingSKI},
		{name: "DS without AKI", dsOpts: O(trusttest.WithoutAKI()), code: CodeDSProfileMissingAKI},
		{name: "DS AKI is not the IACA SKI", dsOpts: O(trusttest.WithAKI([]byte{1, 2, 3, 4})), code: CodeAKIMismatch},
		{name: "DS is a CA", dsOpts: O(trusttest.WithBasicConstraints(true, -1)), code: CodeDSProfileBasicConstraints},
		{name: "DS without CRL DP and IAN", dsOpts: O(trusttest.WithCRLDP(), trusttest.WithIAN("")), code: CodeOK, warns: []string{"ds_ian_missing", "ds_crl_dp_missing"}},
		{name: "DS dNSName CRL DP (Annex D style)", dsOpts: O(trusttest.WithCRLDP(), trusttest.WithExtraExtension(trusttest.DNSNameCRLDP("example.com"))), code: CodeOK, warns: []string{"ds_crl_dp_not_uri"}},
		{name: "DS IAN dNSName", dsOpts: O(trusttest.WithExtraExtension(extIANDNS)), code: CodeOK, warns: []string{"ds_ian_name_type"}},
		{name: "DS CRL DP with reasons", dsOpts: O(trusttest.WithExtraExtension(crlDPWithReasons())), code: CodeOK, warns: []string{"ds_crl_dp_reasons_or_crl_issuer"}},
		{name: "DS IAN rfc822Name", dsOpts: O(trusttest.WithIAN("iaca@example.jp")), code: CodeOK},

		{name: "IACA keyUsage without cRLSign", iacaOpts: O(trusttest.WithKeyUsage(x509.KeyUsageCertSign)), code: CodeIACAProfileKeyUsage},
		{name: "IACA keyUsage with digitalSignature", iacaOpts: O(trusttest.WithKeyUsage(x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature)), code: CodeIACAProfileKeyUsage},
		{name: "IACA keyUsage without keyCertSign", iacaOpts: O(trusttest.WithKeyUsage(x509.KeyUsageCRLSign)), code: CodeIACAProfileKeyUsage},
		{name: "IACA pathLen 1", iacaOpts: O(trusttest.WithBasicConstraints(true, 1)), code: CodeIACAProfileBasicConstraints},
		{name: "IACA without pathLen", iacaOpts: O(trusttest.WithBasicConstraints(true, -1)), code: CodeIACAProfileBasicConstraints},
		{name: "IACA not a CA", iacaOpts: O(trusttest.WithoutBasicConstraints()), code: CodeIACAProfileBasicConstraints},
		{name: "IACA without SKI", iacaOpts: O(trusttest.WithoutSKI()), code: CodeIACAProfileMissingSKI},
		{name: "IACA without CRL DP", iacaOpts: O(trusttest.WithCRLDP()), code: CodeOK, warns: []string{"iaca_crl_dp_missing"}},

		{name: "DS country differs", dsOpts: O(trusttest.WithCountry("US")), code: CodeCountryMismatch},
		{name: "DS without country", dsOpts: O(trusttest.WithCountry("")), code: CodeCountryMismatch},
		{name: "neither has a country", iacaOpts: O(trusttest.WithCountry("")), code: CodeCountryMismatch},
		{name: "DS state, IACA none", dsOpts: O(trusttest.WithState("Tokyo")), code: CodeStateMismatch},
		{name: "states differ", iacaOpts: O(trusttest.WithState("Tokyo")), dsOpts: O(trusttest.WithState("Osaka")), code: CodeStateMismatch},

		{name: "DS freshestCRL", dsOpts: O(trusttest.WithExtraExtension(extFreshestCRL)), code: CodeForbiddenExtension},
		{name: "IACA inhibitAnyPolicy", iacaOpts: O(trusttest.WithExtraExtension(extInhibitAny)), code: CodeForbiddenExtension},
		{name: "DS unknown critical extension", dsOpts: O(trusttest.WithExtraExtension(extUnknownCritical)), code: CodeUnknownCriticalExtension},
		{name: "IACA unknown critical extension", iacaOpts: O(trusttest.WithExtraExtension(extUnknownCritical)), code: CodeUnknownCriticalExtension},

		{name: "DS signed with ECDSA-SHA1", dsOpts: O(trusttest.WithSignatureAlgorithm(x509.ECDSAWithSHA1)), code: CodeSignatureAlgorithmUnsupported},
		{name: "tampered DS signature", chain: func(_ *testing.T, _, ds *trusttest.Issued) [][]byte { return [][]byte{tamper(ds.DER)} }, code: CodeChainSignatureInvalid},
		{name: "DS of another IACA with the same name", chain: func(t *testing.T, iaca, _ *trusttest.Issued) [][]byte {
			other := must(trusttest.NewIACA("other", trusttest.WithSubject(iaca.Cert.Subject)))
			return [][]byte{must(other.IssueDS("x")).DER}
		}, code: CodeNoTrustedAnchor},
		{name: "DS of an unknown IACA", chain: func(t *testing.T, _, _ *trusttest.Issued) [][]byte {
			other := must(trusttest.NewIACA("other"))
			return trusttest.Chain(must(other.IssueDS("x")), other)
		}, code: CodeNoTrustedAnchor},
		{name: "garbage second certificate", chain: func(_ *testing.T, _, ds *trusttest.Issued) [][]byte { return [][]byte{ds.DER, {0x30, 0x00}} }, code: CodeChainMalformed},
		{name: "chain too long", chain: func(_ *testing.T, _, ds *trusttest.Issued) [][]byte {
			c := make([][]byte, maxChainLen+1)
			for i := range c {
				c[i] = ds.DER
			}
			return c
		}, code: CodeChainMalformed},
		{name: "intermediate under a pathLen 0 IACA", chain: func(t *testing.T, iaca, _ *trusttest.Issued) [][]byte {
			mid := must(iaca.IssueDS("mid", trusttest.WithBasicConstraints(true, 0),
				trusttest.WithKeyUsage(x509.KeyUsageCertSign|x509.KeyUsageCRLSign), trusttest.WithoutEKU()))
			return trusttest.Chain(must(mid.IssueDS("leaf")), mid)
		}, code: CodePathLengthExceeded},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			iaca := must(trusttest.NewIACA("profile", tc.iacaOpts...))
			ds := must(iaca.IssueDS("profile", tc.dsOpts...))
			chain := [][]byte{ds.DER}
			if tc.chain != nil {
				chain = tc.chain(t, iaca, ds)
			}
			s := NewStore(anchorOf(iaca, IACA))
			r := s.VerifyDocumentSigner(chain, testTime)
			wantChain(t, r, tc.code)
			if tc.code == CodeOK && !slices.Equal(r.Warnings, tc.warns) {
				t.Errorf("warnings = %v, want %v", r.Warnings, tc.warns)
			}
		})
	}
}

func date(y int) time.Time { return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC) }

func TestReaderProfile(t *testing.T) {
	O := func(o ...trusttest.Option) []trusttest.Option { return o }
	tests := []struct {
		name       string
		rootOpts   []trusttest.Option
		readerOpts []trusttest.Option
		chain      func(t *testing.T, root, reader *trusttest.Issued) [][]byte
		code       string
	}{
		{name: "default profile", code: CodeOK},
		{name: "reader with clientAuth too", readerOpts: O(trusttest.WithEKU(trusttest.OIDReaderAuth, asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 2})), code: CodeOK},
		{name: "reader without country (Annex D style)", rootOpts: O(trusttest.WithCountry("")), readerOpts: O(trusttest.WithCountry("")), code: CodeOK},
		{name: "intermediate reader CA", rootOpts: O(trusttest.WithBasicConstraints(true, 1)), chain: func(t *testing.T, root, _ *trusttest.Issued) [][]byte {
			mid := must(root.IssueReader("mid", trusttest.WithBasicConstraints(true, 0),
				trusttest.WithKeyUsage(x509.KeyUsageCertSign|x509.KeyUsageCRLSign), trusttest.WithoutEKU()))
			return trusttest.Chain(must(mid.IssueReader("leaf")), mid)
		}, code: CodeOK},
		{name: "intermediate is not a CA", rootOpts: O(trusttest.WithBasicConstraints(true, 1)), chain: func(t *testing.T, root, _ *trusttest.Issued) [][]byte {
			mid := must(root.IssueReader("mid", trusttest.WithKeyUsage(x509.KeyUsageCertSign), trusttest.WithoutEKU()))
			return trusttest.Chain(must(mid.IssueReader("leaf")), mid)
		}, code: CodeIntermediateProfile},
		{name: "intermediate expired", rootOpts: O(trusttest.WithBasicConstraints(true, 1)), chain: func(t *testing.T, root, _ *trusttest.Issued) [][]byte {
			mid := must(root.IssueReader("mid", trusttest.WithBasicConstraints(true, 0), trusttest.WithValidity(date(2020), date(2024)),
				trusttest.WithKeyUsage(x509.KeyUsageCertSign|x509.KeyUsageCRLSign), trusttest.WithoutEKU()))
			return trusttest.Chain(must(mid.IssueReader("leaf")), mid)
		}, code: CodeIntermediateExpired},
		{name: "reader expired", readerOpts: O(trusttest.WithValidity(date(2020), date(2024))), code: CodeReaderExpired},
		{name: "reader not yet valid", readerOpts: O(trusttest.WithValidity(date(2026), date(2027))), code: CodeReaderNotYetValid},
		{name: "reader CA expired", rootOpts: O(trusttest.WithValidity(date(2015), date(2024))), code: CodeReaderCAExpired},
		{name: "reader CA not yet valid", rootOpts: O(trusttest.WithValidity(date(2026), date(2040))), code: CodeReaderCANotYetValid},
		{name: "reader EKU is the DS one", readerOpts: O(trusttest.WithEKU(trusttest.OIDDocumentSigner)), code: CodeReaderProfileEKU},
		{name: "reader without EKU", readerOpts: O(trusttest.WithoutEKU()), code: CodeReaderProfileEKU},
		{name: "reader keyUsage keyEncipherment", readerOpts: O(trusttest.WithKeyUsage(x509.KeyUsageKeyEncipherment)), code: CodeReaderProfileKeyUsage},
		{name: "reader is a CA", readerOpts: O(trusttest.WithBasicConstraints(true, -1)), code: CodeReaderProfileBasicConstraints},
		{name: "reader RSA-1024", readerOpts: O(trusttest.WithRSA(1024)), code: CodeReaderKeyUnsupported},
		{name: "reader CA RSA-1024", rootOpts: O(trusttest.WithRSA(1024)), code: CodeReaderCAKeyUnsupported},
		{name: "reader CA without keyCertSign", rootOpts: O(trusttest.WithKeyUsage(x509.KeyUsageDigitalSignature)), code: CodeReaderCAProfileKeyUsage},
		{name: "reader CA not a CA", rootOpts: O(trusttest.WithoutBasicConstraints()), code: CodeReaderCAProfileBasicConstraints},
		{name: "reader forbidden extension", readerOpts: O(trusttest.WithExtraExtension(extFreshestCRL)), code: CodeForbiddenExtension},
		{name: "reader unknown critical extension", readerOpts: O(trusttest.WithExtraExtension(extUnknownCritical)), code: CodeUnknownCriticalExtension},
		{name: "tampered reader signature", chain: func(_ *testing.T, _, r *trusttest.Issued) [][]byte { return [][]byte{tamper(r.DER)} }, code: CodeChainSignatureInvalid},
		{name: "DS under an IACA", chain: func(t *testing.T, _, _ *trusttest.Issued) [][]byte {
			iaca := must(trusttest.NewIACA("iaca"))
			return [][]byte{must(iaca.IssueDS("ds")).DER}
		}, code: CodeNoTrustedAnchor},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := must(trusttest.NewReaderRoot("reader", tc.rootOpts...))
			rd := must(root.IssueReader("reader", tc.readerOpts...))
			chain := [][]byte{rd.DER}
			if tc.chain != nil {
				chain = tc.chain(t, root, rd)
			}
			s := NewStore(anchorOf(root, ReaderCA))
			wantChain(t, s.VerifyReader(chain, testTime), tc.code)
		})
	}
}

// The exported codes are the ones the roles produce.
func TestRoleCodes(t *testing.T) {
	pairs := map[string]string{
		dsRole.leafCode("expired"):                       CodeDSExpired,
		dsRole.leafCode("not_yet_valid"):                 CodeDSNotYetValid,
		dsRole.caCode("expired"):                         CodeIACAExpired,
		dsRole.caCode("not_yet_valid"):                   CodeIACANotYetValid,
		dsRole.leafCode("key_unsupported"):               CodeDSKeyUnsupported,
		dsRole.caCode("key_unsupported"):                 CodeIACAKeyUnsupported,
		dsRole.leafCode("profile_key_usage"):             CodeDSProfileKeyUsage,
		dsRole.leafCode("profile_eku"):                   CodeDSProfileEKU,
		dsRole.leafCode("profile_missing_ski"):           CodeDSProfileMissingSKI,
		dsRole.leafCode("profile_missing_aki"):           CodeDSProfileMissingAKI,
		dsRole.leafCode("profile_basic_constraints"):     CodeDSProfileBasicConstraints,
		dsRole.caCode("profile_key_usage"):               CodeIACAProfileKeyUsage,
		dsRole.caCode("profile_basic_constraints"):       CodeIACAProfileBasicConstraints,
		dsRole.caCode("profile_missing_ski"):             CodeIACAProfileMissingSKI,
		readerRole.leafCode("expired"):                   CodeReaderExpired,
		readerRole.leafCode("not_yet_valid"):             CodeReaderNotYetValid,
		readerRole.caCode("expired"):                     CodeReaderCAExpired,
		readerRole.caCode("not_yet_valid"):               CodeReaderCANotYetValid,
		readerRole.leafCode("key_unsupported"):           CodeReaderKeyUnsupported,
		readerRole.caCode("key_unsupported"):             CodeReaderCAKeyUnsupported,
		readerRole.leafCode("profile_key_usage"):         CodeReaderProfileKeyUsage,
		readerRole.leafCode("profile_eku"):               CodeReaderProfileEKU,
		readerRole.leafCode("profile_basic_constraints"): CodeReaderProfileBasicConstraints,
		readerRole.caCode("profile_key_usage"):           CodeReaderCAProfileKeyUsage,
		readerRole.caCode("profile_basic_constraints"):   CodeReaderCAProfileBasicConstraints,
		"intermediate_expired":                           CodeIntermediateExpired,
		"intermediate_not_yet_valid":                     CodeIntermediateNotYetValid,
	}
	for got, want := range pairs {
		if got != want {
			t.Errorf("role code %q != constant %q", got, want)
		}
	}
}

// The signature memo must never turn a bad signature into a good one, and
// concurrent use must be safe (run with -race).
func TestSignatureMemo(t *testing.T) {
	iaca := must(trusttest.NewIACA("memo"))
	ds := must(iaca.IssueDS("memo"))
	s := NewStore(anchorOf(iaca, IACA))
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 20 {
				if r := s.VerifyDocumentSigner([][]byte{ds.DER}, testTime); !r.OK() {
					t.Error(r.Checks)
				}
				if r := s.VerifyDocumentSigner([][]byte{tamper(ds.DER)}, testTime); r.OK() {
					t.Error("tampered DS accepted after a memo hit")
				}
			}
		}()
	}
	for range 4 {
		<-done
	}
	if n := len(s.memo.m); n != 1 {
		t.Fatalf("memo holds %d entries, want 1 (only successes)", n)
	}
	// Overflow starts over instead of growing.
	s.memo.m = make(map[[64]byte]struct{}, sigMemoCap)
	for i := range sigMemoCap {
		s.memo.m[[64]byte{byte(i), byte(i >> 8), 1}] = struct{}{}
	}
	wantChain(t, s.VerifyDocumentSigner([][]byte{ds.DER}, testTime), CodeOK)
	if n := len(s.memo.m); n != 1 {
		t.Fatalf("memo holds %d entries after overflow, want 1", n)
	}
}

// A re-issued IACA with the same key and SKI: the one valid at the time wins.
func TestReissuedIACA(t *testing.T) {
	old := must(trusttest.NewIACA("reissued", trusttest.WithValidity(date(2015), date(2024))))
	cur := must(trusttest.NewIACA("reissued", trusttest.WithValidity(date(2024), date(2040))))
	ds := must(cur.IssueDS("reissued"))
	for _, order := range [][]*trusttest.Issued{{old, cur}, {cur, old}} {
		s := NewStore(anchorOf(order[0], IACA), anchorOf(order[1], IACA))
		r := s.VerifyDocumentSigner([][]byte{ds.DER}, testTime)
		wantChain(t, r, CodeOK)
		if r.Anchor.Fingerprint != anchorOf(cur, IACA).Fingerprint {
			t.Fatal("the expired IACA was chosen")
		}
	}
	// Only the old one: it verifies but has expired.
	wantChain(t, NewStore(anchorOf(old, IACA)).VerifyDocumentSigner([][]byte{ds.DER}, testTime), CodeIACAExpired)
}
