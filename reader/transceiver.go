package reader

import (
	"context"
	"fmt"
	"sync"
)

// LengthMode selects between short and extended APDUs; see the package
// documentation.
type LengthMode int

const (
	// LengthAuto sends extended APDUs only when a command needs them and
	// falls back to short APDUs with chaining for good once the card answers
	// an extended APDU with 6700.
	LengthAuto LengthMode = iota
	// LengthShort never sends extended APDUs.
	LengthShort
	// LengthExtended sends extended APDUs when needed and never falls back.
	LengthExtended
)

// Options tune a [Transceiver]. The zero value is usable.
type Options struct {
	// Length chooses short or extended APDUs. Default LengthAuto.
	Length LengthMode
	// MaxCommandData is the largest Data field sent in one extended APDU;
	// longer Data is chained. Default 65535. Readers with small buffers, and
	// vpcd (whose frame carries at most 65535 bytes including the 7-byte
	// header and Le), need less.
	MaxCommandData int
	// MaxResponse caps the bytes collected through GET RESPONSE, so a card
	// that keeps answering 61xx cannot make us allocate without bound.
	// Default 1 MiB.
	MaxResponse int
}

func (o Options) withDefaults() Options {
	if o.MaxCommandData <= 0 || o.MaxCommandData > MaxExtendedData {
		o.MaxCommandData = MaxExtendedData
	}
	if o.MaxResponse <= 0 {
		o.MaxResponse = 1 << 20
	}
	return o
}

// RawTransmit sends one APDU and returns the response bytes including SW1
// SW2. It is the seam between framing logic and the wire.
type RawTransmit func(apdu []byte) ([]byte, error)

// Transceiver implements [Card] over a [RawTransmit]: it encodes commands,
// chains long data, follows 61xx with GET RESPONSE and retries once on 6Cxx.
// It is safe for concurrent use; commands are serialised because a card
// channel carries one exchange at a time.
type Transceiver struct {
	raw  RawTransmit
	opts Options

	mu        sync.Mutex
	shortOnly bool // LengthAuto learned that this card rejects extended APDUs
}

var _ Card = (*Transceiver)(nil)

// NewTransceiver returns a Transceiver sending through raw.
func NewTransceiver(raw RawTransmit, opts Options) *Transceiver {
	return &Transceiver{raw: raw, opts: opts.withDefaults()}
}

// Extended reports whether commands that need it are currently sent as
// extended APDUs.
func (t *Transceiver) Extended() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.extended()
}

func (t *Transceiver) extended() bool {
	switch t.opts.Length {
	case LengthShort:
		return false
	case LengthExtended:
		return true
	}
	return !t.shortOnly
}

// Transmit sends cmd and returns the complete response.
func (t *Transceiver) Transmit(ctx context.Context, cmd Command) (Response, error) {
	return t.TransmitChained(ctx, cmd, 0)
}

