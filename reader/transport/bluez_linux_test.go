//go:build linux

package transport

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"
)

// startBus runs a private dbus-daemon (Debian package dbus-daemon) and
// returns its address.
func startBus(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "bus.conf")
	conf := `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=` + filepath.Join(dir, "bus") + `</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>`
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("dbus-daemon", "--config-file="+cfg, "--nofork", "--print-address")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("dbus-daemon (Debian package dbus-daemon) is needed: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(addr)
}

const fakeDevice = dbus.ObjectPath("/org/bluez/hci0/dev_11_22_33_44_55_66")

// fakeBlueZ plays bluetoothd and the phone behind it: it owns org.bluez,
// takes the application and advertisement registrations, and forwards
// "radio" traffic as BlueZ does: WriteValue calls without waiting for
// replies, notifications from PropertiesChanged of Value.
type fakeBlueZ struct {
	t    *testing.T
	conn *dbus.Conn
	mtu  uint16

	mu       sync.Mutex
	app      string // sender of the application
	objects  map[dbus.ObjectPath]map[string]map[string]dbus.Variant
	adv      map[string]dbus.Variant
	regs     chan struct{}
	unregs   int
	notified map[dbus.ObjectPath]chan []byte
}

func newFakeBlueZ(t *testing.T, addr string, mtu uint16) *fakeBlueZ {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	f := &fakeBlueZ{t: t, conn: conn, mtu: mtu, regs: make(chan struct{}, 2), notified: map[dbus.ObjectPath]chan []byte{}}
	if reply, err := conn.RequestName("org.bluez", dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("request name: %v %v", reply, err)
	}
	hci := dbus.ObjectPath("/org/bluez/hci0")
	if _, err := prop.Export(conn, hci, prop.Map{"org.bluez.Adapter1": {"Address": {Value: "00:11:22:33:44:55"}}}); err != nil {
		t.Fatal(err)
	}
	if err := conn.Export(fakeGattManager{f}, hci, "org.bluez.GattManager1"); err != nil {
		t.Fatal(err)
	}
	if err := conn.Export(fakeAdvManager{f}, hci, "org.bluez.LEAdvertisingManager1"); err != nil {
		t.Fatal(err)
	}
	sigs := make(chan *dbus.Signal, 4096) // large: godbus reorders deliveries to a full channel
	conn.Signal(sigs)
	if err := conn.AddMatchSignal(dbus.WithMatchInterface(ifaceProperties), dbus.WithMatchMember("PropertiesChanged"), dbus.WithMatchArg(0, ifaceGattChar)); err != nil {
		t.Fatal(err)
	}
	go func() {
		for sig := range sigs {
			changed, _ := sig.Body[1].(map[string]dbus.Variant)
			v, ok := changed["Value"].Value().([]byte)
			if !ok {
				continue
			}
			f.mu.Lock()
			ch := f.notified[sig.Path]
			f.mu.Unlock()
			if ch != nil {
				ch <- v
			}
		}
	}()
	return f
}

type fakeGattManager struct{ f *fakeBlueZ }

func (m fakeGattManager) RegisterApplication(sender dbus.Sender, app dbus.ObjectPath, _ map[string]dbus.Variant) *dbus.Error {
	var objs map[dbus.ObjectPath]map[string]map[string]dbus.Variant
	if err := m.f.conn.Object(string(sender), app).Call(ifaceObjectManager+".GetManagedObjects", 0).Store(&objs); err != nil {
		return dbus.MakeFailedError(err)
	}
	m.f.mu.Lock()
	m.f.app, m.f.objects = string(sender), objs
	for path, ifs := range objs {
		if _, ok := ifs[ifaceGattChar]; ok {
			m.f.notified[path] = make(chan []byte, 4096)
		}
	}
	m.f.mu.Unlock()
	m.f.regs <- struct{}{}
	return nil
}

func (m fakeGattManager) UnregisterApplication(dbus.ObjectPath) *dbus.Error {
	m.f.mu.Lock()
	m.f.unregs++
	m.f.mu.Unlock()
	return nil
}

