package transport

import "errors"

// Sentinels. Every error of this package unwraps to one of them, or to the
// reader/ sentinel of the card underneath (reader.ErrCardRemoved, …), or to
// ctx.Err().
var (
	// ErrNotMdocAID: the holder refused SELECT of the mdoc data transfer
	// application. The error also unwraps to the *reader.StatusError (6A82
	// unwraps to reader.ErrNotFound): the phone offers no NFC data transfer
	// right now.
	ErrNotMdocAID = errors.New("holder does not offer nfc data transfer")
	// ErrTransport: the holder broke the transport protocol: a status word
	// other than 9000 on ENVELOPE, a malformed DO'53', a bad BLE chunk
	// prefix, data before the start signal.
	ErrTransport = errors.New("holder broke the data retrieval transport")
	// ErrMalformedDO53 is the ErrTransport for bytes that are not one
	// complete BER-TLV DO'53'.
	ErrMalformedDO53 = errors.New("malformed do'53'")
	// ErrPeerClosed: the holder ended the session (BLE State 02) or the link
	// went down.
	ErrPeerClosed = errors.New("holder ended the transport")
	// ErrIncomplete comes with ErrPeerClosed when the session ended in the
	// middle of a message (BLE State 02 or link loss between a message's
	// chunks): the holder was sending, so this is no answer of the
	// customer's, such as declining.
	ErrIncomplete = errors.New("message cut off")
	// ErrMessageTooLarge: a message is larger than what the framing can
	// carry or than the configured cap.
	ErrMessageTooLarge = errors.New("message too large")
	// ErrClosed: the transport was used after Close.
	ErrClosed = errors.New("transport closed")
	// ErrOutOfOrder: calls in an order the transport cannot serve (NFC:
	// Exchange before Open, Receive without a message to send, two Sends).
	ErrOutOfOrder = errors.New("transport used out of order")
	// ErrIdentMismatch: the Ident characteristic does not hold the value
	// derived from this session's EDeviceKeyBytes.
	ErrIdentMismatch = errors.New("ble ident does not match the session")
	// ErrNoBluetooth: no usable Bluetooth adapter (none present, BlueZ or
	// D-Bus not running, unsupported platform).
	ErrNoBluetooth = errors.New("no bluetooth adapter")
	// ErrNoPeer: the GATT peer lacks the 18013-5 service or one of its
	// required characteristics.
	ErrNoPeer = errors.New("peer lacks the mdoc gatt service")
	// ErrInvalidOptions: the options cannot start a session.
	ErrInvalidOptions = errors.New("invalid transport options")
)

// Error is a transport failure during one operation. Err unwraps to a
// sentinel of this package or of reader/, or to a context error.
type Error struct {
	Op  string // e.g. "nfc select", "nfc envelope", "ble receive"
	Err error
}

func (e *Error) Error() string { return e.Op + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

func opErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Op: op, Err: err}
}
