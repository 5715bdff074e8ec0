package nfc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"taimen/reader"
)

// HandoverKind tells static from negotiated handover (18013-5 §8.2.2.1).
type HandoverKind uint8

const (
	// Static: the tag's first NDEF message is the Handover Select; the
	// SessionTranscript Handover is [Hs, null].
	Static HandoverKind = iota + 1
	// Negotiated: TNEP, then Handover Request and Select; the
	// SessionTranscript Handover is [Hs, Hr].
	Negotiated
)

func (k HandoverKind) String() string {
	switch k {
	case Static:
		return "static"
	case Negotiated:
		return "negotiated"
	}
	return "unknown"
}

// Result is what an engagement yields. Hs, Hr and DeviceEngagement are the
// bytes exactly as read or written: build the SessionTranscript from them,
// never from a re-encoding.
type Result struct {
	Handover HandoverKind
	// Hs is the Handover Select NDEF message as read, without NLEN.
	Hs []byte
	// Hr is the Handover Request NDEF message as written, without NLEN;
	// nil for static handover.
	Hr []byte
	// DeviceEngagement is the payload of the iso.org:18013:deviceengagement
	// record: the DeviceEngagementBytes to wrap in tag 24.
	DeviceEngagement []byte
	BLE              *BLEMethod // nil when the holder did not select BLE
	NFC              *NFCMethod // nil when the holder did not select NFC
	Other            []Carrier  // selected carriers this package does not know (e.g. Wi-Fi Aware)
	CC               CC
	// Service is the holder's TNEP service parameter (negotiated only).
	Service *ServiceParameter
}

// Engagement drives NFC engagement with a holder that emulates an NFC
// Forum type 4 tag, as a sans-IO state machine: it returns the next command
// and the caller transmits it. It never sleeps and never does I/O; the
// caller owns the loop, the timeouts and cancellation (see [Engage] for the
// plain loop).
//
//	cmd := e.Start()
//	for {
//		resp, err := card.Transmit(ctx, cmd)    // handle err
//		var wait time.Duration; var done bool
//		cmd, wait, done, err = e.Next(resp)
//		if done { break }                       // err or e.Result()
//		time.Sleep(wait)
//	}
//
// The sequence (T4T 2.0 §5.4, TNEP 1.0 §5, CH 1.5, 18013-5 §8.2.2):
// SELECT the NDEF application, SELECT and READ the CC, SELECT the NDEF
// file, READ NLEN and the message in chunks. A message with a Tp for
// urn:nfc:sn:handover starts negotiated handover: write Ts, wait t_wait,
// read Te, write Hr, read Hs (re-reading NLEN while it is 0). Any other
// message is the Handover Select of static handover.
type Engagement struct {
	opts Options
	hr   HandoverRequest

	st    state
	phase phase
	cc    CC
	rd    int // bytes per READ BINARY
	wr    int // bytes per UPDATE BINARY
	nlen  int
	buf   []byte
	polls int
	tWait time.Duration
	svc   *ServiceParameter

	writes []reader.Command

	done bool
	res  *Result
	err  error
}

type state uint8

const (
	stSelectApp state = iota
	stSelectCC
	stReadCC
	stSelectFile
	stReadNLEN
	stReadData
	stWrite
)

// step names used in errors.
var stepNames = [...]string{
	stSelectApp:  "select ndef application",
	stSelectCC:   "select capability container",
	stReadCC:     "read capability container",
	stSelectFile: "select ndef file",
	stReadNLEN:   "read nlen",
	stReadData:   "read ndef message",
	stWrite:      "update ndef file",
}

// stepName names a step for errors; reads say which message they were after.
func stepName(st state, ph phase) string {
	if st != stReadNLEN && st != stReadData {
		return stepNames[st]
	}
	return stepNames[st] + " (" + [...]string{"initial message", "tnep status", "handover select"}[ph] + ")"
}

type phase uint8

const (
	phInitial phase = iota // the tag's first message: Tp or Hs
	phStatus               // after writing Ts: the Te
	phSelect               // after writing Hr: the Hs
)

