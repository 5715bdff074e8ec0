package verify

import (
	"bytes"
	"errors"
	"testing"
)

func TestOverall(t *testing.T) {
	v := func(id string) Check { return Check{ID: id, Status: StatusValid, Code: "ok"} }
	s := func(id string, st Status) Check { return Check{ID: id, Status: st, Code: "x"} }
	tests := []struct {
		name     string
		checks   Checks
		required []string
		want     Status
	}{
		{"all valid", Checks{v("a"), v("b")}, []string{"a", "b"}, StatusValid},
		{"one invalid wins over undetermined", Checks{s("a", StatusUndetermined), s("b", StatusInvalid)}, nil, StatusInvalid},
		{"undetermined is never invalid", Checks{v("a"), s("b", StatusUndetermined)}, []string{"a"}, StatusUndetermined},
		{"optional not_checked keeps valid", Checks{v("a"), s("rev", StatusNotChecked)}, []string{"a"}, StatusValid},
		{"required not_checked is undetermined", Checks{v("a"), s("dev", StatusNotChecked)}, []string{"a", "dev"}, StatusUndetermined},
		{"required missing is undetermined", Checks{v("a")}, []string{"a", "b"}, StatusUndetermined},
		{"empty with nothing required", nil, nil, StatusValid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.checks.Overall(tc.required...); got != tc.want {
				t.Fatalf("Overall = %s, want %s", got, tc.want)
			}
		})
	}
	if _, ok := (Checks{v("a")}).Get("b"); ok {
		t.Fatal("Get found a check that is not there")
	}
}

func TestUnmarshalStrict(t *testing.T) {
	deep := bytes.Repeat([]byte{0x81}, MaxNestedLevels+2) // [[[[…]]]]
	deep = append(deep, 0x00)
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"duplicate key", []byte{0xa2, 0x01, 0x02, 0x01, 0x03}, ErrDuplicateKey},
		{"truncated map", []byte{0xa2, 0x01}, ErrTruncated},
		{"truncated bstr", []byte{0x45, 0x01, 0x02}, ErrTruncated},
		{"trailing bytes", []byte{0x01, 0x02}, ErrMalformed},
		{"too deep", deep, ErrTooDeep},
		{"invalid utf-8", []byte{0x62, 0xff, 0xfe}, ErrMalformed},
		{"reserved additional info", []byte{0x1c}, ErrMalformed},
		{"too large", make([]byte, MaxMessageSize+1), ErrTooLarge},
		{"empty", nil, ErrTruncated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var v any
			err := Unmarshal(tc.in, &v)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Unmarshal error %v, want %v", err, tc.want)
			}
		})
	}
}

func TestUnmarshalAcceptsRealWorldVariants(t *testing.T) {
	for name, in := range map[string][]byte{
		"indefinite-length map":   {0xbf, 0x61, 0x61, 0x01, 0xff},
		"non-shortest map length": {0xb9, 0x00, 0x01, 0x61, 0x61, 0x01},
		"keys out of order":       {0xa2, 0x61, 0x62, 0x01, 0x61, 0x61, 0x02},
		"tag 1004 full-date":      append([]byte{0xd9, 0x03, 0xec, 0x6a}, "2024-01-02"...),
	} {
		t.Run(name, func(t *testing.T) {
			var v any
			if err := Unmarshal(in, &v); err != nil {
				t.Fatalf("rejected: %v", err)
			}
		})
	}
}

func TestMarshalDeterministic(t *testing.T) {
	b, err := Marshal(map[string]int{"b": 1, "a": 2})
	if err != nil {
		t.Fatal(err)
	}
	if want := []byte{0xa2, 0x61, 0x61, 0x02, 0x61, 0x62, 0x01}; !bytes.Equal(b, want) {
		t.Fatalf("Marshal = %x, want %x (sorted keys)", b, want)
	}
}

func FuzzUnmarshal(f *testing.F) {
	for _, seed := range [][]byte{{0xa2, 0x01, 0x02, 0x01, 0x03}, {0xbf, 0x61, 0x61, 0x01, 0xff}, {0x82, 0x01, 0x02}, {0xd8, 0x18, 0x41, 0x00}} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var v any
		err := Unmarshal(in, &v)
		if err == nil {
			return
		}
		for _, s := range []error{ErrMalformed, ErrTooLarge, ErrTooDeep, ErrDuplicateKey, ErrTruncated} {
			if errors.Is(err, s) {
				return
			}
		}
		t.Fatalf("error %v unwraps to no sentinel", err)
	})
}
