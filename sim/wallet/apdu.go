package wallet

import (
	"bytes"
	"encoding/binary"
	"io"

	"taimen/reader"
	"taimen/reader/nfc"
)

// Status words (ISO/IEC 7816-4 §5.6).
const (
	swOK               = 0x9000
	swMore             = 0x6100 // 61xx: xx more bytes with GET RESPONSE
	swWrongLength      = 0x6700
	swSecurity         = 0x6982 // write to a read-only file
	swConditions       = 0x6985 // GET RESPONSE with nothing pending, data retrieval before engagement
	swNoCurrentEF      = 0x6986 // READ/UPDATE BINARY with no file selected
	swWrongData        = 0x6A80 // ENVELOPE data is not one DO'53'
	swFuncNotSupported = 0x6A81
	swNotFound         = 0x6A82
	swWrongP1P2        = 0x6A86
	swOffset           = 0x6B00 // offset outside the file
	swInsNotSupported  = 0x6D00
	swClaNotSupported  = 0x6E00
)

// maxAPDUData caps the data of one response APDU: vpcd frames carry 65535
// bytes, status word included.
const maxAPDUData = 0xFFFF - 2

// APDU answers one command APDU with a response APDU (data, SW1 SW2). It
// never panics and always returns at least the two status bytes. It blocks
// for the consent delay when the command carries a DeviceRequest.
func (w *Wallet) APDU(b []byte) []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stats.APDUs++
	w.stats.BytesIn += len(b)
	r := w.apdu(b)
	w.stats.BytesOut += len(r)
	return r
}

func sw(s uint16) []byte { return []byte{byte(s >> 8), byte(s)} }

func (w *Wallet) apdu(b []byte) []byte {
	cmd, err := reader.ParseCommand(b)
	if err != nil {
		return sw(swWrongLength)
	}
	// Logical channel 0 only; CLA 10 (chaining) is for ENVELOPE alone.
	if cmd.CLA != 0x00 && !(cmd.CLA == 0x10 && cmd.INS == insEnvelope) {
		w.xfer.dropChain()
		return sw(swClaNotSupported)
	}
	if cmd.INS != insGetResponse && cmd.INS != insEnvelope {
		// Any other command ends a chain and discards unread response
		// bytes (ISO/IEC 7816-4 §5.3.3, §7.6.1).
		w.xfer.dropChain()
		w.xfer.out = nil
	}
	switch cmd.INS {
	case 0xA4:
		return w.sel(cmd)
	case 0xB0:
		return w.readBinary(cmd)
	case 0xD6:
		return w.updateBinary(cmd)
	case insEnvelope:
		return w.envelope(cmd)
	case insGetResponse:
		return w.getResponse(cmd)
	}
	return sw(swInsNotSupported)
}

// sel is SELECT (ISO/IEC 7816-4 §11.1.1): by AID (P1 04) for the NDEF and
// mdoc applications, by file identifier (P1 00) within the NDEF application.
func (w *Wallet) sel(cmd reader.Command) []byte {
	if cmd.P2 != 0x00 && cmd.P2 != 0x0C {
		return sw(swWrongP1P2)
	}
	switch cmd.P1 {
	case 0x04:
		switch {
		case bytes.Equal(cmd.Data, ndefAID):
			if err := w.engage(); err != nil {
				return sw(swConditions)
			}
			w.app, w.file = appNDEF, 0
			return sw(swOK)
		case bytes.Equal(cmd.Data, mdocAID):
			// A phone routes the mdoc AID to the wallet only while it
			// presents over NFC, i.e. after a Handover Select that chose
			// the NFC carrier.
			if w.opts.Transfer != TransferNFC || w.eng == nil || w.eng.hs == nil || w.eng.pending != nil || w.eng.noCarrier {
				return sw(swNotFound)
			}
			w.app, w.file = appMdoc, 0
			return sw(swOK)
		}
		return sw(swNotFound)
	case 0x00:
		if w.app != appNDEF {
			return sw(swNotFound)
		}
		if len(cmd.Data) != 2 {
			return sw(swWrongLength)
		}
		switch fid := int(binary.BigEndian.Uint16(cmd.Data)); fid {
		case ccFileID, ndefFileID:
			w.file = fid
			return sw(swOK)
		}
		return sw(swNotFound)
	}
	return sw(swWrongP1P2)
}

// engage starts an engagement unless one is running: a fresh EDeviceKey,
// the DeviceEngagement, and the first NDEF message (Hs for static
// handover, Tp for negotiated).
func (w *Wallet) engage() error {
	if w.eng != nil {
		// Re-selecting within one engagement: the file starts over from
		// the initial message, the key stays (multipaz #207).
		if w.eng.session == nil && w.opts.Handover != Static && w.eng.phase != phInitial {
			w.eng.phase, w.eng.pending, w.eng.notReady, w.eng.hs, w.eng.hr, w.eng.noCarrier = phInitial, nil, 0, nil, nil, false
			w.eng.file = nlenMessage(w.lay.serviceParameter())
		}
		return nil
	}
	k, err := newEDeviceKey(w.opts.Rand)
	if err != nil {
		return err
	}
	de, err := w.lay.deviceEngagement(k)
	if err != nil {
		return err
	}
	e := &engagement{key: k, de: de}
	if w.opts.Handover == Static {
		c, err := w.carrier(true)
		if err != nil {
			return err
		}
		e.uuid = c.uuid
		e.hs = w.lay.handoverSelect(c, de)
		e.file = nlenMessage(e.hs)
	} else {
		e.file = nlenMessage(w.lay.serviceParameter())
	}
	w.eng = e
	return nil
}

