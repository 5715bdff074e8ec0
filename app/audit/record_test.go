package audit

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"taimen/verify/mdoc"
	"taimen/verify/mdoc/mdoctest"
	"taimen/verify/trust"
)

const fakeMyNumber = "123456789018"

// phoneCheck mints a real DeviceResponse with every element of the
// fictitious holder (and, for the My Number Card, a My Number), verifies
// it as Taimen does with the request, and returns the result.
func phoneCheck(t *testing.T, docType string, req []mdoc.DocRequestSpec) *mdoc.Result {
	t.Helper()
	f, err := mdoctest.NewFixture("audit " + docType)
	if err != nil {
		t.Fatal(err)
	}
	els := mdoctest.MDLPerson()
	if docType == mdoctest.DocTypeMNC {
		els = append(mdoctest.MNCPerson(), mdoctest.Element{Namespace: mdoctest.NamespaceJP, Identifier: "individual_number_unicode", Value: fakeMyNumber})
	}
	data, err := mdoctest.MintResponse(f.Response(mdoctest.DeviceSignature, f.Document(docType, els)))
	if err != nil {
		t.Fatal(err)
	}
	requested := map[string]map[string]map[string]bool{}
	for _, s := range req {
		requested[s.DocType] = map[string]map[string]bool{}
		for _, e := range s.Elements {
			if requested[s.DocType][e.Namespace] == nil {
				requested[s.DocType][e.Namespace] = map[string]bool{}
			}
			requested[s.DocType][e.Namespace][e.Element] = e.IntentToRetain
		}
	}
	tr := f.Session.Transcript
	res := mdoc.VerifyResponse(data, mdoc.VerifyOptions{
		Trust: trust.NewStore(trust.NewAnchor(f.PKI.IACA.Cert, trust.IACA, "test")), At: f.At,
		Transcript: &tr, Requested: requested,
	})
	if !res.Valid {
		t.Fatalf("minted response not valid: %+v", res.Checks)
	}
	return res
}

var (
	mdlRequest = []mdoc.DocRequestSpec{{DocType: mdoctest.DocTypeMDL, Elements: []mdoc.ElementRequest{
		{Namespace: mdoctest.NamespaceMDL, Element: "age_over_20"},
		{Namespace: mdoctest.NamespaceMDL, Element: "portrait"},
		{Namespace: mdoctest.NamespaceMDL, Element: "document_number"},
		{Namespace: mdoctest.NamespaceMDL, Element: "family_name", IntentToRetain: true},
		{Namespace: mdoctest.NamespaceMDL, Element: "resident_address", IntentToRetain: true},
	}}}
	mncRequest = []mdoc.DocRequestSpec{{DocType: mdoctest.DocTypeMNC, Elements: []mdoc.ElementRequest{
		{Namespace: mdoctest.Namespace23220, Element: "age_over_20"},
		{Namespace: mdoctest.NamespaceJP, Element: "portrait"},
		{Namespace: mdoctest.NamespaceJP, Element: "full_name_unicode", IntentToRetain: true},
		{Namespace: mdoctest.NamespaceJP, Element: "resident_address_unicode", IntentToRetain: true},
		{Namespace: mdoctest.NamespaceJP, Element: "individual_number_unicode", IntentToRetain: true},
	}}}
	ageCheck = Policy{ID: "age-check", LegalBasis: "未成年者飲酒禁止法 第1条"}
	// accountOpening keeps names and addresses (the positive control).
	accountOpening = Policy{ID: "account-opening", LegalBasis: "犯罪収益移転防止法 第6条", Retain: map[ElementRef]time.Duration{
		{Namespace: mdoctest.NamespaceMDL, Element: "family_name"}:             7 * 365 * 24 * time.Hour,
		{Namespace: mdoctest.NamespaceMDL, Element: "resident_address"}:        7 * 365 * 24 * time.Hour,
		{Namespace: mdoctest.NamespaceMDL, Element: "portrait"}:                7 * 365 * 24 * time.Hour, // allowed, but requested without intent_to_retain
		{Namespace: mdoctest.NamespaceJP, Element: "full_name_unicode"}:        7 * 365 * 24 * time.Hour,
		{Namespace: mdoctest.NamespaceJP, Element: "resident_address_unicode"}: 7 * 365 * 24 * time.Hour,
	}}
)

