package mdoc

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"

	"taimen/verify"
	"taimen/verify/trust"
)

var (
	sessAt2021 = time.Date(2021, 4, 1, 0, 0, 0, 0, time.UTC)
	sessAt2026 = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
)

func sessReaderStore(t testing.TB, roots ...*x509.Certificate) *trust.Store {
	t.Helper()
	var as []trust.Anchor
	for _, r := range roots {
		as = append(as, trust.NewAnchor(r, trust.ReaderCA, "test"))
	}
	return trust.NewStore(as...)
}

// sessWantChecks compares checks with want (ID → "status/code", or "*" for
// any outcome of a check that belongs to the trust package); every check
// must be listed and every listed check present.
func sessWantChecks(t testing.TB, got verify.Checks, want map[string]string) {
	t.Helper()
	seen := map[string]bool{}
	for _, c := range got {
		w, ok := want[c.ID]
		if !ok {
			t.Errorf("unexpected check %s %s/%s (%s)", c.ID, c.Status, c.Code, c.Detail)
			continue
		}
		seen[c.ID] = true
		if g := string(c.Status) + "/" + c.Code; w != "*" && g != w {
			t.Errorf("check %s = %s, want %s (%s)", c.ID, g, w, c.Detail)
		}
	}
	for id := range want {
		if !seen[id] {
			t.Errorf("check %s missing", id)
		}
	}
}

