package myna_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"taimen/verify"
	"taimen/verify/myna"
	"taimen/verify/myna/mynatest"
)

// at is inside every test credential's validity.
var at = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

var nonce = []byte("0123456789abcdef")

type fixture struct {
	pki  *mynatest.PKI
	card *mynatest.Card
}

var (
	fixOnce sync.Once
	fix     *fixture
	fixErr  error
)

// newFixture mints the default test PKI and Taro's card once per process.
func newFixture(t testing.TB) *fixture {
	t.Helper()
	fixOnce.Do(func() {
		pki, err := mynatest.NewPKI("test")
		if err != nil {
			fixErr = err
			return
		}
		card, err := mynatest.NewCard(pki, mynatest.Options{})
		if err != nil {
			fixErr = err
			return
		}
		fix = &fixture{pki: pki, card: card}
	})
	if fixErr != nil {
		t.Fatal(fixErr)
	}
	return fix
}

func (f *fixture) input(t testing.TB) *myna.Input {
	t.Helper()
	in, err := f.card.Input(nonce)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func TestGoodCard(t *testing.T) {
	f := newFixture(t)
	res, err := myna.VerifyCard(f.input(t), f.pki.CAKeys(), at)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Valid || res.Status != verify.StatusValid {
		t.Fatalf("not valid: %+v", res.Checks)
	}
	wantIDs := []string{myna.CheckCardFaceCertificate, myna.CheckCardFaceSignature, myna.CheckTextCertificate,
		myna.CheckTextSignature, myna.CheckChipChallenge, myna.CheckTextChipChallenge, myna.CheckConsistency, myna.CheckValidity}
	if len(res.Checks) != len(wantIDs) {
		t.Fatalf("checks %+v", res.Checks)
	}
	for i, id := range wantIDs {
		if c := res.Checks[i]; c.ID != id || c.Status != verify.StatusValid || c.Code != myna.CodeOK {
			t.Errorf("check %d = %+v, want %s valid", i, c, id)
		}
	}
	p := res.Person
	if p.Name != "対面　太郎" || p.Address != mynatest.Taro.Address || p.BirthDate != "1980-02-17" ||
		p.Sex != myna.SexMale || p.Expiry != "2035-02-17" {
		t.Errorf("person %+v", p)
	}
	if p.Photo == nil || p.Photo.MediaType != myna.MediaTypeJP2 || !bytes.Equal(p.Photo.Bytes, mynatest.Photo) {
		t.Errorf("photo %+v", p.Photo)
	}
	if p.NameImage == nil || p.NameImage.MediaType != "image/png" || p.AddressImage == nil || p.AddressImage.MediaType != "image/png" {
		t.Errorf("images %+v %+v", p.NameImage, p.AddressImage)
	}
	if len(res.Keys) != 2 || res.Keys[0].KeyID != mynatest.VisualCAKeyID.String() || res.Keys[1].KeyID != mynatest.TextCAKeyID.String() {
		t.Errorf("keys %+v", res.Keys)
	}
	in := f.input(t)
	res2, _ := myna.VerifyCard(in, f.pki.CAKeys(), at)
	clear(in.CardFace)
	if !bytes.Equal(res2.Person.Photo.Bytes, mynatest.Photo) {
		t.Error("the verdict aliases the caller's buffer")
	}
	if len(res.Warnings) != 1 || res.Warnings[0] != myna.WarnExpiryUnsigned {
		t.Errorf("warnings %v", res.Warnings)
	}
}

// TestTrimmedFiles: a reader that cuts the filler (reading only the TLV
// length) gives the same verdict.
func TestTrimmedFiles(t *testing.T) {
	f := newFixture(t)
	in := f.input(t)
	face, err := myna.ParseCardFace(in.CardFace)
	if err != nil {
		t.Fatal(err)
	}
	text, err := myna.ParseTextRecord(in.Text)
	if err != nil {
		t.Fatal(err)
	}
	if len(face.Raw) == len(in.CardFace) || len(text.Raw) == len(in.Text) {
		t.Fatal("the simulated files carry no filler")
	}
	in.CardFace, in.Text = in.CardFace[:len(face.Raw)], in.Text[:len(text.Raw)]
	res, err := myna.VerifyCard(in, f.pki.CAKeys(), at)
	if err != nil || !res.Valid {
		t.Fatalf("%v %+v", err, res)
	}
}

type want struct {
	status verify.Status
	code   string
}

var (
	notReached = want{verify.StatusNotChecked, myna.CodeNotReached}
)

func flipAt(b []byte, i int) { b[i] ^= 0x01 }

// flipIn flips a byte inside the first occurrence of part in b, at offset
// off from its start (negative: from its end).
func flipIn(t *testing.T, b, part []byte, off int) {
	t.Helper()
	i := bytes.Index(b, part)
	if i < 0 || len(part) == 0 {
		t.Fatal("part not found")
	}
	if off < 0 {
		off += len(part)
	}
	flipAt(b, i+off)
}

func replace(t *testing.T, b *[]byte, old, new string) {
	t.Helper()
	if !bytes.Contains(*b, []byte(old)) || len(old) != len(new) {
		t.Fatalf("%q not in input", old)
	}
	*b = bytes.Replace(*b, []byte(old), []byte(new), 1)
}

// TestTamper: every change fails exactly its own check; checks that depend
// on it are not_checked (prerequisite_failed); every other check stays valid.
func TestTamper(t *testing.T) {
	f := newFixture(t)
	face, err := myna.ParseCardFace(f.card.Visual[0x0002])
	if err != nil {
		t.Fatal(err)
	}
	other, err := mynatest.NewPKI("other")
	if err != nil {
		t.Fatal(err)
	}
	anon := f.pki.CAKeys()
	for i := range anon {
		anon[i].ID = nil
	}
	jst := time.FixedZone("JST", 9*3600)

	tests := []struct {
		name   string
		mutate func(t *testing.T, in *myna.Input)
		keys   []myna.CAKey
		at     time.Time
		want   map[string]want
		status verify.Status
	}{
		{name: "face cert signature", mutate: func(t *testing.T, in *myna.Input) { flipAt(in.CardFaceCert, len(in.CardFaceCert)-1) },
			want: map[string]want{
				myna.CheckCardFaceCertificate: {verify.StatusInvalid, myna.CodeCertSigInvalid},
				myna.CheckCardFaceSignature:   notReached, myna.CheckChipChallenge: notReached, myna.CheckConsistency: notReached}},
		{name: "face cert issuer id unknown", mutate: func(t *testing.T, in *myna.Input) { in.CardFaceCert[10] = '8' },
			want: map[string]want{
				myna.CheckCardFaceCertificate: {verify.StatusInvalid, myna.CodeUnknownCAKey},
				myna.CheckCardFaceSignature:   notReached, myna.CheckChipChallenge: notReached, myna.CheckConsistency: notReached}},
		{name: "face cert subject key", mutate: func(t *testing.T, in *myna.Input) { flipAt(in.CardFaceCert, 200) },
			want: map[string]want{
				myna.CheckCardFaceCertificate: {verify.StatusInvalid, myna.CodeCertSigInvalid},
				myna.CheckCardFaceSignature:   notReached, myna.CheckChipChallenge: notReached, myna.CheckConsistency: notReached}},
		{name: "face cert truncated", mutate: func(t *testing.T, in *myna.Input) { in.CardFaceCert = in.CardFaceCert[:100] },
			want: map[string]want{
				myna.CheckCardFaceCertificate: {verify.StatusInvalid, myna.CodeCertMalformed},
				myna.CheckCardFaceSignature:   notReached, myna.CheckChipChallenge: notReached, myna.CheckConsistency: notReached}},
		{name: "face cert is the text cert", mutate: func(t *testing.T, in *myna.Input) { in.CardFaceCert = bytes.Clone(in.TextCert) },
			want: map[string]want{
				myna.CheckCardFaceSignature: {verify.StatusInvalid, myna.CodeSignatureInvalid},
				myna.CheckChipChallenge:     notReached, myna.CheckConsistency: notReached}},
		{name: "face birth date", mutate: func(t *testing.T, in *myna.Input) { replace(t, &in.CardFace, "19800217", "19800218") },
			want: map[string]want{
				myna.CheckCardFaceSignature: {verify.StatusInvalid, myna.CodeSignatureInvalid},
				myna.CheckChipChallenge:     notReached, myna.CheckConsistency: notReached}},
		{name: "face sex", mutate: func(t *testing.T, in *myna.Input) { replace(t, &in.CardFace, "\xdf\x23\x011", "\xdf\x23\x012") },
			want: map[string]want{
				myna.CheckCardFaceSignature: {verify.StatusInvalid, myna.CodeSignatureInvalid},
				myna.CheckChipChallenge:     notReached, myna.CheckConsistency: notReached}},
		{name: "face chip key", mutate: func(t *testing.T, in *myna.Input) { flipIn(t, in.CardFace, face.PublicKey.N.Bytes(), 7) },
			want: map[string]want{
				myna.CheckCardFaceSignature: {verify.StatusInvalid, myna.CodeSignatureInvalid},
				myna.CheckChipChallenge:     notReached, myna.CheckConsistency: notReached}},
		{name: "face name image", mutate: func(t *testing.T, in *myna.Input) { flipIn(t, in.CardFace, face.NameImage, -6) },
			want: map[string]want{
				myna.CheckCardFaceSignature: {verify.StatusInvalid, myna.CodeSignatureInvalid},
				myna.CheckChipChallenge:     notReached, myna.CheckConsistency: notReached}},
		{name: "face address image", mutate: func(t *testing.T, in *myna.Input) { flipIn(t, in.CardFace, face.AddressImage, -6) },
			want: map[string]want{
				myna.CheckCardFaceSignature: {verify.StatusInvalid, myna.CodeSignatureInvalid},
				myna.CheckChipChallenge:     notReached, myna.CheckConsistency: notReached}},
		{name: "face photo", mutate: func(t *testing.T, in *myna.Input) { flipIn(t, in.CardFace, face.Photo, 300) },
			want: map[string]want{
				myna.CheckCardFaceSignature: {verify.StatusInvalid, myna.CodeSignatureInvalid},
				myna.CheckChipChallenge:     notReached, myna.CheckConsistency: notReached}},
		{name: "face signature", mutate: func(t *testing.T, in *myna.Input) { flipIn(t, in.CardFace, face.Signature, 0) },
			want: map[string]want{
				myna.CheckCardFaceSignature: {verify.StatusInvalid, myna.CodeSignatureInvalid},
				myna.CheckChipChallenge:     notReached, myna.CheckConsistency: notReached}},
		{name: "face offset table", mutate: func(t *testing.T, in *myna.Input) { flipAt(in.CardFace, 10) },
			want: map[string]want{
				myna.CheckCardFaceSignature: {verify.StatusInvalid, myna.CodeRecordMalformed},
				myna.CheckChipChallenge:     notReached, myna.CheckConsistency: notReached,
				myna.CheckValidity: notReached}},
		{name: "face junk after object", mutate: func(t *testing.T, in *myna.Input) { in.CardFace[len(in.CardFace)-1] = 0x00 },
			want: map[string]want{
				myna.CheckCardFaceSignature: {verify.StatusInvalid, myna.CodeRecordMalformed},
				myna.CheckChipChallenge:     notReached, myna.CheckConsistency: notReached,
				myna.CheckValidity: notReached}},
		{name: "text name", mutate: func(t *testing.T, in *myna.Input) { replace(t, &in.Text, "太郎", "次郎") },
			want: map[string]want{
				myna.CheckTextSignature: {verify.StatusInvalid, myna.CodeDigestMismatch},
				myna.CheckConsistency:   notReached}},
		{name: "text address", mutate: func(t *testing.T, in *myna.Input) { replace(t, &in.Text, "１丁目", "２丁目") },
			want: map[string]want{
				myna.CheckTextSignature: {verify.StatusInvalid, myna.CodeDigestMismatch},
				myna.CheckConsistency:   notReached}},
		{name: "text birth date", mutate: func(t *testing.T, in *myna.Input) { replace(t, &in.Text, "19800217", "19800218") },
			want: map[string]want{
				myna.CheckTextSignature: {verify.StatusInvalid, myna.CodeDigestMismatch},
				myna.CheckConsistency:   notReached}},
		{name: "text offset table", mutate: func(t *testing.T, in *myna.Input) { flipAt(in.Text, 6) },
			want: map[string]want{
				myna.CheckTextSignature: {verify.StatusInvalid, myna.CodeRecordMalformed},
				myna.CheckConsistency:   notReached}},
		{name: "text my number digest", mutate: func(t *testing.T, in *myna.Input) { flipAt(in.TextIntegrity, 8) },
			want: map[string]want{
				myna.CheckTextSignature: {verify.StatusInvalid, myna.CodeSignatureInvalid},
				myna.CheckConsistency:   notReached}},
		{name: "text digest", mutate: func(t *testing.T, in *myna.Input) { flipAt(in.TextIntegrity, 8+32+3) },
			want: map[string]want{
				myna.CheckTextSignature: {verify.StatusInvalid, myna.CodeSignatureInvalid},
				myna.CheckConsistency:   notReached}},
		{name: "text signature", mutate: func(t *testing.T, in *myna.Input) { flipAt(in.TextIntegrity, len(in.TextIntegrity)-1) },
			want: map[string]want{
				myna.CheckTextSignature: {verify.StatusInvalid, myna.CodeSignatureInvalid},
				myna.CheckConsistency:   notReached}},
		{name: "text integrity truncated", mutate: func(t *testing.T, in *myna.Input) { in.TextIntegrity = in.TextIntegrity[:300] },
			want: map[string]want{
				myna.CheckTextSignature: {verify.StatusInvalid, myna.CodeRecordMalformed},
				myna.CheckConsistency:   notReached}},
		{name: "text cert signature", mutate: func(t *testing.T, in *myna.Input) { flipAt(in.TextCert, len(in.TextCert)-1) },
			want: map[string]want{
				myna.CheckTextCertificate: {verify.StatusInvalid, myna.CodeCertSigInvalid},
				myna.CheckTextSignature:   notReached, myna.CheckConsistency: notReached,
				myna.CheckTextChipChallenge: notReached}},
		{name: "text cert is the face cert", mutate: func(t *testing.T, in *myna.Input) { in.TextCert = bytes.Clone(in.CardFaceCert) },
			want: map[string]want{
				myna.CheckTextSignature:     {verify.StatusInvalid, myna.CodeSignatureInvalid},
				myna.CheckTextChipChallenge: {verify.StatusInvalid, myna.CodeSignatureInvalid},
				myna.CheckConsistency:       notReached}},
		{name: "text card key signature", mutate: func(t *testing.T, in *myna.Input) { flipAt(in.TextCardKey, 5+3+265+4+10) },
			want: map[string]want{myna.CheckTextChipChallenge: {verify.StatusInvalid, myna.CodeSignatureInvalid}}},
		{name: "text card key", mutate: func(t *testing.T, in *myna.Input) { flipAt(in.TextCardKey, 100) },
			want: map[string]want{myna.CheckTextChipChallenge: {verify.StatusInvalid, myna.CodeSignatureInvalid}}},
		{name: "text card key malformed", mutate: func(t *testing.T, in *myna.Input) { in.TextCardKey = in.TextCardKey[:50] },
			want: map[string]want{myna.CheckTextChipChallenge: {verify.StatusInvalid, myna.CodeRecordMalformed}}},
		{name: "text challenge signature", mutate: func(t *testing.T, in *myna.Input) { flipAt(in.TextChallengeSignature, 9) },
			want: map[string]want{myna.CheckTextChipChallenge: {verify.StatusInvalid, myna.CodeChallengeFailed}}},
		{name: "text challenge signed by face chip key", mutate: func(t *testing.T, in *myna.Input) { in.TextChallengeSignature = bytes.Clone(in.ChallengeSignature) },
			want: map[string]want{myna.CheckTextChipChallenge: {verify.StatusInvalid, myna.CodeChallengeFailed}}},
		{name: "no text challenge (optional)", mutate: func(t *testing.T, in *myna.Input) { in.TextCardKey, in.TextChallengeSignature = nil, nil },
			want: map[string]want{myna.CheckTextChipChallenge: {verify.StatusNotChecked, myna.CodeNoChallenge}}},
		{name: "challenge signature", mutate: func(t *testing.T, in *myna.Input) { flipAt(in.ChallengeSignature, 3) },
			want: map[string]want{myna.CheckChipChallenge: {verify.StatusInvalid, myna.CodeChallengeFailed}}},
		{name: "challenge other nonce", mutate: func(t *testing.T, in *myna.Input) { in.Nonce = []byte("fedcba9876543210") },
			want: map[string]want{myna.CheckChipChallenge: {verify.StatusInvalid, myna.CodeChallengeFailed},
				myna.CheckTextChipChallenge: {verify.StatusInvalid, myna.CodeChallengeFailed}}},
		{name: "challenge signed by text chip key", mutate: func(t *testing.T, in *myna.Input) {
			sig, err := mynatest.SignNonce(f.card.TextKey, in.Nonce)
			if err != nil {
				t.Fatal(err)
			}
			in.ChallengeSignature = sig
		}, want: map[string]want{myna.CheckChipChallenge: {verify.StatusInvalid, myna.CodeChallengeFailed}}},
		{name: "challenge short nonce", mutate: func(t *testing.T, in *myna.Input) {
			in.Nonce = in.Nonce[:8]
		}, want: map[string]want{myna.CheckChipChallenge: {verify.StatusInvalid, myna.CodeNonceTooShort},
			myna.CheckTextChipChallenge: {verify.StatusInvalid, myna.CodeNonceTooShort}}},
		{name: "no challenge", mutate: func(t *testing.T, in *myna.Input) { in.Nonce, in.ChallengeSignature = nil, nil },
			want: map[string]want{myna.CheckChipChallenge: {verify.StatusNotChecked, myna.CodeNoChallenge},
				myna.CheckTextChipChallenge: {verify.StatusNotChecked, myna.CodeNoChallenge}},
			status: verify.StatusUndetermined},
		{name: "no text read", mutate: func(t *testing.T, in *myna.Input) { in.Text, in.TextIntegrity, in.TextCert = nil, nil, nil },
			want: map[string]want{
				myna.CheckTextCertificate: {verify.StatusNotChecked, myna.CodeNotRead},
				myna.CheckTextSignature:   {verify.StatusNotChecked, myna.CodeNotRead},
				myna.CheckConsistency:     notReached, myna.CheckTextChipChallenge: notReached},
			status: verify.StatusUndetermined},
		{name: "wrong ca keys", keys: other.CAKeys(),
			want: map[string]want{
				myna.CheckCardFaceCertificate: {verify.StatusInvalid, myna.CodeCertSigInvalid},
				myna.CheckTextCertificate:     {verify.StatusInvalid, myna.CodeCertSigInvalid},
				myna.CheckCardFaceSignature:   notReached, myna.CheckTextSignature: notReached,
				myna.CheckChipChallenge: notReached, myna.CheckConsistency: notReached,
				myna.CheckTextChipChallenge: notReached}},
		{name: "no ca keys", keys: []myna.CAKey{},
			want: map[string]want{
				myna.CheckCardFaceCertificate: {verify.StatusNotChecked, myna.CodeNoCAKeys},
				myna.CheckTextCertificate:     {verify.StatusNotChecked, myna.CodeNoCAKeys},
				myna.CheckCardFaceSignature:   notReached, myna.CheckTextSignature: notReached,
				myna.CheckChipChallenge: notReached, myna.CheckConsistency: notReached,
				myna.CheckTextChipChallenge: notReached},
			status: verify.StatusUndetermined},
		{name: "ca keys without ids", keys: anon, want: map[string]want{}},
		{name: "ca keys without ids from another pki", keys: func() []myna.CAKey {
			ks := other.CAKeys()
			for i := range ks {
				ks[i].ID = nil
			}
			return ks
		}(),
			want: map[string]want{
				myna.CheckCardFaceCertificate: {verify.StatusInvalid, myna.CodeCertSigInvalid},
				myna.CheckTextCertificate:     {verify.StatusInvalid, myna.CodeCertSigInvalid},
				myna.CheckCardFaceSignature:   notReached, myna.CheckTextSignature: notReached,
				myna.CheckChipChallenge: notReached, myna.CheckConsistency: notReached,
				myna.CheckTextChipChallenge: notReached}},
		{name: "last valid second", at: time.Date(2035, 2, 17, 23, 59, 59, 0, jst), want: map[string]want{}},
		{name: "expired", at: time.Date(2035, 2, 18, 0, 0, 0, 0, jst),
			want: map[string]want{myna.CheckValidity: {verify.StatusInvalid, myna.CodeCardExpired}}},
		{name: "expiry is not signed", mutate: func(t *testing.T, in *myna.Input) { replace(t, &in.CardFace, "20350217", "20990217") },
			at:   time.Date(2040, 1, 1, 0, 0, 0, 0, jst),
			want: map[string]want{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := f.input(t)
			if tc.mutate != nil {
				tc.mutate(t, in)
			}
			keys := tc.keys
			if keys == nil {
				keys = f.pki.CAKeys()
			}
			when := tc.at
			if when.IsZero() {
				when = at
			}
			res, err := myna.VerifyCard(in, keys, when)
			if err != nil {
				t.Fatal(err)
			}
			assertChecks(t, res.Checks, tc.want)
			st := tc.status
			if st == "" {
				st = verify.StatusValid
				for _, w := range tc.want {
					if w.status == verify.StatusInvalid {
						st = verify.StatusInvalid
					}
				}
			}
			if res.Status != st || res.Valid != (st == verify.StatusValid) {
				t.Errorf("status %s valid %v, want %s", res.Status, res.Valid, st)
			}
			assertNoMyNumber(t, res, f.card.MyNumber)
		})
	}
}

func assertChecks(t *testing.T, got verify.Checks, w map[string]want) {
	t.Helper()
	for id, exp := range w {
		if c, ok := got.Get(id); !ok || c.Status != exp.status || c.Code != exp.code {
			t.Errorf("%s = %+v, want %s/%s", id, c, exp.status, exp.code)
		}
	}
	for _, c := range got {
		if _, listed := w[c.ID]; listed {
			continue
		}
		if c.Status != verify.StatusValid || c.Code != myna.CodeOK {
			t.Errorf("%s = %+v, want valid", c.ID, c)
		}
	}
}

// assertNoMyNumber: the verdict, as the app would serialise it, never
// holds the card's My Number.
func assertNoMyNumber(t *testing.T, res *myna.Result, mn string) {
	t.Helper()
	js, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(js), mn) {
		t.Errorf("verdict contains the my number: %s", js)
	}
	for _, img := range []*myna.Image{res.Person.Photo, res.Person.NameImage, res.Person.AddressImage} {
		if img != nil && bytes.Contains(img.Bytes, []byte(mn)) {
			t.Error("image bytes contain the my number")
		}
	}
}

