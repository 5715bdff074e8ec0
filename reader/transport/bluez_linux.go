//go:build linux

package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"
)

// BlueZ is a GATT server on BlueZ over D-Bus, written for 18013-5 mdoc
// central client mode instead of the tinygo.org/x/bluetooth one because:
//
//   - order: godbus runs every incoming method call in a goroutine of its
//     own, so BlueZ's WriteValue calls for consecutive Client2Server chunks
//     (write commands, which BlueZ forwards without waiting for replies)
//     can reach a handler out of order. BlueZ takes them from an incoming
//     interceptor, which sees messages in socket order, on a private
//     connection.
//   - MTU: BlueZ passes the exchanged MTU in the options of ReadValue and
//     WriteValue (org.bluez.GattCharacteristic(5), "mtu"); the mdoc reads
//     Ident before it starts, so our first chunk already has the right size.
//   - advertising type "peripheral" (connectable), not "broadcast".
//
// It is tested against a fake org.bluez on a private dbus-daemon, not
// against bluetoothd and a radio.
type BlueZ struct {
	conn    *dbus.Conn
	adapter dbus.BusObject

	mu     sync.Mutex
	chars  map[dbus.ObjectPath]*bluezChar
	served *bluezService
}

var _ GATTServer = (*BlueZ)(nil)

// BlueZOptions tune [OpenBlueZ].
type BlueZOptions struct {
	// Adapter is the BlueZ adapter name. Default "hci0".
	Adapter string
	// BusAddress is the D-Bus address to use instead of the system bus
	// (tests).
	BusAddress string
}

const (
	bluezBusName       = "org.bluez"
	ifaceGattService   = "org.bluez.GattService1"
	ifaceGattChar      = "org.bluez.GattCharacteristic1"
	ifaceLEAdvert      = "org.bluez.LEAdvertisement1"
	ifaceDevice        = "org.bluez.Device1"
	ifaceProperties    = "org.freedesktop.DBus.Properties"
	ifaceObjectManager = "org.freedesktop.DBus.ObjectManager"
)

// OpenBlueZ connects to D-Bus and checks that the adapter exists. Errors
// unwrap to ErrNoBluetooth and come within a few seconds.
func OpenBlueZ(ctx context.Context, opts BlueZOptions) (*BlueZ, error) {
	const op = "bluez open"
	if opts.Adapter == "" {
		opts.Adapter = "hci0"
	}
	// Not dbus.WithContext: that context would bound the connection's life.
	ctx, cancel := context.WithTimeout(ctx, enableTimeout)
	defer cancel()
	z := &BlueZ{chars: map[dbus.ObjectPath]*bluezChar{}}
	var err error
	if opts.BusAddress != "" {
		z.conn, err = dbus.Connect(opts.BusAddress, dbus.WithIncomingInterceptor(z.intercept))
	} else {
		z.conn, err = dbus.ConnectSystemBus(dbus.WithIncomingInterceptor(z.intercept))
	}
	if err != nil {
		return nil, opErr(op, fmt.Errorf("%w: %w", ErrNoBluetooth, err))
	}
	z.adapter = z.conn.Object(bluezBusName, dbus.ObjectPath("/org/bluez/"+opts.Adapter))
	var addr dbus.Variant
	if err := z.adapter.CallWithContext(ctx, ifaceProperties+".Get", 0, "org.bluez.Adapter1", "Address").Store(&addr); err != nil {
		z.conn.Close()
		return nil, opErr(op, fmt.Errorf("%w: adapter %s: %w", ErrNoBluetooth, opts.Adapter, err))
	}
	return z, nil
}

// Close closes the D-Bus connection; BlueZ drops what it registered.
func (z *BlueZ) Close() error { return z.conn.Close() }

// intercept runs in godbus's reader goroutine for every incoming message,
// in the order they arrived: the one place where chunk order is still
// known. It must not block or call D-Bus.
func (z *BlueZ) intercept(msg *dbus.Message) {
	if msg.Type != dbus.TypeMethodCall || len(msg.Body) < 2 {
		return
	}
	member, _ := msg.Headers[dbus.FieldMember].Value().(string)
	iface, _ := msg.Headers[dbus.FieldInterface].Value().(string)
	if member != "WriteValue" || iface != ifaceGattChar {
		return
	}
	path, _ := msg.Headers[dbus.FieldPath].Value().(dbus.ObjectPath)
	z.mu.Lock()
	c := z.chars[path]
	z.mu.Unlock()
	value, ok1 := msg.Body[0].([]byte)
	options, ok2 := msg.Body[1].(map[string]dbus.Variant)
	if c == nil || !ok1 || !ok2 {
		return
	}
	// The service UUID is advertised in the clear: once one device has
	// written, writes from any other are not the mdoc's.
	if !c.svc.lockDevice(options) {
		return
	}
	if c.spec.OnWrite != nil {
		c.spec.OnWrite(bytes.Clone(value))
	}
}

var bluezServiceID atomic.Uint64

