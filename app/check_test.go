package app

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"taimen/app/purpose"
	"taimen/app/session"
	"taimen/reader"
	"taimen/reader/nfc"
	"taimen/sim/wallet"
	"taimen/verify"
	"taimen/verify/mdoc"
	"taimen/verify/trust"
)

// fakeClock fires timers only when the test advances it.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	at      time.Time
	f       func()
	stopped bool
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Now()} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{at: c.now.Add(d), f: f}
	c.timers = append(c.timers, t)
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		was := !t.stopped
		t.stopped = true
		return was
	}
}

// Advance moves the clock in one-second steps, firing due timers in order.
func (c *fakeClock) Advance(d time.Duration) {
	end := c.Now().Add(d)
	for {
		c.mu.Lock()
		var due *fakeTimer
		for _, t := range c.timers {
			if !t.stopped && !t.at.After(end) && (due == nil || t.at.Before(due.at)) {
				due = t
			}
		}
		if due == nil {
			c.now = end
			c.mu.Unlock()
			return
		}
		due.stopped = true
		if due.at.After(c.now) {
			c.now = due.at
		}
		c.mu.Unlock()
		due.f()
	}
}

// checkRecorder keeps every check:state payload.
type checkRecorder struct {
	mu     sync.Mutex
	states []CheckState
	wake   chan struct{}
}

func newCheckRecorder() *checkRecorder { return &checkRecorder{wake: make(chan struct{}, 1)} }

func (r *checkRecorder) emit(_ context.Context, name string, data ...any) {
	if name != EventCheckState {
		return
	}
	r.mu.Lock()
	r.states = append(r.states, data[0].(CheckState))
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *checkRecorder) all() []CheckState {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.states)
}

func (r *checkRecorder) phases() []Phase {
	var out []Phase
	for _, s := range r.all() {
		if len(out) == 0 || out[len(out)-1] != s.Phase {
			out = append(out, s.Phase)
		}
	}
	return out
}

// wait returns the first state at or after index from that satisfies ok.
func (r *checkRecorder) wait(t testing.TB, from int, ok func(CheckState) bool) (CheckState, int) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		for i, s := range r.all() {
			if i >= from && ok(s) {
				return s, i
			}
		}
		select {
		case <-r.wake:
		case <-deadline:
			t.Fatalf("state not reached; phases so far %v", r.phases())
		}
	}
}

func (r *checkRecorder) waitPhase(t testing.TB, from int, p Phase) (CheckState, int) {
	t.Helper()
	return r.wait(t, from, func(s CheckState) bool { return s.Phase == p })
}

type harness struct {
	c     *Counter
	rec   *checkRecorder
	clock *fakeClock
	demo  *DemoSource
	audit *MemoryAuditor
	dir   string
	logs  *syncBuffer
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// syncBuffer collects log output from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newHarness starts a demo-mode Counter whose simulated customer answers
// as opts says (default: approve at once).
func newHarness(t testing.TB, walletOpts func(kind string) wallet.Options) *harness {
	t.Helper()
	return newHarnessWith(t, walletOpts, nil)
}

func newHarnessWith(t testing.TB, walletOpts func(kind string) wallet.Options, auditor Auditor) *harness {
	t.Helper()
	if walletOpts == nil {
		walletOpts = func(string) wallet.Options { return wallet.Options{} }
	}
	h := &harness{rec: newCheckRecorder(), clock: newFakeClock(), demo: NewDemoSource(), audit: &MemoryAuditor{}, dir: t.TempDir(), logs: &syncBuffer{}}
	if auditor == nil {
		auditor = h.audit
	}
	h.c = NewCounter(CounterOptions{
		Source: h.demo, Emit: h.rec.emit, Demo: true, Log: slog.New(slog.NewTextHandler(h.logs, nil)),
		Check: CheckOptions{SettingsDir: h.dir, Clock: h.clock, Auditor: auditor, DemoWallet: walletOpts, ErrorHold: 3 * time.Second},
	})
	h.c.Startup(context.Background())
	t.Cleanup(func() { h.c.Shutdown(context.Background()) })
	return h
}

func attrKeys(v *ResultView) []string {
	var ks []string
	for _, a := range v.Attributes {
		ks = append(ks, a.Key)
	}
	sort.Strings(ks)
	return ks
}

func attr(v *ResultView, key string) string {
	for _, a := range v.Attributes {
		if a.Key == key {
			return a.Value
		}
	}
	return ""
}

// holds reports whether anything reachable from v (pointers, maps,
// slices, structs) is a string containing needle or a byte slice equal to
// raw. Functions, channels and contexts are skipped.
func holds(v reflect.Value, needle string, raw []byte, seen map[uintptr]bool) bool {
	switch v.Kind() {
	case reflect.String:
		return needle != "" && strings.Contains(v.String(), needle)
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return false
		}
		if v.Kind() == reflect.Pointer {
			if seen[v.Pointer()] {
				return false
			}
			seen[v.Pointer()] = true
		}
		return holds(v.Elem(), needle, raw, seen)
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			b := v.Bytes()
			return len(raw) > 0 && len(b) >= 16 && strings.Contains(string(b), string(raw[:16]))
		}
		fallthrough
	case reflect.Array:
		for i := range v.Len() {
			if holds(v.Index(i), needle, raw, seen) {
				return true
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			if holds(it.Key(), needle, raw, seen) || holds(it.Value(), needle, raw, seen) {
				return true
			}
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if holds(v.Field(i), needle, raw, seen) {
				return true
			}
		}
	}
	return false
}

