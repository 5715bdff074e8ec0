package mdoc

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"taimen/verify"
)

func respMarshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := verify.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeValueJSON(t *testing.T) {
	jpeg := append([]byte{0xff, 0xd8, 0xff, 0xe0}, make([]byte, 20)...)
	jp2 := append([]byte{0, 0, 0, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a}, make([]byte, 8)...)
	j2c := []byte{0xff, 0x4f, 0xff, 0x51}
	cases := []struct {
		name string
		in   []byte
		json string
		kind Kind
	}{
		{"uint", respMarshal(t, 170), `170`, KindInt},
		{"negative", respMarshal(t, -5), `-5`, KindInt},
		{"max uint64", respMarshal(t, uint64(1<<64-1)), `18446744073709551615`, KindInt},
		{"below min int64", []byte{0x3b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, `-18446744073709551616`, KindBigInt},
		{"true", respMarshal(t, true), `true`, KindBool},
		{"false", respMarshal(t, false), `false`, KindBool},
		{"null", []byte{0xf6}, `null`, KindNull},
		{"undefined", []byte{0xf7}, `null`, KindNull},
		{"float", respMarshal(t, 1.5), `1.5`, KindFloat},
		{"half float", []byte{0xf9, 0x3e, 0x00}, `1.5`, KindFloat},
		{"text", respMarshal(t, "山田 花子"), `"山田 花子"`, KindString},
		{"text needing escape", respMarshal(t, "a\"b<"), `"a\"b\u003c"`, KindString},
		{"indefinite text", []byte{0x7f, 0x61, 'a', 0x61, 'b', 0xff}, `"ab"`, KindString},
		{"jpeg", respMarshal(t, jpeg), `{"mediaType":"image/jpeg","base64":"/9j/4AAAAAAAAAAAAAAAAAAAAAAAAAAA"}`, KindBytes},
		{"jpeg2000", respMarshal(t, jp2), `{"mediaType":"image/jp2","base64":"AAAADGpQICANCgAAAAAAAAAA"}`, KindBytes},
		{"j2c", respMarshal(t, j2c), `{"mediaType":"image/j2c","base64":"/0//UQ=="}`, KindBytes},
		{"other bytes", respMarshal(t, []byte{1, 2}), `{"mediaType":"application/octet-stream","base64":"AQI="}`, KindBytes},
		{"full-date", respMarshal(t, cbor.Tag{Number: 1004, Content: "1990-04-01"}), `"1990-04-01"`, KindFullDate},
		{"full-date days", respMarshal(t, cbor.Tag{Number: 100, Content: 1}), `"1970-01-02"`, KindFullDate},
		{"full-date as tstr", respMarshal(t, "1990-04-01"), `"1990-04-01"`, KindString},
		{"tdate", respMarshal(t, cbor.Tag{Number: 0, Content: "2024-01-02T03:04:05Z"}), `"2024-01-02T03:04:05Z"`, KindDateTime},
		{"tdate with offset", respMarshal(t, cbor.Tag{Number: 0, Content: "2024-01-02T12:04:05+09:00"}), `"2024-01-02T12:04:05+09:00"`, KindDateTime},
		{"epoch", respMarshal(t, cbor.Tag{Number: 1, Content: 0}), `"1970-01-01T00:00:00Z"`, KindDateTime},
		{"bad full-date", respMarshal(t, cbor.Tag{Number: 1004, Content: "1990-13-01"}), `{"tag":1004,"value":"1990-13-01"}`, KindTag},
		{"other tag", respMarshal(t, cbor.Tag{Number: 37, Content: []byte{1}}), `{"tag":37,"value":{"mediaType":"application/octet-stream","base64":"AQ=="}}`, KindTag},
		{"array", respMarshal(t, []any{1, "a"}), `[1,"a"]`, KindArray},
		{"indefinite array", []byte{0x9f, 0x01, 0x02, 0xff}, `[1,2]`, KindArray},
		{"map sorted", respMarshal(t, map[any]any{"b": 1, "a": 2, 3: true}), `{"3":true,"a":2,"b":1}`, KindMap},
		{"driving_privileges", respMarshal(t, []any{map[string]any{
			"vehicle_category_code": "B",
			"issue_date":            cbor.Tag{Number: 1004, Content: "2010-06-15"},
			"codes":                 []any{map[string]any{"code": "01", "sign": "=", "value": "1"}},
		}}), `[{"codes":[{"code":"01","sign":"=","value":"1"}],"issue_date":"2010-06-15","vehicle_category_code":"B"}]`, KindArray},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, err := DecodeValue(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if v.Kind != c.kind {
				t.Errorf("kind %s, want %s", v.Kind, c.kind)
			}
			j, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if string(j) != c.json {
				t.Errorf("json %s, want %s", j, c.json)
			}
			if !json.Valid(j) {
				t.Errorf("invalid JSON %s", j)
			}
		})
	}
}

