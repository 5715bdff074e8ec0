package mdoc

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	cryptorand "crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"taimen/verify"
)

// Session status codes, 18013-5 §8.3.2.1.2.3 (SessionData "status").
const (
	SessionStatusEncryptionError = 10 // the peer could not decrypt a message
	SessionStatusDecodingError   = 11 // the peer could not decode a message
	SessionStatusTermination     = 20 // the peer ends the session
)

// Session errors. Typed errors below unwrap to these.
var (
	// ErrDecryption: a SessionData or SessionEstablishment ciphertext did not
	// authenticate (wrong key, wrong counter — a replayed or reordered
	// message — or a changed byte). The session is closed afterwards; send
	// [StatusMessage](SessionStatusEncryptionError) if the transport is
	// still up (§9.1.1.4).
	ErrDecryption = errors.New("session decryption failed")
	// ErrSessionTerminated: the peer sent status 20.
	ErrSessionTerminated = errors.New("session terminated by peer")
	// ErrPeerDecryption: the peer sent status 10 (it could not decrypt).
	ErrPeerDecryption = errors.New("peer reports session encryption error")
	// ErrPeerDecoding: the peer sent status 11 (it could not decode).
	ErrPeerDecoding = errors.New("peer reports cbor decoding error")
	// ErrUnknownSessionStatus: the peer sent a status code 18013-5 does not define.
	ErrUnknownSessionStatus = errors.New("unknown session status")
	// ErrSessionClosed: the session was terminated or failed; it encrypts
	// and decrypts nothing more.
	ErrSessionClosed = errors.New("session closed")
	// ErrSessionState: a call out of order (Encrypt before
	// SessionEstablishment, a second SessionEstablishment).
	ErrSessionState = errors.New("session call out of order")
	// ErrCounterExhausted: 2^32-1 messages in one direction; §9.1.1.5
	// forbids reusing a counter, so the session must end.
	ErrCounterExhausted = errors.New("session message counter exhausted")
	// ErrKeyMismatch: a private key does not belong to the public key it
	// was given with.
	ErrKeyMismatch = errors.New("private key does not match engagement")
)

// StatusError is a SessionData that carried a status code (§8.3.2.1.2.3).
// It unwraps to ErrPeerDecryption, ErrPeerDecoding, ErrSessionTerminated or
// ErrUnknownSessionStatus.
type StatusError struct{ Status uint64 }

func (e *StatusError) Error() string {
	return fmt.Sprintf("mdoc: session status %d: %v", e.Status, e.Unwrap())
}

func (e *StatusError) Unwrap() error {
	switch e.Status {
	case SessionStatusEncryptionError:
		return ErrPeerDecryption
	case SessionStatusDecodingError:
		return ErrPeerDecoding
	case SessionStatusTermination:
		return ErrSessionTerminated
	}
	return ErrUnknownSessionStatus
}

// DecryptionError tells which direction and counter failed; it unwraps to ErrDecryption.
type DecryptionError struct {
	FromReader bool   // the message went reader → mdoc
	Counter    uint32 // the counter the message was expected to use
}

func (e *DecryptionError) Error() string {
	dir := "mdoc to reader"
	if e.FromReader {
		dir = "reader to mdoc"
	}
	return fmt.Sprintf("mdoc: %s message %d: %v", dir, e.Counter, ErrDecryption)
}

func (e *DecryptionError) Unwrap() error { return ErrDecryption }

// UnsupportedCurveError: EDeviceKey is on a curve the reader cannot do ECDH
// on (brainpool, X448, or not a key-agreement key). It unwraps to
// ErrUnsupportedKey.
type UnsupportedCurveError struct{ Kty, Crv int }

func (e *UnsupportedCurveError) Error() string {
	return fmt.Sprintf("mdoc: eDeviceKey kty %d crv %d: %v", e.Kty, e.Crv, ErrUnsupportedKey)
}

func (e *UnsupportedCurveError) Unwrap() error { return ErrUnsupportedKey }

// SessionEstablishment is 18013-5 §9.1.1.4
//
//	SessionEstablishment = {"eReaderKey": EReaderKeyBytes, "data": bstr}
//
// EReaderKeyBytes keeps the received bytes: the transcript embeds them.
type SessionEstablishment struct {
	EReaderKeyBytes Tag24  `cbor:"eReaderKey"`
	Data            []byte `cbor:"data"`
}