// personal are bytes that must not be stored under age-check.
func personal() [][]byte {
	p := mdoctest.Portrait()
	return [][]byte{
		[]byte("YAMADA"), []byte("HANAKO"), []byte("山田"), []byte("花子"), []byte("見本県架空市試験町"),
		[]byte("990012345678"), []byte(fakeMyNumber), p[len(p)/2 : len(p)/2+32], p[:64],
	}
}

// TestAgeCheckStoresNoPersonalData: after phone checks under an age-check
// policy (retain nothing), no name, address, document number, My Number or
// portrait bytes exist anywhere in the database files, and no temp file was
// left. The same checks under account-opening store the names (positive
// control: the grep finds what is there).
func TestAgeCheckStoresNoPersonalData(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	run := func(pol Policy) string {
		dir := t.TempDir()
		keys := testKeys(t, "T-AGE")
		l, err := Open(context.Background(), filepath.Join(dir, "audit.db"), Options{Keys: keys, Now: newClock().Now, Rand: newRand("s")})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			docType string
			req     []mdoc.DocRequestSpec
		}{{mdoctest.DocTypeMDL, mdlRequest}, {mdoctest.DocTypeMNC, mncRequest}} {
			res := phoneCheck(t, c.docType, c.req)
			rec, err := NewMdocRecord(MdocCheck{Result: res, Requested: c.req, Policy: pol, Retention: RetentionFromRequest(c.req),
				Operator: "clerk-1", Confirmation: ConfirmMatches, SubjectSecret: keys.Secret})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := l.Append(context.Background(), rec); err != nil {
				t.Fatal(err)
			}
		}
		l.Close()
		return dir
	}
	dir := run(ageCheck)
	assertAbsent(t, dir, personal())
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Fatalf("temp files left: %v", entries)
	}
	if rep := verifyDSN(t, filepath.Join(dir, "audit.db"), VerifyOptions{}); !rep.Intact() || rep.Terminals[0].Values != 0 {
		t.Fatalf("age-check log: %+v", rep.Terminals)
	}

	dir = run(accountOpening)
	all := readAll(t, dir)
	for _, kept := range []string{"YAMADA", "見本県架空市試験町1-2-3", "山田 花子"} {
		if !bytes.Contains(all, []byte(kept)) {
			t.Errorf("account-opening: %q not kept", kept)
		}
	}
	// Never kept even there: the portrait (no intent_to_retain), the
	// document number (only its keyed hash), the My Number.
	assertAbsent(t, dir, [][]byte{[]byte("990012345678"), []byte(fakeMyNumber), mdoctest.Portrait()[:64]})
}

func TestNewMdocRecord(t *testing.T) {
	keys := testKeys(t, "T-1")
	res := phoneCheck(t, mdoctest.DocTypeMDL, mdlRequest)
	rec, err := NewMdocRecord(MdocCheck{Result: res, Requested: mdlRequest, Policy: accountOpening, Retention: RetentionFromRequest(mdlRequest),
		Operator: "clerk-1", Confirmation: ConfirmNotConfirmed, SubjectSecret: keys.Secret})
	if err != nil {
		t.Fatal(err)
	}
	d := rec.Documents[0]
	if len(d.Requested) != 5 || len(d.Disclosed) != 5 || d.Status != "valid" || rec.Verdict != "valid" || d.Issuer.IACAFingerprint == "" || len(d.Checks) < 7 {
		t.Fatalf("document: %+v", d)
	}
	if len(d.SubjectKey) != 32 {
		t.Fatal("no subject key from document_number")
	}
	// The same document on another terminal gives another key; on this
	// terminal the same key.
	rec2, _ := NewMdocRecord(MdocCheck{Result: res, Requested: mdlRequest, Policy: accountOpening, Confirmation: ConfirmMatches, SubjectSecret: keys.Secret})
	rec3, _ := NewMdocRecord(MdocCheck{Result: res, Requested: mdlRequest, Policy: accountOpening, Confirmation: ConfirmMatches, SubjectSecret: testKeys(t, "T-2").Secret})
	if !bytes.Equal(rec2.Documents[0].SubjectKey, d.SubjectKey) || bytes.Equal(rec3.Documents[0].SubjectKey, d.SubjectKey) {
		t.Fatal("subject keys do not follow the terminal secret")
	}
	var kept []string
	for _, v := range rec.Values {
		kept = append(kept, v.Element)
	}
	if len(kept) != 2 || kept[0] != "family_name" || kept[1] != "resident_address" {
		t.Fatalf("kept %v, want family_name and resident_address", kept)
	}
	if string(rec.Values[0].Data) != `"YAMADA"` {
		t.Fatalf("value %s", rec.Values[0].Data)
	}
	mnc := phoneCheck(t, mdoctest.DocTypeMNC, mncRequest)
	rec, err = NewMdocRecord(MdocCheck{Result: mnc, Requested: mncRequest, Policy: accountOpening, Retention: RetentionFromRequest(mncRequest), Confirmation: ConfirmMatches, SubjectSecret: keys.Secret})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Documents[0].SubjectKey != nil {
		t.Fatal("a subject key for the My Number Card (its document number is the My Number)")
	}
	for _, v := range rec.Values {
		if Forbidden(v.Element) {
			t.Fatalf("kept %s", v.Element)
		}
	}
}

