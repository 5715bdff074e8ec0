package session

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"taimen/app/purpose"
	"taimen/reader"
	"taimen/sim/wallet"
	"taimen/verify"
	"taimen/verify/mdoc"
	"taimen/verify/trust"
)

func newWallet(t *testing.T, o wallet.Options) *wallet.Wallet {
	t.Helper()
	w, err := wallet.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func phoneOpts(t *testing.T, w *wallet.Wallet, purposeID string) PhoneOptions {
	t.Helper()
	p, err := purpose.Default().Get(purposeID)
	if err != nil {
		t.Fatal(err)
	}
	return PhoneOptions{
		Purpose: p,
		Trust:   trust.NewStore(trust.NewAnchor(w.IACA(), trust.IACA, "sim")),
		// The tests' engagements use short waits; keep the real defaults.
	}
}

func elements(res *mdoc.Result) map[string]bool {
	out := map[string]bool{}
	for _, d := range res.Documents {
		for _, els := range d.Elements {
			for name := range els {
				out[name] = true
			}
		}
	}
	return out
}

func TestRunPhonePurposes(t *testing.T) {
	tests := []struct {
		name     string
		handover wallet.Handover
		docs     []wallet.DocKind
		purpose  string
		want     []string
		never    []string
	}{
		{"age check, static, mnc", wallet.Static, []wallet.DocKind{wallet.DocMNC}, purpose.AgeCheck,
			[]string{"age_over_20", "portrait"}, []string{"full_name_unicode", "resident_address_unicode", "birth_date", "individual_number_unicode"}},
		{"account opening, negotiated, mnc", wallet.Negotiated, []wallet.DocKind{wallet.DocMNC}, purpose.AccountOpening,
			[]string{"full_name_unicode", "resident_address_unicode", "birth_date_unicode", "portrait"}, []string{"age_over_20", "individual_number_unicode"}},
		{"rental, apple-like, mdl", wallet.Apple, []wallet.DocKind{wallet.DocMDL}, purpose.Rental,
			[]string{"family_name", "given_name", "resident_address", "birth_date", "portrait", "driving_privileges"}, []string{"document_number", "age_over_20"}},
		{"phone contract, static, mdl", wallet.Static, []wallet.DocKind{wallet.DocMDL}, purpose.PhoneContract,
			[]string{"family_name", "resident_address", "birth_date", "portrait"}, []string{"driving_privileges"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWallet(t, wallet.Options{Handover: tc.handover, Docs: tc.docs})
			out, err := RunPhone(context.Background(), w.Card(reader.Options{}), phoneOpts(t, w, tc.purpose))
			if err != nil {
				t.Fatal(err)
			}
			if out.Kind != Verified || out.Transport != "nfc" {
				t.Fatalf("outcome %s over %s", out.Kind, out.Transport)
			}
			if !out.Result.Valid {
				t.Fatalf("verdict %s: %+v", out.Result.Status, out.Result.Documents)
			}
			got := elements(out.Result)
			for _, e := range tc.want {
				if !got[e] {
					t.Errorf("missing %s (got %v)", e, got)
				}
			}
			for _, e := range tc.never {
				if got[e] {
					t.Errorf("%s disclosed to a purpose that does not ask for it", e)
				}
			}
			wantHandover := "static"
			if tc.handover != wallet.Static {
				wantHandover = "negotiated"
			}
			if out.Handover != wantHandover {
				t.Errorf("handover %s, want %s", out.Handover, wantHandover)
			}
		})
	}
}

func TestRunPhoneDeclined(t *testing.T) {
	for _, d := range []wallet.Decision{wallet.Decline, wallet.DeclineWithErrors} {
		w := newWallet(t, wallet.Options{Consent: wallet.Consent{Decision: d}})
		out, err := RunPhone(context.Background(), w.Card(reader.Options{}), phoneOpts(t, w, purpose.AgeCheck))
		if err != nil {
			t.Fatalf("decision %v: %v", d, err)
		}
		if out.Kind != Declined {
			t.Fatalf("decision %v: outcome %s", d, out.Kind)
		}
	}
}

func TestRunPhoneExtraElementsDropped(t *testing.T) {
	w := newWallet(t, wallet.Options{SendExtra: true, Docs: []wallet.DocKind{wallet.DocMNC}})
	out, err := RunPhone(context.Background(), w.Card(reader.Options{}), phoneOpts(t, w, purpose.AgeCheck))
	if err != nil {
		t.Fatal(err)
	}
	if got := elements(out.Result); got["full_name_unicode"] {
		t.Fatal("an element sent without being asked is shown")
	}
	if len(out.Result.Documents) != 1 || len(out.Result.Documents[0].Unrequested) == 0 {
		t.Fatal("unrequested elements not flagged")
	}
}

// pullAfter is a card that is pulled from the reader after n APDUs.
type pullAfter struct {
	card reader.Card
	n    int64
	seen atomic.Int64
}

func (p *pullAfter) Transmit(ctx context.Context, cmd reader.Command) (reader.Response, error) {
	if p.seen.Add(1) > p.n {
		return reader.Response{}, reader.ErrCardRemoved
	}
	return p.card.Transmit(ctx, cmd)
}

func TestRunPhoneCardPulledAtEveryAPDU(t *testing.T) {
	// Count the APDUs of a whole check, then pull the phone before each.
	w := newWallet(t, wallet.Options{Handover: wallet.Negotiated, Docs: []wallet.DocKind{wallet.DocMNC}})
	counter := &pullAfter{card: w.Card(reader.Options{}), n: 1 << 30}
	if _, err := RunPhone(context.Background(), counter, phoneOpts(t, w, purpose.AgeCheck)); err != nil {
		t.Fatal(err)
	}
	total := counter.seen.Load()
	if total < 8 {
		t.Fatalf("only %d APDUs in a check", total)
	}
	for i := range total {
		w := newWallet(t, wallet.Options{Handover: wallet.Negotiated, Docs: []wallet.DocKind{wallet.DocMNC}})
		card := &pullAfter{card: w.Card(reader.Options{}), n: i}
		out, err := RunPhone(context.Background(), card, phoneOpts(t, w, purpose.AgeCheck))
		if i == total-1 && err == nil {
			// The last APDU is the polite termination after the response
			// arrived: the check is complete, so a pull there is harmless.
			if out.Kind != Verified || !out.Result.Valid {
				t.Fatalf("pull at the termination spoiled the verdict: %+v", out)
			}
			continue
		}
		if !errors.Is(err, reader.ErrCardRemoved) {
			t.Fatalf("pulled before APDU %d: err %v, want ErrCardRemoved", i, err)
		}
		var se *Error
		if !errors.As(err, &se) || se.Step == "" {
			t.Fatalf("pulled before APDU %d: %v is not a *session.Error", i, err)
		}
	}
}

func TestRunPhoneTimeoutWhileCustomerDecides(t *testing.T) {
	w := newWallet(t, wallet.Options{Consent: wallet.Consent{Delay: time.Hour}, Sleep: func(time.Duration) {}})
	// The wallet's Sleep is instant, so make the wait visible another way:
	// a card whose ENVELOPE blocks until the context ends.
	card := &blockEnvelope{card: w.Card(reader.Options{})}
	opts := phoneOpts(t, w, purpose.AgeCheck)
	opts.ConsentTimeout = 50 * time.Millisecond
	start := time.Now()
	_, err := RunPhone(context.Background(), card, opts)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err %v, want ErrTimeout", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Fatal("the timeout did not stop the wait")
	}
}

