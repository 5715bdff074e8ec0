package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	rmyna "taimen/reader/myna"
	"taimen/sim/mynacard"
	"taimen/verify/myna/mynatest"
)

const simMynacardUsage = "usage: taimen sim mynacard [--vpcd HOST:PORT] [--code-b DIGITS] [--my-number DIGITS] [--tries N] [--trust-out FILE] [--seed S] [--apdu-log]"

// simMynacardSeed is the default seed of the simulated card's test J-LIS
// PKI, so `--trust-out` files from two runs match.
const simMynacardSeed = "taimen sim mynacard"

// RunSimMynacard serves a simulated My Number Card (sim/mynacard, files
// minted by verify/myna/mynatest for a fictitious holder) to vpcd until
// interrupted: taimen sim mynacard [--vpcd HOST:PORT] [--code-b DIGITS]
// [--my-number DIGITS] [--tries N] [--trust-out FILE]. The `sim`
// dispatcher routes "mynacard" here.
//
// It prints the 照合番号B and the 署名用パスワード to stderr (a clerk types
// them) but never the My Number: the simulator holds it as the real card
// does, behind a key 照合番号B cannot open.
func RunSimMynacard(env *Env, args []string) int {
	fs := flag.NewFlagSet("sim mynacard", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var (
		vpcd     = fs.String("vpcd", DefaultVPCD, "address of the vpcd reader to plug the card into")
		codeB    = fs.String("code-b", "", "照合番号B the card accepts, 14 digits (default: the one printed on the simulated card)")
		myNumber = fs.String("my-number", "", "the card's fictitious My Number, 12 digits (default: mynatest's)")
		tries    = fs.Int("tries", 10, "tries of 照合番号B in each application, 1 to 15")
		trustOut = fs.String("trust-out", "", "write the test J-LIS CA keys and JPKI roots (PEM) to this file")
		seed     = fs.String("seed", simMynacardSeed, "seed of the test J-LIS PKI")
		apduLog  = fs.Bool("apdu-log", false, "print every command's header, file and status (never its data) to stderr")
	)
	if err := fs.Parse(args); err != nil {
		fail(env.Stderr, fmt.Errorf("sim mynacard: %w", err), simMynacardUsage)
		return ExitUsage
	}
	if fs.NArg() > 0 {
		fail(env.Stderr, fmt.Errorf("sim mynacard: unexpected argument %q", fs.Arg(0)), simMynacardUsage)
		return ExitUsage
	}
	if *tries < 1 || *tries > 15 {
		fail(env.Stderr, fmt.Errorf("sim mynacard: --tries %d: a card counts 1 to 15 tries (63Cx)", *tries), simMynacardUsage)
		return ExitUsage
	}
	if *myNumber != "" && (len(*myNumber) != 12 || !simcardDigits(*myNumber)) {
		fail(env.Stderr, errors.New("sim mynacard: --my-number must be 12 digits"), simMynacardUsage)
		return ExitUsage
	}
	var code rmyna.CodeB
	if *codeB != "" {
		var err error
		if code, err = rmyna.ParseCodeB(*codeB); err != nil {
			fail(env.Stderr, fmt.Errorf("sim mynacard: --code-b: %w", err), "照合番号B is 生年月日 YYMMDD as printed, 有効期限の年 YYYY, セキュリティコード NNNN")
			return ExitUsage
		}
	}

	pki, err := mynatest.NewPKI(*seed)
	if err != nil {
		fail(env.Stderr, fmt.Errorf("sim mynacard: %w", err), "")
		return ExitUsage
	}
	minted, err := mynatest.NewCard(pki, mynatest.Options{MyNumber: *myNumber})
	if err != nil {
		fail(env.Stderr, fmt.Errorf("sim mynacard: %w", err), "")
		return ExitUsage
	}
	cfg := mynacard.FromTest(minted)
	cfg.CodeBTries = *tries
	if *codeB != "" {
		cfg.CodeB = code.String()
	}
	card, err := mynacard.New(cfg)
	if err != nil {
		fail(env.Stderr, fmt.Errorf("sim mynacard: %w", err), "")
		return ExitUsage
	}
	if *trustOut != "" {
		pem, err := pki.TrustPEM()
		if err == nil {
			err = os.WriteFile(*trustOut, pem, 0o644)
		}
		if err != nil {
			fail(env.Stderr, fmt.Errorf("sim mynacard: trust-out: %w", err), "")
			return ExitUsage
		}
	}
	if *apduLog {
		card.SetAnswerHook(func(e mynacard.Entry) { fmt.Fprintln(env.Stderr, apduLine(e)) })
	}
	shown, _ := rmyna.ParseCodeB(cfg.CodeB)
	fmt.Fprintf(env.Stderr, "taimen: sim mynacard: card for vpcd at %s; 照合番号B %s (%s), %d tries; 署名用パスワード %s; stop with ctrl-c\n",
		*vpcd, cfg.CodeB, shown.Describe(), *tries, cfg.SignPassword)
	return serveVPCD(env, "sim mynacard", *vpcd, card)
}

// apduLine describes one answered APDU for --apdu-log: the four header
// bytes, the file it selected or named, the application and the status.
// Data never appears: VERIFY carries the 照合番号B or a password.
func apduLine(e mynacard.Entry) string {
	head := e.Cmd
	if len(head) > 4 {
		head = head[:4]
	}
	ef := ""
	if e.EF != 0 {
		ef = fmt.Sprintf(" ef%04x", e.EF)
	}
	app := e.App
	if app == "" {
		app = "-"
	}
	return fmt.Sprintf("taimen: sim mynacard: apdu %d: %x%s in %s → %04x", e.Index, head, ef, app, e.SW)
}

func simcardDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
