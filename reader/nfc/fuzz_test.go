package nfc

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"taimen/reader"
	"taimen/reader/nfc/nfctest"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite the minted fuzz seed corpora in testdata/fuzz")

var fuzzTargets = []string{"FuzzParseNDEF", "FuzzParseCC", "FuzzEngagement"}

// The seed corpora in testdata/fuzz/<target>/ are minted from the in-memory
// tag (never copied from the public recordings, which the targets add at run
// time instead). go test runs them as ordinary tests; this guards against an
// empty corpus silently seeding nothing. -update-seeds rewrites them.
func TestFuzzSeedCorpora(t *testing.T) {
	if *updateSeeds {
		writeSeeds(t)
	}
	for _, target := range fuzzTargets {
		entries, err := os.ReadDir(filepath.Join("testdata", "fuzz", target))
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) < 3 {
			t.Errorf("%s: %d seeds, want at least 3", target, len(entries))
		}
	}
}

func writeSeeds(t *testing.T) {
	bigDE := append([]byte{0x59, 0x01, 0x2d}, bytes.Repeat([]byte{0x33}, 301)...)
	hsStatic := mintHs(mintDE, mintBLE, mintNFC)
	hsBig := mintHs(bigDE, mintBLE)
	hsNeg := mintHs(mintDE, bleNoUUID)
	tp := tpMessage(0x10, HandoverService, 0x14, 0x800)
	hr, err := BuildHandoverRequest(Options{BLEUUID: fixedUUID, Rand: fixedReader(1), OfferNFC: true, ReaderEngagement: ReaderEngagement10})
	if err != nil {
		t.Fatal(err)
	}
	ndef := map[string][]byte{
		"static-hs":     hsStatic,
		"negotiated-hs": hsNeg,
		"tp":            tp,
		"te":            {0xd1, 0x02, 0x01, 'T', 'e', 0x00},
		"ts":            ServiceSelect(HandoverService),
		"hr":            hr.Message,
		"long-record":   hsBig,
		"other-carrier": mintHs(mintDE, Record{TNF: TNFMedia, Type: []byte("application/vnd.wfa.nan"), ID: []byte("W"), Payload: []byte{1}}),
	}
	for name, b := range ndef {
		writeSeed(t, "FuzzParseNDEF", name, fmt.Sprintf("[]byte(%q)\n", b))
	}
	for name, b := range map[string][]byte{
		"apple-like":  nfctest.CC(0x400, 0x400, 0x802, true),
		"read-only":   nfctest.CC(0x7fff, 0x7fff, 0x7fff, false),
		"small-mle":   nfctest.CC(0x0f, 1, 5, true),
		"bad-size":    nfctest.CC(0x7fff, 0x7fff, 0x8000, true),
		"short":       nfctest.CC(0x7fff, 0x7fff, 0x7fff, true)[:14],
		"extra-bytes": append(nfctest.CC(0xff, 0xff, 0xff, true), 1, 2, 3),
	} {
		writeSeed(t, "FuzzParseCC", name, fmt.Sprintf("[]byte(%q)\n", b))
	}
	locked := nfctest.Static(hsStatic)
	locked.Locked = true
	small := nfctest.Static(hsBig)
	small.CC = nfctest.CC(100, 100, 0x7fff, false)
	for name, run := range map[string]struct {
		opts byte
		tag  *nfctest.Tag
	}{
		"static":          {0, nfctest.Static(hsStatic)},
		"static-chunked":  {1, small},
		"negotiated":      {1, nfctest.Negotiated(tp, func([]byte) []byte { return hsNeg }, 3)},
		"negotiated-both": {2, nfctest.Negotiated(tp, func([]byte) []byte { return hsStatic }, 0)},
		"locked":          {0, locked},
		"empty":           {0x10, nfctest.Static(nil)},
	} {
		script := recordScript(t, run.tag, fuzzOptions(run.opts))
		writeSeed(t, "FuzzEngagement", name, fmt.Sprintf("byte(%q)\n[]byte(%q)\n", run.opts, script))
	}
}

