package wallet

import (
	"bytes"
	"context"
	"testing"

	"taimen/reader"
	"taimen/reader/nfc"
	"taimen/verify/mdoc"
)

func TestEngageWithReader(t *testing.T) {
	tests := []struct {
		name     string
		opts     Options
		kind     nfc.HandoverKind
		cc       string
		notReady int
	}{
		{"static nfc", Options{Handover: Static}, nfc.Static, "000f207fff7fff0406e1047fff00ff", 0},
		{"static ble", Options{Handover: Static, Transfer: TransferBLE}, nfc.Static, "000f207fff7fff0406e1047fff00ff", 0},
		{"negotiated nfc", Options{Handover: Negotiated}, nfc.Negotiated, "000f207fff7fff0406e1047fff0000", 0},
		{"negotiated ble", Options{Handover: Negotiated, Transfer: TransferBLE}, nfc.Negotiated, "000f207fff7fff0406e1047fff0000", 0},
		{"negotiated nfc not ready twice", Options{Handover: Negotiated, NotReady: 2}, nfc.Negotiated, "000f207fff7fff0406e1047fff0000", 2},
		{"apple nfc", Options{Handover: Apple}, nfc.Negotiated, "000f20040004000406e10408020000", 3},
		{"apple ble", Options{Handover: Apple, Transfer: TransferBLE}, nfc.Negotiated, "000f20040004000406e10408020000", 3},
		{"apple ble ready at once", Options{Handover: Apple, Transfer: TransferBLE, NotReady: -1}, nfc.Negotiated, "000f20040004000406e10408020000", 0},
		{"apple nfc five not ready", Options{Handover: Apple, NotReady: 5}, nfc.Negotiated, "000f20040004000406e10408020000", 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWallet(t, tt.opts)
			l := &logged{w: w}
			ropts := readerOpts(t.Name())
			// The same seed makes the same Hr as the one Engage writes.
			e, err := nfc.NewEngagement(readerOpts(t.Name()))
			if err != nil {
				t.Fatal(err)
			}
			res := engage(t, l.card(reader.Options{}), ropts)
			got, ok := w.LastEngagement()
			if !ok {
				t.Fatal("wallet reports no engagement after the reader finished")
			}
			if res.Handover != tt.kind {
				t.Errorf("handover = %v, want %v", res.Handover, tt.kind)
			}
			if !bytes.Equal(res.Hs, got.Hs) || !bytes.Equal(res.DeviceEngagement, got.DeviceEngagement) {
				t.Errorf("reader read other Hs or DE than the wallet served")
			}
			if tt.kind == nfc.Static && (res.Hr != nil || got.Hr != nil) {
				t.Errorf("static handover with an Hr")
			}
			if tt.kind == nfc.Negotiated && (!bytes.Equal(res.Hr, got.Hr) || !bytes.Equal(res.Hr, e.HandoverRequest().Message)) {
				t.Errorf("Hr: reader %x, wallet %x", res.Hr, got.Hr)
			}
			if hexs(res.CC.Raw) != tt.cc {
				t.Errorf("CC = %x, want %s", res.CC.Raw, tt.cc)
			}
			// The DE decodes with the reader's parser, EDeviceKey included.
			de, err := mdoc.ParseDeviceEngagement(res.DeviceEngagement)
			if err != nil {
				t.Fatalf("DE: %v", err)
			}
			pub, err := de.EDeviceKey.ECDH()
			if err != nil || !pub.Equal(got.EDeviceKey) {
				t.Errorf("EDeviceKey in the DE is not the wallet's: %v", err)
			}
			if len(de.DeviceRetrievalMethods) != 0 {
				t.Errorf("NFC engagement DE lists retrieval methods")
			}
			wantVersion := "1.0"
			if tt.opts.Handover == Apple {
				wantVersion = "1.1"
				if de.Capabilities == nil || !de.Capabilities.ReaderAuthAllSupport || !de.Capabilities.ExtendedRequestSupport || de.Capabilities.HandoverSessionEstablishmentSupport {
					t.Errorf("apple capabilities = %+v", de.Capabilities)
				}
				if string(de.OriginInfos) != "\x80" {
					t.Errorf("apple OriginInfos = %x, want 80", de.OriginInfos)
				}
			} else if de.Capabilities != nil || de.OriginInfos != nil {
				t.Errorf("non-apple DE has keys 5/6")
			}
			if de.Version != wantVersion {
				t.Errorf("DE version %q, want %q", de.Version, wantVersion)
			}
			switch tt.opts.Transfer {
			case TransferNFC:
				if res.NFC == nil || res.BLE != nil {
					t.Fatalf("methods: nfc %v ble %v, want nfc only", res.NFC, res.BLE)
				}
				if res.NFC.MaxCommand != 0xFFFF || res.NFC.MaxResponse != 0x10000 {
					t.Errorf("nfc lengths %d %d", res.NFC.MaxCommand, res.NFC.MaxResponse)
				}
			case TransferBLE:
				if res.BLE == nil || res.NFC != nil {
					t.Fatalf("methods: nfc %v ble %v, want ble only", res.NFC, res.BLE)
				}
				if res.BLE.LERole != 0x01 || res.BLE.Modes != nfc.BLECentralClient {
					t.Errorf("ble role %02x modes %v", res.BLE.LERole, res.BLE.Modes)
				}
				if tt.kind == nfc.Static {
					if res.BLE.UUIDFrom != nfc.UUIDFromHs || got.BLEUUID == nil || res.BLE.UUID != *got.BLEUUID {
						t.Errorf("static ble uuid %v from %v, wallet %v", res.BLE.UUID, res.BLE.UUIDFrom, got.BLEUUID)
					}
				} else if res.BLE.UUIDFrom != nfc.UUIDFromHr || res.BLE.UUID != e.HandoverRequest().UUID || got.BLEUUID == nil || *got.BLEUUID != res.BLE.UUID {
					t.Errorf("negotiated ble uuid from %v, wallet %v; want the reader's own", res.BLE.UUIDFrom, got.BLEUUID)
				}
				if bytes.Contains(res.Hs, le(res.BLE.UUID)) != (tt.kind == nfc.Static) {
					t.Errorf("uuid in the Hs: %v, want only for static handover", !bytes.Contains(res.Hs, le(res.BLE.UUID)))
				}
			}
			// NLEN = 0 replies: the reads of NLEN after the Hr write.
			zeros := 0
			for _, r := range l.responses([]byte{0x00, 0xB0, 0x00, 0x00, 0x02}) {
				if bytes.Equal(r, []byte{0, 0, 0x90, 0x00}) {
					zeros++
				}
			}
			if zeros != tt.notReady {
				t.Errorf("%d NLEN = 0 replies, want %d", zeros, tt.notReady)
			}
		})
	}
}

