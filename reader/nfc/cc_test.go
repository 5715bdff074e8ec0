package nfc

import (
	"errors"
	"testing"
)

func TestParseCC(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		mle, mlc uint16
		size     uint16
		writable bool
	}{
		{"apple", "000f 20 0400 0400 0406 e104 0802 00 00", 0x400, 0x400, 0x802, true},
		{"read-only", "000f 20 7fff 7fff 0406 e104 7fff 00 ff", 0x7fff, 0x7fff, 0x7fff, false},
		{"mapping 3.0, longer cclen, extra bytes", "0017 30 00ff 0001 0406 e105 0005 00 00 0102", 0xff, 1, 5, true},
		{"proprietary write access", "000f 20 000f 0010 0406 e104 0100 00 80", 15, 16, 0x100, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cc, err := ParseCC(unhex(t, tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if cc.MLe != tt.mle || cc.MLc != tt.mlc || cc.MaxSize != tt.size || cc.Writable() != tt.writable || len(cc.Raw) != 15 {
				t.Fatalf("ParseCC = %+v", cc)
			}
		})
	}
}

func TestParseCCErrors(t *testing.T) {
	tests := []struct{ name, in string }{
		{"short", "000f 20 7fff 7fff 0406 e104 7fff 00"},
		{"cclen below 15", "000e 20 7fff 7fff 0406 e104 7fff 00 00"},
		{"cclen ffff", "ffff 20 7fff 7fff 0406 e104 7fff 00 00"},
		{"mapping 1.0", "000f 10 7fff 7fff 0406 e104 7fff 00 00"},
		{"mapping 4.0", "000f 40 7fff 7fff 0406 e104 7fff 00 00"},
		{"mle below 15", "000f 20 000e 7fff 0406 e104 7fff 00 00"},
		{"mlc zero", "000f 20 7fff 0000 0406 e104 7fff 00 00"},
		{"not the ndef file tlv", "000f 20 7fff 7fff 0506 e104 7fff 00 00"},
		{"tlv length not 6", "000f 20 7fff 7fff 0408 e104 7fff 00 00"},
		{"file id of the cc", "000f 20 7fff 7fff 0406 e103 7fff 00 00"},
		{"file id ffff", "000f 20 7fff 7fff 0406 ffff 7fff 00 00"},
		{"max ndef size above 7fff", "000f 20 7fff 7fff 0406 e104 8000 00 00"},
		{"max ndef size ffff", "000f 20 7fff 7fff 0406 e104 ffff 00 00"},
		{"max ndef size below 5", "000f 20 7fff 7fff 0406 e104 0004 00 00"},
		{"no read access", "000f 20 7fff 7fff 0406 e104 7fff ff 00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if cc, err := ParseCC(unhex(t, tt.in)); !errors.Is(err, ErrBadCC) {
				t.Fatalf("ParseCC = %+v, %v; want ErrBadCC", cc, err)
			}
		})
	}
}
