package myna

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"

	"taimen/reader"
)

// fakeCard is a small stateful card for this package's tests: files per
// application, one secret per key EF with a counter, and a signature
// command that returns a fixed answer. It checks every command is a short
// APDU, as TransceiverOptions promise. The full simulation (and pcscd) is
// exercised in sim/mynacard.
type fakeCard struct {
	files map[string]map[uint16][]byte // hex AID → EF → contents
	keys  map[string]*fakeKey          // hex AID/EF → key
	sig   []byte
	sw    map[string]uint16 // "aid/ef" → forced status for reads

	cur   string
	curEF uint16
	log   []reader.Command
	// mute answers the first command 6F00, as a card just powered up may.
	mute bool
	// query, when set, is the answer to every empty VERIFY.
	query uint16
	// fail, when set, is asked before each command; an error is returned
	// as a transport failure.
	fail func(i int) error
}

type fakeKey struct {
	secret   string
	left     int
	verified bool
}

func (f *fakeCard) Transmit(ctx context.Context, cmd reader.Command) (reader.Response, error) {
	if f.fail != nil {
		if err := f.fail(len(f.log)); err != nil {
			return reader.Response{}, err
		}
	}
	f.log = append(f.log, cmd)
	if f.mute && len(f.log) == 1 {
		return reader.Response{SW: 0x6F00}, nil
	}
	if _, err := cmd.EncodeShort(); err != nil {
		return reader.Response{}, fmt.Errorf("not a short apdu: %w", err)
	}
	r := func(s uint16) (reader.Response, error) { return reader.Response{SW: s}, nil }
	switch cmd.INS {
	case 0xA4:
		if cmd.P1 == 0x04 {
			f.cur, f.curEF = "", 0
			if _, ok := f.files[hex.EncodeToString(cmd.Data)]; ok {
				f.cur = hex.EncodeToString(cmd.Data)
				return r(0x9000)
			}
			return r(0x6A82)
		}
		id := uint16(cmd.Data[0])<<8 | uint16(cmd.Data[1])
		if _, ok := f.files[f.cur][id]; ok {
			f.curEF = id
			return r(0x9000)
		}
		if _, ok := f.keys[fmt.Sprintf("%s/%04x", f.cur, id)]; ok {
			f.curEF = id
			return r(0x9000)
		}
		return r(0x6A82)
	case 0x20:
		k, ok := f.keys[fmt.Sprintf("%s/%04x", f.cur, f.curEF)]
		if !ok {
			return r(0x6986)
		}
		if len(cmd.Data) == 0 {
			if f.query != 0 {
				return r(f.query)
			}
			if k.verified {
				return r(0x9000)
			}
			return r(0x63C0 | uint16(k.left))
		}
		if k.left == 0 {
			return r(0x6984)
		}
		if string(cmd.Data) == k.secret {
			k.verified = true
			return r(0x9000)
		}
		k.left--
		return r(0x63C0 | uint16(k.left))
	case 0xB0:
		if s, ok := f.sw[fmt.Sprintf("%s/%04x", f.cur, f.curEF)]; ok {
			return r(s)
		}
		d := f.files[f.cur][f.curEF]
		off := int(cmd.P1)<<8 | int(cmd.P2)
		if off >= len(d) {
			return r(0x6B00)
		}
		return reader.Response{Data: bytes.Clone(d[off:min(len(d), off+cmd.Ne)]), SW: 0x9000}, nil
	case 0x2A:
		return reader.Response{Data: f.sig, SW: 0x9000}, nil
	}
	return r(0x6D00)
}

// tlv builds a TLV with a 2-byte tag (BER lengths).
func tlv(tag uint16, v []byte) []byte {
	var b []byte
	if tag > 0xFF {
		b = append(b, byte(tag>>8))
	}
	b = append(b, byte(tag))
	switch n := len(v); {
	case n < 0x80:
		b = append(b, byte(n))
	case n <= 0xFF:
		b = append(b, 0x81, byte(n))
	default:
		b = append(b, 0x82, byte(n>>8), byte(n))
	}
	return append(b, v...)
}

func filler(b []byte, n int) []byte { return append(bytes.Clone(b), bytes.Repeat([]byte{0xFF}, n)...) }

const testCodeB = "55021720352285"

func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7) ^ seed
	}
	return b
}

// want are the objects a good card holds (before filler).
type wantFiles struct {
	textBasic, textIntegrity, textCert, textCardKey []byte
	face, faceInfo, faceCert                        []byte
	signCert, signCA                                []byte
}

func newWant() wantFiles {
	return wantFiles{
		textBasic:     tlv(0xFF20, pattern(150, 1)),
		textIntegrity: tlv(0xFF30, pattern(0x14B, 2)),
		textCert:      tlv(0x7F21, pattern(0x233, 3)),
		textCardKey:   tlv(0xFF50, pattern(300, 4)),
		face:          tlv(0xFF20, pattern(3000, 5)), // many chunks
		faceInfo:      tlv(0xFF30, pattern(20, 6)),
		faceCert:      tlv(0x7F21, pattern(0x233, 7)),
		signCert:      tlv(0x30, pattern(1500, 8)),
		signCA:        tlv(0x30, pattern(1200, 9)),
	}
}

func newFake(w wantFiles, tries int) *fakeCard {
	t, fa, j := hex.EncodeToString(TextAP.AID), hex.EncodeToString(FaceAP.AID), hex.EncodeToString(JPKIAP.AID)
	return &fakeCard{
		files: map[string]map[uint16][]byte{
			t: {
				0x0001: filler([]byte("\xFF\x10\x0C123456789018"), 2),
				0x0002: filler(w.textBasic, 30), 0x0003: filler(w.textIntegrity, 5),
				0x0004: w.textCert, 0x0007: filler(w.textCardKey, 1),
			},
			fa: {
				0x0002: filler(w.face, 100), 0x0003: w.faceInfo, 0x0004: filler(w.faceCert, 3),
				0x0005: []byte("my number png"),
			},
			j: {0x0001: filler(w.signCert, 9), 0x0002: w.signCA, 0x001A: nil},
		},
		keys: map[string]*fakeKey{
			t + "/0015":  {secret: testCodeB, left: tries},
			fa + "/0012": {secret: testCodeB, left: tries},
			j + "/001b":  {secret: "ABC123", left: 5},
		},
		sig: pattern(256, 10),
	}
}
