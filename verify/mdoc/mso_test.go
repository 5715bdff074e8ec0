package mdoc

import (
	"errors"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"taimen/verify"
)

func respMSO(t *testing.T, edit func(m map[string]any)) []byte {
	t.Helper()
	m := map[string]any{
		"version":         "1.0",
		"digestAlgorithm": "SHA-256",
		"valueDigests":    map[string]any{"ns": map[uint64][]byte{0: make([]byte, 32), 7: make([]byte, 32)}},
		"deviceKeyInfo":   map[string]any{"deviceKey": map[int]any{1: 2, -1: 1, -2: make([]byte, 32), -3: make([]byte, 32)}},
		"docType":         "org.iso.18013.5.1.mDL",
		"validityInfo": map[string]any{
			"signed":     cbor.Tag{Number: 0, Content: "2024-01-01T00:00:00Z"},
			"validFrom":  cbor.Tag{Number: 0, Content: "2024-01-01T00:00:00Z"},
			"validUntil": cbor.Tag{Number: 0, Content: "2025-01-01T00:00:00Z"},
		},
	}
	if edit != nil {
		edit(m)
	}
	tg, err := NewTag24(respMarshal(t, m))
	if err != nil {
		t.Fatal(err)
	}
	return tg.Raw
}

func TestDecodeMSO(t *testing.T) {
	m, err := DecodeMSO(respMSO(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	if *m.DocType != "org.iso.18013.5.1.mDL" || len(m.ValueDigests["ns"]) != 2 || len(m.ValueDigests["ns"][7]) != 32 {
		t.Errorf("mso %+v", m)
	}
	if !m.ValidityInfo.ValidUntil.Time.Equal(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)) || !m.ValidityInfo.Signed.Tagged {
		t.Errorf("validity %+v", m.ValidityInfo.ValidUntil)
	}
	// The reflection path (verify.Unmarshal into MSO) agrees.
	var ref MSO
	var tg Tag24
	if err := verify.Unmarshal(respMSO(t, nil), &tg); err != nil {
		t.Fatal(err)
	}
	if err := verify.Unmarshal(tg.Inner, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.ValueDigests["ns"]) != 2 || *ref.DocType != *m.DocType {
		t.Errorf("reflection path %+v", ref)
	}
}

func TestDecodeMSOErrors(t *testing.T) {
	del := func(k string) func(m map[string]any) { return func(m map[string]any) { delete(m, k) } }
	for _, c := range []struct {
		name string
		edit func(m map[string]any)
		want error
	}{
		{"no version", del("version"), verify.ErrMalformed},
		{"no digestAlgorithm", del("digestAlgorithm"), verify.ErrMalformed},
		{"no valueDigests", del("valueDigests"), verify.ErrMalformed},
		{"no deviceKeyInfo", del("deviceKeyInfo"), verify.ErrMalformed},
		{"no docType", del("docType"), verify.ErrMalformed},
		{"no validityInfo", del("validityInfo"), verify.ErrMalformed},
		{"no validUntil", func(m map[string]any) { delete(m["validityInfo"].(map[string]any), "validUntil") }, verify.ErrMalformed},
		{"no deviceKey", func(m map[string]any) { m["deviceKeyInfo"] = map[string]any{} }, verify.ErrMalformed},
		{"docType not text", func(m map[string]any) { m["docType"] = 1 }, verify.ErrMalformed},
		{"digestID negative", func(m map[string]any) { m["valueDigests"] = map[string]any{"ns": map[int][]byte{-1: {1}}} }, verify.ErrMalformed},
		{"digest not bytes", func(m map[string]any) { m["valueDigests"] = map[string]any{"ns": map[int]string{1: "x"}} }, verify.ErrMalformed},
		{"tdate bad text", func(m map[string]any) { m["validityInfo"].(map[string]any)["signed"] = "yesterday" }, verify.ErrMalformed},
		{"tdate epoch tag", func(m map[string]any) { m["validityInfo"].(map[string]any)["signed"] = cbor.Tag{Number: 1, Content: 0} }, verify.ErrMalformed},
		{"tdate full-date", func(m map[string]any) {
			m["validityInfo"].(map[string]any)["signed"] = cbor.Tag{Number: 1004, Content: "2024-01-01"}
		}, verify.ErrMalformed},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := DecodeMSO(respMSO(t, c.edit)); !errors.Is(err, c.want) {
				t.Errorf("err %v, want %v", err, c.want)
			}
		})
	}
	// Raw-level errors.
	dupID := []byte{0xa2, 0x01, 0x41, 0x00, 0x01, 0x41, 0x00}
	var d DigestIDs
	if err := d.UnmarshalCBOR(dupID); !errors.Is(err, verify.ErrDuplicateKey) {
		t.Errorf("duplicate digestID: %v", err)
	}
	if _, err := DecodeMSO([]byte{0xd8, 0x18, 0x41, 0xa0}); !errors.Is(err, verify.ErrMalformed) {
		t.Errorf("empty MSO: %v", err)
	}
	if _, err := DecodeMSO(respMSO(t, nil)[:20]); !errors.Is(err, verify.ErrTruncated) {
		t.Errorf("truncated MSO: %v", err)
	}
}

func TestTDate(t *testing.T) {
	for _, c := range []struct {
		in     []byte
		tagged bool
		ok     bool
	}{
		{respMarshal(t, cbor.Tag{Number: 0, Content: "2020-10-01T13:30:02Z"}), true, true},
		{respMarshal(t, "2020-10-01T13:30:02Z"), false, true},
		{respMarshal(t, "2020-10-01T22:30:02+09:00"), false, true},
		{respMarshal(t, "2020-10-01"), false, false},
		{respMarshal(t, cbor.Tag{Number: 0, Content: 5}), false, false},
		{respMarshal(t, 1601559002), false, false},
	} {
		var d TDate
		err := d.UnmarshalCBOR(c.in)
		if (err == nil) != c.ok || c.ok && (d.Tagged != c.tagged || !d.Time.Equal(time.Date(2020, 10, 1, 13, 30, 2, 0, time.UTC))) {
			t.Errorf("%x: %+v %v", c.in, d, err)
		}
	}
	b, err := TDate{Time: time.Date(2020, 10, 1, 22, 30, 2, 0, time.FixedZone("JST", 9*3600))}.MarshalCBOR()
	if err != nil || string(b[2:]) != "2020-10-01T13:30:02Z" || b[0] != 0xc0 {
		t.Errorf("MarshalCBOR %x %v", b, err)
	}
}
