// Package pcsc is Taimen's only user of PC/SC (github.com/ebfe/scard, cgo
// and libpcsclite). It watches readers ([Monitor], a reader.Source) and
// opens exclusive card connections ([Opener], a reader.Opener). Everything
// above it sees reader.Card, reader.Snapshot and errors that unwrap to the
// reader sentinels, so it builds and tests with CGO_ENABLED=0.
//
// Tests run against a private pcscd with vsmartcard's vpcd reader and a Go
// virtual card (see pcsctest and taimen/sim/vicc).
package pcsc

import (
	"context"
	"fmt"
	"sync"

	"github.com/ebfe/scard"

	"taimen/reader"
)

// Opener opens exclusive connections. The zero value uses reader.Options{}
// (LengthAuto).
type Opener struct {
	Options reader.Options
}

var _ reader.Opener = Opener{}

// Connect opens the card in the named reader exclusively (no other
// application can send APDUs until Close) with whichever of T=0 and T=1 the
// card offers. It fails at once with an error unwrapping to
// reader.ErrNoService, ErrNoReader, ErrNoCard or ErrSharingViolation; it
// never waits for a card (watch a Monitor for that).
//
// Each connection has its own PC/SC context: a context is not safe to use
// from two threads at once, and the Monitor's context spends its life
// blocked in SCardGetStatusChange.
func (o Opener) Connect(ctx context.Context, name string) (reader.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sc, err := scard.EstablishContext()
	if err != nil {
		return nil, wrap("establish context", err)
	}
	card, err := sc.Connect(name, scard.ShareExclusive, scard.ProtocolAny)
	if err != nil {
		sc.Release()
		return nil, wrap("connect", err)
	}
	c := &Conn{sc: sc, card: card}
	if st, err := card.Status(); err == nil {
		c.atr = st.Atr
	}
	c.tr = reader.NewTransceiver(c.raw, o.Options)
	return c, nil
}

// Conn is an exclusive connection to one card. Transmit goes through
// reader.Transceiver, so chaining and GET RESPONSE are done here.
//
// When the card is pulled mid-exchange, the failing Transmit unwraps to
// reader.ErrTransactionFailed (pcscd reports SCARD_E_NOT_TRANSACTED, or
// vpcd an empty response); once the reader has noticed the removal (pcscd
// polls about every 400 ms) Transmit unwraps to reader.ErrCardRemoved. Either way the connection is finished: close it and
// wait for the next card in the Monitor's snapshots. After a pcscd restart
// Transmit unwraps to reader.ErrConnectionLost or reader.ErrNoService.
type Conn struct {
	tr  *reader.Transceiver
	atr []byte

	mu     sync.Mutex // guards the handles against Close during Transmit
	sc     *scard.Context
	card   *scard.Card
	closed bool
}

var _ reader.Conn = (*Conn)(nil)

// Transmit sends cmd and returns the whole response.
func (c *Conn) Transmit(ctx context.Context, cmd reader.Command) (reader.Response, error) {
	return c.tr.Transmit(ctx, cmd)
}

// TransmitChained chains long commands in parts of at most maxData bytes,
// for peers whose limit is learnt after connecting (transport.ChainLimiter).
func (c *Conn) TransmitChained(ctx context.Context, cmd reader.Command, maxData int) (reader.Response, error) {
	return c.tr.TransmitChained(ctx, cmd, maxData)
}

// ATR is the card's answer to reset as read at Connect.
func (c *Conn) ATR() []byte { return append([]byte(nil), c.atr...) }

// Extended reports whether extended APDUs are in use (see reader.LengthAuto).
func (c *Conn) Extended() bool { return c.tr.Extended() }

func (c *Conn) raw(apdu []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, reader.ErrClosed
	}
	b, err := c.card.Transmit(apdu)
	if err != nil {
		return nil, wrap("transmit", err)
	}
	if len(b) < 2 {
		// A card always ends with SW1 SW2. vpcd reports a card that vanished
		// mid-exchange as success with an empty response; make that the
		// transport failure it is rather than a malformed answer.
		return nil, fmt.Errorf("pcsc: transmit: %d-byte response: %w", len(b), reader.ErrTransactionFailed)
	}
	return b, nil
}

// Close powers the card down (SCARD_UNPOWER_CARD, so no session state
// survives for the next application) and releases the context. Errors saying
// that the card or the service is already gone are not reported.
func (c *Conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	err := wrap("disconnect", c.card.Disconnect(scard.UnpowerCard))
	c.sc.Release()
	if gone(err) {
		return nil
	}
	return err
}

// gone reports errors that mean there is nothing left to release.
func gone(err error) bool {
	for _, code := range []scard.Error{
		scard.ErrRemovedCard, scard.ErrNoSmartcard, scard.ErrResetCard, scard.ErrInvalidHandle,
		scard.ErrNoService, scard.ErrServiceStopped, scard.ErrCommError, scard.ErrReaderUnavailable,
	} {
		if is(err, code) {
			return true
		}
	}
	return false
}
