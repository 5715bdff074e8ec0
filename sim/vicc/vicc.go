// Package vicc is a virtual smart card client for vsmartcard's vpcd reader
// driver: it dials the TCP port a vpcd reader listens on and answers what
// pcscd sends as a real card would, so Taimen's PC/SC code runs against a
// real pcscd with no hardware.
//
// The wire format (vsmartcard, virtualsmartcard/src/vpcd/vpcd.c): every
// message in both directions is a big-endian uint16 length and a payload.
// From vpcd, a 1-byte payload is a control: 0x00 power off, 0x01 power on,
// 0x02 reset (none of these is answered) and 0x04 get ATR (answered with
// the ATR). Any longer payload is a command APDU, answered with the response
// APDU. A payload cannot exceed 65535 bytes.
//
// vpcd writes the length and the payload with two send() calls; with
// Nagle's algorithm on its side and delayed ACK on ours, each APDU then waits
// ~40 ms for the ACK timer. The client therefore sets TCP_QUICKACK before
// every read (Linux; the option resets itself after each ACK), which brings a
// round trip through pcscd down to ~0.1 ms.
package vicc

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// Handler is the card. vicc calls it from one goroutine at a time.
type Handler interface {
	// ATR is the answer to reset, asked for at any time (pcscd polls it
	// about every 400 ms to see whether the card is still there).
	ATR() []byte
	// Power reports the reader switching the card on or off.
	Power(on bool)
	// Reset is a warm reset: the card drops its session state.
	Reset()
	// APDU answers a command APDU with a response APDU (data and SW1 SW2).
	// The response must be 2 to 65535 bytes long.
	APDU(cmd []byte) []byte
}

// Control bytes from vpcd.
const (
	ctrlOff   = 0x00
	ctrlOn    = 0x01
	ctrlReset = 0x02
	ctrlATR   = 0x04
)

// MaxMessage is the largest payload the uint16 length prefix can carry.
const MaxMessage = 0xFFFF

var (
	// ErrBadReply: the Handler returned a response vpcd cannot carry (more
	// than 65535 bytes, or fewer than the 2 status bytes). Sending it would
	// wrap the length field and desynchronise the stream, so the card is
	// pulled instead and Run returns the error.
	ErrBadReply = errors.New("vicc: handler reply cannot be sent")
	// ErrProtocol: vpcd sent something the protocol does not allow.
	ErrProtocol = errors.New("vicc: protocol violation")
)

// Client is one virtual card in one vpcd reader slot. Run keeps it
// connected (inserted) until ctx ends; Remove and Insert pull the card out of
// the reader and put it back.
type Client struct {
	addr string
	h    Handler

	// MinBackoff and MaxBackoff bound the pause between failed dials
	// (defaults 10 ms and 500 ms); the pause doubles after each failure and
	// resets once a connection works.
	MinBackoff, MaxBackoff time.Duration
	// Dialer is used to reach vpcd; nil means a net.Dialer with a 2 s timeout.
	Dialer interface {
		DialContext(ctx context.Context, network, address string) (net.Conn, error)
	}
	// OnConnect, if set, is called with true each time a connection to vpcd
	// is made and with false when it ends (tests wait on it).
	OnConnect func(connected bool)

	mu       sync.Mutex
	removed  bool
	conn     net.Conn
	inserted chan struct{} // closed and replaced on Insert, wakes a removed Run
}

// New returns a Client for the vpcd reader at addr (host:port) answering
// with h. It does nothing until Run.
func New(addr string, h Handler) *Client {
	return &Client{addr: addr, h: h, inserted: make(chan struct{})}
}

// Serve runs a Client for addr and h until ctx ends.
func Serve(ctx context.Context, addr string, h Handler) error {
	return New(addr, h).Run(ctx)
}

// Remove pulls the card: the connection to vpcd is closed (the reader sees
// the card vanish, mid-APDU if one is in flight) and Run does not redial
// until Insert.
func (c *Client) Remove() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.removed = true
	if c.conn != nil {
		c.conn.Close()
	}
}

// Insert puts the card back after Remove.
func (c *Client) Insert() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.removed {
		c.removed = false
		close(c.inserted)
		c.inserted = make(chan struct{})
	}
}

