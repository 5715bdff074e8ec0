//go:build !linux && !windows

package transport

import "context"

func openServer(ctx context.Context) (Server, error) {
	_, err := OpenBluetooth(ctx)
	return nil, err
}
