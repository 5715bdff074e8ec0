package mdoc_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"taimen/verify"
	"taimen/verify/mdoc"
	"taimen/verify/mdoc/mdoctest"
)

// decodeVerdict asserts that a response was refused at decoding with the
// given code, that nothing after decoding ran, and that no document leaked.
func decodeVerdict(t *testing.T, res *mdoc.Result, code string) {
	t.Helper()
	if res == nil {
		t.Fatal("nil result")
	}
	if res.Valid || res.Status != verify.StatusInvalid {
		t.Errorf("status %s", res.Status)
	}
	c, _ := res.Checks.Get(mdoc.CheckDecode)
	if c.Status != verify.StatusInvalid || c.Code != code {
		t.Errorf("decode = %s/%s (%s), want invalid/%s", c.Status, c.Code, c.Detail, code)
	}
	for _, id := range []string{mdoc.CheckResponseStatus, mdoc.CheckDocuments} {
		if c, _ := res.Checks.Get(id); c.Status != verify.StatusNotChecked {
			t.Errorf("%s = %s after a decode failure", id, c.Status)
		}
	}
	if len(res.Documents) != 0 {
		t.Errorf("%d documents after a decode failure", len(res.Documents))
	}
}

func TestTruncatedEverywhere(t *testing.T) {
	f := newFixture(t, "raw")
	valid := mint(t, f.Response(mdoctest.DeviceSignature, f.Document(mdoctest.DocTypeMDL, mdoctest.MDLPerson())))
	if r := mdoc.VerifyResponse(valid, f.opts()); !r.Valid {
		t.Fatalf("untruncated response: %s", dump(r))
	}
	n := 0
	for cut := 0; cut < len(valid); cut += 1 + cut/64 {
		n++
		res := mdoc.VerifyResponse(valid[:cut], f.opts())
		decodeVerdict(t, res, mdoc.CodeTruncated)
		if t.Failed() {
			t.Fatalf("cut at %d of %d", cut, len(valid))
		}
	}
	if n < 100 {
		t.Errorf("only %d offsets tried", n)
	}
}

func TestRawInputs(t *testing.T) {
	f := newFixture(t, "raw")
	valid := mint(t, f.Response(mdoctest.DeviceSignature, f.Document(mdoctest.DocTypeMDL, mdoctest.MDLPerson())))
	deep := strings.Repeat("\x81", 40) + "\x00"
	cases := []struct {
		name string
		data []byte
		code string
	}{
		{"empty", nil, mdoc.CodeTruncated},
		{"not cbor", []byte{0xff, 0xff}, mdoc.CodeMalformed},
		{"not a map", encode(t, []int{1, 2}), mdoc.CodeMalformed},
		{"trailing bytes", append(bytes.Clone(valid), 0x00), mdoc.CodeMalformed},
		{"oversized", make([]byte, verify.MaxMessageSize+1), mdoc.CodeTooLarge},
		{"array length beyond limits", append([]byte{0xa2, 0x67}, append([]byte("version"), append([]byte{0x63, '1', '.', '0', 0x69}, append([]byte("documents"), 0x9b, 0, 0, 0, 1, 0, 0, 0, 0)...)...)...), mdoc.CodeTooLarge},
		{"nested too deep", encode(t, map[string]any{"version": "1.0", "status": 0, "x": mdoctest.RawCBOR(deep)}), mdoc.CodeTooDeep},
		{"duplicate status", append(append([]byte{0xa3}, encode(t, "version")...), append(append(encode(t, "1.0"), encode(t, "status")...), append([]byte{0x00}, append(encode(t, "status"), 0x00)...)...)...), mdoc.CodeDuplicateKey},
		{"duplicate key in a document", bytes.Replace(valid, []byte("\x6cissuerSigned"), []byte("\x6cdeviceSigned"), 1), mdoc.CodeDuplicateKey},
		{"version missing", encode(t, map[string]any{"status": 0}), mdoc.CodeMalformed},
		{"status missing", encode(t, map[string]any{"version": "1.0"}), mdoc.CodeMalformed},
		{"version 2.0", encode(t, map[string]any{"version": "2.0", "status": 0}), mdoc.CodeVersionUnsupported},
		{"status negative", encode(t, map[string]any{"version": "1.0", "status": -1}), mdoc.CodeMalformed},
		{"keys in another case", bytes.Replace(valid, []byte("\x67docType"), []byte("\x67DocType"), 1), mdoc.CodeMalformed},
		{"too many documents", encode(t, map[string]any{"version": "1.0", "status": 0, "documents": slices.Repeat([]map[string]any{{"docType": "x"}}, 65)}), mdoc.CodeTooLarge},
		{"document of the wrong type", encode(t, map[string]any{"version": "1.0", "status": 0, "documents": []any{nil}}), mdoc.CodeMalformed},
		{"status of the wrong type", encode(t, map[string]any{"version": "1.0", "status": "0"}), mdoc.CodeMalformed},
		{"item of the wrong type", bytes.Replace(valid, []byte{0xd8, 0x18, 0x58}, []byte{0xd8, 0x18, 0x78}, 1), mdoc.CodeMalformed},
		{"error code too large", encode(t, map[string]any{"version": "1.0", "status": 0, "documentErrors": []any{map[string]uint64{"x": 1 << 63}}}), mdoc.CodeMalformed},
		{"item not tag 24", bytes.Replace(valid, []byte{0xd8, 0x18, 0x58}, []byte{0xd8, 0x19, 0x58}, 1), mdoc.CodeMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			decodeVerdict(t, mdoc.VerifyResponse(c.data, f.opts()), c.code)
		})
	}
}

func TestVersionMinor(t *testing.T) {
	f := newFixture(t, "raw")
	valid := mint(t, f.Response(mdoctest.DeviceSignature, f.Document(mdoctest.DocTypeMDL, mdoctest.MDLPerson())))
	v10 := []byte("\x67version\x63\x31\x2e\x30")
	// The top-level version comes before "documents" (and the MSO's own).
	if i := bytes.Index(valid, v10); i < 0 || i > bytes.Index(valid, []byte("documents")) {
		t.Fatal("top-level version 1.0 not found")
	}
	v11 := bytes.Replace(valid, v10, []byte("\x67version\x63\x31\x2e\x31"), 1)
	res := mdoc.VerifyResponse(v11, f.opts())
	if !res.Valid || len(res.Warnings) != 1 || res.Warnings[0] != mdoc.WarnUnknownVersion {
		t.Errorf("1.1: %s", dump(res))
	}
}
