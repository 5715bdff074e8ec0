package mdoc

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"errors"
	"io"
	"math"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"taimen/verify"
)

func TestReaderSessionAnnexD(t *testing.T) {
	a := sessLoadAnnexD(t)
	rs := a.reader(t)

	if got, want := rs.Transcript().Tagged, sessVec(t, "annexd_session_transcript_bytes.cbor"); !bytes.Equal(got, want) {
		t.Fatalf("transcript\n got % x\nwant % x", got, want)
	}
	if got, want := rs.EReaderKeyBytes().Inner, sessVec(t, "annexd_ereader_key_pub.cbor"); !bytes.Equal(got, want) {
		t.Errorf("EReaderKey % x, want % x", got, want)
	}
	_, devPub, err := engagementCurve(a.de)
	if err != nil {
		t.Fatal(err)
	}
	zab, err := a.readerKey.ECDH(devPub)
	if err != nil {
		t.Fatal(err)
	}
	if want := sessVec(t, "annexd_zab.hex"); !bytes.Equal(zab, want) {
		t.Errorf("ZAB % x, want % x", zab, want)
	}
	if want := sessVec(t, "annexd_sk_reader.hex"); !bytes.Equal(rs.ch.skReader[:], want) {
		t.Errorf("SKReader % x, want % x", rs.ch.skReader, want)
	}
	if want := sessVec(t, "annexd_sk_device.hex"); !bytes.Equal(rs.ch.skDevice[:], want) {
		t.Errorf("SKDevice % x, want % x", rs.ch.skDevice, want)
	}
	if rs.EReaderKeyPrivate() != a.readerKey {
		t.Error("EReaderKeyPrivate is not the session key")
	}

	// GCM with a fixed key and nonce is deterministic, so the whole
	// establishment message must come out as in Annex D.
	se, err := rs.SessionEstablishment(sessVec(t, "annexd_device_request.cbor"))
	if err != nil {
		t.Fatal(err)
	}
	if want := sessVec(t, "annexd_session_establishment.cbor"); !bytes.Equal(se, want) {
		t.Fatalf("session establishment differs from Annex D (%d vs %d bytes)", len(se), len(want))
	}

	pt, status, err := rs.Decrypt(sessVec(t, "annexd_session_data.cbor"))
	if err != nil || status != nil {
		t.Fatalf("decrypt: status %v, %v", status, err)
	}
	if !bytes.Equal(pt, sessVec(t, "annexd_device_response.cbor")) {
		t.Fatal("session data does not decrypt to the Annex D device response")
	}
	if rs.ch.sendCtr != 2 || rs.ch.recvCtr != 2 {
		t.Errorf("counters send %d recv %d after one message each way", rs.ch.sendCtr, rs.ch.recvCtr)
	}
	if got := rs.Terminate(); !bytes.Equal(got, sessVec(t, "annexd_session_termination.cbor")) {
		t.Errorf("termination % x", got)
	}
	if _, err := rs.Encrypt([]byte("x")); !errors.Is(err, ErrSessionClosed) {
		t.Errorf("encrypt after terminate: %v", err)
	}
}

