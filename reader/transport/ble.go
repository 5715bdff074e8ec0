package transport

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
)

// UUID is a 128-bit Bluetooth UUID in printed (big-endian) order, the same
// layout as nfc.UUID, so a BLEMethod.UUID converts with UUID(m.UUID).
type UUID [16]byte

// String formats u as 8-4-4-4-12 lowercase hex.
func (u UUID) String() string {
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func charUUID(x byte) UUID {
	return UUID{0, 0, 0, x, 0xa1, 0x23, 0x48, 0xce, 0x89, 0x6b, 0x4c, 0x76, 0x97, 0x33, 0x73, 0xe6}
}

// Characteristics of the mdoc service, used in mdoc peripheral server mode
// (the mdoc is the GATT server; 18013-5 §8.3.3.1.1.4, Table 11, as listed by
// multipaz BleTransportPeripheralMdocReader and spruceid mobile-sdk).
var (
	MdocState         = charUUID(0x01) // write without response (reader), notify (mdoc)
	MdocClient2Server = charUUID(0x02) // reader → mdoc, write without response
	MdocServer2Client = charUUID(0x03) // mdoc → reader, notify
	// MdocIdent is not in the mdoc service of multipaz or spruceid (Ident
	// is a reader-service characteristic, Table 12); some implementations
	// list 00000004 anyway. It is checked only when the holder has it.
	MdocIdent = charUUID(0x04)
	MdocL2CAP = charUUID(0x0a) // not used: Apple's L2CAP is broken (research §0.2)
)

// Characteristics of the mdoc reader service, used in mdoc central client
// mode (the reader is the GATT server; 18013-5 §8.3.3.1.1.4, Table 12, as in
// multipaz BleTransportCentralMdocReader).
var (
	ReaderState         = charUUID(0x05) // write without response (mdoc), notify (reader)
	ReaderClient2Server = charUUID(0x06) // mdoc → reader, write without response
	ReaderServer2Client = charUUID(0x07) // reader → mdoc, notify
	ReaderIdent         = charUUID(0x08) // read: IdentValue(EDeviceKeyBytes)
	ReaderL2CAP         = charUUID(0x0b) // not used
)

// State characteristic values (18013-5 §8.3.3.1.1.4, Table 13).
const (
	StateStart = 0x01 // the reader may begin transmission
	StateEnd   = 0x02 // end of the session (transport-specific termination)
)

// Chunk prefixes (18013-5 §8.3.3.1.1.6): every chunk of a message starts
// with 01 except the last, which starts with 00.
const (
	chunkMore = 0x01
	chunkLast = 0x00
)

// MinMTU is the ATT MTU every link has before (or without) an MTU exchange
// (Bluetooth Core Vol 3 Part F §3.2.8).
const MinMTU = 23

// maxAttrValue is the longest attribute value (Core Vol 3 Part F §3.2.9).
const maxAttrValue = 512

// ChunkPayload returns how many message bytes fit one chunk at the given
// ATT MTU: a notification or write command carries MTU−3 value bytes (at
// most 512), one of which is the prefix. MTUs below 23 are taken as 23.
func ChunkPayload(mtu int) int { return min(maxAttrValue, max(mtu, MinMTU)-3) - 1 }

// AppendChunks splits msg into chunks for the given ATT MTU and appends
// them to dst. An empty msg is one chunk holding only the last-chunk prefix.
func AppendChunks(dst [][]byte, msg []byte, mtu int) [][]byte {
	n := ChunkPayload(mtu)
	for {
		if len(msg) <= n {
			return append(dst, append([]byte{chunkLast}, msg...))
		}
		dst = append(dst, append([]byte{chunkMore}, msg[:n]...))
		msg = msg[n:]
	}
}

// IdentValue is the value of the Ident characteristic: HKDF-SHA256 with
// IKM = EDeviceKeyBytes (the tag-24 encoded EDeviceKey as it appears in the
// SessionTranscript), no salt, info "BLEIdent", 16 bytes (18013-5
// §8.3.3.1.1.4). In mdoc central client mode the reader serves it and the
// mdoc reads it to know it found the reader it engaged with (multipaz
// BlePeripheralManagerAndroid.setESenderKey).
func IdentValue(eDeviceKeyBytes []byte) [16]byte {
	k, err := hkdf.Key(sha256.New, eDeviceKeyBytes, nil, "BLEIdent", 16)
	if err != nil {
		panic(err) // 16 bytes of SHA-256 HKDF cannot fail
	}
	return [16]byte(k)
}

// Reassembler joins chunks into messages (18013-5 §8.3.3.1.1.6). It is
// sans-IO: feed it chunk values in arrival order.
type Reassembler struct {
	// Max caps a message; a longer one fails with ErrMessageTooLarge.
	// 0 means DefaultMaxMessage.
	Max int

	buf     []byte
	partial bool
	maxMore int // longest "more" chunk seen: the peer's view of the MTU
}

// DefaultMaxMessage caps a received message when no cap is configured: an
// mDL response with a portrait is tens of kilobytes.
const DefaultMaxMessage = 1 << 20

// Push adds one chunk. It returns the message when chunk was its last part,
// nil otherwise. Errors unwrap to ErrTransport (empty chunk, unknown prefix)
// or ErrMessageTooLarge; after an error the Reassembler starts afresh.
func (r *Reassembler) Push(chunk []byte) ([]byte, error) {
	if len(chunk) == 0 {
		r.Reset()
		return nil, fmt.Errorf("%w: empty chunk", ErrTransport)
	}
	limit := r.Max
	if limit <= 0 {
		limit = DefaultMaxMessage
	}
	if len(r.buf)+len(chunk)-1 > limit {
		r.Reset()
		return nil, fmt.Errorf("%w: message longer than %d bytes", ErrMessageTooLarge, limit)
	}
	switch chunk[0] {
	case chunkMore:
		r.buf = append(r.buf, chunk[1:]...)
		r.partial = true
		r.maxMore = max(r.maxMore, len(chunk))
		return nil, nil
	case chunkLast:
		msg := append(r.buf, chunk[1:]...)
		if msg == nil {
			msg = []byte{}
		}
		r.buf, r.partial = nil, false
		return msg, nil
	}
	r.Reset()
	return nil, fmt.Errorf("%w: chunk prefix %02x, want 00 or 01", ErrTransport, chunk[0])
}

// Partial reports whether a message has begun but not ended.
func (r *Reassembler) Partial() bool { return r.partial }

// Reset drops a partial message.
func (r *Reassembler) Reset() { r.buf, r.partial = nil, false }

// PeerMTU is the smallest ATT MTU consistent with the chunks seen so far
// (a "more" chunk fills the peer's MTU−3), or 0 before any.
func (r *Reassembler) PeerMTU() int {
	if r.maxMore == 0 {
		return 0
	}
	return r.maxMore + 3
}

// BLEOptions tune a [BLE] transport. The zero value is usable.
type BLEOptions struct {
	// MaxMessage caps a received message. Default DefaultMaxMessage.
	MaxMessage int
	// MaxQueued caps the messages received but not yet taken by Receive, so
	// a holder cannot make us buffer without bound. Default 8.
	MaxQueued int
}

func (o BLEOptions) withDefaults() BLEOptions {
	if o.MaxMessage <= 0 {
		o.MaxMessage = DefaultMaxMessage
	}
	if o.MaxQueued <= 0 {
		o.MaxQueued = 8
	}
	return o
}

// link is what BLE needs from the GATT layer below it, whichever side of
// GATT the reader is on.
type link interface {
	sendState(ctx context.Context, v byte) error
	sendData(ctx context.Context, chunk []byte) error
	mtu() int // 0 when the stack does not say
	close() error
}

// BLE is one 18013-5 BLE data retrieval session (§8.3.3.1.1), in either
// mode. It is made by [ServeCentralClient] or [ConnectPeripheralServer]; the
// GATT layer feeds it State writes or notifications, data chunks and link
// loss, and it turns them into messages. Safe for concurrent use.
type BLE struct {
	link link
	// localStart: the reader writes the start (mdoc peripheral server
	// mode); otherwise it waits for the mdoc's (central client mode).
	localStart bool
	opts       BLEOptions

	sendMu sync.Mutex // one message's chunks at a time, never interleaved

	mu      sync.Mutex
	started bool
	closed  bool
	endErr  error // why no more messages will come; nil while the link is up
	asm     Reassembler
	queue   [][]byte
	changed chan struct{} // closed and replaced on every state change
}

func newBLE(localStart bool, opts BLEOptions) *BLE {
	opts = opts.withDefaults()
	return &BLE{
		localStart: localStart,
		opts:       opts,
		asm:        Reassembler{Max: opts.MaxMessage},
		changed:    make(chan struct{}),
	}
}

// broadcast wakes every waiter; callers hold b.mu.
func (b *BLE) broadcast() {
	close(b.changed)
	b.changed = make(chan struct{})
}

// fail records the first reason the session is over; callers hold b.mu.
func (b *BLE) fail(err error) {
	if b.endErr == nil {
		b.endErr = err
		b.asm.Reset()
		b.broadcast()
	}
}

// onState handles a State value from the mdoc. Values other than a single
// 01 or 02 byte are ignored, as multipaz does: the State characteristic
// carries nothing else, and a stray write must not end a session.
func (b *BLE) onState(v []byte) {
	if len(v) != 1 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch v[0] {
	case StateStart:
		// Only the mdoc central client signals start; a repeated start
		// changes nothing.
		if !b.localStart && !b.started && b.endErr == nil {
			b.started = true
			b.broadcast()
		}
	case StateEnd:
		if b.asm.Partial() {
			b.fail(fmt.Errorf("%w: state end: %w", ErrPeerClosed, ErrIncomplete))
			return
		}
		b.fail(fmt.Errorf("%w: state end", ErrPeerClosed))
	}
}

// onData handles one chunk from the mdoc.
func (b *BLE) onData(chunk []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.endErr != nil {
		return // the session is over; late chunks are dropped
	}
	if !b.started {
		b.fail(fmt.Errorf("%w: data before the start signal", ErrTransport))
		return
	}
	msg, err := b.asm.Push(chunk)
	if err != nil {
		b.fail(err)
		return
	}
	if msg == nil {
		return
	}
	if len(b.queue) == b.opts.MaxQueued {
		b.fail(fmt.Errorf("%w: more than %d unread messages", ErrTransport, b.opts.MaxQueued))
		return
	}
	b.queue = append(b.queue, msg)
	b.broadcast()
}

// onDisconnect handles loss of the link.
func (b *BLE) onDisconnect() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.asm.Partial() {
		b.fail(fmt.Errorf("%w: link lost: %w", ErrPeerClosed, ErrIncomplete))
		return
	}
	b.fail(fmt.Errorf("%w: link lost", ErrPeerClosed))
}

