package app

import (
	"strings"
	"testing"

	"taimen/app/purpose"
)

func demoCodeB(t *testing.T) string {
	t.Helper()
	code, err := demoCardCodeB()
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// photoBytes returns the card verdict's photo held by the flow.
func photoBytes(t *testing.T, c *Counter) []byte {
	t.Helper()
	c.fmu.Lock()
	defer c.fmu.Unlock()
	if c.flow.card == nil || c.flow.card.Person.Photo == nil || len(c.flow.card.Person.Photo.Bytes) == 0 {
		t.Fatal("no card photo in the flow")
	}
	return c.flow.card.Person.Photo.Bytes
}

func TestCardFlow(t *testing.T) {
	h := newHarness(t, nil)
	code := demoCodeB(t)
	if got := h.c.DemoCodeB(); got != code || len(code) != 14 {
		t.Fatalf("DemoCodeB() = %q", got)
	}
	h.c.StartCheck(purpose.AccountOpening)
	if st := h.c.DemoTap("card"); st.Error != nil {
		t.Fatalf("DemoTap(card) = %+v", st.Error)
	}
	st, i := h.rec.waitPhase(t, 0, PhaseCodeB)
	if st.Source != "card" || st.TriesLeft == nil || st.Error != nil {
		t.Fatalf("code entry %+v", st)
	}
	tries := *st.TriesLeft

	// Not of the 照合番号B shape: refused without touching the card.
	if st := h.c.SubmitCodeB("1234", false); st.Error == nil || st.Error.Code != CodeBadCodeB || st.Phase != PhaseCodeB {
		t.Fatalf("short code = %+v", st)
	}
	// Well-formed but wrong: one try spent, back to the code entry.
	wrong := code[:10] + "0000"
	if wrong == code {
		wrong = code[:10] + "1111"
	}
	if st := h.c.SubmitCodeB(wrong, false); st.Phase != PhaseReadingCard {
		t.Fatalf("SubmitCodeB = %+v", st)
	}
	st, i = h.rec.wait(t, i+1, func(s CheckState) bool { return s.Phase == PhaseCodeB })
	if st.Error == nil || st.Error.Code != CodeWrongCodeB || st.TriesLeft == nil || *st.TriesLeft != tries-1 {
		t.Fatalf("after a wrong code %+v (tries %d before)", st, tries)
	}

	h.c.SubmitCodeB(code, false)
	st, _ = h.rec.waitPhase(t, i+1, PhaseResult)
	v := st.Result
	if v.DocType != purpose.DocTypeCard || v.Overall != "valid" || st.Source != "card" {
		t.Fatalf("card result %+v", v)
	}
	if got := attr(v, "name"); got != "対面　花子" {
		t.Fatalf("name %q", got)
	}
	if attr(v, "address") == "" || attr(v, "birth_date") != "1995-07-04" || len(v.Attributes) != 3 {
		t.Fatalf("attributes %+v", v.Attributes)
	}
	if v.Portrait == nil || v.Portrait.MediaType != "image/jp2" || !strings.HasPrefix(v.Portrait.DataURL, "data:image/jp2;base64,") {
		t.Fatalf("portrait %+v", v.Portrait)
	}
	if c, ok := findCheck(v.Checks, "chip_challenge"); !ok || c.Status != "valid" {
		t.Fatalf("chip_challenge %+v", c)
	}
	photo := photoBytes(t, h.c)
	h.c.Confirm(true)
	assertWiped(t, h.c, photo, "対面", "新宿")
	if h.c.flow.card != nil {
		t.Fatal("card verdict kept")
	}
	rows := h.c.History(1)
	if len(rows) != 1 || rows[0].Source != "card" || rows[0].DocType != purpose.DocTypeCard || rows[0].Confirmed != ConfirmedMatch {
		t.Fatalf("history %+v", rows)
	}
	if logs := h.logs.String(); strings.Contains(logs, code) || strings.Contains(logs, "対面") {
		t.Fatal("the log holds the code or the name")
	}
}

func TestCardAgeCheckAndRemoval(t *testing.T) {
	h := newHarness(t, nil)
	h.c.StartCheck(purpose.AgeCheck)
	h.c.DemoTap("card")
	_, i := h.rec.waitPhase(t, 0, PhaseCodeB)
	// The customer takes the card back before the code is typed.
	h.demo.SetPresent(false)
	st, i := h.rec.waitPhase(t, i, PhaseError)
	if st.Error.Code != CodeCardRemoved {
		t.Fatalf("error %+v", st.Error)
	}
	if st := h.c.SubmitCodeB(demoCodeB(t), false); st.Error == nil || st.Error.Code != CodeBusy {
		t.Fatalf("code after removal %+v", st)
	}
	h.c.DemoTap("card")
	_, i = h.rec.waitPhase(t, i, PhaseCodeB)
	h.c.SubmitCodeB(demoCodeB(t), false)
	st, _ = h.rec.waitPhase(t, i, PhaseResult)
	if keys := attrKeys(st.Result); len(keys) != 1 || keys[0] != "age_over_20" || attr(st.Result, "age_over_20") != "true" || st.Result.Portrait == nil {
		t.Fatalf("age check on the card %+v", st.Result)
	}
}

// The smoke test (scripts/smoke.sh) types the demo card's 照合番号B into
// the real window; it is fixed by the demo card's seed.
func TestDemoCardCodeBIsStable(t *testing.T) {
	code, err := demoCardCodeB()
	if err != nil {
		t.Fatal(err)
	}
	if code != "07070420305678" {
		t.Fatalf("the demo card's 照合番号B is %s; update scripts/smoke.sh", code)
	}
}