// NDEF Tag Application name (T4T 2.0 §5.4.2).
var ndefAID = []byte{0xD2, 0x76, 0x00, 0x00, 0x85, 0x01, 0x01}

// NewEngagement returns a driver ready to [Engagement.Start]. It builds the
// Handover Request up front (it needs randomness for the cr record and
// perhaps the UUID), so the app can start BLE advertising with
// [Engagement.HandoverRequest] before the holder answers. The error
// unwraps to [ErrInvalidOptions].
func NewEngagement(opts Options) (*Engagement, error) {
	o := opts.withDefaults()
	hr, err := BuildHandoverRequest(o)
	if err != nil {
		return nil, err
	}
	return &Engagement{opts: o, hr: hr}, nil
}

// HandoverRequest returns the Handover Request this engagement writes if
// the holder asks for negotiated handover.
func (e *Engagement) HandoverRequest() HandoverRequest { return e.hr }

// Start returns the first command: SELECT of the NDEF Tag Application
// (00 A4 04 00 07 D2760000850101 00).
func (e *Engagement) Start() reader.Command {
	return reader.Command{INS: 0xA4, P1: 0x04, P2: 0x00, Data: ndefAID, Ne: 256}
}

// Next takes the response to the previous command and returns the next
// command, how long to wait before sending it (t_wait of TNEP, or the poll
// interval while NLEN is 0), and whether the engagement is over. When done
// is true, err is the failure (an *Error) or nil, and [Engagement.Result]
// holds the outcome. Calls after done return the same done and err.
func (e *Engagement) Next(resp reader.Response) (cmd reader.Command, wait time.Duration, done bool, err error) {
	if e.done {
		return reader.Command{}, 0, true, e.err
	}
	st := e.st
	cmd, wait, err = e.step(resp)
	if err != nil {
		e.done, e.err = true, &Error{Step: stepName(st, e.phase), Err: err}
		return reader.Command{}, 0, true, e.err
	}
	if e.res != nil {
		e.done = true
		return reader.Command{}, 0, true, nil
	}
	return cmd, wait, false, nil
}

// Result returns the outcome once Next has reported done without error.
func (e *Engagement) Result() (*Result, error) {
	switch {
	case e.err != nil:
		return nil, e.err
	case e.res == nil:
		return nil, errors.New("nfc: engagement not finished")
	}
	return e.res, nil
}

