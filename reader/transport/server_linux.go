//go:build linux

package transport

import "context"

func openServer(ctx context.Context) (Server, error) { return OpenBlueZ(ctx, BlueZOptions{}) }
