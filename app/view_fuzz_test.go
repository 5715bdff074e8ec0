package app

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"taimen/app/purpose"
	"taimen/app/session"
	"taimen/verify"
	"taimen/verify/mdoc"
)

// viewSeeds are element values of the shapes issuers send (and a few they
// should not), CBOR-encoded: text, full-date, bools, an int, image bytes,
// driving_privileges, a map, an unknown tag, null.
func viewSeeds(tb testing.TB) [][]byte {
	tb.Helper()
	vals := []any{
		"YAMADA", cbor.Tag{Number: 1004, Content: "1990-04-01"}, true, false, 2, nil,
		[]byte{0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 'J', 'F', 'I', 'F'},
		[]any{map[string]any{"vehicle_category_code": "B"}, map[string]any{"vehicle_category_code": 7}, "x"},
		map[string]any{"a": []any{1, "b"}}, cbor.Tag{Number: 9999, Content: "abc"},
	}
	var out [][]byte
	for _, v := range vals {
		b, err := verify.Marshal(v)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// FuzzBuildView puts any decodable value into every element slot of both
// document types and builds the view of every purpose: it must never
// panic, and it must show only the purpose's attribute keys.
func FuzzBuildView(f *testing.F) {
	for _, s := range viewSeeds(f) {
		f.Add(s)
	}
	purposes := purpose.Default().All()
	f.Fuzz(func(t *testing.T, raw []byte) {
		v, err := mdoc.DecodeValue(raw)
		if err != nil {
			return
		}
		for _, p := range purposes {
			allowed := []string{"age_over_18", "age_over_20"}
			for _, a := range p.Attributes {
				allowed = append(allowed, string(a))
			}
			for _, dt := range []string{purpose.DocTypeMDL, purpose.DocTypeMNC} {
				els := map[string]map[string]mdoc.Value{}
				for _, e := range p.Elements(dt) {
					if els[e.Namespace] == nil {
						els[e.Namespace] = map[string]mdoc.Value{}
					}
					els[e.Namespace][e.Element] = v
				}
				res := &mdoc.Result{Status: verify.StatusValid, Documents: []mdoc.DocumentResult{{DocType: dt, Elements: els}}}
				view := buildView(p, &session.Outcome{Kind: session.Verified, Result: res})
				for _, a := range view.Attributes {
					if !slices.Contains(allowed, a.Key) {
						t.Fatalf("%s/%s shows %q", p.ID, dt, a.Key)
					}
				}
				if _, err := json.Marshal(view); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}

// TestViewSeedsDecode keeps the seed corpus meaningful: every seed is a
// value the decoder accepts.
func TestViewSeedsDecode(t *testing.T) {
	seeds := viewSeeds(t)
	if len(seeds) == 0 {
		t.Fatal("no seeds")
	}
	for i, s := range seeds {
		if _, err := mdoc.DecodeValue(s); err != nil {
			t.Errorf("seed %d (%x): %v", i, s, err)
		}
	}
}
