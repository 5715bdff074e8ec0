package reader

import (
	"encoding/binary"
	"fmt"
)

// Length limits of ISO/IEC 7816-4 §5.1.
const (
	MaxShortData    = 255   // Lc of a short APDU
	MaxShortNe      = 256   // Le=00 in a short APDU
	MaxExtendedData = 65535 // Lc of an extended APDU
	MaxExtendedNe   = 65536 // Le=0000 in an extended APDU
)

// Command is a command APDU (ISO/IEC 7816-4 §5.1). Ne is the number of
// response bytes expected: 0 means no Le field, 1..256 fits a short APDU
// (256 is encoded as Le=00), up to 65536 needs an extended APDU (65536 is
// encoded as Le=0000).
type Command struct {
	CLA, INS, P1, P2 byte
	Data             []byte
	Ne               int
}

// needsExtended reports whether c cannot be sent as one short APDU.
func (c Command) needsExtended() bool {
	return len(c.Data) > MaxShortData || c.Ne > MaxShortNe
}

func (c Command) check(extended bool) error {
	if c.Ne < 0 || c.Ne > MaxExtendedNe {
		return fmt.Errorf("%w: ne %d out of range", ErrInvalidCommand, c.Ne)
	}
	if len(c.Data) > MaxExtendedData {
		return fmt.Errorf("%w: %d data bytes do not fit one apdu", ErrInvalidCommand, len(c.Data))
	}
	if !extended && c.needsExtended() {
		return fmt.Errorf("%w: %d data bytes and ne %d need an extended apdu", ErrInvalidCommand, len(c.Data), c.Ne)
	}
	return nil
}

// Encode returns c in the shortest form that carries it: a short APDU when
// Data ≤ 255 bytes and Ne ≤ 256, an extended APDU otherwise.
func (c Command) Encode() ([]byte, error) { return c.encode(c.needsExtended()) }

// EncodeShort returns c as a short APDU, or ErrInvalidCommand if it needs an
// extended one.
func (c Command) EncodeShort() ([]byte, error) { return c.encode(false) }

// EncodeExtended returns c as an extended APDU (a case 1 command, with neither
// data nor Le, has only one form and is returned as 4 bytes).
func (c Command) EncodeExtended() ([]byte, error) { return c.encode(true) }

func (c Command) encode(extended bool) ([]byte, error) {
	if err := c.check(extended); err != nil {
		return nil, err
	}
	b := make([]byte, 4, 4+3+len(c.Data)+3)
	b[0], b[1], b[2], b[3] = c.CLA, c.INS, c.P1, c.P2
	if len(c.Data) == 0 && c.Ne == 0 {
		return b, nil // case 1
	}
	if !extended {
		if len(c.Data) > 0 {
			b = append(b, byte(len(c.Data)))
			b = append(b, c.Data...)
		}
		if c.Ne > 0 {
			b = append(b, byte(c.Ne)) // 256 wraps to 00 as §5.1 wants
		}
		return b, nil
	}
	// Extended: one 00 byte, then a 2-byte Lc and/or a 2-byte Le; Le has no
	// leading 00 of its own when Lc is present (§5.1, cases 2E/3E/4E).
	b = append(b, 0)
	if len(c.Data) > 0 {
		b = binary.BigEndian.AppendUint16(b, uint16(len(c.Data)))
		b = append(b, c.Data...)
	}
	if c.Ne > 0 {
		b = binary.BigEndian.AppendUint16(b, uint16(c.Ne)) // 65536 wraps to 0000
	}
	return b, nil
}

// ParseCommand decodes a command APDU with the case rules of ISO/IEC 7816-3
// §12.1.3. Data aliases b. Virtual cards (sim/) use it on what vpcd hands
// them, so it must reject anything ambiguous rather than guess.
func ParseCommand(b []byte) (Command, error) {
	if len(b) < 4 {
		return Command{}, fmt.Errorf("%w: %d bytes, want at least 4", ErrMalformedCommand, len(b))
	}
	c := Command{CLA: b[0], INS: b[1], P1: b[2], P2: b[3]}
	body := b[4:]
	switch {
	case len(body) == 0: // case 1
		return c, nil
	case len(body) == 1: // case 2S
		c.Ne = shortNe(body[0])
		return c, nil
	case body[0] != 0: // case 3S or 4S
		lc := int(body[0])
		switch len(body) {
		case 1 + lc:
			c.Data = body[1:]
			return c, nil
		case 2 + lc:
			c.Data = body[1 : 1+lc]
			c.Ne = shortNe(body[1+lc])
			return c, nil
		}
		return Command{}, fmt.Errorf("%w: lc %d does not match %d body bytes", ErrMalformedCommand, lc, len(body))
	case len(body) == 3: // case 2E
		c.Ne = extendedNe(body[1:3])
		return c, nil
	case len(body) > 3: // case 3E or 4E
		lc := int(binary.BigEndian.Uint16(body[1:3]))
		if lc == 0 {
			return Command{}, fmt.Errorf("%w: extended lc of zero", ErrMalformedCommand)
		}
		switch len(body) {
		case 3 + lc:
			c.Data = body[3:]
			return c, nil
		case 5 + lc:
			c.Data = body[3 : 3+lc]
			c.Ne = extendedNe(body[3+lc:])
			return c, nil
		}
		return Command{}, fmt.Errorf("%w: extended lc %d does not match %d body bytes", ErrMalformedCommand, lc, len(body))
	}
	return Command{}, fmt.Errorf("%w: %d body bytes starting with 00", ErrMalformedCommand, len(body))
}

func shortNe(le byte) int {
	if le == 0 {
		return MaxShortNe
	}
	return int(le)
}

func extendedNe(le []byte) int {
	n := int(binary.BigEndian.Uint16(le))
	if n == 0 {
		return MaxExtendedNe
	}
	return n
}

// Response is a response APDU (ISO/IEC 7816-4 §5.1): the data field and the
// status word SW1-SW2.
type Response struct {
	Data []byte
	SW   uint16
}

// OK reports whether the status word is 9000 (normal processing).
func (r Response) OK() bool { return r.SW == 0x9000 }

// SW1 is the first status byte.
func (r Response) SW1() byte { return byte(r.SW >> 8) }

// SW2 is the second status byte.
func (r Response) SW2() byte { return byte(r.SW) }

// Err returns nil for 9000 and a [StatusError] for any other status word,
// warnings (62xx, 63xx) included: callers that accept a warning check SW
// themselves.
func (r Response) Err() error {
	if r.OK() {
		return nil
	}
	return &StatusError{SW: r.SW}
}

// Encode returns Data followed by SW1 SW2, as a card sends it.
func (r Response) Encode() []byte {
	b := make([]byte, 0, len(r.Data)+2)
	b = append(b, r.Data...)
	return binary.BigEndian.AppendUint16(b, r.SW)
}

// ParseResponse splits a response APDU into data and status word. Data
// aliases b.
func ParseResponse(b []byte) (Response, error) {
	if len(b) < 2 {
		return Response{}, fmt.Errorf("%w: %d bytes, want at least the 2 status bytes", ErrMalformedResponse, len(b))
	}
	n := len(b) - 2
	return Response{Data: b[:n:n], SW: binary.BigEndian.Uint16(b[n:])}, nil
}
