package wallet

import (
	"crypto/ecdh"
	"encoding/binary"
	"fmt"
	"io"

	"taimen/reader/nfc"
	"taimen/verify"
	"taimen/verify/mdoc"
	"taimen/verify/mdoc/mdoctest"
)

// Type 4 tag constants (NFC Forum T4T 2.0 §5).
const (
	ccFileID   = 0xE103
	ndefFileID = 0xE104
)

var (
	ndefAID = []byte{0xD2, 0x76, 0x00, 0x00, 0x85, 0x01, 0x01} // NDEF Tag Application (T4T 2.0 §5.4.2)
	mdocAID = []byte{0xA0, 0x00, 0x00, 0x02, 0x48, 0x04, 0x00} // 18013-5 §8.3.3.1.2 NFC data transfer
	atr     = []byte{0x3B, 0x80, 0x80, 0x01, 0x01}             // PC/SC part 3 ATR of an ISO 14443-4 type A device without historical bytes
	idMdoc  = []byte("mdoc")                                   // 18013-5 §8.2.2.1 DeviceEngagement record ID
	idBLE   = []byte("0")                                      // BLE carrier record ID every wallet uses
	idNFC   = []byte("nfc")                                    // NFC carrier record ID
	teOK    = []byte{0xD1, 0x02, 0x01, 'T', 'e', 0x00}         // TNEP status: success (TNEP 1.0 §4.3)
	teError = []byte{0xD1, 0x02, 0x01, 'T', 'e', 0x01}         // TNEP status: protocol error
	leRole  = []byte{0x02, 0x1C, 0x01}                         // AD: LE role 0x01 = only central (mdoc central client mode)
	adUUID  = byte(0x07)                                       // AD: complete list of 128-bit UUIDs
)

// layout is what differs between the wallets the sim copies.
type layout struct {
	cc []byte // 15 bytes
	// Tp parameters (TNEP 1.0 §4.1.2): WT, N_wait, max NDEF size.
	wt, nWait byte
	tpMax     uint16
	// version and extra keys of the DeviceEngagement.
	deVersion string
	appleKeys bool
	// carrierFirst puts the carrier record before the DeviceEngagement
	// record (Apple, Samsung) rather than after it (Google, multipaz).
	carrierFirst bool
}

func layoutFor(h Handover) layout {
	switch h {
	case Apple:
		// Research §1 and vectors/nfc-handover/apple-wallet.
		return layout{
			cc: []byte{0x00, 0x0F, 0x20, 0x04, 0x00, 0x04, 0x00, 0x04, 0x06, 0xE1, 0x04, 0x08, 0x02, 0x00, 0x00},
			wt: 0x14, nWait: 0x0F, tpMax: 0x0800,
			deVersion: "1.1", appleKeys: true, carrierFirst: true,
		}
	case Negotiated:
		// multipaz in negotiated mode (vectors/nfc-handover/multipaz-negotiated).
		return layout{
			cc: []byte{0x00, 0x0F, 0x20, 0x7F, 0xFF, 0x7F, 0xFF, 0x04, 0x06, 0xE1, 0x04, 0x7F, 0xFF, 0x00, 0x00},
			wt: 0x00, nWait: 0x0F, tpMax: 0xFFFF,
			deVersion: "1.0",
		}
	}
	// multipaz in static mode: read-only NDEF file.
	return layout{
		cc:        []byte{0x00, 0x0F, 0x20, 0x7F, 0xFF, 0x7F, 0xFF, 0x04, 0x06, 0xE1, 0x04, 0x7F, 0xFF, 0x00, 0xFF},
		deVersion: "1.0",
	}
}

func (l layout) mle() int       { return int(binary.BigEndian.Uint16(l.cc[3:])) }
func (l layout) mlc() int       { return int(binary.BigEndian.Uint16(l.cc[5:])) }
func (l layout) maxSize() int   { return int(binary.BigEndian.Uint16(l.cc[11:])) }
func (l layout) writable() bool { return l.cc[14] == 0x00 }

// serviceParameter is the NDEF message with the Tp record for the handover
// service (TNEP 1.0 §4.1.2).
func (l layout) serviceParameter() []byte {
	p := []byte{0x10, byte(len(nfc.HandoverService))}
	p = append(p, nfc.HandoverService...)
	p = append(p, 0x00, l.wt, l.nWait)
	p = binary.BigEndian.AppendUint16(p, l.tpMax)
	return nfc.EncodeMessage(nfc.Record{TNF: nfc.TNFWellKnown, Type: []byte("Tp"), Payload: p})
}

// newEDeviceKey draws a P-256 scalar from r (Go 1.26 key generation ignores
// the reader, so the scalar is drawn here to keep the sim reproducible).
// Out-of-range draws are retried; 8 misses in a row cannot happen with a
// working source.
func newEDeviceKey(r io.Reader) (*ecdh.PrivateKey, error) {
	var d [32]byte
	for range 8 {
		if _, err := io.ReadFull(r, d[:]); err != nil {
			return nil, fmt.Errorf("wallet: eDeviceKey randomness: %w", err)
		}
		if k, err := ecdh.P256().NewPrivateKey(d[:]); err == nil {
			return k, nil
		}
	}
	return nil, fmt.Errorf("wallet: eDeviceKey: no valid scalar drawn")
}

