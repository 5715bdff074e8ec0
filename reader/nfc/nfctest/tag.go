// Package nfctest is an in-memory NFC Forum Type 4 Tag that serves an
// 18013-5 handover the way phone wallets do, for tests of reader/nfc and of
// anything that drives it. It speaks raw APDUs ([Tag.Transmit] is a
// reader.RawTransmit), so [Tag.Card] puts the real reader.Transceiver
// framing in front of it.
package nfctest

import (
	"bytes"
	"encoding/binary"
	"sync"

	"taimen/reader"
)

// Status words the tag answers with (ISO/IEC 7816-4 §5.6).
const (
	swOK            = 0x9000
	swNotFound      = 0x6A82
	swWrongP1P2     = 0x6B00
	swSecurity      = 0x6982
	swInsNotSupp    = 0x6D00
	swNotSelected   = 0x6986
	swWrongLength   = 0x6700
	defaultFileID   = 0xE104
	defaultMaxSize  = 0x7FFF
	defaultMaxAPDU  = 0x7FFF
	ndefAID         = "\xD2\x76\x00\x00\x85\x01\x01"
	ccFileID        = 0xE103
	tnepStatusOK    = 0x00
	recordHeaderWKT = 0xD1 // MB ME SR, TNF well-known
)

// Tag is a type 4 tag holding one NDEF file. Set the fields before the
// first command; the zero value is not usable, build one with [Static] or
// [Negotiated].
type Tag struct {
	// CC is the 15-byte capability container it serves.
	CC []byte
	// Locked makes SELECT of the NDEF application answer 6A82, as a locked
	// Android phone does.
	Locked bool
	// OnWrite is called when the reader finishes writing a message (an
	// UPDATE that leaves a non-zero NLEN). It returns the message to serve
	// next and how many NLEN reads answer 0 before it appears (Apple).
	OnWrite func(msg []byte) (next []byte, notReady int)

	mu       sync.Mutex
	file     []byte // NLEN || message
	app      bool
	cur      []byte // selected file
	curIsNDF bool
	pending  []byte
	polls    int
	log      [][]byte
	writes   [][]byte
}

// CC builds a capability container: mapping 2.0, MLe, MLc, NDEF file E104
// of maxSize bytes, read access 00, write access 00 (writable) or FF.
func CC(mle, mlc, maxSize uint16, writable bool) []byte {
	b := []byte{0x00, 0x0F, 0x20}
	b = binary.BigEndian.AppendUint16(b, mle)
	b = binary.BigEndian.AppendUint16(b, mlc)
	b = append(b, 0x04, 0x06)
	b = binary.BigEndian.AppendUint16(b, defaultFileID)
	b = binary.BigEndian.AppendUint16(b, maxSize)
	w := byte(0xFF)
	if writable {
		w = 0x00
	}
	return append(b, 0x00, w)
}

// Static returns a read-only tag whose NDEF file holds hs: static handover
// (Samsung Wallet, multipaz in static mode).
func Static(hs []byte) *Tag {
	t := &Tag{CC: CC(defaultMaxAPDU, defaultMaxAPDU, defaultMaxSize, false)}
	t.setMessage(hs)
	return t
}

// Negotiated returns a writable tag that offers TNEP with the service
// parameter record tp (a complete NDEF message), answers a Service Select
// with a Te of status 0, and answers the Handover Request with hs(hr) after
// notReady reads of NLEN = 0 (Apple, Google, multipaz in negotiated mode).
func Negotiated(tp []byte, hs func(hr []byte) []byte, notReady int) *Tag {
	t := &Tag{CC: CC(defaultMaxAPDU, defaultMaxAPDU, defaultMaxSize, true)}
	t.setMessage(tp)
	t.OnWrite = func(msg []byte) ([]byte, int) {
		// A Ts record starts d1 02 xx "Ts"; anything else is the Hr.
		if len(msg) >= 5 && msg[0] == recordHeaderWKT && msg[1] == 2 && string(msg[3:5]) == "Ts" {
			return []byte{recordHeaderWKT, 0x02, 0x01, 'T', 'e', tnepStatusOK}, 0
		}
		return hs(msg), notReady
	}
	return t
}