func hexs(b []byte) string { return fmtHex(b) }

func fmtHex(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&0x0F])
	}
	return string(out)
}

// TestLayoutsMatchRecordings compares what the wallet serves with the
// recorded wallets, byte for byte, after putting the recording's key (and
// UUID) in place of the wallet's fresh ones.
func TestLayoutsMatchRecordings(t *testing.T) {
	tests := []struct {
		dir     string
		opts    Options
		initial bool // compare the Tp message
	}{
		{"apple-wallet", Options{Handover: Apple, Transfer: TransferBLE}, true},
		{"multipaz-negotiated", Options{Handover: Negotiated, Transfer: TransferBLE}, true},
		{"multipaz-static", Options{Handover: Static, Transfer: TransferBLE}, false},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			w := newWallet(t, tt.opts)
			l := &logged{w: w}
			res := engage(t, l.card(reader.Options{}), readerOpts(t.Name()))
			if want := vector(t, tt.dir, "cc.bin"); !bytes.Equal(res.CC.Raw, want) {
				t.Errorf("CC %x, recording %x", res.CC.Raw, want)
			}
			if tt.initial {
				if got, want := res.Service.RawPayload, vector(t, tt.dir, "initial-ndef.bin"); !bytes.HasSuffix(want, got) || len(want) != len(got)+5 {
					t.Errorf("Tp payload %x, recording message %x", got, want)
				}
				te := vector(t, tt.dir, "te.bin")
				found := false
				for _, r := range l.responses([]byte{0x00, 0xB0, 0x00, 0x02}) {
					found = found || bytes.Equal(r[:len(r)-2], te)
				}
				if !found {
					t.Errorf("no read returned the recorded Te %x", te)
				}
			}
			want := vector(t, tt.dir, "hs.bin")
			rec, err := nfc.ParseHandoverSelect(want)
			if err != nil {
				t.Fatal(err)
			}
			recDE, _ := mdoc.ParseDeviceEngagement(rec.DeviceEngagement)
			ourDE, _ := mdoc.ParseDeviceEngagement(res.DeviceEngagement)
			got := bytes.Replace(res.Hs, ourDE.EDeviceKey.X, recDE.EDeviceKey.X, 1)
			got = bytes.Replace(got, ourDE.EDeviceKey.Y, recDE.EDeviceKey.Y, 1)
			if res.BLE.UUIDFrom == nfc.UUIDFromHs {
				recBLE, err := nfc.ParseBLEOOB(rec.Carriers[0].Record.Payload)
				if err != nil {
					t.Fatal(err)
				}
				got = bytes.Replace(got, le(res.BLE.UUID), le(recBLE.UUID), 1)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Hs differs from the recording beyond key and uuid:\n got  %x\n want %x", got, want)
			}
		})
	}
}