// assertWiped checks that the flow holds none of the customer's data and
// that the portrait bytes it owned were overwritten.
func assertWiped(t *testing.T, c *Counter, portrait []byte, needles ...string) {
	t.Helper()
	c.fmu.Lock()
	defer c.fmu.Unlock()
	if c.flow.view != nil || c.flow.outcome != nil {
		t.Fatal("flow still references the result")
	}
	for _, n := range needles {
		if holds(reflect.ValueOf(&c.flow), n, nil, map[uintptr]bool{}) {
			t.Fatalf("flow still holds %q", n)
		}
	}
	for _, b := range portrait {
		if b != 0 {
			t.Fatal("portrait bytes were not overwritten")
		}
	}
}

// ownedPortrait returns the portrait bytes of the flow's current outcome.
func ownedPortrait(t *testing.T, c *Counter) []byte {
	t.Helper()
	c.fmu.Lock()
	defer c.fmu.Unlock()
	if c.flow.outcome == nil || c.flow.outcome.Result == nil {
		t.Fatal("no outcome")
	}
	for _, d := range c.flow.outcome.Result.Documents {
		for _, els := range d.Elements {
			if v, ok := els["portrait"]; ok && len(v.Bytes) > 0 {
				return v.Bytes
			}
		}
	}
	t.Fatal("no portrait in the outcome")
	return nil
}

