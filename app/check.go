package app

import (
	"context"
	"errors"
	"io"
	"time"

	"taimen/app/purpose"
	"taimen/app/session"
	"taimen/reader"
	"taimen/sim/wallet"
	vmyna "taimen/verify/myna"
	"taimen/verify/trust"
)

// CheckOptions configure the customer's check. The zero value is the
// production setup minus the reader opener: the real clock, settings in
// ConfigDir(), the built-in purposes, an in-memory audit log.
type CheckOptions struct {
	// Opener connects to the card on a PC/SC reader (pcsc.Opener in
	// production). In demo mode the DemoSource opens its own cards.
	Opener reader.Opener
	// Purposes offered; nil means the built-in ones.
	Purposes *purpose.Set
	// SettingsDir holds settings.json; "" means ConfigDir().
	SettingsDir string
	// Auditor writes the audit entry of each check; nil means a
	// MemoryAuditor (this run's history only).
	Auditor Auditor
	// Clock drives verification time and timers; nil means the real clock.
	Clock Clock
	// Rand is the session's randomness; nil means crypto/rand.
	Rand io.Reader
	// BLE is the terminal's Bluetooth for phones that hand over to BLE;
	// nil when it has none (NFC data retrieval only).
	BLE session.BLEServer
	// ErrorHold is how long an error stays before the flow waits for the
	// next tap again (default 5 s).
	ErrorHold time.Duration
	// DemoWallet sets up the simulated phone of a demo tap ("phone" or
	// "mdl"); nil means the default: static handover, NFC transfer, the
	// customer approving after DemoConsentDelay.
	DemoWallet func(kind string) wallet.Options
	// DemoConsentDelay is how long the simulated customer takes to approve
	// on the phone (default 1.5 s, so the "check your phone" screen shows).
	DemoConsentDelay time.Duration
}

// checkConfig is fixed at construction.
type checkConfig struct {
	opener      reader.Opener
	demoSrc     *DemoSource
	auditor     Auditor
	clock       Clock
	rand        io.Reader
	ble         session.BLEServer
	errorHold   time.Duration
	settingsDir string
	demoWallet  func(kind string) wallet.Options
	demoAnchors []trust.Anchor
}

// config changes with SaveSettings; guarded by cfgMu.
type config struct {
	settings Settings
	purposes *purpose.Set
	trust    *trustConfig
}

// flow is the state of the current customer's check; guarded by fmu.
type flow struct {
	phase   Phase
	purpose string
	source  string
	view    *ResultView
	outcome *session.Outcome // what the view was built from: wiped with it
	errCode string
	idle    int // seconds left until the result is wiped
	// gen changes with every new check and every wipe, so that a late
	// answer of a cancelled check or a stale timer changes nothing.
	gen     uint64
	cancel  context.CancelCauseFunc
	reader  string          // the reader the running check uses
	present map[string]bool // last reported presence per reader
	stop    func() bool     // the pending timer (idle tick or error hold)
	base    context.Context
	// The plastic card: the code entry channel while in code_b, the tries
	// left, and the verdict shown (wiped with the view).
	codeB chan codeBRequest
	tries *int
	card  *vmyna.Result
}

