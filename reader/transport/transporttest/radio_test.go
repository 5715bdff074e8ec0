package transporttest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"taimen/reader/transport"
)

var svcUUID = transport.UUID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}

// recTB records the failures the radio reports instead of failing.
type recTB struct {
	*testing.T
	mu   sync.Mutex
	errs []string
}

func (r *recTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

func (r *recTB) failures() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.errs)
}

type peers struct {
	svc     transport.LocalService
	rs      transport.RemoteService
	written chan []byte // client → server writes, in arrival order
	notes   chan []byte // server → client notifications
	srvDown chan struct{}
	cliDown chan struct{}
}

func link(t *testing.T, r *Radio) *peers {
	t.Helper()
	p := &peers{written: make(chan []byte, 2048), notes: make(chan []byte, 2048), srvDown: make(chan struct{}), cliDown: make(chan struct{})}
	ctx := context.Background()
	svc, err := r.Server().Serve(ctx, transport.ServiceSpec{
		UUID: svcUUID,
		Chars: []transport.CharSpec{
			{UUID: transport.ReaderClient2Server, Props: transport.PropWriteWithoutResponse, OnWrite: func(v []byte) { p.written <- v }},
			{UUID: transport.ReaderServer2Client, Props: transport.PropNotify},
			{UUID: transport.ReaderIdent, Props: transport.PropRead, Value: []byte{7}},
		},
		OnDisconnect: func() { close(p.srvDown) },
	})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := r.Client().Connect(ctx, svcUUID, nil)
	if err != nil {
		t.Fatal(err)
	}
	rs.OnDisconnect(func() { close(p.cliDown) })
	if err := rs.Subscribe(ctx, transport.ReaderServer2Client, func(v []byte) { p.notes <- v }); err != nil {
		t.Fatal(err)
	}
	p.svc, p.rs = svc, rs
	return p
}

func wait(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s", what)
	}
}

