package main

import (
	"context"
	"log/slog"
	"time"

	"taimen/app"
	"taimen/reader"
	"taimen/reader/pcsc"
)

// probeTimeout bounds how long start-up waits for PC/SC to say whether a
// reader is attached; pcscd answers in milliseconds when it runs.
const probeTimeout = 2 * time.Second

// chooseSource picks the reader the app follows: the PC/SC readers when at
// least one is attached, else (or with --demo) the in-process demo reader,
// so that the app can be tried without hardware.
func chooseSource(forceDemo bool, log *slog.Logger) (reader.Source, bool) {
	if forceDemo {
		log.Info("starting with the demo reader", "reason", "--demo")
		return app.NewDemoSource(), true
	}
	first, ok := probe(&pcsc.Monitor{}, probeTimeout)
	switch {
	case !ok:
		log.Info("starting with the demo reader", "reason", "the smart card service did not answer")
	case !first.Service:
		log.Info("starting with the demo reader", "reason", "the smart card service (pcscd) is not running")
	case len(first.Readers) == 0:
		log.Info("starting with the demo reader", "reason", "no PC/SC reader is attached")
	default:
		log.Info("using PC/SC readers", "count", len(first.Readers))
		return &pcsc.Monitor{OnError: func(err error) { log.Warn("smart card service lost", "err", err) }}, false
	}
	return app.NewDemoSource(), true
}

// openerFor is how checks connect to the tapped card: PC/SC, or (nil) the
// demo reader's own in-process cards.
func openerFor(demo bool) reader.Opener {
	if demo {
		return nil
	}
	return pcsc.Opener{}
}

// probe runs src until its first snapshot or the timeout.
func probe(src reader.Source, timeout time.Duration) (reader.Snapshot, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	got := make(chan reader.Snapshot, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = src.Run(ctx, func(s reader.Snapshot) {
			select {
			case got <- s:
				cancel()
			default:
			}
		})
	}()
	var (
		s  reader.Snapshot
		ok bool
	)
	select {
	case s = <-got:
		ok = true
	case <-ctx.Done():
		select {
		case s = <-got:
			ok = true
		default:
		}
	}
	cancel()
	<-done
	return s, ok
}
