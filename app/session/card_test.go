package session

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"taimen/app/purpose"

	"taimen/reader"
	rmyna "taimen/reader/myna"
	"taimen/sim/mynacard"
	"taimen/verify/myna/mynatest"
)

func simCard(t *testing.T, tries int) (*mynatest.PKI, *mynatest.Card, *mynacard.Card, reader.Card) {
	t.Helper()
	pki, err := mynatest.NewPKI("session test")
	if err != nil {
		t.Fatal(err)
	}
	tc, err := mynatest.NewCard(pki, mynatest.Options{Seed: "session test card"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := mynacard.FromTest(tc)
	cfg.CodeBTries = tries
	c, err := mynacard.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return pki, tc, c, reader.NewTransceiver(func(b []byte) ([]byte, error) { return c.APDU(b), nil }, rmyna.TransceiverOptions)
}

func TestRunCard(t *testing.T) {
	pki, tc, sim, card := simCard(t, 10)
	out, err := RunCard(context.Background(), card, CardOptions{CodeB: tc.CodeB, CAKeys: pki.CAKeys()})
	if err != nil {
		t.Fatal(err)
	}
	if !out.Result.Valid {
		t.Fatalf("verdict %s: %+v", out.Result.Status, out.Result.Checks)
	}
	if out.Result.Person.Name == "" || out.Result.Person.Address == "" || len(out.Result.Person.Photo.Bytes) == 0 {
		t.Fatalf("person incomplete: %+v", out.Result.Person.Name)
	}
	b, _ := json.Marshal(out.Result)
	if strings.Contains(string(b), tc.MyNumber) {
		t.Fatal("the My Number is in the verdict")
	}
	for _, s := range sim.Selections() {
		if s.App == rmyna.TextAP.Name && s.EF == 0x0001 || s.App == rmyna.FaceAP.Name && s.EF == 0x0005 {
			t.Fatalf("a My Number file was selected: %s ef%04x", s.App, s.EF)
		}
	}
}

func TestRunCardWrongCodeAndRetries(t *testing.T) {
	pki, tc, _, card := simCard(t, 3)
	wrong := []rune(tc.CodeB)
	last := len(wrong) - 1
	if wrong[last] == '0' {
		wrong[last] = '1'
	} else {
		wrong[last] = '0'
	}
	opts := CardOptions{CodeB: string(wrong), CAKeys: pki.CAKeys()}
	// 3 tries: the first two wrong codes spend one each; then the reader
	// refuses on its own, before the last try.
	for i := range 2 {
		_, err := RunCard(context.Background(), card, opts)
		if !errors.Is(err, rmyna.ErrWrongSecret) {
			t.Fatalf("wrong code %d: %v", i+1, err)
		}
	}
	_, err := RunCard(context.Background(), card, opts)
	var low *rmyna.ErrRetriesLow
	if !errors.As(err, &low) || low.Left != 1 {
		t.Fatalf("third wrong code: %v, want ErrRetriesLow{1}", err)
	}
	// The right code with the clerk's explicit permission still works.
	opts.CodeB, opts.AllowLastTry = tc.CodeB, true
	out, err := RunCard(context.Background(), card, opts)
	if err != nil || !out.Result.Valid {
		t.Fatalf("right code on the last try: %v", err)
	}
}

func TestRunCardBadCodeShape(t *testing.T) {
	pki, _, _, card := simCard(t, 10)
	_, err := RunCard(context.Background(), card, CardOptions{CodeB: "12345", CAKeys: pki.CAKeys()})
	if !errors.Is(err, rmyna.ErrInvalidCodeB) {
		t.Fatalf("err %v", err)
	}
}

func TestRunCardUntrustedKeys(t *testing.T) {
	_, tc, _, card := simCard(t, 10)
	other, err := mynatest.NewPKI("another CA")
	if err != nil {
		t.Fatal(err)
	}
	out, err := RunCard(context.Background(), card, CardOptions{CodeB: tc.CodeB, CAKeys: other.CAKeys()})
	if err != nil {
		t.Fatal(err)
	}
	if out.Result.Valid {
		t.Fatal("a card under an unknown J-LIS key is valid")
	}
}

func TestAgeAtLeast(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		birth string
		years int
		now   string
		over  bool
		ok    bool
	}{
		{"2006-04-01", 20, "2026-03-31T14:59:59Z", false, true}, // 23:59:59 JST the day before
		{"2006-04-01", 20, "2026-03-31T15:00:00Z", true, true},  // 00:00 JST on the birthday
		{"2008-02-29", 18, "2026-02-28T15:00:00Z", true, true},  // 1 March JST
		{"2008-02-29", 18, "2026-02-27T15:00:00Z", false, true},
		{"not a date", 20, "2026-01-01T00:00:00Z", false, false},
	}
	for _, tc := range tests {
		over, ok := AgeAtLeast(tc.birth, tc.years, at(tc.now))
		if over != tc.over || ok != tc.ok {
			t.Errorf("AgeAtLeast(%s, %d, %s) = %v, %v; want %v, %v", tc.birth, tc.years, tc.now, over, ok, tc.over, tc.ok)
		}
	}
}

func TestCardElementsFollowThePurpose(t *testing.T) {
	pki, tc, _, card := simCard(t, 10)
	out, err := RunCard(context.Background(), card, CardOptions{CodeB: tc.CodeB, CAKeys: pki.CAKeys()})
	if err != nil {
		t.Fatal(err)
	}
	age, _ := purpose.Default().Get(purpose.AgeCheck)
	els := CardElements(age, out.Result.Person, time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC))
	if _, ok := els["age_over_20"]; !ok || els["portrait"] == nil || len(els) != 2 {
		t.Fatalf("age check shows %v", keys(els))
	}
	acct, _ := purpose.Default().Get(purpose.AccountOpening)
	els = CardElements(acct, out.Result.Person, time.Now())
	for _, k := range []string{"name", "address", "birth_date", "portrait"} {
		if els[k] == nil {
			t.Errorf("account opening lacks %s", k)
		}
	}
	if els["sex"] != nil || len(els) != 4 {
		t.Fatalf("account opening shows %v", keys(els))
	}
	// A purpose that asks for sex (IT's config file) gets it.
	withSex := acct
	withSex.Attributes = append(append([]purpose.Attribute(nil), acct.Attributes...), purpose.Sex)
	if els := CardElements(withSex, out.Result.Person, time.Now()); els["sex"] == nil {
		t.Fatalf("a purpose asking for sex does not get it: %v", keys(els))
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