func TestCheckFlowPurposes(t *testing.T) {
	tests := []struct {
		purpose, kind string
		keys          []string
		values        map[string]string
		never         []string
	}{
		{purpose.AgeCheck, "phone", []string{"age_over_20"}, map[string]string{"age_over_20": "true"}, []string{"山田", "見本県"}},
		{purpose.AccountOpening, "phone", []string{"address", "birth_date", "name"},
			map[string]string{"name": "山田 花子", "address": "見本県架空市試験町一丁目2番3号", "birth_date": "1990-04-01"}, []string{"age_over"}},
		{purpose.Rental, "mdl", []string{"address", "birth_date", "driving_privileges", "name"},
			map[string]string{"name": "YAMADA HANAKO", "driving_privileges": "B, AM", "birth_date": "1990-04-01"}, []string{"990012345678"}},
	}
	for _, tc := range tests {
		t.Run(tc.purpose+"/"+tc.kind, func(t *testing.T) {
			h := newHarness(t, nil)
			if st := h.c.StartCheck(tc.purpose); st.Phase != PhaseWaiting || st.Error != nil || st.Purpose != tc.purpose {
				t.Fatalf("StartCheck = %+v", st)
			}
			if st := h.c.DemoTap(tc.kind); st.Error != nil {
				t.Fatalf("DemoTap = %+v", st.Error)
			}
			st, _ := h.rec.waitPhase(t, 0, PhaseResult)
			want := []Phase{PhaseWaiting, PhaseEngaging, PhaseConsent, PhaseVerifying, PhaseResult}
			if got := h.rec.phases(); !slices.Equal(got, want) {
				t.Fatalf("phases %v, want %v", got, want)
			}
			v := st.Result
			if v == nil || v.Overall != "valid" || st.Source != "phone" || st.IdleSeconds != DefaultIdleTimeoutSeconds {
				t.Fatalf("result state %+v / %+v", st, v)
			}
			if got := attrKeys(v); !slices.Equal(got, tc.keys) {
				t.Fatalf("attributes %v, want %v", got, tc.keys)
			}
			for k, want := range tc.values {
				if got := attr(v, k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			js, _ := json.Marshal(v)
			for _, n := range tc.never {
				if strings.Contains(string(js), n) {
					t.Errorf("result view shows %q, which the purpose did not ask for", n)
				}
			}
			if v.Portrait == nil || v.Portrait.MediaType != mdoc.MediaJPEG || !strings.HasPrefix(v.Portrait.DataURL, "data:image/jpeg;base64,/9j/") {
				t.Fatalf("portrait %+v", v.Portrait)
			}
			if c, ok := findCheck(v.Checks, "issuer_chain"); !ok || c.Status != "valid" {
				t.Fatalf("issuer_chain %+v", c)
			}
			if c, ok := findCheck(v.Checks, "device_auth"); !ok || c.Status != "valid" {
				t.Fatalf("device_auth %+v", c)
			}
			portrait := ownedPortrait(t, h.c)
			needle := tc.values[tc.keys[0]]
			if tc.purpose == purpose.AgeCheck {
				needle = ""
			}

			st = h.c.Confirm(true)
			if st.Phase != PhaseIdle || st.Result != nil || st.Purpose != tc.purpose {
				t.Fatalf("after Confirm %+v", st)
			}
			assertWiped(t, h.c, portrait, needle, "山田", "YAMADA")
			rows := h.c.History(10)
			if len(rows) != 1 || rows[0].Confirmed != ConfirmedMatch || rows[0].Purpose != tc.purpose || rows[0].Overall != "valid" || rows[0].Source != "phone" {
				t.Fatalf("history %+v", rows)
			}
			js, _ = json.Marshal(rows)
			if strings.Contains(string(js), "山田") || strings.Contains(string(js), "YAMADA") {
				t.Fatal("history holds personal data")
			}
			logs := h.logs.String()
			if !strings.Contains(logs, "phase=result") {
				t.Fatalf("phases not logged: %s", logs)
			}
			for _, n := range []string{"山田", "YAMADA", "見本県", "1990", "/9j/"} {
				if strings.Contains(logs, n) {
					t.Fatalf("the log holds %q", n)
				}
			}
		})
	}
}

func findCheck(cs []CheckView, id string) (CheckView, bool) {
	for _, c := range cs {
		if c.ID == id {
			return c, true
		}
	}
	return CheckView{}, false
}

func TestCheckDeclined(t *testing.T) {
	for _, d := range []wallet.Decision{wallet.Decline, wallet.DeclineWithErrors} {
		h := newHarness(t, func(string) wallet.Options { return wallet.Options{Consent: wallet.Consent{Decision: d}} })
		h.c.StartCheck(purpose.AccountOpening)
		h.c.DemoTap("phone")
		st, _ := h.rec.waitPhase(t, 0, PhaseResult)
		if st.Result.Overall != "declined" || len(st.Result.Attributes) != 0 || st.Result.Portrait != nil {
			t.Fatalf("decision %v: result %+v", d, st.Result)
		}
		h.c.Confirm(true)
		if rows := h.c.History(1); len(rows) != 1 || rows[0].Overall != "declined" || rows[0].Confirmed != ConfirmedNone {
			t.Fatalf("history %+v", rows)
		}
	}
}

// blockingWallet holds the customer's consent until release is closed.
func blockingWallet(reached chan<- struct{}, release <-chan struct{}) func(string) wallet.Options {
	return func(string) wallet.Options {
		return wallet.Options{Consent: wallet.Consent{Delay: time.Millisecond}, Sleep: func(time.Duration) {
			reached <- struct{}{}
			<-release
		}}
	}
}

func TestCheckCardPulled(t *testing.T) {
	reached, release := make(chan struct{}, 1), make(chan struct{})
	h := newHarness(t, blockingWallet(reached, release))
	h.c.StartCheck(purpose.AgeCheck)
	h.c.DemoTap("phone")
	<-reached
	_, i := h.rec.waitPhase(t, 0, PhaseConsent)
	h.demo.SetPresent(false) // the customer pulls the phone away
	close(release)
	st, i := h.rec.waitPhase(t, i, PhaseError)
	if st.Error == nil || st.Error.Code != CodeCardRemoved || st.Result != nil {
		t.Fatalf("error state %+v", st)
	}
	h.c.State() // the error hold timer is set once the flow's lock is free
	h.clock.Advance(3 * time.Second)
	if st, _ := h.rec.waitPhase(t, i, PhaseWaiting); st.Error != nil {
		t.Fatalf("back to waiting with %+v", st.Error)
	}
	if rows := h.c.History(10); len(rows) != 0 {
		t.Fatalf("a stopped check wrote %d audit rows", len(rows))
	}
	// A new tap after the error runs a full check.
	h.c.DemoTap("phone")
	<-reached
	if st, _ := h.rec.waitPhase(t, i, PhaseResult); st.Result.Overall != "valid" {
		t.Fatalf("retry %+v", st.Result)
	}
}

func TestCheckSecondTapIgnored(t *testing.T) {
	reached, release := make(chan struct{}, 1), make(chan struct{})
	h := newHarness(t, blockingWallet(reached, release))
	h.c.StartCheck(purpose.AgeCheck)
	h.c.DemoTap("phone")
	<-reached
	_, i := h.rec.waitPhase(t, 0, PhaseConsent)
	n := len(h.rec.all())
	if st := h.c.DemoTap("phone"); st.Error == nil || st.Error.Code != CodeBusy || st.Phase != PhaseConsent {
		t.Fatalf("second DemoTap = %+v", st)
	}
	// A phone appearing on a second reader is ignored too.
	h.c.onReaders(reader.Snapshot{Service: true, Readers: []reader.ReaderStatus{
		{Name: DemoReaderName, CardPresent: true}, {Name: "other", CardPresent: true}}})
	if got := len(h.rec.all()); got != n {
		t.Fatalf("ignored taps emitted %d events", got-n)
	}
	close(release)
	if st, _ := h.rec.waitPhase(t, i, PhaseResult); st.Result.Overall != "valid" {
		t.Fatalf("result %+v", st.Result)
	}
	engaging := 0
	for _, p := range h.rec.phases() {
		if p == PhaseEngaging {
			engaging++
		}
	}
	if got := h.rec.phases(); engaging != 1 {
		t.Fatalf("the check restarted: %v", got)
	}
}

func TestCheckIdleTimeoutWipes(t *testing.T) {
	h := newHarness(t, nil)
	s := h.c.Settings()
	s.IdleTimeoutSeconds = 10
	if r := h.c.SaveSettings(s); !r.OK {
		t.Fatalf("SaveSettings %+v", r.Error)
	}
	h.c.StartCheck(purpose.AccountOpening)
	h.c.DemoTap("phone")
	_, i := h.rec.waitPhase(t, 0, PhaseResult)
	portrait := ownedPortrait(t, h.c)
	h.demo.SetPresent(false) // removing the phone keeps the result
	if st := h.c.State(); st.Phase != PhaseResult || st.Result == nil {
		t.Fatalf("removing the phone changed %+v", st.Phase)
	}
	h.clock.Advance(9 * time.Second)
	if st := h.c.State(); st.Phase != PhaseResult || st.IdleSeconds != 1 {
		t.Fatalf("after 9 s: %s, %d s left", st.Phase, st.IdleSeconds)
	}
	h.clock.Advance(time.Second)
	st, _ := h.rec.waitPhase(t, i, PhaseIdle)
	if st.Result != nil {
		t.Fatal("idle state carries a result")
	}
	var counts []int
	for _, s := range h.rec.all()[i:] {
		if s.Phase == PhaseResult {
			counts = append(counts, s.IdleSeconds)
		}
	}
	if want := []int{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}; !slices.Equal(counts, want) {
		t.Fatalf("countdown %v, want %v", counts, want)
	}
	assertWiped(t, h.c, portrait, "山田", "見本県")
	if rows := h.c.History(1); len(rows) != 1 || rows[0].Confirmed != ConfirmedNone {
		t.Fatalf("history %+v", rows)
	}
}

func TestCheckCancelWipes(t *testing.T) {
	h := newHarness(t, nil)
	h.c.StartCheck(purpose.AccountOpening)
	h.c.DemoTap("phone")
	h.rec.waitPhase(t, 0, PhaseResult)
	portrait := ownedPortrait(t, h.c)
	if st := h.c.Cancel(); st.Phase != PhaseIdle || st.Result != nil || st.Purpose != purpose.AccountOpening {
		t.Fatalf("Cancel = %+v", st)
	}
	assertWiped(t, h.c, portrait, "山田", "見本県")
	if st := h.c.Confirm(true); st.Error == nil || st.Error.Code != CodeNoResult {
		t.Fatalf("Confirm after Cancel = %+v", st)
	}
}

func TestCheckCancelWhileRunning(t *testing.T) {
	reached, release := make(chan struct{}, 1), make(chan struct{})
	h := newHarness(t, blockingWallet(reached, release))
	h.c.StartCheck(purpose.AccountOpening)
	h.c.DemoTap("phone")
	<-reached
	if st := h.c.Cancel(); st.Phase != PhaseIdle {
		t.Fatalf("Cancel = %+v", st)
	}
	close(release)
	h.c.runs.Wait() // the cancelled check has returned
	if st := h.c.State(); st.Phase != PhaseIdle || st.Result != nil {
		t.Fatalf("a cancelled check came back: %+v", st)
	}
	assertWiped(t, h.c, nil, "山田")
}

func TestCheckNextTapReplacesResult(t *testing.T) {
	h := newHarness(t, nil)
	h.c.StartCheck(purpose.AccountOpening)
	h.c.DemoTap("phone")
	_, i := h.rec.waitPhase(t, 0, PhaseResult)
	old := ownedPortrait(t, h.c)
	h.c.DemoTap("mdl")
	_, j := h.rec.waitPhase(t, i+1, PhaseEngaging)
	st, _ := h.rec.waitPhase(t, j, PhaseResult)
	if st.Purpose != purpose.AccountOpening || attr(st.Result, "name") != "YAMADA HANAKO" {
		t.Fatalf("new result %+v", st.Result)
	}
	for _, b := range old {
		if b != 0 {
			t.Fatal("the previous customer's portrait was not overwritten")
		}
	}
	if rows := h.c.History(10); len(rows) != 1 || rows[0].Confirmed != ConfirmedNone || rows[0].DocType != purpose.DocTypeMNC {
		t.Fatalf("history %+v", rows)
	}
}

func TestCheckRejectedCalls(t *testing.T) {
	h := newHarness(t, nil)
	tests := []struct {
		name string
		call func() CheckState
		code string
	}{
		{"unknown purpose", func() CheckState { return h.c.StartCheck("haircut") }, CodeUnknownPurpose},
		{"demo tap before a purpose", func() CheckState { return h.c.DemoTap("phone") }, CodeNoPurpose},
		{"confirm without result", func() CheckState { return h.c.Confirm(true) }, CodeNoResult},
		{"code b without a card", func() CheckState { return h.c.SubmitCodeB("95070420305678", false) }, CodeBusy},
		{"unknown demo kind", func() CheckState { return h.c.DemoTap("watch") }, CodeNotSupported},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := len(h.rec.all())
			st := tc.call()
			if st.Error == nil || st.Error.Code != tc.code || st.Phase != PhaseIdle {
				t.Fatalf("got %+v, want code %s in idle", st, tc.code)
			}
			if len(h.rec.all()) != n {
				t.Fatal("a rejected call emitted an event")
			}
		})
	}

	src := &scriptSource{snaps: make(chan reader.Snapshot)}
	c := NewCounter(CounterOptions{Source: src, Log: quietLog(), Check: CheckOptions{SettingsDir: t.TempDir()}})
	c.StartCheck(purpose.AgeCheck)
	if st := c.DemoTap("phone"); st.Error == nil || st.Error.Code != CodeNotDemo || st.Phase != PhaseWaiting {
		t.Fatalf("DemoTap outside demo = %+v", st)
	}
	if as := c.TrustAnchors(); len(as) != 0 {
		t.Fatalf("demo anchors outside demo mode: %+v", as)
	}
}

