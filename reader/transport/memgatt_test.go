package transport

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
)

// radio is an in-memory GATT link between one server and one client. Each
// direction is delivered in order by its own goroutine, as a BLE stack
// delivers writes and notifications; values longer than MTU−3 (or 512) are
// refused, so a wrong chunk size fails the test.
type radio struct {
	t   testing.TB
	mtu int // the true ATT MTU of the link
	// serverMTU and clientMTU are what each side's stack reports (0:
	// unknown, as BlueZ's GATT server API).
	serverMTU, clientMTU int

	mu         sync.Mutex
	spec       *ServiceSpec
	served     chan struct{}
	subs       map[UUID]func([]byte)
	clientDisc func()
	down       bool
	notifies   int
	writes     int

	toServer, toClient chan func()
	wg                 sync.WaitGroup
}

func newRadio(t testing.TB, mtu int) *radio {
	r := &radio{
		t: t, mtu: mtu, serverMTU: mtu, clientMTU: mtu,
		served:   make(chan struct{}),
		subs:     map[UUID]func([]byte){},
		toServer: make(chan func(), 1024),
		toClient: make(chan func(), 1024),
	}
	for _, ch := range []chan func(){r.toServer, r.toClient} {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			for f := range ch {
				f()
			}
		}()
	}
	t.Cleanup(func() {
		close(r.toServer)
		close(r.toClient)
		r.wg.Wait()
	})
	return r
}

var errLinkDown = errors.New("mem: link down")

func (r *radio) char(u UUID) (CharSpec, bool) {
	if r.spec == nil {
		return CharSpec{}, false
	}
	for _, c := range r.spec.Chars {
		if c.UUID == u {
			return c, true
		}
	}
	return CharSpec{}, false
}

func (r *radio) checkLen(v []byte) error {
	if limit := min(512, r.mtu-3); len(v) > limit {
		r.t.Errorf("value of %d bytes over a link with mtu %d", len(v), r.mtu)
		return fmt.Errorf("mem: value too long")
	}
	return nil
}

// kill drops the link without anyone closing it (out of range).
func (r *radio) kill() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.down {
		return
	}
	r.down = true
	if r.spec != nil && r.spec.OnDisconnect != nil {
		r.toServer <- r.spec.OnDisconnect
	}
	if r.clientDisc != nil {
		r.toClient <- r.clientDisc
	}
}

type memServer struct{ r *radio }

func (s memServer) Serve(ctx context.Context, spec ServiceSpec) (LocalService, error) {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	s.r.spec = &spec
	close(s.r.served)
	return memLocal(s), nil
}

type memLocal struct{ r *radio }

func (l memLocal) Notify(ctx context.Context, char UUID, v []byte) error {
	r := l.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.down {
		return errLinkDown
	}
	if err := r.checkLen(v); err != nil {
		return err
	}
	c, ok := r.char(char)
	if !ok || c.Props&PropNotify == 0 {
		r.t.Errorf("notify on %s, which does not notify", char)
		return errors.New("mem: not notifiable")
	}
	r.notifies++
	if fn := r.subs[char]; fn != nil {
		v = append([]byte(nil), v...)
		r.toClient <- func() { fn(v) }
	}
	return nil
}

func (l memLocal) MTU() int { return l.r.serverMTU }

func (l memLocal) Close() error {
	r := l.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.down {
		r.down = true
		if r.clientDisc != nil {
			r.toClient <- r.clientDisc
		}
	}
	return nil
}

type memClient struct{ r *radio }

func (c memClient) Connect(ctx context.Context, svc UUID, addr []byte) (RemoteService, error) {
	select {
	case <-c.r.served:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	if c.r.spec.UUID != svc {
		return nil, errors.New("mem: no such service")
	}
	return memRemote(c), nil
}

type memRemote struct{ r *radio }

func (m memRemote) Has(u UUID) bool {
	m.r.mu.Lock()
	defer m.r.mu.Unlock()
	_, ok := m.r.char(u)
	return ok
}

func (m memRemote) Read(ctx context.Context, u UUID) ([]byte, error) {
	m.r.mu.Lock()
	defer m.r.mu.Unlock()
	c, ok := m.r.char(u)
	if !ok || c.Props&PropRead == 0 {
		return nil, errors.New("mem: not readable")
	}
	return append([]byte(nil), c.Value...), nil
}

func (m memRemote) WriteWithoutResponse(ctx context.Context, u UUID, v []byte) error {
	r := m.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.down {
		return errLinkDown
	}
	if err := r.checkLen(v); err != nil {
		return err
	}
	c, ok := r.char(u)
	if !ok || c.Props&PropWriteWithoutResponse == 0 {
		r.t.Errorf("write to %s, which takes no writes", u)
		return errors.New("mem: not writable")
	}
	r.writes++
	if c.OnWrite != nil {
		v = append([]byte(nil), v...)
		r.toServer <- func() { c.OnWrite(v) }
	}
	return nil
}

func (m memRemote) Subscribe(ctx context.Context, u UUID, fn func([]byte)) error {
	m.r.mu.Lock()
	defer m.r.mu.Unlock()
	c, ok := m.r.char(u)
	if !ok || c.Props&PropNotify == 0 {
		return errors.New("mem: cannot subscribe")
	}
	m.r.subs[u] = fn
	return nil
}

func (m memRemote) OnDisconnect(fn func()) {
	m.r.mu.Lock()
	m.r.clientDisc = fn
	m.r.mu.Unlock()
}

func (m memRemote) MTU() int { return m.r.clientMTU }

func (m memRemote) Close() error {
	r := m.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.down {
		r.down = true
		if r.spec != nil && r.spec.OnDisconnect != nil {
			r.toServer <- r.spec.OnDisconnect
		}
	}
	return nil
}

// inbox collects chunks on the holder's side with its own (deliberately
// naive, independent) reassembly.
type inbox struct {
	mu    sync.Mutex
	buf   []byte
	msgs  chan []byte
	state chan byte
}

func newInbox() *inbox { return &inbox{msgs: make(chan []byte, 64), state: make(chan byte, 64)} }

func (in *inbox) chunk(v []byte) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.buf = append(in.buf, v[1:]...)
	if v[0] == 0x00 {
		in.msgs <- in.buf
		in.buf = nil
	}
}

func (in *inbox) stateValue(v []byte) {
	for _, b := range v {
		in.state <- b
	}
}

// holderChunks splits msg as a holder would at the given MTU.
func holderChunks(msg []byte, mtu int) [][]byte {
	n := min(512, mtu-3) - 1
	var out [][]byte
	for len(msg) > n {
		out = append(out, append([]byte{1}, msg[:n]...))
		msg = msg[n:]
	}
	return append(out, append([]byte{0}, msg...))
}
