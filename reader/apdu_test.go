package reader

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func TestCommandEncode(t *testing.T) {
	d3 := []byte{1, 2, 3}
	tests := []struct {
		name string
		cmd  Command
		want string // hex; the prefix of long data is spelled out by wantData
		data []byte // appended where "|" is in want
	}{
		{"case1", Command{CLA: 0x00, INS: 0xA4, P1: 0x04, P2: 0x00}, "00a40400", nil},
		{"case2S ne1", Command{INS: 0xB0, Ne: 1}, "00b0000001", nil},
		{"case2S ne255", Command{INS: 0xB0, Ne: 255}, "00b00000ff", nil},
		{"case2S ne256 is Le 00", Command{INS: 0xB0, Ne: 256}, "00b0000000", nil},
		{"case2E ne257", Command{INS: 0xB0, Ne: 257}, "00b00000000101", nil},
		{"case2E ne65535", Command{INS: 0xB0, Ne: 65535}, "00b0000000ffff", nil},
		{"case2E ne65536 is Le 0000", Command{INS: 0xB0, Ne: 65536}, "00b00000000000", nil},
		{"case3S", Command{CLA: 0x80, INS: 0xE2, Data: d3}, "80e2000003010203", nil},
		{"case3S 255", Command{INS: 0xD6, Data: seq(255)}, "00d60000ff|", seq(255)},
		{"case3E 256", Command{INS: 0xD6, Data: seq(256)}, "00d60000000100|", seq(256)},
		{"case4S", Command{INS: 0xA4, P1: 4, Data: d3, Ne: 256}, "00a404000301020300", nil},
		{"case4E by ne", Command{INS: 0xA4, Data: d3, Ne: 257}, "00a40000000003010203" + "0101", nil},
		{"case4E by data", Command{INS: 0xC3, Data: seq(256), Ne: 1}, "00c30000000100|0001", seq(256)},
		{"case4E ne65536", Command{INS: 0xC3, Data: d3, Ne: 65536}, "00c300000000030102030000", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := expand(t, tt.want, tt.data)
			got, err := tt.cmd.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("Encode = %x, want %x", got, want)
			}
			back, err := ParseCommand(got)
			if err != nil {
				t.Fatalf("ParseCommand: %v", err)
			}
			if !sameCommand(back, tt.cmd) {
				t.Fatalf("ParseCommand = %+v, want %+v", back, tt.cmd)
			}
		})
	}
}

func expand(t *testing.T, s string, data []byte) []byte {
	before, after, found := strings.Cut(s, "|")
	b := unhex(t, before)
	if found {
		b = append(b, data...)
		b = append(b, unhex(t, after)...)
	}
	return b
}

func sameCommand(a, b Command) bool {
	return a.CLA == b.CLA && a.INS == b.INS && a.P1 == b.P1 && a.P2 == b.P2 && a.Ne == b.Ne && bytes.Equal(a.Data, b.Data)
}

func TestCommandEncodeForms(t *testing.T) {
	c := Command{INS: 0xB0, Data: []byte{9}, Ne: 2}
	ext, err := c.EncodeExtended()
	if err != nil {
		t.Fatal(err)
	}
	if want := unhex(t, "00b0000000000109 0002"); !bytes.Equal(ext, want) {
		t.Fatalf("EncodeExtended = %x, want %x", ext, want)
	}
	short, err := c.EncodeShort()
	if err != nil {
		t.Fatal(err)
	}
	if want := unhex(t, "00b000000109 02"); !bytes.Equal(short, want) {
		t.Fatalf("EncodeShort = %x, want %x", short, want)
	}
	case1, err := Command{INS: 0x84}.EncodeExtended()
	if err != nil || len(case1) != 4 {
		t.Fatalf("case 1 extended = %x, %v; want 4 bytes", case1, err)
	}
}

func TestCommandEncodeErrors(t *testing.T) {
	tests := []struct {
		name  string
		cmd   Command
		short bool
	}{
		{"negative ne", Command{Ne: -1}, false},
		{"ne 65537", Command{Ne: 65537}, false},
		{"data 65536", Command{Data: make([]byte, 65536)}, false},
		{"short with ne 257", Command{Ne: 257}, true},
		{"short with data 256", Command{Data: make([]byte, 256)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.short {
				_, err = tt.cmd.EncodeShort()
			} else {
				_, err = tt.cmd.Encode()
			}
			if !errors.Is(err, ErrInvalidCommand) {
				t.Fatalf("err = %v, want ErrInvalidCommand", err)
			}
		})
	}
}

func TestParseCommandMalformed(t *testing.T) {
	for _, h := range []string{
		"",
		"00a404",                  // 3 bytes
		"00a404000000",            // body 00 00: neither 2S nor extended
		"00a4040003 0102",         // lc 3, 2 data bytes
		"00a4040002 010203 00 00", // lc 2, too many bytes
		"00a40400 000000 00",      // extended lc 0
		"00a40400 000003 0102",    // extended lc 3, 2 bytes
		"00a40400 000001 01 00",   // extended lc 1, 1-byte le
	} {
		if _, err := ParseCommand(unhex(t, h)); !errors.Is(err, ErrMalformedCommand) {
			t.Errorf("ParseCommand(%s) err = %v, want ErrMalformedCommand", h, err)
		}
	}
}

func TestResponse(t *testing.T) {
	r, err := ParseResponse(unhex(t, "0102 9000"))
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() || !bytes.Equal(r.Data, []byte{1, 2}) || r.Err() != nil {
		t.Fatalf("got %+v", r)
	}
	if got := r.Encode(); !bytes.Equal(got, unhex(t, "01029000")) {
		t.Fatalf("Encode = %x", got)
	}
	r, err = ParseResponse(unhex(t, "6a82"))
	if err != nil || r.OK() || len(r.Data) != 0 || r.SW1() != 0x6A || r.SW2() != 0x82 {
		t.Fatalf("got %+v, %v", r, err)
	}
	if !errors.Is(r.Err(), ErrNotFound) {
		t.Fatalf("Err = %v, want ErrNotFound", r.Err())
	}
	for _, h := range []string{"", "90"} {
		if _, err := ParseResponse(unhex(t, h)); !errors.Is(err, ErrMalformedResponse) {
			t.Errorf("ParseResponse(%q) err = %v, want ErrMalformedResponse", h, err)
		}
	}
}
