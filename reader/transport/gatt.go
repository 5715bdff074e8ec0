package transport

import (
	"context"
	"crypto/subtle"
	"fmt"
	"time"
)

// closeTimeout bounds the end signal Close sends.
const closeTimeout = 2 * time.Second

// Props are GATT characteristic properties (Core Vol 3 Part G §3.3.1.1).
type Props uint8

// Characteristic properties used by 18013-5.
const (
	PropRead Props = 1 << iota
	PropWriteWithoutResponse
	PropNotify
)

// CharSpec is one characteristic of a local GATT service.
type CharSpec struct {
	UUID  UUID
	Props Props
	// Value is what a read returns (PropRead).
	Value []byte
	// OnWrite receives what the peer writes (PropWriteWithoutResponse), in
	// order, from one goroutine at a time.
	OnWrite func(value []byte)
}

// ServiceSpec is a primary GATT service to serve and advertise.
type ServiceSpec struct {
	UUID  UUID
	Chars []CharSpec
	// OnDisconnect is called when the connected peer goes away.
	OnDisconnect func()
}

// GATTServer is the seam to a Bluetooth stack acting as peripheral and GATT
// server: the PC in mdoc central client mode (what Apple, Google and
// Samsung Wallet choose).
type GATTServer interface {
	// Serve registers spec and advertises its UUID, connectable, until the
	// returned service is closed.
	Serve(ctx context.Context, spec ServiceSpec) (LocalService, error)
}

// LocalService is a service registered by a GATTServer.
type LocalService interface {
	// Notify sends value to the subscribed peer. len(value) ≤ MTU−3.
	Notify(ctx context.Context, char UUID, value []byte) error
	// MTU is the negotiated ATT MTU, or 0 if the stack does not tell.
	MTU() int
	// Close stops advertising and removes the service.
	Close() error
}

// GATTClient is the seam to a Bluetooth stack acting as central and GATT
// client: the PC in mdoc peripheral server mode.
type GATTClient interface {
	// Connect scans for a peripheral advertising service (and, when
	// address is not nil, with that address, printed order), connects and
	// discovers the service's characteristics.
	Connect(ctx context.Context, service UUID, address []byte) (RemoteService, error)
}

// RemoteService is a connected peer's GATT service.
type RemoteService interface {
	Has(char UUID) bool
	Read(ctx context.Context, char UUID) ([]byte, error)
	WriteWithoutResponse(ctx context.Context, char UUID, value []byte) error
	// Subscribe enables notifications; fn receives them in order.
	Subscribe(ctx context.Context, char UUID, fn func(value []byte)) error
	// OnDisconnect sets what to call when the link goes down.
	OnDisconnect(fn func())
	// MTU is the negotiated ATT MTU, or 0 if unknown.
	MTU() int
	// Close disconnects.
	Close() error
}

// CentralClientOptions start a session in mdoc central client mode.
type CentralClientOptions struct {
	// Service is the UUID to advertise: the one in our Handover Request
	// (negotiated handover) or in the holder's Handover Select (static),
	// 18013-5 §8.3.3.1.1.2.
	Service UUID
	// EDeviceKeyBytes is the tag-24 encoded EDeviceKey from the holder's
	// DeviceEngagement, as in the SessionTranscript; the Ident
	// characteristic is derived from it. Required.
	EDeviceKeyBytes []byte
	BLEOptions
}

// ServeCentralClient serves the mdoc reader service (18013-5 §8.3.3.1.1,
// mdoc central client mode) on srv and returns once it is advertised. The
// mdoc connects, reads Ident, subscribes and writes 01 to State; Send waits
// for that start.
func ServeCentralClient(ctx context.Context, srv GATTServer, opts CentralClientOptions) (*BLE, error) {
	const op = "ble serve"
	if len(opts.EDeviceKeyBytes) == 0 {
		return nil, opErr(op, fmt.Errorf("%w: no EDeviceKeyBytes for the ident characteristic", ErrInvalidOptions))
	}
	b := newBLE(false, opts.BLEOptions)
	ident := IdentValue(opts.EDeviceKeyBytes)
	spec := ServiceSpec{
		UUID: opts.Service,
		Chars: []CharSpec{
			{UUID: ReaderState, Props: PropWriteWithoutResponse | PropNotify, OnWrite: b.onState},
			{UUID: ReaderClient2Server, Props: PropWriteWithoutResponse, OnWrite: b.onData},
			{UUID: ReaderServer2Client, Props: PropNotify},
			{UUID: ReaderIdent, Props: PropRead, Value: ident[:]},
		},
		OnDisconnect: b.onDisconnect,
	}
	svc, err := srv.Serve(ctx, spec)
	if err != nil {
		return nil, opErr(op, err)
	}
	b.link = serverLink{svc}
	return b, nil
}

