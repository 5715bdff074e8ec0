// Package transporttest is an in-memory Bluetooth LE radio for tests: a
// [Radio] links one transport.GATTServer (the reader in mdoc central client
// mode, or a holder in mdoc peripheral server mode) to one
// transport.GATTClient, so the 18013-5 BLE protocol logic of
// reader/transport and of a simulated holder runs without a Bluetooth
// stack.
//
// The radio behaves as a BLE stack does where the protocol depends on it:
// each direction is delivered in order by its own goroutine (writes without
// response and notifications are asynchronous: the sender does not wait for
// the peer's handler), a value longer than the link's MTU−3 (or 512) is
// refused and reported as a test failure, and the link can be lost at any
// moment ([Radio.Kill], [Radio.DropAfterWrites]).
package transporttest

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"taimen/reader/transport"
)

// Sentinels of the radio.
var (
	// ErrLinkDown: the link was lost or closed.
	ErrLinkDown = errors.New("transporttest: link down")
	// ErrRefused: the value is too long for the link's MTU, or the
	// characteristic does not allow the operation.
	ErrRefused = errors.New("transporttest: refused")
	// ErrNoService: no service with that UUID is served.
	ErrNoService = errors.New("transporttest: no such service")
)

// TB is the part of testing.TB the radio needs: a protocol violation (a
// chunk longer than MTU−3, a write to a characteristic that takes none)
// fails the test, and the radio's goroutines stop when the test ends.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Cleanup(func())
}

// maxAttrValue is the longest attribute value (Core Vol 3 Part F §3.2.9).
const maxAttrValue = 512

// Radio is an in-memory GATT link between one server and one client. Make
// it with [NewRadio]; it serves one service, once.
type Radio struct {
	tb  TB
	mtu int // the true ATT MTU of the link

	mu sync.Mutex
	// serverMTU and clientMTU are what each side's stack reports (0:
	// unknown, as BlueZ's GATT server API).
	serverMTU, clientMTU int
	spec                 *transport.ServiceSpec
	served               chan struct{}
	subs                 map[transport.UUID]func([]byte)
	clientDisc           func()
	down                 bool
	closed               bool
	notifies, writes     int
	dropAfter            int // writes after which the link drops; 0 never

	toServer, toClient *queue
	wg                 sync.WaitGroup
}

// queue is one direction of the link: deliveries in order, by one
// goroutine. It never blocks the sender, so a handler that calls back into
// the radio (or waits for the other side) cannot deadlock the link.
type queue struct {
	mu     sync.Mutex
	cond   *sync.Cond
	items  []func()
	closed bool
}

func newQueue() *queue {
	q := &queue{}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *queue) push(f func()) {
	q.mu.Lock()
	if !q.closed {
		q.items = append(q.items, f)
		q.cond.Signal()
	}
	q.mu.Unlock()
}

// close lets run return once everything pushed has been delivered.
func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.cond.Signal()
	q.mu.Unlock()
}

func (q *queue) run() {
	for {
		q.mu.Lock()
		for len(q.items) == 0 && !q.closed {
			q.cond.Wait()
		}
		if len(q.items) == 0 {
			q.mu.Unlock()
			return
		}
		f := q.items[0]
		q.items[0] = nil
		q.items = q.items[1:]
		q.mu.Unlock()
		f()
	}
}

// NewRadio makes a link with the given ATT MTU (both sides report it; see
// [Radio.ReportMTU]). Its delivery goroutines stop at tb's cleanup.
func NewRadio(tb TB, mtu int) *Radio {
	r := &Radio{
		tb: tb, mtu: max(mtu, transport.MinMTU), serverMTU: mtu, clientMTU: mtu,
		served:   make(chan struct{}),
		subs:     map[transport.UUID]func([]byte){},
		toServer: newQueue(),
		toClient: newQueue(),
	}
	for _, q := range []*queue{r.toServer, r.toClient} {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			q.run()
		}()
	}
	tb.Cleanup(r.close)
	return r
}

// close stops the delivery goroutines once everything queued has been
// delivered.
func (r *Radio) close() {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.closed = true
	r.down = true
	r.toServer.close()
	r.toClient.close()
	r.mu.Unlock()
	r.wg.Wait()
}

// Server is the radio's GATT server side.
func (r *Radio) Server() transport.GATTServer { return server{r} }

// Client is the radio's GATT client side.
func (r *Radio) Client() transport.GATTClient { return client{r} }

// ReportMTU sets the MTU each side's stack reports (0: the stack does not
// tell, as BlueZ's GATT server API); the link keeps its true MTU.
func (r *Radio) ReportMTU(server, client int) {
	r.mu.Lock()
	r.serverMTU, r.clientMTU = server, client
	r.mu.Unlock()
}

// Counts returns how many notifications (server → client) and writes
// without response (client → server) the link carried.
func (r *Radio) Counts() (notifies, writes int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.notifies, r.writes
}

// Down reports whether the link is down (lost or closed by either side).
func (r *Radio) Down() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.down
}

// Kill drops the link without either side closing it (out of range): both
// sides' disconnect handlers run, after what was already sent.
func (r *Radio) Kill() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.kill()
}

// DropAfterWrites makes the link drop right after the client's n-th write
// without response has been delivered (n counts from the link's start);
// n ≤ 0 disables it.
func (r *Radio) DropAfterWrites(n int) {
	r.mu.Lock()
	r.dropAfter = n
	r.mu.Unlock()
}