func (t *Tag) setMessage(m []byte) {
	t.file = binary.BigEndian.AppendUint16(nil, uint16(len(m)))
	t.file = append(t.file, m...)
}

// Card returns the tag behind a reader.Transceiver, as reader/pcsc would
// hand it to the app.
func (t *Tag) Card() reader.Card { return reader.NewTransceiver(t.Transmit, reader.Options{}) }

// Log returns a copy of every command APDU received so far.
func (t *Tag) Log() [][]byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([][]byte, len(t.log))
	for i, b := range t.log {
		out[i] = bytes.Clone(b)
	}
	return out
}

// Written returns every message the reader finished writing, in order.
func (t *Tag) Written() [][]byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([][]byte(nil), t.writes...)
}

// Transmit answers one command APDU; it is a reader.RawTransmit.
func (t *Tag) Transmit(apdu []byte) ([]byte, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.log = append(t.log, bytes.Clone(apdu))
	cmd, err := reader.ParseCommand(apdu)
	if err != nil {
		return sw(swWrongLength), nil
	}
	switch {
	case cmd.INS == 0xA4 && cmd.P1 == 0x04:
		if t.Locked || string(cmd.Data) != ndefAID {
			return sw(swNotFound), nil
		}
		t.app, t.cur = true, nil
		return sw(swOK), nil
	case cmd.INS == 0xA4 && cmd.P1 == 0x00 && cmd.P2 == 0x0C:
		if !t.app || len(cmd.Data) != 2 {
			return sw(swNotFound), nil
		}
		switch binary.BigEndian.Uint16(cmd.Data) {
		case ccFileID:
			t.cur, t.curIsNDF = t.CC, false
		case binary.BigEndian.Uint16(t.CC[9:]):
			t.cur, t.curIsNDF = t.file, true
		default:
			return sw(swNotFound), nil
		}
		return sw(swOK), nil
	case cmd.INS == 0xB0:
		return t.read(cmd), nil
	case cmd.INS == 0xD6:
		return t.update(cmd), nil
	}
	return sw(swInsNotSupp), nil
}

func (t *Tag) read(cmd reader.Command) []byte {
	if t.cur == nil {
		return sw(swNotSelected)
	}
	off := int(cmd.P1)<<8 | int(cmd.P2)
	if t.curIsNDF && t.pending != nil && off == 0 {
		if t.polls > 0 {
			t.polls--
			return append([]byte{0, 0}, sw(swOK)...)
		}
		t.setMessage(t.pending)
		t.cur, t.pending = t.file, nil
	}
	if off > len(t.cur) {
		return sw(swWrongP1P2)
	}
	n := min(cmd.Ne, len(t.cur)-off)
	return append(bytes.Clone(t.cur[off:off+n]), sw(swOK)...)
}

func (t *Tag) update(cmd reader.Command) []byte {
	if !t.curIsNDF {
		return sw(swNotSelected)
	}
	if t.CC[14] != 0x00 {
		return sw(swSecurity)
	}
	off := int(cmd.P1)<<8 | int(cmd.P2)
	maxSize := int(binary.BigEndian.Uint16(t.CC[11:]))
	if off+len(cmd.Data) > maxSize {
		return sw(swWrongP1P2)
	}
	if grow := off + len(cmd.Data) - len(t.file); grow > 0 {
		t.file = append(t.file, make([]byte, grow)...)
	}
	copy(t.file[off:], cmd.Data)
	t.cur = t.file
	// T4T write procedure: the message is complete when a write covering
	// NLEN leaves it non-zero.
	if off < 2 && len(t.file) >= 2 {
		n := int(binary.BigEndian.Uint16(t.file))
		if n > 0 && 2+n <= len(t.file) {
			msg := bytes.Clone(t.file[2 : 2+n])
			t.writes = append(t.writes, msg)
			if t.OnWrite != nil {
				t.pending, t.polls = t.OnWrite(msg)
			}
		}
	}
	return sw(swOK)
}

func sw(s uint16) []byte { return []byte{byte(s >> 8), byte(s)} }
