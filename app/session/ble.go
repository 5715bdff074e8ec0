package session

import (
	"context"

	"taimen/reader/nfc"
	"taimen/reader/transport"
)

// GATTServer adapts a platform GATT server (transport.OpenServer: BlueZ on
// Linux, WinRT on Windows) to BLEServer: the terminal serves the mdoc
// reader service in central client mode (18013-5 §8.3.3.1.1).
type GATTServer struct {
	Server transport.GATTServer
}

// ServeCentralClient implements BLEServer.
func (g GATTServer) ServeCentralClient(ctx context.Context, uuid nfc.UUID, eDeviceKeyBytes []byte) (transport.Transport, error) {
	return transport.ServeCentralClient(ctx, g.Server, transport.CentralClientOptions{Service: transport.UUID(uuid), EDeviceKeyBytes: eDeviceKeyBytes})
}

// OpenBLE opens the terminal's Bluetooth for phone checks, or returns nil
// (with the reason) when there is none: the check then offers NFC only,
// and a phone that insists on BLE gets ErrNoTransport. close releases it.
func OpenBLE(ctx context.Context) (ble BLEServer, close func(), err error) {
	srv, err := transport.OpenServer(ctx)
	if err != nil {
		return nil, func() {}, err
	}
	return GATTServer{Server: srv}, func() { srv.Close() }, nil
}