// TestRetentionDecision: a value is kept only when the policy allows it
// AND the customer agreed; the My Number never.
func TestRetentionDecision(t *testing.T) {
	name := ElementRef{Namespace: "ns", Element: "family_name"}
	mn := ElementRef{Namespace: "ns", Element: "individual_number_unicode"}
	cases := []struct {
		name   string
		policy time.Duration
		agreed bool
		ref    ElementRef
		want   bool
	}{
		{"policy and customer", time.Hour, true, name, true},
		{"policy only", time.Hour, false, name, false},
		{"customer only", 0, true, name, false},
		{"negative period", -time.Hour, true, name, false},
		{"neither", 0, false, name, false},
		{"my number, both agree", time.Hour, true, mn, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := Policy{ID: "x", Retain: map[ElementRef]time.Duration{c.ref: c.policy}}
			r := Retention{Source: AgreedOnScreen, Agreed: map[ElementRef]bool{c.ref: c.agreed}}
			if got := keep(p, r, c.ref) > 0; got != c.want {
				t.Fatalf("keep = %v, want %v", got, c.want)
			}
		})
	}
}

func TestForbiddenRejected(t *testing.T) {
	for _, el := range []string{"individual_number_unicode", "individual_number", "my_number"} {
		p := Policy{ID: "x", Retain: map[ElementRef]time.Duration{{Namespace: "org.iso.23220.1.jp", Element: el}: time.Hour}}
		if err := p.Validate(); !errors.Is(err, ErrForbidden) {
			t.Errorf("policy keeping %s: %v", el, err)
		}
		if _, err := SubjectFor([]byte("k"), "x", Subject{"org.iso.23220.1.jp", el, fakeMyNumber}); !errors.Is(err, ErrForbidden) {
			t.Errorf("subject from %s: %v", el, err)
		}
		l, _ := newLog(t, 4)
		r := record(0, "")
		r.Values = []Value{{Doc: 0, Namespace: "org.iso.23220.1.jp", Element: el, Data: []byte(`"` + fakeMyNumber + `"`), Keep: time.Hour}}
		if _, err := l.Append(context.Background(), r); !errors.Is(err, ErrForbidden) {
			t.Errorf("append keeping %s: %v", el, err)
		}
	}
	if _, err := SubjectFor([]byte("k"), "x", Subject{"ns", "card_serial", "0001"}); err != nil {
		t.Fatal(err)
	}
}

func TestRecordValidation(t *testing.T) {
	l, _ := newLog(t, 4)
	cases := map[string]func(r *Record){
		"no purpose":         func(r *Record) { r.Purpose.ID = "" },
		"bad confirmation":   func(r *Record) { r.Confirmation = "yes" },
		"bad verdict":        func(r *Record) { r.Verdict = "ok" },
		"value of no doc":    func(r *Record) { r.Values[0].Doc = 3 },
		"value kept 0":       func(r *Record) { r.Values[0].Keep = 0 },
		"value without name": func(r *Record) { r.Values[0].Element = "" },
	}
	for name, edit := range cases {
		r := record(0, "X")
		edit(&r)
		if _, err := l.Append(context.Background(), r); !errors.Is(err, ErrInvalidRecord) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := NewMdocRecord(MdocCheck{Policy: ageCheck}); !errors.Is(err, ErrInvalidRecord) {
		t.Errorf("no result: %v", err)
	}
	if seq, _ := l.Head(); seq != 0 {
		t.Fatalf("invalid records were written: head %d", seq)
	}
}