func (c *Counter) initCheck(o CheckOptions) {
	cfg := checkConfig{opener: o.Opener, auditor: o.Auditor, clock: o.Clock, rand: o.Rand, ble: o.BLE, errorHold: o.ErrorHold, demoWallet: o.DemoWallet}
	if cfg.clock == nil {
		cfg.clock = realClock{}
	}
	if cfg.auditor == nil {
		cfg.auditor = &MemoryAuditor{}
	}
	if cfg.errorHold <= 0 {
		cfg.errorHold = 5 * time.Second
	}
	cfg.settingsDir = o.SettingsDir
	if cfg.settingsDir == "" {
		if dir, err := ConfigDir(); err == nil {
			cfg.settingsDir = dir
		} else {
			c.log.Warn("no user config folder; settings are not kept", "err", err)
		}
	}
	if d, ok := c.source.(*DemoSource); ok && c.demo {
		cfg.demoSrc = d
		if cfg.opener == nil {
			cfg.opener = d
		}
		delay := o.DemoConsentDelay
		if delay <= 0 {
			delay = 1500 * time.Millisecond
		}
		go demoMynaOnce() // mint the demo card's keys before the first card tap
		if cfg.demoWallet == nil {
			cfg.demoWallet = func(string) wallet.Options {
				return wallet.Options{Handover: wallet.Static, Transfer: wallet.TransferNFC, Consent: wallet.Consent{Decision: wallet.Approve, Delay: delay}}
			}
		}
		// The simulators' test root, for demo mode only: the same seed
		// always gives the same IACA.
		if w, err := wallet.New(wallet.Options{Now: cfg.clock.Now}); err == nil {
			cfg.demoAnchors = []trust.Anchor{trust.NewAnchor(w.IACA(), trust.IACA, SourceDemo)}
		} else {
			c.log.Error("demo wallet", "err", err)
		}
	}
	c.cfg = cfg

	c.conf.purposes = o.Purposes
	if c.conf.purposes == nil {
		c.conf.purposes = purpose.Default()
	}
	s := DefaultSettings()
	if cfg.settingsDir != "" {
		loaded, err := loadSettings(cfg.settingsDir)
		if err != nil {
			c.log.Warn("settings not loaded, using defaults", "err", err)
		}
		s = loaded
	}
	tc, cerr := loadTrust(cfg.settingsDir, s, cfg.demoAnchors, cfg.clock.Now())
	if cerr != nil {
		c.log.Warn("trust anchors not loaded", "code", cerr.Code)
		tc, _ = loadTrust("", DefaultSettings(), cfg.demoAnchors, cfg.clock.Now())
	}
	c.conf.settings, c.conf.trust = s, tc
	c.flow = flow{phase: PhaseIdle, present: map[string]bool{}, base: context.Background()}
}

// --- bound methods -------------------------------------------------------

// State returns the current check state (the frontend asks once at start,
// then follows EventCheckState).
func (c *Counter) State() CheckState {
	c.fmu.Lock()
	defer c.fmu.Unlock()
	return c.snapshotLocked()
}

// Purposes lists the purposes the clerk can choose, in display order.
func (c *Counter) Purposes() []PurposeInfo {
	c.cfgMu.RLock()
	defer c.cfgMu.RUnlock()
	all := c.conf.purposes.All()
	out := make([]PurposeInfo, 0, len(all))
	for _, p := range all {
		out = append(out, purposeInfo(p))
	}
	return out
}

// StartCheck: the clerk chose a purpose; wait for a tap. A result still on
// screen is wiped first (and audited as not confirmed).
func (c *Counter) StartCheck(purposeID string) CheckState {
	c.cfgMu.RLock()
	_, err := c.conf.purposes.Get(purposeID)
	c.cfgMu.RUnlock()
	c.fmu.Lock()
	defer c.fmu.Unlock()
	f := &c.flow
	switch {
	case err != nil:
		return c.rejectLocked(CodeUnknownPurpose)
	case f.running():
		return c.rejectLocked(CodeBusy)
	}
	c.endCustomerLocked(ConfirmedNone)
	f.purpose = purposeID
	return c.setPhaseLocked(PhaseWaiting)
}

// Cancel ends the current customer's check, whatever its phase, and wipes
// everything of it; the purpose stays chosen for the next customer.
func (c *Counter) Cancel() CheckState {
	c.fmu.Lock()
	defer c.fmu.Unlock()
	c.endCustomerLocked(ConfirmedNone)
	return c.setPhaseLocked(PhaseIdle)
}

