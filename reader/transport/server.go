package transport

import "context"

// Server is a platform GATT server for mdoc central client mode.
type Server interface {
	GATTServer
	Close() error
}

// OpenServer opens the platform's GATT server: [BlueZ] on Linux, the
// tinygo.org/x/bluetooth WinRT server on Windows. Elsewhere, or without an
// adapter, it fails within a few seconds with an error unwrapping to
// ErrNoBluetooth.
func OpenServer(ctx context.Context) (Server, error) { return openServer(ctx) }
