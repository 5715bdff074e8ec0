package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"taimen/app/audit"
	"taimen/app/purpose"
	"taimen/app/session"
	rmyna "taimen/reader/myna"
	"taimen/reader/pcsc"
	"taimen/verify"
	vmyna "taimen/verify/myna"
)

// cardDocument is the physical card in the shape of the mdoc verdict's
// documents[], so scripts read both the same way.
type cardDocument struct {
	DocType  string                    `json:"docType"`
	Issuer   map[string]string         `json:"issuer"`
	Checks   verify.Checks             `json:"checks"`
	Elements map[string]map[string]any `json:"elements"`
	Warnings []string                  `json:"warnings"`
}

type cardOutput struct {
	Valid     bool                `json:"valid"`
	Status    verify.Status       `json:"status"`
	Outcome   session.OutcomeKind `json:"outcome"`
	Purpose   string              `json:"purpose"`
	Reader    string              `json:"reader"`
	Documents []cardDocument      `json:"documents"`
	Warnings  []string            `json:"warnings"`
	Audit     *auditRef           `json:"audit,omitempty"`
}

// image is a picture in the same JSON shape as mdoc element values.
type image struct {
	MediaType string `json:"mediaType"`
	Base64    []byte `json:"base64"`
}

// runTapCard reads a physical My Number Card with 照合番号B.
func runTapCard(ctx context.Context, env *Env, p purpose.Purpose, trustPaths []string, readerName, codeB string, allowLast bool, timeout time.Duration, asJSON bool, sink *auditSink) int {
	keys, err := loadCAKeys(trustPaths)
	if err != nil {
		fail(env.Stderr, fmt.Errorf("tap: %w", err), "pass the J-LIS CA keys with --trust FILE (PEM public keys or CV certificates), or put them in "+configTrustDir("jlis"))
		return ExitUsage
	}
	name, err := waitForTap(ctx, readerName, timeout)
	if err != nil {
		fail(env.Stderr, fmt.Errorf("tap: %w", err), tapHint(err))
		return ExitUsage
	}
	// Short APDUs only (research §0.5); Close powers the card off, which
	// also drops the verified state of 照合番号B.
	conn, err := pcsc.Opener{Options: rmyna.TransceiverOptions}.Connect(ctx, name)
	if err != nil {
		fail(env.Stderr, fmt.Errorf("tap: %w", err), tapHint(err))
		return ExitUsage
	}
	defer conn.Close()
	out, err := session.RunCard(ctx, conn, session.CardOptions{CodeB: codeB, AllowLastTry: allowLast, CAKeys: keys})
	if err != nil {
		fail(env.Stderr, fmt.Errorf("tap: %w", err), cardHint(err))
		return ExitUsage
	}
	res := out.Result
	els := session.CardElements(p, res.Person, time.Now())
	for k, v := range els {
		if img, ok := v.(*vmyna.Image); ok {
			els[k] = image{MediaType: img.MediaType, Base64: img.Bytes}
		}
	}
	var (
		rec  audit.Record
		rerr error
	)
	if sink != nil {
		// The CLI shows no consent screen, so nothing is agreed for keeping.
		rec, rerr = session.CardRecord(out, p, session.CardElements(p, res.Person, time.Now()), nil, operator(), audit.ConfirmNotConfirmed)
	}
	logged, ok := recordCheck(ctx, env, sink, rec, rerr)
	if !ok {
		return ExitUsage
	}
	o := cardOutput{Audit: logged,
		Valid: res.Valid, Status: res.Status, Outcome: session.Verified, Purpose: p.ID, Reader: name,
		Documents: []cardDocument{{
			DocType:  session.DocTypeCard,
			Issuer:   map[string]string{"country": "JP", "commonName": "J-LIS"},
			Checks:   res.Checks,
			Elements: map[string]map[string]any{session.DocTypeCard: els},
			Warnings: nonNil(res.Warnings),
		}},
		Warnings: []string{},
	}
	if asJSON {
		if !writeJSON(env, o) {
			return ExitUsage
		}
	} else {
		fmt.Fprintf(env.Stdout, "%s: %s (%s, My Number Card)\n", o.Status, p.Name.EN, name)
		for _, c := range res.Checks {
			fmt.Fprintf(env.Stdout, "  check %-22s %-12s %s\n", c.ID, c.Status, c.Code)
		}
		names := make([]string, 0, len(els))
		for k := range els {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			if img, ok := els[k].(image); ok {
				fmt.Fprintf(env.Stdout, "  %s = <%d bytes of %s>\n", k, len(img.Base64), img.MediaType)
				continue
			}
			fmt.Fprintf(env.Stdout, "  %s = %v\n", k, els[k])
		}
	}
	if !res.Valid {
		return ExitInvalid
	}
	return ExitValid
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// loadCAKeys reads J-LIS CA keys from files or the key files of folders.
// Certificates in the same files (the JPKI roots) are skipped.
func loadCAKeys(paths []string) ([]vmyna.CAKey, error) {
	if len(paths) == 0 {
		dir := configTrustDir("jlis")
		if _, err := os.Stat(dir); err != nil {
			return nil, errors.New("no J-LIS CA keys given or configured")
		}
		paths = []string{dir}
	}
	var keys []vmyna.CAKey
	for _, p := range paths {
		files := []string{p}
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			files, _ = filepath.Glob(filepath.Join(p, "*.pem"))
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			k, err := vmyna.ParseCAKeys(f, data)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			keys = append(keys, k...)
		}
	}
	if len(keys) == 0 {
		return nil, errors.New("no J-LIS CA key in the trust files")
	}
	return keys, nil
}

func cardHint(err error) string {
	var low *rmyna.ErrRetriesLow
	switch {
	case errors.As(err, &low):
		return fmt.Sprintf("only %d try of 照合番号B is left: check the digits with the customer; add --allow-last-try only if they are certain", low.Left)
	case errors.Is(err, rmyna.ErrWrongSecret):
		return "the 照合番号B does not match this card: check the birth date, expiry year and security code on the card face"
	case errors.Is(err, rmyna.ErrBlocked):
		return "照合番号B is blocked on this card; the customer must ask their municipality to reset it"
	case errors.Is(err, rmyna.ErrNotMyNumberCard):
		return "this is not a My Number Card"
	}
	return tapHint(err)
}