// Confirm records the clerk's face comparison, writes the audit entry and
// wipes the result; the purpose stays the default for the next customer.
func (c *Counter) Confirm(match bool) CheckState {
	c.fmu.Lock()
	defer c.fmu.Unlock()
	if c.flow.phase != PhaseResult {
		return c.rejectLocked(CodeNoResult)
	}
	conf := ConfirmedMismatch
	if match {
		conf = ConfirmedMatch
	}
	if c.flow.view != nil && c.flow.view.Overall == overallDeclined {
		conf = ConfirmedNone // nothing was shown to compare
	}
	c.endCustomerLocked(conf)
	return c.setPhaseLocked(PhaseIdle)
}

// DemoTap puts a simulated customer on the demo reader: "phone" (the My
// Number Card mdoc), "mdl", or "card" (the plastic My Number Card; its
// 照合番号B is DemoCodeB). The real flow then runs against it.
func (c *Counter) DemoTap(kind string) CheckState {
	c.fmu.Lock()
	defer c.fmu.Unlock()
	f := &c.flow
	switch {
	case c.cfg.demoSrc == nil:
		return c.rejectLocked(CodeNotDemo)
	case kind != "phone" && kind != "mdl" && kind != "card":
		return c.rejectLocked(CodeNotSupported)
	case f.running():
		return c.rejectLocked(CodeBusy)
	case f.phase == PhaseIdle:
		return c.rejectLocked(CodeNoPurpose)
	}
	if kind == "card" {
		card, err := newDemoCard()
		if err != nil {
			c.log.Error("demo card", "err", err)
			return c.rejectLocked(CodeInternal)
		}
		c.cfg.demoSrc.Place(card)
		return c.snapshotLocked()
	}
	o := c.cfg.demoWallet(kind)
	o.Docs = []wallet.DocKind{wallet.DocMNC}
	if kind == "mdl" {
		o.Docs = []wallet.DocKind{wallet.DocMDL}
	}
	if o.Now == nil {
		o.Now = c.cfg.clock.Now
	}
	w, err := wallet.New(o)
	if err != nil {
		c.log.Error("demo wallet", "err", err)
		return c.rejectLocked(CodeInternal)
	}
	// The tap reaches the flow through the demo reader, as a real one does.
	c.cfg.demoSrc.Place(w.Card(reader.Options{}))
	return c.snapshotLocked()
}

// Settings returns the saved settings.
func (c *Counter) Settings() Settings {
	c.cfgMu.RLock()
	defer c.cfgMu.RUnlock()
	return cloneSettings(c.conf.settings)
}

// SaveSettings checks, applies and stores the settings. Trust anchors are
// loaded before anything is saved, so a wrong path is reported and changes
// nothing.
func (c *Counter) SaveSettings(s Settings) SettingsResult {
	n, cerr := s.normalize()
	if cerr != nil {
		return SettingsResult{Error: cerr, Settings: c.Settings()}
	}
	tc, cerr := loadTrust(c.cfg.settingsDir, n, c.cfg.demoAnchors, c.cfg.clock.Now())
	if cerr != nil {
		return SettingsResult{Error: cerr, Settings: c.Settings()}
	}
	if c.cfg.settingsDir == "" {
		return SettingsResult{Error: &CodeError{Code: CodeIO, Detail: "no config folder"}, Settings: c.Settings()}
	}
	if err := saveSettings(c.cfg.settingsDir, n); err != nil {
		c.log.Error("settings not saved", "err", err)
		return SettingsResult{Error: &CodeError{Code: CodeIO}, Settings: c.Settings()}
	}
	c.cfgMu.Lock()
	c.conf.settings, c.conf.trust = n, tc
	c.cfgMu.Unlock()
	c.log.Info("settings saved", "anchors", len(tc.anchors))
	return SettingsResult{OK: true, Settings: cloneSettings(n)}
}

// TrustAnchors lists the anchors checks are verified against.
func (c *Counter) TrustAnchors() []AnchorInfo {
	c.cfgMu.RLock()
	tc := c.conf.trust
	c.cfgMu.RUnlock()
	out := make([]AnchorInfo, 0, len(tc.anchors))
	for _, a := range tc.anchors {
		out = append(out, anchorInfo(a))
	}
	for _, k := range c.jlisKeys(tc.jlis) {
		out = append(out, jlisInfo(k))
	}
	return out
}