func (b *BLE) markStarted() {
	b.mu.Lock()
	b.started = true
	b.broadcast()
	b.mu.Unlock()
}

// WaitStarted blocks until the session has started: in mdoc central client
// mode, until the mdoc wrote 01 to the State characteristic.
func (b *BLE) WaitStarted(ctx context.Context) error {
	for {
		b.mu.Lock()
		started, ch := b.started, b.changed
		err := b.stopErr()
		b.mu.Unlock()
		if err != nil {
			return opErr("ble start", err)
		}
		if started {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return opErr("ble start", ctx.Err())
		}
	}
}

// stopErr is why nothing more can be sent; callers hold b.mu.
func (b *BLE) stopErr() error {
	if b.closed {
		return ErrClosed
	}
	return b.endErr
}

// Send waits for the session to start, then sends msg in chunks sized for
// the link's MTU. The MTU is the larger of what the stack reports and what
// the mdoc's own chunks show (BlueZ does not tell a GATT server the MTU).
func (b *BLE) Send(ctx context.Context, msg []byte) error {
	const op = "ble send"
	if err := b.WaitStarted(ctx); err != nil {
		return opErr(op, errors.Unwrap(err))
	}
	b.sendMu.Lock()
	defer b.sendMu.Unlock()
	mtu := b.link.mtu() // may ask the stack: not under b.mu
	b.mu.Lock()
	mtu = max(mtu, b.asm.PeerMTU())
	b.mu.Unlock()
	for _, c := range AppendChunks(nil, msg, mtu) {
		b.mu.Lock()
		err := b.stopErr()
		b.mu.Unlock()
		if err != nil {
			return opErr(op, err)
		}
		if err := ctx.Err(); err != nil {
			return opErr(op, err)
		}
		if err := b.link.sendData(ctx, c); err != nil {
			return opErr(op, err)
		}
	}
	return nil
}

