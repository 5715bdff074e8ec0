package mdoc

import (
	"errors"
	"fmt"
	"strings"

	"github.com/fxamacker/cbor/v2"

	"taimen/verify"
)

// Errors of DeviceEngagement parsing. Both unwrap from typed errors
// (EngagementError) that say which field was wrong.
var (
	// ErrUnsupportedEngagementVersion: the DeviceEngagement's major version is not 1.
	ErrUnsupportedEngagementVersion = errors.New("unsupported device engagement version")
	// ErrUnsupportedCipherSuite: Security names a cipher suite other than 1.
	ErrUnsupportedCipherSuite = errors.New("unsupported cipher suite")
)

// DeviceEngagement map keys, 18013-5 §8.2.1.1 (keys 5 and 6 from the 2nd
// edition, which Apple Wallet sends with version "1.1").
const (
	deKeyVersion                = 0
	deKeySecurity               = 1
	deKeyDeviceRetrievalMethods = 2
	deKeyServerRetrievalMethods = 3
	deKeyProtocolInfo           = 4
	deKeyOriginInfos            = 5
	deKeyCapabilities           = 6
)

// Device retrieval method types, 18013-5 §8.2.2.1.
const (
	RetrievalNFC       = 1
	RetrievalBLE       = 2
	RetrievalWiFiAware = 3
)

// CipherSuite1 is the only cipher suite 18013-5 defines (§9.1.5.2): ECDH on
// the EDeviceKey curve, HKDF-SHA256, AES-256-GCM.
const CipherSuite1 = 1

// DeviceEngagement is 18013-5 §8.2.1.1
//
//	DeviceEngagement = {0: tstr, 1: Security, ? 2: DeviceRetrievalMethods,
//	  ? 3: ServerRetrievalMethods, ? 4: ProtocolInfo, ? 5: OriginInfos,
//	  ? 6: Capabilities, * int => any}
//
// Raw is the engagement exactly as received (QR payload or the NFC
// iso.org:18013:deviceengagement record); the session transcript embeds
// these bytes, never a re-encoding, because a re-encoding drops the keys
// this type does not model and the session keys would no longer match the
// holder's (research §0.3, isomdl PR #131). Every other field is a view of
// Raw.
type DeviceEngagement struct {
	Raw []byte

	Version     string
	CipherSuite int
	// EDeviceKeyBytes is the tag-24 item of the holder's ephemeral key as received.
	EDeviceKeyBytes Tag24
	EDeviceKey      *COSEKey

	// DeviceRetrievalMethods is key 2; NFC engagement omits it (the
	// methods travel in the handover's carrier records instead).
	DeviceRetrievalMethods []RetrievalMethod
	// ServerRetrievalMethods (3), ProtocolInfo (4) and OriginInfos (5) are
	// kept as received; Taimen does not act on them.
	ServerRetrievalMethods cbor.RawMessage
	ProtocolInfo           cbor.RawMessage
	OriginInfos            cbor.RawMessage
	// Capabilities is key 6 (2nd edition); nil when absent.
	Capabilities *Capabilities
}

// RetrievalMethod is one DeviceRetrievalMethod, 18013-5 §8.2.2.1:
// [type, version, RetrievalOptions]. Options keeps the options map as
// received; NFC and BLE are its decoded view for those types. Methods of
// other types (Wi-Fi Aware, or types this code does not know) are kept
// with Options only.
type RetrievalMethod struct {
	Type    uint64
	Version uint64
	Options cbor.RawMessage
	NFC     *NFCOptions
	BLE     *BLEOptions
}

// NFCOptions are the NFC retrieval options, 18013-5 §8.2.2.2.
type NFCOptions struct {
	MaxCommandDataLength  uint64 `cbor:"0,keyasint"`
	MaxResponseDataLength uint64 `cbor:"1,keyasint"`
}

// BLEOptions are the BLE retrieval options, 18013-5 §8.2.2.3. Central
// client mode means the phone is the GATT client and the reader must be
// the peripheral (what Apple, Google and Samsung wallets choose).
type BLEOptions struct {
	PeripheralServerMode    bool
	CentralClientMode       bool
	PeripheralServerUUID    []byte // nil when absent
	CentralClientUUID       []byte
	PeripheralServerAddress []byte
}

// Capabilities is DeviceEngagement key 6 (18013-5 2nd edition). Absent
// entries read as false.
type Capabilities struct {
	HandoverSessionEstablishmentSupport bool `cbor:"2,keyasint,omitempty"`
	ReaderAuthAllSupport                bool `cbor:"3,keyasint,omitempty"`
	ExtendedRequestSupport              bool `cbor:"4,keyasint,omitempty"`
}

