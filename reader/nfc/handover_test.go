package nfc

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// Minted test material: a fake DeviceEngagement (these tests never decode
// it), and carrier records as wallets build them.
var (
	mintDE  = []byte{0xa2, 0x00, 0x63, '1', '.', '0', 0x01, 0x80} // {0:"1.0", 1:[]}
	mintBLE = Record{TNF: TNFMedia, Type: []byte(TypeBLEOOB), ID: []byte("0"),
		Payload: append([]byte{2, 0x1c, 0x00, 17, 0x07}, UUID{15: 0xee, 0: 0x11}.appendLE(nil)...)}
	mintNFC = Record{TNF: TNFExternal, Type: []byte(TypeNFCCarrier), ID: []byte("nfc"),
		Payload: []byte{0x01, 0x03, 0x01, 0x01, 0x00, 0x04, 0x02, 0x01, 0x00, 0x00}}
)

func deRecord(de []byte) Record {
	return Record{TNF: TNFExternal, Type: []byte(TypeDeviceEngagement), ID: []byte("mdoc"), Payload: de}
}

// mintHs builds a Handover Select with one active ac per carrier (aux ref
// "mdoc"), the carriers and the DeviceEngagement record, in that order.
func mintHs(de []byte, carriers ...Record) []byte {
	var acs []Record
	for _, c := range carriers {
		p := append([]byte{1, byte(len(c.ID))}, c.ID...)
		p = append(p, 1, 4, 'm', 'd', 'o', 'c')
		acs = append(acs, Record{TNF: TNFWellKnown, Type: []byte("ac"), Payload: p})
	}
	recs := []Record{{TNF: TNFWellKnown, Type: []byte("Hs"), Payload: append([]byte{0x15}, EncodeMessage(acs...)...)}}
	recs = append(recs, carriers...)
	if de != nil {
		recs = append(recs, deRecord(de))
	}
	return EncodeMessage(recs...)
}

func TestParseHandoverSelect(t *testing.T) {
	hs := mintHs(mintDE, mintBLE, mintNFC)
	sel, err := ParseHandoverSelect(hs)
	if err != nil {
		t.Fatal(err)
	}
	if sel.Version != 0x15 || len(sel.Carriers) != 2 || !bytes.Equal(sel.DeviceEngagement, mintDE) {
		t.Fatalf("ParseHandoverSelect = %+v", sel)
	}
	c := sel.Carriers[1]
	if string(c.Ref) != "nfc" || c.PowerState != PowerActive || len(c.AuxRefs) != 1 || string(c.AuxRefs[0]) != "mdoc" || !c.Record.Is(TNFExternal, TypeNFCCarrier) {
		t.Fatalf("carrier = %+v", c)
	}

	// Records in another order parse the same.
	swapped := EncodeMessage(deRecord(mintDE), Record{TNF: TNFWellKnown, Type: []byte("Hs"), Payload: sel.Message[0].Payload}, mintNFC, mintBLE)
	if sel2, err := ParseHandoverSelect(swapped); err != nil || len(sel2.Carriers) != 2 || !bytes.Equal(sel2.DeviceEngagement, mintDE) {
		t.Fatalf("swapped order: %+v, %v", sel2, err)
	}
}

