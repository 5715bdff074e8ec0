//go:build !linux && !windows

package transport

import (
	"context"
	"fmt"
	"runtime"
)

// Bluetooth is unavailable on this platform: tinygo.org/x/bluetooth has no
// GATT server on macOS, and Taimen targets Linux and Windows.
type Bluetooth struct{}

// OpenBluetooth always fails with an error unwrapping to ErrNoBluetooth.
func OpenBluetooth(context.Context) (*Bluetooth, error) {
	return nil, opErr("ble enable", fmt.Errorf("%w: not supported on %s", ErrNoBluetooth, runtime.GOOS))
}
