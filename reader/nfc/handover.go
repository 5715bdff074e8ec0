package nfc

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
)

// Record types of NFC Forum Connection Handover 1.5 and ISO/IEC 18013-5
// §8.2.2 (NFC engagement).
const (
	typeHs = "Hs" // handover select (CH 1.5 §6.2)
	typeHr = "Hr" // handover request (CH 1.5 §6.1)
	typeAc = "ac" // alternative carrier (CH 1.5 §6.2.2)
	typeCr = "cr" // collision resolution (CH 1.5 §6.1.3)

	// TypeBLEOOB is the MIME type of the Bluetooth LE carrier configuration
	// record (Bluetooth Secure Simple Pairing Using NFC 1.2 §3).
	TypeBLEOOB = "application/vnd.bluetooth.le.oob"
	// TypeNFCCarrier is the external type of the 18013-5 NFC carrier
	// configuration record (18013-5 §8.2.2.2).
	TypeNFCCarrier = "iso.org:18013:nfc"
	// TypeDeviceEngagement is the external type of the record carrying the
	// DeviceEngagement CBOR (18013-5 §8.2.2.1), with ID "mdoc".
	TypeDeviceEngagement = "iso.org:18013:deviceengagement"
	// TypeReaderEngagement is the external type of the optional reader
	// engagement record of a Handover Request, with ID "mdocreader".
	TypeReaderEngagement = "iso.org:18013:readerengagement"

	handoverVersion = 0x15 // Connection Handover 1.5
)

// IDs the 18013-5 records carry.
var (
	idDeviceEngagement = []byte("mdoc")
	idReaderEngagement = []byte("mdocreader")
	idBLE              = []byte("0")
	idNFC              = []byte("nfc")
)

// ReaderEngagement10 is the payload {0: "1.0"} that multipaz and isomdl put
// in the optional reader engagement record of their Handover Request.
var ReaderEngagement10 = []byte{0xa1, 0x00, 0x63, 0x31, 0x2e, 0x30}

// PowerState is the carrier power state of an alternative carrier record
// (CH 1.5 §6.2.2.1).
type PowerState byte

// Carrier power states.
const (
	PowerInactive   PowerState = 0
	PowerActive     PowerState = 1
	PowerActivating PowerState = 2
	PowerUnknown    PowerState = 3
)

// Carrier is one alternative carrier the holder selected: the ac record's
// fields and the carrier configuration record it points at, kept raw.
type Carrier struct {
	PowerState PowerState
	Ref        []byte   // carrier data reference (the config record's ID)
	AuxRefs    [][]byte // auxiliary data references ("mdoc" in 18013-5)
	Record     Record   // the carrier configuration record
}

// HandoverSelect is a parsed Handover Select message (CH 1.5 §6.2).
type HandoverSelect struct {
	Version  byte // major.minor in the two nibbles; 0x15 = 1.5
	Carriers []Carrier
	// DeviceEngagement is the payload of the iso.org:18013:deviceengagement
	// record exactly as received (it aliases the input). Never decode and
	// re-encode it: Apple sends version "1.1" with keys 5 and 6 that a
	// re-encoding would drop, and the session keys would differ.
	DeviceEngagement []byte
	Message          Message
}

// ParseHandoverSelect parses a Handover Select message and locates its
// records by type and ID, in whatever order they arrive. Errors unwrap to
// [ErrMalformedNDEF], [ErrNoHandover], [ErrMalformedHandover],
// [ErrNoCarrier] or [ErrNoEngagement].
func ParseHandoverSelect(b []byte) (*HandoverSelect, error) {
	m, err := ParseMessage(b)
	if err != nil {
		return nil, err
	}
	hs, ok := m.Find(TNFWellKnown, typeHs, nil)
	if !ok {
		return nil, fmt.Errorf("%w: no handover select record", ErrNoHandover)
	}
	if len(hs.Payload) == 0 {
		return nil, fmt.Errorf("%w: empty handover select record", ErrMalformedHandover)
	}
	out := &HandoverSelect{Version: hs.Payload[0], Message: m}
	if out.Version>>4 != 1 {
		// CH §6.2: a reader handles any minor version of its major version.
		return nil, fmt.Errorf("%w: handover version %d.%d", ErrMalformedHandover, out.Version>>4, out.Version&0x0F)
	}
	var embedded Message
	if len(hs.Payload) > 1 {
		if embedded, err = ParseMessage(hs.Payload[1:]); err != nil {
			return nil, fmt.Errorf("%w: embedded message: %w", ErrMalformedHandover, err)
		}
	}
	for _, r := range embedded {
		if !r.Is(TNFWellKnown, typeAc) {
			continue // "err" records and future types
		}
		c, err := parseAlternativeCarrier(r.Payload)
		if err != nil {
			return nil, err
		}
		if c.Record, ok = m.FindID(c.Ref); !ok {
			return nil, fmt.Errorf("%w: no carrier configuration record with id %q", ErrMalformedHandover, c.Ref)
		}
		out.Carriers = append(out.Carriers, c)
	}
	if len(out.Carriers) == 0 {
		return nil, ErrNoCarrier
	}
	de, ok := m.Find(TNFExternal, TypeDeviceEngagement, idDeviceEngagement)
	if !ok {
		return nil, ErrNoEngagement
	}
	if len(de.Payload) == 0 {
		return nil, fmt.Errorf("%w: empty device engagement record", ErrNoEngagement)
	}
	out.DeviceEngagement = de.Payload
	return out, nil
}