func TestParseHandoverSelectErrors(t *testing.T) {
	hsRec := func(payload []byte) Record { return Record{TNF: TNFWellKnown, Type: []byte("Hs"), Payload: payload} }
	ac := func(p string) []byte {
		return EncodeMessage(Record{TNF: TNFWellKnown, Type: []byte("ac"), Payload: []byte(p)})
	}
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"not ndef", []byte{0xd1}, ErrMalformedNDEF},
		{"no hs record", EncodeMessage(mintBLE, deRecord(mintDE)), ErrNoHandover},
		{"hr instead of hs", EncodeMessage(Record{TNF: TNFWellKnown, Type: []byte("Hr"), Payload: []byte{0x15}}, mintBLE), ErrNoHandover},
		{"empty hs payload", EncodeMessage(hsRec(nil), mintBLE, deRecord(mintDE)), ErrMalformedHandover},
		{"hs version 2.0", EncodeMessage(hsRec([]byte{0x20}), mintBLE, deRecord(mintDE)), ErrMalformedHandover},
		{"embedded message broken", EncodeMessage(hsRec([]byte{0x15, 0xd1, 0x02}), mintBLE, deRecord(mintDE)), ErrMalformedHandover},
		{"no ac", EncodeMessage(hsRec([]byte{0x15}), mintBLE, deRecord(mintDE)), ErrNoCarrier},
		{"ac truncated", EncodeMessage(hsRec(append([]byte{0x15}, ac("\x01\x05\x30")...)), mintBLE, deRecord(mintDE)), ErrMalformedHandover},
		{"ac with empty reference", EncodeMessage(hsRec(append([]byte{0x15}, ac("\x01\x00\x00")...)), mintBLE, deRecord(mintDE)), ErrMalformedHandover},
		{"ac aux reference truncated", EncodeMessage(hsRec(append([]byte{0x15}, ac("\x01\x010\x01\x04md")...)), mintBLE, deRecord(mintDE)), ErrMalformedHandover},
		{"ac points at nothing", EncodeMessage(hsRec(append([]byte{0x15}, ac("\x01\x01Z\x00")...)), mintBLE, deRecord(mintDE)), ErrMalformedHandover},
		{"no device engagement", mintHs(nil, mintBLE), ErrNoEngagement},
		{"device engagement with another id", EncodeMessage(hsRec(append([]byte{0x15}, ac("\x01\x010\x00")...)), mintBLE,
			Record{TNF: TNFExternal, Type: []byte(TypeDeviceEngagement), ID: []byte("x"), Payload: mintDE}), ErrNoEngagement},
		{"empty device engagement", mintHs([]byte{}, mintBLE), ErrNoEngagement},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if sel, err := ParseHandoverSelect(tt.in); !errors.Is(err, tt.want) {
				t.Fatalf("ParseHandoverSelect = %+v, %v; want %v", sel, err, tt.want)
			}
		})
	}
}

func TestParseBLEOOB(t *testing.T) {
	u := UUID{0: 0x11, 15: 0xee}
	uLE := u.appendLE(nil)
	tests := []struct {
		name      string
		in        []byte
		role      byte
		modes     BLEMode
		preferred BLEMode
		uuid      UUIDSource
		addr      string
		random    bool
	}{
		{"apple: role only", unhex(t, "021c01"), 1, BLECentralClient, BLECentralClient, UUIDNone, "", false},
		{"peripheral server with uuid", append(unhex(t, "021c00 1107"), uLE...), 0, BLEPeripheralServer, BLEPeripheralServer, UUIDFromHs, "", false},
		{"both, peripheral preferred; uuid first", append(append(unhex(t, "1106"), uLE...), unhex(t, "021c02")...), 2, BLECentralClient | BLEPeripheralServer, BLEPeripheralServer, UUIDFromHs, "", false},
		{"both, central preferred; two uuids", append(append(unhex(t, "021c03 2107"), uLE...), make([]byte, 16)...), 3, BLECentralClient | BLEPeripheralServer, BLECentralClient, UUIDFromHs, "", false},
		{"random address, samsung extras, 16-bit list", unhex(t, "081b 060504030201 01 021c01 03190040 0303 0a18 0509 41424344"), 1, BLECentralClient, BLECentralClient, UUIDNone, "010203040506", true},
		{"public address without type", unhex(t, "071b 060504030201 021c01"), 1, BLECentralClient, BLECentralClient, UUIDNone, "010203040506", false},
		{"zero length ends the data", unhex(t, "021c01 00 ffff"), 1, BLECentralClient, BLECentralClient, UUIDNone, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseBLEOOB(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if m.LERole != tt.role || m.Modes != tt.modes || m.Preferred != tt.preferred || m.UUIDFrom != tt.uuid || m.AddressRandom != tt.random {
				t.Fatalf("ParseBLEOOB = %+v", m)
			}
			if tt.uuid == UUIDFromHs && m.UUID != u {
				t.Fatalf("uuid %v, want %v", m.UUID, u)
			}
			if got := hexOf(m.Address); got != tt.addr {
				t.Fatalf("address %s, want %s", got, tt.addr)
			}
			if !bytes.Equal(m.OOB, tt.in) {
				t.Fatal("raw payload not kept")
			}
		})
	}
}

