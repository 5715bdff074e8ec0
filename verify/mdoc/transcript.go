package mdoc

import (
	"bytes"
	"crypto/sha256"
	"fmt"

	"github.com/fxamacker/cbor/v2"

	"taimen/verify"
)

// SessionTranscript is 18013-5 §9.1.5.1
// SessionTranscript = [DeviceEngagementBytes, EReaderKeyBytes, Handover],
// kept as bytes: Array is the encoded array, Tagged is
// SessionTranscriptBytes = #6.24(bstr .cbor SessionTranscript).
// The session salt hashes Tagged; DeviceAuthentication and
// ReaderAuthentication embed Array.
type SessionTranscript struct {
	Tagged []byte
	Array  []byte
}

// ParseSessionTranscript accepts SessionTranscriptBytes (tag 24 around the
// encoded array) or the bare encoded array, as `taimen verify --transcript`
// does. The bytes are kept as given; only their shape is checked.
func ParseSessionTranscript(data []byte) (SessionTranscript, error) {
	if len(data) > 0 && data[0] == 0xd8 {
		var t Tag24
		if err := verify.Unmarshal(data, &t); err != nil {
			return SessionTranscript{}, fmt.Errorf("mdoc: session transcript: %w", err)
		}
		if err := checkTranscriptArray(t.Inner); err != nil {
			return SessionTranscript{}, err
		}
		return SessionTranscript{Tagged: t.Raw, Array: t.Inner}, nil
	}
	if err := checkTranscriptArray(data); err != nil {
		return SessionTranscript{}, err
	}
	t, err := NewTag24(data)
	if err != nil {
		return SessionTranscript{}, err
	}
	return SessionTranscript{Tagged: t.Raw, Array: t.Inner}, nil
}

func checkTranscriptArray(b []byte) error {
	var arr []cbor.RawMessage
	if err := verify.Unmarshal(b, &arr); err != nil {
		return fmt.Errorf("mdoc: session transcript: %w", err)
	}
	if len(arr) != 3 {
		return fmt.Errorf("mdoc: session transcript has %d elements, not 3: %w", len(arr), verify.ErrMalformed)
	}
	return nil
}

// NewSessionTranscript builds the transcript from the engagement and reader
// key items exactly as received or sent, and the encoded Handover (CBOR null
// for QR, [HsBytes, null] for NFC static, [HsBytes, HrBytes] for NFC
// negotiated; see [HandoverNFC]).
func NewSessionTranscript(deviceEngagement, eReaderKey Tag24, handover []byte) (SessionTranscript, error) {
	var buf bytes.Buffer
	buf.WriteByte(0x83) // array(3)
	buf.Write(deviceEngagement.Raw)
	buf.Write(eReaderKey.Raw)
	buf.Write(handover)
	arr := buf.Bytes()
	if err := checkTranscriptArray(arr); err != nil {
		return SessionTranscript{}, err
	}
	t, err := NewTag24(arr)
	if err != nil {
		return SessionTranscript{}, err
	}
	return SessionTranscript{Tagged: t.Raw, Array: t.Inner}, nil
}

// HandoverNFC encodes the NFC Handover (18013-5 §9.1.5.1): [HsBytes, HrBytes]
// for negotiated handover, [HsBytes, null] for static (hr nil). The NDEF
// messages are embedded as byte strings exactly as read and written,
// without the NLEN prefix.
func HandoverNFC(hs, hr []byte) ([]byte, error) {
	if hr == nil {
		return verify.Marshal([]any{hs, nil})
	}
	return verify.Marshal([]any{hs, hr})
}

// HandoverQR is the QR handover: CBOR null.
var HandoverQR = []byte{0xf6}

// Salt is SHA-256(SessionTranscriptBytes), the HKDF salt of §9.1.5.2.
func (s SessionTranscript) Salt() [32]byte { return sha256.Sum256(s.Tagged) }