func (e *Engagement) step(resp reader.Response) (reader.Command, time.Duration, error) {
	switch e.st {
	case stSelectApp:
		if resp.SW == 0x6A82 {
			return fail(fmt.Errorf("%w: %w", ErrLocked, resp.Err()))
		}
		if !resp.OK() {
			return fail(fmt.Errorf("%w: %w", ErrNotNDEFTag, resp.Err()))
		}
		e.st = stSelectCC
		return selectFile(ccFileID), 0, nil

	case stSelectCC:
		if !resp.OK() {
			return fail(fmt.Errorf("%w: %w", ErrNotNDEFTag, resp.Err()))
		}
		e.st = stReadCC
		return readBinary(0, ccSize), 0, nil

	case stReadCC:
		if !resp.OK() {
			return fail(fmt.Errorf("%w: %w", ErrNotNDEFTag, resp.Err()))
		}
		cc, err := ParseCC(resp.Data)
		if err != nil {
			return fail(err)
		}
		e.cc = cc
		e.rd = min(int(cc.MLe), e.opts.MaxReadLen)
		e.wr = min(int(cc.MLc), e.opts.MaxWriteLen)
		e.st = stSelectFile
		return selectFile(cc.FileID), 0, nil

	case stSelectFile:
		if !resp.OK() {
			return fail(fmt.Errorf("%w: ndef file %04x: %w", ErrTagProtocol, e.cc.FileID, resp.Err()))
		}
		return e.readNLEN(0)

	case stReadNLEN:
		if !resp.OK() {
			return fail(fmt.Errorf("%w: %w", ErrTagProtocol, resp.Err()))
		}
		if len(resp.Data) < 2 {
			return fail(fmt.Errorf("%w: nlen read returned %d bytes", ErrTagProtocol, len(resp.Data)))
		}
		n := int(binary.BigEndian.Uint16(resp.Data))
		if n == 0 {
			// Not ready yet (TNEP; Apple after the Hr write). Never read
			// data for a zero length: Apple answers such reads with zeros.
			e.polls++
			if e.polls > e.opts.MaxNotReadyPolls {
				return fail(fmt.Errorf("%w: nlen still 0 after %d polls", ErrHolderNotReady, e.opts.MaxNotReadyPolls))
			}
			return e.readNLEN(max(e.tWait, e.opts.MinPollWait))
		}
		if n > int(e.cc.MaxSize)-2 {
			return fail(fmt.Errorf("%w: nlen %d exceeds the ndef file of %d bytes", ErrTagProtocol, n, e.cc.MaxSize))
		}
		e.nlen, e.buf = n, make([]byte, 0, n)
		e.st = stReadData
		return readBinary(2, min(e.rd, n)), 0, nil

	case stReadData:
		if !resp.OK() {
			return fail(fmt.Errorf("%w: %w", ErrTagProtocol, resp.Err()))
		}
		want := min(e.rd, e.nlen-len(e.buf))
		if len(resp.Data) == 0 || len(resp.Data) > want {
			return fail(fmt.Errorf("%w: read returned %d bytes, asked for %d", ErrTagProtocol, len(resp.Data), want))
		}
		e.buf = append(e.buf, resp.Data...)
		if len(e.buf) < e.nlen {
			return readBinary(2+len(e.buf), min(e.rd, e.nlen-len(e.buf))), 0, nil
		}
		return e.message(e.buf)

	case stWrite:
		if !resp.OK() {
			return fail(fmt.Errorf("%w: write refused: %w", ErrTNEPFailed, resp.Err()))
		}
		if len(e.writes) > 0 {
			cmd := e.writes[0]
			e.writes = e.writes[1:]
			return cmd, 0, nil
		}
		// The write is complete; give the holder t_wait before reading
		// its answer (TNEP 1.0 §5.2).
		e.phase++
		return e.readNLEN(e.tWait)
	}
	return fail(fmt.Errorf("%w: no state %d", ErrTagProtocol, e.st))
}

func fail(err error) (reader.Command, time.Duration, error) { return reader.Command{}, 0, err }

// MaxWait caps any wait the driver asks for. TNEP allows a holder up to
// WT 63 (27.5 s per poll); the wallets ask for at most 16 ms, and a counter
// must not stall on a bad tag.
const MaxWait = time.Second

func (e *Engagement) readNLEN(wait time.Duration) (reader.Command, time.Duration, error) {
	if e.st != stReadNLEN {
		e.polls = 0
	}
	wait = min(wait, MaxWait)
	e.st = stReadNLEN
	return readBinary(0, 2), wait, nil
}

// message handles a complete NDEF message read in the current phase.
func (e *Engagement) message(b []byte) (reader.Command, time.Duration, error) {
	switch e.phase {
	case phInitial:
		m, err := ParseMessage(b)
		if err != nil {
			return fail(err)
		}
		svc, ok, err := findService(m)
		if err != nil {
			return fail(err)
		}
		if !ok {
			return e.finish(Static, b)
		}
		return e.negotiate(svc)

	case phStatus:
		m, err := ParseMessage(b)
		if err != nil {
			return fail(err)
		}
		status, err := tnepStatus(m)
		if err != nil {
			return fail(err)
		}
		if status != 0 {
			return fail(&TNEPStatusError{Status: status})
		}
		return e.write(e.hr.Message)

	default:
		return e.finish(Negotiated, b)
	}
}

