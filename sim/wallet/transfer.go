package wallet

import (
	"bytes"
	"fmt"

	"taimen/reader"
)

const (
	insEnvelope    = 0xC3 // ENVELOPE (ISO/IEC 7816-4 §7.6.2), 18013-5 §8.3.3.1.2
	insGetResponse = 0xC0 // GET RESPONSE (ISO/IEC 7816-4 §7.6.1)
	tagDO53        = 0x53 // BER-TLV DO'53' wrapping each session message
	// maxMessage bounds a reassembled command chain: the largest DO'53' a
	// reader sends is a SessionEstablishment of a few kB; 1 MiB leaves room
	// and stops a chain that never ends.
	maxMessage = 1 << 20
)

// transfer is the NFC data retrieval state: the command chain being
// reassembled and the response bytes not yet fetched.
type transfer struct {
	chain    []byte
	chaining bool
	out      []byte // response bytes still to be fetched with GET RESPONSE
}

func (t *transfer) dropChain() { t.chain, t.chaining = nil, false }

// envelope is ENVELOPE (INS C3, P1 P2 00 00). CLA 10 marks every part of a
// chain but the last (§5.3.3); those get 9000 and no data. The last part's
// Le is the largest response data field the reader takes; the reassembled
// data must be one DO'53' holding a SessionEstablishment or SessionData.
func (w *Wallet) envelope(cmd reader.Command) []byte {
	w.xfer.out = nil
	if w.app != appMdoc || w.eng == nil {
		w.xfer.dropChain()
		return sw(swConditions)
	}
	if cmd.P1 != 0 || cmd.P2 != 0 {
		w.xfer.dropChain()
		return sw(swWrongP1P2)
	}
	if len(cmd.Data) > w.opts.MaxCommand || len(w.xfer.chain)+len(cmd.Data) > maxMessage {
		w.xfer.dropChain()
		return sw(swWrongLength)
	}
	w.xfer.chain = append(w.xfer.chain, cmd.Data...)
	if cmd.CLA == 0x10 {
		if cmd.Ne != 0 {
			// Only the last command of a chain carries Le (18013-5 §8.3.3.1.2).
			w.xfer.dropChain()
			return sw(swWrongLength)
		}
		w.xfer.chaining = true
		return sw(swOK)
	}
	data := w.xfer.chain
	w.xfer.dropChain()
	msg, err := parseDO53(data)
	if err != nil {
		return sw(swWrongData)
	}
	reply := w.message(msg)
	w.xfer.out = appendDO53(nil, reply)
	return w.serve(cmd.Ne)
}

// getResponse is GET RESPONSE (INS C0, P1 P2 00 00): the next Ne bytes of
// the pending response.
func (w *Wallet) getResponse(cmd reader.Command) []byte {
	w.xfer.dropChain()
	if cmd.P1 != 0 || cmd.P2 != 0 {
		return sw(swWrongP1P2)
	}
	if w.xfer.out == nil {
		return sw(swConditions)
	}
	if cmd.Ne == 0 {
		return sw(swWrongLength)
	}
	return w.serve(cmd.Ne)
}

// serve sends up to ne bytes of the pending response (18013-5 §8.3.3.1.2):
// all of it with 9000 when it fits; otherwise ne bytes and 61xx with xx the
// bytes left when at most 255 remain, 6100 when more do (the reader then
// asks with its largest Le).
func (w *Wallet) serve(ne int) []byte {
	out := w.xfer.out
	n := min(ne, len(out), maxAPDUData, w.opts.MaxResponse)
	data, rest := out[:n], out[n:]
	r := append(bytes.Clone(data), 0, 0)
	switch {
	case len(rest) == 0:
		w.xfer.out = nil
		copy(r[n:], sw(swOK))
	case len(rest) <= 0xFF:
		w.xfer.out = rest
		copy(r[n:], sw(swMore|uint16(len(rest))))
	default:
		w.xfer.out = rest
		copy(r[n:], sw(swMore))
	}
	return r
}

// parseDO53 returns the value of exactly one BER-TLV DO'53' with a length
// in one of the forms 18013-5 allows (short, 81, 82, 83).
func parseDO53(b []byte) ([]byte, error) {
	if len(b) < 2 || b[0] != tagDO53 {
		return nil, fmt.Errorf("wallet: not a do'53'")
	}
	l, hdr := int(b[1]), 2
	switch {
	case l < 0x80:
	case l >= 0x81 && l <= 0x83:
		k := l - 0x80
		if len(b) < 2+k {
			return nil, fmt.Errorf("wallet: do'53' length truncated")
		}
		l = 0
		for _, c := range b[2 : 2+k] {
			l = l<<8 | int(c)
		}
		hdr += k
	default:
		return nil, fmt.Errorf("wallet: do'53' length form %02x", b[1])
	}
	if len(b)-hdr != l {
		return nil, fmt.Errorf("wallet: do'53' of %d bytes carries %d", l, len(b)-hdr)
	}
	return b[hdr:], nil
}

// appendDO53 wraps v in DO'53' with the shortest length form.
func appendDO53(b, v []byte) []byte {
	b = append(b, tagDO53)
	switch n := len(v); {
	case n < 0x80:
		b = append(b, byte(n))
	case n <= 0xFF:
		b = append(b, 0x81, byte(n))
	case n <= 0xFFFF:
		b = append(b, 0x82, byte(n>>8), byte(n))
	default:
		b = append(b, 0x83, byte(n>>16), byte(n>>8), byte(n))
	}
	return append(b, v...)
}
