package wallet

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	"taimen/reader/transport"
	"taimen/verify/mdoc"
)

// The holder's side of BLE data retrieval in mdoc central client mode
// (18013-5 §8.3.3.1.1): the phone is the GATT client, the reader serves the
// mdoc reader service. This is what Apple, Google and Samsung Wallet do
// after an NFC engagement whose Handover Select asks for BLE (LE role 01).
// The link comes through a transport.GATTClient, so the same code runs over
// reader/transport/transporttest's in-memory radio in tests.

// Sentinels of the BLE holder.
var (
	// ErrReaderIdent: the reader's Ident characteristic is not the value
	// derived from this engagement's EDeviceKeyBytes, so it is not the
	// reader the phone engaged with (18013-5 §8.3.3.1.1.4).
	ErrReaderIdent = errors.New("wallet: reader ble ident does not match the engagement")
	// ErrNoReaderService: the peer lacks the mdoc reader service or one of
	// its required characteristics (Table 12).
	ErrNoReaderService = errors.New("wallet: peer lacks the mdoc reader gatt service")
	// ErrLinkLost: the BLE link went down before the session ended.
	ErrLinkLost = errors.New("wallet: ble link lost")
	// ErrReaderBroke: the reader broke the BLE framing (a bad chunk, a
	// message over the cap, State 02 in the middle of a message).
	ErrReaderBroke = errors.New("wallet: reader broke the ble transport")
)

// BLEError is a failed BLE data retrieval: the step and why. It unwraps to
// one of the sentinels above, ErrInvalidOptions, ErrNotEngaged, the
// GATT stack's error, or ctx.Err().
type BLEError struct {
	Op  string // "connect", "ident", "subscribe", "start", "receive", "send", "session"
	Err error
}

func (e *BLEError) Error() string { return "wallet: ble " + e.Op + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *BLEError) Unwrap() error { return e.Err }

// BLEOptions start the holder's side of a BLE link.
type BLEOptions struct {
	// Service is the reader service's UUID: the one of the Handover Select
	// (static handover) or of the reader's Handover Request (negotiated),
	// 18013-5 §8.3.3.1.1.2.
	Service transport.UUID
	// Address is the reader's LE address when known; nil finds it by UUID.
	Address []byte
	// EDeviceKeyBytes is the tag-24 EDeviceKey of the engagement, as in the
	// DeviceEngagement: the reader's Ident must derive from it. Required.
	EDeviceKeyBytes []byte
	// MaxMessage caps a message from the reader; default
	// transport.DefaultMaxMessage.
	MaxMessage int
}

// endTimeout bounds the best-effort State 02 sent when the holder gives up.
const endTimeout = 2 * time.Second

// BLEOptions returns the BLE options of the last engagement: the service
// UUID it selected and its EDeviceKeyBytes. It fails with ErrNotEngaged
// before an engagement that selected BLE with a known UUID.
func (w *Wallet) BLEOptions() (BLEOptions, error) {
	e, ok := w.LastEngagement()
	if !ok || e.BLEUUID == nil {
		return BLEOptions{}, fmt.Errorf("%w: no ble engagement", ErrNotEngaged)
	}
	de, err := mdoc.ParseDeviceEngagement(e.DeviceEngagement)
	if err != nil {
		return BLEOptions{}, fmt.Errorf("%w: own device engagement: %w", ErrNotEngaged, err)
	}
	return BLEOptions{Service: transport.UUID(*e.BLEUUID), EDeviceKeyBytes: de.EDeviceKeyBytes.Raw}, nil
}

// RunBLE answers the reader of the last engagement over BLE through cl
// ([RunBLECentral] with the wallet as the holder). Run it in a goroutine
// once the engagement is over; it returns when the session ends.
func (w *Wallet) RunBLE(ctx context.Context, cl transport.GATTClient) error {
	opts, err := w.BLEOptions()
	if err != nil {
		return &BLEError{Op: "connect", Err: err}
	}
	return RunBLECentral(ctx, cl, w, opts)
}

// bleEvent is what the GATT client's callbacks report to the session loop.
type bleEvent struct {
	kind  int
	value []byte
}

const (
	evData  = iota // a Server2Client notification (one chunk)
	evState        // a State notification
	evDown         // the link went down
)

// events hands callbacks to the loop without blocking the GATT stack's
// delivery after the loop is gone.
type events struct {
	ch   chan bleEvent
	done chan struct{}
}

func (e *events) push(ev bleEvent) {
	select {
	case e.ch <- ev:
	case <-e.done:
	}
}

