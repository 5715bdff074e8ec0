package transport

import "context"

// Transport carries whole 18013-5 messages (SessionEstablishment,
// SessionData) between the reader and the holder, in both directions.
//
// Send hands one message to the holder. Receive returns the next message
// from the holder, exactly as received; it blocks until one arrives, the
// holder ends the session (an error unwrapping to ErrPeerClosed), or ctx is
// done. Close ends the session on the transport level (BLE: State 02) and
// releases the link; it does not close the reader.Conn or the Bluetooth
// adapter underneath. Close may be called more than once.
type Transport interface {
	Send(ctx context.Context, msg []byte) error
	Receive(ctx context.Context) ([]byte, error)
	Close() error
}

var (
	_ Transport = (*NFC)(nil)
	_ Transport = (*BLE)(nil)
)