// negotiate starts TNEP: check the tag can take our messages, then write Ts.
func (e *Engagement) negotiate(svc ServiceParameter) (reader.Command, time.Duration, error) {
	if !e.cc.Writable() {
		return fail(fmt.Errorf("%w: the holder asks for negotiated handover but its ndef file is read-only (write access %02x)", ErrTNEPFailed, e.cc.Write))
	}
	if svc.Version>>4 != 1 {
		return fail(fmt.Errorf("%w: tnep version %d.%d", ErrTNEPFailed, svc.Version>>4, svc.Version&0x0F))
	}
	if n := len(e.hr.Message); n > int(svc.MaxNDEF) || n > int(e.cc.MaxSize)-2 {
		return fail(fmt.Errorf("%w: handover request of %d bytes exceeds what the holder takes (%d, file %d)", ErrTNEPFailed, n, svc.MaxNDEF, e.cc.MaxSize))
	}
	e.svc = &svc
	e.tWait = svc.Wait()
	return e.write(ServiceSelect(HandoverService))
}

// write plans the T4T write procedure for msg (T4T 2.0 §5.4.5): one UPDATE
// BINARY at offset 0 carrying NLEN and the message when it fits (what the
// recorded reader sends), else NLEN = 0000, the message from offset 2 in
// pieces, and the real NLEN last, so the holder never sees a half-written
// message under a valid length.
func (e *Engagement) write(msg []byte) (reader.Command, time.Duration, error) {
	nlen := binary.BigEndian.AppendUint16(nil, uint16(len(msg)))
	e.st = stWrite
	if 2+len(msg) <= e.wr {
		return updateBinary(0, append(nlen, msg...)), 0, nil
	}
	e.writes = e.writes[:0]
	for off := 0; off < len(msg); off += e.wr {
		e.writes = append(e.writes, updateBinary(2+off, msg[off:min(off+e.wr, len(msg))]))
	}
	e.writes = append(e.writes, updateBinary(0, nlen))
	return updateBinary(0, []byte{0, 0}), 0, nil
}

// finish parses the Handover Select and builds the result.
func (e *Engagement) finish(kind HandoverKind, hs []byte) (reader.Command, time.Duration, error) {
	sel, err := ParseHandoverSelect(hs)
	if err != nil {
		return fail(err)
	}
	r := &Result{Handover: kind, Hs: hs, DeviceEngagement: sel.DeviceEngagement, CC: e.cc, Service: e.svc}
	if kind == Negotiated {
		r.Hr = e.hr.Message
	}
	for _, c := range sel.Carriers {
		switch {
		case c.Record.Is(TNFMedia, TypeBLEOOB) && r.BLE == nil:
			m, err := ParseBLEOOB(c.Record.Payload)
			if err != nil {
				return fail(err)
			}
			m.PowerState = c.PowerState
			// 18013-5 §8.3.3.1.1.2: in negotiated handover an mdoc that
			// takes central client mode may leave the UUID out of its Hs
			// (Apple does); it then uses the one from the reader's Hr.
			if m.UUIDFrom == UUIDNone && kind == Negotiated && m.Modes&BLECentralClient != 0 && !e.opts.NoBLE {
				m.UUID, m.UUIDFrom = e.hr.UUID, UUIDFromHr
			}
			if m.UUIDFrom == UUIDNone {
				return fail(fmt.Errorf("%w: ble carrier without a service uuid", ErrMalformedHandover))
			}
			r.BLE = &m
		case c.Record.Is(TNFExternal, TypeNFCCarrier) && r.NFC == nil:
			m, err := ParseNFCCarrier(c.Record.Payload)
			if err != nil {
				return fail(err)
			}
			m.PowerState = c.PowerState
			r.NFC = &m
		default:
			r.Other = append(r.Other, c)
		}
	}
	e.res = r
	return reader.Command{}, 0, nil
}

func selectFile(fid uint16) reader.Command {
	return reader.Command{INS: 0xA4, P1: 0x00, P2: 0x0C, Data: binary.BigEndian.AppendUint16(nil, fid)}
}

// readBinary reads n bytes at off. Offsets stay ≤ 0x7FFF because the NDEF
// file is at most MaxNDEFFileSize bytes (checked in ParseCC).
func readBinary(off, n int) reader.Command {
	return reader.Command{INS: 0xB0, P1: byte(off >> 8), P2: byte(off), Ne: n}
}

func updateBinary(off int, data []byte) reader.Command {
	return reader.Command{INS: 0xD6, P1: byte(off >> 8), P2: byte(off), Data: data}
}
