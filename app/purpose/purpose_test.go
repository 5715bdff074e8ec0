package purpose

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func names(els []Element) []string {
	var out []string
	for _, e := range els {
		out = append(out, e.Namespace+"/"+e.Element)
	}
	return out
}

func TestBuiltinElements(t *testing.T) {
	set := Default()
	tests := []struct {
		id, docType string
		want        []string
		retained    []string
	}{
		{AgeCheck, DocTypeMDL, []string{"org.iso.18013.5.1/age_over_20", "org.iso.18013.5.1/portrait"}, nil},
		{AgeCheck, DocTypeMNC, []string{"org.iso.23220.1/age_over_20", "org.iso.23220.1.jp/portrait"}, nil},
		{AccountOpening, DocTypeMNC, []string{
			"org.iso.23220.1.jp/full_name_unicode", "org.iso.23220.1.jp/resident_address_unicode",
			"org.iso.23220.1/birth_date", "org.iso.23220.1.jp/birth_date_unicode", "org.iso.23220.1.jp/portrait",
		}, []string{"org.iso.23220.1.jp/full_name_unicode", "org.iso.23220.1.jp/resident_address_unicode", "org.iso.23220.1/birth_date", "org.iso.23220.1.jp/birth_date_unicode"}},
		{AccountOpening, DocTypeMDL, []string{
			"org.iso.18013.5.1/family_name", "org.iso.18013.5.1/given_name", "org.iso.18013.5.1/resident_address",
			"org.iso.18013.5.1/resident_city", "org.iso.18013.5.1/resident_state", "org.iso.18013.5.1/resident_postal_code",
			"org.iso.18013.5.1/birth_date", "org.iso.18013.5.1/portrait",
		}, nil},
		{Rental, DocTypeMDL, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.id+" "+tc.docType, func(t *testing.T) {
			p, err := set.Get(tc.id)
			if err != nil {
				t.Fatal(err)
			}
			got := names(p.Elements(tc.docType))
			if tc.want != nil && !slices.Equal(got, tc.want) {
				t.Fatalf("elements\n got %v\nwant %v", got, tc.want)
			}
			for _, e := range p.Elements(tc.docType) {
				if e.Element == "individual_number_unicode" {
					t.Fatal("the My Number is requested")
				}
			}
			for _, r := range tc.retained {
				ns, el, _ := strings.Cut(r, "/")
				if !p.Retains(tc.docType, Element{ns, el}) {
					t.Fatalf("%s not retained", r)
				}
			}
			if tc.id == Rental && !slices.Contains(got, "org.iso.18013.5.1/driving_privileges") {
				t.Fatal("rental does not ask an mDL for driving privileges")
			}
		})
	}
}

func TestRequestIntentToRetain(t *testing.T) {
	p, _ := Default().Get(AccountOpening)
	specs := p.Request(DocTypeMDL, DocTypeMNC)
	if len(specs) != 2 {
		t.Fatalf("%d doc requests", len(specs))
	}
	for _, s := range specs {
		for _, e := range s.Elements {
			want := e.Element != "portrait"
			if e.IntentToRetain != want {
				t.Errorf("%s %s/%s intent_to_retain %v, want %v", s.DocType, e.Namespace, e.Element, e.IntentToRetain, want)
			}
		}
	}
	age, _ := Default().Get(AgeCheck)
	for _, s := range age.Request(DocTypeMDL, DocTypeMNC) {
		for _, e := range s.Elements {
			if e.IntentToRetain {
				t.Errorf("age check retains %s", e.Element)
			}
		}
	}
	req := p.Requested(DocTypeMNC)
	if retain, ok := req[DocTypeMNC][NamespaceJP]["full_name_unicode"]; !ok || !retain {
		t.Fatalf("Requested map %v", req)
	}
	if _, ok := req[DocTypeMDL]; ok {
		t.Fatal("Requested has a document type that was not asked for")
	}
}