// History lists the newest audit entries, without personal data.
func (c *Counter) History(limit int) []HistoryRow {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := c.cfg.auditor.History(context.Background(), limit)
	if err != nil {
		c.log.Error("audit history", "err", err)
		return []HistoryRow{}
	}
	if rows == nil {
		rows = []HistoryRow{}
	}
	return rows
}

func cloneSettings(s Settings) Settings {
	s.TrustPaths = append([]string{}, s.TrustPaths...)
	s.VICALPaths = append([]string{}, s.VICALPaths...)
	return s
}

// --- the flow --------------------------------------------------------------

func (f *flow) running() bool {
	switch f.phase {
	case PhaseEngaging, PhaseConsent, PhaseVerifying, PhaseCodeB, PhaseReadingCard:
		return true
	}
	return false
}

// onReaders drives the flow from a reader snapshot: a card or phone that
// appears on the chosen reader is a tap; one that leaves during a check
// stops it.
func (c *Counter) onReaders(s reader.Snapshot) {
	c.cfgMu.RLock()
	want := c.conf.settings.Reader
	c.cfgMu.RUnlock()
	c.fmu.Lock()
	defer c.fmu.Unlock()
	f := &c.flow
	tapped := ""
	now := make(map[string]bool, len(s.Readers))
	for _, r := range s.Readers {
		present := s.Service && r.CardPresent
		now[r.Name] = present
		if present && !f.present[r.Name] && tapped == "" && (want == "" || r.Name == want) {
			tapped = r.Name
		}
	}
	f.present = now
	if f.running() && f.cancel != nil && !now[f.reader] {
		f.cancel(errCardLeft)
	}
	if tapped != "" {
		c.tapLocked(tapped)
	}
}

// tapLocked handles a new tap: it starts a check when one is awaited,
// replaces a result on screen with a new check for the same purpose, and
// is ignored while a check runs (never a silent restart).
func (c *Counter) tapLocked(name string) {
	f := &c.flow
	switch f.phase {
	case PhaseWaiting, PhaseError:
	case PhaseResult:
		c.endCustomerLocked(ConfirmedNone)
	default:
		c.log.Info("tap ignored", "phase", f.phase)
		return
	}
	c.cfgMu.RLock()
	p, err := c.conf.purposes.Get(f.purpose)
	store, jlis := c.conf.trust.store, c.conf.trust.jlis
	c.cfgMu.RUnlock()
	if err != nil { // the purpose vanished from the config
		c.failLocked(CodeUnknownPurpose)
		return
	}
	c.stopTimerLocked()
	f.gen++
	gen := f.gen
	ctx, cancel := context.WithCancelCause(f.base)
	f.cancel, f.reader, f.source = cancel, name, "phone"
	f.errCode, f.tries, f.codeB = "", nil, nil
	c.setPhaseLocked(PhaseEngaging)
	c.runs.Add(1)
	go c.runTap(ctx, gen, name, p, store, jlis)
}

// runTap runs one check in its own goroutine and hands the end to the
// flow: a phone, or (when the phone engagement finds a My Number Card
// instead) the plastic card.
func (c *Counter) runTap(ctx context.Context, gen uint64, name string, p purpose.Purpose, store *trust.Store, jlis []vmyna.CAKey) {
	defer c.runs.Done()
	if c.cfg.opener == nil {
		c.finish(ctx, gen, nil, reader.ErrNoReader)
		return
	}
	conn, err := c.cfg.opener.Connect(ctx, name)
	if err != nil {
		c.finish(ctx, gen, nil, err)
		return
	}
	defer conn.Close()
	if dc, ok := conn.(*demoConn); ok {
		defer dc.takeAway() // the demo customer takes the phone away
	}
	progress := func(s session.Step) {
		switch s {
		case session.StepRequested:
			c.advance(gen, PhaseConsent)
		case session.StepReceived:
			c.advance(gen, PhaseVerifying)
		}
	}
	out, err := session.RunPhone(ctx, conn, session.PhoneOptions{Purpose: p, Trust: store, Now: c.cfg.clock.Now, Rand: c.cfg.rand, BLE: c.cfg.ble, Progress: progress})
	if err != nil && isPlasticCard(ctx, conn, err) {
		c.runCard(ctx, gen, conn, c.jlisKeys(jlis))
		return
	}
	c.finish(ctx, gen, out, err)
}