type fakeAdvManager struct{ f *fakeBlueZ }

func (m fakeAdvManager) RegisterAdvertisement(sender dbus.Sender, adv dbus.ObjectPath, _ map[string]dbus.Variant) *dbus.Error {
	var props map[string]dbus.Variant
	if err := m.f.conn.Object(string(sender), adv).Call(ifaceProperties+".GetAll", 0, ifaceLEAdvert).Store(&props); err != nil {
		return dbus.MakeFailedError(err)
	}
	m.f.mu.Lock()
	m.f.adv = props
	m.f.mu.Unlock()
	m.f.regs <- struct{}{}
	return nil
}

func (m fakeAdvManager) UnregisterAdvertisement(dbus.ObjectPath) *dbus.Error {
	m.f.mu.Lock()
	m.f.unregs++
	m.f.mu.Unlock()
	return nil
}

func (f *fakeBlueZ) charPath(u UUID) dbus.ObjectPath {
	f.mu.Lock()
	defer f.mu.Unlock()
	for path, ifs := range f.objects {
		if c, ok := ifs[ifaceGattChar]; ok && c["UUID"].Value() == u.String() {
			return path
		}
	}
	f.t.Fatalf("no characteristic %s registered", u)
	return ""
}

func (f *fakeBlueZ) opts() map[string]dbus.Variant { return f.optsFrom(fakeDevice) }

func (f *fakeBlueZ) optsFrom(dev dbus.ObjectPath) map[string]dbus.Variant {
	return map[string]dbus.Variant{
		"mtu":    dbus.MakeVariant(f.mtu),
		"device": dbus.MakeVariant(dev),
		"type":   dbus.MakeVariant("command"),
	}
}

// write sends write commands the way BlueZ forwards them: one WriteValue
// call each, without waiting for the replies.
func (f *fakeBlueZ) write(u UUID, values ...[]byte) { f.writeFrom(fakeDevice, u, values...) }

func (f *fakeBlueZ) writeFrom(dev dbus.ObjectPath, u UUID, values ...[]byte) {
	f.t.Helper()
	obj := f.conn.Object(f.app, f.charPath(u))
	done := make(chan *dbus.Call, len(values))
	for _, v := range values {
		obj.Go(ifaceGattChar+".WriteValue", 0, done, v, f.optsFrom(dev))
	}
	for range values {
		if c := <-done; c.Err != nil {
			f.t.Fatalf("write value: %v", c.Err)
		}
	}
}

func (f *fakeBlueZ) read(u UUID) []byte {
	f.t.Helper()
	var v []byte
	if err := f.conn.Object(f.app, f.charPath(u)).Call(ifaceGattChar+".ReadValue", 0, f.opts()).Store(&v); err != nil {
		f.t.Fatal(err)
	}
	return v
}

func (f *fakeBlueZ) nextNotification(u UUID) []byte {
	f.t.Helper()
	f.mu.Lock()
	ch := f.notified[f.charPathLocked(u)]
	f.mu.Unlock()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		f.t.Fatalf("no notification on %s", u)
		return nil
	}
}

func (f *fakeBlueZ) charPathLocked(u UUID) dbus.ObjectPath {
	for path, ifs := range f.objects {
		if c, ok := ifs[ifaceGattChar]; ok && c["UUID"].Value() == u.String() {
			return path
		}
	}
	return ""
}