func TestDeviceSessionAnnexD(t *testing.T) {
	a := sessLoadAnnexD(t)
	ds := a.device(t)
	req, err := ds.Establish(sessVec(t, "annexd_session_establishment.cbor"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(req, sessVec(t, "annexd_device_request.cbor")) {
		t.Fatal("holder did not decrypt the Annex D device request")
	}
	if !bytes.Equal(ds.Transcript().Tagged, sessVec(t, "annexd_session_transcript_bytes.cbor")) {
		t.Fatal("holder transcript differs")
	}
	sd, err := ds.Encrypt(sessVec(t, "annexd_device_response.cbor"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sd, sessVec(t, "annexd_session_data.cbor")) {
		t.Fatal("holder session data differs from Annex D")
	}
	if _, err := ds.Establish(sessVec(t, "annexd_session_establishment.cbor")); !errors.Is(err, ErrSessionState) {
		t.Errorf("second establish: %v", err)
	}
}

// sessPair is a reader and a holder session that have completed establishment.
func sessPair(t *testing.T) (*ReaderSession, *DeviceSession) {
	t.Helper()
	a := sessLoadAnnexD(t)
	rs, ds := a.reader(t), a.device(t)
	se, err := rs.SessionEstablishment([]byte("request"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ds.Establish(se); err != nil {
		t.Fatal(err)
	}
	return rs, ds
}

func TestSessionCountersAdvance(t *testing.T) {
	rs, ds := sessPair(t)
	for i := 1; i <= 3; i++ {
		msg := []byte{byte(i)}
		sd, err := ds.Encrypt(msg)
		if err != nil {
			t.Fatal(err)
		}
		pt, _, err := rs.Decrypt(sd)
		if err != nil || !bytes.Equal(pt, msg) {
			t.Fatalf("device→reader %d: %x, %v", i, pt, err)
		}
		sd, err = rs.Encrypt(msg)
		if err != nil {
			t.Fatal(err)
		}
		pt, _, err = ds.Decrypt(sd)
		if err != nil || !bytes.Equal(pt, msg) {
			t.Fatalf("reader→device %d: %x, %v", i, pt, err)
		}
	}
	// reader sent establishment + 3, received 3.
	if rs.ch.sendCtr != 5 || rs.ch.recvCtr != 4 || ds.ch.sendCtr != 4 || ds.ch.recvCtr != 5 {
		t.Errorf("counters reader %d/%d device %d/%d", rs.ch.sendCtr, rs.ch.recvCtr, ds.ch.sendCtr, ds.ch.recvCtr)
	}
	// The same plaintext twice gives different ciphertexts (fresh IVs).
	c1, _ := ds.Encrypt([]byte("same"))
	c2, _ := ds.Encrypt([]byte("same"))
	if bytes.Equal(c1, c2) {
		t.Error("counter did not change the ciphertext")
	}
}

func TestSessionDecryptFailures(t *testing.T) {
	a := sessLoadAnnexD(t)
	annexSD := sessVec(t, "annexd_session_data.cbor")
	tamper := func(i int) []byte {
		b := bytes.Clone(annexSD)
		b[i] ^= 0x01
		return b
	}
	tests := []struct {
		name  string
		setup func(t *testing.T) *ReaderSession
		msg   []byte
		ctr   uint32
	}{
		{"replayed", func(t *testing.T) *ReaderSession {
			rs := a.reader(t)
			rs.SessionEstablishment(nil)
			if _, _, err := rs.Decrypt(annexSD); err != nil {
				t.Fatal(err)
			}
			return rs
		}, annexSD, 2},
		{"wrong reader key", func(t *testing.T) *ReaderSession {
			rs, err := NewReaderSessionWithKey(a.de, a.handover, sessECDHKey(t, ecdh.P256(), "other reader"))
			if err != nil {
				t.Fatal(err)
			}
			rs.SessionEstablishment(nil)
			return rs
		}, annexSD, 1},
		{"other handover", func(t *testing.T) *ReaderSession {
			ho, _ := HandoverNFC(a.hs, nil)
			rs, err := NewReaderSessionWithKey(a.de, ho, a.readerKey)
			if err != nil {
				t.Fatal(err)
			}
			rs.SessionEstablishment(nil)
			return rs
		}, annexSD, 1},
		{"first ciphertext byte", func(t *testing.T) *ReaderSession {
			rs := a.reader(t)
			rs.SessionEstablishment(nil)
			return rs
		}, tamper(9), 1},
		{"last tag byte", func(t *testing.T) *ReaderSession {
			rs := a.reader(t)
			rs.SessionEstablishment(nil)
			return rs
		}, tamper(len(annexSD) - 1), 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs := tc.setup(t)
			pt, _, err := rs.Decrypt(tc.msg)
			var de *DecryptionError
			if pt != nil || !errors.Is(err, ErrDecryption) || !errors.As(err, &de) || de.FromReader || de.Counter != tc.ctr {
				t.Fatalf("got %x, %v", pt, err)
			}
			// The session is over after a failure, even for a good message.
			if _, _, err := rs.Decrypt(annexSD); !errors.Is(err, ErrSessionClosed) {
				t.Fatalf("after failure: %v", err)
			}
		})
	}
}

func TestSessionReordered(t *testing.T) {
	rs, ds := sessPair(t)
	m1, _ := ds.Encrypt([]byte("one"))
	m2, _ := ds.Encrypt([]byte("two"))
	_ = m1
	if _, _, err := rs.Decrypt(m2); !errors.Is(err, ErrDecryption) {
		t.Fatalf("message 2 before 1: %v", err)
	}
	// Reader to holder as well.
	rs, ds = sessPair(t)
	r1, _ := rs.Encrypt([]byte("one"))
	r2, _ := rs.Encrypt([]byte("two"))
	_ = r1
	var de *DecryptionError
	if _, _, err := ds.Decrypt(r2); !errors.As(err, &de) || !de.FromReader || de.Counter != 2 {
		t.Fatalf("holder got message 3 for counter 2: %v", err)
	}
}

func TestSessionStatusMessages(t *testing.T) {
	tests := []struct {
		name   string
		msg    func(t *testing.T, ds *DeviceSession) []byte
		status uint
		want   error // nil: plaintext expected
	}{
		{"annex d termination", func(t *testing.T, _ *DeviceSession) []byte { return sessVec(t, "annexd_session_termination.cbor") }, 20, ErrSessionTerminated},
		{"encryption error", func(*testing.T, *DeviceSession) []byte { return StatusMessage(SessionStatusEncryptionError) }, 10, ErrPeerDecryption},
		{"decoding error", func(*testing.T, *DeviceSession) []byte { return StatusMessage(SessionStatusDecodingError) }, 11, ErrPeerDecoding},
		{"unknown status", func(*testing.T, *DeviceSession) []byte { return StatusMessage(99) }, 99, ErrUnknownSessionStatus},
		{"data with termination", func(t *testing.T, ds *DeviceSession) []byte {
			b, err := ds.EncryptAndTerminate([]byte("last"))
			if err != nil {
				t.Fatal(err)
			}
			return b
		}, 20, nil},
		{"data with status 10", func(t *testing.T, ds *DeviceSession) []byte {
			ct, err := ds.ch.seal([]byte("x"))
			if err != nil {
				t.Fatal(err)
			}
			st := uint64(10)
			return sessCBOR(t, SessionData{Data: ct, Status: &st})
		}, 10, ErrPeerDecryption},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs, ds := sessPair(t)
			pt, status, err := rs.Decrypt(tc.msg(t, ds))
			if status == nil || *status != tc.status {
				t.Fatalf("status %v, want %d", status, tc.status)
			}
			if tc.want == nil {
				if err != nil || string(pt) != "last" {
					t.Fatalf("got %q, %v", pt, err)
				}
			} else {
				var se *StatusError
				if pt != nil || !errors.Is(err, tc.want) || !errors.As(err, &se) || se.Status != uint64(tc.status) {
					t.Fatalf("got %q, %v; want %v", pt, err, tc.want)
				}
			}
			if _, err := rs.Encrypt([]byte("more")); !errors.Is(err, ErrSessionClosed) {
				t.Errorf("session still open after status %d: %v", tc.status, err)
			}
		})
	}
	if got := StatusMessage(20); !bytes.Equal(got, sessVec(t, "annexd_session_termination.cbor")) {
		t.Errorf("StatusMessage(20) = % x", got)
	}
}

func TestSessionCallOrder(t *testing.T) {
	a := sessLoadAnnexD(t)
	rs := a.reader(t)
	if _, err := rs.Encrypt([]byte("x")); !errors.Is(err, ErrSessionState) {
		t.Errorf("reader encrypt before establishment: %v", err)
	}
	if _, _, err := rs.Decrypt(sessVec(t, "annexd_session_data.cbor")); !errors.Is(err, ErrSessionState) {
		t.Errorf("reader decrypt before establishment: %v", err)
	}
	if _, err := rs.SessionEstablishment(nil); err != nil {
		t.Fatal(err)
	}
	if _, err := rs.SessionEstablishment(nil); !errors.Is(err, ErrSessionState) {
		t.Errorf("second establishment: %v", err)
	}
	ds := a.device(t)
	if _, err := ds.Encrypt([]byte("x")); !errors.Is(err, ErrSessionState) {
		t.Errorf("device encrypt before establishment: %v", err)
	}
	if _, err := ds.EncryptAndTerminate([]byte("x")); !errors.Is(err, ErrSessionState) {
		t.Errorf("device encrypt before establishment: %v", err)
	}
	if _, _, err := ds.Decrypt(StatusMessage(20)); !errors.Is(err, ErrSessionState) {
		t.Errorf("device decrypt before establishment: %v", err)
	}
	if ds.Transcript().Tagged != nil {
		t.Error("transcript before establishment")
	}
	if got := ds.Terminate(); !bytes.Equal(got, StatusMessage(20)) {
		t.Errorf("terminate before establishment % x", got)
	}
}

func TestSessionCounterExhausted(t *testing.T) {
	rs, ds := sessPair(t)
	rs.ch.sendCtr = math.MaxUint32
	if _, err := rs.Encrypt([]byte("x")); !errors.Is(err, ErrCounterExhausted) {
		t.Errorf("send: %v", err)
	}
	ds.ch.sendCtr = math.MaxUint32 - 1
	sd, err := ds.Encrypt([]byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	_ = sd
	rs2, ds2 := sessPair(t)
	_ = ds2
	rs2.ch.recvCtr = math.MaxUint32
	if _, _, err := rs2.Decrypt(sd); !errors.Is(err, ErrCounterExhausted) {
		t.Errorf("receive: %v", err)
	}
}

func TestSessionCurves(t *testing.T) {
	for _, c := range []ecdh.Curve{ecdh.P256(), ecdh.P384(), ecdh.P521(), ecdh.X25519()} {
		t.Run(sessCurveName(c), func(t *testing.T) {
			devKey := sessECDHKey(t, c, "device "+sessCurveName(c))
			deRaw := sessSimpleDE(t, devKey.PublicKey())
			de, err := ParseDeviceEngagement(deRaw)
			if err != nil {
				t.Fatal(err)
			}
			var rnd io.Reader = rand.Reader
			if c == ecdh.X25519() {
				rnd = nil // the default source
			}
			rs, err := NewReaderSession(de, HandoverQR, rnd)
			if err != nil {
				t.Fatal(err)
			}
			if rs.EReaderKeyPrivate().Curve() != c {
				t.Fatalf("reader key on %v", rs.EReaderKeyPrivate().Curve())
			}
			ck, err := DecodeCOSEKey(rs.EReaderKeyBytes().Inner)
			if err != nil {
				t.Fatal(err)
			}
			if pub, err := ck.ECDH(); err != nil || !pub.Equal(rs.EReaderKeyPrivate().PublicKey()) {
				t.Fatalf("EReaderKeyBytes do not hold the reader key: %v", err)
			}
			ds, err := NewDeviceSession(devKey, deRaw, HandoverQR)
			if err != nil {
				t.Fatal(err)
			}
			se, err := rs.SessionEstablishment([]byte("hello"))
			if err != nil {
				t.Fatal(err)
			}
			if got, err := ds.Establish(se); err != nil || string(got) != "hello" {
				t.Fatalf("establish %q, %v", got, err)
			}
			sd, _ := ds.Encrypt([]byte("world"))
			if got, _, err := rs.Decrypt(sd); err != nil || string(got) != "world" {
				t.Fatalf("decrypt %q, %v", got, err)
			}
		})
	}
}

func sessCurveName(c ecdh.Curve) string {
	switch c {
	case ecdh.P256():
		return "P-256"
	case ecdh.P384():
		return "P-384"
	case ecdh.P521():
		return "P-521"
	}
	return "X25519"
}

func TestSessionKeyErrors(t *testing.T) {
	a := sessLoadAnnexD(t)
	mint := func(ck map[int]any) *DeviceEngagement {
		item := sessTag24(t, sessCBOR(t, ck))
		de, err := ParseDeviceEngagement(sessMintDE(t,
			sessMember{0, sessCBOR(t, "1.0")},
			sessMember{1, sessCBOR(t, []any{1, item})}))
		if err != nil {
			t.Fatal(err)
		}
		return de
	}
	x := make([]byte, 32)
	tests := []struct {
		name string
		de   *DeviceEngagement
		want error
	}{
		{"brainpoolP256r1", mint(map[int]any{1: 2, -1: 8, -2: x, -3: x}), ErrUnsupportedKey},
		{"X448", mint(map[int]any{1: 1, -1: 5, -2: make([]byte, 56)}), ErrUnsupportedKey},
		{"Ed25519", mint(map[int]any{1: 1, -1: 6, -2: x}), ErrUnsupportedKey},
		{"symmetric", mint(map[int]any{1: 4, -1: 1}), ErrUnsupportedKey},
		{"point not on curve", mint(map[int]any{1: 2, -1: 1, -2: x, -3: x}), verify.ErrMalformed},
		{"short coordinate", mint(map[int]any{1: 2, -1: 1, -2: x[:31], -3: x}), verify.ErrMalformed},
		{"nil engagement", nil, verify.ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs, err := NewReaderSession(tc.de, HandoverQR, rand.Reader)
			if rs != nil || !errors.Is(err, tc.want) {
				t.Fatalf("got %v, %v; want %v", rs, err, tc.want)
			}
			var uc *UnsupportedCurveError
			if errors.Is(tc.want, ErrUnsupportedKey) != errors.As(err, &uc) {
				t.Errorf("typed error %T", err)
			}
		})
	}
	if _, err := NewReaderSessionWithKey(a.de, a.handover, sessECDHKey(t, ecdh.P384(), "wrong curve")); !errors.Is(err, ErrUnsupportedKey) {
		t.Errorf("P-384 reader key for a P-256 engagement: %v", err)
	}
	if _, err := NewReaderSessionWithKey(a.de, a.handover, nil); !errors.Is(err, ErrUnsupportedKey) {
		t.Errorf("nil reader key: %v", err)
	}
	if _, err := NewReaderSessionWithKey(a.de, []byte{0xff}, a.readerKey); !errors.Is(err, verify.ErrMalformed) {
		t.Errorf("malformed handover: %v", err)
	}
	if _, err := NewDeviceSession(sessECDHKey(t, ecdh.P256(), "not the device"), a.deRaw, a.handover); !errors.Is(err, ErrKeyMismatch) {
		t.Errorf("wrong device key: %v", err)
	}
	if _, err := NewDeviceSession(a.deviceKey, a.deRaw[:10], a.handover); !errors.Is(err, verify.ErrTruncated) {
		t.Errorf("truncated engagement: %v", err)
	}

	// The holder refuses an EReaderKey on another curve or of another type.
	for name, key := range map[string]cbor.RawMessage{
		"P-384 reader key": sessCOSEKeyItem(t, sessECDHKey(t, ecdh.P384(), "r").PublicKey()),
		"bad point":        sessTag24(t, sessCBOR(t, map[int]any{1: 2, -1: 1, -2: x, -3: x})),
		"not a cose key":   sessTag24(t, sessCBOR(t, "key")),
	} {
		se := sessCBOR(t, map[string]any{"eReaderKey": key, "data": []byte{1, 2, 3}})
		if _, err := a.device(t).Establish(se); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestParseSessionMessagesErrors(t *testing.T) {
	key := cbor.RawMessage(sessVec(t, "annexd_session_establishment.cbor")[12 : 12+4+75])
	if _, err := DecodeCOSEKey(key[4:]); err != nil {
		t.Fatalf("test setup: %v", err)
	}
	se := []struct {
		name string
		msg  []byte
		want error
	}{
		{"empty", nil, verify.ErrMalformed},
		{"not a map", sessCBOR(t, []any{key, []byte{1}}), verify.ErrMalformed},
		{"no eReaderKey", sessCBOR(t, map[string]any{"data": []byte{1}}), verify.ErrMalformed},
		{"no data", sessCBOR(t, map[string]any{"eReaderKey": key}), verify.ErrMalformed},
		{"data is array", sessCBOR(t, map[string]any{"eReaderKey": key, "data": []int{1, 2}}), verify.ErrMalformed},
		{"data is null", sessCBOR(t, map[string]any{"eReaderKey": key, "data": nil}), verify.ErrMalformed},
		{"key bare bstr", sessCBOR(t, map[string]any{"eReaderKey": []byte(key[4:]), "data": []byte{1}}), verify.ErrMalformed},
		{"duplicate data", bytes.Join([][]byte{{0xa3}, cborText("eReaderKey"), key, cborText("data"), cborBytes([]byte{1}), cborText("data"), cborBytes([]byte{2})}, nil), verify.ErrDuplicateKey},
		{"trailing", append(sessCBOR(t, map[string]any{"eReaderKey": key, "data": []byte{1}}), 0), verify.ErrMalformed},
		{"truncated", sessVec(t, "annexd_session_establishment.cbor")[:100], verify.ErrTruncated},
	}
	for _, tc := range se {
		t.Run("establishment/"+tc.name, func(t *testing.T) {
			got, err := ParseSessionEstablishment(tc.msg)
			if got != nil || !errors.Is(err, tc.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
	dupStatus := []byte{0xa2}
	dupStatus = append(dupStatus, sessCBOR(t, "status")...)
	dupStatus = append(dupStatus, 0x14)
	dupStatus = append(dupStatus, sessCBOR(t, "status")...)
	dupStatus = append(dupStatus, 0x0a)
	sd := []struct {
		name string
		msg  []byte
		want error
	}{
		{"empty map", []byte{0xa0}, verify.ErrMalformed},
		{"not a map", []byte{0x80}, verify.ErrMalformed},
		{"data is text", sessCBOR(t, map[string]any{"data": "ciphertext"}), verify.ErrMalformed},
		{"data is array", sessCBOR(t, map[string]any{"data": []int{1}}), verify.ErrMalformed},
		{"status negative", sessCBOR(t, map[string]any{"status": -1}), verify.ErrMalformed},
		{"status text", sessCBOR(t, map[string]any{"status": "20"}), verify.ErrMalformed},
		{"duplicate status", dupStatus, verify.ErrDuplicateKey},
		{"truncated", sessVec(t, "annexd_session_data.cbor")[:50], verify.ErrTruncated},
	}
	for _, tc := range sd {
		t.Run("data/"+tc.name, func(t *testing.T) {
			got, err := ParseSessionData(tc.msg)
			if got != nil || !errors.Is(err, tc.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
			// A reader session reports the same without closing on a
			// message that is not even SessionData.
			rs, _ := sessPair(t)
			if _, _, err := rs.Decrypt(tc.msg); !errors.Is(err, tc.want) {
				t.Fatalf("Decrypt: %v", err)
			}
		})
	}
	// Unknown members are tolerated.
	got, err := ParseSessionData(sessCBOR(t, map[string]any{"status": 20, "extension": true}))
	if err != nil || got.Status == nil || *got.Status != 20 || got.Data != nil {
		t.Errorf("with unknown member: %+v, %v", got, err)
	}
	// An empty ciphertext is data (that will not authenticate), not absence.
	got, err = ParseSessionData(sessCBOR(t, map[string]any{"data": []byte{}}))
	if err != nil || got.Data == nil || len(got.Data) != 0 {
		t.Errorf("empty data: %+v, %v", got, err)
	}
}

// Error texts are lowercase, name what failed, and keep the cause.
func TestSessErrorMessages(t *testing.T) {
	_, err := ParseDeviceEngagement(sessMintDE(t, sessMember{0, sessCBOR(t, "2.0")}))
	tests := []struct {
		err  error
		want string
	}{
		{err, `mdoc: device engagement: version: "2.0": unsupported device engagement version`},
		{&StatusError{Status: 11}, "mdoc: session status 11: peer reports cbor decoding error"},
		{&DecryptionError{FromReader: true, Counter: 3}, "mdoc: reader to mdoc message 3: session decryption failed"},
		{&DecryptionError{Counter: 1}, "mdoc: mdoc to reader message 1: session decryption failed"},
		{&UnsupportedCurveError{Kty: 2, Crv: 8}, "mdoc: eDeviceKey kty 2 crv 8: unsupported key"},
	}
	for _, tc := range tests {
		if tc.err == nil || tc.err.Error() != tc.want {
			t.Errorf("got %v, want %s", tc.err, tc.want)
		}
	}
}

func TestDeviceSessionTerminate(t *testing.T) {
	rs, ds := sessPair(t)
	msg := ds.Terminate()
	if _, err := ds.Encrypt([]byte("x")); !errors.Is(err, ErrSessionClosed) {
		t.Errorf("holder encrypt after terminate: %v", err)
	}
	if _, st, err := rs.Decrypt(msg); !errors.Is(err, ErrSessionTerminated) || st == nil || *st != 20 {
		t.Errorf("reader got %v, %v", st, err)
	}
}