// parseAlternativeCarrier parses an ac payload: CPS(1) ref_len(1) ref
// aux_count(1) {aux_len(1) aux}… (CH 1.5 §6.2.2).
func parseAlternativeCarrier(p []byte) (Carrier, error) {
	s := cryptobyte.String(p)
	var c Carrier
	var cps, n uint8
	var ref cryptobyte.String
	if !s.ReadUint8(&cps) || !s.ReadUint8LengthPrefixed(&ref) || !s.ReadUint8(&n) {
		return Carrier{}, fmt.Errorf("%w: alternative carrier record of %d bytes", ErrMalformedHandover, len(p))
	}
	if len(ref) == 0 {
		return Carrier{}, fmt.Errorf("%w: alternative carrier with an empty carrier data reference", ErrMalformedHandover)
	}
	c.PowerState, c.Ref = PowerState(cps&0x03), ref
	for i := 0; i < int(n); i++ {
		var aux cryptobyte.String
		if !s.ReadUint8LengthPrefixed(&aux) {
			return Carrier{}, fmt.Errorf("%w: alternative carrier auxiliary reference %d truncated", ErrMalformedHandover, i)
		}
		c.AuxRefs = append(c.AuxRefs, aux)
	}
	// CH 1.5 reserves bytes after the references; a holder may add them.
	return c, nil
}

// UUID is a 128-bit BLE service UUID in the order it is printed (big
// endian). BLE advertising data stores it little-endian.
type UUID [16]byte

