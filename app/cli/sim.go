package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"taimen/sim/vicc"
	"taimen/sim/wallet"
)

// simContext is the lifetime of a simulator: until SIGINT or SIGTERM.
// Tests replace it.
var simContext = func() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// simCommands are the simulators of `taimen sim …`.
var simCommands = map[string]command{
	"wallet":   {"a phone wallet (mDL, My Number Card) as a vpcd virtual card", runSimWallet},
	"mynacard": {"a physical My Number Card as a vpcd virtual card", RunSimMynacard},
}

// DefaultVPCD is where vsmartcard's vpcd listens by default (port 0x8C7B).
const DefaultVPCD = "localhost:35963"

// runSim: taimen sim wallet|… [flags]
func runSim(env *Env, args []string) int {
	if len(args) == 0 {
		fail(env.Stderr, errors.New("sim: no simulator given"), "usage: taimen sim "+strings.Join(simNames(), "|")+" [flags]")
		return ExitUsage
	}
	c, ok := simCommands[args[0]]
	if !ok {
		fail(env.Stderr, fmt.Errorf("sim: unknown simulator %q", args[0]), "usage: taimen sim "+strings.Join(simNames(), "|")+" [flags]")
		return ExitUsage
	}
	return c.run(env, args[1:])
}

func simNames() []string {
	n := make([]string, 0, len(simCommands))
	for k := range simCommands {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

const simWalletUsage = "usage: taimen sim wallet [--vpcd HOST:PORT] [--handover static|negotiated|apple] [--transfer nfc|ble] [--trust-out FILE] " +
	"[--doc mdl,mnc] [--consent approve|decline|decline-errors] [--approve ELEMENT,...] [--delay DUR] [--device-auth sig|mac] [--not-ready N]"

// runSimWallet serves a simulated phone wallet to vpcd until interrupted.
func runSimWallet(env *Env, args []string) int {
	fs := flag.NewFlagSet("sim wallet", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var (
		vpcd     = fs.String("vpcd", DefaultVPCD, "address of the vpcd reader to plug the card into")
		handover = fs.String("handover", "static", "engagement: static, negotiated or apple")
		transfer = fs.String("transfer", "nfc", "data retrieval the wallet selects: nfc or ble")
		trustOut = fs.String("trust-out", "", "write the simulator's test IACA (PEM) to this file")
		docs     = fs.String("doc", "mnc,mdl", "credentials held: mdl, mnc, or both")
		consent  = fs.String("consent", "approve", "the user's answer: approve, decline or decline-errors")
		approve  = fs.String("approve", "", "approve only these elements (ns/element or element, comma separated)")
		delay    = fs.Duration("delay", 0, "hold each answer this long (the user deciding)")
		auth     = fs.String("device-auth", "sig", "device authentication: sig or mac")
		notReady = fs.Int("not-ready", 0, "NLEN = 0 replies before the handover select (0: mode default, -1: none)")
		seed     = fs.String("seed", "", "seed of the test PKI (default: the built-in one)")
	)
	if err := fs.Parse(args); err != nil {
		fail(env.Stderr, fmt.Errorf("sim wallet: %w", err), simWalletUsage)
		return ExitUsage
	}
	if fs.NArg() > 0 {
		fail(env.Stderr, fmt.Errorf("sim wallet: unexpected argument %q", fs.Arg(0)), simWalletUsage)
		return ExitUsage
	}
	opts, err := walletOptions(*handover, *transfer, *docs, *consent, *approve, *auth, *delay, *notReady)
	if err != nil {
		fail(env.Stderr, fmt.Errorf("sim wallet: %w", err), simWalletUsage)
		return ExitUsage
	}
	opts.Seed = *seed
	w, err := wallet.New(opts)
	if err != nil {
		fail(env.Stderr, fmt.Errorf("sim wallet: %w", err), "")
		return ExitUsage
	}
	if *trustOut != "" {
		if err := os.WriteFile(*trustOut, w.TrustPEM(), 0o644); err != nil {
			fail(env.Stderr, fmt.Errorf("sim wallet: trust-out: %w", err), "")
			return ExitUsage
		}
	}
	fmt.Fprintf(env.Stderr, "taimen: sim wallet: card for vpcd at %s (handover %s, transfer %s); stop with ctrl-c\n", *vpcd, *handover, *transfer)
	return serveVPCD(env, "sim wallet", *vpcd, w)
}

// serveVPCD runs a simulator as the virtual card of a vpcd reader until
// ctrl-c, redialling when pcscd goes away, and says so on stderr.
func serveVPCD(env *Env, name, addr string, h vicc.Handler) int {
	ctx, cancel := simContext()
	defer cancel()
	c := vicc.New(addr, h)
	c.OnConnect = func(up bool) {
		if up {
			fmt.Fprintf(env.Stderr, "taimen: %s: connected to vpcd\n", name)
		} else {
			fmt.Fprintf(env.Stderr, "taimen: %s: vpcd connection closed, redialling\n", name)
		}
	}
	if err := c.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		fail(env.Stderr, fmt.Errorf("%s: %w", name, err), "")
		return ExitUsage
	}
	return ExitValid
}

func walletOptions(handover, transfer, docs, consent, approve, auth string, delay time.Duration, notReady int) (wallet.Options, error) {
	var o wallet.Options
	var err error
	if o.Handover, err = wallet.ParseHandover(handover); err != nil {
		return o, err
	}
	if o.Transfer, err = wallet.ParseTransfer(transfer); err != nil {
		return o, err
	}
	for _, d := range strings.Split(docs, ",") {
		switch k := wallet.DocKind(strings.TrimSpace(d)); k {
		case wallet.DocMDL, wallet.DocMNC:
			o.Docs = append(o.Docs, k)
		default:
			return o, fmt.Errorf("unknown document %q, want mdl or mnc", d)
		}
	}
	switch consent {
	case "approve":
		o.Consent.Decision = wallet.Approve
	case "decline":
		o.Consent.Decision = wallet.Decline
	case "decline-errors":
		o.Consent.Decision = wallet.DeclineWithErrors
	default:
		return o, fmt.Errorf("consent %q, want approve, decline or decline-errors", consent)
	}
	if approve != "" {
		o.Consent.Only = wallet.ParseElementRefs(approve)
		if len(o.Consent.Only) == 0 {
			return o, errors.New("--approve names no element")
		}
	}
	if delay < 0 {
		return o, errors.New("negative --delay")
	}
	o.Consent.Delay = delay
	switch auth {
	case "sig":
		o.DeviceAuth = wallet.Signature
	case "mac":
		o.DeviceAuth = wallet.MAC
	default:
		return o, fmt.Errorf("device auth %q, want sig or mac", auth)
	}
	o.NotReady = notReady
	return o, nil
}
