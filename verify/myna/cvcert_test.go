package myna_test

import (
	"bytes"
	"crypto/sha256"
	"testing"

	"taimen/verify/myna"
)

func TestDigestInfoSHA256(t *testing.T) {
	// SHA-256 DigestInfo prefix as in research §1.2.
	prefix := []byte{0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}
	h := sha256.Sum256([]byte("x"))
	if got := myna.DigestInfoSHA256(h[:]); !bytes.Equal(got, append(prefix, h[:]...)) {
		t.Errorf("% X", got)
	}
	// The card face's three digests: 30 71 … 04 60 (myna-card test).
	three := myna.DigestInfoSHA256(make([]byte, 96))
	if len(three) != 115 || !bytes.Equal(three[:2], []byte{0x30, 0x71}) || !bytes.Equal(three[17:19], []byte{0x04, 0x60}) {
		t.Errorf("% X", three[:20])
	}
}

func TestVerifyCardNilInput(t *testing.T) {
	res, err := myna.VerifyCard(nil, nil, at)
	if err != nil || res.Valid || len(res.Checks) != 8 {
		t.Fatalf("%v %+v", err, res)
	}
}
