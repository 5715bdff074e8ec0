// Command taimen is the counter's ID check: the desktop app (Wails) or, with
// a subcommand, the CLI of ARCHITECTURE.md. This file is the composition
// root: it builds the services and hands them to Wails or to the CLI.
package main

import (
	"context"
	"embed"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"

	"taimen/app"
	"taimen/app/cli"
	"taimen/app/purpose"
	"taimen/app/session"
)

//go:embed all:frontend/dist
var assets embed.FS

// version is set at build time (-ldflags "-X main.version=…").
var version = "dev"

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && cli.IsCommand(args[0]) {
		return cli.Run(args, &cli.Env{Stdout: stdout, Stderr: stderr})
	}
	fs := flag.NewFlagSet("taimen", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	demo := fs.Bool("demo", false, "use the in-process demo reader even when a PC/SC reader is attached")
	purposesFile := fs.String("purposes", os.Getenv("TAIMEN_PURPOSES"), "purposes config file (JSON) adding to the built-in ones")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "taimen: unknown argument")
		fmt.Fprintln(stderr, "hint: taimen [--demo] starts the app; taimen help lists the commands")
		return cli.ExitUsage
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	purposes, err := loadPurposes(*purposesFile)
	if err != nil {
		fmt.Fprintf(stderr, "taimen: %v\n", err)
		fmt.Fprintln(stderr, "hint: fix the purposes file, or start without --purposes / TAIMEN_PURPOSES")
		return cli.ExitUsage
	}

	src, isDemo := chooseSource(*demo, log)
	auditor, closeAudit := openAuditor(isDemo, log)
	defer closeAudit()
	ble, closeBLE := openBLE(isDemo, log)
	defer closeBLE()
	counter := app.NewCounter(app.CounterOptions{
		Source:  src,
		Emit:    app.WailsEmitter(),
		Demo:    isDemo,
		Version: version,
		Log:     log,
		Check:   app.CheckOptions{Opener: openerFor(isDemo), Purposes: purposes, Auditor: auditor, BLE: ble},
	})
	err = wails.Run(&options.App{
		Title:            "Taimen 対面",
		Width:            1280,
		Height:           800,
		MinWidth:         1024,
		MinHeight:        700,
		BackgroundColour: options.NewRGB(0xf5, 0xf7, 0xfa),
		AssetServer:      &assetserver.Options{Assets: assets},
		OnStartup:        counter.Startup,
		OnShutdown:       counter.Shutdown,
		Bind:             []any{counter},
	})
	if err != nil {
		fmt.Fprintf(stderr, "taimen: %v\n", err)
		return cli.ExitUsage
	}
	return 0
}

// loadPurposes reads the purposes config file, or returns the built-ins.
// A broken file stops the start: a counter must never silently ask for
// more, or less, than IT configured.
func loadPurposes(path string) (*purpose.Set, error) {
	if path == "" {
		return purpose.Default(), nil
	}
	return purpose.Load(path)
}

// openAuditor opens the terminal's audit log in the config folder. Demo
// mode keeps its (fictitious) checks in memory, out of the real log. When
// the log cannot be opened the app still starts, with the in-memory
// history, and says so in the log.
func openAuditor(demo bool, log *slog.Logger) (app.Auditor, func()) {
	if demo {
		return &app.MemoryAuditor{}, func() {}
	}
	dir, err := app.ConfigDir()
	if err == nil {
		var al *app.AuditLog
		if al, err = app.OpenAuditLog(context.Background(), dir, nil); err == nil {
			return al, func() { al.Close() }
		}
	}
	log.Error("audit log not available; this run's checks are kept in memory only", "err", err)
	return &app.MemoryAuditor{}, func() {}
}

// openBLE opens the terminal's Bluetooth for phones that hand over to BLE
// (Apple, Google and Samsung wallets do). Without an adapter the app reads
// phones that offer NFC data retrieval only, and says so in the log. The
// demo reader's simulated phone uses NFC.
func openBLE(demo bool, log *slog.Logger) (session.BLEServer, func()) {
	if demo {
		return nil, func() {}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ble, closeBLE, err := session.OpenBLE(ctx)
	if err != nil {
		log.Warn("no Bluetooth: phones that use Bluetooth cannot be read", "err", err)
		return nil, func() {}
	}
	return ble, closeBLE
}
