package nfc

import (
	"context"
	"testing"

	"taimen/reader/nfc/nfctest"
)

// BenchmarkEngageStatic is a full static engagement (SELECT, CC, NLEN, a
// 3-read Hs) through reader.Transceiver and the in-memory tag.
func BenchmarkEngageStatic(b *testing.B) {
	de := make([]byte, 600)
	hs := mintHs(de, mintBLE, mintNFC)
	opts := Options{BLEUUID: fixedUUID, Rand: fixedReader(1)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Engage(context.Background(), nfctest.Static(hs).Card(), opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEngageNegotiated adds TNEP and the Hr write (no NLEN=0 polls,
// which would only measure the wait).
func BenchmarkEngageNegotiated(b *testing.B) {
	hs := mintHs(mintDE, bleNoUUID)
	tp := tpMessage(0x10, HandoverService, 0x00, 0xffff)
	opts := Options{BLEUUID: fixedUUID, Rand: fixedReader(1), OfferNFC: true}
	b.ReportAllocs()
	for b.Loop() {
		e, err := NewEngagement(opts)
		if err != nil {
			b.Fatal(err)
		}
		tag := nfctest.Negotiated(tp, func([]byte) []byte { return hs }, 0)
		card := tag.Card()
		cmd := e.Start()
		for {
			resp, err := card.Transmit(context.Background(), cmd)
			if err != nil {
				b.Fatal(err)
			}
			var done bool
			if cmd, _, done, err = e.Next(resp); done {
				if err != nil {
					b.Fatal(err)
				}
				break
			}
		}
	}
}

// BenchmarkParseHandoverSelect parses a minted static Hs.
func BenchmarkParseHandoverSelect(b *testing.B) {
	hs := mintHs(mintDE, mintBLE, mintNFC)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseHandoverSelect(hs); err != nil {
			b.Fatal(err)
		}
	}
}