// TestHoldsFindsData keeps assertWiped honest: the walker does find a
// name and a portrait left in the flow.
func TestHoldsFindsData(t *testing.T) {
	f := &flow{view: &ResultView{Attributes: []AttributeView{{Key: "name", Value: "山田 花子"}}}}
	if !holds(reflect.ValueOf(f), "山田", nil, map[uintptr]bool{}) {
		t.Fatal("name not found")
	}
	raw := []byte("0123456789abcdefportrait")
	f = &flow{outcome: &session.Outcome{Result: &mdoc.Result{Documents: []mdoc.DocumentResult{{Elements: map[string]map[string]mdoc.Value{
		"ns": {"portrait": {Kind: mdoc.KindBytes, Bytes: raw}}}}}}}}
	if !holds(reflect.ValueOf(f), "", raw, map[uintptr]bool{}) {
		t.Fatal("portrait not found")
	}
	wipeOutcome(f.outcome)
	if holds(reflect.ValueOf(f), "", raw, map[uintptr]bool{}) || raw[0] != 0 {
		t.Fatal("wipeOutcome left the portrait")
	}
}

func TestErrorCode(t *testing.T) {
	left, cancel := context.WithCancelCause(context.Background())
	cancel(errCardLeft)
	bg := context.Background()
	tests := []struct {
		ctx  context.Context
		err  error
		want string
	}{
		{left, context.Canceled, CodeCardRemoved},
		{bg, &session.Error{Step: "nfc", Err: reader.ErrCardRemoved}, CodeCardRemoved},
		{bg, &session.Error{Step: "engage", Err: wrap(session.ErrEngagement, reader.ErrCardReset)}, CodeCardRemoved},
		{bg, &session.Error{Step: "engage", Err: wrap(session.ErrEngagement, errLocked())}, CodeLockedPhone},
		{bg, &session.Error{Step: "engage", Err: session.ErrEngagement}, CodeNotWallet},
		{bg, &session.Error{Step: "response", Err: wrap(session.ErrTimeout, context.DeadlineExceeded)}, CodeTimeout},
		{bg, &session.Error{Step: "transport", Err: session.ErrNoTransport}, CodeNoTransport},
		{bg, &session.Error{Step: "response", Err: session.ErrProtocol}, CodeProtocol},
		{bg, reader.ErrNoService, CodeNoService},
		{bg, reader.ErrNoReader, CodeNoReader},
		{bg, io.ErrUnexpectedEOF, CodeInternal},
	}
	for _, tc := range tests {
		if got := errorCode(tc.ctx, tc.err); got != tc.want {
			t.Errorf("errorCode(%v) = %s, want %s", tc.err, got, tc.want)
		}
	}
}

