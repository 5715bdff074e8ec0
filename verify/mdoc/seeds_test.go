package mdoc_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"taimen/verify"
	"taimen/verify/mdoc"
	"taimen/verify/mdoc/mdoctest"
)

var respUpdate = flag.Bool("resp.update", false, "rewrite the minted testdata/response_*.cbor seeds")

// seedSpecs are the minted responses committed under testdata/ as fuzzing
// seeds. They are minted with the "testdata" fixture, whose keys are
// derived from seeds, so they verify against a fixture rebuilt in the test.
func seedSpecs(f *fixture) map[string]mdoctest.Response {
	mdl := f.Document(mdoctest.DocTypeMDL, mdoctest.MDLPerson())
	mnc := f.Document(mdoctest.DocTypeMNC, mdoctest.MNCPerson())
	untagged := f.Document(mdoctest.DocTypeMDL, mdoctest.MDLPerson()[:4])
	untagged.DatesUntagged = true
	untagged.Tamper.X5ChainAsArray = true
	withErrors := f.Document(mdoctest.DocTypeMNC, mdoctest.MNCPerson()[:3])
	withErrors.Errors = map[string]map[string]int{mdoctest.NamespaceJP: {"resident_address_unicode": 0}}
	both := f.Response(mdoctest.DeviceMAC, mdl, withErrors)
	both.DocumentErrors = map[string]int{"org.example.other": 0}
	return map[string]mdoctest.Response{
		"response_mdl_signature.cbor":        f.Response(mdoctest.DeviceSignature, mdl),
		"response_mnc_mac.cbor":              f.Response(mdoctest.DeviceMAC, mnc),
		"response_untagged_dates.cbor":       f.Response(mdoctest.DeviceSignature, untagged),
		"response_two_documents_errors.cbor": both,
	}
}

func TestMintedSeeds(t *testing.T) {
	f := newFixture(t, "testdata")
	for name, spec := range seedSpecs(f) {
		path := filepath.Join("testdata", name)
		if *respUpdate {
			if err := os.WriteFile(path, mint(t, spec), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -resp.update to mint)", err)
		}
		res := mdoc.VerifyResponse(data, f.opts())
		if !res.Valid {
			t.Errorf("%s: %s", name, dump(res))
		}
	}
}

// TestNoMyNumberByDefault guards the rule that minted credentials never
// carry the My Number.
func TestNoMyNumberByDefault(t *testing.T) {
	for _, e := range append(mdoctest.MNCPerson(), mdoctest.MDLPerson()...) {
		if e.Identifier == "individual_number_unicode" {
			t.Fatal("individual_number_unicode in a default person")
		}
	}
	files, err := filepath.Glob(filepath.Join("testdata", "response_*.cbor"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no minted responses (%v)", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte("individual_number")) {
			t.Errorf("%s carries individual_number", name)
		}
	}
}

func TestMNCElements(t *testing.T) {
	f := newFixture(t, "mnc")
	res := mdoc.VerifyResponse(mint(t, f.Response(mdoctest.DeviceMAC, f.Document(mdoctest.DocTypeMNC, mdoctest.MNCPerson()))), f.opts())
	if !res.Valid {
		t.Fatal(dump(res))
	}
	jp := res.Documents[0].Elements[mdoctest.NamespaceJP]
	for id, want := range map[string]string{
		"full_name_unicode":  "山田 花子",
		"birth_date_unicode": "1990年4月1日",
		"sex_unicode":        "女",
	} {
		if v := jp[id]; v.Kind != mdoc.KindString || v.Str != want {
			t.Errorf("%s = %v", id, v)
		}
	}
	if p := jp["portrait"]; p.MediaType != mdoc.MediaJPEG {
		t.Errorf("portrait %v", p)
	}
	g := res.Documents[0].Elements[mdoctest.Namespace23220]
	if v := g["age_over_20"]; v.Kind != mdoc.KindBool || !v.Bool {
		t.Errorf("age_over_20 %v", v)
	}
	if d, ok := g["birth_date"].Date(); !ok || d.Format("2006-01-02") != "1990-04-01" {
		t.Errorf("birth_date %v", g["birth_date"])
	}
	if v := g["sex"]; v.Kind != mdoc.KindInt || v.Int != 2 {
		t.Errorf("sex %v", v)
	}
	_ = verify.StatusValid
}

// TestIssueOncePresentTwice is the wallet flow the simulator uses: one
// issued credential, two sessions, two different selections.
func TestIssueOncePresentTwice(t *testing.T) {
	f := newFixture(t, "wallet")
	d := f.Document(mdoctest.DocTypeMNC, mdoctest.MNCPerson())
	d.Withheld = []mdoctest.Element{{Namespace: mdoctest.NamespaceJP, Identifier: "local_gov_code_unicode", Value: "99999"}}
	cred, err := mdoctest.Issue(d, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, sel := range []map[string][]string{
		{mdoctest.Namespace23220: {"age_over_20"}},
		{mdoctest.NamespaceJP: {"full_name_unicode", "portrait", "local_gov_code_unicode"}, mdoctest.Namespace23220: {"birth_date"}},
	} {
		s, err := mdoctest.NewSession(fmt.Sprint("wallet session ", i))
		if err != nil {
			t.Fatal(err)
		}
		b := mdoctest.SessionBinding{Transcript: s.Transcript, Mode: mdoctest.DeviceMAC, ReaderKey: s.ReaderKey.PublicKey()}
		data, err := mdoctest.Respond(b, 0, nil, mdoctest.Presentation{Credential: cred, Disclose: sel})
		if err != nil {
			t.Fatal(err)
		}
		o := f.opts()
		o.Transcript, o.ReaderKey = &s.Transcript, s.ReaderKey
		res := mdoc.VerifyResponse(data, o)
		if !res.Valid {
			t.Fatalf("session %d: %s", i, dump(res))
		}
		n, want := 0, 0
		for ns, ids := range sel {
			for _, id := range ids {
				if id != "local_gov_code_unicode" { // withheld: in the MSO, never sent
					want++
				}
				if _, ok := res.Documents[0].Elements[ns][id]; ok {
					n++
				}
			}
		}
		if n != want || len(res.Documents[0].Elements[mdoctest.NamespaceJP])+len(res.Documents[0].Elements[mdoctest.Namespace23220]) != want {
			t.Errorf("session %d: %d of %d selected elements shown: %v", i, n, want, res.Documents[0].Elements)
		}
		// The same presentation checked against the other session fails device auth only.
		other, _ := mdoctest.NewSession(fmt.Sprint("wallet session ", 1-i))
		o.Transcript, o.ReaderKey = &other.Transcript, other.ReaderKey
		if c, _ := mdoc.VerifyResponse(data, o).Documents[0].Checks.Get(mdoc.CheckDeviceAuth); c.Code != mdoc.CodeDeviceMacInvalid {
			t.Errorf("replayed in another session: %+v", c)
		}
	}
}