func TestConsistency(t *testing.T) {
	f := newFixture(t)
	otherBirth, otherSex := mynatest.Taro, mynatest.Taro
	otherBirth.BirthDate = "19800218"
	otherSex.Sex = '2'
	for _, tc := range []struct {
		name string
		text mynatest.Person
		code string
	}{
		{"birth date", otherBirth, myna.CodeBirthDateMismatch},
		{"sex", otherSex, myna.CodeSexMismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			card, err := mynatest.NewCard(f.pki, mynatest.Options{TextPerson: &tc.text})
			if err != nil {
				t.Fatal(err)
			}
			in, err := card.Input(nonce)
			if err != nil {
				t.Fatal(err)
			}
			res, err := myna.VerifyCard(in, f.pki.CAKeys(), at)
			if err != nil {
				t.Fatal(err)
			}
			assertChecks(t, res.Checks, map[string]want{myna.CheckConsistency: {verify.StatusInvalid, tc.code}})
			if res.Valid {
				t.Error("valid")
			}
		})
	}
}

func TestOtherHolder(t *testing.T) {
	f := newFixture(t)
	card, err := mynatest.NewCard(f.pki, mynatest.Options{Seed: "hanako", Person: mynatest.Hanako, MyNumber: "123456789018"})
	if err != nil {
		t.Fatal(err)
	}
	in, err := card.Input(nonce)
	if err != nil {
		t.Fatal(err)
	}
	res, err := myna.VerifyCard(in, f.pki.CAKeys(), at)
	if err != nil || !res.Valid {
		t.Fatalf("%v %+v", err, res.Checks)
	}
	if res.Person.Name != "対面　花子" || res.Person.Sex != myna.SexFemale || res.Person.BirthDate != "1995-07-04" {
		t.Errorf("%+v", res.Person)
	}
	assertNoMyNumber(t, res, "123456789018")
	// Taro's challenge answer does not prove Hanako's chip.
	in.ChallengeSignature, _ = mynatest.SignNonce(f.card.VisualKey, in.Nonce)
	res, _ = myna.VerifyCard(in, f.pki.CAKeys(), at)
	if c, _ := res.Checks.Get(myna.CheckChipChallenge); c.Code != myna.CodeChallengeFailed {
		t.Errorf("%+v", c)
	}
}

