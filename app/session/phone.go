// Package session runs one customer's check: engage the tapped phone or
// card, request what the purpose needs, wait for consent, verify, and hand
// the verdict to the app. It owns the loop, the timeouts and cancellation;
// the protocol steps are the sans-IO pieces of reader/ and verify/.
package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"taimen/app/purpose"
	"taimen/reader"
	"taimen/reader/nfc"
	"taimen/reader/transport"
	"taimen/verify/mdoc"
	"taimen/verify/trust"
)

// Sentinels of a phone check that stops. A verdict (valid or not) and a
// customer who declines are outcomes, not errors.
var (
	// ErrEngagement: the NFC engagement failed (not a phone wallet, a
	// malformed handover, the phone was locked).
	ErrEngagement = errors.New("engagement failed")
	// ErrNoTransport: the phone offers no data retrieval this terminal can do.
	ErrNoTransport = errors.New("no common way to receive the data")
	// ErrTimeout: the phone did not answer in time.
	ErrTimeout = errors.New("the phone did not answer in time")
	// ErrProtocol: the phone broke the session protocol (undecryptable or
	// malformed session messages).
	ErrProtocol = errors.New("session protocol error")
)

// Error is a stopped check: the step it stopped at and why. It unwraps to
// one of the sentinels above and to the cause (reader.ErrCardRemoved, …).
type Error struct {
	Step string
	Err  error
}

