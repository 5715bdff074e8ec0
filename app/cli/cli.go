// Package cli is the `taimen <command>` command line (ARCHITECTURE.md, "CLI
// contract"). Output rules: results on stdout; messages on stderr as
// "taimen: …" in lowercase, with an optional "hint: …" line. Exit codes:
// 0 valid, 1 invalid (a verdict, including malformed input), 2 usage or I/O
// error.
package cli

import (
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// Exit codes of the CLI contract.
const (
	ExitValid   = 0
	ExitInvalid = 1
	ExitUsage   = 2
)

// Env is what a command may touch: its streams and the files it is given.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// ReadFile reads a named file ("-" is stdin); os.ReadFile by default.
	ReadFile func(name string) ([]byte, error)
}

type command struct {
	summary string
	run     func(env *Env, args []string) int
}

var commands = map[string]command{
	"verify": {"verify a DeviceResponse against trust anchors", runVerify},
	"audit":  {"verify, export or purge the audit log", runAudit},
	"tap":    {"wait for a phone on the reader and check it for a purpose", runTap},
	"sim":    {"run a simulated phone wallet as a vpcd virtual card", runSim},
}

// IsCommand reports whether name is a CLI subcommand (rather than a flag of
// the desktop app).
func IsCommand(name string) bool {
	_, ok := commands[name]
	return ok || name == "help"
}

// Run runs one subcommand; args[0] is its name.
func Run(args []string, env *Env) int {
	if env.Stdin == nil {
		env.Stdin = os.Stdin
	}
	if env.ReadFile == nil {
		env.ReadFile = func(name string) ([]byte, error) {
			if name == "-" {
				return io.ReadAll(io.LimitReader(env.Stdin, maxInput+1))
			}
			return os.ReadFile(name)
		}
	}
	if len(args) == 0 || args[0] == "help" {
		usage(env.Stderr)
		return ExitUsage
	}
	c, ok := commands[args[0]]
	if !ok {
		fail(env.Stderr, fmt.Errorf("unknown command %q", args[0]), "run `taimen help` for the list of commands")
		return ExitUsage
	}
	return c.run(env, args[1:])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: taimen [--demo]            start the desktop app")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "       taimen %-18s %s\n", n+" …", commands[n].summary)
	}
}

// fail prints "taimen: msg" and an optional hint, per the CLI rules.
func fail(w io.Writer, err error, hint string) {
	msg := err.Error()
	fmt.Fprintf(w, "taimen: %s\n", msg)
	if hint != "" {
		fmt.Fprintf(w, "hint: %s\n", hint)
	}
}

// maxInput bounds what is read from a file or stdin; larger inputs are a
// verdict ("too large") made by the verifier on the truncated-to-limit read.
const maxInput = 32 << 20

// decodeMaybeHex accepts raw bytes or hex text (as in the vector files):
// text made only of hex digits and white space is decoded.
func decodeMaybeHex(b []byte) []byte {
	s := strings.Join(strings.Fields(string(b)), "")
	if s == "" {
		return b
	}
	out, err := hex.DecodeString(s)
	if err != nil {
		return b
	}
	return out
}