// kill is Kill under r.mu.
func (r *Radio) kill() {
	if r.down {
		return
	}
	r.down = true
	if r.spec != nil && r.spec.OnDisconnect != nil {
		r.toServer.push(r.spec.OnDisconnect)
	}
	if r.clientDisc != nil {
		r.toClient.push(r.clientDisc)
	}
}

func (r *Radio) char(u transport.UUID) (transport.CharSpec, bool) {
	if r.spec == nil {
		return transport.CharSpec{}, false
	}
	for _, c := range r.spec.Chars {
		if c.UUID == u {
			return c, true
		}
	}
	return transport.CharSpec{}, false
}

// checkLen refuses a value longer than one ATT write command or
// notification can carry (Core Vol 3 Part F §3.4.5.3, §3.4.7.1).
func (r *Radio) checkLen(v []byte) error {
	if limit := min(maxAttrValue, r.mtu-3); len(v) > limit {
		r.tb.Helper()
		r.tb.Errorf("transporttest: value of %d bytes over a link with mtu %d", len(v), r.mtu)
		return fmt.Errorf("%w: value of %d bytes, mtu %d", ErrRefused, len(v), r.mtu)
	}
	return nil
}

type server struct{ r *Radio }

func (s server) Serve(ctx context.Context, spec transport.ServiceSpec) (transport.LocalService, error) {
	r := s.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.spec != nil {
		return nil, fmt.Errorf("%w: the radio serves one service", ErrRefused)
	}
	spec.Chars = append([]transport.CharSpec(nil), spec.Chars...)
	r.spec = &spec
	close(r.served)
	return local(s), nil
}

type local struct{ r *Radio }

func (l local) Notify(ctx context.Context, char transport.UUID, v []byte) error {
	r := l.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.down {
		return ErrLinkDown
	}
	if err := r.checkLen(v); err != nil {
		return err
	}
	c, ok := r.char(char)
	if !ok || c.Props&transport.PropNotify == 0 {
		r.tb.Errorf("transporttest: notify on %s, which does not notify", char)
		return fmt.Errorf("%w: %s does not notify", ErrRefused, char)
	}
	r.notifies++
	if fn := r.subs[char]; fn != nil {
		v = append([]byte(nil), v...)
		r.toClient.push(func() { fn(v) })
	}
	return nil
}

func (l local) MTU() int {
	l.r.mu.Lock()
	defer l.r.mu.Unlock()
	return l.r.serverMTU
}

func (l local) Close() error {
	r := l.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.down {
		r.down = true
		if r.clientDisc != nil {
			r.toClient.push(r.clientDisc)
		}
	}
	return nil
}

type client struct{ r *Radio }

// Connect waits until the server side serves, as a scan waits for the
// advertisement; address is ignored (there is one peer).
func (c client) Connect(ctx context.Context, svc transport.UUID, address []byte) (transport.RemoteService, error) {
	select {
	case <-c.r.served:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	if c.r.spec.UUID != svc {
		return nil, fmt.Errorf("%w: %s", ErrNoService, svc)
	}
	if c.r.down {
		return nil, ErrLinkDown
	}
	return remote(c), nil
}

type remote struct{ r *Radio }

func (m remote) Has(u transport.UUID) bool {
	m.r.mu.Lock()
	defer m.r.mu.Unlock()
	_, ok := m.r.char(u)
	return ok
}

func (m remote) Read(ctx context.Context, u transport.UUID) ([]byte, error) {
	m.r.mu.Lock()
	defer m.r.mu.Unlock()
	if m.r.down {
		return nil, ErrLinkDown
	}
	c, ok := m.r.char(u)
	if !ok || c.Props&transport.PropRead == 0 {
		return nil, fmt.Errorf("%w: %s is not readable", ErrRefused, u)
	}
	return append([]byte(nil), c.Value...), nil
}

func (m remote) WriteWithoutResponse(ctx context.Context, u transport.UUID, v []byte) error {
	r := m.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.down {
		return ErrLinkDown
	}
	if err := r.checkLen(v); err != nil {
		return err
	}
	c, ok := r.char(u)
	if !ok || c.Props&transport.PropWriteWithoutResponse == 0 {
		r.tb.Errorf("transporttest: write to %s, which takes no writes", u)
		return fmt.Errorf("%w: %s takes no writes", ErrRefused, u)
	}
	r.writes++
	if c.OnWrite != nil {
		v = append([]byte(nil), v...)
		r.toServer.push(func() { c.OnWrite(v) })
	}
	if r.dropAfter > 0 && r.writes == r.dropAfter {
		r.kill()
	}
	return nil
}

func (m remote) Subscribe(ctx context.Context, u transport.UUID, fn func([]byte)) error {
	m.r.mu.Lock()
	defer m.r.mu.Unlock()
	if m.r.down {
		return ErrLinkDown
	}
	c, ok := m.r.char(u)
	if !ok || c.Props&transport.PropNotify == 0 {
		return fmt.Errorf("%w: %s does not notify", ErrRefused, u)
	}
	m.r.subs[u] = fn
	return nil
}

func (m remote) OnDisconnect(fn func()) {
	m.r.mu.Lock()
	m.r.clientDisc = fn
	m.r.mu.Unlock()
}

func (m remote) MTU() int {
	m.r.mu.Lock()
	defer m.r.mu.Unlock()
	return m.r.clientMTU
}

func (m remote) Close() error {
	r := m.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.down {
		r.down = true
		if r.spec != nil && r.spec.OnDisconnect != nil {
			r.toServer.push(r.spec.OnDisconnect)
		}
	}
	return nil
}

var (
	_ transport.GATTServer    = server{}
	_ transport.LocalService  = local{}
	_ transport.GATTClient    = client{}
	_ transport.RemoteService = remote{}
)