// carrier returns the carrier for the Hs. Static BLE lists a fresh random
// UUID (18013-5 §8.3.3.1.1.2: static handover carries exactly one);
// negotiated BLE in central client mode lists none, the reader's Hr names
// it (Apple, multipaz).
func (w *Wallet) carrier(static bool) (*carrier, error) {
	c := &carrier{transfer: w.opts.Transfer, maxCmd: w.opts.MaxCommand, maxResp: w.opts.MaxResponse}
	if static && c.transfer == TransferBLE {
		var u nfc.UUID
		if _, err := io.ReadFull(w.opts.Rand, u[:]); err != nil {
			return nil, err
		}
		u[6] = u[6]&0x0F | 0x40 // RFC 9562 version 4
		u[8] = u[8]&0x3F | 0x80
		c.uuid = &u
	}
	return c, nil
}

func nlenMessage(m []byte) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(len(m))), m...)
}

// readBinary is READ BINARY (INS B0) with a 15-bit offset (T4T 2.0 §5.4.3).
func (w *Wallet) readBinary(cmd reader.Command) []byte {
	if w.app != appNDEF || w.file == 0 {
		return sw(swNoCurrentEF)
	}
	if cmd.P1&0x80 != 0 {
		return sw(swFuncNotSupported) // short EF identifier addressing
	}
	if cmd.Ne == 0 {
		return sw(swWrongLength)
	}
	off := int(cmd.P1)<<8 | int(cmd.P2)
	var f []byte
	if w.file == ccFileID {
		f = w.lay.cc
	} else {
		e := w.eng
		if e.pending != nil {
			switch {
			case e.notReady == 0:
				e.file, e.hs, e.pending = nlenMessage(e.pending), e.pending, nil
			case off >= 2:
				// Apple answers a data read while NLEN is 0 with eight
				// zero bytes (isomdl notes on the recording).
				return append(make([]byte, min(8, cmd.Ne)), sw(swOK)...)
			default:
				e.notReady--
				return append(make([]byte, min(2-off, cmd.Ne)), sw(swOK)...)
			}
		}
		f = e.file
	}
	if off > len(f) {
		return sw(swOffset)
	}
	n := min(cmd.Ne, w.lay.mle(), len(f)-off)
	return append(bytes.Clone(f[off:off+n]), sw(swOK)...)
}

// updateBinary is UPDATE BINARY (INS D6) on the NDEF file. A write that
// covers NLEN and leaves it non-zero completes a message (T4T 2.0 §5.4.5
// write procedure); the wallet then answers it: Ts → Te, Hr → Hs.
func (w *Wallet) updateBinary(cmd reader.Command) []byte {
	if w.app != appNDEF || w.file == 0 {
		return sw(swNoCurrentEF)
	}
	if w.file == ccFileID || !w.lay.writable() {
		return sw(swSecurity)
	}
	if cmd.P1&0x80 != 0 {
		return sw(swFuncNotSupported)
	}
	if len(cmd.Data) == 0 || len(cmd.Data) > w.lay.mlc() {
		return sw(swWrongLength)
	}
	off := int(cmd.P1)<<8 | int(cmd.P2)
	if off+len(cmd.Data) > w.lay.maxSize() {
		return sw(swOffset)
	}
	e := w.eng
	// Writing ends whatever the holder had queued.
	e.pending, e.notReady = nil, 0
	if grow := off + len(cmd.Data) - len(e.file); grow > 0 {
		e.file = append(e.file, make([]byte, grow)...)
	}
	copy(e.file[off:], cmd.Data)
	if off >= 2 || len(e.file) < 2 {
		return sw(swOK)
	}
	n := int(binary.BigEndian.Uint16(e.file))
	if n == 0 || 2+n > len(e.file) {
		return sw(swOK)
	}
	msg := bytes.Clone(e.file[2 : 2+n])
	w.written(msg)
	return sw(swOK)
}

// written answers a message the reader finished writing (TNEP 1.0 §5,
// CH 1.5): a Service Select gets the TNEP status, a Handover Request after
// it gets the Handover Select.
func (w *Wallet) written(msg []byte) {
	e := w.eng
	if ts, handover := isServiceSelect(msg); ts {
		if !handover {
			e.file = nlenMessage(teError)
			return
		}
		e.phase, e.hs, e.hr = phStatus, nil, nil
		e.file = nlenMessage(teOK)
		return
	}
	if e.phase != phStatus {
		return // not in a TNEP exchange: the file simply holds what was written
	}
	var c *carrier
	if offered(msg, w.opts.Transfer) {
		c, _ = w.carrier(false) // cannot fail without a static BLE UUID
	}
	e.phase, e.hr = phSelect, msg
	e.pending = w.lay.handoverSelect(c, e.de)
	e.notReady = w.notReadyCount()
	// No common carrier: the reader gets an Hs without carriers, and
	// there is nothing to retrieve data on.
	e.noCarrier = c == nil
}