func (e *Error) Error() string { return "session: " + e.Step + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// OutcomeKind is how a check ended.
type OutcomeKind string

const (
	// Verified: a response arrived and was verified; the verdict is in
	// Result (and may be invalid).
	Verified OutcomeKind = "verified"
	// Declined: the customer declined on the phone (or sent nothing).
	Declined OutcomeKind = "declined"
)

// BLEServer is how the session receives data over Bluetooth LE in mdoc
// central client mode (18013-5 §8.3.3.1.1): the terminal advertises the
// service UUID it offered in its Handover Request and serves the GATT
// service. Nil means this terminal has no Bluetooth.
type BLEServer interface {
	// ServeCentralClient advertises uuid and serves the mdoc reader
	// service until the returned transport is closed. eDeviceKeyBytes is
	// the holder's tag-24 EDeviceKey as in the SessionTranscript: the
	// Ident characteristic derives from it (transport.CentralClientOptions).
	ServeCentralClient(ctx context.Context, uuid nfc.UUID, eDeviceKeyBytes []byte) (transport.Transport, error)
}

// PhoneOptions configure a phone check.
type PhoneOptions struct {
	Purpose purpose.Purpose
	Trust   *trust.Store
	// DocTypes asked for; default the mDL and the My Number Card mdoc.
	DocTypes []string
	// ReaderAuth signs the request when set (18013-5 §9.1.4).
	ReaderAuth *mdoc.ReaderAuthKey
	// BLE is nil when the terminal has no Bluetooth adapter.
	BLE BLEServer
	// Now and Rand are injected; defaults time.Now and crypto/rand.
	Now  func() time.Time
	Rand io.Reader
	// EngageTimeout bounds the NFC engagement (default 10 s);
	// ConsentTimeout bounds the wait for the customer's answer (default 120 s).
	EngageTimeout, ConsentTimeout time.Duration
	// NFC tunes the engagement (tests); BLE/NFC offers are set here.
	NFC nfc.Options
	// Progress, if set, is told where the check stands, so the clerk's
	// screen can say "check your phone" and then "verifying". It runs on
	// RunPhone's goroutine and must not block.
	Progress func(Step)
}

// Step is a point a phone check has reached.
type Step string

const (
	// StepRequested: the request is with the phone; the customer decides.
	StepRequested Step = "requested"
	// StepReceived: the answer arrived and is being verified.
	StepReceived Step = "received"
)

// Outcome is the end of a phone check.
type Outcome struct {
	Kind      OutcomeKind
	Result    *mdoc.Result // set when Kind is Verified
	Request   []mdoc.DocRequestSpec
	Handover  string // "static" or "negotiated"
	Transport string // "nfc" or "ble"
}

func (o *PhoneOptions) defaults() {
	if len(o.DocTypes) == 0 {
		o.DocTypes = []string{purpose.DocTypeMDL, purpose.DocTypeMNC}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.EngageTimeout <= 0 {
		o.EngageTimeout = 10 * time.Second
	}
	if o.ConsentTimeout <= 0 {
		o.ConsentTimeout = 120 * time.Second
	}
}

// RunPhone runs one phone check over a connected card (the phone on the
// reader). Cancel ctx to stop it at any step.
func RunPhone(ctx context.Context, card reader.Card, opts PhoneOptions) (*Outcome, error) {
	opts.defaults()
	fail := func(step string, err error) (*Outcome, error) { return nil, &Error{Step: step, Err: err} }

	// 1. Engagement: offer NFC always, BLE when this terminal has it.
	nopts := opts.NFC
	nopts.OfferNFC = true
	nopts.NoBLE = opts.BLE == nil
	if nopts.Rand == nil {
		nopts.Rand = opts.Rand
	}
	ectx, cancel := context.WithTimeout(ctx, opts.EngageTimeout)
	eng, err := nfc.Engage(ectx, card, nopts)
	cancel()
	if err != nil {
		if errors.Is(err, nfc.ErrNoCarrier) {
			// The phone took none of the carriers we offered (a BLE-only
			// phone and a terminal without Bluetooth): the engagement
			// worked, there is just no common transport.
			return fail("transport", fmt.Errorf("%w: %w", ErrNoTransport, err))
		}
		return fail("engage", classify(ectx, err, ErrEngagement))
	}
	out := &Outcome{Handover: "static"}
	hr := []byte(nil)
	if eng.Handover == nfc.Negotiated {
		out.Handover, hr = "negotiated", eng.Hr
	}
	de, err := mdoc.ParseDeviceEngagement(eng.DeviceEngagement)
	if err != nil {
		return fail("engage", fmt.Errorf("%w: %w", ErrEngagement, err))
	}
	handover, err := mdoc.HandoverNFC(eng.Hs, hr)
	if err != nil {
		return fail("engage", err)
	}
	sess, err := mdoc.NewReaderSession(de, handover, opts.Rand)
	if err != nil {
		return fail("session", fmt.Errorf("%w: %w", ErrEngagement, err))
	}

	// 2. Transport: BLE when the phone asks for it and we have it, else NFC.
	var tr transport.Transport
	switch {
	case eng.BLE != nil && opts.BLE != nil:
		out.Transport = "ble"
		tr, err = opts.BLE.ServeCentralClient(ctx, eng.BLE.UUID, de.EDeviceKeyBytes.Raw)
		if err != nil {
			return fail("ble", err)
		}
	case eng.NFC != nil:
		out.Transport = "nfc"
		t := transport.NewNFC(card, transport.NFCOptions{MaxCommand: eng.NFC.MaxCommand, MaxResponse: eng.NFC.MaxResponse})
		if err := t.Open(ctx); err != nil {
			return fail("nfc", err)
		}
		tr = t
	default:
		return fail("transport", ErrNoTransport)
	}
	defer tr.Close()

	// 3. Request what the purpose needs.
	out.Request = opts.Purpose.Request(opts.DocTypes...)
	req, err := mdoc.BuildDeviceRequest(out.Request, opts.ReaderAuth, sess.Transcript())
	if err != nil {
		return fail("request", err)
	}
	est, err := sess.SessionEstablishment(req)
	if err != nil {
		return fail("request", err)
	}
	cctx, cancel := context.WithTimeout(ctx, opts.ConsentTimeout)
	defer cancel()
	if err := tr.Send(cctx, est); err != nil {
		return fail("request", classify(cctx, err, ErrProtocol))
	}
	progress(opts.Progress, StepRequested)

	// 4. Wait for the customer's answer.
	msg, err := tr.Receive(cctx)
	if err != nil {
		// A holder that ends the session without an answer declined; one
		// cut off in the middle of its answer did not.
		if errors.Is(err, transport.ErrPeerClosed) && !errors.Is(err, transport.ErrIncomplete) {
			out.Kind = Declined
			return out, nil
		}
		return fail("response", classify(cctx, err, ErrProtocol))
	}
	progress(opts.Progress, StepReceived)
	plain, _, err := sess.Decrypt(msg)
	switch {
	case errors.Is(err, mdoc.ErrSessionTerminated) && len(plain) == 0:
		// A bare status 20 is how wallets say the user declined.
		out.Kind = Declined
		return out, nil
	case err != nil && len(plain) == 0:
		return fail("response", fmt.Errorf("%w: %w", ErrProtocol, err))
	}
	// End the session politely; the phone may already have ended it.
	if !errors.Is(err, mdoc.ErrSessionTerminated) {
		_ = tr.Send(ctx, sess.Terminate())
	}

	// 5. Verify exactly the bytes that arrived.
	res := mdoc.VerifyResponse(plain, mdoc.VerifyOptions{
		Trust:      opts.Trust,
		At:         opts.Now(),
		Transcript: ptr(sess.Transcript()),
		ReaderKey:  sess.EReaderKeyPrivate(),
		Requested:  opts.Purpose.Requested(opts.DocTypes...),
	})
	if len(res.Documents) == 0 && len(res.DocumentErrors) > 0 {
		out.Kind = Declined
		out.Result = res
		return out, nil
	}
	out.Kind, out.Result = Verified, res
	return out, nil
}

func ptr[T any](v T) *T { return &v }

func progress(f func(Step), s Step) {
	if f != nil {
		f(s)
	}
}

// classify turns a deadline into ErrTimeout and keeps the cause.
func classify(ctx context.Context, err, kind error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: %w", ErrTimeout, err)
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	return fmt.Errorf("%w: %w", kind, err)
}