// Serve registers spec as a GATT application and a connectable
// advertisement of its UUID. One service at a time.
func (z *BlueZ) Serve(ctx context.Context, spec ServiceSpec) (LocalService, error) {
	z.mu.Lock()
	busy := z.served != nil
	z.mu.Unlock()
	if busy {
		return nil, fmt.Errorf("%w: a service is already served", ErrOutOfOrder)
	}
	id := strconv.FormatUint(bluezServiceID.Add(1), 10)
	s := &bluezService{
		z:       z,
		spec:    spec,
		app:     dbus.ObjectPath("/taimen/mdoc" + id),
		advPath: dbus.ObjectPath("/taimen/mdoc" + id + "/adv"),
		handles: map[UUID]*bluezChar{},
		stop:    make(chan struct{}),
	}
	s.path = s.app + "/service0"
	objects := map[dbus.ObjectPath]map[string]map[string]dbus.Variant{
		s.path: {ifaceGattService: {
			"UUID":    dbus.MakeVariant(spec.UUID.String()),
			"Primary": dbus.MakeVariant(true),
		}},
	}
	for i, cs := range spec.Chars {
		c := &bluezChar{svc: s, spec: cs, path: s.path + dbus.ObjectPath("/char"+strconv.Itoa(i))}
		var flags []string
		if cs.Props&PropRead != 0 {
			flags = append(flags, "read")
		}
		if cs.Props&PropWriteWithoutResponse != 0 {
			flags = append(flags, "write-without-response")
		}
		if cs.Props&PropNotify != 0 {
			flags = append(flags, "notify")
		}
		props := map[string]*prop.Prop{
			"UUID":    {Value: cs.UUID.String()},
			"Service": {Value: s.path},
			"Flags":   {Value: flags},
			"Value":   {Value: append([]byte{}, cs.Value...), Emit: prop.EmitTrue},
		}
		p, err := prop.Export(z.conn, c.path, prop.Map{ifaceGattChar: props})
		if err != nil {
			return nil, err
		}
		c.props = p
		if err := z.conn.Export(c, c.path, ifaceGattChar); err != nil {
			return nil, err
		}
		objects[c.path] = map[string]map[string]dbus.Variant{ifaceGattChar: {
			"UUID":    dbus.MakeVariant(cs.UUID.String()),
			"Service": dbus.MakeVariant(s.path),
			"Flags":   dbus.MakeVariant(flags),
		}}
		s.handles[cs.UUID] = c
		z.mu.Lock()
		z.chars[c.path] = c
		z.mu.Unlock()
	}
	if err := z.conn.Export(objectManager(objects), s.app, ifaceObjectManager); err != nil {
		return nil, err
	}
	adv := prop.Map{ifaceLEAdvert: {
		"Type":         {Value: "peripheral"},
		"ServiceUUIDs": {Value: []string{spec.UUID.String()}},
	}}
	if _, err := prop.Export(z.conn, s.advPath, adv); err != nil {
		return nil, err
	}
	if err := z.conn.Export(advRelease{}, s.advPath, ifaceLEAdvert); err != nil {
		return nil, err
	}
	// Link loss: BlueZ reports Connected=false on the device object.
	sigs := make(chan *dbus.Signal, 64)
	z.conn.Signal(sigs)
	match := []dbus.MatchOption{dbus.WithMatchInterface(ifaceProperties), dbus.WithMatchMember("PropertiesChanged"), dbus.WithMatchArg(0, ifaceDevice)}
	if err := z.conn.AddMatchSignalContext(ctx, match...); err != nil {
		return nil, err
	}
	go s.watch(sigs)
	s.cleanup = func() {
		z.conn.RemoveMatchSignal(match...)
		z.conn.RemoveSignal(sigs)
	}
	if err := z.adapter.CallWithContext(ctx, "org.bluez.GattManager1.RegisterApplication", 0, s.app, map[string]dbus.Variant{}).Err; err != nil {
		s.release(false)
		return nil, fmt.Errorf("register gatt application: %w", err)
	}
	if err := z.adapter.CallWithContext(ctx, "org.bluez.LEAdvertisingManager1.RegisterAdvertisement", 0, s.advPath, map[string]dbus.Variant{}).Err; err != nil {
		s.release(true)
		return nil, fmt.Errorf("register advertisement: %w", err)
	}
	s.advertised.Store(true)
	z.mu.Lock()
	z.served = s
	z.mu.Unlock()
	return s, nil
}

type objectManager map[dbus.ObjectPath]map[string]map[string]dbus.Variant

func (om objectManager) GetManagedObjects() (map[dbus.ObjectPath]map[string]map[string]dbus.Variant, *dbus.Error) {
	return om, nil
}

type advRelease struct{}

// Release is called by BlueZ when it drops the advertisement.
func (advRelease) Release() *dbus.Error { return nil }