func TestBuildViewWarnings(t *testing.T) {
	p, _ := purpose.Default().Get(purpose.AgeCheck)
	res := &mdoc.Result{Status: verify.StatusInvalid, Warnings: []string{mdoc.WarnUnrequestedElements}, Documents: []mdoc.DocumentResult{{
		DocType: purpose.DocTypeMNC,
		Checks: verify.Checks{
			{ID: mdoc.CheckIssuerChain, Status: verify.StatusInvalid, Code: trust.CodeNoTrustedAnchor},
			{ID: mdoc.CheckValidity, Status: verify.StatusInvalid, Code: mdoc.CodeMSOExpired},
		},
		Elements: map[string]map[string]mdoc.Value{purpose.NamespaceISO23: {
			"age_over_20": {Kind: mdoc.KindBool, Bool: false},
			"age_over_18": {Kind: mdoc.KindBool, Bool: true}, // not asked for: never shown
		}},
		Unrequested: []mdoc.ElementRef{{Namespace: purpose.NamespaceJP, Element: "full_name_unicode"}},
	}}}
	v := buildView(p, &session.Outcome{Kind: session.Verified, Result: res})
	if v.Overall != "invalid" || v.Portrait != nil {
		t.Fatalf("view %+v", v)
	}
	if want := []string{WarnExtraElements, WarnUntrustedIssuer, WarnExpired}; !slices.Equal(v.Warnings, want) {
		t.Fatalf("warnings %v, want %v", v.Warnings, want)
	}
	if len(v.Attributes) != 1 || v.Attributes[0] != (AttributeView{"age_over_20", "false"}) {
		t.Fatalf("attributes %+v", v.Attributes)
	}
	res.Status = verify.StatusNotChecked
	if v := buildView(p, &session.Outcome{Kind: session.Verified, Result: res}); v.Overall != "undetermined" {
		t.Fatalf("not_checked shown as %s", v.Overall)
	}
}

