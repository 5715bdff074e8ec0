package mdoc

import (
	"bytes"
	"crypto/ecdh"
	"crypto/elliptic"
	"errors"
	"reflect"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"taimen/verify"
)

func TestParseDeviceRequestAnnexD(t *testing.T) {
	req, err := ParseDeviceRequest(sessVec(t, "annexd_device_request.cbor"))
	if err != nil {
		t.Fatal(err)
	}
	if req.Version != "1.0" || len(req.DocRequests) != 1 {
		t.Fatalf("version %q, %d doc requests", req.Version, len(req.DocRequests))
	}
	dr := req.DocRequests[0]
	if !bytes.Equal(dr.ItemsRequestBytes.Inner, sessVec(t, "annexd_items_request.cbor")) {
		t.Error("ItemsRequest inner bytes differ from Annex D")
	}
	if dr.ItemsRequest.DocType != "org.iso.18013.5.1.mDL" {
		t.Errorf("docType %q", dr.ItemsRequest.DocType)
	}
	want := sessSortedElements(sessAnnexDItems()[0].Elements)
	if got := dr.ItemsRequest.Elements(); !reflect.DeepEqual(got, want) {
		t.Errorf("elements\n got %v\nwant %v", got, want)
	}
	if dr.ReaderAuth == nil || dr.ItemsRequest.RequestInfo != nil {
		t.Error("readerAuth missing or requestInfo invented")
	}
	st, err := ParseSessionTranscript(sessVec(t, "annexd_session_transcript_bytes.cbor"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ReaderAuthenticationBytes(st, dr.ItemsRequestBytes), sessVec(t, "annexd_reader_authentication_bytes.cbor"); !bytes.Equal(got, want) {
		t.Fatalf("ReaderAuthenticationBytes\n got % x\nwant % x", got, want)
	}
}

func sessSortedElements(es []ElementRequest) []ElementRequest {
	ir := ItemsRequest{NameSpaces: map[string]map[string]bool{}}
	for _, e := range es {
		if ir.NameSpaces[e.Namespace] == nil {
			ir.NameSpaces[e.Namespace] = map[string]bool{}
		}
		ir.NameSpaces[e.Namespace][e.Element] = e.IntentToRetain
	}
	return ir.Elements()
}

func TestBuildDeviceRequestDeterministic(t *testing.T) {
	specs := append(sessAnnexDItems(), DocRequestSpec{
		DocType: "org.iso.23220.1.jp.mnc",
		Elements: []ElementRequest{
			{"org.iso.23220.1", "family_name", false},
			{"org.iso.23220.1", "birth_date", false},
			{"org.iso.23220.1.jp", "address", true},
		},
		RequestInfo: map[string]any{"purpose": "account-opening", "n": 2},
	})
	b1, err := BuildDeviceRequest(specs, nil, SessionTranscript{})
	if err != nil {
		t.Fatal(err)
	}
	// Reverse the element order: the encoding must not depend on it.
	rev := make([]DocRequestSpec, len(specs))
	copy(rev, specs)
	for i := range rev {
		e := append([]ElementRequest(nil), rev[i].Elements...)
		for l, r := 0, len(e)-1; l < r; l, r = l+1, r-1 {
			e[l], e[r] = e[r], e[l]
		}
		rev[i].Elements = e
	}
	b2, err := BuildDeviceRequest(rev, nil, SessionTranscript{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b1, b2) {
		t.Fatal("encoding depends on element order")
	}
	sessGolden(t, "session_device_request_noauth.cbor", b1)

	// Core deterministic: decoding into generic values and re-encoding
	// (items included) changes nothing.
	var generic any
	if err := verify.Unmarshal(b1, &generic); err != nil {
		t.Fatal(err)
	}
	if re := sessCBOR(t, generic); !bytes.Equal(re, b1) {
		t.Fatal("not core deterministic at the top level")
	}
	req, err := ParseDeviceRequest(b1)
	if err != nil {
		t.Fatal(err)
	}
	for i, dr := range req.DocRequests {
		var g any
		if err := verify.Unmarshal(dr.ItemsRequestBytes.Inner, &g); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(sessCBOR(t, g), dr.ItemsRequestBytes.Inner) {
			t.Errorf("items request %d not core deterministic", i)
		}
		if dr.ReaderAuth != nil {
			t.Errorf("doc request %d has readerAuth without a key", i)
		}
		if got, want := dr.ItemsRequest.Elements(), sessSortedElements(specs[i].Elements); !reflect.DeepEqual(got, want) {
			t.Errorf("doc request %d elements %v, want %v", i, got, want)
		}
	}
	ri := req.DocRequests[1].ItemsRequest.RequestInfo
	if string(ri["purpose"]) != string(sessCBOR(t, "account-opening")) || len(ri) != 2 {
		t.Errorf("requestInfo %v", ri)
	}
}

// Building with the Annex D items and a fresh reader key round-trips
// through ParseDeviceRequest and its readerAuth verifies for the session.
func TestBuildDeviceRequestWithReaderAuth(t *testing.T) {
	for _, c := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		t.Run(c.Params().Name, func(t *testing.T) {
			pki := sessMintReaderPKI(t, c)
			a := sessLoadAnnexD(t)
			rs := a.reader(t)
			key := &ReaderAuthKey{Signer: pki.leafKey, Chain: [][]byte{pki.leaf.Raw}}
			data, err := BuildDeviceRequest(sessAnnexDItems(), key, rs.Transcript())
			if err != nil {
				t.Fatal(err)
			}
			req, err := ParseDeviceRequest(data)
			if err != nil {
				t.Fatal(err)
			}
			dr := &req.DocRequests[0]
			if got, want := dr.ItemsRequest.Elements(), sessSortedElements(sessAnnexDItems()[0].Elements); !reflect.DeepEqual(got, want) {
				t.Fatalf("elements %v", got)
			}
			ra, code, err := parseReaderAuth(dr.ReaderAuth)
			if err != nil {
				t.Fatalf("%s: %v", code, err)
			}
			if len(ra.chain) != 1 || !bytes.Equal(ra.chain[0], pki.leaf.Raw) {
				t.Error("x5chain is not the single leaf certificate")
			}
			checks := VerifyReaderAuth(dr, rs.Transcript(), sessReaderStore(t, pki.root), sessAt2026)
			sessWantChecks(t, checks, map[string]string{CheckReaderAuth: "valid/ok", CheckReaderChain: "valid/ok", CheckReaderRevocation: "not_checked/not_configured"})

			// Through the session: the holder decrypts and checks the same.
			ds := a.device(t)
			se, err := rs.SessionEstablishment(data)
			if err != nil {
				t.Fatal(err)
			}
			plain, err := ds.Establish(se)
			if err != nil {
				t.Fatal(err)
			}
			hreq, err := ParseDeviceRequest(plain)
			if err != nil {
				t.Fatal(err)
			}
			checks = VerifyReaderAuth(&hreq.DocRequests[0], ds.Transcript(), nil, sessAt2026)
			sessWantChecks(t, checks, map[string]string{CheckReaderAuth: "valid/ok", CheckReaderChain: "not_checked/not_configured"})
		})
	}
}

func TestBuildDeviceRequestChain(t *testing.T) {
	pki := sessMintReaderPKI(t, elliptic.P256())
	st, err := ParseSessionTranscript(sessVec(t, "annexd_session_transcript_bytes.cbor"))
	if err != nil {
		t.Fatal(err)
	}
	key := &ReaderAuthKey{Signer: pki.leafKey, Chain: [][]byte{pki.leaf.Raw, pki.root.Raw}}
	data, err := BuildDeviceRequest(sessAnnexDItems(), key, st)
	if err != nil {
		t.Fatal(err)
	}
	req, err := ParseDeviceRequest(data)
	if err != nil {
		t.Fatal(err)
	}
	ra, _, err := parseReaderAuth(req.DocRequests[0].ReaderAuth)
	if err != nil || len(ra.chain) != 2 {
		t.Fatalf("chain of %d, %v", len(ra.chain), err)
	}
	checks := VerifyReaderAuth(&req.DocRequests[0], st, nil, sessAt2026)
	sessWantChecks(t, checks, map[string]string{CheckReaderAuth: "valid/ok", CheckReaderChain: "not_checked/not_configured"})
}

func TestBuildDeviceRequestErrors(t *testing.T) {
	pki := sessMintReaderPKI(t, elliptic.P256())
	st, err := ParseSessionTranscript(sessVec(t, "annexd_session_transcript_bytes.cbor"))
	if err != nil {
		t.Fatal(err)
	}
	ok := sessAnnexDItems()
	el := func(ns, e string) []ElementRequest { return []ElementRequest{{ns, e, false}} }
	tests := []struct {
		name  string
		specs []DocRequestSpec
		auth  *ReaderAuthKey
		t     SessionTranscript
		want  error
	}{
		{"no specs", nil, nil, st, ErrInvalidRequestSpec},
		{"empty docType", []DocRequestSpec{{Elements: el("ns", "e")}}, nil, st, ErrInvalidRequestSpec},
		{"no elements", []DocRequestSpec{{DocType: "d"}}, nil, st, ErrInvalidRequestSpec},
		{"empty namespace", []DocRequestSpec{{DocType: "d", Elements: el("", "e")}}, nil, st, ErrInvalidRequestSpec},
		{"empty element", []DocRequestSpec{{DocType: "d", Elements: el("ns", "")}}, nil, st, ErrInvalidRequestSpec},
		{"element twice", []DocRequestSpec{{DocType: "d", Elements: []ElementRequest{{"ns", "e", true}, {"ns", "e", false}}}}, nil, st, ErrInvalidRequestSpec},
		{"auth without transcript", ok, &ReaderAuthKey{Signer: pki.leafKey, Chain: [][]byte{pki.leaf.Raw}}, SessionTranscript{}, ErrInvalidRequestSpec},
		{"auth without signer", ok, &ReaderAuthKey{Chain: [][]byte{pki.leaf.Raw}}, st, ErrReaderAuthKey},
		{"auth without certificate", ok, &ReaderAuthKey{Signer: pki.leafKey}, st, ErrReaderAuthKey},
		{"auth with P-224", ok, &ReaderAuthKey{Signer: sessECDSAKey(t, elliptic.P224(), "p224"), Chain: [][]byte{pki.leaf.Raw}}, st, ErrReaderAuthKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := BuildDeviceRequest(tc.specs, tc.auth, tc.t)
			if b != nil || !errors.Is(err, tc.want) {
				t.Fatalf("got %x, %v; want %v", b, err, tc.want)
			}
		})
	}
}

func TestParseDeviceRequestErrors(t *testing.T) {
	items := sessTag24(t, sessCBOR(t, map[string]any{
		"docType":    "org.iso.18013.5.1.mDL",
		"nameSpaces": map[string]any{"org.iso.18013.5.1": map[string]bool{"family_name": true}},
	}))
	itemsOf := func(v any) cbor.RawMessage { return sessTag24(t, sessCBOR(t, v)) }
	req := func(docs ...any) []byte {
		return sessCBOR(t, map[string]any{"version": "1.0", "docRequests": docs})
	}
	many := make([]any, maxDocRequests+1)
	for i := range many {
		many[i] = map[string]any{"itemsRequest": items}
	}
	annex := sessVec(t, "annexd_device_request.cbor")
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, verify.ErrMalformed},
		{"not a map", sessCBOR(t, []any{"1.0"}), verify.ErrMalformed},
		{"truncated", annex[:len(annex)-1], verify.ErrTruncated},
		{"trailing", append(bytes.Clone(annex), 0xf6), verify.ErrMalformed},
		{"no version", sessCBOR(t, map[string]any{"docRequests": []any{map[string]any{"itemsRequest": items}}}), verify.ErrMalformed},
		{"version 2.0", sessCBOR(t, map[string]any{"version": "2.0", "docRequests": []any{map[string]any{"itemsRequest": items}}}), ErrUnsupportedRequestVersion},
		{"version number", sessCBOR(t, map[string]any{"version": 1.0, "docRequests": []any{}}), verify.ErrMalformed},
		{"no docRequests", sessCBOR(t, map[string]any{"version": "1.0"}), verify.ErrMalformed},
		{"empty docRequests", req(), verify.ErrMalformed},
		{"docRequests map", sessCBOR(t, map[string]any{"version": "1.0", "docRequests": map[string]any{}}), verify.ErrMalformed},
		{"too many", req(many...), verify.ErrTooLarge},
		{"doc request not map", req([]any{items}), verify.ErrMalformed},
		{"no itemsRequest", req(map[string]any{"readerAuth": []any{}}), verify.ErrMalformed},
		{"itemsRequest bare", req(map[string]any{"itemsRequest": []byte{0xa0}}), verify.ErrMalformed},
		{"itemsRequest not map", req(map[string]any{"itemsRequest": itemsOf([]any{})}), verify.ErrMalformed},
		{"itemsRequest trailing", req(map[string]any{"itemsRequest": sessTag24(t, []byte{0xa0, 0x00})}), verify.ErrMalformed},
		{"no docType", req(map[string]any{"itemsRequest": itemsOf(map[string]any{"nameSpaces": map[string]any{"ns": map[string]bool{"e": true}}})}), verify.ErrMalformed},
		{"no nameSpaces", req(map[string]any{"itemsRequest": itemsOf(map[string]any{"docType": "d"})}), verify.ErrMalformed},
		{"empty namespace", req(map[string]any{"itemsRequest": itemsOf(map[string]any{"docType": "d", "nameSpaces": map[string]any{"ns": map[string]bool{}}})}), verify.ErrMalformed},
		{"intent not bool", req(map[string]any{"itemsRequest": itemsOf(map[string]any{"docType": "d", "nameSpaces": map[string]any{"ns": map[string]int{"e": 1}}})}), verify.ErrMalformed},
		{"requestInfo not map", req(map[string]any{"itemsRequest": itemsOf(map[string]any{"docType": "d", "nameSpaces": map[string]any{"ns": map[string]bool{"e": true}}, "requestInfo": 1})}), verify.ErrMalformed},
		{"readerAuth not array", req(map[string]any{"itemsRequest": items, "readerAuth": map[string]any{}}), verify.ErrMalformed},
		{"duplicate key", bytes.Join([][]byte{{0xa3}, cborText("version"), cborText("1.0"), cborText("docRequests"), sessCBOR(t, []any{map[string]any{"itemsRequest": items}}), cborText("version"), cborText("1.0")}, nil), verify.ErrDuplicateKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseDeviceRequest(tc.data)
			if got != nil || !errors.Is(err, tc.want) {
				t.Fatalf("got %+v, %v; want %v", got, err, tc.want)
			}
		})
	}
	// Version 1.1 (2nd edition) is read.
	if _, err := ParseDeviceRequest(sessCBOR(t, map[string]any{"version": "1.1", "docRequests": []any{map[string]any{"itemsRequest": items}}, "deviceRequestInfo": sessTag24(t, []byte{0xa0})})); err != nil {
		t.Errorf("version 1.1: %v", err)
	}
}

