package nfc

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
)

// TNF is the Type Name Format of an NDEF record (NFC Forum NDEF 1.0 §3.2.6).
type TNF byte

// Type Name Formats. 0x07 is reserved and rejected.
const (
	TNFEmpty     TNF = 0x00
	TNFWellKnown TNF = 0x01 // NFC Forum RTD (Hs, Hr, ac, cr, Tp, Ts, Te)
	TNFMedia     TNF = 0x02 // RFC 2046 media type (application/vnd.bluetooth.le.oob)
	TNFAbsURI    TNF = 0x03
	TNFExternal  TNF = 0x04 // NFC Forum external type (iso.org:18013:…)
	TNFUnknown   TNF = 0x05
	TNFUnchanged TNF = 0x06 // only in middle and last chunks
)

// Record header flags (NDEF 1.0 §3.2).
const (
	flagMB  = 0x80 // message begin
	flagME  = 0x40 // message end
	flagCF  = 0x20 // chunk flag
	flagSR  = 0x10 // short record: 1-byte payload length
	flagIL  = 0x08 // ID length present
	tnfMask = 0x07
)

// Record is one NDEF record. Type, ID and Payload alias the parsed input;
// Raw is the record's bytes exactly as received (header included), so a
// caller can hash or forward what arrived. Records built for sending leave
// Raw empty: [EncodeMessage] sets the header flags itself.
type Record struct {
	TNF     TNF
	Type    []byte
	ID      []byte
	Payload []byte
	Raw     []byte
}

// Is reports whether r has the given TNF and type. Types are compared
// byte for byte: the NFC Forum well-known and external types are
// case-sensitive in practice (every wallet sends the spelling of 18013-5).
func (r Record) Is(tnf TNF, typ string) bool {
	return r.TNF == tnf && string(r.Type) == typ
}

// Message is a parsed NDEF message (NDEF 1.0 §2.4): records in the order
// they arrived.
type Message []Record

// Find returns the first record with the given TNF and type, and, when id
// is not nil, that ID. Handover messages put their records in any order
// (Apple and Samsung put the BLE record before the DeviceEngagement, Google
// and multipaz after it), so records are always looked up, never indexed.
func (m Message) Find(tnf TNF, typ string, id []byte) (Record, bool) {
	for _, r := range m {
		if r.Is(tnf, typ) && (id == nil || bytes.Equal(r.ID, id)) {
			return r, true
		}
	}
	return Record{}, false
}

// FindID returns the first record whose ID is id (a carrier data reference
// of Connection Handover 1.5 §6.2.2 points at a record this way).
func (m Message) FindID(id []byte) (Record, bool) {
	for _, r := range m {
		if len(r.ID) > 0 && bytes.Equal(r.ID, id) {
			return r, true
		}
	}
	return Record{}, false
}

// ParseMessage parses one complete NDEF message. It is strict, because the
// bytes come from whoever is in the reader's field:
//
//   - the first record has MB, only the last has ME, and nothing follows it;
//   - chunked records (CF) are rejected rather than reassembled: no
//     handover or TNEP record is ever chunked, and reassembly would leave no
//     single "raw record" to keep (see [Record.Raw]);
//   - TNF 0x07 is reserved; TNF 0x00 needs empty type, ID and payload;
//     TNF 0x05 and 0x06 need an empty type; TNF 0x01–0x04 need a type;
//   - every length is checked against the bytes that are left.
//
// Errors unwrap to [ErrMalformedNDEF]. The returned records alias b.
func ParseMessage(b []byte) (Message, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty message", ErrMalformedNDEF)
	}
	s := cryptobyte.String(b)
	var msg Message
	for i := 0; ; i++ {
		start := len(b) - len(s)
		var hdr, typeLen, idLen uint8
		var payloadLen uint32
		if !s.ReadUint8(&hdr) || !s.ReadUint8(&typeLen) {
			return nil, fmt.Errorf("%w: record %d: truncated header", ErrMalformedNDEF, i)
		}
		if hdr&flagSR != 0 {
			var l uint8
			if !s.ReadUint8(&l) {
				return nil, fmt.Errorf("%w: record %d: truncated payload length", ErrMalformedNDEF, i)
			}
			payloadLen = uint32(l)
		} else if !s.ReadUint32(&payloadLen) {
			return nil, fmt.Errorf("%w: record %d: truncated payload length", ErrMalformedNDEF, i)
		}
		if hdr&flagIL != 0 && !s.ReadUint8(&idLen) {
			return nil, fmt.Errorf("%w: record %d: truncated id length", ErrMalformedNDEF, i)
		}
		var typ, id, payload []byte
		if !s.ReadBytes(&typ, int(typeLen)) || !s.ReadBytes(&id, int(idLen)) {
			return nil, fmt.Errorf("%w: record %d: type or id runs past the end", ErrMalformedNDEF, i)
		}
		// A uint32 length above the int range cannot be satisfied either;
		// cryptobyte refuses negative lengths.
		if uint64(payloadLen) > uint64(len(s)) || !s.ReadBytes(&payload, int(payloadLen)) {
			return nil, fmt.Errorf("%w: record %d: payload of %d bytes runs past the end", ErrMalformedNDEF, i, payloadLen)
		}
		r := Record{TNF: TNF(hdr & tnfMask), Type: typ, ID: id, Payload: payload}
		end := len(b) - len(s)
		r.Raw = b[start:end:end]
		if err := checkHeader(hdr, i, r); err != nil {
			return nil, err
		}
		msg = append(msg, r)
		if hdr&flagME != 0 {
			break
		}
		if s.Empty() {
			return nil, fmt.Errorf("%w: record %d: message ends without an ME flag", ErrMalformedNDEF, i)
		}
	}
	if !s.Empty() {
		return nil, fmt.Errorf("%w: %d bytes after the record with ME", ErrMalformedNDEF, len(s))
	}
	return msg, nil
}

