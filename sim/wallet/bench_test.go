package wallet

import (
	"testing"

	"taimen/reader"
	"taimen/verify/mdoc"
	"taimen/verify/mdoc/mdoctest"
)

// BenchmarkTap is one whole in-process tap: engagement with the real reader
// driver, a request for every element of the mDL (17 elements, portrait
// included) over NFC, and the reader's decryption. It reports the APDUs and
// bytes the wallet saw per tap.
func BenchmarkTap(b *testing.B) {
	for _, bc := range []struct {
		name string
		h    Handover
		rdr  reader.Options
		ne   int
	}{
		{"static/short", Static, reader.Options{Length: reader.LengthShort}, 256},
		{"static/extended", Static, reader.Options{}, reader.MaxExtendedNe},
		{"apple/short", Apple, reader.Options{Length: reader.LengthShort}, 256},
	} {
		b.Run(bc.name, func(b *testing.B) {
			w := newWallet(b, Options{Handover: bc.h, Docs: []DocKind{DocMDL}, NotReady: -1})
			var all []ElementRef
			for _, e := range mdoctest.MDLPerson() {
				all = append(all, ElementRef{e.Namespace, e.Identifier})
			}
			specs := []mdoc.DocRequestSpec{spec(mdoctest.DocTypeMDL, all...)}
			card := w.Card(bc.rdr)
			before := w.Stats()
			for b.Loop() {
				w.Reset()
				r := startSession(b, card, engage(b, card, readerOpts("bench")))
				r.ne = bc.ne
				req, _ := mdoc.BuildDeviceRequest(specs, nil, r.rs.Transcript())
				se, _ := r.rs.SessionEstablishment(req)
				if _, _, err := r.rs.Decrypt(r.envelope(b, se)); err != nil {
					b.Fatal(err)
				}
			}
			after := w.Stats()
			n := float64(b.N)
			b.ReportMetric(float64(after.APDUs-before.APDUs)/n, "apdus/tap")
			b.ReportMetric(float64(after.BytesIn+after.BytesOut-before.BytesIn-before.BytesOut)/n, "bytes/tap")
		})
	}
}

// BenchmarkAPDU is the cost of one READ BINARY of the Hs.
func BenchmarkAPDU(b *testing.B) {
	w := newWallet(b, Options{})
	for _, a := range []string{"00a4040007d276000085010100", "00a4000c02e104"} {
		w.APDU(unhex(b, a))
	}
	read := unhex(b, "00b00002ff")
	for b.Loop() {
		w.APDU(read)
	}
}
