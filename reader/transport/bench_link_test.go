package transport_test

import (
	"context"
	"fmt"
	"testing"

	"taimen/reader/transport"
	"taimen/reader/transport/transporttest"
)

// BenchmarkBLEReceive moves a 20 KB message from a holder to the reader
// over the in-memory GATT link (mdoc central client mode).
func BenchmarkBLEReceive(b *testing.B) {
	msg := transport.Pattern(20000, 6)
	for _, mtu := range []int{23, 185, 517} {
		b.Run(fmt.Sprintf("mtu%d", mtu), func(b *testing.B) {
			r := transporttest.NewRadio(b, mtu)
			ctx := context.Background()
			bl, err := transport.ServeCentralClient(ctx, r.Server(), transport.CentralClientOptions{Service: transport.TestService, EDeviceKeyBytes: transport.TestEDK})
			if err != nil {
				b.Fatal(err)
			}
			rs, err := r.Client().Connect(ctx, transport.TestService, nil)
			if err != nil {
				b.Fatal(err)
			}
			if err := rs.WriteWithoutResponse(ctx, transport.ReaderState, []byte{transport.StateStart}); err != nil {
				b.Fatal(err)
			}
			chunks := transport.HolderChunks(msg, mtu)
			b.SetBytes(int64(len(msg)))
			for b.Loop() {
				for _, c := range chunks {
					if err := rs.WriteWithoutResponse(ctx, transport.ReaderClient2Server, c); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := bl.Receive(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
