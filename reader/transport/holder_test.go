package transport

import (
	"context"
	"fmt"
	"testing"

	"taimen/reader"
)

// holder is an in-memory mdoc answering NFC data retrieval APDUs as
// 18013-5 §8.3.3.1.2 describes: SELECT of the AID, ENVELOPE with command
// chaining, responses of at most Le bytes with 61XX / 6100 and GET RESPONSE.
// It checks what the reader sends and counts what crosses the wire.
type holder struct {
	t        testing.TB
	aid      []byte // accepted AID; default MdocAID
	maxCmd   int    // largest data field per APDU; 6700 above; default 65535
	extended bool   // extended APDUs get through (reader and holder)
	// handle is the holder's application: message in, message out.
	handle func(msg []byte) []byte
	// wrap, when set, replaces the DO'53' encoding of the answer.
	wrap func(answer []byte) []byte
	// sw, when set, is the status of the last ENVELOPE instead of the
	// normal answer.
	sw uint16
	// fail, when set, is called before each APDU (1-based index) and may
	// return a transport error instead of an answer.
	fail func(n int) error

	selected bool
	inbuf    []byte
	out      []byte

	apdus     int
	bytesUp   int // command APDU bytes, reader → holder
	bytesDown int // response APDU bytes, holder → reader
	log       []reader.Command
}

func newHolder(t testing.TB, handle func([]byte) []byte) *holder {
	return &holder{t: t, maxCmd: reader.MaxExtendedData, extended: true, handle: handle}
}

func (h *holder) raw(apdu []byte) ([]byte, error) {
	h.apdus++
	if h.fail != nil {
		if err := h.fail(h.apdus); err != nil {
			return nil, err
		}
	}
	h.bytesUp += len(apdu)
	r := h.answer(apdu)
	b := r.Encode()
	h.bytesDown += len(b)
	return b, nil
}

func isExtended(apdu []byte) bool { return len(apdu) > 5 && apdu[4] == 0 }

func (h *holder) answer(apdu []byte) reader.Response {
	c, err := reader.ParseCommand(apdu)
	if err != nil {
		return reader.Response{SW: 0x6700}
	}
	h.log = append(h.log, c)
	if isExtended(apdu) && !h.extended {
		return reader.Response{SW: 0x6700}
	}
	if len(c.Data) > h.maxCmd {
		return reader.Response{SW: 0x6700}
	}
	aid := h.aid
	if aid == nil {
		aid = MdocAID
	}
	switch c.INS {
	case insSelect:
		if c.P1 != 0x04 || string(c.Data) != string(aid) {
			return reader.Response{SW: 0x6A82}
		}
		h.selected = true
		return reader.Response{SW: 0x9000}
	case insEnvelope:
		if !h.selected {
			return reader.Response{SW: 0x6985}
		}
		h.inbuf = append(h.inbuf, c.Data...)
		if c.CLA&0x10 != 0 {
			if c.Ne != 0 {
				h.t.Errorf("non-last envelope with le %d", c.Ne)
			}
			return reader.Response{SW: 0x9000}
		}
		if c.CLA != 0x00 {
			return reader.Response{SW: 0x6E00}
		}
		msg, err := ParseDO53(h.inbuf)
		h.inbuf = nil
		if err != nil {
			return reader.Response{SW: 0x6A80}
		}
		if h.sw != 0 {
			return reader.Response{SW: h.sw}
		}
		ans := h.handle(msg)
		if h.wrap != nil {
			h.out = h.wrap(ans)
		} else if h.out, err = AppendDO53(nil, ans); err != nil {
			h.t.Fatal(err)
		}
		return h.next(c.Ne)
	case 0xC0: // GET RESPONSE
		if len(h.out) == 0 {
			return reader.Response{SW: 0x6985}
		}
		return h.next(c.Ne)
	}
	return reader.Response{SW: 0x6D00}
}

// next gives up to ne bytes of the pending answer with the status words of
// 18013-5 §8.3.3.1.2: 9000 when all fit, 61XX when XX ≤ 255 bytes remain,
// 6100 when more remain.
func (h *holder) next(ne int) reader.Response {
	n := min(ne, len(h.out))
	part := h.out[:n:n]
	h.out = h.out[n:]
	switch rem := len(h.out); {
	case rem == 0:
		return reader.Response{Data: part, SW: 0x9000}
	case rem <= 255:
		return reader.Response{Data: part, SW: 0x6100 | uint16(rem)}
	default:
		return reader.Response{Data: part, SW: 0x6100}
	}
}

// plainCard hides every method but Transmit, so a test means "a card that
// cannot chain at the holder's limit" whatever reader.Transceiver offers.
type plainCard struct{ c reader.Card }

func (p plainCard) Transmit(ctx context.Context, cmd reader.Command) (reader.Response, error) {
	return p.c.Transmit(ctx, cmd)
}

// limitedCard is a reader.Card that implements ChainLimiter the way the
// proposed reader.Transceiver change would: same framing, a smaller chunk.
type limitedCard struct {
	*reader.Transceiver
	raw  reader.RawTransmit
	opts reader.Options
}

func (c limitedCard) TransmitChained(ctx context.Context, cmd reader.Command, maxData int) (reader.Response, error) {
	o := c.opts
	o.MaxCommandData = maxData
	return reader.NewTransceiver(c.raw, o).Transmit(ctx, cmd)
}

// pattern returns n deterministic bytes.
func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7) ^ seed
	}
	return b
}

func echoPlus(n int) func([]byte) []byte {
	return func(msg []byte) []byte {
		return append(pattern(n, byte(len(msg))), msg...)
	}
}

func (h *holder) String() string {
	return fmt.Sprintf("%d apdus, %d bytes up, %d bytes down", h.apdus, h.bytesUp, h.bytesDown)
}