type blockEnvelope struct{ card reader.Card }

func (b *blockEnvelope) Transmit(ctx context.Context, cmd reader.Command) (reader.Response, error) {
	if cmd.INS == 0xC3 {
		<-ctx.Done()
		return reader.Response{}, ctx.Err()
	}
	return b.card.Transmit(ctx, cmd)
}

func TestRunPhoneUntrustedIssuer(t *testing.T) {
	w := newWallet(t, wallet.Options{})
	other := newWallet(t, wallet.Options{Seed: "another issuer"})
	opts := phoneOpts(t, other, purpose.AgeCheck) // trusts the other wallet's IACA only
	out, err := RunPhone(context.Background(), w.Card(reader.Options{}), opts)
	if err != nil {
		t.Fatal(err)
	}
	if out.Result.Valid {
		t.Fatal("a credential from an untrusted issuer is valid")
	}
	c, _ := out.Result.Documents[0].Checks.Get("issuer_chain")
	if c.Status != verify.StatusInvalid {
		t.Fatalf("issuer_chain %+v", c)
	}
}

func TestRunPhoneProgress(t *testing.T) {
	w := newWallet(t, wallet.Options{Docs: []wallet.DocKind{wallet.DocMNC}})
	opts := phoneOpts(t, w, purpose.AgeCheck)
	var steps []Step
	opts.Progress = func(s Step) { steps = append(steps, s) }
	if _, err := RunPhone(context.Background(), w.Card(reader.Options{}), opts); err != nil {
		t.Fatal(err)
	}
	if len(steps) != 2 || steps[0] != StepRequested || steps[1] != StepReceived {
		t.Fatalf("steps %v", steps)
	}
}