// advance moves a running check forward (never back).
func (c *Counter) advance(gen uint64, to Phase) {
	c.fmu.Lock()
	defer c.fmu.Unlock()
	f := &c.flow
	if f.gen != gen || !f.running() || rank(to) <= rank(f.phase) {
		return
	}
	c.setPhaseLocked(to)
}

func rank(p Phase) int {
	switch p {
	case PhaseEngaging:
		return 1
	case PhaseConsent:
		return 2
	case PhaseVerifying:
		return 3
	}
	return 0
}

// finish ends a running check: the result on screen, or the error.
func (c *Counter) finish(ctx context.Context, gen uint64, out *session.Outcome, err error) {
	c.fmu.Lock()
	defer c.fmu.Unlock()
	f := &c.flow
	if f.gen != gen || !f.running() {
		wipeOutcome(out) // cancelled meanwhile: nobody may see it
		return
	}
	f.cancel(nil)
	f.cancel = nil
	if err != nil {
		wipeOutcome(out)
		// The step is a protocol word ("engage", "response"), never data.
		if se := (*session.Error)(nil); errors.As(err, &se) {
			c.log.Info("phone check stopped", "step", se.Step)
		}
		c.failLocked(errorCode(ctx, err))
		return
	}
	c.cfgMu.RLock()
	p, perr := c.conf.purposes.Get(f.purpose)
	idle := c.conf.settings.IdleTimeoutSeconds
	c.cfgMu.RUnlock()
	if perr != nil {
		wipeOutcome(out)
		c.failLocked(CodeUnknownPurpose)
		return
	}
	f.outcome, f.view = out, buildView(p, out)
	f.idle = idle
	c.log.Info("check finished", "overall", f.view.Overall, "docType", f.view.DocType, "warnings", len(f.view.Warnings))
	c.setPhaseLocked(PhaseResult)
	c.scheduleTickLocked()
}

// failLocked shows an error, then goes back to waiting after errorHold.
func (c *Counter) failLocked(code string) {
	f := &c.flow
	if f.cancel != nil {
		f.cancel(errCancelled)
		f.cancel = nil
	}
	f.errCode = code
	c.log.Info("check stopped", "code", code)
	c.setPhaseLocked(PhaseError)
	c.stopTimerLocked()
	gen := f.gen
	f.stop = c.cfg.clock.AfterFunc(c.cfg.errorHold, func() {
		c.fmu.Lock()
		defer c.fmu.Unlock()
		if c.flow.gen == gen && c.flow.phase == PhaseError {
			c.flow.errCode = ""
			c.flow.source = ""
			c.setPhaseLocked(PhaseWaiting)
		}
	})
}

// scheduleTickLocked counts the idle timeout down, one event per second.
func (c *Counter) scheduleTickLocked() {
	f := &c.flow
	gen := f.gen
	f.stop = c.cfg.clock.AfterFunc(time.Second, func() {
		c.fmu.Lock()
		defer c.fmu.Unlock()
		if c.flow.gen != gen || c.flow.phase != PhaseResult {
			return
		}
		c.flow.idle--
		if c.flow.idle <= 0 {
			c.log.Info("result wiped", "reason", "idle timeout")
			c.endCustomerLocked(ConfirmedNone)
			c.setPhaseLocked(PhaseIdle)
			return
		}
		c.emitLocked()
		c.scheduleTickLocked()
	})
}

func (c *Counter) stopTimerLocked() {
	if c.flow.stop != nil {
		c.flow.stop()
		c.flow.stop = nil
	}
}