func TestParseBLEOOBErrors(t *testing.T) {
	for _, in := range []string{
		"",                     // no role
		"0319ffff",             // no role, other data
		"021c04",               // reserved role
		"031c0101",             // role of 2 bytes
		"021c01 021c01",        // role twice
		"021c01 0507 0000",     // uuid list not a multiple of 16
		"021c01 0107",          // empty uuid list
		"021c01 051b 01020304", // short address
		"021c01 09",            // ad structure past the end
	} {
		if m, err := ParseBLEOOB(unhex(t, in)); !errors.Is(err, ErrMalformedHandover) {
			t.Errorf("ParseBLEOOB(%s) = %+v, %v; want ErrMalformedHandover", in, m, err)
		}
	}
}

func TestParseNFCCarrier(t *testing.T) {
	tests := []struct {
		in       string
		cmd, rsp int
	}{
		{"01 0201ff 0302ffff", 255, 65535},
		{"01 0302ffff 0201ff", 255, 65535},        // any order
		{"01 03010100 04020100 00", 256, 65536},   // 3-byte value
		{"01 0201ff 020399 0302ffff", 255, 65535}, // unknown type skipped
		{"01 03010100 0402010000 ", 256, 65536},
	}
	for _, tt := range tests {
		m, err := ParseNFCCarrier(unhex(t, tt.in))
		if err != nil || m.MaxCommand != tt.cmd || m.MaxResponse != tt.rsp {
			t.Errorf("ParseNFCCarrier(%s) = %+v, %v", tt.in, m, err)
		}
	}
	for _, in := range []string{
		"",                         // no version
		"02 0201ff 0302ffff",       // version 2
		"01",                       // version only (what crashes Google Wallet as a reader input)
		"01 0201ff",                // no response length
		"01 0101 0302ffff",         // command length without value
		"01 050100000000 0302ffff", // command length of 4 value bytes
		"01 0201",                  // element past the end
		"01 00",                    // empty element
		"01 01ff 02ffff",           // isomdl layout: no type bytes
	} {
		if m, err := ParseNFCCarrier(unhex(t, in)); !errors.Is(err, ErrMalformedHandover) {
			t.Errorf("ParseNFCCarrier(%s) = %+v, %v; want ErrMalformedHandover", in, m, err)
		}
	}
}