// ReaderAuthenticationBytes is built around the transcript and item bytes
// as given; a different transcript gives different bytes.
func TestReaderAuthenticationBytesInputs(t *testing.T) {
	a := sessLoadAnnexD(t)
	req, err := ParseDeviceRequest(sessVec(t, "annexd_device_request.cbor"))
	if err != nil {
		t.Fatal(err)
	}
	item := req.DocRequests[0].ItemsRequestBytes
	other, err := NewReaderSessionWithKey(a.de, a.handover, sessECDHKey(t, ecdh.P256(), "other"))
	if err != nil {
		t.Fatal(err)
	}
	rab := ReaderAuthenticationBytes(other.Transcript(), item)
	var inner Tag24
	if err := verify.Unmarshal(rab, &inner); err != nil {
		t.Fatal(err)
	}
	var parts []cbor.RawMessage
	if err := verify.Unmarshal(inner.Inner, &parts); err != nil || len(parts) != 3 {
		t.Fatalf("%d parts, %v", len(parts), err)
	}
	if string(parts[0]) != string(cborText("ReaderAuthentication")) ||
		!bytes.Equal(parts[1], other.Transcript().Array) || !bytes.Equal(parts[2], item.Raw) {
		t.Error("ReaderAuthentication parts are not the inputs as given")
	}
	if bytes.Equal(rab, sessVec(t, "annexd_reader_authentication_bytes.cbor")) {
		t.Error("another transcript gave the Annex D bytes")
	}
}
