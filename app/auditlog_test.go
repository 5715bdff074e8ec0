package app

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"taimen/app/audit"
	"taimen/app/purpose"
	"taimen/sim/wallet"
)

func TestAuditLogFlow(t *testing.T) {
	dir := t.TempDir()
	al, err := OpenAuditLog(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer al.Close()
	decline := false
	h := newHarnessWith(t, func(string) wallet.Options {
		if decline {
			return wallet.Options{Consent: wallet.Consent{Decision: wallet.Decline}}
		}
		return wallet.Options{}
	}, al)

	run := func(p, kind string, match bool) {
		t.Helper()
		n := len(h.rec.all())
		h.c.StartCheck(p)
		h.c.DemoTap(kind)
		h.rec.waitPhase(t, n, PhaseResult)
		if st := h.c.Confirm(match); st.Phase != PhaseIdle {
			t.Fatalf("Confirm = %+v", st)
		}
	}
	run(purpose.AccountOpening, "phone", true)
	run(purpose.AgeCheck, "mdl", false)
	decline = true
	run(purpose.Rental, "mdl", true)

	// The plastic card, confirmed.
	n := len(h.rec.all())
	h.c.StartCheck(purpose.AccountOpening)
	h.c.DemoTap("card")
	_, i := h.rec.waitPhase(t, n, PhaseCodeB)
	h.c.SubmitCodeB(demoCodeB(t), false)
	h.rec.waitPhase(t, i, PhaseResult)
	h.c.Confirm(true)
	if rows := h.c.History(1); len(rows) != 1 || rows[0].Source != "card" || rows[0].DocType != purpose.DocTypeCard || rows[0].Overall != "valid" || rows[0].Confirmed != ConfirmedMatch {
		t.Fatalf("card row %+v", rows)
	}

	rows := h.c.History(10)[1:]
	if len(rows) != 3 {
		t.Fatalf("%d rows: %+v", len(rows), rows)
	}
	want := []struct{ purpose, docType, overall, confirmed string }{
		{purpose.Rental, "", overallDeclined, ConfirmedNone},
		{purpose.AgeCheck, purpose.DocTypeMDL, "valid", ConfirmedMismatch},
		{purpose.AccountOpening, purpose.DocTypeMNC, "valid", ConfirmedMatch},
	}
	for i, w := range want {
		r := rows[i]
		if r.Purpose != w.purpose || r.DocType != w.docType || r.Overall != w.overall || r.Confirmed != w.confirmed || r.Source != "phone" || r.Time == "" {
			t.Errorf("row %d = %+v, want %+v", i, r, w)
		}
	}
	if len(rows[2].Checks) == 0 {
		t.Fatal("no checks in history")
	}
	js, _ := json.Marshal(rows)
	for _, n := range []string{"山田", "見本県", "1990"} {
		if strings.Contains(string(js), n) {
			t.Fatalf("history shows %q", n)
		}
	}

	// The entries chain and the account opening retained its values (the
	// purpose keeps name, address and birth date for 7 years).
	st, err := audit.OpenStore(context.Background(), al.path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rep, err := st.Verify(context.Background(), audit.VerifyOptions{})
	if err != nil || !rep.Intact() {
		t.Fatalf("verify: %v %+v", err, rep)
	}
	var b strings.Builder
	if err := st.Export(context.Background(), &b, audit.ExportOptions{Format: audit.FormatJSON}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "full_name_unicode") || strings.Contains(b.String(), "portrait\",\"until") {
		t.Fatalf("export: retained values wrong: %.400s", b.String())
	}
}
