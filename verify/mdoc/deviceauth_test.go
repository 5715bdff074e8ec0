package mdoc

import (
	"crypto/ecdh"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"

	"taimen/verify"
)

func TestDeviceAuthenticationBytesAnnexDHash(t *testing.T) {
	a := respLoadAnnexD(t)
	r, err := DecodeDeviceResponse(a.response)
	if err != nil {
		t.Fatal(err)
	}
	d := r.Documents[0]
	dab := DeviceAuthenticationBytes(a.transcript, *d.DocType, *d.DeviceSigned.NameSpaces)
	sum := sha256.Sum256(dab)
	if got := hex.EncodeToString(sum[:8]); got != "8771204241dcefd6" {
		t.Errorf("SHA-256(DeviceAuthenticationBytes) starts %s", got)
	}
	if got := hex.EncodeToString(d.DeviceSigned.NameSpaces.Raw); got != "d81841a0" {
		t.Errorf("DeviceNameSpacesBytes %s", got)
	}
}

func TestAppendHead(t *testing.T) {
	for _, n := range []uint64{0, 23, 24, 255, 256, 65535, 65536, 1<<32 - 1, 1 << 32, 1<<64 - 1} {
		want := respMarshal(t, n) // major type 0 head of n
		want[0] |= 2 << 5
		got := appendHead(nil, 2, n)
		if hex.EncodeToString(got) != hex.EncodeToString(want) {
			t.Errorf("%d: %x, want %x", n, got, want)
		}
		if headLen(n) != len(want) {
			t.Errorf("%d: headLen %d, want %d", n, headLen(n), len(want))
		}
	}
}

// respMac0 builds a COSE_Mac0 over dab with key.
func respMac0(t *testing.T, protected []byte, payload any, key, dab []byte) []byte {
	t.Helper()
	h := hmac.New(sha256.New, key)
	h.Write(respMarshal(t, []any{"MAC0", protected, []byte{}, dab}))
	return respMarshal(t, []any{protected, map[int]int{}, payload, h.Sum(nil)})
}

func TestVerifyDeviceMac(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	dab := []byte{0xd8, 0x18, 0x41, 0x80}
	good := []byte{0xa1, 0x01, 0x05}
	cases := []struct {
		name string
		mac  []byte
		key  []byte
		want error
	}{
		{"valid", respMac0(t, good, nil, key, dab), key, nil},
		{"wrong key", respMac0(t, good, nil, key, dab), make([]byte, 32), ErrMACInvalid},
		{"other payload", respMac0(t, good, nil, key, []byte{0xd8, 0x18, 0x41, 0x81}), key, ErrMACInvalid},
		{"attached payload", respMac0(t, good, dab, key, dab), key, ErrDetachedExpected},
		{"hmac 384", respMac0(t, []byte{0xa1, 0x01, 0x06}, nil, key, dab), key, ErrMACAlgorithm},
		{"no alg", respMac0(t, []byte{0xa1, 0x04, 0x41, 0x00}, nil, key, dab), key, ErrAlgMissing},
		{"empty protected", respMac0(t, []byte{}, nil, key, dab), key, ErrAlgMissing},
		{"text alg", respMac0(t, respMarshal(t, map[int]string{1: "HS256"}), nil, key, dab), key, verify.ErrMalformed},
		{"duplicate alg", respMac0(t, []byte{0xa2, 0x01, 0x05, 0x01, 0x05}, nil, key, dab), key, verify.ErrDuplicateKey},
		{"not an array", respMarshal(t, map[int]int{1: 2}), key, verify.ErrMalformed},
		{"three elements", respMarshal(t, []any{good, map[int]int{}, nil}), key, verify.ErrMalformed},
		{"truncated", respMac0(t, good, nil, key, dab)[:10], key, verify.ErrTruncated},
		{"unprotected not a map", respMarshal(t, []any{good, 1, nil, []byte{1}}), key, verify.ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := VerifyDeviceMac(c.mac, c.key, dab)
			if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
				t.Errorf("err %v, want %v", err, c.want)
			}
		})
	}
}

func TestDeriveEMacKeyErrors(t *testing.T) {
	a := respLoadAnnexD(t)
	p384, err := ecdh.P384().NewPrivateKey(make([]byte, 47*1+1))
	if err != nil {
		// 48 zero bytes is not a valid scalar; use a fixed non-zero one.
		d := make([]byte, 48)
		d[47] = 7
		if p384, err = ecdh.P384().NewPrivateKey(d); err != nil {
			t.Fatal(err)
		}
	}
	dev := &COSEKey{Kty: ktyEC2, Crv: crvP256, X: make([]byte, 32), Y: make([]byte, 32)}
	r, _ := DecodeDeviceResponse(a.response)
	m, _, _ := decodeSign1(r.Documents[0].IssuerSigned.IssuerAuth)
	payload, _, _ := payloadBytes(m.Payload)
	mso, err := DecodeMSO(payload)
	if err != nil {
		t.Fatal(err)
	}
	good, err := DecodeCOSEKey(mso.DeviceKeyInfo.DeviceKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		reader *ecdh.PrivateKey
		key    *COSEKey
		want   error
	}{
		{"no reader key", nil, good, ErrNoSessionKey},
		{"no device key", a.readerKey, nil, ErrNoSessionKey},
		{"curves differ", p384, good, ErrNoSessionKey},
		{"point not on the curve", a.readerKey, dev, verify.ErrMalformed},
		{"unsupported key", a.readerKey, &COSEKey{Kty: 3}, ErrUnsupportedKey},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := DeriveEMacKey(c.reader, c.key, a.transcript); !errors.Is(err, c.want) {
				t.Errorf("err %v, want %v", err, c.want)
			}
		})
	}
}

func TestProtectedAlg(t *testing.T) {
	for _, c := range []struct {
		name string
		in   []byte
		alg  int64
		want error
	}{
		{"es256", []byte{0xa1, 0x01, 0x26}, -7, nil},
		{"text labels ignored", respMarshal(t, map[any]any{"x": 1, 1: -35}), -35, nil},
		{"missing", []byte{0xa0}, 0, ErrAlgMissing},
		{"empty", nil, 0, ErrAlgMissing},
		{"not a map", []byte{0x80}, 0, verify.ErrMalformed},
		{"trailing", []byte{0xa1, 0x01, 0x26, 0x00}, 0, verify.ErrMalformed},
		{"huge alg", []byte{0xa1, 0x01, 0x3b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 0, verify.ErrMalformed},
	} {
		t.Run(c.name, func(t *testing.T) {
			alg, err := protectedAlg(c.in)
			if c.want == nil && (err != nil || alg != c.alg) || c.want != nil && !errors.Is(err, c.want) {
				t.Errorf("alg %d err %v, want %d %v", alg, err, c.alg, c.want)
			}
		})
	}
}