func TestPurposes(t *testing.T) {
	h := newHarness(t, nil)
	ps := h.c.Purposes()
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.ID)
	}
	if want := []string{purpose.AccountOpening, purpose.PhoneContract, purpose.AgeCheck, purpose.Rental}; !slices.Equal(ids, want) {
		t.Fatalf("purposes %v", ids)
	}
	age := ps[2]
	if age.AgeOver != 20 || !slices.Equal(age.Attributes, []string{"age_over", "portrait"}) || len(age.Retain) != 0 || age.RetentionDays != 0 || age.Name.JA != "年齢確認" {
		t.Fatalf("age-check %+v", age)
	}
	if ps[0].RetentionDays < 7*365 || !slices.Contains(ps[0].Retain, "name") {
		t.Fatalf("account-opening %+v", ps[0])
	}
}

func TestSettingsRoundTrip(t *testing.T) {
	h := newHarness(t, nil)
	if s := h.c.Settings(); s.IdleTimeoutSeconds != DefaultIdleTimeoutSeconds || s.Language != "ja" || s.TrustPaths == nil {
		t.Fatalf("defaults %+v", s)
	}
	pem := filepath.Join(t.TempDir(), "root.pem")
	w, err := wallet.New(wallet.Options{Seed: "another issuer"})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pem, w.TrustPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	want := Settings{Reader: "ACS ACR1252", IdleTimeoutSeconds: 60, TrustPaths: []string{pem}, VICALPaths: []string{}, Language: "en"}
	for range 2 { // the second save replaces the first file
		if r := h.c.SaveSettings(want); !r.OK || r.Error != nil || !reflect.DeepEqual(r.Settings, want) {
			t.Fatalf("SaveSettings = %+v", r)
		}
	}
	file := filepath.Join(h.dir, settingsFile)
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(h.dir)
	if len(entries) != 1 {
		t.Fatalf("left behind: %v", entries)
	}
	// A new Counter reads what was saved.
	c2 := NewCounter(CounterOptions{Source: NewDemoSource(), Demo: true, Log: quietLog(), Check: CheckOptions{SettingsDir: h.dir}})
	if got := c2.Settings(); !reflect.DeepEqual(got, want) {
		t.Fatalf("reloaded %+v, want %+v", got, want)
	}
	var sources []string
	for _, a := range c2.TrustAnchors() {
		if a.Purpose != "iaca" {
			continue
		}
		sources = append(sources, a.Source)
		if len(a.Fingerprint) != 64 || a.NotAfter == "" || a.Subject == "" {
			t.Fatalf("anchor %+v", a)
		}
	}
	if !slices.Equal(sources, []string{pem, SourceDemo}) {
		t.Fatalf("anchor sources %v", sources)
	}

	bad := []struct {
		s      Settings
		code   string
		detail string
	}{
		{Settings{IdleTimeoutSeconds: 5, Language: "ja"}, CodeInvalidSettings, "idleTimeoutSeconds"},
		{Settings{IdleTimeoutSeconds: 60, Language: "fr"}, CodeInvalidSettings, "language"},
		{Settings{IdleTimeoutSeconds: 60, TrustPaths: []string{filepath.Join(h.dir, "missing.pem")}}, CodeTrustPath, filepath.Join(h.dir, "missing.pem")},
		{Settings{IdleTimeoutSeconds: 60, VICALPaths: []string{pem}}, CodeVICAL, pem + ": malformed"},
	}
	before, _ := os.ReadFile(file)
	for _, tc := range bad {
		r := h.c.SaveSettings(tc.s)
		if r.OK || r.Error == nil || r.Error.Code != tc.code || r.Error.Detail != tc.detail {
			t.Errorf("SaveSettings(%+v) = %+v, want %s %s", tc.s, r.Error, tc.code, tc.detail)
		}
		if !reflect.DeepEqual(r.Settings, want) {
			t.Errorf("a refused save changed the settings to %+v", r.Settings)
		}
	}
	if after, _ := os.ReadFile(file); string(after) != string(before) {
		t.Fatal("a refused save touched the file")
	}
}

