package myna

import (
	"bytes"
	"errors"
	"testing"

	"taimen/verify"
)

// t2 builds a TLV with a one- or two-byte tag (test helper; short or 82
// lengths only).
func t2(tag uint32, parts ...[]byte) []byte {
	v := bytes.Join(parts, nil)
	var out []byte
	if tag > 0xFF {
		out = append(out, byte(tag>>8))
	}
	out = append(out, byte(tag))
	if len(v) < 0x80 {
		out = append(out, byte(len(v)))
	} else {
		out = append(out, 0x82, byte(len(v)>>8), byte(len(v)))
	}
	return append(out, v...)
}

func modulus(bits int) []byte {
	n := make([]byte, bits/8)
	for i := range n {
		n[i] = 0xA5
	}
	n[0] |= 0x80
	n[len(n)-1] |= 1
	return n
}

func TestParseCardKey(t *testing.T) {
	e := []byte{1, 0, 1}
	for _, tc := range []struct {
		name string
		in   []byte
		ok   bool
	}{
		{"2048", append(t2(0x90, e), t2(0x91, modulus(2048))...), true},
		{"4096", append(t2(0x90, e), t2(0x91, modulus(4096))...), true},
		{"1024", append(t2(0x90, e), t2(0x91, modulus(1024))...), false},
		{"even exponent", append(t2(0x90, []byte{1, 0, 0}), t2(0x91, modulus(2048))...), false},
		{"exponent 1", append(t2(0x90, []byte{1}), t2(0x91, modulus(2048))...), false},
		{"exponent leading zero", append(t2(0x90, []byte{0, 1, 0, 1}), t2(0x91, modulus(2048))...), false},
		{"exponent too long", append(t2(0x90, []byte{1, 1, 0, 0, 1}), t2(0x91, modulus(2048))...), false},
		{"even modulus", append(t2(0x90, e), t2(0x91, append(modulus(2048)[:255], 0x02))...), false},
		{"swapped", append(t2(0x91, modulus(2048)), t2(0x90, e)...), false},
		{"extra", append(append(t2(0x90, e), t2(0x91, modulus(2048))...), t2(0x92, e)...), false},
		{"no modulus", t2(0x90, e), false},
	} {
		if _, err := parseCardKey(tc.in); (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestParseScalars(t *testing.T) {
	for in, want := range map[string]Sex{"1": SexMale, "2": SexFemale, "0": SexNotKnown, "9": SexNotApplicable} {
		if got, err := parseCardSex([]byte(in)); err != nil || got != want {
			t.Errorf("sex %q: %v %v", in, got, err)
		}
	}
	for _, in := range []string{"3", "", "12", "a"} {
		if _, err := parseCardSex([]byte(in)); !errors.Is(err, verify.ErrMalformed) {
			t.Errorf("sex %q accepted", in)
		}
	}
	if d, err := parseDate([]byte("20240229")); err != nil || d.String() != "2024-02-29" {
		t.Errorf("leap day: %v %v", d, err)
	}
	for _, in := range []string{"20230229", "19801317", "18000101", "1980021", "1980-2-1", "198002170"} {
		if _, err := parseDate([]byte(in)); !errors.Is(err, verify.ErrMalformed) {
			t.Errorf("date %q accepted", in)
		}
	}
	if (Date{}).String() != "" {
		t.Error("zero date renders")
	}
}

// textFile builds 入力補助AP EF0002 with a correct offset table.
func textFile(objs ...[]byte) []byte {
	table := make([]byte, 2*len(objs))
	hdr := func(n int) int {
		if n < 0x80 {
			return 3
		}
		return 5
	}
	bodyLen := 3 + len(table)
	for _, o := range objs {
		bodyLen += len(o)
	}
	pos := hdr(bodyLen) + 3 + len(table)
	for i, o := range objs {
		table[2*i], table[2*i+1] = byte(pos>>8), byte(pos)
		pos += len(o)
	}
	return t2(0xFF20, append([][]byte{t2(0xDF21, table)}, objs...)...)
}

func TestParseTextRecordShapes(t *testing.T) {
	name, addr := t2(0xDF22, []byte("対面　太郎")), t2(0xDF23, []byte("東京都"))
	birth, sex := t2(0xDF24, []byte("19800217")), t2(0xDF25, []byte("1"))
	good := textFile(name, addr, birth, sex)
	if r, err := ParseTextRecord(append(good, 0xFF, 0xFF)); err != nil || r.Name != "対面　太郎" || r.Sex != SexMale {
		t.Fatalf("%+v %v", r, err)
	}
	for _, tc := range []struct {
		name string
		in   []byte
	}{
		{"no sex", textFile(name, addr, birth)},
		{"bad utf-8", textFile(t2(0xDF22, []byte{0xE5, 0xAF}), addr, birth, sex)},
		{"empty name", textFile(t2(0xDF22, nil), addr, birth, sex)},
		{"no offset table", t2(0xFF20, name, addr, birth, sex)},
		{"table not first", t2(0xFF20, name, t2(0xDF21, make([]byte, 6)), addr, birth, sex)},
		{"wrong outer tag", append([]byte{0xFF, 0x30}, good[2:]...)},
		{"duplicate", textFile(name, name, addr, birth, sex)},
	} {
		if _, err := ParseTextRecord(tc.in); err == nil {
			t.Errorf("%s accepted", tc.name)
		}
	}
}

func TestParseIntegrityShapes(t *testing.T) {
	d := make([]byte, 32)
	sig := make([]byte, 256)
	if _, err := ParseTextIntegrity(t2(0xFF30, t2(0xDF31, d), t2(0xDF32, d), t2(0xDF33, sig))); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		in   []byte
	}{
		{"order", t2(0xFF30, t2(0xDF32, d), t2(0xDF31, d), t2(0xDF33, sig))},
		{"short digest", t2(0xFF30, t2(0xDF31, d), t2(0xDF32, d[:31]), t2(0xDF33, sig))},
		{"no signature", t2(0xFF30, t2(0xDF31, d), t2(0xDF32, d))},
		{"extra", t2(0xFF30, t2(0xDF31, d), t2(0xDF32, d), t2(0xDF33, sig), t2(0xDF34, d))},
	} {
		if _, err := ParseTextIntegrity(tc.in); !errors.Is(err, verify.ErrMalformed) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestParseCVCertShapes(t *testing.T) {
	id := []byte("9000023\x08\x05001\x00\x00\x00\x00")
	key := append(t2(0x90, []byte{1, 0, 1}), t2(0x91, modulus(2048))...)
	body := bytes.Join([][]byte{id, id, key}, nil)
	good := t2(0x7F21, t2(0x5F4E, body), t2(0x5F37, make([]byte, 256)))
	c, err := ParseCVCert(good)
	if err != nil || c.IssuerKeyID.String() != "9000023/001:00000000" || len(c.Body) != 297 {
		t.Fatalf("%+v %v", c, err)
	}
	for _, tc := range []struct {
		name string
		in   []byte
	}{
		{"no signature", t2(0x7F21, t2(0x5F4E, body))},
		{"swapped", t2(0x7F21, t2(0x5F37, make([]byte, 256)), t2(0x5F4E, body))},
		{"short body", t2(0x7F21, t2(0x5F4E, id), t2(0x5F37, make([]byte, 256)))},
		{"bsi layout 7F4E", t2(0x7F21, t2(0x7F4E, body), t2(0x5F37, make([]byte, 256)))},
		{"too large", t2(0x7F21, t2(0x5F4E, body), t2(0x5F37, make([]byte, 2048)))},
	} {
		if _, err := ParseCVCert(tc.in); err == nil {
			t.Errorf("%s accepted", tc.name)
		}
	}
}

func TestParseOtherNamesShapes(t *testing.T) {
	oid := []byte{0x06, 0x0A, 0x2A, 0x83, 0x08, 0x8C, 0x9B, 0x55, 0x08, 0x05, 0x05, 0x03}
	other := func(val []byte) []byte { return t2(0xA0, oid, t2(0xA0, val)) }
	utf := t2(0x0C, []byte("1"))
	for _, tc := range []struct {
		name string
		in   []byte
		ok   bool
	}{
		{"one", t2(0x30, other(utf)), true},
		{"with dns name", t2(0x30, t2(0x82, []byte("example.jp")), other(utf)), true},
		{"printable", t2(0x30, other(t2(0x13, []byte("1")))), true},
		{"integer value", t2(0x30, other(t2(0x02, []byte{1}))), false},
		{"twice", t2(0x30, other(utf), other(utf)), false},
		{"trailing", append(t2(0x30, other(utf)), 0), false},
		{"two values", t2(0x30, t2(0xA0, oid, t2(0xA0, utf, utf))), false},
		{"not a sequence", t2(0x31, other(utf)), false},
	} {
		if _, err := parseOtherNames(tc.in); (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}