func le(u nfc.UUID) []byte {
	out := make([]byte, 16)
	for i := range out {
		out[i] = u[15-i]
	}
	return out
}

// TestAppleNotReadyReplies checks the NLEN = 0 phase at the APDU level:
// NLEN reads answer 0000, a data read meanwhile gets eight zero bytes, and
// the Hs appears after the configured count.
func TestAppleNotReadyReplies(t *testing.T) {
	w := newWallet(t, Options{Handover: Apple, Transfer: TransferBLE})
	ex := [][2]string{
		{"00a4040007d276000085010100", "9000"},
		{"00a4000c02e103", "9000"},
		{"00b000000f", "000f20040004000406e104080200009000"},
		{"00a4000c02e104", "9000"},
		{"00b0000002", "001f9000"},
		{"00b000021f", "d1021a5470101375726e3a6e66633a736e3a68616e646f76657200140f08009000"},
		{"00d600001b0019d1021454731375726e3a6e66633a736e3a68616e646f766572", "9000"},
		{"00b0000002", "00069000"},
		{"00b0000206", "d102015465009000"},
	}
	for i, x := range ex {
		if got := hexs(w.APDU(unhex(t, x[0]))); got != x[1] {
			t.Fatalf("step %d %s: got %s, want %s", i, x[0], got, x[1])
		}
	}
	ropts := readerOpts("apple")
	hr, err := nfc.BuildHandoverRequest(ropts)
	if err != nil {
		t.Fatal(err)
	}
	write := append([]byte{0x00, 0xD6, 0x00, 0x00, byte(len(hr.Message) + 2), 0x00, byte(len(hr.Message))}, hr.Message...)
	if got := hexs(w.APDU(write)); got != "9000" {
		t.Fatalf("Hr write: %s", got)
	}
	for i := range 3 {
		if got := hexs(w.APDU(unhex(t, "00b0000210"))); got != "00000000000000009000" {
			t.Fatalf("data read while not ready: %s", got)
		}
		if got := hexs(w.APDU(unhex(t, "00b0000002"))); got != "00009000" {
			t.Fatalf("not-ready read %d: %s", i, got)
		}
	}
	r := w.APDU(unhex(t, "00b0000002"))
	if hexs(r) != "00c29000" {
		t.Fatalf("NLEN after the not-ready replies: %x, want 00c2 (194 bytes as Apple)", r)
	}
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b := make([]byte, len(s)/2)
	for i := range b {
		var v byte
		for _, c := range s[2*i : 2*i+2] {
			v <<= 4
			switch {
			case c >= '0' && c <= '9':
				v |= byte(c - '0')
			case c >= 'a' && c <= 'f':
				v |= byte(c - 'a' + 10)
			default:
				t.Fatalf("bad hex %q", s)
			}
		}
		b[i] = v
	}
	return b
}

