package nfc

import (
	"bytes"
	"errors"
	"testing"
)

func TestParseMessage(t *testing.T) {
	long := bytes.Repeat([]byte{0xAB}, 300)
	tests := []struct {
		name string
		in   []byte
		want []Record
	}{
		{"te", unhex(t, "d1 02 01 5465 00"), []Record{{TNF: TNFWellKnown, Type: []byte("Te"), Payload: []byte{0}}}},
		{"empty record", unhex(t, "d0 00 00"), []Record{{TNF: TNFEmpty}}},
		{"id and two records", unhex(t, "99 01 02 01 55 49 aabb  55 00 00"), []Record{
			{TNF: TNFWellKnown, Type: []byte("U"), ID: []byte("I"), Payload: []byte{0xaa, 0xbb}},
			{TNF: TNFUnknown, Payload: nil},
		}},
		{"IL with empty id", unhex(t, "d9 01 00 00 55"), []Record{{TNF: TNFWellKnown, Type: []byte("U")}}},
		{"long record", append(unhex(t, "c2 01 0000012c 78"), long...), []Record{{TNF: TNFMedia, Type: []byte("x"), Payload: long}}},
		{"long form for a short payload", unhex(t, "c4 01 00000001 78 07"), []Record{{TNF: TNFExternal, Type: []byte("x"), Payload: []byte{7}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseMessage(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if len(m) != len(tt.want) {
				t.Fatalf("%d records, want %d", len(m), len(tt.want))
			}
			var raw []byte
			for i, r := range m {
				w := tt.want[i]
				if r.TNF != w.TNF || !bytes.Equal(r.Type, w.Type) || !bytes.Equal(r.ID, w.ID) || !bytes.Equal(r.Payload, w.Payload) {
					t.Errorf("record %d = %+v, want %+v", i, r, w)
				}
				raw = append(raw, r.Raw...)
			}
			if !bytes.Equal(raw, tt.in) {
				t.Errorf("raw records %x do not add up to the input", raw)
			}
		})
	}
}

func TestParseMessageErrors(t *testing.T) {
	tests := []struct{ name, in string }{
		{"empty", ""},
		{"header only", "d1"},
		{"no payload length", "d1 02"},
		{"long payload length truncated", "c1 02 0000"},
		{"payload beyond the end", "d1 02 05 5465 00"},
		{"long payload beyond the end", "c1 02 ffffffff 5465 00"},
		{"IL without id length", "d9 01"},
		{"id beyond the end", "d9 01 00 09 55"},
		{"type beyond the end", "d1 09 00 55"},
		{"reserved tnf", "d7 00 00"},
		{"empty tnf with a type", "d0 01 00 55"},
		{"empty tnf with a payload", "d0 00 01 00"},
		{"well-known without a type", "d1 00 00"},
		{"unknown tnf with a type", "d5 01 00 55"},
		{"chunk flag", "f1 01 00 55"},
		{"unchanged tnf", "d6 00 00"},
		{"first without MB", "51 01 00 55"},
		{"MB in the middle", "91 01 00 55 d1 01 00 55"},
		{"no ME", "91 01 00 55 11 01 00 55"},
		{"bytes after ME", "d1 01 00 55 00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseMessage(unhex(t, tt.in))
			if !errors.Is(err, ErrMalformedNDEF) {
				t.Fatalf("ParseMessage = %+v, %v; want ErrMalformedNDEF", m, err)
			}
		})
	}
}

func TestEncodeMessage(t *testing.T) {
	long := bytes.Repeat([]byte{1}, 256)
	recs := []Record{
		{TNF: TNFWellKnown, Type: []byte("Hs"), Payload: []byte{0x15}},
		{TNF: TNFMedia, Type: []byte("a/b"), ID: []byte("0"), Payload: long},
		{TNF: TNFExternal, Type: []byte("x:y"), ID: []byte("mdoc"), Payload: []byte{1}},
	}
	b := EncodeMessage(recs...)
	want := unhex(t, "91 02 01 4873 15")
	want = append(want, unhex(t, "0a 03 00000100 01 612f62 30")...)
	want = append(want, long...)
	want = append(want, unhex(t, "5c 03 01 04 783a79 6d646f63 01")...)
	if !bytes.Equal(b, want) {
		t.Fatalf("EncodeMessage = %x\nwant %x", b, want)
	}
	m, err := ParseMessage(b)
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := m.Find(TNFExternal, "x:y", []byte("mdoc")); !ok || r.Payload[0] != 1 {
		t.Fatalf("Find = %+v, %v", r, ok)
	}
	if _, ok := m.Find(TNFExternal, "x:y", []byte("other")); ok {
		t.Fatal("Find matched the wrong id")
	}
	if _, ok := m.Find(TNFMedia, "x:y", nil); ok {
		t.Fatal("Find matched the wrong tnf")
	}
	if r, ok := m.FindID([]byte("0")); !ok || r.Is(TNFMedia, "a/b") == false {
		t.Fatalf("FindID = %+v, %v", r, ok)
	}
	if _, ok := m.FindID(nil); ok {
		t.Fatal("FindID matched an empty id")
	}
}