// deviceEngagement encodes the DeviceEngagement (18013-5 §8.2.1.1) with no
// retrieval methods (NFC engagement announces them in the carrier records):
// {0: version, 1: [1, EDeviceKeyBytes]} and, Apple-style, 5: [] (OriginInfos)
// and 6: {3: true, 4: true} (Capabilities: ReaderAuthAllSupport,
// ExtendedRequestSupport). Encoded once; these bytes go verbatim into the Hs
// and the SessionTranscript.
func (l layout) deviceEngagement(k *ecdh.PrivateKey) ([]byte, error) {
	ck, err := mdoc.COSEKeyFromECDH(k.PublicKey())
	if err != nil {
		return nil, err
	}
	item, err := mdoc.EncodeTag24(ck)
	if err != nil {
		return nil, err
	}
	m := map[int]any{0: l.deVersion, 1: []any{mdoc.CipherSuite1, mdoctest.RawCBOR(item.Raw)}}
	if l.appleKeys {
		m[5] = []any{}
		m[6] = map[int]bool{3: true, 4: true}
	}
	return verify.Marshal(m)
}

// carrier is the data retrieval carrier the wallet selects in its Hs.
type carrier struct {
	transfer Transfer
	uuid     *nfc.UUID // BLE: the UUID to list; nil lists none
	maxCmd   int
	maxResp  int
}

// record returns the carrier configuration record.
func (c carrier) record() nfc.Record {
	if c.transfer == TransferBLE {
		oob := append([]byte(nil), leRole...)
		if c.uuid != nil {
			oob = append(oob, 17, adUUID)
			for i := 15; i >= 0; i-- { // little-endian on the air
				oob = append(oob, c.uuid[i])
			}
		}
		return nfc.Record{TNF: nfc.TNFMedia, Type: []byte(nfc.TypeBLEOOB), ID: idBLE, Payload: oob}
	}
	// 18013-5 §8.2.2.2: version 01, then [len][type][value] with len
	// counting the type byte (the form reader/nfc and multipaz parse).
	p := appendLength([]byte{0x01}, 0x01, c.maxCmd)
	p = appendLength(p, 0x02, c.maxResp)
	return nfc.Record{TNF: nfc.TNFExternal, Type: []byte(nfc.TypeNFCCarrier), ID: idNFC, Payload: p}
}

func appendLength(b []byte, typ byte, v int) []byte {
	switch {
	case v < 0x100:
		return append(b, 2, typ, byte(v))
	case v < 0x10000:
		return binary.BigEndian.AppendUint16(append(b, 3, typ), uint16(v))
	}
	return append(b, 4, typ, byte(v>>16), byte(v>>8), byte(v))
}

// handoverSelect builds the Hs message (CH 1.5 §6.2, 18013-5 §8.2.2.1): an
// Hs record, version 1.5, embedding one active ac record that points at
// the carrier and names "mdoc" as auxiliary data; then the carrier record
// and the DeviceEngagement record in the order of the wallet copied. A nil
// carrier builds the "no common carrier" answer: an Hs without ac records.
func (l layout) handoverSelect(c *carrier, de []byte) []byte {
	if c == nil {
		return nfc.EncodeMessage(nfc.Record{TNF: nfc.TNFWellKnown, Type: []byte("Hs"), Payload: []byte{0x15}})
	}
	cr := c.record()
	ac := []byte{0x01, byte(len(cr.ID))} // carrier power state: active
	ac = append(ac, cr.ID...)
	ac = append(ac, 0x01, byte(len(idMdoc)))
	ac = append(ac, idMdoc...)
	embedded := nfc.EncodeMessage(nfc.Record{TNF: nfc.TNFWellKnown, Type: []byte("ac"), Payload: ac})
	hs := nfc.Record{TNF: nfc.TNFWellKnown, Type: []byte("Hs"), Payload: append([]byte{0x15}, embedded...)}
	der := nfc.Record{TNF: nfc.TNFExternal, Type: []byte(nfc.TypeDeviceEngagement), ID: idMdoc, Payload: de}
	if l.carrierFirst {
		return nfc.EncodeMessage(hs, cr, der)
	}
	return nfc.EncodeMessage(hs, der, cr)
}

// offered reports whether a Handover Request offers the transfer t, i.e.
// carries its carrier configuration record. A request that does not parse
// offers nothing.
func offered(hr []byte, t Transfer) bool {
	m, err := nfc.ParseMessage(hr)
	if err != nil {
		return false
	}
	if _, ok := m.Find(nfc.TNFWellKnown, "Hr", nil); !ok {
		return false
	}
	if t == TransferBLE {
		_, ok := m.Find(nfc.TNFMedia, nfc.TypeBLEOOB, nil)
		return ok
	}
	_, ok := m.Find(nfc.TNFExternal, nfc.TypeNFCCarrier, nil)
	return ok
}

// isServiceSelect reports whether msg is a TNEP Service Select for the
// handover service (TNEP 1.0 §4.2).
func isServiceSelect(msg []byte) (isTs, handover bool) {
	m, err := nfc.ParseMessage(msg)
	if err != nil {
		return false, false
	}
	r, ok := m.Find(nfc.TNFWellKnown, "Ts", nil)
	if !ok {
		return false, false
	}
	return true, len(r.Payload) >= 1 && int(r.Payload[0]) == len(r.Payload)-1 && string(r.Payload[1:]) == nfc.HandoverService
}