func TestRadioInOrderAndMTU(t *testing.T) {
	for _, mtu := range []int{23, 185, 517} {
		tb := &recTB{T: t}
		r := NewRadio(tb, mtu)
		p := link(t, r)
		ctx := context.Background()
		limit := min(512, mtu-3)
		for i := range 500 {
			v := bytes.Repeat([]byte{byte(i)}, 1+i%limit)
			if err := p.rs.WriteWithoutResponse(ctx, transport.ReaderClient2Server, v); err != nil {
				t.Fatal(err)
			}
			if err := p.svc.Notify(ctx, transport.ReaderServer2Client, v); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 500 {
			for _, ch := range []chan []byte{p.written, p.notes} {
				if v := <-ch; v[0] != byte(i) || len(v) != 1+i%limit {
					t.Fatalf("mtu %d: value %d out of order or changed", mtu, i)
				}
			}
		}
		if tb.failures() != 0 {
			t.Fatalf("mtu %d: %v", mtu, tb.errs)
		}
		// One byte over MTU−3 is refused and fails the test, either way.
		over := make([]byte, limit+1)
		if err := p.rs.WriteWithoutResponse(ctx, transport.ReaderClient2Server, over); !errors.Is(err, ErrRefused) {
			t.Errorf("mtu %d: oversized write: %v", mtu, err)
		}
		if err := p.svc.Notify(ctx, transport.ReaderServer2Client, over); !errors.Is(err, ErrRefused) {
			t.Errorf("mtu %d: oversized notification: %v", mtu, err)
		}
		if tb.failures() != 2 {
			t.Errorf("mtu %d: %d failures reported, want 2", mtu, tb.failures())
		}
		if n, w := r.Counts(); n != 500 || w != 500 {
			t.Errorf("mtu %d: counts %d %d", mtu, n, w)
		}
	}
}

func TestRadioMisuse(t *testing.T) {
	tb := &recTB{T: t}
	r := NewRadio(tb, 23)
	p := link(t, r)
	ctx := context.Background()
	if err := p.rs.WriteWithoutResponse(ctx, transport.ReaderIdent, []byte{1}); !errors.Is(err, ErrRefused) {
		t.Errorf("write to a read-only characteristic: %v", err)
	}
	if err := p.svc.Notify(ctx, transport.ReaderClient2Server, []byte{1}); !errors.Is(err, ErrRefused) {
		t.Errorf("notify on a write-only characteristic: %v", err)
	}
	if tb.failures() != 2 {
		t.Errorf("%d failures reported, want 2", tb.failures())
	}
	if err := p.rs.Subscribe(ctx, transport.ReaderIdent, func([]byte) {}); !errors.Is(err, ErrRefused) {
		t.Errorf("subscribe to a read-only characteristic: %v", err)
	}
	if _, err := p.rs.Read(ctx, transport.ReaderClient2Server); !errors.Is(err, ErrRefused) {
		t.Errorf("read of a write-only characteristic: %v", err)
	}
	if v, err := p.rs.Read(ctx, transport.ReaderIdent); err != nil || !bytes.Equal(v, []byte{7}) {
		t.Errorf("read %x %v", v, err)
	}
	if _, err := r.Server().Serve(ctx, transport.ServiceSpec{UUID: svcUUID}); !errors.Is(err, ErrRefused) {
		t.Errorf("second service: %v", err)
	}
	other := NewRadio(t, 23)
	if _, err := other.Server().Serve(ctx, transport.ServiceSpec{UUID: svcUUID}); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Client().Connect(ctx, transport.UUID{}, nil); !errors.Is(err, ErrNoService) {
		t.Errorf("connect to another uuid: %v", err)
	}
	// Connect waits for the service, bounded by ctx.
	cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := NewRadio(t, 23).Client().Connect(cctx, svcUUID, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("connect with nothing served: %v", err)
	}
}

func TestRadioLinkLoss(t *testing.T) {
	ctx := context.Background()
	t.Run("kill", func(t *testing.T) {
		r := NewRadio(t, 23)
		p := link(t, r)
		r.Kill()
		wait(t, p.srvDown, "server disconnect")
		wait(t, p.cliDown, "client disconnect")
		if err := p.rs.WriteWithoutResponse(ctx, transport.ReaderClient2Server, []byte{1}); !errors.Is(err, ErrLinkDown) {
			t.Errorf("write after the loss: %v", err)
		}
		if err := p.svc.Notify(ctx, transport.ReaderServer2Client, []byte{1}); !errors.Is(err, ErrLinkDown) {
			t.Errorf("notify after the loss: %v", err)
		}
		if !r.Down() {
			t.Error("not down")
		}
	})
	t.Run("drop after writes", func(t *testing.T) {
		r := NewRadio(t, 23)
		r.DropAfterWrites(3)
		p := link(t, r)
		var errAt int
		for i := 1; i <= 5; i++ {
			if err := p.rs.WriteWithoutResponse(ctx, transport.ReaderClient2Server, []byte{byte(i)}); err != nil {
				if !errors.Is(err, ErrLinkDown) {
					t.Fatal(err)
				}
				errAt = i
				break
			}
		}
		if errAt != 4 {
			t.Fatalf("first failed write %d, want 4", errAt)
		}
		wait(t, p.srvDown, "server disconnect")
		// The three writes arrived before the disconnect.
		if len(p.written) != 3 {
			t.Fatalf("%d writes delivered, want 3", len(p.written))
		}
	})
	t.Run("client closes", func(t *testing.T) {
		r := NewRadio(t, 23)
		p := link(t, r)
		p.rs.Close()
		wait(t, p.srvDown, "server disconnect")
	})
	t.Run("server closes", func(t *testing.T) {
		r := NewRadio(t, 23)
		p := link(t, r)
		p.svc.Close()
		wait(t, p.cliDown, "client disconnect")
	})
}

func TestRadioReportedMTU(t *testing.T) {
	r := NewRadio(t, 185)
	p := link(t, r)
	if p.svc.MTU() != 185 || p.rs.MTU() != 185 {
		t.Fatalf("mtu %d %d", p.svc.MTU(), p.rs.MTU())
	}
	r.ReportMTU(0, 185)
	if p.svc.MTU() != 0 {
		t.Fatalf("server mtu %d after ReportMTU(0, …)", p.svc.MTU())
	}
	// The link keeps its true MTU.
	if err := p.svc.Notify(context.Background(), transport.ReaderServer2Client, make([]byte, 182)); err != nil {
		t.Fatal(err)
	}
}