func TestBlueZCentralClient(t *testing.T) {
	addr := startBus(t)
	const mtu = 185
	f := newFakeBlueZ(t, addr, mtu)
	ctx := ctxT(t)
	z, err := OpenBlueZ(ctx, BlueZOptions{BusAddress: addr})
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	b, err := ServeCentralClient(ctx, z, CentralClientOptions{Service: testService, EDeviceKeyBytes: testEDK})
	if err != nil {
		t.Fatal(err)
	}
	<-f.regs
	<-f.regs
	f.mu.Lock()
	adv := f.adv
	f.mu.Unlock()
	if adv["Type"].Value() != "peripheral" || !equalStrings(adv["ServiceUUIDs"].Value(), testService.String()) {
		t.Fatalf("advertisement %v", adv)
	}

	// The phone reads Ident (BlueZ passes the MTU), then starts.
	if got := f.read(ReaderIdent); !bytes.Equal(got, identByHand(testEDK)) {
		t.Fatalf("ident %x", got)
	}
	f.write(ReaderState, []byte{StateStart})
	// A neighbour that found the advertised UUID is not heard.
	f.writeFrom("/org/bluez/hci0/dev_66_55_44_33_22_11", ReaderClient2Server, []byte{0x00, 0xEE})
	f.writeFrom("/org/bluez/hci0/dev_66_55_44_33_22_11", ReaderState, []byte{StateEnd})
	req := pattern(1000, 1)
	if err := b.Send(ctx, req); err != nil {
		t.Fatal(err)
	}
	var got []byte
	for {
		v := f.nextNotification(ReaderServer2Client)
		if len(v) > mtu-3 {
			t.Fatalf("notification of %d bytes at mtu %d", len(v), mtu)
		}
		got = append(got, v[1:]...)
		if v[0] == 0 {
			break
		}
		if len(v) != mtu-3 {
			t.Fatalf("non-last chunk of %d bytes, want %d", len(v), mtu-3)
		}
	}
	if !bytes.Equal(got, req) {
		t.Fatalf("phone got %d bytes", len(got))
	}

	// Bursts of write commands must arrive in order.
	for i := range 5 {
		resp := pattern(20000+i, byte(i))
		f.write(ReaderClient2Server, holderChunks(resp, mtu)...)
		msg, err := b.Receive(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(msg, resp) {
			t.Fatalf("burst %d: reader got %d bytes, not the %d sent, in order", i, len(msg), len(resp))
		}
	}

	// The phone goes out of range.
	if err := f.conn.Emit(fakeDevice, ifaceProperties+".PropertiesChanged", ifaceDevice, map[string]dbus.Variant{"Connected": dbus.MakeVariant(false)}, []string{}); err != nil {
		t.Fatal(err)
	}
	_, err = b.Receive(ctx)
	checkErrs(t, err, []error{ErrPeerClosed})
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	unregs := f.unregs
	f.mu.Unlock()
	if unregs != 2 {
		t.Fatalf("%d unregistrations, want advertisement and application", unregs)
	}
}

func TestBlueZEndSignal(t *testing.T) {
	addr := startBus(t)
	f := newFakeBlueZ(t, addr, 23)
	ctx := ctxT(t)
	z, err := OpenBlueZ(ctx, BlueZOptions{BusAddress: addr})
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	b, err := ServeCentralClient(ctx, z, CentralClientOptions{Service: testService, EDeviceKeyBytes: testEDK})
	if err != nil {
		t.Fatal(err)
	}
	<-f.regs
	<-f.regs
	f.write(ReaderState, []byte{StateStart})
	if err := b.WaitStarted(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if v := f.nextNotification(ReaderState); !bytes.Equal(v, []byte{StateEnd}) {
		t.Fatalf("state %x, want 02", v)
	}
}

func TestOpenBlueZFails(t *testing.T) {
	addr := startBus(t)
	ctx := ctxT(t)
	// No org.bluez on the bus.
	_, err := OpenBlueZ(ctx, BlueZOptions{BusAddress: addr})
	checkErrs(t, err, []error{ErrNoBluetooth})
	// org.bluez without that adapter.
	newFakeBlueZ(t, addr, 23)
	_, err = OpenBlueZ(ctx, BlueZOptions{BusAddress: addr, Adapter: "hci7"})
	checkErrs(t, err, []error{ErrNoBluetooth})
	// No bus at all.
	_, err = OpenBlueZ(ctx, BlueZOptions{BusAddress: "unix:path=" + filepath.Join(t.TempDir(), "none")})
	checkErrs(t, err, []error{ErrNoBluetooth})
}

func equalStrings(v any, want ...string) bool {
	s, ok := v.([]string)
	if !ok || len(s) != len(want) {
		return false
	}
	for i := range s {
		if s[i] != want[i] {
			return false
		}
	}
	return true
}
