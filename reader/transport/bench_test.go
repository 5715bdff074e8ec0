package transport

import (
	"context"
	"fmt"
	"testing"

	"taimen/reader"
)

// nfcMinimum is the fewest APDUs and bytes 18013-5 §8.3.3.1.2 allows for
// one exchange of req and resp message bytes when every APDU may carry up
// to maxCmd data bytes and maxResp response bytes: the DO'53' request split
// into ENVELOPE parts, the DO'53' answer split into responses.
func nfcMinimum(req, resp, maxCmd, maxResp int) (apdus, bytes int) {
	encReq, _ := AppendDO53(nil, make([]byte, req))
	encResp, _ := AppendDO53(nil, make([]byte, resp))
	ext := maxCmd > reader.MaxShortData || maxResp > reader.MaxShortNe
	cmdParts := (len(encReq) + maxCmd - 1) / maxCmd
	respParts := (len(encResp) + maxResp - 1) / maxResp
	hdr := 5 // CLA INS P1 P2 Lc
	le := 1
	if ext {
		hdr, le = 7, 2
	}
	bytes = len(encReq) + cmdParts*hdr + le + len(encResp) + respParts*2
	// Response parts after the first are GET RESPONSE commands: 4 + Le.
	bytes += (respParts - 1) * (4 + le)
	apdus = max(cmdParts, 1) + respParts - 1
	return apdus, bytes
}

// BenchmarkNFCExchange moves a 20 KB answer (the size of a response with a
// portrait) through the in-memory holder and reports the APDUs and bytes per
// exchange against the protocol minimum.
func BenchmarkNFCExchange(b *testing.B) {
	const req = 400
	cases := []struct {
		name    string
		resp    int
		length  reader.LengthMode
		opts    NFCOptions
		maxCmd  int
		maxResp int
	}{
		{"20KB/extended", 20000, reader.LengthAuto, NFCOptions{MaxCommand: 65535, MaxResponse: 65536}, 65535, 65536},
		{"20KB/short-only", 20000, reader.LengthShort, NFCOptions{MaxCommand: 65535, MaxResponse: 65536}, 255, 256},
		{"20KB/holder-resp-1024", 20000, reader.LengthAuto, NFCOptions{MaxCommand: 65535, MaxResponse: 1024}, 65535, 1024},
		{"70KB/extended", 70000, reader.LengthAuto, NFCOptions{MaxCommand: 65535, MaxResponse: 65536}, 65535, 65536},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			h := newHolder(b, echoPlus(c.resp-req))
			n := NewNFC(reader.NewTransceiver(h.raw, reader.Options{Length: c.length}), c.opts)
			ctx := context.Background()
			if err := n.Open(ctx); err != nil {
				b.Fatal(err)
			}
			msg := pattern(req, 1)
			h.apdus, h.bytesUp, h.bytesDown = 0, 0, 0
			b.SetBytes(int64(c.resp))
			b.ResetTimer()
			for b.Loop() {
				if _, err := n.Exchange(ctx, msg); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			minAPDUs, minBytes := nfcMinimum(req, c.resp, c.maxCmd, c.maxResp)
			b.ReportMetric(float64(h.apdus)/float64(b.N), "apdus/op")
			b.ReportMetric(float64(minAPDUs), "min-apdus/op")
			b.ReportMetric(float64(h.bytesUp+h.bytesDown)/float64(b.N), "wire-B/op")
			b.ReportMetric(float64(minBytes), "min-wire-B/op")
		})
	}
}

// BenchmarkBLEChunkReassemble is the sans-IO cost of framing: split a 20 KB
// message at the MTU and join it again.
func BenchmarkBLEChunkReassemble(b *testing.B) {
	msg := pattern(20000, 5)
	for _, mtu := range []int{23, 185, 517} {
		b.Run(fmt.Sprintf("mtu%d", mtu), func(b *testing.B) {
			b.SetBytes(int64(len(msg)))
			var chunks [][]byte
			for b.Loop() {
				chunks = AppendChunks(chunks[:0], msg, mtu)
				var r Reassembler
				for _, c := range chunks {
					if _, err := r.Push(c); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(len(chunks)), "chunks/msg")
		})
	}
}