func TestFreshKeyPerEngagement(t *testing.T) {
	for _, h := range []Handover{Static, Negotiated, Apple} {
		t.Run(h.String(), func(t *testing.T) {
			w := newWallet(t, Options{Handover: h, NotReady: -1})
			card := w.Card(reader.Options{})
			first := engage(t, card, readerOpts("1"))
			// A reader that selects again in the same field sees the same key.
			again := engage(t, card, readerOpts("1"))
			if !bytes.Equal(first.DeviceEngagement, again.DeviceEngagement) {
				t.Errorf("re-select in the same field changed the DeviceEngagement")
			}
			w.Reset() // the phone leaves the field and comes back
			second := engage(t, card, readerOpts("2"))
			if bytes.Equal(first.DeviceEngagement, second.DeviceEngagement) {
				t.Fatal("a new tap reused the DeviceEngagement")
			}
			d1, _ := mdoc.ParseDeviceEngagement(first.DeviceEngagement)
			d2, _ := mdoc.ParseDeviceEngagement(second.DeviceEngagement)
			if bytes.Equal(d1.EDeviceKey.X, d2.EDeviceKey.X) {
				t.Error("a new tap reused the EDeviceKey")
			}
			w.Power(false)
			w.Power(true)
			third := engage(t, card, readerOpts("3"))
			if bytes.Equal(third.DeviceEngagement, second.DeviceEngagement) {
				t.Error("power cycle reused the DeviceEngagement")
			}
		})
	}
}

func TestNoCommonCarrier(t *testing.T) {
	// The reader offers BLE only; the wallet wants NFC.
	w := newWallet(t, Options{Handover: Negotiated})
	card := w.Card(reader.Options{})
	opts := readerOpts(t.Name())
	opts.OfferNFC = false
	_, err := nfc.Engage(context.Background(), card, opts)
	if !is(err, nfc.ErrNoCarrier) {
		t.Fatalf("Engage = %v, want ErrNoCarrier", err)
	}
	r, _ := card.Transmit(context.Background(), reader.Command{INS: 0xA4, P1: 0x04, Data: mdocAID})
	if r.SW != swNotFound {
		t.Fatalf("SELECT mdoc after a failed handover = %04x, want 6a82", r.SW)
	}
	if _, _, err := w.Message([]byte{0xa0}); !is(err, ErrNotEngaged) {
		t.Fatalf("Message = %v, want ErrNotEngaged", err)
	}
}

func TestChunkedReadsAndWrites(t *testing.T) {
	// Small reads and writes: the reader must chunk by MaxReadLen and
	// MaxWriteLen, the wallet must serve offsets and assemble the Hr.
	for _, h := range []Handover{Static, Negotiated, Apple} {
		t.Run(h.String(), func(t *testing.T) {
			w := newWallet(t, Options{Handover: h})
			opts := readerOpts(t.Name())
			opts.MaxReadLen, opts.MaxWriteLen = 16, 20
			res := engage(t, w.Card(reader.Options{}), opts)
			got, _ := w.LastEngagement()
			if !bytes.Equal(res.Hs, got.Hs) || (h != Static && !bytes.Equal(res.Hr, got.Hr)) {
				t.Fatal("chunked exchange lost bytes")
			}
		})
	}
}
