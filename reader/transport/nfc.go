package transport

import (
	"context"
	"fmt"
	"sync"

	"taimen/reader"
)

// MdocAID is the AID of the mdoc NFC data transfer application
// (18013-5 §8.3.3.1.2).
var MdocAID = []byte{0xA0, 0x00, 0x00, 0x02, 0x48, 0x04, 0x00}

// APDU instructions of 18013-5 §8.3.3.1.2.
const (
	insSelect   = 0xA4
	insEnvelope = 0xC3
)

// Length bounds of 18013-5 §8.3.3.1.2 NOTE 2: a holder takes command data
// fields of 255…65 535 bytes and gives responses of 256…65 536 bytes.
const (
	minHolderCommand  = reader.MaxShortData
	minHolderResponse = reader.MaxShortNe
)

// NFCOptions describe both ends of an NFC data retrieval.
type NFCOptions struct {
	// MaxCommand is the holder's maximum command data field length, from
	// its NFC carrier configuration record (18013-5 §8.2.2.2) or its
	// DeviceEngagement retrieval options. Values below 255 — including 0,
	// unknown — are taken as 255, the least a holder may offer.
	MaxCommand int
	// MaxResponse is the holder's maximum response data field length, from
	// the same place. Values below 256 are taken as 256, values above 65536
	// as 65536.
	MaxResponse int
	// ReaderMaxResponse is the largest response data field this reader
	// asks for in one APDU. Default 65536. A reader that takes only short
	// APDUs needs nothing here: the reader.Transceiver caps Le at 256 and
	// collects the rest with GET RESPONSE.
	ReaderMaxResponse int
}

func (o NFCOptions) withDefaults() NFCOptions {
	o.MaxCommand = clamp(o.MaxCommand, minHolderCommand, reader.MaxExtendedData)
	o.MaxResponse = clamp(o.MaxResponse, minHolderResponse, reader.MaxExtendedNe)
	if o.ReaderMaxResponse <= 0 {
		o.ReaderMaxResponse = reader.MaxExtendedNe
	}
	o.ReaderMaxResponse = clamp(o.ReaderMaxResponse, 1, reader.MaxExtendedNe)
	return o
}

func clamp(v, lo, hi int) int { return max(lo, min(v, hi)) }

// Ne is the Le of the last ENVELOPE: "the maximum length of the response
// data field that is supported by both the mdoc and the mdoc reader"
// (18013-5 §8.3.3.1.2).
func (o NFCOptions) ne() int { return min(o.MaxResponse, o.ReaderMaxResponse) }

// ChainLimiter is a [reader.Card] that can chain a command in parts of at
// most maxData bytes, below its own limit. The holder's maximum command
// length (NFCOptions.MaxCommand) is known only after engagement, long after
// the connection and its reader.Transceiver were made, and Transmit refuses
// a caller-set chaining bit, so this package cannot chain by itself. When
// the card does not implement ChainLimiter, a message longer than the
// holder's limit is sent with the card's own chunk size: 255 bytes for short
// APDUs (always within a holder's limit), Options.MaxCommandData for
// extended ones. That may exceed the holder's limit: with
// reader.LengthAuto the holder's 6700 makes the Transceiver fall back to
// short APDUs for the rest of the connection (the exchange succeeds, more
// slowly); with reader.LengthExtended it is reported as ErrTransport.
//
// Responses: when the holder answers 6100 (more than Le+255 bytes left),
// 18013-5 wants GET RESPONSE with Le = the agreed maximum; the current
// reader.Transceiver always sends a short GET RESPONSE (Le 256), which every
// holder must accept but which takes one APDU per 256 bytes (see the
// benchmarks).
type ChainLimiter interface {
	TransmitChained(ctx context.Context, cmd reader.Command, maxData int) (reader.Response, error)
}

// NFC is the reader side of 18013-5 §8.3.3.1.2 data retrieval over one
// [reader.Card]: SELECT of the mdoc AID, then one ENVELOPE exchange per
// message. Open must be called first. NFC is safe for use from several
// goroutines, but the link carries one exchange at a time: a second call
// while one is running fails with ErrOutOfOrder.
type NFC struct {
	card reader.Card
	opts NFCOptions

	mu         sync.Mutex
	opened     bool
	closed     bool
	busy       bool
	pending    []byte
	hasPending bool
}

// NewNFC returns an NFC transport over card.
func NewNFC(card reader.Card, opts NFCOptions) *NFC {
	return &NFC{card: card, opts: opts.withDefaults()}
}

