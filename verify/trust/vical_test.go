package trust

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"taimen/verify"
	"taimen/verify/trust/trusttest"
)

type vicalPKI struct {
	root, signer, iaca1, iaca2 *trusttest.Issued
	store                      *Store
}

func newVICALPKI(t testing.TB) vicalPKI {
	root := must(trusttest.NewIACA("vical root"))
	return vicalPKI{
		root:   root,
		signer: must(root.IssueVICALSigner("vical")),
		iaca1:  must(trusttest.NewIACA("vical iaca 1")),
		iaca2:  must(trusttest.NewIACA("vical iaca 2", trusttest.WithEd25519())),
		store:  NewStore(anchorOf(root, VICALSigner)),
	}
}

var vicalDate = time.Date(2025, 5, 20, 0, 0, 0, 0, time.UTC)

func TestParseVICAL(t *testing.T) {
	p := newVICALPKI(t)
	data := must(trusttest.MintVICAL(p.signer, nil, "Test Provider", vicalDate,
		[]*trusttest.Issued{p.iaca1, p.iaca2}, [][]string{{"org.iso.18013.5.1.mDL"}, {"org.iso.23220.1.jp.mnc", "org.iso.18013.5.1.mDL"}}))
	v, err := ParseVICAL(data, p.store, testTime)
	if err != nil {
		t.Fatal(err)
	}
	if v.Provider != "Test Provider" || v.Version != "1.0" || !v.Date.Equal(vicalDate) || v.IssueID == nil || *v.IssueID != 1 {
		t.Fatalf("vical = %+v", v)
	}
	if v.Stale {
		t.Fatal("a VICAL before its nextUpdate is not stale")
	}
	if len(v.Anchors) != 2 || len(v.Skipped) != 0 {
		t.Fatalf("anchors %d, skipped %v", len(v.Anchors), v.Skipped)
	}
	for _, a := range v.Anchors {
		if a.Purpose != IACA || a.Source != "vical:Test Provider" {
			t.Fatalf("anchor %+v", a)
		}
	}
	if !slices.Equal(v.Anchors[1].DocTypes, []string{"org.iso.23220.1.jp.mnc", "org.iso.18013.5.1.mDL"}) {
		t.Fatalf("docTypes = %v", v.Anchors[1].DocTypes)
	}

	// The imported IACAs verify document signers, limited to their docTypes.
	s := p.store.With(v.Anchors...)
	r := s.VerifyDocumentSigner([][]byte{must(p.iaca1.IssueDS("ds")).DER}, testTime)
	wantChain(t, r, CodeOK)
	if !r.AllowsDocType("org.iso.18013.5.1.mDL") || r.AllowsDocType("org.iso.23220.1.jp.mnc") {
		t.Fatal("iaca1 is listed for mDL only")
	}
	if r.Anchor.Source != "vical:Test Provider" {
		t.Fatalf("source = %q", r.Anchor.Source)
	}

	// Untagged COSE_Sign1 is accepted too.
	if data[0] != 0xd2 {
		t.Fatalf("minted VICAL is not tagged: %x", data[:2])
	}
	if _, err := ParseVICAL(data[1:], p.store, testTime); err != nil {
		t.Fatalf("untagged: %v", err)
	}
	// After nextUpdate it is still parsed but flagged.
	if v, err := ParseVICAL(data, p.store, vicalDate.AddDate(0, 2, 0)); err != nil || !v.Stale {
		t.Fatalf("stale: %v, %v", v, err)
	}
}

func TestParseVICALChainArray(t *testing.T) {
	p := newVICALPKI(t)
	data := must(trusttest.MintVICAL(p.signer, trusttest.Chain(p.signer, p.root), "P", vicalDate, []*trusttest.Issued{p.iaca1}, nil))
	v, err := ParseVICAL(data, p.store, testTime)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Anchors) != 1 || !slices.Equal(v.Anchors[0].DocTypes, []string{"org.iso.18013.5.1.mDL"}) {
		t.Fatalf("anchors = %+v", v.Anchors)
	}
}