// TestMyNumberRefused: the two files that hold the My Number are refused
// wherever they are passed, with a typed error that never carries it.
func TestMyNumberRefused(t *testing.T) {
	f := newFixture(t)
	files := map[string][]byte{"text EF0001": f.card.Text[0x0001], "face EF0005": f.card.Visual[0x0005]}
	for name, file := range files {
		for _, field := range []string{"CardFaceCert", "CardFace", "TextCert", "Text", "TextIntegrity"} {
			in := f.input(t)
			switch field {
			case "CardFaceCert":
				in.CardFaceCert = file
			case "CardFace":
				in.CardFace = file
			case "TextCert":
				in.TextCert = file
			case "Text":
				in.Text = file
			case "TextIntegrity":
				in.TextIntegrity = file
			}
			res, err := myna.VerifyCard(in, f.pki.CAKeys(), at)
			var me *myna.MyNumberError
			if res != nil || !errors.Is(err, myna.ErrMyNumber) || !errors.As(err, &me) {
				t.Errorf("%s as %s: %v, %v", name, field, res, err)
				continue
			}
			if strings.Contains(err.Error(), f.card.MyNumber) {
				t.Errorf("error carries the my number: %v", err)
			}
		}
		for pname, parse := range map[string]func([]byte) error{
			"ParseCardFace":      func(b []byte) error { _, err := myna.ParseCardFace(b); return err },
			"ParseTextRecord":    func(b []byte) error { _, err := myna.ParseTextRecord(b); return err },
			"ParseTextIntegrity": func(b []byte) error { _, err := myna.ParseTextIntegrity(b); return err },
			"ParseCVCert":        func(b []byte) error { _, err := myna.ParseCVCert(b); return err },
		} {
			if err := parse(file); !errors.Is(err, myna.ErrMyNumber) {
				t.Errorf("%s(%s) = %v", pname, name, err)
			}
		}
	}
	// The age record (券面AP EF0001) is also FF10, and 入力補助AP EF0005 is
	// also FF40, but neither holds the My Number: malformed, not refused.
	for _, b := range [][]byte{f.card.Visual[0x0001], f.card.Text[0x0005]} {
		if _, err := myna.ParseCardFace(b); errors.Is(err, myna.ErrMyNumber) || !errors.Is(err, verify.ErrMalformed) {
			t.Errorf("% X: %v", b[:4], err)
		}
	}
}