// RunBLECentral is the mdoc in central client mode (18013-5 §8.3.3.1.1):
// it connects to the reader's service through cl, reads the Ident
// characteristic and checks it against opts.EDeviceKeyBytes, subscribes to
// Server2Client and State, writes 01 to State, then reassembles each
// message the reader notifies (the 01/00 chunk prefix, §8.3.3.1.1.6),
// answers it through h and writes the answer in chunks to Client2Server.
// It returns nil when the session ends normally: the holder's answer ended
// it (it then writes 02 to State), the reader sent a termination status or
// wrote 02 to State. It disconnects before returning.
func RunBLECentral(ctx context.Context, cl transport.GATTClient, h Holder, opts BLEOptions) (err error) {
	if len(opts.EDeviceKeyBytes) == 0 {
		return &BLEError{Op: "connect", Err: fmt.Errorf("%w: no EDeviceKeyBytes", ErrInvalidOptions)}
	}
	rs, err := cl.Connect(ctx, opts.Service, opts.Address)
	if err != nil {
		return &BLEError{Op: "connect", Err: err}
	}
	defer rs.Close()
	for _, c := range []transport.UUID{transport.ReaderState, transport.ReaderClient2Server, transport.ReaderServer2Client, transport.ReaderIdent} {
		if !rs.Has(c) {
			return &BLEError{Op: "connect", Err: fmt.Errorf("%w: no characteristic %s", ErrNoReaderService, c)}
		}
	}
	got, err := rs.Read(ctx, transport.ReaderIdent)
	if err != nil {
		return &BLEError{Op: "ident", Err: err}
	}
	want := transport.IdentValue(opts.EDeviceKeyBytes)
	if subtle.ConstantTimeCompare(got, want[:]) != 1 {
		return &BLEError{Op: "ident", Err: fmt.Errorf("%w: reader ident %x", ErrReaderIdent, got)}
	}

	ev := &events{ch: make(chan bleEvent, 64), done: make(chan struct{})}
	defer close(ev.done)
	rs.OnDisconnect(func() { ev.push(bleEvent{kind: evDown}) })
	if err := rs.Subscribe(ctx, transport.ReaderServer2Client, func(v []byte) { ev.push(bleEvent{kind: evData, value: v}) }); err != nil {
		return &BLEError{Op: "subscribe", Err: err}
	}
	if err := rs.Subscribe(ctx, transport.ReaderState, func(v []byte) { ev.push(bleEvent{kind: evState, value: v}) }); err != nil {
		return &BLEError{Op: "subscribe", Err: err}
	}
	if err := rs.WriteWithoutResponse(ctx, transport.ReaderState, []byte{transport.StateStart}); err != nil {
		return &BLEError{Op: "start", Err: linkErr(err)}
	}

	// giveUp tells the reader the session is over (State 02) before the
	// holder stops on an error, as a wallet does when it cancels.
	giveUp := func(op string, err error) error {
		ectx, cancel := context.WithTimeout(context.Background(), endTimeout)
		_ = rs.WriteWithoutResponse(ectx, transport.ReaderState, []byte{transport.StateEnd})
		cancel()
		return &BLEError{Op: op, Err: err}
	}
	asm := transport.Reassembler{Max: opts.MaxMessage}
	for {
		var e bleEvent
		select {
		case <-ctx.Done():
			return giveUp("receive", ctx.Err())
		case e = <-ev.ch:
		}
		switch e.kind {
		case evDown:
			if asm.Partial() {
				return &BLEError{Op: "receive", Err: fmt.Errorf("%w: in the middle of a message", ErrLinkLost)}
			}
			return &BLEError{Op: "receive", Err: ErrLinkLost}
		case evState:
			// Only a single 02 means anything to the mdoc; other values are
			// ignored, as multipaz does.
			if len(e.value) != 1 || e.value[0] != transport.StateEnd {
				continue
			}
			if asm.Partial() {
				return &BLEError{Op: "receive", Err: fmt.Errorf("%w: state end in the middle of a message", ErrReaderBroke)}
			}
			return nil
		}
		msg, err := asm.Push(e.value)
		if err != nil {
			return giveUp("receive", fmt.Errorf("%w: %w", ErrReaderBroke, err))
		}
		if msg == nil {
			continue
		}
		readerEnds := isStatusOnly(msg)
		reply, end, err := h.Message(msg)
		if err != nil {
			return giveUp("session", err)
		}
		if readerEnds {
			// The reader ended the session with a status (§9.1.1.4): the
			// holder's answer has no one to read it over BLE; disconnect.
			return nil
		}
		for _, c := range transport.AppendChunks(nil, reply, rs.MTU()) {
			if err := rs.WriteWithoutResponse(ctx, transport.ReaderClient2Server, c); err != nil {
				return &BLEError{Op: "send", Err: linkErr(err)}
			}
		}
		if end {
			// The answer ended the session (decline, or the response with
			// status 20): transport-specific termination follows it. The
			// reader may have read the answer and ended first, so a link
			// already down here loses nothing.
			_ = rs.WriteWithoutResponse(ctx, transport.ReaderState, []byte{transport.StateEnd})
			return nil
		}
	}
}

// linkErr classifies a failed write: a write without response fails only
// when the link is gone (or the context ended).
func linkErr(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrLinkLost, err)
}

// isStatusOnly reports whether msg is a SessionData with a status and no
// data: the reader ends the session (status 10, 11 or 20, §9.1.1.4).
func isStatusOnly(msg []byte) bool {
	sd, err := mdoc.ParseSessionData(msg)
	return err == nil && sd.Status != nil && len(sd.Data) == 0
}