// SessionData is 18013-5 §9.1.1.4
//
//	SessionData = {? "data": bstr, ? "status": uint}
type SessionData struct {
	Data   []byte  `cbor:"data,omitempty"`
	Status *uint64 `cbor:"status,omitempty"`
}

// sessionEstablishmentWire tells a missing member from an empty one.
type sessionEstablishmentWire struct {
	EReaderKey *Tag24      `cbor:"eReaderKey"`
	Data       sessionBstr `cbor:"data"`
}

type sessionDataWire struct {
	Data   sessionBstr `cbor:"data"`
	Status *uint64     `cbor:"status"`
}

// sessionBstr decodes a member that must be a byte string, copying the
// ciphertext once (a cbor.RawMessage would copy it twice; a plain []byte
// would also accept an array of small integers), and records presence.
type sessionBstr struct {
	b       []byte
	present bool
}

func (s *sessionBstr) UnmarshalCBOR(data []byte) error {
	b, err := decodeBstr(data)
	if err != nil {
		return err
	}
	s.b, s.present = b, true
	return nil
}

// ParseSessionEstablishment decodes a SessionEstablishment from untrusted
// bytes. Both members are required.
func ParseSessionEstablishment(data []byte) (*SessionEstablishment, error) {
	if err := expectCBORMajor(data, deMajorMap); err != nil {
		return nil, fmt.Errorf("mdoc: session establishment: %w", err)
	}
	var w sessionEstablishmentWire
	if err := verify.Unmarshal(data, &w); err != nil {
		return nil, fmt.Errorf("mdoc: session establishment: %w", err)
	}
	if w.EReaderKey == nil || !w.Data.present {
		return nil, fmt.Errorf("mdoc: session establishment without eReaderKey or data: %w", verify.ErrMalformed)
	}
	return &SessionEstablishment{EReaderKeyBytes: *w.EReaderKey, Data: w.Data.b}, nil
}

// ParseSessionData decodes a SessionData from untrusted bytes. At least one
// member must be present.
func ParseSessionData(data []byte) (*SessionData, error) {
	if err := expectCBORMajor(data, deMajorMap); err != nil {
		return nil, fmt.Errorf("mdoc: session data: %w", err)
	}
	var w sessionDataWire
	if err := verify.Unmarshal(data, &w); err != nil {
		return nil, fmt.Errorf("mdoc: session data: %w", err)
	}
	if !w.Data.present && w.Status == nil {
		return nil, fmt.Errorf("mdoc: session data without data or status: %w", verify.ErrMalformed)
	}
	return &SessionData{Data: w.Data.b, Status: w.Status}, nil
}

// decodeBstr insists on a byte string: fxamacker would also fill a []byte
// from an array of small integers.
func decodeBstr(item []byte) ([]byte, error) {
	if err := expectCBORMajor(item, deMajorBytes); err != nil {
		return nil, err
	}
	var b []byte
	if err := verify.Unmarshal(item, &b); err != nil {
		return nil, err
	}
	if b == nil {
		b = []byte{}
	}
	return b, nil
}

// StatusMessage encodes a SessionData with only a status (§9.1.1.4), e.g.
// SessionStatusEncryptionError after ErrDecryption.
func StatusMessage(status uint64) []byte {
	b, err := verify.Marshal(SessionData{Status: &status})
	if err != nil {
		panic(err) // a map with one uint cannot fail to encode
	}
	return b
}

// IV identifiers, §9.1.1.5: the 8 bytes before the counter.
var (
	ivReader = [8]byte{}
	ivDevice = [8]byte{7: 1}
)

// sessionChannel is one session's AES-256-GCM state (18013-5 §9.1.1.5), shared by
// both roles: each direction has its own key, identifier and counter, and
// counters start at 1.
type sessionChannel struct {
	transcript SessionTranscript
	skReader   [32]byte
	skDevice   [32]byte

	send, recv       cipher.AEAD
	sendID, recvID   [8]byte
	sendCtr, recvCtr uint32
	isReader         bool
	closed           bool
}