// TransmitChained is Transmit with command chaining in parts of at most
// maxData bytes when that is below the Transceiver's own limit (0: no
// extra limit). It serves peers whose limit is learnt after the connection
// was made, such as an mdoc's maximum command length (18013-5 §8.3.3.1.2).
func (t *Transceiver) TransmitChained(ctx context.Context, cmd Command, maxData int) (Response, error) {
	if cmd.Ne < 0 || cmd.Ne > MaxExtendedNe {
		return Response{}, fmt.Errorf("%w: ne %d out of range", ErrInvalidCommand, cmd.Ne)
	}
	if cmd.CLA&0x10 != 0 {
		// Chaining is ours to do; a caller-set bit would corrupt the chain.
		return Response{}, fmt.Errorf("%w: cla %02x has the chaining bit set", ErrInvalidCommand, cmd.CLA)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	ext := t.extended()
	resp, err := t.send(ctx, cmd, ext, maxData)
	if err == nil && ext && t.opts.Length == LengthAuto && cmd.needsExtended() && resp.SW == 0x6700 {
		t.shortOnly = true
		return t.send(ctx, cmd, false, maxData)
	}
	return resp, err
}

func (t *Transceiver) send(ctx context.Context, cmd Command, ext bool, maxData int) (Response, error) {
	chunk := MaxShortData
	if ext {
		chunk = t.opts.MaxCommandData
	}
	if maxData > 0 && maxData < chunk {
		chunk = maxData
	}
	data := cmd.Data
	// ISO/IEC 7816-4 §5.3.3: every part but the last has the chaining bit
	// and no Le; the card answers each with 9000.
	for len(data) > chunk {
		part := Command{CLA: cmd.CLA | 0x10, INS: cmd.INS, P1: cmd.P1, P2: cmd.P2, Data: data[:chunk]}
		r, err := t.exchange(ctx, part, ext)
		if err != nil {
			return Response{}, err
		}
		if r.SW1() == 0x61 || r.SW1() == 0x6C {
			// Only the last part may carry Le, so neither makes sense here.
			return Response{}, fmt.Errorf("%w: status %04x in the middle of a chain", ErrMalformedResponse, r.SW)
		}
		if !r.OK() {
			return r, nil // the card refused the chain; its status is the answer
		}
		data = data[chunk:]
	}
	last := Command{CLA: cmd.CLA, INS: cmd.INS, P1: cmd.P1, P2: cmd.P2, Data: data, Ne: cmd.Ne}
	if !ext && last.Ne > MaxShortNe {
		last.Ne = MaxShortNe // Le=00: the card sends the rest with 61xx
	}
	r, err := t.exchangeLe(ctx, last, ext)
	if err != nil {
		return Response{}, err
	}
	if r.SW1() != 0x61 {
		return r, nil
	}
	return t.collect(ctx, cmd, ext, r)
}

// collect follows 61xx with GET RESPONSE (ISO/IEC 7816-4 §7.6.1) until the
// card returns a final status, appending every data part.
func (t *Transceiver) collect(ctx context.Context, cmd Command, ext bool, r Response) (Response, error) {
	cla := cmd.CLA
	buf := append([]byte(nil), r.Data...)
	// The bound on rounds stops a card that answers 61xx with no data forever.
	maxRounds := t.opts.MaxResponse/MaxShortNe + 16
	for round := 0; r.SW1() == 0x61; round++ {
		if round == maxRounds {
			return Response{}, fmt.Errorf("%w: %d get response rounds without an end", ErrMalformedResponse, round)
		}
		gr := Command{CLA: getResponseCLA(cla), INS: 0xC0, Ne: shortNe(r.SW2())}
		// 6100 after an extended command: more than 256 bytes remain, and
		// 18013-5 §8.3.3.1.2 wants Le = the agreed maximum, i.e. the
		// command's own Ne, rather than 256 at a time.
		grExt := ext && r.SW2() == 0 && cmd.Ne > MaxShortNe
		if grExt {
			gr.Ne = cmd.Ne
		}
		var err error
		if r, err = t.exchangeLe(ctx, gr, grExt); err != nil {
			return Response{}, err
		}
		if len(buf)+len(r.Data) > t.opts.MaxResponse {
			return Response{}, fmt.Errorf("%w: more than %d bytes through get response", ErrResponseTooLarge, t.opts.MaxResponse)
		}
		buf = append(buf, r.Data...)
	}
	return Response{Data: buf, SW: r.SW}, nil
}

// getResponseCLA keeps the logical channel of an interindustry class byte
// (ISO/IEC 7816-4 §5.4.1) and uses 00 otherwise, as 18013-5 and JPKI do.
func getResponseCLA(cla byte) byte {
	if cla&0xE0 == 0 { // first interindustry values 0x00-0x1F
		return cla & 0x03
	}
	return 0x00
}

// exchangeLe is exchange with one resend on 6Cxx: wrong Le, SW2 is the
// right one (ISO/IEC 7816-4 §5.6; typical of T=0 case 2 commands).
func (t *Transceiver) exchangeLe(ctx context.Context, c Command, ext bool) (Response, error) {
	r, err := t.exchange(ctx, c, ext)
	if err != nil || r.SW1() != 0x6C {
		return r, err
	}
	c.Ne = shortNe(r.SW2())
	if r, err = t.exchange(ctx, c, ext); err != nil {
		return Response{}, err
	}
	if r.SW1() == 0x6C {
		return Response{}, fmt.Errorf("%w: 6cxx again after resending with le %d", ErrMalformedResponse, c.Ne)
	}
	return r, nil
}

func (t *Transceiver) exchange(ctx context.Context, c Command, ext bool) (Response, error) {
	if err := ctx.Err(); err != nil {
		return Response{}, err
	}
	apdu, err := c.encode(ext && c.needsExtended())
	if err != nil {
		return Response{}, err
	}
	b, err := t.raw(apdu)
	if err != nil {
		return Response{}, err
	}
	return ParseResponse(b)
}
