//go:build linux || windows

package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	bt "tinygo.org/x/bluetooth"
)

// This file binds the GATT client seam (mdoc peripheral server mode) to
// tinygo.org/x/bluetooth: BlueZ over D-Bus on Linux (pure Go, builds with
// CGO_ENABLED=0), WinRT on Windows; on Windows it is also the GATT server
// (bluetooth_windows.go). On Linux the GATT server is [BlueZ], because the
// library's server hands consecutive writes over out of order (see
// bluez_linux.go). It is deliberately thin and has NOT been run against
// real Bluetooth hardware: the protocol above it is tested over the
// in-memory link.
//
// Known limit on Linux: notifications reach the client as D-Bus signals,
// which godbus delivers through goroutines when the library's unbuffered
// channel is busy, so Server2Client chunks can be reordered under load; a
// reordered message fails decryption upstream, it is never silently wrong.

// enableTimeout bounds how long enabling the adapter may take: without
// BlueZ, D-Bus may try to activate it and only give up after 25 s.
const enableTimeout = 5 * time.Second

// Bluetooth is the host's default Bluetooth adapter. It implements
// [GATTServer] and [GATTClient].
type Bluetooth struct {
	a *bt.Adapter

	mu      sync.Mutex
	local   interface{ disconnected() } // Windows only: the served service
	remotes map[bt.Address]*btRemote
}

var _ GATTClient = (*Bluetooth)(nil)

// OpenBluetooth enables the default adapter. Without one (no adapter, no
// BlueZ, no D-Bus) it fails within a few seconds with an error unwrapping to
// ErrNoBluetooth.
func OpenBluetooth(ctx context.Context) (*Bluetooth, error) {
	return openBluetooth(ctx, bt.DefaultAdapter, bt.DefaultAdapter.Enable)
}

func openBluetooth(ctx context.Context, a *bt.Adapter, enable func() error) (*Bluetooth, error) {
	const op = "ble enable"
	ctx, cancel := context.WithTimeout(ctx, enableTimeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- enable() }() // left behind if it hangs; it holds nothing of ours
	select {
	case err := <-done:
		if err != nil {
			return nil, opErr(op, fmt.Errorf("%w: %w", ErrNoBluetooth, err))
		}
	case <-ctx.Done():
		return nil, opErr(op, fmt.Errorf("%w: adapter did not answer: %w", ErrNoBluetooth, ctx.Err()))
	}
	b := &Bluetooth{a: a, remotes: map[bt.Address]*btRemote{}}
	a.SetConnectHandler(b.connectEvent)
	return b, nil
}

func (b *Bluetooth) connectEvent(d bt.Device, connected bool) {
	if connected {
		return
	}
	b.mu.Lock()
	l, r := b.local, b.remotes[d.Address]
	delete(b.remotes, d.Address)
	b.mu.Unlock()
	if l != nil {
		l.disconnected()
	}
	if r != nil {
		r.disconnected()
	}
}

