package reader

import "context"

// Card is what every protocol layer above reader/ talks to: one command in,
// one complete response out. Implementations do chaining and GET RESPONSE
// below this interface, so Response.SW is never 61xx or 6Cxx and the
// command's CLA never needs the chaining bit. Errors are transport failures
// unwrapping to the sentinels of this package; a status word other than 9000
// is not an error (see [Response.Err]).
//
// Transmit honours ctx between APDUs; one APDU already on the wire cannot
// be interrupted (SCardTransmit has no cancel) and ends with the reader's own
// timeout.
type Card interface {
	Transmit(ctx context.Context, cmd Command) (Response, error)
}

// Conn is a [Card] connection that must be closed. Close powers the card
// down and releases it for other applications.
type Conn interface {
	Card
	Close() error
}

// Opener opens exclusive connections to the card in a reader. Connect fails
// with ErrNoCard when the reader is empty; callers wait for a [Snapshot]
// that shows a card instead of retrying in a loop (a reader may still report
// a pulled card as present for a few hundred milliseconds).
type Opener interface {
	Connect(ctx context.Context, reader string) (Conn, error)
}
