package nfc

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"taimen/reader"
	"taimen/reader/nfc/nfctest"
)

// drive is the tiny loop an app writes: transmit, Next, (not) sleep. It
// records the waits instead of sleeping and fails the test if the driver
// does not finish within maxSteps.
func drive(t *testing.T, e *Engagement, card reader.Card) (*Result, []time.Duration, error) {
	t.Helper()
	const maxSteps = 10000
	var waits []time.Duration
	cmd := e.Start()
	for range maxSteps {
		resp, err := card.Transmit(context.Background(), cmd)
		if err != nil {
			t.Fatalf("transmit %+v: %v", cmd, err)
		}
		var wait time.Duration
		var done bool
		cmd, wait, done, err = e.Next(resp)
		if done {
			if err != nil {
				return nil, waits, err
			}
			res, err := e.Result()
			return res, waits, err
		}
		waits = append(waits, wait)
	}
	t.Fatalf("engagement not done after %d commands", maxSteps)
	return nil, nil, nil
}

func newEngagement(t *testing.T, o Options) *Engagement {
	t.Helper()
	if o.BLEUUID.IsZero() {
		o.BLEUUID = fixedUUID
	}
	if o.Rand == nil {
		o.Rand = fixedReader(7)
	}
	e, err := NewEngagement(o)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// tpMessage is a TNEP service parameter message for service uri.
func tpMessage(version byte, uri string, wt byte, maxNDEF uint16) []byte {
	p := append([]byte{version, byte(len(uri))}, uri...)
	p = append(p, 0, wt, 15)
	p = binary.BigEndian.AppendUint16(p, maxNDEF)
	return EncodeMessage(Record{TNF: TNFWellKnown, Type: []byte("Tp"), Payload: p})
}

var bleNoUUID = Record{TNF: TNFMedia, Type: []byte(TypeBLEOOB), ID: []byte("0"), Payload: []byte{2, 0x1c, 0x01}}

func TestEngageStaticChunked(t *testing.T) {
	// A DeviceEngagement of 700 bytes makes the Hs span several reads.
	de := append([]byte{0x59, 0x02, 0xb9}, bytes.Repeat([]byte{0x5a}, 697)...)
	hs := mintHs(de, mintBLE, mintNFC)
	tests := []struct {
		name   string
		mle    uint16
		opts   Options
		chunks []int
	}{
		{"mle 7fff reads 255", 0x7fff, Options{}, []int{255, 255, 255, len(hs) - 765}},
		{"mle 100", 100, Options{}, nil},
		{"extended reads", 0x7fff, Options{MaxReadLen: 4096}, []int{len(hs)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tag := nfctest.Static(hs)
			tag.CC = nfctest.CC(tt.mle, 0x7fff, 0x7fff, false)
			res, _, err := drive(t, newEngagement(t, tt.opts), tag.Card())
			if err != nil {
				t.Fatal(err)
			}
			if res.Handover != Static || !bytes.Equal(res.Hs, hs) || !bytes.Equal(res.DeviceEngagement, de) || res.Hr != nil {
				t.Fatalf("result %+v", res)
			}
			if res.BLE == nil || res.BLE.Modes != BLEPeripheralServer || res.BLE.UUIDFrom != UUIDFromHs || res.BLE.UUID != (UUID{0: 0x11, 15: 0xee}) {
				t.Fatalf("ble %+v", res.BLE)
			}
			if res.NFC == nil || res.NFC.MaxCommand != 0x100 || res.NFC.MaxResponse != 0x10000 {
				t.Fatalf("nfc %+v", res.NFC)
			}
			// Every data read is at most min(MLe, MaxReadLen) and they
			// walk the file from offset 2 without gaps.
			off, step := 2, min(int(tt.mle), max(tt.opts.MaxReadLen, 255))
			var chunks []int
			for _, apdu := range tag.Log() {
				c, err := reader.ParseCommand(apdu)
				if err != nil {
					t.Fatal(err)
				}
				if c.INS != 0xB0 || int(c.P1)<<8|int(c.P2) < 2 {
					continue
				}
				if got := int(c.P1)<<8 | int(c.P2); got != off || c.Ne > step {
					t.Fatalf("read at %d of %d, want at %d of at most %d", got, c.Ne, off, step)
				}
				off += c.Ne
				chunks = append(chunks, c.Ne)
			}
			if off != 2+len(hs) {
				t.Fatalf("read up to %d, want %d", off, 2+len(hs))
			}
			if tt.chunks != nil && !equalInts(chunks, tt.chunks) {
				t.Fatalf("chunks %v, want %v", chunks, tt.chunks)
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestEngageNegotiated(t *testing.T) {
	var gotHr []byte
	hs := mintHs(mintDE, bleNoUUID)
	tag := nfctest.Negotiated(tpMessage(0x10, HandoverService, 0x14, 0x800), func(hr []byte) []byte {
		gotHr = hr
		return hs
	}, 5)
	e := newEngagement(t, Options{OfferNFC: true, ReaderEngagement: ReaderEngagement10})
	res, waits, err := drive(t, e, tag.Card())
	if err != nil {
		t.Fatal(err)
	}
	if res.Handover != Negotiated || !bytes.Equal(res.Hs, hs) || !bytes.Equal(res.Hr, gotHr) || !bytes.Equal(res.Hr, e.HandoverRequest().Message) {
		t.Fatalf("result %+v", res)
	}
	if res.BLE.UUIDFrom != UUIDFromHr || res.BLE.UUID != fixedUUID || res.BLE.Modes != BLECentralClient {
		t.Fatalf("ble %+v", res.BLE)
	}
	written := tag.Written()
	if len(written) != 2 || !bytes.Equal(written[0], ServiceSelect(HandoverService)) {
		t.Fatalf("written %x", written)
	}
	// 5 NLEN=0 polls, each after at least t_wait (16 ms).
	long := 0
	for _, w := range waits {
		if w >= 16*time.Millisecond {
			long++
		}
	}
	if long != 2+5 { // after Ts, after Hr, 5 polls
		t.Fatalf("waits %v", waits)
	}
}

// A holder with a small MLc gets the write procedure in pieces: NLEN 0000,
// the data from offset 2, the real NLEN last.
func TestEngageNegotiatedPiecewiseWrite(t *testing.T) {
	hs := mintHs(mintDE, bleNoUUID)
	tag := nfctest.Negotiated(tpMessage(0x10, HandoverService, 0x00, 0xffff), func([]byte) []byte { return hs }, 0)
	tag.CC = nfctest.CC(0x7fff, 16, 0x7fff, true)
	e := newEngagement(t, Options{OfferNFC: true, ReaderEngagement: ReaderEngagement10})
	res, _, err := drive(t, e, tag.Card())
	if err != nil {
		t.Fatal(err)
	}
	hr := e.HandoverRequest().Message
	if !bytes.Equal(res.Hr, hr) || len(tag.Written()) != 2 || !bytes.Equal(tag.Written()[1], hr) {
		t.Fatalf("hr %x, written %x", res.Hr, tag.Written())
	}
	var updates []reader.Command
	for _, apdu := range tag.Log() {
		c, _ := reader.ParseCommand(apdu)
		if c.INS == 0xD6 {
			updates = append(updates, c)
		}
	}
	// Ts: 0000, 16, 9 bytes, NLEN. Then the Hr the same way.
	first := updates[0]
	if first.P1 != 0 || first.P2 != 0 || !bytes.Equal(first.Data, []byte{0, 0}) {
		t.Fatalf("first update %+v", first)
	}
	for _, u := range updates {
		if len(u.Data) > 16 {
			t.Fatalf("update of %d bytes with MLc 16", len(u.Data))
		}
	}
	last := updates[len(updates)-1]
	if last.P1 != 0 || last.P2 != 0 || int(binary.BigEndian.Uint16(last.Data)) != len(hr) {
		t.Fatalf("last update %+v", last)
	}
}

func TestEngageErrors(t *testing.T) {
	hsOK := mintHs(mintDE, mintBLE)
	tpOK := tpMessage(0x10, HandoverService, 0x10, 0xffff)
	negotiated := func(hs []byte) *nfctest.Tag {
		return nfctest.Negotiated(tpOK, func([]byte) []byte { return hs }, 0)
	}
	withTe := func(te []byte) *nfctest.Tag {
		tag := negotiated(hsOK)
		tag.OnWrite = func([]byte) ([]byte, int) { return te, 0 }
		return tag
	}
	tests := []struct {
		name   string
		tag    func() *nfctest.Tag
		card   func(*nfctest.Tag) reader.Card // default: tag.Card()
		opts   Options
		want   []error
		wantSW uint16
	}{
		{name: "locked phone", tag: func() *nfctest.Tag { tg := nfctest.Static(hsOK); tg.Locked = true; return tg },
			want: []error{ErrLocked, reader.ErrNotFound}, wantSW: 0x6A82},
		{name: "select app refused", card: answer(0x6D00), want: []error{ErrNotNDEFTag, reader.ErrInsNotSupported}, wantSW: 0x6D00},
		{name: "select cc refused", card: answerAt(1, nil, 0x6A82), want: []error{ErrNotNDEFTag}, wantSW: 0x6A82},
		{name: "read cc refused", card: answerAt(2, nil, 0x6982), want: []error{ErrNotNDEFTag, reader.ErrSecurityStatus}, wantSW: 0x6982},
		{name: "bad cc", tag: func() *nfctest.Tag {
			tg := nfctest.Static(hsOK)
			tg.CC = nfctest.CC(0x7fff, 0x7fff, 0x8000, false)
			return tg
		},
			want: []error{ErrBadCC}},
		{name: "select ndef file refused", card: answerAt(3, nil, 0x6A82), want: []error{ErrTagProtocol}, wantSW: 0x6A82},
		{name: "nlen read refused", card: answerAt(4, nil, 0x6B00), want: []error{ErrTagProtocol}, wantSW: 0x6B00},
		{name: "nlen of one byte", card: answerAt(4, []byte{1}, 0x9000), want: []error{ErrTagProtocol}},
		{name: "nlen beyond the file", tag: func() *nfctest.Tag {
			tg := nfctest.Static(hsOK)
			tg.CC = nfctest.CC(0x7fff, 0x7fff, uint16(len(hsOK)+1), false)
			return tg
		}, want: []error{ErrTagProtocol}},
		{name: "data read refused", card: answerAt(5, nil, 0x6B00), want: []error{ErrTagProtocol}, wantSW: 0x6B00},
		{name: "data read empty", card: answerAt(5, []byte{}, 0x9000), want: []error{ErrTagProtocol}},
		{name: "data read longer than asked", card: answerAt(5, make([]byte, 300), 0x9000), want: []error{ErrTagProtocol}},
		{name: "empty tag forever", tag: func() *nfctest.Tag { return nfctest.Static(nil) }, opts: Options{MaxNotReadyPolls: 7},
			want: []error{ErrHolderNotReady}},
		{name: "hs never ready", tag: func() *nfctest.Tag {
			return nfctest.Negotiated(tpOK, func([]byte) []byte { return hsOK }, 1000)
		}, want: []error{ErrHolderNotReady}},
		{name: "initial message malformed", tag: func() *nfctest.Tag { return nfctest.Static([]byte{0xd1, 0x01, 0x05, 'U'}) },
			want: []error{ErrMalformedNDEF}},
		{name: "no handover at all", tag: func() *nfctest.Tag {
			return nfctest.Static(EncodeMessage(Record{TNF: TNFWellKnown, Type: []byte("T"), Payload: []byte("\x02enhi")}))
		}, want: []error{ErrNoHandover}},
		{name: "tp for another service", tag: func() *nfctest.Tag {
			return nfctest.Negotiated(tpMessage(0x10, "urn:nfc:sn:other", 0, 0xffff), nil, 0)
		}, want: []error{ErrNoHandover}},
		{name: "tp malformed", tag: func() *nfctest.Tag {
			return nfctest.Negotiated(EncodeMessage(Record{TNF: TNFWellKnown, Type: []byte("Tp"), Payload: []byte{0x10, 0x30}}), nil, 0)
		}, want: []error{ErrMalformedNDEF}},
		{name: "tp on a read-only tag", tag: func() *nfctest.Tag {
			tg := negotiated(hsOK)
			tg.CC = nfctest.CC(0x7fff, 0x7fff, 0x7fff, false)
			return tg
		}, want: []error{ErrTNEPFailed}},
		{name: "tnep version 2.0", tag: func() *nfctest.Tag {
			return nfctest.Negotiated(tpMessage(0x20, HandoverService, 0, 0xffff), nil, 0)
		}, want: []error{ErrTNEPFailed}},
		{name: "hr larger than the holder takes", tag: func() *nfctest.Tag {
			return nfctest.Negotiated(tpMessage(0x10, HandoverService, 0, 20), nil, 0)
		}, want: []error{ErrTNEPFailed}},
		{name: "te status 1", tag: func() *nfctest.Tag { return withTe([]byte{0xd1, 0x02, 0x01, 'T', 'e', 0x01}) },
			want: []error{ErrTNEPFailed, &TNEPStatusError{}}},
		{name: "te missing", tag: func() *nfctest.Tag { return withTe(tpOK) }, want: []error{ErrTNEPFailed}},
		{name: "te without status byte", tag: func() *nfctest.Tag { return withTe([]byte{0xd1, 0x02, 0x00, 'T', 'e'}) },
			want: []error{ErrMalformedNDEF}},
		{name: "te malformed", tag: func() *nfctest.Tag { return withTe([]byte{0xd1, 0x02, 0x09, 'T', 'e'}) },
			want: []error{ErrMalformedNDEF}},
		{name: "write refused", tag: func() *nfctest.Tag { return negotiated(hsOK) },
			card: func(tg *nfctest.Tag) reader.Card {
				return reader.NewTransceiver(func(apdu []byte) ([]byte, error) {
					if apdu[1] == 0xD6 {
						return []byte{0x69, 0x82}, nil
					}
					return tg.Transmit(apdu)
				}, reader.Options{})
			}, want: []error{ErrTNEPFailed, reader.ErrSecurityStatus}, wantSW: 0x6982},
		{name: "negotiated hs without device engagement", tag: func() *nfctest.Tag { return negotiated(mintHs(nil, bleNoUUID)) },
			want: []error{ErrNoEngagement}},
		{name: "static hs without device engagement", tag: func() *nfctest.Tag { return nfctest.Static(mintHs(nil, mintBLE)) },
			want: []error{ErrNoEngagement}},
		{name: "static ble without uuid", tag: func() *nfctest.Tag { return nfctest.Static(mintHs(mintDE, bleNoUUID)) },
			want: []error{ErrMalformedHandover}},
		{name: "negotiated peripheral server without uuid", tag: func() *nfctest.Tag {
			return negotiated(mintHs(mintDE, Record{TNF: TNFMedia, Type: []byte(TypeBLEOOB), ID: []byte("0"), Payload: []byte{2, 0x1c, 0x00}}))
		}, want: []error{ErrMalformedHandover}},
		{name: "ble carrier malformed", tag: func() *nfctest.Tag {
			return nfctest.Static(mintHs(mintDE, Record{TNF: TNFMedia, Type: []byte(TypeBLEOOB), ID: []byte("0"), Payload: []byte{2, 0x1c}}))
		}, want: []error{ErrMalformedHandover}},
		{name: "nfc carrier malformed", tag: func() *nfctest.Tag {
			return nfctest.Static(mintHs(mintDE, Record{TNF: TNFExternal, Type: []byte(TypeNFCCarrier), ID: []byte("nfc"), Payload: []byte{1}}))
		}, want: []error{ErrMalformedHandover}},
		{name: "hs selects nothing", tag: func() *nfctest.Tag { return nfctest.Static(mintHs(mintDE)) }, want: []error{ErrNoCarrier}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tag *nfctest.Tag
			if tt.tag != nil {
				tag = tt.tag()
			} else {
				tag = nfctest.Static(hsOK)
			}
			card := tag.Card()
			if tt.card != nil {
				card = tt.card(tag)
			}
			e := newEngagement(t, tt.opts)
			res, _, err := drive(t, e, card)
			if err == nil {
				t.Fatalf("engagement succeeded: %+v", res)
			}
			var nerr *Error
			if !errors.As(err, &nerr) || nerr.Step == "" {
				t.Fatalf("err %v is not an *Error with a step", err)
			}
			for _, w := range tt.want {
				var tse *TNEPStatusError
				if errors.As(w, &tse) {
					if !errors.As(err, &tse) || tse.Status != 1 {
						t.Fatalf("err %v, want a TNEPStatusError of 1", err)
					}
					continue
				}
				if !errors.Is(err, w) {
					t.Fatalf("err %v, want %v", err, w)
				}
			}
			var se *reader.StatusError
			if got := errors.As(err, &se); got != (tt.wantSW != 0) || got && se.SW != tt.wantSW {
				t.Fatalf("err %v: status error %v, want sw %04x", err, se, tt.wantSW)
			}
			// Done is sticky; the Result carries the same error.
			if _, _, done, again := e.Next(reader.Response{SW: 0x9000}); !done || again != err {
				t.Fatalf("Next after failure = %v, %v", done, again)
			}
			if r, rerr := e.Result(); r != nil || rerr != err {
				t.Fatalf("Result after failure = %+v, %v", r, rerr)
			}
		})
	}
}

// answer returns a card whose every response has status sw.
func answer(sw uint16) func(*nfctest.Tag) reader.Card {
	return answerAt(0, nil, sw)
}

// answerAt returns a card that passes commands to the tag but answers the
// n-th one (from 0) with data and sw.
func answerAt(n int, data []byte, sw uint16) func(*nfctest.Tag) reader.Card {
	return func(tag *nfctest.Tag) reader.Card {
		i := 0
		return reader.NewTransceiver(func(apdu []byte) ([]byte, error) {
			defer func() { i++ }()
			if i == n {
				return reader.Response{Data: data, SW: sw}.Encode(), nil
			}
			return tag.Transmit(apdu)
		}, reader.Options{})
	}
}

func TestEngagementResultBeforeDone(t *testing.T) {
	e := newEngagement(t, Options{})
	if r, err := e.Result(); r != nil || err == nil {
		t.Fatalf("Result before done = %+v, %v", r, err)
	}
	if c := e.Start(); c.INS != 0xA4 || c.P1 != 4 || !bytes.Equal(c.Data, ndefAID) || c.Ne != 256 {
		t.Fatalf("Start = %+v", c)
	}
}

func TestEngage(t *testing.T) {
	hs := mintHs(mintDE, bleNoUUID)
	tag := nfctest.Negotiated(tpMessage(0x10, HandoverService, 0x00, 0xffff), func([]byte) []byte { return hs }, 2)
	res, err := Engage(context.Background(), tag.Card(), Options{BLEUUID: fixedUUID, MinPollWait: time.Microsecond})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(res.Hs, hs) || res.BLE.UUID != fixedUUID {
		t.Fatalf("result %+v", res)
	}

	// Cancelled while waiting between polls.
	ctx, cancel := context.WithCancel(context.Background())
	tag = nfctest.Static(nil)
	card := reader.NewTransceiver(func(apdu []byte) ([]byte, error) {
		if apdu[1] == 0xB0 {
			cancel()
		}
		return tag.Transmit(apdu)
	}, reader.Options{})
	if _, err := Engage(ctx, card, Options{BLEUUID: fixedUUID, MinPollWait: time.Hour}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}

	// A transport error passes through; bad options fail before any I/O.
	broken := reader.NewTransceiver(func([]byte) ([]byte, error) { return nil, reader.ErrCardRemoved }, reader.Options{})
	if _, err := Engage(context.Background(), broken, Options{}); !errors.Is(err, reader.ErrCardRemoved) {
		t.Fatalf("err = %v, want ErrCardRemoved", err)
	}
	if _, err := Engage(context.Background(), broken, Options{NoBLE: true}); !errors.Is(err, ErrInvalidOptions) {
		t.Fatalf("err = %v, want ErrInvalidOptions", err)
	}
	// A failed engagement returns its *Error.
	tag = nfctest.Static(hs)
	tag.Locked = true
	if _, err := Engage(context.Background(), tag.Card(), Options{}); !errors.Is(err, ErrLocked) {
		t.Fatalf("err = %v, want ErrLocked", err)
	}
}

// Holders may select carriers we do not know; they come back raw.
func TestEngageOtherCarrier(t *testing.T) {
	nan := Record{TNF: TNFMedia, Type: []byte("application/vnd.wfa.nan"), ID: []byte("W"), Payload: []byte{1, 2, 3}}
	hs := mintHs(mintDE, nan, mintBLE)
	res, _, err := drive(t, newEngagement(t, Options{}), nfctest.Static(hs).Card())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Other) != 1 || string(res.Other[0].Ref) != "W" || !bytes.Equal(res.Other[0].Record.Payload, nan.Payload) || res.BLE == nil || res.NFC != nil {
		t.Fatalf("result %+v", res)
	}
}

func TestMaxWait(t *testing.T) {
	tag := nfctest.Negotiated(tpMessage(0x10, HandoverService, 0x3f, 0xffff), func([]byte) []byte { return mintHs(mintDE, bleNoUUID) }, 1)
	_, waits, err := drive(t, newEngagement(t, Options{}), tag.Card())
	if err != nil {
		t.Fatal(err)
	}
	capped := 0
	for _, w := range waits {
		if w > MaxWait {
			t.Fatalf("wait %v above MaxWait", w)
		}
		if w == MaxWait {
			capped++
		}
	}
	if capped != 3 {
		t.Fatalf("waits %v, want 3 capped", waits)
	}
}

func TestErrorMessages(t *testing.T) {
	tag := nfctest.Static(mintHs(mintDE, mintBLE))
	tag.Locked = true
	_, _, err := drive(t, newEngagement(t, Options{}), tag.Card())
	want := "nfc select ndef application: ndef application not found, the phone may be locked: card returned status 6a82: file, application or data not found"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
	if got := (&TNEPStatusError{Status: 0x81}).Error(); got != "tnep status 81" {
		t.Fatalf("TNEPStatusError = %q", got)
	}
	for k, want := range map[HandoverKind]string{Static: "static", Negotiated: "negotiated", 0: "unknown"} {
		if k.String() != want {
			t.Errorf("%d.String() = %q", k, k.String())
		}
	}
	if s := fixedUUID.String(); s != "5a1ec0de-0001-4000-8000-000000000001" {
		t.Fatalf("UUID.String = %s", s)
	}
}

// The cap counts the re-reads: with MaxNotReadyPolls n, NLEN is read once
// and then n more times before the driver gives up; a holder that becomes
// ready on the last allowed re-read is still read.
func TestNotReadyCap(t *testing.T) {
	for _, n := range []int{1, 7} {
		tag := nfctest.Static(nil)
		_, _, err := drive(t, newEngagement(t, Options{MaxNotReadyPolls: n}), tag.Card())
		if !errors.Is(err, ErrHolderNotReady) {
			t.Fatalf("err = %v", err)
		}
		reads := 0
		for _, apdu := range tag.Log() {
			if bytes.Equal(apdu, []byte{0x00, 0xB0, 0x00, 0x00, 0x02}) {
				reads++
			}
		}
		if reads != n+1 {
			t.Fatalf("cap %d: %d nlen reads, want %d", n, reads, n+1)
		}

		// Ready after exactly n zero answers to the Hr.
		hs := mintHs(mintDE, bleNoUUID)
		tag = nfctest.Negotiated(tpMessage(0x10, HandoverService, 0, 0xffff), func([]byte) []byte { return hs }, n)
		if _, _, err := drive(t, newEngagement(t, Options{MaxNotReadyPolls: n}), tag.Card()); err != nil {
			t.Fatalf("cap %d, ready after %d: %v", n, n, err)
		}
		tag = nfctest.Negotiated(tpMessage(0x10, HandoverService, 0, 0xffff), func([]byte) []byte { return hs }, n+1)
		if _, _, err := drive(t, newEngagement(t, Options{MaxNotReadyPolls: n}), tag.Card()); !errors.Is(err, ErrHolderNotReady) {
			t.Fatalf("cap %d, ready after %d: %v", n, n+1, err)
		}
	}
}