// Open selects the mdoc data transfer application. A refusal is an error
// unwrapping to ErrNotMdocAID and to the *reader.StatusError (6A82 →
// reader.ErrNotFound).
func (t *NFC) Open(ctx context.Context) error {
	const op = "nfc select"
	if err := t.begin(false); err != nil {
		return opErr(op, err)
	}
	defer t.end()
	// P2 00: first or only occurrence, return FCI; Le 00 because some
	// holders return an FCI and a case 3 SELECT would make them answer 6Cxx
	// or 6700 (multipaz sends its SELECT with Le as well).
	cmd := reader.Command{INS: insSelect, P1: 0x04, P2: 0x00, Data: MdocAID, Ne: reader.MaxShortNe}
	resp, err := t.card.Transmit(ctx, cmd)
	if err != nil {
		return opErr(op, err)
	}
	if !resp.OK() {
		return opErr(op, fmt.Errorf("%w: %w", ErrNotMdocAID, resp.Err()))
	}
	t.mu.Lock()
	t.opened = true
	t.mu.Unlock()
	return nil
}

// Exchange sends msg in one ENVELOPE command (chained by the card layer
// when long) and returns the holder's answer with the DO'53' removed. The
// holder answers only once its user has decided, so Exchange can block for
// many seconds; ctx cancels between APDUs (an APDU already on the wire ends
// with the reader's own timeout). An empty DO'53' from the holder is
// returned as an empty, non-nil message; this package gives it no meaning.
func (t *NFC) Exchange(ctx context.Context, msg []byte) ([]byte, error) {
	if err := t.begin(true); err != nil {
		return nil, opErr("nfc envelope", err)
	}
	defer t.end()
	return t.exchange(ctx, msg)
}

// Send queues msg for the next Receive: on NFC the holder can answer only
// a command, so nothing goes on the wire before Receive.
func (t *NFC) Send(_ context.Context, msg []byte) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case t.closed:
		return opErr("nfc send", ErrClosed)
	case !t.opened:
		return opErr("nfc send", fmt.Errorf("%w: send before open", ErrOutOfOrder))
	case t.hasPending:
		return opErr("nfc send", fmt.Errorf("%w: a message is already waiting for receive", ErrOutOfOrder))
	}
	t.pending, t.hasPending = msg, true
	return nil
}

// Receive sends the message queued by Send and returns the holder's answer,
// as Exchange does. Without a queued message it fails with ErrOutOfOrder: an
// NFC holder cannot speak unasked.
func (t *NFC) Receive(ctx context.Context) ([]byte, error) {
	if err := t.begin(true); err != nil {
		return nil, opErr("nfc receive", err)
	}
	defer t.end()
	t.mu.Lock()
	msg, ok := t.pending, t.hasPending
	t.pending, t.hasPending = nil, false
	t.mu.Unlock()
	if !ok {
		return nil, opErr("nfc receive", fmt.Errorf("%w: nothing was sent", ErrOutOfOrder))
	}
	return t.exchange(ctx, msg)
}

// Close marks the transport closed. NFC has no transport-level end signal
// (18013-5 §9.1.1.4: the session ends with SessionData status 20 or by
// leaving the field); the reader.Conn is the caller's to close.
func (t *NFC) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	t.pending, t.hasPending = nil, false
	return nil
}

func (t *NFC) begin(needOpen bool) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case t.closed:
		return ErrClosed
	case t.busy:
		return fmt.Errorf("%w: another exchange is running", ErrOutOfOrder)
	case needOpen && !t.opened:
		return fmt.Errorf("%w: exchange before open", ErrOutOfOrder)
	}
	t.busy = true
	return nil
}

func (t *NFC) end() {
	t.mu.Lock()
	t.busy = false
	t.mu.Unlock()
}

func (t *NFC) exchange(ctx context.Context, msg []byte) ([]byte, error) {
	const op = "nfc envelope"
	data, err := AppendDO53(nil, msg)
	if err != nil {
		return nil, opErr(op, err)
	}
	// CLA 00 and no chaining bit: reader.Transceiver sets CLA 10 on every
	// part but the last; non-last parts carry no Le (ISO/IEC 7816-4 §5.3.3,
	// 18013-5 §8.3.3.1.2).
	cmd := reader.Command{INS: insEnvelope, Data: data, Ne: t.opts.ne()}
	var resp reader.Response
	if cl, ok := t.card.(ChainLimiter); ok && len(data) > t.opts.MaxCommand {
		resp, err = cl.TransmitChained(ctx, cmd, t.opts.MaxCommand)
	} else {
		resp, err = t.card.Transmit(ctx, cmd)
	}
	if err != nil {
		return nil, opErr(op, err)
	}
	if !resp.OK() {
		return nil, opErr(op, fmt.Errorf("%w: %w", ErrTransport, resp.Err()))
	}
	out, err := ParseDO53(resp.Data)
	if err != nil {
		return nil, opErr(op, err)
	}
	return out, nil
}
