package mdoc

import (
	"bytes"
	"crypto/ecdh"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"taimen/verify"
)

func TestParseDeviceEngagementAnnexDQR(t *testing.T) {
	raw := sessVec(t, "annexd_device_engagement_qr.cbor")
	de, err := ParseDeviceEngagement(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(de.Raw, raw) {
		t.Error("Raw is not the received bytes")
	}
	if de.Version != "1.0" || de.CipherSuite != 1 {
		t.Errorf("version %q cipher suite %d", de.Version, de.CipherSuite)
	}
	if de.EDeviceKey.Kty != ktyEC2 || de.EDeviceKey.Crv != crvP256 ||
		hex.EncodeToString(de.EDeviceKey.X[:4]) != "5a88d182" {
		t.Errorf("eDeviceKey %+v", de.EDeviceKey)
	}
	if len(de.DeviceRetrievalMethods) != 1 {
		t.Fatalf("%d retrieval methods", len(de.DeviceRetrievalMethods))
	}
	m := de.DeviceRetrievalMethods[0]
	if m.Type != RetrievalBLE || m.Version != 1 || m.BLE == nil || m.NFC != nil {
		t.Fatalf("method %+v", m)
	}
	ble := de.BLE()
	if ble.PeripheralServerMode || !ble.CentralClientMode ||
		hex.EncodeToString(ble.CentralClientUUID) != "45efef742b2c4837a9a3b0e1d05a6917" ||
		ble.PeripheralServerUUID != nil || ble.PeripheralServerAddress != nil {
		t.Errorf("ble %+v", ble)
	}
	if de.Capabilities != nil || de.OriginInfos != nil || de.ServerRetrievalMethods != nil || de.ProtocolInfo != nil {
		t.Error("absent members decoded as present")
	}
	item, err := de.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(item.Inner, raw) || !bytes.Equal(item.Raw[:4], []byte{0xd8, 0x18, 0x58, 0x74}) {
		t.Errorf("DeviceEngagementBytes % x…", item.Raw[:8])
	}
}

// The NFC engagement inside the Annex D Hs is the one in the transcript:
// its tag-24 item must be the transcript's first element byte for byte.
func TestParseDeviceEngagementAnnexDNFC(t *testing.T) {
	a := sessLoadAnnexD(t)
	if a.de.Version != "1.0" || a.de.DeviceRetrievalMethods != nil || a.de.BLE() != nil {
		t.Errorf("nfc engagement %+v", a.de)
	}
	item, err := a.de.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	st, err := ParseSessionTranscript(sessVec(t, "annexd_session_transcript_bytes.cbor"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(st.Array[1:], item.Raw) {
		t.Error("DeviceEngagementBytes differ from the transcript's first element")
	}
	qr, err := ParseDeviceEngagement(sessVec(t, "annexd_device_engagement_qr.cbor"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(qr.EDeviceKeyBytes.Raw, a.de.EDeviceKeyBytes.Raw) {
		t.Error("QR and NFC engagements carry different EDeviceKeys")
	}
}

// An Apple-like 1.1 engagement with keys 5 and 6 (6 first) and an unknown
// key: the transcript must embed the bytes as received, so that reader and
// holder derive the same keys; a re-encoded engagement would not.
func TestDeviceEngagementV11KeptRaw(t *testing.T) {
	devKey := sessECDHKey(t, ecdh.P256(), "apple-like device")
	raw := sessAppleLikeDE(t, devKey)
	sessGolden(t, "session_de_apple_like.cbor", raw)
	de, err := ParseDeviceEngagement(raw)
	if err != nil {
		t.Fatal(err)
	}
	if de.Version != "1.1" || de.Capabilities == nil ||
		de.Capabilities.HandoverSessionEstablishmentSupport ||
		!de.Capabilities.ReaderAuthAllSupport || !de.Capabilities.ExtendedRequestSupport ||
		!bytes.Equal(de.OriginInfos, []byte{0x80}) {
		t.Fatalf("engagement %+v caps %+v", de, de.Capabilities)
	}

	handover := HandoverQR
	rs, err := NewReaderSessionWithKey(de, handover, sessECDHKey(t, ecdh.P256(), "apple-like reader"))
	if err != nil {
		t.Fatal(err)
	}
	want := append([]byte{0x83}, sessTag24(t, raw)...)
	if !bytes.HasPrefix(rs.Transcript().Array, want) {
		t.Fatal("transcript does not embed the engagement bytes as received")
	}
	ds, err := NewDeviceSession(devKey, raw, handover)
	if err != nil {
		t.Fatal(err)
	}
	se, err := rs.SessionEstablishment([]byte("request"))
	if err != nil {
		t.Fatal(err)
	}
	req, err := ds.Establish(se)
	if err != nil || string(req) != "request" {
		t.Fatalf("holder decrypted %q, %v", req, err)
	}
	if !bytes.Equal(ds.Transcript().Tagged, rs.Transcript().Tagged) {
		t.Error("holder and reader transcripts differ")
	}

	// The same engagement re-encoded (canonical order, known keys only)
	// gives other session keys: this is the failure keeping bytes avoids.
	reenc := sessMintDE(t,
		sessMember{0, sessCBOR(t, "1.1")},
		sessMember{1, sessCBOR(t, []any{1, cbor.RawMessage(de.EDeviceKeyBytes.Raw)})},
		sessMember{5, sessCBOR(t, []any{})},
		sessMember{6, sessCBOR(t, map[int]bool{3: true, 4: true})},
	)
	de2, err := ParseDeviceEngagement(reenc)
	if err != nil {
		t.Fatal(err)
	}
	rs2, err := NewReaderSessionWithKey(de2, handover, rs.EReaderKeyPrivate())
	if err != nil {
		t.Fatal(err)
	}
	if rs2.ch.skReader == rs.ch.skReader {
		t.Fatal("re-encoded engagement gave the same keys; the test proves nothing")
	}
	se2, err := rs2.SessionEstablishment([]byte("request"))
	if err != nil {
		t.Fatal(err)
	}
	ds2, err := NewDeviceSession(devKey, raw, handover)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ds2.Establish(se2); !errors.Is(err, ErrDecryption) {
		t.Fatalf("holder accepted a request keyed to a re-encoded engagement: %v", err)
	}
}

func TestParseDeviceEngagementRetrievalMethods(t *testing.T) {
	key := sessECDHKey(t, ecdh.P256(), "methods")
	sec := sessCBOR(t, []any{1, sessCOSEKeyItem(t, key.PublicKey())})
	methods := sessCBOR(t, []any{
		[]any{1, 1, map[int]any{0: 255, 1: 65536}},
		[]any{2, 1, map[int]any{0: true, 1: false, 10: bytes.Repeat([]byte{0xaa}, 16), 20: []byte{1, 2, 3, 4, 5, 6}, 21: "unknown option"}},
		[]any{3, 1, map[int]any{0: "passphrase", 2: 6}},
		[]any{77, 3, map[int]any{}},
	})
	raw := sessMintDE(t,
		sessMember{0, sessCBOR(t, "1.0")},
		sessMember{1, sec},
		sessMember{2, methods},
		sessMember{3, sessCBOR(t, map[string]any{"webApi": []any{1, "https://example.jp", []byte{1}}})},
		sessMember{4, sessCBOR(t, map[string]any{"x": 1})},
	)
	de, err := ParseDeviceEngagement(raw)
	if err != nil {
		t.Fatal(err)
	}
	ms := de.DeviceRetrievalMethods
	if len(ms) != 4 {
		t.Fatalf("%d methods", len(ms))
	}
	if ms[0].NFC == nil || ms[0].NFC.MaxCommandDataLength != 255 || ms[0].NFC.MaxResponseDataLength != 65536 {
		t.Errorf("nfc %+v", ms[0].NFC)
	}
	if b := ms[1].BLE; b == nil || !b.PeripheralServerMode || b.CentralClientMode || len(b.PeripheralServerUUID) != 16 || len(b.PeripheralServerAddress) != 6 {
		t.Errorf("ble %+v", ms[1].BLE)
	}
	for _, m := range ms[2:] {
		if m.NFC != nil || m.BLE != nil || len(m.Options) == 0 {
			t.Errorf("method type %d: %+v", m.Type, m)
		}
	}
	if ms[3].Type != 77 || ms[3].Version != 3 {
		t.Errorf("unknown method %+v", ms[3])
	}
	if de.ServerRetrievalMethods == nil || de.ProtocolInfo == nil {
		t.Error("keys 3/4 not kept")
	}
}

func TestParseDeviceEngagementErrors(t *testing.T) {
	key := sessECDHKey(t, ecdh.P256(), "negative")
	keyItem := sessCOSEKeyItem(t, key.PublicKey())
	sec := sessCBOR(t, []any{1, keyItem})
	v10 := sessMember{0, sessCBOR(t, "1.0")}
	ok := sessSimpleDE(t, key.PublicKey())
	withMethods := func(m any) []byte {
		return sessMintDE(t, v10, sessMember{1, sec}, sessMember{2, sessCBOR(t, m)})
	}
	tests := []struct {
		name  string
		raw   []byte
		want  error
		field string
	}{
		{"empty", nil, verify.ErrMalformed, "top level"},
		{"array", sessCBOR(t, []any{"1.0"}), verify.ErrMalformed, "top level"},
		{"truncated", ok[:len(ok)-3], verify.ErrTruncated, "top level"},
		{"trailing bytes", append(append([]byte{}, ok...), 0x00), verify.ErrMalformed, "top level"},
		{"duplicate key", sessMintDE(t, v10, sessMember{1, sec}, sessMember{0, sessCBOR(t, "1.0")}), verify.ErrDuplicateKey, "top level"},
		{"missing version", sessMintDE(t, sessMember{1, sec}), verify.ErrMalformed, "version"},
		{"version not text", sessMintDE(t, sessMember{0, sessCBOR(t, 1)}, sessMember{1, sec}), verify.ErrMalformed, "version"},
		{"version 2.0", sessMintDE(t, sessMember{0, sessCBOR(t, "2.0")}, sessMember{1, sec}), ErrUnsupportedEngagementVersion, "version"},
		{"missing security", sessMintDE(t, v10), verify.ErrMalformed, "security"},
		{"security not array", sessMintDE(t, v10, sessMember{1, sessCBOR(t, map[int]int{1: 1})}), verify.ErrMalformed, "security"},
		{"security too short", sessMintDE(t, v10, sessMember{1, sessCBOR(t, []any{1})}), verify.ErrMalformed, "security"},
		{"cipher suite 2", sessMintDE(t, v10, sessMember{1, sessCBOR(t, []any{2, keyItem})}), ErrUnsupportedCipherSuite, "security"},
		{"key not tag 24", sessMintDE(t, v10, sessMember{1, sessCBOR(t, []any{1, cbor.Tag{Number: 25, Content: []byte{0xa0}}})}), verify.ErrMalformed, "security"},
		{"key bare bstr", sessMintDE(t, v10, sessMember{1, sessCBOR(t, []any{1, []byte{0xa0}})}), verify.ErrMalformed, "security"},
		{"key not cose_key", sessMintDE(t, v10, sessMember{1, sessCBOR(t, []any{1, sessTag24(t, sessCBOR(t, []int{1}))})}), verify.ErrMalformed, "eDeviceKey"},
		{"methods empty", withMethods([]any{}), verify.ErrMalformed, "deviceRetrievalMethods"},
		{"methods not array", withMethods(map[int]int{}), verify.ErrMalformed, "deviceRetrievalMethods"},
		{"method not array", withMethods([]any{2}), verify.ErrMalformed, "deviceRetrievalMethods"},
		{"method options not map", withMethods([]any{[]any{2, 1, []any{}}}), verify.ErrMalformed, "deviceRetrievalMethods"},
		{"method type negative", withMethods([]any{[]any{-2, 1, map[int]any{}}}), verify.ErrMalformed, "deviceRetrievalMethods"},
		{"ble mode not bool", withMethods([]any{[]any{2, 1, map[int]any{0: 1, 1: true}}}), verify.ErrMalformed, "deviceRetrievalMethods"},
		{"ble uuid short", withMethods([]any{[]any{2, 1, map[int]any{0: false, 1: true, 11: []byte{1, 2}}}}), verify.ErrMalformed, "deviceRetrievalMethods"},
		{"ble address long", withMethods([]any{[]any{2, 1, map[int]any{0: true, 1: false, 20: make([]byte, 7)}}}), verify.ErrMalformed, "deviceRetrievalMethods"},
		{"ble duplicate option", withMethods([]any{[]any{2, 1, cbor.RawMessage(sessMintDE(t, sessMember{0, []byte{0xf5}}, sessMember{0, []byte{0xf4}}))}}), verify.ErrDuplicateKey, "deviceRetrievalMethods"},
		{"ble uuid as array", withMethods([]any{[]any{2, 1, map[int]any{0: false, 1: true, 11: make([]int, 16)}}}), verify.ErrMalformed, "deviceRetrievalMethods"},
		{"ble mode missing", withMethods([]any{[]any{2, 1, map[int]any{1: true}}}), verify.ErrMalformed, "deviceRetrievalMethods"},
		{"nfc length text", withMethods([]any{[]any{1, 1, map[int]any{0: "255", 1: 256}}}), verify.ErrMalformed, "deviceRetrievalMethods"},
		{"server methods not map", sessMintDE(t, v10, sessMember{1, sec}, sessMember{3, sessCBOR(t, []int{})}), verify.ErrMalformed, "serverRetrievalMethods"},
		{"origin infos not array", sessMintDE(t, v10, sessMember{1, sec}, sessMember{5, sessCBOR(t, map[int]int{})}), verify.ErrMalformed, "originInfos"},
		{"capabilities not map", sessMintDE(t, v10, sessMember{1, sec}, sessMember{6, sessCBOR(t, []int{})}), verify.ErrMalformed, "capabilities"},
		{"capability not bool", sessMintDE(t, v10, sessMember{1, sec}, sessMember{6, sessCBOR(t, map[int]any{3: "yes"})}), verify.ErrMalformed, "capabilities"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			de, err := ParseDeviceEngagement(tc.raw)
			if de != nil || !errors.Is(err, tc.want) {
				t.Fatalf("got %v, %v; want %v", de, err, tc.want)
			}
			var ee *EngagementError
			if !errors.As(err, &ee) || ee.Field != tc.field {
				t.Fatalf("error %v is not an EngagementError for field %q", err, tc.field)
			}
		})
	}
}

// A text key "0" must not be taken for the integer key 0.
func TestParseDeviceEngagementTextKeys(t *testing.T) {
	key := sessECDHKey(t, ecdh.P256(), "text keys")
	raw := sessMintDE(t,
		sessMember{"0", sessCBOR(t, "1.0")},
		sessMember{"1", sessCBOR(t, []any{1, sessCOSEKeyItem(t, key.PublicKey())})},
	)
	if _, err := ParseDeviceEngagement(raw); !errors.Is(err, verify.ErrMalformed) {
		t.Fatalf("text keys accepted: %v", err)
	}
}
