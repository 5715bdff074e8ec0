// Command devserver serves the built frontend with the real Go backend —
// app.Counter in demo mode, driving the simulated wallet and card — over
// plain HTTP, so that browser tests (Playwright on Debian's Chromium) drive
// the same Go code the desktop app binds, without a Wails window.
//
// Wails binds the Counter's methods as window.go.app.Counter.* and emits
// events through window.runtime; this server provides both with a small
// shim: method calls are POST /__call/<Method> with the JSON arguments, and
// events arrive over server-sent events on /__events. It is a test tool and
// is not part of the taimen binary.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"taimen/app"
	"taimen/app/purpose"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	dist := flag.String("dist", "frontend/dist", "the built frontend")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	hub := newHub()
	counter := app.NewCounter(app.CounterOptions{
		Source:  app.NewDemoSource(),
		Emit:    hub.emit,
		Demo:    true,
		Version: "devserver",
		Log:     log,
		Check:   app.CheckOptions{Purposes: purpose.Default(), Auditor: &app.MemoryAuditor{}},
	})
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	counter.Startup(ctx)
	defer counter.Shutdown(context.Background())

	h, err := newHandler(counter, hub, os.DirFS(*dist))
	if err != nil {
		fmt.Fprintf(os.Stderr, "devserver: %v\n", err)
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "devserver: %v\n", err)
		os.Exit(2)
	}
	// The test runner reads the address from this line.
	fmt.Printf("devserver listening on http://%s/\n", ln.Addr())
	srv := &http.Server{Handler: h}
	go func() { <-ctx.Done(); srv.Close() }()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		fmt.Fprintf(os.Stderr, "devserver: %v\n", err)
		os.Exit(2)
	}
}