func checkHeader(hdr byte, i int, r Record) error {
	switch {
	case i == 0 && hdr&flagMB == 0:
		return fmt.Errorf("%w: first record lacks the MB flag", ErrMalformedNDEF)
	case i > 0 && hdr&flagMB != 0:
		return fmt.Errorf("%w: record %d has MB but is not the first", ErrMalformedNDEF, i)
	case hdr&flagCF != 0 || r.TNF == TNFUnchanged:
		return fmt.Errorf("%w: record %d is chunked, which no handover record is", ErrMalformedNDEF, i)
	}
	// An IL flag with an ID length of 0 is legal NDEF; FindID simply never
	// matches an empty ID.
	switch r.TNF {
	case TNFEmpty:
		if len(r.Type)+len(r.ID)+len(r.Payload) != 0 {
			return fmt.Errorf("%w: record %d: empty TNF with type, id or payload", ErrMalformedNDEF, i)
		}
	case TNFWellKnown, TNFMedia, TNFAbsURI, TNFExternal:
		if len(r.Type) == 0 {
			return fmt.Errorf("%w: record %d: TNF %d without a type", ErrMalformedNDEF, i, r.TNF)
		}
	case TNFUnknown:
		if len(r.Type) != 0 {
			return fmt.Errorf("%w: record %d: unknown TNF with a type", ErrMalformedNDEF, i)
		}
	default:
		return fmt.Errorf("%w: record %d: reserved TNF %d", ErrMalformedNDEF, i, r.TNF)
	}
	return nil
}

// EncodeMessage encodes records as one NDEF message: MB on the first, ME on
// the last, SR whenever the payload is shorter than 256 bytes, IL whenever
// there is an ID. These are the choices every wallet in the recordings makes,
// so a message built here has the same bytes as the one they built. Raw is
// ignored. It panics if a type or ID is longer than 255 bytes, which only a
// programming error in this package can cause.
func EncodeMessage(recs ...Record) []byte {
	var b []byte
	for i, r := range recs {
		b = appendRecord(b, r, i == 0, i == len(recs)-1)
	}
	return b
}

func appendRecord(b []byte, r Record, first, last bool) []byte {
	if len(r.Type) > 0xFF || len(r.ID) > 0xFF {
		panic("nfc: ndef type or id longer than 255 bytes")
	}
	hdr := byte(r.TNF) & tnfMask
	if first {
		hdr |= flagMB
	}
	if last {
		hdr |= flagME
	}
	short := len(r.Payload) < 0x100
	if short {
		hdr |= flagSR
	}
	if len(r.ID) > 0 {
		hdr |= flagIL
	}
	b = append(b, hdr, byte(len(r.Type)))
	if short {
		b = append(b, byte(len(r.Payload)))
	} else {
		b = binary.BigEndian.AppendUint32(b, uint32(len(r.Payload)))
	}
	if len(r.ID) > 0 {
		b = append(b, byte(len(r.ID)))
	}
	b = append(b, r.Type...)
	b = append(b, r.ID...)
	return append(b, r.Payload...)
}