// deriveSessionKeys is §9.1.5.2: SK = HKDF-SHA256(ZAB, SHA-256(SessionTranscriptBytes), info, 32).
func deriveSessionKeys(zab []byte, t SessionTranscript) (skReader, skDevice [32]byte, err error) {
	salt := t.Salt()
	r, err := hkdf.Key(sha256.New, zab, salt[:], "SKReader", 32)
	if err != nil {
		return skReader, skDevice, err
	}
	d, err := hkdf.Key(sha256.New, zab, salt[:], "SKDevice", 32)
	if err != nil {
		return skReader, skDevice, err
	}
	copy(skReader[:], r)
	copy(skDevice[:], d)
	return skReader, skDevice, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

func newSessionChannel(priv *ecdh.PrivateKey, peer *ecdh.PublicKey, t SessionTranscript, isReader bool) (*sessionChannel, error) {
	zab, err := priv.ECDH(peer)
	if err != nil {
		return nil, fmt.Errorf("mdoc: ecdh: %w: %w", verify.ErrMalformed, err)
	}
	skR, skD, err := deriveSessionKeys(zab, t)
	if err != nil {
		return nil, fmt.Errorf("mdoc: hkdf: %w", err)
	}
	r, err := newGCM(skR[:])
	if err != nil {
		return nil, err
	}
	d, err := newGCM(skD[:])
	if err != nil {
		return nil, err
	}
	c := &sessionChannel{transcript: t, skReader: skR, skDevice: skD, sendCtr: 1, recvCtr: 1, isReader: isReader}
	if isReader {
		c.send, c.sendID, c.recv, c.recvID = r, ivReader, d, ivDevice
	} else {
		c.send, c.sendID, c.recv, c.recvID = d, ivDevice, r, ivReader
	}
	return c, nil
}

func sessionNonce(id [8]byte, ctr uint32) []byte {
	n := make([]byte, 12)
	copy(n, id[:])
	binary.BigEndian.PutUint32(n[8:], ctr)
	return n
}

// seal encrypts the next outgoing message and advances the send counter.
func (c *sessionChannel) seal(plaintext []byte) ([]byte, error) {
	if c.closed {
		return nil, fmt.Errorf("mdoc: encrypt: %w", ErrSessionClosed)
	}
	if c.sendCtr == math.MaxUint32 {
		c.closed = true
		return nil, fmt.Errorf("mdoc: encrypt: %w", ErrCounterExhausted)
	}
	ct := c.send.Seal(nil, sessionNonce(c.sendID, c.sendCtr), plaintext, nil)
	c.sendCtr++
	return ct, nil
}

// open decrypts the next incoming message. A failure closes the channel:
// §9.1.1.4 ends the session on a message that does not decrypt, and
// continuing would let a forged message desynchronise the counters.
func (c *sessionChannel) open(ct []byte) ([]byte, error) {
	if c.closed {
		return nil, fmt.Errorf("mdoc: decrypt: %w", ErrSessionClosed)
	}
	if c.recvCtr == math.MaxUint32 {
		c.closed = true
		return nil, fmt.Errorf("mdoc: decrypt: %w", ErrCounterExhausted)
	}
	// Decrypt in place: ct is always this package's own copy of the
	// received bytes (see sessionBstr).
	pt, err := c.recv.Open(ct[:0], sessionNonce(c.recvID, c.recvCtr), ct, nil)
	if err != nil {
		c.closed = true
		return nil, &DecryptionError{FromReader: !c.isReader, Counter: c.recvCtr}
	}
	c.recvCtr++
	return pt, nil
}

// encryptData wraps the next outgoing ciphertext in SessionData.
func (c *sessionChannel) encryptData(plaintext []byte) ([]byte, error) {
	ct, err := c.seal(plaintext)
	if err != nil {
		return nil, err
	}
	return verify.Marshal(SessionData{Data: ct})
}

// decryptData handles one SessionData. A status with data (an mdoc may send
// its last response together with status 20) gives the plaintext and the
// status with a nil error, and closes the session if the status ends it;
// a status without data gives a *StatusError.
func (c *sessionChannel) decryptData(msg []byte) ([]byte, *uint, error) {
	if c.closed {
		return nil, nil, fmt.Errorf("mdoc: decrypt: %w", ErrSessionClosed)
	}
	sd, err := ParseSessionData(msg)
	if err != nil {
		return nil, nil, err
	}
	var status *uint
	if sd.Status != nil {
		s := uint(*sd.Status)
		status = &s
	}
	if sd.Data == nil {
		c.closed = true // every status code ends the session (§9.1.1.4)
		return nil, status, &StatusError{Status: *sd.Status}
	}
	pt, err := c.open(sd.Data)
	if err != nil {
		return nil, status, err
	}
	if sd.Status != nil {
		c.closed = true
		if *sd.Status != SessionStatusTermination {
			return nil, status, &StatusError{Status: *sd.Status}
		}
	}
	return pt, status, nil
}

func (c *sessionChannel) terminate() []byte {
	c.closed = true
	return StatusMessage(SessionStatusTermination)
}

// ReaderSession is the mdoc reader's side of a session, 18013-5 §9.1.1 and
// §9.1.5: it makes EReaderKey on the curve of EDeviceKey, builds the
// SessionTranscript from the engagement and handover bytes as received,
// derives SKReader and SKDevice, and encrypts and decrypts messages with
// per-direction counters. It is a state machine without I/O; the transport
// carries the bytes. Not safe for concurrent use.
type ReaderSession struct {
	ch          *sessionChannel
	eReaderKey  *ecdh.PrivateKey
	eReaderItem Tag24
	established bool
}

// NewReaderSession starts a session for an engagement. handover is the
// encoded Handover: [HandoverNFC] for NFC, [HandoverQR] for QR. rand is
// passed to the key generation, crypto/rand when nil (Go ≥1.26 uses it
// only under GODEBUG=cryptocustomrand=1; tests use
// [NewReaderSessionWithKey]).
func NewReaderSession(de *DeviceEngagement, handover []byte, rand io.Reader) (*ReaderSession, error) {
	curve, _, err := engagementCurve(de)
	if err != nil {
		return nil, err
	}
	if rand == nil {
		rand = cryptorand.Reader
	}
	priv, err := curve.GenerateKey(rand)
	if err != nil {
		return nil, fmt.Errorf("mdoc: generate eReaderKey: %w", err)
	}
	return NewReaderSessionWithKey(de, handover, priv)
}

// NewReaderSessionWithKey is NewReaderSession with a given EReaderKey, for
// tests and vectors. The key must be on EDeviceKey's curve.
func NewReaderSessionWithKey(de *DeviceEngagement, handover []byte, eReaderKey *ecdh.PrivateKey) (*ReaderSession, error) {
	curve, devPub, err := engagementCurve(de)
	if err != nil {
		return nil, err
	}
	if eReaderKey == nil || eReaderKey.Curve() != curve {
		return nil, fmt.Errorf("mdoc: eReaderKey not on the eDeviceKey curve: %w", ErrUnsupportedKey)
	}
	ck, err := COSEKeyFromECDH(eReaderKey.PublicKey())
	if err != nil {
		return nil, err
	}
	item, err := EncodeTag24(ck)
	if err != nil {
		return nil, fmt.Errorf("mdoc: encode eReaderKey: %w", err)
	}
	deItem, err := de.Bytes()
	if err != nil {
		return nil, err
	}
	t, err := NewSessionTranscript(deItem, item, handover)
	if err != nil {
		return nil, err
	}
	ch, err := newSessionChannel(eReaderKey, devPub, t, true)
	if err != nil {
		return nil, err
	}
	return &ReaderSession{ch: ch, eReaderKey: eReaderKey, eReaderItem: item}, nil
}

// engagementCurve returns EDeviceKey's curve and public key, or an
// *UnsupportedCurveError.
func engagementCurve(de *DeviceEngagement) (ecdh.Curve, *ecdh.PublicKey, error) {
	if de == nil || de.EDeviceKey == nil {
		return nil, nil, fmt.Errorf("mdoc: no device engagement: %w", verify.ErrMalformed)
	}
	pub, err := de.EDeviceKey.ECDH()
	if err != nil {
		if errors.Is(err, ErrUnsupportedKey) {
			return nil, nil, &UnsupportedCurveError{Kty: de.EDeviceKey.Kty, Crv: de.EDeviceKey.Crv}
		}
		return nil, nil, fmt.Errorf("mdoc: eDeviceKey: %w", err)
	}
	return pub.Curve(), pub, nil
}

// Transcript returns the SessionTranscript (both encodings).
func (s *ReaderSession) Transcript() SessionTranscript { return s.ch.transcript }

// EReaderKeyPrivate returns the ephemeral reader key; the response verifier
// needs it to derive EMacKey for a deviceMac (§9.1.3.5).
func (s *ReaderSession) EReaderKeyPrivate() *ecdh.PrivateKey { return s.eReaderKey }

// EReaderKeyBytes returns the tag-24 EReaderKey item as sent.
func (s *ReaderSession) EReaderKeyBytes() Tag24 { return s.eReaderItem }

// SessionEstablishment encrypts the DeviceRequest as the first reader
// message (counter 1) and returns the SessionEstablishment bytes. It can be
// called once; later requests go through Encrypt.
func (s *ReaderSession) SessionEstablishment(deviceRequest []byte) ([]byte, error) {
	if s.established {
		return nil, fmt.Errorf("mdoc: second session establishment: %w", ErrSessionState)
	}
	ct, err := s.ch.seal(deviceRequest)
	if err != nil {
		return nil, err
	}
	s.established = true
	var buf bytes.Buffer
	// {"eReaderKey": EReaderKeyBytes, "data": ct} in the member order of
	// the CDDL and of the Annex D example, so that a reader with the Annex
	// D key reproduces that message byte for byte; the key item is written
	// exactly as it entered the transcript.
	buf.WriteByte(0xa2)
	buf.Write(cborText("eReaderKey"))
	buf.Write(s.eReaderItem.Raw)
	buf.Write(cborText("data"))
	buf.Write(cborBytes(ct))
	return buf.Bytes(), nil
}

// Encrypt encrypts a later reader message into SessionData.
func (s *ReaderSession) Encrypt(plaintext []byte) ([]byte, error) {
	if !s.established {
		return nil, fmt.Errorf("mdoc: encrypt before session establishment: %w", ErrSessionState)
	}
	return s.ch.encryptData(plaintext)
}

// Decrypt handles one SessionData from the mdoc. It returns the plaintext
// (nil when the message carried only a status) and the status code if one
// was sent. A status alone gives a *StatusError (unwrapping to
// ErrSessionTerminated for 20) and closes the session; a ciphertext that
// does not authenticate gives a *DecryptionError (ErrDecryption) and closes
// the session (send StatusMessage(SessionStatusEncryptionError)). Bytes
// that are not a SessionData give an error unwrapping to the verify
// sentinels and leave the session as it was; the caller decides whether
// to send StatusMessage(SessionStatusDecodingError) and stop.
func (s *ReaderSession) Decrypt(sessionData []byte) ([]byte, *uint, error) {
	if !s.established {
		return nil, nil, fmt.Errorf("mdoc: decrypt before session establishment: %w", ErrSessionState)
	}
	return s.ch.decryptData(sessionData)
}

// Terminate closes the session and returns the termination message
// {"status": 20} to send.
func (s *ReaderSession) Terminate() []byte { return s.ch.terminate() }

// DeviceSession is the holder's side of a session, for the wallet simulator
// and tests: it reads the SessionEstablishment, keeps EReaderKeyBytes as
// received, builds the same transcript, decrypts the request and encrypts
// responses.
type DeviceSession struct {
	eDeviceKey *ecdh.PrivateKey
	de         *DeviceEngagement
	handover   []byte
	ch         *sessionChannel
}

// NewDeviceSession prepares the holder's side from its EDeviceKey private
// key, the DeviceEngagement bytes it showed and the encoded Handover.
func NewDeviceSession(eDeviceKey *ecdh.PrivateKey, deviceEngagement []byte, handover []byte) (*DeviceSession, error) {
	de, err := ParseDeviceEngagement(deviceEngagement)
	if err != nil {
		return nil, err
	}
	_, pub, err := engagementCurve(de)
	if err != nil {
		return nil, err
	}
	if eDeviceKey == nil || !eDeviceKey.PublicKey().Equal(pub) {
		return nil, fmt.Errorf("mdoc: eDeviceKey: %w", ErrKeyMismatch)
	}
	return &DeviceSession{eDeviceKey: eDeviceKey, de: de, handover: bytes.Clone(handover)}, nil
}

// Establish reads the SessionEstablishment, derives the session keys and
// returns the decrypted DeviceRequest.
func (s *DeviceSession) Establish(sessionEstablishment []byte) ([]byte, error) {
	if s.ch != nil {
		return nil, fmt.Errorf("mdoc: second session establishment: %w", ErrSessionState)
	}
	se, err := ParseSessionEstablishment(sessionEstablishment)
	if err != nil {
		return nil, err
	}
	ck, err := DecodeCOSEKey(se.EReaderKeyBytes.Inner)
	if err != nil {
		return nil, fmt.Errorf("mdoc: eReaderKey: %w", err)
	}
	readerPub, err := ck.ECDH()
	if err != nil {
		return nil, fmt.Errorf("mdoc: eReaderKey: %w", err)
	}
	if readerPub.Curve() != s.eDeviceKey.Curve() {
		return nil, fmt.Errorf("mdoc: eReaderKey on another curve: %w", ErrUnsupportedKey)
	}
	deItem, err := s.de.Bytes()
	if err != nil {
		return nil, err
	}
	t, err := NewSessionTranscript(deItem, se.EReaderKeyBytes, s.handover)
	if err != nil {
		return nil, err
	}
	ch, err := newSessionChannel(s.eDeviceKey, readerPub, t, false)
	if err != nil {
		return nil, err
	}
	s.ch = ch
	return ch.open(se.Data)
}

// Transcript returns the SessionTranscript; zero before Establish.
func (s *DeviceSession) Transcript() SessionTranscript {
	if s.ch == nil {
		return SessionTranscript{}
	}
	return s.ch.transcript
}

// Encrypt encrypts a DeviceResponse (or any later holder message) into SessionData.
func (s *DeviceSession) Encrypt(plaintext []byte) ([]byte, error) {
	if s.ch == nil {
		return nil, fmt.Errorf("mdoc: encrypt before session establishment: %w", ErrSessionState)
	}
	return s.ch.encryptData(plaintext)
}

// EncryptAndTerminate encrypts a last message and sends status 20 with it
// in one SessionData, as holders may do (§9.1.1.4); the session closes.
func (s *DeviceSession) EncryptAndTerminate(plaintext []byte) ([]byte, error) {
	if s.ch == nil {
		return nil, fmt.Errorf("mdoc: encrypt before session establishment: %w", ErrSessionState)
	}
	ct, err := s.ch.seal(plaintext)
	if err != nil {
		return nil, err
	}
	s.ch.closed = true
	st := uint64(SessionStatusTermination)
	return verify.Marshal(SessionData{Data: ct, Status: &st})
}

// Decrypt handles one SessionData from the reader, like [ReaderSession.Decrypt].
func (s *DeviceSession) Decrypt(sessionData []byte) ([]byte, *uint, error) {
	if s.ch == nil {
		return nil, nil, fmt.Errorf("mdoc: decrypt before session establishment: %w", ErrSessionState)
	}
	return s.ch.decryptData(sessionData)
}

// Terminate closes the session and returns {"status": 20}.
func (s *DeviceSession) Terminate() []byte {
	if s.ch == nil {
		return StatusMessage(SessionStatusTermination)
	}
	return s.ch.terminate()
}

// cborText and cborBytes encode a text or byte string head and content,
// for messages assembled from raw items.
func cborText(s string) []byte { return cborHead(3, uint64(len(s)), []byte(s)) }

func cborBytes(b []byte) []byte { return cborHead(2, uint64(len(b)), b) }

func cborHead(major byte, n uint64, content []byte) []byte {
	var h []byte
	switch {
	case n < 24:
		h = []byte{major<<5 | byte(n)}
	case n <= math.MaxUint8:
		h = []byte{major<<5 | 24, byte(n)}
	case n <= math.MaxUint16:
		h = binary.BigEndian.AppendUint16([]byte{major<<5 | 25}, uint16(n))
	case n <= math.MaxUint32:
		h = binary.BigEndian.AppendUint32([]byte{major<<5 | 26}, uint32(n))
	default:
		h = binary.BigEndian.AppendUint64([]byte{major<<5 | 27}, n)
	}
	return append(h, content...)
}