func TestDemoTrustAnchors(t *testing.T) {
	h := newHarness(t, nil)
	as := h.c.TrustAnchors()
	var purposes []string
	for _, a := range as {
		if a.Source != SourceDemo || a.Fingerprint == "" {
			t.Fatalf("demo anchor %+v", a)
		}
		purposes = append(purposes, a.Purpose)
	}
	if !slices.Equal(purposes, []string{"iaca", "jlis", "jlis"}) {
		t.Fatalf("demo anchors %+v", as)
	}
}

// jsonKeys returns the sorted keys of the JSON object v marshals to.
func jsonKeys(t *testing.T, v any) []string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// TestContractFieldNames pins the JSON of every payload to the field names
// of /work/notes/app-contract.md.
func TestContractFieldNames(t *testing.T) {
	two := 2
	view := &ResultView{Overall: "valid", Portrait: &PortraitView{MediaType: "image/jpeg", DataURL: "data:"},
		Attributes: []AttributeView{{Key: "name", Value: "x"}}, Checks: []CheckView{{ID: "a", Status: "valid", Code: "ok"}}, Warnings: []string{}}
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"CheckState", CheckState{Phase: PhaseResult, Result: view, Error: &CodeError{Code: "x"}, TriesLeft: &two}, "error idleSeconds phase purpose result source triesLeft"},
		{"empty CheckState", CheckState{Phase: PhaseIdle}, "error idleSeconds phase purpose result source triesLeft"},
		{"ResultView", view, "attributes checks docType issuer overall portrait warnings"},
		{"issuer", IssuerView{}, "country name"},
		{"attribute", AttributeView{}, "key value"},
		{"portrait", PortraitView{}, "dataUrl mediaType"},
		{"check", CheckView{}, "code id status"},
		{"error", CodeError{Code: "busy"}, "code"},
		{"PurposeInfo", PurposeInfo{}, "ageOver attributes id legalBasis name retain retentionDays"},
		{"Settings", DefaultSettings(), "idleTimeoutSeconds language reader trustPaths vicalPaths"},
		{"SettingsResult", SettingsResult{Error: &CodeError{Code: "io", Detail: "d"}}, "error ok settings"},
		{"AnchorInfo", AnchorInfo{}, "country fingerprint notAfter purpose source subject"},
		{"HistoryRow", HistoryRow{}, "checks confirmed docType overall purpose source time"},
	}
	for _, tc := range tests {
		if got := strings.Join(jsonKeys(t, tc.v), " "); got != tc.want {
			t.Errorf("%s keys %q, want %q", tc.name, got, tc.want)
		}
	}
	b, _ := json.Marshal(CheckState{Phase: PhaseIdle})
	if want := `{"phase":"idle","purpose":"","source":"","result":null,"error":null,"triesLeft":null,"idleSeconds":0}`; string(b) != want {
		t.Fatalf("idle state %s, want %s", b, want)
	}
	b, _ = json.Marshal(PurposeInfo{Name: purpose.Text{JA: "a", EN: "b"}})
	if !strings.Contains(string(b), `"name":{"ja":"a","en":"b"}`) {
		t.Fatalf("purpose name %s", b)
	}
}