// Receive returns the next message from the mdoc. Messages that arrived
// before the mdoc ended the session are still returned; after them Receive
// fails with an error unwrapping to ErrPeerClosed (or ErrTransport,
// ErrMessageTooLarge when the mdoc broke the protocol).
func (b *BLE) Receive(ctx context.Context) ([]byte, error) {
	for {
		b.mu.Lock()
		if len(b.queue) > 0 {
			msg := b.queue[0]
			b.queue[0] = nil
			b.queue = b.queue[1:]
			b.mu.Unlock()
			return msg, nil
		}
		err, ch := b.stopErr(), b.changed
		b.mu.Unlock()
		if err != nil {
			return nil, opErr("ble receive", err)
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, opErr("ble receive", ctx.Err())
		}
	}
}

// Close sends the end signal (State 02) unless the mdoc already ended the
// session or it never started, then releases the link (stops advertising
// and removes the service, or disconnects).
func (b *BLE) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	sayEnd := b.started && b.endErr == nil
	b.closed = true
	b.queue = nil
	b.broadcast()
	b.mu.Unlock()
	var errs []error
	if sayEnd {
		// Best effort with a context of its own: Close has none, and the
		// end signal is one small write.
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		errs = append(errs, b.link.sendState(ctx, StateEnd))
		cancel()
	}
	errs = append(errs, b.link.close())
	if err := errors.Join(errs...); err != nil {
		return opErr("ble close", err)
	}
	return nil
}