type serverLink struct{ svc LocalService }

func (l serverLink) sendState(ctx context.Context, v byte) error {
	return l.svc.Notify(ctx, ReaderState, []byte{v})
}
func (l serverLink) sendData(ctx context.Context, c []byte) error {
	return l.svc.Notify(ctx, ReaderServer2Client, c)
}
func (l serverLink) mtu() int     { return l.svc.MTU() }
func (l serverLink) close() error { return l.svc.Close() }

// PeripheralServerOptions start a session in mdoc peripheral server mode.
type PeripheralServerOptions struct {
	// Service is the UUID from the holder's Handover Select or
	// DeviceEngagement.
	Service UUID
	// Address is the holder's LE address (printed order) when it sent one;
	// nil scans by UUID alone.
	Address []byte
	// EDeviceKeyBytes, when set and the holder's service has MdocIdent,
	// makes the reader check that characteristic; a holder without it is
	// accepted (the Ident is a reader-service characteristic in 18013-5).
	EDeviceKeyBytes []byte
	BLEOptions
}

// ConnectPeripheralServer connects to the mdoc service (18013-5
// §8.3.3.1.1, mdoc peripheral server mode) through cl, subscribes to State
// and Server2Client, and writes 01 to State. The session has started when
// it returns.
func ConnectPeripheralServer(ctx context.Context, cl GATTClient, opts PeripheralServerOptions) (_ *BLE, err error) {
	const op = "ble connect"
	rs, err := cl.Connect(ctx, opts.Service, opts.Address)
	if err != nil {
		return nil, opErr(op, err)
	}
	defer func() {
		if err != nil {
			rs.Close()
		}
	}()
	for _, c := range []UUID{MdocState, MdocClient2Server, MdocServer2Client} {
		if !rs.Has(c) {
			return nil, opErr(op, fmt.Errorf("%w: no characteristic %s", ErrNoPeer, c))
		}
	}
	if len(opts.EDeviceKeyBytes) > 0 && rs.Has(MdocIdent) {
		got, err := rs.Read(ctx, MdocIdent)
		if err != nil {
			return nil, opErr(op, err)
		}
		want := IdentValue(opts.EDeviceKeyBytes)
		if subtle.ConstantTimeCompare(got, want[:]) != 1 {
			return nil, opErr(op, fmt.Errorf("%w: holder ident %x", ErrIdentMismatch, got))
		}
	}
	b := newBLE(true, opts.BLEOptions)
	b.link = clientLink{rs}
	rs.OnDisconnect(b.onDisconnect)
	if err := rs.Subscribe(ctx, MdocState, b.onState); err != nil {
		return nil, opErr(op, err)
	}
	if err := rs.Subscribe(ctx, MdocServer2Client, b.onData); err != nil {
		return nil, opErr(op, err)
	}
	// Started before the write: the mdoc may answer the start at once, and
	// its first chunk must not count as data before the start.
	b.markStarted()
	if err := rs.WriteWithoutResponse(ctx, MdocState, []byte{StateStart}); err != nil {
		return nil, opErr(op, err)
	}
	return b, nil
}

type clientLink struct{ rs RemoteService }

func (l clientLink) sendState(ctx context.Context, v byte) error {
	return l.rs.WriteWithoutResponse(ctx, MdocState, []byte{v})
}
func (l clientLink) sendData(ctx context.Context, c []byte) error {
	return l.rs.WriteWithoutResponse(ctx, MdocClient2Server, c)
}
func (l clientLink) mtu() int     { return l.rs.MTU() }
func (l clientLink) close() error { return l.rs.Close() }