func wrap(kind, cause error) error { return &wrapped{kind, cause} }

type wrapped struct{ kind, cause error }

func (w *wrapped) Error() string   { return w.kind.Error() + ": " + w.cause.Error() }
func (w *wrapped) Unwrap() []error { return []error{w.kind, w.cause} }

func errLocked() error { return &nfc.Error{Step: "select ndef application", Err: nfc.ErrLocked} }

// BenchmarkPhoneCheck measures one clerk cycle through the app in demo
// mode: tap, NFC engagement, session, verification, view, confirm, wipe.
func BenchmarkPhoneCheck(b *testing.B) {
	h := newHarness(b, nil)
	for b.Loop() {
		n := len(h.rec.all())
		h.c.StartCheck(purpose.AccountOpening)
		h.c.DemoTap("phone")
		if st, _ := h.rec.waitPhase(b, n, PhaseResult); st.Result.Overall != "valid" {
			b.Fatalf("result %+v", st.Result)
		}
		h.c.Confirm(true)
	}
}

// BenchmarkCardCheck is the same for the plastic card with its 照合番号B.
func BenchmarkCardCheck(b *testing.B) {
	h := newHarness(b, nil)
	code, err := demoCardCodeB()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		n := len(h.rec.all())
		h.c.StartCheck(purpose.AccountOpening)
		h.c.DemoTap("card")
		_, i := h.rec.waitPhase(b, n, PhaseCodeB)
		h.c.SubmitCodeB(code, false)
		if st, _ := h.rec.waitPhase(b, i, PhaseResult); st.Result.Overall != "valid" {
			b.Fatalf("result %+v", st.Result)
		}
		h.c.Confirm(true)
	}
}
