package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"taimen/app/audit"
	"taimen/app/purpose"
	"taimen/app/session"
	"taimen/reader"
	rmyna "taimen/reader/myna"
	"taimen/reader/nfc"
	"taimen/reader/pcsc"
	"taimen/verify/mdoc"
	"taimen/verify/trust"
)

// tapOutput is the JSON of `taimen tap --json`: the verifier's result plus
// how the check went.
type tapOutput struct {
	*mdoc.Result
	Outcome   session.OutcomeKind `json:"outcome"`
	Purpose   string              `json:"purpose"`
	Reader    string              `json:"reader"`
	Handover  string              `json:"handover,omitempty"`
	Transport string              `json:"transport,omitempty"`
	Audit     *auditRef           `json:"audit,omitempty"`
}

// runTap: taimen tap --purpose ID [--trust PATH...] [--reader NAME]
// [--code-b DIGITS [--allow-last-try]] [--timeout DUR] [--db DSN] [--json]
func runTap(env *Env, args []string) int {
	fs := flag.NewFlagSet("tap", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var trustPaths stringList
	purposeID := fs.String("purpose", "", "why the ID is checked: account-opening, phone-contract, age-check, rental, or one from the config")
	readerName := fs.String("reader", "", "the PC/SC reader to use (default: the first one a card or phone is put on)")
	codeB := fs.String("code-b", "", "照合番号B of a physical My Number Card")
	allowLast := fs.Bool("allow-last-try", false, "allow the last remaining try of 照合番号B")
	timeout := fs.Duration("timeout", 60*time.Second, "how long to wait for the tap")
	dsn := fs.String("db", "", "audit log: SQLite file or postgres:// URL")
	asJSON := fs.Bool("json", false, "print the verdict as JSON")
	purposes := fs.String("purposes", "", "purposes config file (JSON) adding to the built-in ones")
	fs.Var(&trustPaths, "trust", "trust anchor file or folder (PEM/DER); repeatable")
	const usageHint = "usage: taimen tap --purpose ID [--trust PATH...] [--reader NAME] [--code-b DIGITS [--allow-last-try]] [--timeout DUR] [--db DSN] [--json]"
	if err := fs.Parse(args); err != nil {
		fail(env.Stderr, fmt.Errorf("tap: %w", err), usageHint)
		return ExitUsage
	}
	if fs.NArg() > 0 {
		trustPaths = append(trustPaths, fs.Args()...) // "--trust A B" lists several
	}
	set := purpose.Default()
	if *purposes != "" {
		s, err := purpose.Load(*purposes)
		if err != nil {
			fail(env.Stderr, fmt.Errorf("tap: %w", err), "")
			return ExitUsage
		}
		set = s
	}
	if *purposeID == "" {
		fail(env.Stderr, errors.New("tap: no purpose given"), "--purpose account-opening, phone-contract, age-check or rental")
		return ExitUsage
	}
	p, err := set.Get(*purposeID)
	if err != nil {
		fail(env.Stderr, fmt.Errorf("tap: %w", err), "")
		return ExitUsage
	}
	if *allowLast && *codeB == "" {
		fail(env.Stderr, errors.New("tap: --allow-last-try goes with --code-b"), usageHint)
		return ExitUsage
	}
	if *codeB != "" {
		if _, err := rmyna.ParseCodeB(*codeB); err != nil {
			fail(env.Stderr, fmt.Errorf("tap: %w", err), "照合番号B is 14 digits: birth date YYMMDD, expiry year YYYY, security code")
			return ExitUsage
		}
	}
	ctx, stop := simContext()
	defer stop()
	var sink *auditSink
	if *dsn != "" {
		// Opened before the tap, so that a wrong --db fails before a
		// customer waits for nothing.
		if sink, err = openAuditSink(ctx, *dsn); err != nil {
			fail(env.Stderr, fmt.Errorf("tap: %w", err), "--db takes a SQLite file path or a postgres:// URL")
			return ExitUsage
		}
		defer sink.Close()
	}
	if *codeB != "" {
		return runTapCard(ctx, env, p, trustPaths, *readerName, *codeB, *allowLast, *timeout, *asJSON, sink)
	}
	store, err := loadTrust(trustPaths)
	if err != nil {
		fail(env.Stderr, fmt.Errorf("tap: %w", err), "pass the issuers' roots with --trust FILE, or put them in "+configTrustDir("iaca"))
		return ExitUsage
	}
	// Bluetooth is opened before the tap: phones hand over to BLE at once.
	popts := session.PhoneOptions{Purpose: p, Trust: store}
	bctx, bcancel := context.WithTimeout(ctx, 5*time.Second)
	if ble, closeBLE, err := session.OpenBLE(bctx); err == nil {
		popts.BLE = ble
		defer closeBLE()
	}
	bcancel()
	name, err := waitForTap(ctx, *readerName, *timeout)
	if err != nil {
		fail(env.Stderr, fmt.Errorf("tap: %w", err), tapHint(err))
		return ExitUsage
	}
	conn, err := pcsc.Opener{}.Connect(ctx, name)
	if err != nil {
		fail(env.Stderr, fmt.Errorf("tap: %w", err), tapHint(err))
		return ExitUsage
	}
	defer conn.Close()

	out, err := session.RunPhone(ctx, conn, popts)
	if err != nil {
		fail(env.Stderr, fmt.Errorf("tap: %w", err), tapHint(err))
		return ExitUsage
	}
	var rec audit.Record
	if sink != nil {
		rec, err = session.PhoneRecord(out, p, []string{purpose.DocTypeMDL, purpose.DocTypeMNC}, operator(), audit.ConfirmNotConfirmed, sink.secret())
	}
	logged, ok := recordCheck(ctx, env, sink, rec, err)
	if !ok {
		return ExitUsage
	}
	res := out.Result
	if res == nil {
		res = &mdoc.Result{Documents: []mdoc.DocumentResult{}, Warnings: []string{}}
	}
	o := tapOutput{Result: res, Outcome: out.Kind, Purpose: p.ID, Reader: name, Handover: out.Handover, Transport: out.Transport, Audit: logged}
	if *asJSON {
		if !writeJSON(env, o) {
			return ExitUsage
		}
	} else {
		printTap(env.Stdout, o, p)
	}
	if out.Kind != session.Verified || !res.Valid {
		return ExitInvalid
	}
	return ExitValid
}

// loadTrust reads --trust paths, or the configured trust folder.
func loadTrust(paths []string) (*trust.Store, error) {
	if len(paths) == 0 {
		dir := configTrustDir("iaca")
		if _, err := os.Stat(dir); err != nil {
			return nil, errors.New("no trust anchors given or configured")
		}
		paths = []string{dir}
	}
	anchors, err := trust.Load(trust.IACA, paths...)
	if err != nil {
		return nil, fmt.Errorf("trust anchors: %w", err)
	}
	return trust.NewStore(anchors...), nil
}

// configTrustDir is where branch IT puts the anchors of one purpose
// (iaca, jlis, …): the same folders the desktop app reads.
func configTrustDir(kind string) string {
	return filepath.Join(taimenConfigDir(), "trust", kind)
}

// waitForTap follows the readers until a card or phone is on the named
// reader (or any reader) and returns that reader's name.
func waitForTap(ctx context.Context, want string, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var (
		found   string
		lastErr error
	)
	m := &pcsc.Monitor{}
	err := m.Run(ctx, func(s reader.Snapshot) {
		switch {
		case !s.Service:
			lastErr = reader.ErrNoService
		case want != "":
			r, ok := s.Reader(want)
			if !ok {
				lastErr = fmt.Errorf("reader %q: %w", want, reader.ErrNoReader)
			} else if r.CardPresent {
				found = r.Name
				cancel()
			}
		case len(s.Readers) == 0:
			lastErr = reader.ErrNoReader
		default:
			lastErr = nil
			for _, r := range s.Readers {
				if r.CardPresent {
					found = r.Name
					cancel()
					return
				}
			}
		}
	})
	if found != "" {
		return found, nil
	}
	if lastErr != nil {
		return "", lastErr
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "", fmt.Errorf("nothing was tapped within %s: %w", timeout, reader.ErrTimeout)
	}
	return "", err
}

func tapHint(err error) string {
	switch {
	case errors.Is(err, reader.ErrNoService):
		return "start the smart card service: pcscd (Linux) or the Smart Card service (Windows)"
	case errors.Is(err, reader.ErrNoReader):
		return "connect a USB NFC reader (e.g. Sony RC-S300, ACS ACR1252U)"
	case errors.Is(err, reader.ErrTimeout):
		return "tap the phone or card on the reader, or wait longer with --timeout"
	case errors.Is(err, reader.ErrCardRemoved):
		return "the phone or card was taken away too early; tap again and hold it still"
	case errors.Is(err, nfc.ErrLocked):
		return "ask the customer to unlock the phone and open the wallet, then tap again"
	case errors.Is(err, session.ErrTimeout):
		return "the customer did not answer on the phone in time; tap again"
	case errors.Is(err, session.ErrNoTransport):
		return "this phone hands the data over by Bluetooth and this terminal has no Bluetooth adapter"
	case errors.Is(err, session.ErrEngagement):
		return "this is not a phone with a digital ID wallet"
	}
	return ""
}

// printTap writes a short human summary: the overall answer, each check and
// the elements (portraits as their size, never their bytes).
func printTap(w io.Writer, o tapOutput, p purpose.Purpose) {
	if o.Outcome == session.Declined {
		fmt.Fprintf(w, "declined: the customer did not share the data (%s)\n", p.Name.EN)
		return
	}
	fmt.Fprintf(w, "%s: %s (%s, via %s)\n", o.Status, p.Name.EN, o.Reader, o.Transport)
	for _, d := range o.Documents {
		fmt.Fprintf(w, "document %s issued by %s %s\n", d.DocType, d.Issuer.Country, d.Issuer.CommonName)
		for _, c := range d.Checks {
			fmt.Fprintf(w, "  check %-16s %-12s %s\n", c.ID, c.Status, c.Code)
		}
		nss := make([]string, 0, len(d.Elements))
		for ns := range d.Elements {
			nss = append(nss, ns)
		}
		sort.Strings(nss)
		for _, ns := range nss {
			names := make([]string, 0, len(d.Elements[ns]))
			for n := range d.Elements[ns] {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				b, _ := json.Marshal(d.Elements[ns][n])
				s := string(b)
				if strings.Contains(s, `"base64"`) {
					s = fmt.Sprintf("<%d bytes of image data>", len(b)*3/4)
				}
				fmt.Fprintf(w, "  %s = %s\n", n, s)
			}
		}
	}
	for _, wn := range o.Warnings {
		fmt.Fprintf(w, "warning: %s\n", wn)
	}
}
