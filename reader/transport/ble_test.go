package transport

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"testing"
	"time"
)

var (
	testService = UUID{0x45, 0xef, 0xef, 0x74, 0x2b, 0x2c, 0x4b, 0x37, 0x8b, 0x0b, 0x6d, 0x1e, 0x0c, 0x25, 0x45, 0x2c}
	// testEDK stands in for EDeviceKeyBytes: the transport treats it as
	// opaque bytes.
	testEDK = []byte{0xd8, 0x18, 0x58, 0x4b, 0xa4, 0x01, 0x02, 0x20, 0x01}
)

// identByHand is HKDF-SHA256 (RFC 5869) written out, to check IdentValue
// against something other than crypto/hkdf.
func identByHand(ikm []byte) []byte {
	ext := hmac.New(sha256.New, make([]byte, sha256.Size)) // no salt = zeros
	ext.Write(ikm)
	prk := ext.Sum(nil)
	exp := hmac.New(sha256.New, prk)
	exp.Write([]byte("BLEIdent"))
	exp.Write([]byte{1})
	return exp.Sum(nil)[:16]
}

func TestIdentValue(t *testing.T) {
	for _, ikm := range [][]byte{testEDK, {}, bytes.Repeat([]byte{7}, 200)} {
		got := IdentValue(ikm)
		if !bytes.Equal(got[:], identByHand(ikm)) {
			t.Errorf("ident of %x = %x, want %x", ikm, got, identByHand(ikm))
		}
	}
	if a, b := IdentValue([]byte{1}), IdentValue([]byte{2}); a == b {
		t.Error("different keys give the same ident")
	}
}

func TestUUIDs(t *testing.T) {
	want := map[UUID]string{
		MdocState:           "00000001-a123-48ce-896b-4c76973373e6",
		MdocClient2Server:   "00000002-a123-48ce-896b-4c76973373e6",
		MdocServer2Client:   "00000003-a123-48ce-896b-4c76973373e6",
		MdocIdent:           "00000004-a123-48ce-896b-4c76973373e6",
		MdocL2CAP:           "0000000a-a123-48ce-896b-4c76973373e6",
		ReaderState:         "00000005-a123-48ce-896b-4c76973373e6",
		ReaderClient2Server: "00000006-a123-48ce-896b-4c76973373e6",
		ReaderServer2Client: "00000007-a123-48ce-896b-4c76973373e6",
		ReaderIdent:         "00000008-a123-48ce-896b-4c76973373e6",
		ReaderL2CAP:         "0000000b-a123-48ce-896b-4c76973373e6",
	}
	for u, s := range want {
		if u.String() != s {
			t.Errorf("%s, want %s", u, s)
		}
	}
}

func TestChunks(t *testing.T) {
	tests := []struct {
		mtu, msg int
		want     []int // chunk lengths including the prefix
	}{
		{mtu: 23, msg: 0, want: []int{1}},
		{mtu: 23, msg: 19, want: []int{20}},
		{mtu: 23, msg: 20, want: []int{20, 2}},
		{mtu: 23, msg: 38, want: []int{20, 20}},
		{mtu: 23, msg: 39, want: []int{20, 20, 2}},
		{mtu: 0, msg: 20, want: []int{20, 2}},  // unknown MTU = 23
		{mtu: 10, msg: 20, want: []int{20, 2}}, // below the ATT minimum
		{mtu: 24, msg: 20, want: []int{21}},
		{mtu: 185, msg: 400, want: []int{182, 182, 39}},
		{mtu: 515, msg: 1022, want: []int{512, 512}},
		{mtu: 517, msg: 1023, want: []int{512, 512, 2}}, // values cap at 512
	}
	for _, tc := range tests {
		msg := pattern(tc.msg, 3)
		chunks := AppendChunks(nil, msg, tc.mtu)
		var lens []int
		var asm Reassembler
		var got []byte
		for i, c := range chunks {
			lens = append(lens, len(c))
			wantPrefix := byte(1)
			if i == len(chunks)-1 {
				wantPrefix = 0
			}
			if c[0] != wantPrefix {
				t.Errorf("mtu %d msg %d: chunk %d prefix %02x", tc.mtu, tc.msg, i, c[0])
			}
			m, err := asm.Push(c)
			if err != nil {
				t.Fatal(err)
			}
			if m != nil {
				got = m
			}
		}
		if !equalInts(lens, tc.want) {
			t.Errorf("mtu %d msg %d: chunk lengths %v, want %v", tc.mtu, tc.msg, lens, tc.want)
		}
		if !bytes.Equal(got, msg) || got == nil {
			t.Errorf("mtu %d msg %d: reassembled %d bytes", tc.mtu, tc.msg, len(got))
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestReassemblerErrors(t *testing.T) {
	tests := []struct {
		name   string
		max    int
		chunks [][]byte
		err    error
	}{
		{name: "empty chunk", chunks: [][]byte{{}}, err: ErrTransport},
		{name: "bad prefix", chunks: [][]byte{{0x02, 1}}, err: ErrTransport},
		{name: "bad prefix after more", chunks: [][]byte{{0x01, 1}, {0xff}}, err: ErrTransport},
		{name: "too large", max: 3, chunks: [][]byte{{0x01, 1, 2}, {0x00, 3, 4}}, err: ErrMessageTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Reassembler{Max: tc.max}
			var err error
			for _, c := range tc.chunks {
				if _, err = r.Push(c); err != nil {
					break
				}
			}
			if !errors.Is(err, tc.err) {
				t.Fatalf("err %v, want %v", err, tc.err)
			}
			// After an error the next message starts clean.
			m, err := r.Push([]byte{0x00, 9})
			if err != nil || !bytes.Equal(m, []byte{9}) {
				t.Fatalf("after error: %x, %v", m, err)
			}
		})
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}