type bluezService struct {
	z             *BlueZ
	spec          ServiceSpec
	app, path     dbus.ObjectPath
	advPath       dbus.ObjectPath
	handles       map[UUID]*bluezChar
	cleanup       func()
	stop          chan struct{}
	closed        atomic.Bool
	mtu           atomic.Int32
	advertised    atomic.Bool
	devMu         sync.Mutex
	device        dbus.ObjectPath // the mdoc: the first device that wrote
	disconnectOne sync.Once
}

// noteMTU records the exchanged MTU BlueZ passes in ReadValue and
// WriteValue options ("mtu", BlueZ 5.62 and later).
func (s *bluezService) noteMTU(o map[string]dbus.Variant) {
	if v, ok := o["mtu"].Value().(uint16); ok {
		s.mtu.Store(int32(v))
	}
}

// lockDevice reports whether a write comes from the mdoc: the first device
// that writes becomes it, and advertising stops (as multipaz does on the
// start signal). Writes without a device option (BlueZ before 5.48) are
// accepted.
func (s *bluezService) lockDevice(o map[string]dbus.Variant) bool {
	dev, _ := o["device"].Value().(dbus.ObjectPath)
	s.devMu.Lock()
	first := s.device == "" && dev != ""
	if first {
		s.device = dev
	}
	ok := dev == "" || dev == s.device
	s.devMu.Unlock()
	if ok {
		s.noteMTU(o)
	}
	if first {
		go s.stopAdvertising() // not from the interceptor: it is a D-Bus call
	}
	return ok
}

func (s *bluezService) stopAdvertising() error {
	if !s.advertised.Swap(false) {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	return s.z.adapter.CallWithContext(ctx, "org.bluez.LEAdvertisingManager1.UnregisterAdvertisement", 0, s.advPath).Err
}

func (s *bluezService) watch(sigs chan *dbus.Signal) {
	for {
		select {
		case <-s.stop:
			return
		case sig, ok := <-sigs:
			if !ok {
				return
			}
			if sig.Name != ifaceProperties+".PropertiesChanged" || len(sig.Body) < 2 {
				continue
			}
			changed, _ := sig.Body[1].(map[string]dbus.Variant)
			connected, ok := changed["Connected"].Value().(bool)
			s.devMu.Lock()
			dev := s.device
			s.devMu.Unlock()
			if ok && !connected && dev != "" && sig.Path == dev && s.spec.OnDisconnect != nil {
				s.disconnectOne.Do(s.spec.OnDisconnect)
			}
		}
	}
}

func (s *bluezService) Notify(ctx context.Context, char UUID, v []byte) error {
	c, ok := s.handles[char]
	if !ok {
		return fmt.Errorf("%w: no local characteristic %s", ErrOutOfOrder, char)
	}
	if s.closed.Load() {
		return ErrClosed
	}
	// Setting Value emits PropertiesChanged, which BlueZ turns into a
	// notification to the subscribed mdoc.
	c.props.SetMust(ifaceGattChar, "Value", bytes.Clone(v))
	return ctx.Err()
}

func (s *bluezService) MTU() int { return int(s.mtu.Load()) }

func (s *bluezService) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	return s.release(true)
}

func (s *bluezService) release(registered bool) error {
	var errs []error
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	if registered {
		errs = append(errs, s.stopAdvertising(),
			s.z.adapter.CallWithContext(ctx, "org.bluez.GattManager1.UnregisterApplication", 0, s.app).Err)
	}
	close(s.stop)
	if s.cleanup != nil {
		s.cleanup()
	}
	s.z.mu.Lock()
	for _, c := range s.handles {
		delete(s.z.chars, c.path)
	}
	if s.z.served == s {
		s.z.served = nil
	}
	s.z.mu.Unlock()
	return errors.Join(errs...)
}

// bluezChar is an exported org.bluez.GattCharacteristic1.
type bluezChar struct {
	svc   *bluezService
	spec  CharSpec
	path  dbus.ObjectPath
	props *prop.Properties
}

// ReadValue serves reads (the Ident) and learns the MTU from the options.
func (c *bluezChar) ReadValue(options map[string]dbus.Variant) ([]byte, *dbus.Error) {
	c.svc.noteMTU(options)
	if c.spec.Props&PropRead == 0 {
		return nil, dbus.NewError("org.bluez.Error.NotPermitted", nil)
	}
	off, _ := options["offset"].Value().(uint16)
	if int(off) > len(c.spec.Value) {
		return nil, dbus.NewError("org.bluez.Error.InvalidOffset", nil)
	}
	return c.spec.Value[off:], nil
}

// WriteValue only acknowledges: the value was delivered, in order, by the
// interceptor.
func (c *bluezChar) WriteValue(value []byte, options map[string]dbus.Variant) *dbus.Error {
	if c.spec.Props&PropWriteWithoutResponse == 0 {
		return dbus.NewError("org.bluez.Error.NotPermitted", nil)
	}
	return nil
}

// StartNotify and StopNotify: BlueZ tracks subscriptions itself and sends
// notifications on every Value change.
func (c *bluezChar) StartNotify() *dbus.Error { return nil }
func (c *bluezChar) StopNotify() *dbus.Error  { return nil }
