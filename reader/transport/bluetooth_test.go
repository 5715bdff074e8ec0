//go:build linux || windows

package transport

import (
	"context"
	"errors"
	"testing"
	"time"

	bt "tinygo.org/x/bluetooth"
)

// The adapter itself needs hardware; what can be checked here is that a
// missing or mute adapter becomes ErrNoBluetooth quickly.
func TestOpenBluetoothFails(t *testing.T) {
	errNoBus := errors.New("dial unix /run/dbus/system_bus_socket: no such file")
	block := make(chan struct{})
	defer close(block)
	tests := []struct {
		name   string
		enable func() error
		ctx    time.Duration
		also   error
	}{
		{name: "no system bus", enable: func() error { return errNoBus }, ctx: time.Minute, also: errNoBus},
		{name: "adapter never answers", enable: func() error { <-block; return nil }, ctx: 50 * time.Millisecond, also: context.DeadlineExceeded},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), tc.ctx)
			defer cancel()
			_, err := openBluetooth(ctx, bt.DefaultAdapter, tc.enable)
			checkErrs(t, err, []error{ErrNoBluetooth, tc.also})
		})
	}
}

func TestBTProps(t *testing.T) {
	got := btProps(PropRead | PropWriteWithoutResponse | PropNotify)
	if !got.Read() || !got.WriteWithoutResponse() || !got.Notify() || got.Write() || got.Indicate() {
		t.Fatalf("props %08b", got)
	}
	if u := bt.NewUUID(ReaderState); UUID(u.BytesBigEndian()) != ReaderState || u.String() != ReaderState.String() {
		t.Fatalf("uuid %s, want %s", u, ReaderState)
	}
}