func sessAnnexDRequest(t testing.TB) (*DocRequest, SessionTranscript) {
	t.Helper()
	req, err := ParseDeviceRequest(sessVec(t, "annexd_device_request.cbor"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := ParseSessionTranscript(sessVec(t, "annexd_session_transcript_bytes.cbor"))
	if err != nil {
		t.Fatal(err)
	}
	return &req.DocRequests[0], st
}

func sessParseCert(t testing.TB, name string) *x509.Certificate {
	t.Helper()
	c, err := x509.ParseCertificate(sessVec(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestVerifyReaderAuthAnnexD(t *testing.T) {
	dr, st := sessAnnexDRequest(t)
	root := sessParseCert(t, "annexd_reader_root.der")
	store := sessReaderStore(t, root)

	ra, _, err := parseReaderAuth(dr.ReaderAuth)
	if err != nil {
		t.Fatal(err)
	}
	if ra.alg != cose.AlgorithmES256 || len(ra.chain) != 1 || !bytes.Equal(ra.chain[0], sessVec(t, "annexd_reader_cert.der")) {
		t.Fatalf("readerAuth alg %v chain of %d", ra.alg, len(ra.chain))
	}
	if got := sha256.Sum256(ReaderAuthenticationBytes(st, dr.ItemsRequestBytes)); got != sha256.Sum256(sessVec(t, "annexd_reader_authentication_bytes.cbor")) {
		t.Fatal("ReaderAuthenticationBytes differ")
	}

	checks := VerifyReaderAuth(dr, st, store, sessAt2021)
	sessWantChecks(t, checks, map[string]string{
		CheckReaderAuth:       "valid/ok",
		CheckReaderChain:      "valid/ok",
		CheckReaderRevocation: "not_checked/not_configured",
	})
	if o := checks.Overall(CheckReaderAuth, CheckReaderChain); o != verify.StatusValid {
		t.Errorf("overall %s", o)
	}

	// Today the reader certificate has expired (2023-12-31): an expiry,
	// not a signature failure.
	sessWantChecks(t, VerifyReaderAuth(dr, st, store, sessAt2026), map[string]string{
		CheckReaderAuth:       "valid/ok",
		CheckReaderChain:      "invalid/reader_expired",
		CheckReaderRevocation: "*",
	})

	// A store without the reader root: signature fine, chain untrusted.
	other := sessMintReaderPKI(t, elliptic.P256())
	sessWantChecks(t, VerifyReaderAuth(dr, st, sessReaderStore(t, other.root), sessAt2021), map[string]string{
		CheckReaderAuth:       "valid/ok",
		CheckReaderChain:      "invalid/no_trusted_anchor",
		CheckReaderRevocation: "*",
	})
	// The reader root as an IACA does not vouch for readers.
	iacaStore := trust.NewStore(trust.NewAnchor(root, trust.IACA, "wrong purpose"))
	sessWantChecks(t, VerifyReaderAuth(dr, st, iacaStore, sessAt2021), map[string]string{
		CheckReaderAuth:       "valid/ok",
		CheckReaderChain:      "invalid/no_trusted_anchor",
		CheckReaderRevocation: "*",
	})
	// No store: the chain is not checked.
	sessWantChecks(t, VerifyReaderAuth(dr, st, nil, sessAt2021), map[string]string{
		CheckReaderAuth:  "valid/ok",
		CheckReaderChain: "not_checked/not_configured",
	})
	// No readerAuth at all.
	sessWantChecks(t, VerifyReaderAuth(&DocRequest{ItemsRequestBytes: dr.ItemsRequestBytes}, st, store, sessAt2021), map[string]string{
		CheckReaderAuth: "not_checked/absent",
	})
	sessWantChecks(t, VerifyReaderAuth(nil, st, store, sessAt2021), map[string]string{
		CheckReaderAuth: "not_checked/absent",
	})
}

// sessRebuildReaderAuth re-assembles the Annex D readerAuth with changes.
func sessRebuildReaderAuth(t testing.TB, raw []byte, edit func(parts []any)) []byte {
	t.Helper()
	var w []cbor.RawMessage
	if err := verify.Unmarshal(raw, &w); err != nil || len(w) != 4 {
		t.Fatalf("readerAuth: %v", err)
	}
	parts := []any{w[0], w[1], w[2], w[3]}
	edit(parts)
	return sessCBOR(t, parts)
}

func TestVerifyReaderAuthNegative(t *testing.T) {
	dr, st := sessAnnexDRequest(t)
	leafDER := sessVec(t, "annexd_reader_cert.der")
	var w []cbor.RawMessage
	if err := verify.Unmarshal(dr.ReaderAuth, &w); err != nil {
		t.Fatal(err)
	}
	var sig []byte
	if err := verify.Unmarshal(w[3], &sig); err != nil {
		t.Fatal(err)
	}
	edit := func(f func(p []any)) []byte { return sessRebuildReaderAuth(t, dr.ReaderAuth, f) }
	prot := func(m map[int]any) []byte { return sessCBOR(t, m) }

	a := sessLoadAnnexD(t)
	otherSession, err := NewReaderSessionWithKey(a.de, a.handover, sessECDHKey(t, ecdh.P256(), "another session"))
	if err != nil {
		t.Fatal(err)
	}
	otherItems, err := EncodeTag24(map[string]any{"docType": "org.iso.18013.5.1.mDL", "nameSpaces": map[string]any{"org.iso.18013.5.1": map[string]bool{"age_over_18": false}}})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name       string
		readerAuth []byte
		transcript *SessionTranscript
		items      *Tag24
		code       string
	}{
		{"tampered signature", edit(func(p []any) {
			s := bytes.Clone(sig)
			s[10] ^= 0x80
			p[3] = s
		}), nil, nil, RACodeSignatureInvalid},
		{"short signature", edit(func(p []any) { p[3] = sig[:63] }), nil, nil, RACodeSignatureInvalid},
		{"other transcript", nil, sessPtr(otherSession.Transcript()), nil, RACodeSignatureInvalid},
		{"other items request", nil, nil, &otherItems, RACodeSignatureInvalid},
		{"attached payload", edit(func(p []any) { p[2] = []byte("payload") }), nil, nil, RACodeMalformed},
		{"empty payload", edit(func(p []any) { p[2] = []byte{} }), nil, nil, RACodeMalformed},
		{"no alg", edit(func(p []any) { p[0] = prot(map[int]any{4: []byte("kid")}) }), nil, nil, RACodeMalformed},
		{"protected not bstr", edit(func(p []any) { p[0] = map[int]any{1: -7} }), nil, nil, RACodeMalformed},
		{"protected garbage", edit(func(p []any) { p[0] = []byte{0xff} }), nil, nil, RACodeMalformed},
		{"alg text", edit(func(p []any) { p[0] = prot(map[int]any{1: "ES256"}) }), nil, nil, RACodeAlgUnsupported},
		{"alg RS256", edit(func(p []any) { p[0] = prot(map[int]any{1: -257}) }), nil, nil, RACodeAlgUnsupported},
		{"alg HMAC", edit(func(p []any) { p[0] = prot(map[int]any{1: 5}) }), nil, nil, RACodeAlgUnsupported},
		{"alg ES384 for a P-256 key", edit(func(p []any) { p[0] = prot(map[int]any{1: -35}) }), nil, nil, RACodeAlgKeyMismatch},
		{"alg EdDSA for a P-256 key", edit(func(p []any) { p[0] = prot(map[int]any{1: -8}) }), nil, nil, RACodeAlgKeyMismatch},
		{"no x5chain", edit(func(p []any) { p[1] = map[int]any{4: []byte("kid")} }), nil, nil, RACodeNoCertificate},
		{"x5chain only protected", edit(func(p []any) {
			p[0] = prot(map[int]any{1: -7, 33: leafDER})
			p[1] = map[int]any{}
		}), nil, nil, RACodeNoCertificate},
		{"x5chain empty array", edit(func(p []any) { p[1] = map[int]any{33: []any{}} }), nil, nil, RACodeNoCertificate},
		{"x5chain number", edit(func(p []any) { p[1] = map[int]any{33: 1} }), nil, nil, RACodeNoCertificate},
		{"x5chain array of numbers", edit(func(p []any) { p[1] = map[int]any{33: []int{1, 2}} }), nil, nil, RACodeNoCertificate},
		{"certificate garbage", edit(func(p []any) { p[1] = map[int]any{33: []byte("not a certificate")} }), nil, nil, RACodeCertificateMalformed},
		{"unprotected text keys", edit(func(p []any) { p[1] = map[string]any{"x5chain": leafDER} }), nil, nil, RACodeMalformed},
		{"signature not bstr", edit(func(p []any) { p[3] = "sig" }), nil, nil, RACodeMalformed},
		{"three elements", sessCBOR(t, []any{w[0], w[1], w[2]}), nil, nil, RACodeMalformed},
		{"tagged COSE_Sign1", sessCBOR(t, cbor.Tag{Number: 18, Content: []any{w[0], w[1], w[2], w[3]}}), nil, nil, RACodeMalformed},
		{"trailing byte", append(bytes.Clone(dr.ReaderAuth), 0), nil, nil, RACodeMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := *dr
			tr := st
			if tc.readerAuth != nil {
				d.ReaderAuth = tc.readerAuth
			}
			if tc.transcript != nil {
				tr = *tc.transcript
			}
			if tc.items != nil {
				d.ItemsRequestBytes = *tc.items
			}
			checks := VerifyReaderAuth(&d, tr, nil, sessAt2021)
			c, ok := checks.Get(CheckReaderAuth)
			if !ok || c.Status != verify.StatusInvalid || c.Code != tc.code {
				t.Fatalf("got %+v, want invalid/%s", c, tc.code)
			}
			if checks.Overall() != verify.StatusInvalid {
				t.Error("overall not invalid")
			}
		})
	}
	// The unmodified message re-assembled through the same path verifies,
	// so the failures above come from the edits alone.
	d := *dr
	d.ReaderAuth = edit(func([]any) {})
	if c, _ := VerifyReaderAuth(&d, st, nil, sessAt2021).Get(CheckReaderAuth); c.Status != verify.StatusValid {
		t.Fatalf("re-assembled readerAuth: %+v", c)
	}
}

func sessPtr[T any](v T) *T { return &v }

// An Ed25519 reader key signs with EdDSA and verifies.
func TestReaderAuthEdDSA(t *testing.T) {
	seed := sha256.Sum256([]byte("ed25519 reader"))
	priv := ed25519.NewKeyFromSeed(seed[:])
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(3),
		Subject:      pkix.Name{CommonName: "ed25519 reader"},
		NotBefore:    time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2034, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(nil, tmpl, tmpl, priv.Public(), priv)
	if err != nil {
		t.Fatal(err)
	}
	a := sessLoadAnnexD(t)
	rs := a.reader(t)
	data, err := BuildDeviceRequest(sessAnnexDItems(), &ReaderAuthKey{Signer: priv, Chain: [][]byte{der}}, rs.Transcript())
	if err != nil {
		t.Fatal(err)
	}
	req, err := ParseDeviceRequest(data)
	if err != nil {
		t.Fatal(err)
	}
	ra, _, err := parseReaderAuth(req.DocRequests[0].ReaderAuth)
	if err != nil || ra.alg != cose.AlgorithmEdDSA {
		t.Fatalf("alg %v, %v", ra, err)
	}
	sessWantChecks(t, VerifyReaderAuth(&req.DocRequests[0], rs.Transcript(), nil, sessAt2026), map[string]string{
		CheckReaderAuth:  "valid/ok",
		CheckReaderChain: "not_checked/not_configured",
	})
}

func TestReaderCheckID(t *testing.T) {
	for in, want := range map[string]string{
		trust.CheckIssuerChain: CheckReaderChain,
		trust.CheckRevocation:  CheckReaderRevocation,
		"reader_profile":       "reader_profile",
		"validity":             "reader_validity",
	} {
		if got := readerCheckID(in); got != want {
			t.Errorf("%s → %s, want %s", in, got, want)
		}
	}
}