// EngagementError says which DeviceEngagement field was wrong. It unwraps to
// the cause: verify.ErrMalformed (and the other verify sentinels),
// ErrUnsupportedEngagementVersion, ErrUnsupportedCipherSuite or
// ErrUnsupportedKey.
type EngagementError struct {
	Field string
	Err   error
}

func (e *EngagementError) Error() string {
	return "mdoc: device engagement: " + e.Field + ": " + e.Err.Error()
}

func (e *EngagementError) Unwrap() error { return e.Err }

func engagementErr(field string, err error) error {
	return &EngagementError{Field: field, Err: err}
}

// deWire is the top-level map. Fields are raw so that each one is checked
// with its own error, and keys this code does not model are ignored here
// and survive in DeviceEngagement.Raw.
type deWire struct {
	Version                cbor.RawMessage `cbor:"0,keyasint"`
	Security               cbor.RawMessage `cbor:"1,keyasint"`
	DeviceRetrievalMethods cbor.RawMessage `cbor:"2,keyasint"`
	ServerRetrievalMethods cbor.RawMessage `cbor:"3,keyasint"`
	ProtocolInfo           cbor.RawMessage `cbor:"4,keyasint"`
	OriginInfos            cbor.RawMessage `cbor:"5,keyasint"`
	Capabilities           cbor.RawMessage `cbor:"6,keyasint"`
}

// securityWire is Security = [cipherSuiteIdentifier, EDeviceKeyBytes].
type securityWire struct {
	_           struct{} `cbor:",toarray"`
	CipherSuite int
	EDeviceKey  Tag24
}

// retrievalWire is DeviceRetrievalMethod = [type, version, options].
type retrievalWire struct {
	_       struct{} `cbor:",toarray"`
	Type    uint64
	Version uint64
	Options cbor.RawMessage
}

// ParseDeviceEngagement parses a DeviceEngagement from untrusted bytes and
// keeps them: the result's Raw is a copy of raw, and [NewReaderSession]
// builds DeviceEngagementBytes from it with NewTag24, never by re-encoding.
func ParseDeviceEngagement(raw []byte) (*DeviceEngagement, error) {
	if len(raw) == 0 || raw[0]>>5 != deMajorMap {
		return nil, engagementErr("top level", fmt.Errorf("not a map: %w", verify.ErrMalformed))
	}
	var w deWire
	if err := verify.Unmarshal(raw, &w); err != nil {
		return nil, engagementErr("top level", err)
	}
	de := &DeviceEngagement{Raw: append([]byte(nil), raw...)}

	if w.Version == nil {
		return nil, engagementErr("version", fmt.Errorf("missing: %w", verify.ErrMalformed))
	}
	if err := verify.Unmarshal(w.Version, &de.Version); err != nil {
		return nil, engagementErr("version", err)
	}
	// Minor versions add optional keys only (§8.2.1.1), so any "1.x" is
	// readable; another major version is not.
	if !strings.HasPrefix(de.Version, "1.") {
		return nil, engagementErr("version", fmt.Errorf("%q: %w", de.Version, ErrUnsupportedEngagementVersion))
	}

	if w.Security == nil {
		return nil, engagementErr("security", fmt.Errorf("missing: %w", verify.ErrMalformed))
	}
	var sec securityWire
	if err := verify.Unmarshal(w.Security, &sec); err != nil {
		return nil, engagementErr("security", err)
	}
	if sec.CipherSuite != CipherSuite1 {
		return nil, engagementErr("security", fmt.Errorf("cipher suite %d: %w", sec.CipherSuite, ErrUnsupportedCipherSuite))
	}
	de.CipherSuite = sec.CipherSuite
	de.EDeviceKeyBytes = sec.EDeviceKey
	key, err := DecodeCOSEKey(sec.EDeviceKey.Inner)
	if err != nil {
		return nil, engagementErr("eDeviceKey", err)
	}
	de.EDeviceKey = key

	if w.DeviceRetrievalMethods != nil {
		ms, err := parseRetrievalMethods(w.DeviceRetrievalMethods)
		if err != nil {
			return nil, engagementErr("deviceRetrievalMethods", err)
		}
		de.DeviceRetrievalMethods = ms
	}
	if w.ServerRetrievalMethods != nil {
		if err := expectCBORMajor(w.ServerRetrievalMethods, deMajorMap); err != nil {
			return nil, engagementErr("serverRetrievalMethods", err)
		}
		de.ServerRetrievalMethods = w.ServerRetrievalMethods
	}
	de.ProtocolInfo = w.ProtocolInfo
	if w.OriginInfos != nil {
		if err := expectCBORMajor(w.OriginInfos, deMajorArray); err != nil {
			return nil, engagementErr("originInfos", err)
		}
		de.OriginInfos = w.OriginInfos
	}
	if w.Capabilities != nil {
		if err := expectCBORMajor(w.Capabilities, deMajorMap); err != nil {
			return nil, engagementErr("capabilities", err)
		}
		var c Capabilities
		if err := verify.Unmarshal(w.Capabilities, &c); err != nil {
			return nil, engagementErr("capabilities", err)
		}
		de.Capabilities = &c
	}
	return de, nil
}