// endCustomerLocked closes the current customer: a result on screen gets
// its audit entry, then everything is wiped and any running check stopped.
func (c *Counter) endCustomerLocked(confirmed string) {
	f := &c.flow
	if f.phase == PhaseResult && f.view != nil {
		c.cfgMu.RLock()
		p, _ := c.conf.purposes.Get(f.purpose)
		c.cfgMu.RUnlock()
		rec := AuditRecord{Time: c.cfg.clock.Now(), Purpose: p, Source: f.source, Outcome: f.outcome, Card: f.card, Overall: f.view.Overall, Confirmed: confirmed}
		if err := c.cfg.auditor.Record(context.Background(), rec); err != nil {
			// The check is over either way; the clerk must not be stuck.
			c.log.Error("audit entry not written", "err", err)
		}
	}
	c.wipeLocked()
}

// wipeLocked drops every reference to the customer's data and zeroes the
// byte strings the flow owns.
func (c *Counter) wipeLocked() {
	f := &c.flow
	f.gen++
	c.stopTimerLocked()
	if f.cancel != nil {
		f.cancel(errCancelled)
		f.cancel = nil
	}
	wipeOutcome(f.outcome)
	wipeCard(f.card)
	wipeView(f.view)
	f.outcome, f.view, f.card = nil, nil, nil
	f.errCode, f.idle, f.source, f.reader = "", 0, "", ""
	f.codeB, f.tries = nil, nil
}

// setPhaseLocked changes the phase and tells the frontend.
func (c *Counter) setPhaseLocked(p Phase) CheckState {
	if c.flow.phase != p {
		c.log.Info("check phase", "phase", p)
	}
	c.flow.phase = p
	return c.emitLocked()
}

// emitLocked sends the current state. Emitting under fmu keeps events in
// the order of the changes.
func (c *Counter) emitLocked() CheckState {
	st := c.snapshotLocked()
	c.send(EventCheckState, st)
	return st
}

// rejectLocked answers a call that cannot be done now: the unchanged
// state with a code, and no event.
func (c *Counter) rejectLocked(code string) CheckState {
	c.log.Info("call rejected", "code", code, "phase", c.flow.phase)
	st := c.snapshotLocked()
	st.Error = &CodeError{Code: code}
	return st
}

func (c *Counter) snapshotLocked() CheckState {
	f := &c.flow
	st := CheckState{Phase: f.phase, Purpose: f.purpose, Source: f.source}
	if f.phase == PhaseResult {
		st.Result = cloneView(f.view)
		st.IdleSeconds = f.idle
	}
	if f.phase == PhaseError || f.phase == PhaseCodeB && f.errCode != "" {
		st.Error = &CodeError{Code: f.errCode}
	}
	if f.phase == PhaseCodeB && f.tries != nil {
		n := *f.tries
		st.TriesLeft = &n
	}
	return st
}

// shutdownWait bounds how long Shutdown waits for a cancelled check: an
// APDU already on the wire (a phone holding its answer for consent) ends
// only with the reader's own timeout.
const shutdownWait = 3 * time.Second

// shutdownCheck stops a running check and wipes the flow.
func (c *Counter) shutdownCheck() {
	c.fmu.Lock()
	c.endCustomerLocked(ConfirmedNone)
	c.flow.phase = PhaseIdle
	c.fmu.Unlock()
	done := make(chan struct{})
	go func() { c.runs.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(shutdownWait):
		c.log.Warn("a cancelled check is still waiting for the card")
	}
}

// jlisKeys adds the demo card's test CA keys in demo mode (waiting for
// their minting on first use).
func (c *Counter) jlisKeys(configured []vmyna.CAKey) []vmyna.CAKey {
	keys := append([]vmyna.CAKey(nil), configured...)
	if c.cfg.demoSrc != nil {
		if d, err := demoMynaOnce(); err == nil {
			keys = append(keys, d.keys...)
		} else {
			c.log.Error("demo card keys", "err", err)
		}
	}
	return keys
}