// wait runs f, giving up when ctx is done (f keeps running: the library
// calls cannot be cancelled).
func wait(ctx context.Context, f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func btProps(p Props) bt.CharacteristicPermissions {
	var f bt.CharacteristicPermissions
	if p&PropRead != 0 {
		f |= bt.CharacteristicReadPermission
	}
	if p&PropWriteWithoutResponse != 0 {
		f |= bt.CharacteristicWriteWithoutResponsePermission
	}
	if p&PropNotify != 0 {
		f |= bt.CharacteristicNotifyPermission
	}
	return f
}

// Connect scans for the service (and address), connects and discovers.
// Scanning stops when ctx is done; a connection attempt already started
// ends with BlueZ's or WinRT's own timeout.
func (b *Bluetooth) Connect(ctx context.Context, service UUID, address []byte) (RemoteService, error) {
	target := bt.NewUUID(service)
	found := make(chan bt.ScanResult, 1)
	scanDone := make(chan error, 1)
	go func() {
		scanDone <- b.a.Scan(func(a *bt.Adapter, r bt.ScanResult) {
			if !r.HasServiceUUID(target) {
				return
			}
			if mac := r.Address.MAC.Address(); address != nil && !bytes.Equal(mac[:], address) {
				return
			}
			select {
			case found <- r:
				a.StopScan()
			default:
			}
		})
	}()
	var res bt.ScanResult
	select {
	case res = <-found:
	case err := <-scanDone:
		if err == nil {
			err = errors.New("scan ended")
		}
		return nil, fmt.Errorf("%w: %w", ErrNoPeer, err)
	case <-ctx.Done():
		b.a.StopScan()
		return nil, ctx.Err()
	}
	r := &btRemote{b: b, addr: res.Address, chars: map[UUID]*bt.DeviceCharacteristic{}}
	var connected atomic.Bool
	err := wait(ctx, func() error {
		dev, err := b.a.Connect(res.Address, bt.ConnectionParams{})
		if err != nil {
			return err
		}
		r.dev = dev
		connected.Store(true)
		svcs, err := dev.DiscoverServices([]bt.UUID{target})
		if err != nil {
			return err
		}
		if len(svcs) == 0 {
			return fmt.Errorf("%w: service %s not found", ErrNoPeer, service)
		}
		chars, err := svcs[0].DiscoverCharacteristics(nil)
		if err != nil {
			return err
		}
		for i := range chars {
			r.chars[UUID(chars[i].UUID().BytesBigEndian())] = &chars[i]
		}
		return nil
	})
	if err != nil {
		if connected.Load() {
			r.dev.Disconnect()
		}
		return nil, err
	}
	b.mu.Lock()
	b.remotes[res.Address] = r
	b.mu.Unlock()
	return r, nil
}

type btRemote struct {
	b     *Bluetooth
	addr  bt.Address
	dev   bt.Device
	chars map[UUID]*bt.DeviceCharacteristic

	mu     sync.Mutex
	onDisc func()
}

func (r *btRemote) char(u UUID) (*bt.DeviceCharacteristic, error) {
	c, ok := r.chars[u]
	if !ok {
		return nil, fmt.Errorf("%w: no characteristic %s", ErrNoPeer, u)
	}
	return c, nil
}

func (r *btRemote) Has(u UUID) bool { _, ok := r.chars[u]; return ok }

func (r *btRemote) Read(ctx context.Context, u UUID) ([]byte, error) {
	c, err := r.char(u)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, maxAttrValue)
	var n int
	err = wait(ctx, func() (err error) { n, err = c.Read(buf); return err })
	if err != nil {
		return nil, err
	}
	return buf[:min(n, len(buf))], nil
}

func (r *btRemote) WriteWithoutResponse(ctx context.Context, u UUID, v []byte) error {
	c, err := r.char(u)
	if err != nil {
		return err
	}
	return wait(ctx, func() error { _, err := c.WriteWithoutResponse(v); return err })
}

func (r *btRemote) Subscribe(ctx context.Context, u UUID, fn func([]byte)) error {
	c, err := r.char(u)
	if err != nil {
		return err
	}
	return wait(ctx, func() error {
		return c.EnableNotifications(func(v []byte) { fn(bytes.Clone(v)) })
	})
}

func (r *btRemote) OnDisconnect(fn func()) {
	r.mu.Lock()
	r.onDisc = fn
	r.mu.Unlock()
}

func (r *btRemote) disconnected() {
	r.mu.Lock()
	fn := r.onDisc
	r.mu.Unlock()
	if fn != nil {
		fn()
	}
}

func (r *btRemote) MTU() int {
	for _, c := range r.chars {
		if m, err := c.GetMTU(); err == nil {
			return int(m)
		}
		break
	}
	return 0
}

func (r *btRemote) Close() error {
	r.b.mu.Lock()
	delete(r.b.remotes, r.addr)
	r.b.mu.Unlock()
	return r.dev.Disconnect()
}