// String formats u as 8-4-4-4-12 lowercase hex.
func (u UUID) String() string {
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// IsZero reports whether u is all zero.
func (u UUID) IsZero() bool { return u == UUID{} }

func uuidFromLE(b []byte) UUID {
	var u UUID
	for i := range u {
		u[i] = b[15-i]
	}
	return u
}

func (u UUID) appendLE(b []byte) []byte {
	for i := 15; i >= 0; i-- {
		b = append(b, u[i])
	}
	return b
}

// BLEMode is a set of 18013-5 BLE data retrieval modes (§8.3.3.1.1),
// named from the mdoc's side as the standard does.
type BLEMode uint8

const (
	// BLECentralClient: the mdoc is the GATT client and central; the reader
	// advertises and is the GATT server. Apple, Google and Samsung Wallet
	// all choose this mode.
	BLECentralClient BLEMode = 1 << iota
	// BLEPeripheralServer: the mdoc advertises and is the GATT server; the
	// reader scans and connects.
	BLEPeripheralServer
)

// UUIDSource says where BLEMethod.UUID came from.
type UUIDSource uint8

const (
	UUIDNone   UUIDSource = iota
	UUIDFromHs            // the holder's Handover Select listed it
	UUIDFromHr            // our own Handover Request (18013-5 §8.3.3.1.1.2: negotiated handover, mdoc central client mode, no UUID in the Hs)
)

// LE Role values of the Bluetooth Core Specification Supplement §1.17.
const (
	lePeripheralOnly      = 0x00
	leCentralOnly         = 0x01
	leBothPeripheralFirst = 0x02
	leBothCentralFirst    = 0x03
)

// BLE AD types (Bluetooth Assigned Numbers, "Common Data Types").
const (
	adUUID16Incomplete  = 0x02
	adUUID16Complete    = 0x03
	adUUID128Incomplete = 0x06
	adUUID128Complete   = 0x07
	adLEAddress         = 0x1B
	adLERole            = 0x1C
)

// BLEMethod is the holder's BLE carrier from its Handover Select.
type BLEMethod struct {
	LERole    byte    // as received; in an Hs it describes the mdoc
	Modes     BLEMode // modes the mdoc supports
	Preferred BLEMode // the mode it prefers (one bit)
	UUID      UUID
	UUIDFrom  UUIDSource
	// Address is the LE device address (AD 0x1B) in printed order, most
	// significant byte first; nil when the holder did not send one.
	Address       []byte
	AddressRandom bool
	PowerState    PowerState
	OOB           []byte // the raw carrier configuration payload
}

// ParseBLEOOB parses the AD structures of an application/vnd.bluetooth.le.oob
// payload as sent by an mdoc in a Handover Select. AD structures may come in
// any order; unknown types (appearance, local name, 16-bit UUID lists, …) are
// skipped. A zero length byte ends the significant part (Core Spec Vol 3
// Part C §11). Errors unwrap to [ErrMalformedHandover].
func ParseBLEOOB(p []byte) (BLEMethod, error) {
	m := BLEMethod{OOB: p}
	s := cryptobyte.String(p)
	role := -1
	var uuids int
	for !s.Empty() {
		var ad cryptobyte.String
		if !s.ReadUint8LengthPrefixed(&ad) {
			return BLEMethod{}, fmt.Errorf("%w: ble ad structure runs past the end", ErrMalformedHandover)
		}
		if len(ad) == 0 {
			break
		}
		typ, data := ad[0], ad[1:]
		switch typ {
		case adLERole:
			if len(data) != 1 || role >= 0 {
				return BLEMethod{}, fmt.Errorf("%w: ble le role of %d bytes or repeated", ErrMalformedHandover, len(data))
			}
			role = int(data[0])
		case adUUID128Complete, adUUID128Incomplete:
			if len(data) == 0 || len(data)%16 != 0 {
				return BLEMethod{}, fmt.Errorf("%w: 128-bit uuid list of %d bytes", ErrMalformedHandover, len(data))
			}
			if uuids == 0 {
				m.UUID, m.UUIDFrom = uuidFromLE(data[:16]), UUIDFromHs
			}
			uuids += len(data) / 16
		case adLEAddress:
			// 6 address bytes (little-endian) and the address type; some
			// holders leave the type out (isomdl accepts both).
			if len(data) != 7 && len(data) != 6 {
				return BLEMethod{}, fmt.Errorf("%w: le device address of %d bytes", ErrMalformedHandover, len(data))
			}
			m.Address = make([]byte, 6)
			for i := range 6 {
				m.Address[i] = data[5-i]
			}
			m.AddressRandom = len(data) == 7 && data[6]&0x01 != 0
		case adUUID16Complete, adUUID16Incomplete:
			// 18013-5 uses 128-bit UUIDs only; tolerated and ignored.
		}
	}
	switch role {
	case lePeripheralOnly:
		m.Modes, m.Preferred = BLEPeripheralServer, BLEPeripheralServer
	case leCentralOnly:
		m.Modes, m.Preferred = BLECentralClient, BLECentralClient
	case leBothPeripheralFirst:
		m.Modes, m.Preferred = BLECentralClient|BLEPeripheralServer, BLEPeripheralServer
	case leBothCentralFirst:
		m.Modes, m.Preferred = BLECentralClient|BLEPeripheralServer, BLECentralClient
	case -1:
		return BLEMethod{}, fmt.Errorf("%w: ble carrier without an le role", ErrMalformedHandover)
	default:
		return BLEMethod{}, fmt.Errorf("%w: reserved le role %02x", ErrMalformedHandover, role)
	}
	m.LERole = byte(role)
	return m, nil
}

// NFCMethod is the holder's NFC carrier (18013-5 §8.2.2.2): the largest
// command and response data fields it takes for data retrieval.
type NFCMethod struct {
	MaxCommand  int
	MaxResponse int
	PowerState  PowerState
	Raw         []byte
}

// NFC carrier data types (18013-5 §8.2.2.2 Table 6).
const (
	nfcMaxCommand  = 0x01
	nfcMaxResponse = 0x02
)

// ParseNFCCarrier parses an iso.org:18013:nfc payload: version 01, then
// data elements [len][type][value] where len counts the type byte and the
// big-endian value (multipaz MdocConnectionMethodNfc, which Google Wallet
// shares). Both maximum lengths are required. Errors unwrap to
// [ErrMalformedHandover].
func ParseNFCCarrier(p []byte) (NFCMethod, error) {
	m := NFCMethod{Raw: p}
	s := cryptobyte.String(p)
	var version uint8
	if !s.ReadUint8(&version) || version != 0x01 {
		return NFCMethod{}, fmt.Errorf("%w: nfc carrier version missing or not 01", ErrMalformedHandover)
	}
	for !s.Empty() {
		var el cryptobyte.String
		if !s.ReadUint8LengthPrefixed(&el) || len(el) == 0 {
			return NFCMethod{}, fmt.Errorf("%w: nfc carrier data element truncated or empty", ErrMalformedHandover)
		}
		if el[0] != nfcMaxCommand && el[0] != nfcMaxResponse {
			continue // a later edition may add types
		}
		if len(el) < 2 || len(el) > 4 {
			return NFCMethod{}, fmt.Errorf("%w: nfc carrier length element of %d bytes", ErrMalformedHandover, len(el))
		}
		v := 0
		for _, c := range el[1:] {
			v = v<<8 | int(c)
		}
		if el[0] == nfcMaxCommand {
			m.MaxCommand = v
		} else {
			m.MaxResponse = v
		}
	}
	if m.MaxCommand == 0 || m.MaxResponse == 0 {
		return NFCMethod{}, fmt.Errorf("%w: nfc carrier without both maximum lengths", ErrMalformedHandover)
	}
	return m, nil
}

// appendNFCLength appends one [len][type][value] element with the shortest
// value that holds v (multipaz appendEncodedInt).
func appendNFCLength(b []byte, typ byte, v int) []byte {
	switch {
	case v < 0x100:
		return append(b, 2, typ, byte(v))
	case v < 0x10000:
		return binary.BigEndian.AppendUint16(append(b, 3, typ), uint16(v))
	default:
		return append(b, 4, typ, byte(v>>16), byte(v>>8), byte(v))
	}
}