func writeSeed(t *testing.T, target, name, body string) {
	dir := filepath.Join("testdata", "fuzz", target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte("go test fuzz v1\n"+body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// recordScript runs an engagement against tag and returns the tag's
// responses as a fuzz script: each response prefixed by its 2-byte length.
func recordScript(t *testing.T, tag *nfctest.Tag, o Options) []byte {
	var script []byte
	card := reader.NewTransceiver(func(apdu []byte) ([]byte, error) {
		r, err := tag.Transmit(apdu)
		script = binary.BigEndian.AppendUint16(script, uint16(len(r)))
		script = append(script, r...)
		return r, err
	}, reader.Options{})
	e, err := NewEngagement(o)
	if err != nil {
		t.Fatal(err)
	}
	drive(t, e, card)
	return script
}

// fuzzOptions maps one byte to engagement options.
func fuzzOptions(b byte) Options {
	o := Options{BLEUUID: fixedUUID, Rand: fixedReader(b), OfferNFC: b&1 != 0, MaxNotReadyPolls: 1 + int(b>>4)}
	if b&2 != 0 {
		o.BLEModes = BLECentralClient | BLEPeripheralServer
	}
	if b&4 != 0 {
		o.MaxReadLen = 16
	}
	if b&8 != 0 {
		o.MaxWriteLen = 16
	}
	return o
}

// addVectors seeds f with the public recordings, read at run time.
func addVectors(f *testing.F, files ...string) {
	for _, w := range []string{"apple-wallet", "google-wallet", "samsung-wallet", "multipaz-static", "multipaz-negotiated"} {
		for _, name := range files {
			if b, err := os.ReadFile(filepath.Join(vectorDir(f), w, name)); err == nil {
				f.Add(b)
			}
		}
	}
}

func FuzzParseNDEF(f *testing.F) {
	addVectors(f, "hs.bin", "initial-ndef.bin", "ts.bin", "te.bin", "hr-uuid-zeroed.bin")
	f.Fuzz(func(t *testing.T, b []byte) {
		if sel, err := ParseHandoverSelect(b); err == nil {
			if len(sel.Carriers) == 0 || len(sel.DeviceEngagement) == 0 || !within(sel.DeviceEngagement, b) {
				t.Fatalf("handover select %+v from %x", sel, b)
			}
		}
		m, err := ParseMessage(b)
		if err != nil {
			return
		}
		var raw []byte
		recs := make([]Record, len(m))
		for i, r := range m {
			raw = append(raw, r.Raw...)
			recs[i] = Record{TNF: r.TNF, Type: r.Type, ID: r.ID, Payload: r.Payload}
			// Every payload decoder must cope with any record.
			_, _ = ParseBLEOOB(r.Payload)
			_, _ = ParseNFCCarrier(r.Payload)
			_, _ = ParseServiceParameter(r.Payload)
			_, _ = parseAlternativeCarrier(r.Payload)
		}
		if !bytes.Equal(raw, b) {
			t.Fatalf("raw records %x do not add up to %x", raw, b)
		}
		again, err := ParseMessage(EncodeMessage(recs...))
		if err != nil || len(again) != len(m) {
			t.Fatalf("re-encoded message does not parse: %v", err)
		}
		for i := range m {
			if again[i].TNF != m[i].TNF || !bytes.Equal(again[i].Type, m[i].Type) || !bytes.Equal(again[i].ID, m[i].ID) || !bytes.Equal(again[i].Payload, m[i].Payload) {
				t.Fatalf("record %d changed in a round trip: %+v → %+v", i, m[i], again[i])
			}
		}
	})
}

// within reports whether sub is a subslice of b's memory (the parser must
// hand out received bytes, not copies or re-encodings).
func within(sub, b []byte) bool {
	if len(sub) == 0 || len(b) == 0 {
		return false
	}
	for i := 0; i+len(sub) <= len(b); i++ {
		if &b[i] == &sub[0] {
			return true
		}
	}
	return false
}

func FuzzParseCC(f *testing.F) {
	addVectors(f, "cc.bin")
	f.Fuzz(func(t *testing.T, b []byte) {
		cc, err := ParseCC(b)
		if err != nil {
			return
		}
		if !bytes.Equal(cc.Raw, b[:ccSize]) || cc.MaxSize > MaxNDEFFileSize || cc.MLe < 15 || cc.Read != 0 {
			t.Fatalf("ParseCC(%x) = %+v", b, cc)
		}
	})
}

// FuzzEngagement feeds the driver responses from the fuzzer: script is a
// list of response APDUs, each prefixed by a 2-byte length. When the script
// runs out the holder answers 0000 9000 forever, which keeps every state
// alive as long as the driver lets it. The driver must not panic and must
// finish within a bound set by its own caps.
func FuzzEngagement(f *testing.F) {
	for _, w := range []string{"apple-wallet", "google-wallet", "samsung-wallet"} {
		steps := readExchange(f, w)
		var script []byte
		for _, s := range steps {
			r := s.resp.Encode()
			script = binary.BigEndian.AppendUint16(script, uint16(len(r)))
			script = append(script, r...)
		}
		f.Add(byte(1), script)
	}
	f.Fuzz(func(t *testing.T, ob byte, script []byte) {
		o := fuzzOptions(ob)
		e, err := NewEngagement(o)
		if err != nil {
			t.Fatal(err)
		}
		// Each phase reads at most NLEN ≤ 0x7FFD bytes, one or more per
		// command, and polls at most MaxNotReadyPolls times; writes are at
		// most a few hundred commands; scripted answers add their count.
		bound := len(script) + 3*(o.MaxNotReadyPolls+2+0x7FFF) + 1000
		cmd := e.Start()
		for n := 0; ; n++ {
			if n > bound {
				t.Fatalf("no end after %d commands", n)
			}
			if _, err := cmd.Encode(); err != nil {
				t.Fatalf("driver built an unencodable command %+v: %v", cmd, err)
			}
			resp := reader.Response{Data: []byte{0, 0}, SW: 0x9000}
			if len(script) >= 2 {
				l := int(binary.BigEndian.Uint16(script))
				script = script[2:]
				l = min(l, len(script))
				if r, err := reader.ParseResponse(script[:l]); err == nil {
					resp = r
				} else {
					resp = reader.Response{SW: 0x6F00}
				}
				script = script[l:]
			}
			var done bool
			cmd, _, done, err = e.Next(resp)
			if !done {
				continue
			}
			res, rerr := e.Result()
			if err != nil {
				if rerr != err || res != nil {
					t.Fatalf("Next err %v but Result %+v, %v", err, res, rerr)
				}
				return
			}
			if rerr != nil || res == nil || len(res.Hs) == 0 || !within(res.DeviceEngagement, res.Hs) {
				t.Fatalf("done without error but Result %+v, %v", res, rerr)
			}
			if res.BLE != nil && res.BLE.UUIDFrom == UUIDNone {
				t.Fatal("ble method without a uuid")
			}
			if (res.Handover == Negotiated) != bytes.Equal(res.Hr, e.HandoverRequest().Message) {
				t.Fatalf("%v handover with hr %x", res.Handover, res.Hr)
			}
			return
		}
	})
}