func parseRetrievalMethods(data []byte) ([]RetrievalMethod, error) {
	var items []cbor.RawMessage
	if err := verify.Unmarshal(data, &items); err != nil {
		return nil, err
	}
	// DeviceRetrievalMethods = [+ DeviceRetrievalMethod]
	if len(items) == 0 {
		return nil, fmt.Errorf("empty: %w", verify.ErrMalformed)
	}
	out := make([]RetrievalMethod, 0, len(items))
	for i, it := range items {
		var w retrievalWire
		if err := verify.Unmarshal(it, &w); err != nil {
			return nil, fmt.Errorf("method %d: %w", i, err)
		}
		if err := expectCBORMajor(w.Options, deMajorMap); err != nil {
			return nil, fmt.Errorf("method %d options: %w", i, err)
		}
		m := RetrievalMethod{Type: w.Type, Version: w.Version, Options: w.Options}
		switch w.Type {
		case RetrievalNFC:
			var o NFCOptions
			if err := verify.Unmarshal(w.Options, &o); err != nil {
				return nil, fmt.Errorf("method %d nfc options: %w", i, err)
			}
			m.NFC = &o
		case RetrievalBLE:
			o, err := parseBLEOptions(w.Options)
			if err != nil {
				return nil, fmt.Errorf("method %d ble options: %w", i, err)
			}
			m.BLE = o
		}
		out = append(out, m)
	}
	return out, nil
}

// bleWire keeps the byte-string options raw: fxamacker would also fill a
// []byte from an array of small integers.
type bleWire struct {
	PeripheralServerMode    *bool           `cbor:"0,keyasint"`
	CentralClientMode       *bool           `cbor:"1,keyasint"`
	PeripheralServerUUID    cbor.RawMessage `cbor:"10,keyasint"`
	CentralClientUUID       cbor.RawMessage `cbor:"11,keyasint"`
	PeripheralServerAddress cbor.RawMessage `cbor:"20,keyasint"`
}

// parseBLEOptions enforces §8.2.2.3: both mode flags present, 128-bit
// UUIDs, a 6-byte address.
func parseBLEOptions(data []byte) (*BLEOptions, error) {
	var w bleWire
	if err := verify.Unmarshal(data, &w); err != nil {
		return nil, err
	}
	if w.PeripheralServerMode == nil || w.CentralClientMode == nil {
		return nil, fmt.Errorf("mode flags missing: %w", verify.ErrMalformed)
	}
	o := &BLEOptions{PeripheralServerMode: *w.PeripheralServerMode, CentralClientMode: *w.CentralClientMode}
	for _, f := range []struct {
		raw  cbor.RawMessage
		dst  *[]byte
		size int
	}{
		{w.PeripheralServerUUID, &o.PeripheralServerUUID, 16},
		{w.CentralClientUUID, &o.CentralClientUUID, 16},
		{w.PeripheralServerAddress, &o.PeripheralServerAddress, 6},
	} {
		if f.raw == nil {
			continue
		}
		b, err := decodeBstr(f.raw)
		if err != nil {
			return nil, err
		}
		if len(b) != f.size {
			return nil, fmt.Errorf("%d bytes where %d belong: %w", len(b), f.size, verify.ErrMalformed)
		}
		*f.dst = b
	}
	return o, nil
}

// BLE returns the first BLE retrieval method of a QR engagement, or nil.
func (de *DeviceEngagement) BLE() *BLEOptions {
	for _, m := range de.DeviceRetrievalMethods {
		if m.BLE != nil {
			return m.BLE
		}
	}
	return nil
}

// Bytes returns DeviceEngagementBytes = #6.24(bstr .cbor DeviceEngagement)
// around the received bytes (18013-5 §9.1.5.1).
func (de *DeviceEngagement) Bytes() (Tag24, error) { return NewTag24(de.Raw) }

// CBOR major types checked before decoding into Go types that would
// accept several (a []byte field also takes an array of small ints).
const (
	deMajorBytes = 2
	deMajorArray = 4
	deMajorMap   = 5
)

func expectCBORMajor(item []byte, major byte) error {
	if len(item) == 0 || item[0]>>5 != major {
		return fmt.Errorf("unexpected cbor type: %w", verify.ErrMalformed)
	}
	return nil
}
