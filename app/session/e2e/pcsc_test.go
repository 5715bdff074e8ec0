// Package e2e runs the phone check through a real pcscd with a vpcd reader
// and the simulated wallet as the virtual card: what a counter's reader
// sees, including the smart card service dying in the middle of a check.
package e2e

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"taimen/app/purpose"
	"taimen/app/session"
	"taimen/reader"
	"taimen/reader/pcsc"
	"taimen/reader/pcsc/pcsctest"
	"taimen/sim/vicc"
	"taimen/sim/wallet"
	"taimen/verify/trust"
)

const bound = 30 * time.Second

var daemon *pcsctest.Daemon

func TestMain(m *testing.M) { pcsctest.Main(m, &daemon) }

// insert puts the wallet on the reader (vicc, redialling by itself) until
// the test ends, and waits until pcscd reports it.
func insert(t testing.TB, w *wallet.Wallet) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = vicc.New(daemon.VPCDAddr(0), w).Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		waitPresent(t, false)
	})
	waitPresent(t, true)
}

// waitPresent follows the readers until slot 0 shows the wanted presence
// (the Monitor re-establishes its context itself after a pcscd restart).
func waitPresent(t testing.TB, present bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	ok := false
	_ = (&pcsc.Monitor{}).Run(ctx, func(s reader.Snapshot) {
		if r, found := s.Reader(daemon.ReaderName(0)); found && r.CardPresent == present {
			ok = true
			cancel()
		}
	})
	if !ok {
		t.Fatalf("reader never showed present=%v\n%s", present, daemon.Log())
	}
}

func check(ctx context.Context, t testing.TB, w *wallet.Wallet) (*session.Outcome, error) {
	t.Helper()
	conn, err := pcsc.Opener{}.Connect(ctx, daemon.ReaderName(0))
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	p, err := purpose.Default().Get(purpose.AgeCheck)
	if err != nil {
		t.Fatal(err)
	}
	return session.RunPhone(ctx, conn, session.PhoneOptions{
		Purpose: p,
		Trust:   trust.NewStore(trust.NewAnchor(w.IACA(), trust.IACA, "sim")),
	})
}

// TestPCSCDRestartedMidSession: pcscd dies while the customer is deciding
// on the phone (the wallet holds its ENVELOPE answer). The check stops with
// a typed error, nothing hangs, and the next tap works once the service is
// back.
func TestPCSCDRestartedMidSession(t *testing.T) {
	var once sync.Once
	restarted := make(chan error, 1)
	w, err := wallet.New(wallet.Options{
		Docs:    []wallet.DocKind{wallet.DocMNC},
		Consent: wallet.Consent{Delay: time.Millisecond},
		Sleep: func(time.Duration) {
			// The customer is deciding: the smart card service dies now.
			once.Do(func() { restarted <- daemon.Restart() })
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	insert(t, w)
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	_, err = check(ctx, t, w)
	if rerr := <-restarted; rerr != nil {
		t.Fatalf("restart: %v", rerr)
	}
	if err == nil {
		t.Fatal("the check survived a dead pcscd without an error")
	}
	if !errors.Is(err, reader.ErrNoService) && !errors.Is(err, reader.ErrTransactionFailed) && !errors.Is(err, reader.ErrCardRemoved) {
		t.Fatalf("err %v: not a typed reader error", err)
	}
	var se *session.Error
	if !errors.As(err, &se) {
		t.Fatalf("err %v is not a *session.Error", err)
	}
	// Recovery: the service and the phone come back; the next tap works.
	waitPresent(t, true)
	out, err := check(ctx, t, w)
	if err != nil {
		t.Fatalf("after the restart: %v", err)
	}
	if out.Kind != session.Verified || !out.Result.Valid {
		t.Fatalf("after the restart: %s %+v", out.Kind, out.Result.Checks)
	}
}

// BenchmarkTapToVerdict is one whole phone check over pcscd and vpcd:
// connect, engage (static handover), NFC data retrieval of an age check
// with portrait, verification, disconnect.
func BenchmarkTapToVerdict(b *testing.B) {
	for _, tc := range []struct {
		name string
		h    wallet.Handover
	}{{"static", wallet.Static}, {"negotiated", wallet.Negotiated}} {
		b.Run(tc.name, func(b *testing.B) {
			w, err := wallet.New(wallet.Options{Handover: tc.h, Docs: []wallet.DocKind{wallet.DocMNC}})
			if err != nil {
				b.Fatal(err)
			}
			insert(b, w)
			ctx := context.Background()
			before := w.Stats()
			n := 0
			for b.Loop() {
				out, err := check(ctx, b, w)
				if err != nil || !out.Result.Valid {
					b.Fatalf("check: %v", err)
				}
				n++
			}
			after := w.Stats()
			b.ReportMetric(float64(after.APDUs-before.APDUs)/float64(n), "apdus/op")
			b.ReportMetric(float64(after.BytesIn+after.BytesOut-before.BytesIn-before.BytesOut)/float64(n), "wire-bytes/op")
		})
	}
}
