package myna

import (
	"bytes"
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"taimen/verify"
)

func TestParseTLV(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		tag     uint32
		value   []byte
		rest    []byte
		wantErr error
	}{
		{"one byte tag", []byte{0x90, 0x03, 1, 0, 1, 0xAA}, 0x90, []byte{1, 0, 1}, []byte{0xAA}, nil},
		{"two byte tag", []byte{0xDF, 0x22, 0x01, '1'}, 0xDF22, []byte{'1'}, []byte{}, nil},
		{"7F21", []byte{0x7F, 0x21, 0x81, 0x01, 0xEE}, 0x7F21, []byte{0xEE}, []byte{}, nil},
		{"82 length", append([]byte{0x5F, 0x37, 0x82, 0x01, 0x00}, make([]byte, 256)...), 0x5F37, make([]byte, 256), []byte{}, nil},
		{"three byte tag", []byte{0xDF, 0x81, 0x01, 0x00}, 0xDF8101, []byte{}, []byte{}, nil},
		{"four byte tag", []byte{0xDF, 0x81, 0x81, 0x01, 0x00}, 0, nil, nil, verify.ErrMalformed},
		{"empty", []byte{}, 0, nil, nil, verify.ErrTruncated},
		{"tag cut", []byte{0xDF}, 0, nil, nil, verify.ErrTruncated},
		{"no length", []byte{0x90}, 0, nil, nil, verify.ErrTruncated},
		{"length cut", []byte{0x90, 0x82, 0x01}, 0, nil, nil, verify.ErrTruncated},
		{"value cut", []byte{0x90, 0x03, 1}, 0, nil, nil, verify.ErrTruncated},
		{"indefinite", []byte{0x90, 0x80, 0, 0}, 0, nil, nil, verify.ErrMalformed},
		{"83 length", []byte{0x90, 0x83, 0, 0, 1, 0}, 0, nil, nil, verify.ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, rest, err := parseTLV(tc.in)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil || got.Tag != tc.tag || !bytes.Equal(got.Value, tc.value) || !bytes.Equal(rest, tc.rest) {
				t.Fatalf("%X % X % X %v", got.Tag, got.Value, rest, err)
			}
		})
	}
}

func TestParseFields(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		n       int
		wantErr error
	}{
		{"filler", []byte{0x90, 0x01, 0x01, 0xFF, 0xFF}, 1, nil},
		{"zero filler", []byte{0x90, 0x01, 0x01, 0x00, 0x00}, 1, nil},
		{"junk after filler", []byte{0x90, 0x01, 0x01, 0xFF, 0x90}, 0, verify.ErrMalformed},
		{"duplicate", []byte{0x90, 0x01, 0x01, 0x90, 0x01, 0x02}, 0, verify.ErrDuplicateKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs, err := parseFields(tc.in, 0)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err %v", err)
				}
				return
			}
			if err != nil || len(fs) != tc.n {
				t.Fatalf("%d fields, %v", len(fs), err)
			}
		})
	}
	var many []byte
	for i := 0; i <= maxFields; i++ {
		many = append(many, 0xDF, byte(i+1), 0x00)
	}
	if _, err := parseFields(many, 0); !errors.Is(err, verify.ErrTooLarge) {
		t.Errorf("many: %v", err)
	}
}

func TestParseOuterFiller(t *testing.T) {
	for _, tc := range []struct {
		in []byte
		ok bool
	}{
		{[]byte{0xFF, 0x20, 0x00}, true},
		{[]byte{0xFF, 0x20, 0x00, 0xFF, 0xFF}, true},
		{[]byte{0xFF, 0x20, 0x00, 0xFF, 0x00}, false},
		{[]byte{0xFF, 0x20, 0x00, 0x01}, false},
		{[]byte{0xFF, 0x21, 0x00}, false},
	} {
		if _, err := parseOuter(tc.in, 0xFF20); (err == nil) != tc.ok {
			t.Errorf("% X: %v", tc.in, err)
		}
	}
}

func FuzzParseTLV(f *testing.F) {
	ents, err := os.ReadDir("testdata")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join("testdata", e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tl, rest, err := parseTLV(b)
		if err == nil {
			if len(tl.Raw)+len(rest) != len(b) || !bytes.HasPrefix(b, tl.Raw) || !bytes.HasSuffix(tl.Raw, tl.Value) {
				t.Fatal("inconsistent split")
			}
		}
		if fs, err := parseFields(b, 0); err == nil {
			n := 0
			for _, f := range fs {
				if f.off != n {
					t.Fatal("offset")
				}
				n += len(f.Raw)
			}
			if !isFiller(b[n:]) {
				t.Fatal("non-filler rest accepted")
			}
		}
	})
}

func FuzzParseOtherNames(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "sign_cert.der"))
	if err != nil {
		f.Fatal(err)
	}
	c, err := x509.ParseCertificate(b)
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range c.Extensions {
		if e.Id.Equal(oidSubjectAltName) {
			f.Add(e.Value)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseOtherNames(b)
		if err == nil {
			for _, v := range m {
				if len(v) > maxJPKIAttributeSize {
					t.Fatal("oversized value")
				}
			}
		}
	})
}