func TestValidate(t *testing.T) {
	good := Purpose{ID: "x", Name: Text{"名", "n"}, LegalBasis: Text{"法", "law"}, Attributes: []Attribute{Name}}
	tests := []struct {
		name   string
		mutate func(*Purpose)
		want   error
	}{
		{"good", func(*Purpose) {}, nil},
		{"no id", func(p *Purpose) { p.ID = "" }, ErrInvalid},
		{"no english name", func(p *Purpose) { p.Name.EN = "" }, ErrInvalid},
		{"no legal basis", func(p *Purpose) { p.LegalBasis = Text{} }, ErrInvalid},
		{"no attributes", func(p *Purpose) { p.Attributes = nil }, ErrInvalid},
		{"unknown attribute", func(p *Purpose) { p.Attributes = []Attribute{"my_number"} }, ErrInvalid},
		{"age threshold", func(p *Purpose) { p.Attributes = []Attribute{AgeOver}; p.AgeOver = 21 }, ErrInvalid},
		{"retains unrequested", func(p *Purpose) { p.Retain = []Attribute{Address} }, ErrInvalid},
		{"retains without period", func(p *Purpose) { p.Retain = []Attribute{Name} }, ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := good
			tc.mutate(&p)
			if err := p.Validate(); !errors.Is(err, tc.want) {
				t.Fatalf("Validate() = %v, want %v", err, tc.want)
			}
		})
	}
	for _, p := range Builtin() {
		if err := p.Validate(); err != nil {
			t.Errorf("built-in %s: %v", p.ID, err)
		}
	}
	if !IsForbidden(Element{NamespaceJP, "individual_number_unicode"}) {
		t.Fatal("the My Number is not forbidden")
	}
}

func TestParseConfig(t *testing.T) {
	set, err := Parse([]byte(`{"purposes": [
	  {"id": "pawn-shop", "name": {"ja": "質屋", "en": "Pawn shop"},
	   "legalBasis": {"ja": "古物営業法第15条", "en": "Secondhand Articles Dealer Act Art. 15"},
	   "attributes": ["name", "address", "birth_date"], "retain": ["name"], "retention": "1096d"},
	  {"id": "age-check", "name": {"ja": "年齢確認（18歳）", "en": "Age check (18)"},
	   "legalBasis": {"ja": "業界の自主基準", "en": "Industry guideline"},
	   "attributes": ["age_over"], "ageOver": 18}
	]}`))
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, p := range set.All() {
		ids = append(ids, p.ID)
	}
	if want := []string{AccountOpening, PhoneContract, AgeCheck, Rental, "pawn-shop"}; !slices.Equal(ids, want) {
		t.Fatalf("ids %v, want %v", ids, want)
	}
	pawn, _ := set.Get("pawn-shop")
	if time.Duration(pawn.Retention) != 1096*day {
		t.Fatalf("retention %v", time.Duration(pawn.Retention))
	}
	age, _ := set.Get(AgeCheck)
	if got := names(age.Elements(DocTypeMDL)); !slices.Equal(got, []string{"org.iso.18013.5.1/age_over_18"}) {
		t.Fatalf("overridden age check asks %v", got)
	}
	if _, err := set.Get("nope"); !errors.Is(err, ErrUnknown) {
		t.Fatalf("Get(nope) = %v", err)
	}

	for name, bad := range map[string]string{
		"typo in a field":   `{"purposes": [{"id": "a", "atributes": ["name"]}]}`,
		"bad retention":     `{"purposes": [{"id": "a", "name": {"ja": "a", "en": "a"}, "legalBasis": {"ja": "a", "en": "a"}, "attributes": ["name"], "retain": ["name"], "retention": "forever"}]}`,
		"invalid purpose":   `{"purposes": [{"id": "a"}]}`,
		"not json":          `purposes: []`,
		"my number request": `{"purposes": [{"id": "a", "name": {"ja": "a", "en": "a"}, "legalBasis": {"ja": "a", "en": "a"}, "attributes": ["individual_number"]}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse([]byte(bad)); !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse accepted or mis-typed: %v", err)
			}
		})
	}
}

func TestDurationJSON(t *testing.T) {
	for _, d := range []Duration{Duration(2557 * day), Duration(90 * time.Minute)} {
		b, err := d.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var back Duration
		if err := back.UnmarshalJSON(b); err != nil || back != d {
			t.Fatalf("%s round-trips to %v (%v)", b, time.Duration(back), err)
		}
	}
}