func TestServiceParameter(t *testing.T) {
	p, err := ParseServiceParameter(unhex(t, "10 13 75726e3a6e66633a736e3a68616e646f766572 00 14 0f 0800"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Version != 0x10 || p.URI != HandoverService || p.WT != 0x14 || p.NWait != 15 || p.MaxNDEF != 0x800 || p.Wait() != 16*time.Millisecond {
		t.Fatalf("ParseServiceParameter = %+v, wait %v", p, p.Wait())
	}
	for wt, want := range map[byte]time.Duration{0x00: 500 * time.Microsecond, 0x04: time.Millisecond, 0x10: 8 * time.Millisecond, 0x3f: 27554494 * time.Microsecond} {
		if got := (ServiceParameter{WT: wt}).Wait(); got.Round(time.Microsecond) != want {
			t.Errorf("Wait(WT=%#x) = %v, want %v", wt, got, want)
		}
	}
	for _, in := range []string{"", "10", "10 05 75726e", "10 01 75 00 14 0f 08", "10 01 75 00 14 0f 0800 00"} {
		if _, err := ParseServiceParameter(unhex(t, in)); !errors.Is(err, ErrMalformedNDEF) {
			t.Errorf("ParseServiceParameter(%s) = %v", in, err)
		}
	}
}

type fixedReader byte

func (f fixedReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(f)
	}
	return len(p), nil
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("no entropy") }

func TestBuildHandoverRequest(t *testing.T) {
	// The default: cr, BLE central client mode only (LE role 00), our UUID.
	hr, err := BuildHandoverRequest(Options{BLEUUID: fixedUUID, Rand: fixedReader(0x42)})
	if err != nil {
		t.Fatal(err)
	}
	want := EncodeMessage(
		Record{TNF: TNFWellKnown, Type: []byte("Hr"), Payload: append([]byte{0x15}, unhex(t, "91 02 02 6372 4242  51 02 04 6163 01 01 30 00")...)},
		Record{TNF: TNFMedia, Type: []byte(TypeBLEOOB), ID: []byte("0"), Payload: append(unhex(t, "021c00 1107"), fixedUUID.appendLE(nil)...)},
	)
	if !bytes.Equal(hr.Message, want) || hr.UUID != fixedUUID {
		t.Fatalf("hr = %x\nwant %x", hr.Message, want)
	}

	// Random UUID (version 4) when none is injected; peripheral server only
	// sends LE role 01; NFC only has no BLE record.
	hr, err = BuildHandoverRequest(Options{BLEModes: BLEPeripheralServer, Rand: fixedReader(0xff)})
	if err != nil {
		t.Fatal(err)
	}
	if hr.UUID.String() != "ffffffff-ffff-4fff-bfff-ffffffffffff" {
		t.Fatalf("uuid %v", hr.UUID)
	}
	m, err := ParseMessage(hr.Message)
	if err != nil {
		t.Fatal(err)
	}
	if ble, ok := m.Find(TNFMedia, TypeBLEOOB, []byte("0")); !ok || ble.Payload[2] != 0x01 {
		t.Fatalf("ble record %+v", ble)
	}
	hr, err = BuildHandoverRequest(Options{NoBLE: true, OfferNFC: true, NFCMaxCommand: 0x1000, NFCMaxResponse: 0x10000, OmitCollisionResolution: true})
	if err != nil {
		t.Fatal(err)
	}
	if m, err = ParseMessage(hr.Message); err != nil {
		t.Fatal(err)
	}
	nfc, ok := m.Find(TNFExternal, TypeNFCCarrier, []byte("nfc"))
	if _, bleOK := m.Find(TNFMedia, TypeBLEOOB, nil); !ok || bleOK || !hr.UUID.IsZero() {
		t.Fatalf("nfc-only hr %x", hr.Message)
	}
	if got, err := ParseNFCCarrier(nfc.Payload); err != nil || got.MaxCommand != 0x1000 || got.MaxResponse != 0x10000 {
		t.Fatalf("nfc carrier %x: %+v %v", nfc.Payload, got, err)
	}

	for name, o := range map[string]Options{
		"nothing offered":       {NoBLE: true},
		"unknown ble mode":      {BLEModes: 4},
		"nfc command too low":   {OfferNFC: true, NFCMaxCommand: 100},
		"nfc response too high": {OfferNFC: true, NFCMaxResponse: 0x10001},
		"rand fails":            {Rand: failingReader{}},
		"rand fails for uuid":   {Rand: failingReader{}, OmitCollisionResolution: true},
		"read length":           {MaxReadLen: 0x10000},
	} {
		if _, err := BuildHandoverRequest(o); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("%s: err = %v, want ErrInvalidOptions", name, err)
		}
		if _, err := NewEngagement(o); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("%s: NewEngagement err = %v, want ErrInvalidOptions", name, err)
		}
	}
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}