// Run connects to vpcd and serves the Handler, redialling with bounded
// backoff whenever the connection ends (pcscd restarted, card removed and
// inserted again) until ctx is done; then it returns ctx.Err(). It returns
// early only on ErrBadReply, a bug in the Handler.
func (c *Client) Run(ctx context.Context) error {
	minB, maxB := c.MinBackoff, c.MaxBackoff
	if minB <= 0 {
		minB = 10 * time.Millisecond
	}
	if maxB < minB {
		maxB = max(500*time.Millisecond, minB)
	}
	backoff := minB
	for {
		c.mu.Lock()
		removed, wake := c.removed, c.inserted
		c.mu.Unlock()
		if removed {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-wake:
				continue
			}
		}
		conn, err := c.dial(ctx)
		if err == nil {
			var talked bool
			talked, err = c.serve(ctx, conn)
			if errors.Is(err, ErrBadReply) {
				return err
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if talked {
				// vpcd went away (pcscd restarted) or the card was pulled:
				// redial at once.
				backoff = minB
				continue
			}
			// Closed before a single message: back off, or a peer that
			// accepts and hangs up would make us spin.
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		backoff = min(2*backoff, maxB)
	}
}

func (c *Client) dial(ctx context.Context) (net.Conn, error) {
	d := c.Dialer
	if d == nil {
		d = &net.Dialer{Timeout: 2 * time.Second}
	}
	conn, err := d.DialContext(ctx, "tcp", c.addr)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.removed { // Remove raced with the dial
		conn.Close()
		return nil, errors.New("vicc: removed while dialling")
	}
	c.conn = conn
	return conn, nil
}

// serve answers vpcd on conn until the connection ends; talked reports
// whether at least one message arrived.
func (c *Client) serve(ctx context.Context, conn net.Conn) (talked bool, err error) {
	if c.OnConnect != nil {
		c.OnConnect(true)
		defer c.OnConnect(false)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	defer func() {
		c.mu.Lock()
		if c.conn == conn {
			c.conn = nil
		}
		c.mu.Unlock()
		conn.Close()
	}()
	s := &stream{conn: conn}
	for {
		msg, err := s.read()
		if err != nil {
			return talked, err
		}
		talked = true
		reply, err := c.handle(msg)
		if err != nil {
			return talked, err
		}
		if reply == nil {
			continue
		}
		if err := s.write(reply); err != nil {
			return talked, err
		}
	}
}

// handle returns the reply to one message, or nil when none is due.
func (c *Client) handle(msg []byte) ([]byte, error) {
	if len(msg) == 1 {
		switch msg[0] {
		case ctrlOff:
			c.h.Power(false)
		case ctrlOn:
			c.h.Power(true)
		case ctrlReset:
			c.h.Reset()
		case ctrlATR:
			atr := c.h.ATR()
			if len(atr) == 0 || len(atr) > 33 { // ISO/IEC 7816-3 §8.2.1: at most 33 bytes
				return nil, fmt.Errorf("%w: atr of %d bytes", ErrBadReply, len(atr))
			}
			return atr, nil
		default:
			return nil, fmt.Errorf("%w: unknown control byte %02x", ErrProtocol, msg[0])
		}
		return nil, nil
	}
	if len(msg) < 4 {
		return nil, fmt.Errorf("%w: %d-byte command apdu", ErrProtocol, len(msg))
	}
	r := c.h.APDU(msg)
	if len(r) < 2 || len(r) > MaxMessage {
		return nil, fmt.Errorf("%w: %d-byte response apdu", ErrBadReply, len(r))
	}
	return r, nil
}

// stream frames messages on one vpcd connection.
type stream struct {
	conn net.Conn
	hdr  [2]byte
}

func (s *stream) read() ([]byte, error) {
	quickAck(s.conn)
	if _, err := io.ReadFull(s.conn, s.hdr[:]); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint16(s.hdr[:]))
	if n == 0 {
		return nil, fmt.Errorf("%w: empty message", ErrProtocol)
	}
	msg := make([]byte, n)
	// vpcd sends the payload in a second segment: ask for the quick ACK again.
	quickAck(s.conn)
	if _, err := io.ReadFull(s.conn, msg); err != nil {
		return nil, err
	}
	return msg, nil
}

// write sends length and payload in one write, so our side never splits a
// message into two segments.
func (s *stream) write(p []byte) error {
	if len(p) > MaxMessage {
		return fmt.Errorf("%w: %d bytes", ErrBadReply, len(p))
	}
	b := make([]byte, 2+len(p))
	binary.BigEndian.PutUint16(b, uint16(len(p)))
	copy(b[2:], p)
	_, err := s.conn.Write(b)
	return err
}