func encodePayload(t *testing.T, m map[string]any) []byte {
	t.Helper()
	b, err := verify.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseVICALErrors(t *testing.T) {
	p := newVICALPKI(t)
	good := must(trusttest.MintVICAL(p.signer, nil, "P", vicalDate, []*trusttest.Issued{p.iaca1}, nil))
	noEKU := must(p.root.IssueVICALSigner("no eku", trusttest.WithoutEKU()))
	dsEKU := must(p.root.IssueVICALSigner("ds eku", trusttest.WithEKU(trusttest.OIDDocumentSigner)))
	expired := must(p.root.IssueVICALSigner("expired", trusttest.WithValidity(date(2020), date(2024))))
	otherRoot := must(trusttest.NewIACA("other vical root"))
	foreign := must(otherRoot.IssueVICALSigner("foreign"))
	sigFlipped := func() []byte {
		b := append([]byte(nil), good...)
		b[len(b)-1] ^= 1 // the signature is the last bstr
		return b
	}()
	// A duplicate key: "version" twice. Hand-built, since encoders refuse it.
	dup := []byte{0xa2, 0x67, 'v', 'e', 'r', 's', 'i', 'o', 'n', 0x63, '1', '.', '0', 0x67, 'v', 'e', 'r', 's', 'i', 'o', 'n', 0x63, '1', '.', '1'}
	sign := func(payload []byte) []byte { return must(trusttest.SignVICAL(p.signer, nil, payload)) }
	tests := []struct {
		name string
		data []byte
		want error
		code string
	}{
		{"bad signature", sigFlipped, ErrVICALSignature, "signature_invalid"},
		{"signer without EKU", must(trusttest.MintVICAL(noEKU, nil, "P", vicalDate, nil, nil)), ErrVICALSigner, "vical_signer_profile_eku"},
		{"signer with the DS EKU", must(trusttest.MintVICAL(dsEKU, nil, "P", vicalDate, nil, nil)), ErrVICALSigner, "vical_signer_profile_eku"},
		{"signer expired", must(trusttest.MintVICAL(expired, nil, "P", vicalDate, nil, nil)), ErrVICALSigner, "vical_signer_expired"},
		{"signer chains to a wrong root", must(trusttest.MintVICAL(foreign, nil, "P", vicalDate, nil, nil)), ErrVICALSigner, CodeNoTrustedAnchor},
		{"malformed payload", sign([]byte{0xff}), verify.ErrMalformed, "malformed"},
		{"payload with trailing bytes", sign(append(encodePayload(t, map[string]any{"version": "1.0"}), 0x00)), verify.ErrMalformed, "malformed"},
		{"payload lacks certificateInfos", sign(encodePayload(t, map[string]any{"version": "1.0", "vicalProvider": "P", "date": cbor.Tag{Number: 0, Content: "2025-01-01T00:00:00Z"}})), verify.ErrMalformed, "malformed"},
		{"payload of the wrong type", sign(encodePayload(t, map[string]any{"version": 1, "vicalProvider": "P"})), verify.ErrMalformed, "malformed"},
		{"duplicate keys", sign(dup), verify.ErrDuplicateKey, "malformed"},
		{"not COSE", []byte{0x01, 0x02}, verify.ErrMalformed, "malformed"},
		{"empty", nil, verify.ErrTruncated, "malformed"},
		{"truncated", good[:len(good)/2], verify.ErrTruncated, "malformed"},
		{"no x5chain", func() []byte {
			b, _ := verify.Marshal(cbor.Tag{Number: 18, Content: []any{[]byte{0xa1, 0x01, 0x26}, map[any]any{}, []byte{0xa0}, make([]byte, 64)}})
			return b
		}(), verify.ErrMalformed, "malformed"},
		{"x5chain array of one", func() []byte {
			b, _ := verify.Marshal([]any{[]byte{0xa1, 0x01, 0x26}, map[any]any{33: []any{p.signer.DER}}, []byte{0xa0}, make([]byte, 64)})
			return b
		}(), verify.ErrMalformed, "malformed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := ParseVICAL(tc.data, p.store, testTime)
			if err == nil {
				t.Fatalf("ParseVICAL = %+v, want error", v)
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			var ve *VICALError
			if !errors.As(err, &ve) || ve.Code != tc.code {
				t.Fatalf("err = %#v, want VICALError code %q", err, tc.code)
			}
		})
	}
}

func TestParseVICALSkipsInconsistentEntries(t *testing.T) {
	p := newVICALPKI(t)
	good := map[string]any{"certificate": p.iaca1.DER, "serialNumber": p.iaca1.Cert.SerialNumber, "ski": p.iaca1.Cert.SubjectKeyId, "docType": []string{"org.iso.18013.5.1.mDL"}}
	clone := func(over map[string]any) map[string]any {
		m := map[string]any{}
		for k, v := range good {
			m[k] = v
		}
		for k, v := range over {
			if v == nil {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		return m
	}
	payload := encodePayload(t, map[string]any{
		"version": "1.0", "vicalProvider": "P", "date": cbor.Tag{Number: 0, Content: "2025-01-01T00:00:00Z"},
		"certificateInfos": []any{
			good,
			clone(map[string]any{"ski": []byte{1, 2, 3}}),
			clone(map[string]any{"serialNumber": 12345}),
			clone(map[string]any{"certificate": []byte{0x30, 0x00}}),
			clone(map[string]any{"docType": nil}),
		},
		"someFutureKey": "ignored",
	})
	v, err := ParseVICAL(must(trusttest.SignVICAL(p.signer, nil, payload)), p.store, testTime)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Anchors) != 1 || len(v.Skipped) != 4 {
		t.Fatalf("anchors %d skipped %d, want 1 and 4", len(v.Anchors), len(v.Skipped))
	}
	for i, s := range v.Skipped {
		if s.Index != i+1 || !errors.Is(s.Err, verify.ErrMalformed) {
			t.Errorf("skipped[%d] = %+v", i, s)
		}
	}
}
