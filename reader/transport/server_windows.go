//go:build windows

package transport

import "context"

func openServer(ctx context.Context) (Server, error) { return OpenBluetooth(ctx) }
