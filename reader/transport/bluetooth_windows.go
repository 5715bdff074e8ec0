//go:build windows

package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	bt "tinygo.org/x/bluetooth"
)

var _ GATTServer = (*Bluetooth)(nil)

// The WinRT GATT server of tinygo.org/x/bluetooth v0.16.0: AddService
// creates a GattServiceProvider and advertises it, connectable and
// discoverable (so Advertisement.Configure/Start, which on Windows only
// carry manufacturer data, add nothing). Untested: no Windows machine and
// no radio here. Known limits: the ATT MTU is not reported (BLE learns it
// from the mdoc's chunks), and Characteristic.Write calls the
// characteristic's own WriteEvent, which notify suppresses.

// Serve registers spec and advertises it. One service at a time.
func (b *Bluetooth) Serve(ctx context.Context, spec ServiceSpec) (LocalService, error) {
	b.mu.Lock()
	busy := b.local != nil
	b.mu.Unlock()
	if busy {
		return nil, fmt.Errorf("%w: a service is already served", ErrOutOfOrder)
	}
	l := &btLocal{b: b, spec: spec, handles: map[UUID]*bt.Characteristic{}}
	l.svc = &bt.Service{UUID: bt.NewUUID(spec.UUID)}
	for _, c := range spec.Chars {
		h := &bt.Characteristic{}
		l.handles[c.UUID] = h
		cfg := bt.CharacteristicConfig{Handle: h, UUID: bt.NewUUID(c.UUID), Value: c.Value, Flags: btProps(c.Props)}
		if fn := c.OnWrite; fn != nil {
			cfg.WriteEvent = func(_ bt.Connection, _ int, v []byte) {
				if l.selfWrite.Load() {
					return
				}
				fn(bytes.Clone(v))
			}
		}
		l.svc.Characteristics = append(l.svc.Characteristics, cfg)
	}
	err := wait(ctx, func() error {
		if err := b.a.AddService(l.svc); err != nil {
			return err
		}
		adv := b.a.DefaultAdvertisement()
		if err := adv.Configure(bt.AdvertisementOptions{ServiceUUIDs: []bt.UUID{l.svc.UUID}}); err != nil {
			return err
		}
		return adv.Start()
	})
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	b.local = l
	b.mu.Unlock()
	return l, nil
}

type btLocal struct {
	b         *Bluetooth
	spec      ServiceSpec
	svc       *bt.Service
	handles   map[UUID]*bt.Characteristic
	notifyMu  sync.Mutex
	selfWrite atomic.Bool
	closed    atomic.Bool
}

func (l *btLocal) disconnected() {
	if l.spec.OnDisconnect != nil {
		l.spec.OnDisconnect()
	}
}

func (l *btLocal) Notify(ctx context.Context, char UUID, v []byte) error {
	h, ok := l.handles[char]
	if !ok {
		return fmt.Errorf("%w: no local characteristic %s", ErrOutOfOrder, char)
	}
	l.notifyMu.Lock()
	defer l.notifyMu.Unlock()
	l.selfWrite.Store(true)
	defer l.selfWrite.Store(false)
	_, err := h.Write(v)
	return err
}

func (l *btLocal) MTU() int { return 0 }

func (l *btLocal) Close() error {
	if l.closed.Swap(true) {
		return nil
	}
	l.b.mu.Lock()
	if l.b.local == any(l) {
		l.b.local = nil
	}
	l.b.mu.Unlock()
	return errors.Join(l.b.a.DefaultAdvertisement().Stop(), l.b.a.RemoveService(l.svc))
}

// Close does nothing: the WinRT adapter needs no release.
func (b *Bluetooth) Close() error { return nil }
