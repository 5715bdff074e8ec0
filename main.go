// Command taimen is the counter's ID check: the desktop app (Wails) or, with
// a subcommand, the CLI of ARCHITECTURE.md. This file is the composition
// root: it builds the services and hands them to Wails or to the CLI.
package main

import (
	"embed"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"

	"taimen/app"
	"taimen/app/cli"
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
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "taimen: unknown argument")
		fmt.Fprintln(stderr, "hint: taimen [--demo] starts the app; taimen help lists the commands")
		return cli.ExitUsage
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))

	src, isDemo := chooseSource(*demo, log)
	counter := app.NewCounter(app.CounterOptions{
		Source:  src,
		Emit:    app.WailsEmitter(),
		Demo:    isDemo,
		Version: version,
		Log:     log,
	})
	err := wails.Run(&options.App{
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