func TestValueDate(t *testing.T) {
	for _, c := range []struct {
		in   any
		want string
		ok   bool
	}{
		{cbor.Tag{Number: 1004, Content: "1990-04-01"}, "1990-04-01", true},
		{"1990-04-01", "1990-04-01", true},
		{cbor.Tag{Number: 0, Content: "1990-04-01T10:00:00Z"}, "1990-04-01", true},
		{"1990年4月1日", "", false},
		{5, "", false},
	} {
		v, err := DecodeValue(respMarshal(t, c.in))
		if err != nil {
			t.Fatal(err)
		}
		d, ok := v.Date()
		if ok != c.ok || ok && d.Format(time.DateOnly) != c.want {
			t.Errorf("%v: %v %v", c.in, d, ok)
		}
	}
}

func TestValueGetAndString(t *testing.T) {
	v, err := DecodeValue(respMarshal(t, map[string]any{"vehicle_category_code": "B"}))
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := v.Get("vehicle_category_code"); !ok || c.String() != "B" {
		t.Errorf("Get: %v %v", c, ok)
	}
	if _, ok := v.Get("nope"); ok {
		t.Error("Get of a missing key")
	}
	p, _ := DecodeValue(respMarshal(t, []byte{0xff, 0xd8, 1}))
	if p.String() != "<image/jpeg, 3 bytes>" {
		t.Errorf("bytes String %q", p.String())
	}
	if s := (Value{Kind: KindBool, Bool: true}).String(); s != "true" {
		t.Errorf("bool String %q", s)
	}
}

func TestDecodeValueErrors(t *testing.T) {
	deep := []byte(strings.Repeat("\x81", 40) + "\x00")
	for _, c := range []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, verify.ErrTruncated},
		{"truncated text", []byte{0x63, 'a'}, verify.ErrTruncated},
		{"truncated array", []byte{0x82, 0x01}, verify.ErrTruncated},
		{"too deep", deep, verify.ErrTooDeep},
		{"invalid utf-8", []byte{0x62, 0xff, 0xfe}, verify.ErrMalformed},
		{"duplicate map key", []byte{0xa2, 0x61, 'a', 0x01, 0x61, 'a', 0x02}, verify.ErrDuplicateKey},
		{"trailing bytes", []byte{0x01, 0x02}, verify.ErrMalformed},
		{"reserved additional info", []byte{0x1c}, verify.ErrMalformed},
		{"lone break", []byte{0xff}, verify.ErrMalformed},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeValue(c.in)
			if !errors.Is(err, c.want) {
				t.Errorf("err %v, want %v", err, c.want)
			}
		})
	}
}

func TestSniffMediaType(t *testing.T) {
	for in, want := range map[string]string{
		"ffd8ffe0":                 MediaJPEG,
		"0000000c6a5020200d0a870a": MediaJPEG2000,
		"ff4fff51":                 MediaJPEG2000J2C,
		"89504e47":                 MediaOctetStream,
		"":                         MediaOctetStream,
		"ff":                       MediaOctetStream,
	} {
		b, _ := hex.DecodeString(in)
		if got := SniffMediaType(b); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}
