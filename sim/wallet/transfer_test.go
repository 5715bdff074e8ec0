package wallet

import (
	"bytes"
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"taimen/reader"
	"taimen/verify"
	"taimen/verify/mdoc"
	"taimen/verify/mdoc/mdoctest"
)

var (
	ageOver20   = ElementRef{mdoctest.Namespace23220, "age_over_20"}
	fullName    = ElementRef{mdoctest.NamespaceJP, "full_name_unicode"}
	address     = ElementRef{mdoctest.NamespaceJP, "resident_address_unicode"}
	portraitMNC = ElementRef{mdoctest.NamespaceJP, "portrait"}
	myNumber    = ElementRef{mdoctest.NamespaceJP, ElementMyNumber}
	familyName  = ElementRef{mdoctest.NamespaceMDL, "family_name"}
	mdlAge      = ElementRef{mdoctest.NamespaceMDL, "age_over_18"}
	mdlPortrait = ElementRef{mdoctest.NamespaceMDL, "portrait"}
)

func refs(rs ...ElementRef) map[string]bool {
	out := map[string]bool{}
	for _, r := range rs {
		out[r.Namespace+"/"+r.Element] = true
	}
	return out
}

// TestRetrieval runs engagement and NFC data retrieval with the real
// reader code and verifies the DeviceResponse against the sim's IACA.
func TestRetrieval(t *testing.T) {
	tests := []struct {
		name   string
		opts   Options
		rdr    reader.Options
		ne     int
		specs  []mdoc.DocRequestSpec
		want   map[string]map[string]bool // docType → disclosed
		errors map[string]map[string]int
	}{
		{
			name:  "static mnc age only, signature",
			opts:  Options{Handover: Static},
			specs: []mdoc.DocRequestSpec{spec(mdoctest.DocTypeMNC, ageOver20)},
			want:  map[string]map[string]bool{mdoctest.DocTypeMNC: refs(ageOver20)},
		},
		{
			name:  "negotiated mnc name address portrait, mac",
			opts:  Options{Handover: Negotiated, DeviceAuth: MAC},
			specs: []mdoc.DocRequestSpec{spec(mdoctest.DocTypeMNC, fullName, address, portraitMNC)},
			want:  map[string]map[string]bool{mdoctest.DocTypeMNC: refs(fullName, address, portraitMNC)},
		},
		{
			name:  "apple mdl, mac, short apdus",
			opts:  Options{Handover: Apple, DeviceAuth: MAC},
			rdr:   reader.Options{Length: reader.LengthShort},
			ne:    256,
			specs: []mdoc.DocRequestSpec{spec(mdoctest.DocTypeMDL, familyName, mdlAge, mdlPortrait)},
			want:  map[string]map[string]bool{mdoctest.DocTypeMDL: refs(familyName, mdlAge, mdlPortrait)},
		},
		{
			name:  "static both documents, extended apdus of 1000 bytes",
			opts:  Options{Handover: Static, Docs: []DocKind{DocMDL, DocMNC}},
			rdr:   reader.Options{Length: reader.LengthExtended, MaxCommandData: 1000},
			ne:    1000,
			specs: []mdoc.DocRequestSpec{spec(mdoctest.DocTypeMDL, familyName), spec(mdoctest.DocTypeMNC, ageOver20)},
			want:  map[string]map[string]bool{mdoctest.DocTypeMDL: refs(familyName), mdoctest.DocTypeMNC: refs(ageOver20)},
		},
		{
			name:   "my number is never held",
			opts:   Options{Handover: Static},
			specs:  []mdoc.DocRequestSpec{spec(mdoctest.DocTypeMNC, fullName, myNumber)},
			want:   map[string]map[string]bool{mdoctest.DocTypeMNC: refs(fullName)},
			errors: map[string]map[string]int{mdoctest.NamespaceJP: {ElementMyNumber: 0}},
		},
		{
			name:  "my number when configured for a negative test",
			opts:  Options{Handover: Static, IncludeMyNumber: true},
			specs: []mdoc.DocRequestSpec{spec(mdoctest.DocTypeMNC, myNumber)},
			want:  map[string]map[string]bool{mdoctest.DocTypeMNC: refs(myNumber)},
		},
		{
			name:   "subset consent",
			opts:   Options{Handover: Negotiated, Consent: Consent{Only: []ElementRef{{Element: "age_over_20"}}}},
			specs:  []mdoc.DocRequestSpec{spec(mdoctest.DocTypeMNC, ageOver20, fullName, address)},
			want:   map[string]map[string]bool{mdoctest.DocTypeMNC: refs(ageOver20)},
			errors: map[string]map[string]int{mdoctest.NamespaceJP: {"full_name_unicode": 0, "resident_address_unicode": 0}},
		},
		{
			name:  "only the mdl held",
			opts:  Options{Handover: Static, Docs: []DocKind{DocMDL}},
			specs: []mdoc.DocRequestSpec{spec(mdoctest.DocTypeMDL, familyName)},
			want:  map[string]map[string]bool{mdoctest.DocTypeMDL: refs(familyName)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWallet(t, tt.opts)
			card := w.Card(tt.rdr)
			res := engage(t, card, readerOpts(t.Name()))
			r := startSession(t, card, res)
			if tt.ne != 0 {
				r.ne = tt.ne
			}
			r.request(t, w, tt.specs, true)
			if r.err != nil || r.result == nil {
				t.Fatalf("decrypt: %v", r.err)
			}
			if !r.result.Valid {
				t.Fatalf("verdict %s: %+v", r.result.Status, r.result)
			}
			if len(r.result.Documents) != len(tt.want) {
				t.Fatalf("%d documents, want %d", len(r.result.Documents), len(tt.want))
			}
			for _, d := range r.result.Documents {
				if got := disclosed(d); !maps.Equal(got, tt.want[d.DocType]) {
					t.Errorf("%s disclosed %v, want %v", d.DocType, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(tt.want[d.DocType])))
				}
				if len(d.Unrequested) != 0 {
					t.Errorf("unrequested elements sent: %v", d.Unrequested)
				}
				if tt.errors != nil && !equalErrors(d.Errors, tt.errors) {
					t.Errorf("element errors %v, want %v", d.Errors, tt.errors)
				}
				if d.Checks[len(d.Checks)-1].Status != verify.StatusValid {
					t.Errorf("device auth %+v", d.Checks[len(d.Checks)-1])
				}
			}
			// The reader ends the session; the wallet answers with status 20.
			reply := r.envelope(t, r.rs.Terminate())
			if !bytes.Equal(reply, mdoc.StatusMessage(mdoc.SessionStatusTermination)) {
				t.Errorf("termination answered with %x", reply)
			}
			if _, ok := w.LastEngagement(); ok {
				t.Error("engagement kept after the session ended")
			}
		})
	}
}

func equalErrors(got, want map[string]map[string]int) bool {
	if len(got) != len(want) {
		return false
	}
	for ns, els := range want {
		if !maps.Equal(got[ns], els) {
			return false
		}
	}
	return true
}

func TestDeviceAuthModes(t *testing.T) {
	for _, mode := range []DeviceAuth{Signature, MAC} {
		w := newWallet(t, Options{DeviceAuth: mode})
		card := w.Card(reader.Options{})
		r := startSession(t, card, engage(t, card, readerOpts(t.Name())))
		r.request(t, w, []mdoc.DocRequestSpec{spec(mdoctest.DocTypeMNC, ageOver20)}, true)
		if r.result == nil || !r.result.Valid {
			t.Fatalf("mode %d: %+v %v", mode, r.result, r.err)
		}
		dr, err := mdoc.DecodeDeviceResponse(r.plain)
		if err != nil {
			t.Fatal(err)
		}
		da := dr.Documents[0].DeviceSigned.DeviceAuth
		if (mode == MAC) != (da.DeviceMac != nil) || (mode == Signature) != (da.DeviceSignature != nil) {
			t.Errorf("mode %d: deviceMac %v deviceSignature %v", mode, da.DeviceMac != nil, da.DeviceSignature != nil)
		}
	}
}

func TestDecline(t *testing.T) {
	t.Run("terminate", func(t *testing.T) {
		w := newWallet(t, Options{Consent: Consent{Decision: Decline}})
		card := w.Card(reader.Options{})
		r := startSession(t, card, engage(t, card, readerOpts(t.Name())))
		r.request(t, w, []mdoc.DocRequestSpec{spec(mdoctest.DocTypeMNC, ageOver20)}, true)
		if r.plain != nil || !is(r.err, mdoc.ErrSessionTerminated) {
			t.Fatalf("decline: plain %x err %v, want a bare status 20", r.plain, r.err)
		}
		if _, ok := w.LastEngagement(); ok {
			t.Error("declined session kept its engagement")
		}
	})
	t.Run("document errors", func(t *testing.T) {
		w := newWallet(t, Options{Consent: Consent{Decision: DeclineWithErrors}})
		card := w.Card(reader.Options{})
		r := startSession(t, card, engage(t, card, readerOpts(t.Name())))
		r.request(t, w, []mdoc.DocRequestSpec{spec(mdoctest.DocTypeMNC, ageOver20)}, true)
		if r.result == nil {
			t.Fatalf("no response: %v", r.err)
		}
		if r.result.Valid || len(r.result.Documents) != 0 {
			t.Fatalf("declined response is valid or has documents: %+v", r.result)
		}
		if c, ok := r.result.DocumentErrors[mdoctest.DocTypeMNC]; !ok || c != 0 {
			t.Errorf("documentErrors %v", r.result.DocumentErrors)
		}
		if !slices.ContainsFunc(r.result.Checks, func(c verify.Check) bool { return c.Code == mdoc.CodeNoDocuments }) {
			t.Errorf("checks %+v lack no_documents", r.result.Checks)
		}
	})
}

func TestConsentDelay(t *testing.T) {
	var s sleeps
	w := newWallet(t, Options{Consent: Consent{Delay: 3 * time.Second}, Sleep: s.sleep})
	card := w.Card(reader.Options{})
	r := startSession(t, card, engage(t, card, readerOpts(t.Name())))
	if len(s.got()) != 0 {
		t.Fatal("slept before a request")
	}
	r.request(t, w, []mdoc.DocRequestSpec{spec(mdoctest.DocTypeMNC, ageOver20)}, true)
	if r.result == nil || !r.result.Valid {
		t.Fatalf("%+v", r.result)
	}
	if got := s.got(); !slices.Equal(got, []time.Duration{3 * time.Second}) {
		t.Fatalf("slept %v, want one 3s consent delay", got)
	}
}

func TestConsentDelayBlocksEnvelope(t *testing.T) {
	// A real sleep, short: the ENVELOPE answer comes after the delay.
	w := newWallet(t, Options{Consent: Consent{Delay: 30 * time.Millisecond}, Sleep: time.Sleep})
	card := w.Card(reader.Options{})
	r := startSession(t, card, engage(t, card, readerOpts(t.Name())))
	start := time.Now()
	r.request(t, w, []mdoc.DocRequestSpec{spec(mdoctest.DocTypeMNC, ageOver20)}, true)
	if el := time.Since(start); el < 30*time.Millisecond {
		t.Fatalf("answer after %v, before the consent delay", el)
	}
	if r.result == nil || !r.result.Valid {
		t.Fatalf("%+v", r.result)
	}
}

func TestSendExtraMisbehaviour(t *testing.T) {
	w := newWallet(t, Options{SendExtra: true})
	card := w.Card(reader.Options{})
	r := startSession(t, card, engage(t, card, readerOpts(t.Name())))
	r.request(t, w, []mdoc.DocRequestSpec{spec(mdoctest.DocTypeMNC, ageOver20)}, true)
	if r.result == nil {
		t.Fatal(r.err)
	}
	d := r.result.Documents[0]
	if !maps.Equal(disclosed(d), refs(ageOver20)) {
		t.Errorf("verifier kept %v", disclosed(d))
	}
	if len(d.Unrequested) != len(mdoctest.MNCPerson())-1 {
		t.Errorf("%d unrequested elements flagged, want %d", len(d.Unrequested), len(mdoctest.MNCPerson())-1)
	}
	if slices.Contains(d.Unrequested, mdoc.ElementRef{Namespace: mdoctest.NamespaceJP, Element: ElementMyNumber}) {
		t.Error("my number sent without IncludeMyNumber")
	}
}

func TestSecondRequestAndEndAfterResponse(t *testing.T) {
	w := newWallet(t, Options{Handover: Negotiated})
	card := w.Card(reader.Options{})
	r := startSession(t, card, engage(t, card, readerOpts(t.Name())))
	r.request(t, w, []mdoc.DocRequestSpec{spec(mdoctest.DocTypeMNC, ageOver20)}, true)
	r.request(t, w, []mdoc.DocRequestSpec{spec(mdoctest.DocTypeMNC, fullName)}, false)
	if r.result == nil || !r.result.Valid || !maps.Equal(disclosed(r.result.Documents[0]), refs(fullName)) {
		t.Fatalf("second request: %+v", r.result)
	}

	w = newWallet(t, Options{EndAfterResponse: true})
	card = w.Card(reader.Options{})
	r = startSession(t, card, engage(t, card, readerOpts(t.Name())))
	r.request(t, w, []mdoc.DocRequestSpec{spec(mdoctest.DocTypeMNC, ageOver20)}, true)
	if r.result == nil || !r.result.Valid || r.status == nil || *r.status != mdoc.SessionStatusTermination {
		t.Fatalf("end after response: status %v result %+v", r.status, r.result)
	}
	if _, ok := w.LastEngagement(); ok {
		t.Error("engagement kept after the wallet ended the session")
	}
	// The next tap is a new engagement.
	res := engage(t, card, readerOpts("again"))
	if res.DeviceEngagement == nil {
		t.Fatal("no new engagement")
	}
}

func TestUnknownDocType(t *testing.T) {
	w := newWallet(t, Options{Docs: []DocKind{DocMNC}})
	card := w.Card(reader.Options{})
	r := startSession(t, card, engage(t, card, readerOpts(t.Name())))
	r.request(t, w, []mdoc.DocRequestSpec{spec(mdoctest.DocTypeMDL, familyName), spec(mdoctest.DocTypeMNC, ageOver20)}, true)
	if r.result == nil || !r.result.Valid || len(r.result.Documents) != 1 {
		t.Fatalf("%+v", r.result)
	}
	if c, ok := r.result.DocumentErrors[mdoctest.DocTypeMDL]; !ok || c != 0 {
		t.Errorf("documentErrors %v", r.result.DocumentErrors)
	}
}

func TestSessionErrors(t *testing.T) {
	w := newWallet(t, Options{})
	card := w.Card(reader.Options{})
	r := startSession(t, card, engage(t, card, readerOpts(t.Name())))
	req, _ := mdoc.BuildDeviceRequest([]mdoc.DocRequestSpec{spec(mdoctest.DocTypeMNC, ageOver20)}, nil, r.rs.Transcript())
	se, _ := r.rs.SessionEstablishment(req)
	se[len(se)-1] ^= 1 // spoil the GCM tag
	if reply := r.envelope(t, se); !bytes.Equal(reply, mdoc.StatusMessage(mdoc.SessionStatusEncryptionError)) {
		t.Fatalf("spoiled establishment answered %x, want status 10", reply)
	}

	w = newWallet(t, Options{})
	card = w.Card(reader.Options{})
	r = startSession(t, card, engage(t, card, readerOpts(t.Name())))
	if reply := r.envelope(t, []byte{0xa1, 0x61, 'x', 0x01}); !bytes.Equal(reply, mdoc.StatusMessage(mdoc.SessionStatusDecodingError)) {
		t.Fatalf("garbage establishment answered %x, want status 11", reply)
	}

	// A request that decrypts but is not a DeviceRequest: status 11 in a DeviceResponse.
	w = newWallet(t, Options{})
	card = w.Card(reader.Options{})
	r = startSession(t, card, engage(t, card, readerOpts(t.Name())))
	se, _ = r.rs.SessionEstablishment([]byte{0xa0})
	plain, _, err := r.rs.Decrypt(r.envelope(t, se))
	if err != nil {
		t.Fatal(err)
	}
	res := mdoc.VerifyResponse(plain, mdoc.VerifyOptions{At: testNow})
	if res.Valid || res.Checks[1].Code != mdoc.CodeStatusCBORDecodingError {
		t.Fatalf("bad request answered %+v", res.Checks)
	}
}

// TestChainingAndGetResponse looks at the APDUs: short APDUs chain the
// request with CLA 10 and fetch the response with 61xx / GET RESPONSE.
func TestChainingAndGetResponse(t *testing.T) {
	w := newWallet(t, Options{Handover: Static})
	l := &logged{w: w}
	card := l.card(reader.Options{Length: reader.LengthShort})
	r := startSession(t, card, engage(t, card, readerOpts(t.Name())))
	r.ne = 256
	r.request(t, w, []mdoc.DocRequestSpec{spec(mdoctest.DocTypeMNC, fullName, address, portraitMNC, ageOver20)}, true)
	if r.result == nil || !r.result.Valid {
		t.Fatalf("%+v", r.result)
	}
	var chained, last, getResp int
	for _, c := range l.commands() {
		switch {
		case c[0] == 0x10 && c[1] == insEnvelope:
			chained++
		case c[0] == 0x00 && c[1] == insEnvelope:
			last++
		case c[1] == insGetResponse:
			getResp++
		}
	}
	if chained == 0 || last != 1 || getResp < 20 {
		t.Fatalf("%d chained, %d last ENVELOPE, %d GET RESPONSE; want a chain and a portrait fetched in pieces", chained, last, getResp)
	}
	var saw6100, saw61xx bool
	for _, rsp := range l.responses([]byte{0x00, insGetResponse}) {
		sw1, sw2 := rsp[len(rsp)-2], rsp[len(rsp)-1]
		saw6100 = saw6100 || sw1 == 0x61 && sw2 == 0
		saw61xx = saw61xx || sw1 == 0x61 && sw2 != 0
	}
	if !saw6100 || !saw61xx {
		t.Errorf("61 00 seen %v, 61 xx seen %v; want both", saw6100, saw61xx)
	}
}

// TestStatusWords checks the answers to misplaced and malformed commands.
func TestStatusWords(t *testing.T) {
	static := func(t *testing.T) *Wallet { return newWallet(t, Options{Handover: Static}) }
	engaged := func(t *testing.T) *Wallet {
		w := newWallet(t, Options{Handover: Static})
		engage(t, w.Card(reader.Options{}), readerOpts(t.Name()))
		return w
	}
	selected := func(t *testing.T) *Wallet {
		w := engaged(t)
		mustSW(t, w, "00a4040007a000000248040000", 0x9000)
		return w
	}
	tests := []struct {
		name  string
		setup func(*testing.T) *Wallet
		pre   []string
		apdu  string
		want  uint16
	}{
		{"too short", static, nil, "00a404", swWrongLength},
		{"lc mismatch", static, nil, "00a4040007d2760000", swWrongLength},
		{"unknown ins", static, nil, "0012000000", swInsNotSupported},
		{"proprietary cla", static, nil, "80a4040007d276000085010100", swClaNotSupported},
		{"chaining select", static, nil, "10a4040007d276000085010100", swClaNotSupported},
		{"unknown aid", static, nil, "00a4040007d276000085010200", swNotFound},
		{"select p1 02", static, nil, "00a4020c02e103", swWrongP1P2},
		{"select p2 04", static, nil, "00a4000402e103", swWrongP1P2},
		{"file before app", static, nil, "00a4000c02e103", swNotFound},
		{"unknown file", static, []string{"00a4040007d276000085010100"}, "00a4000c02e105", swNotFound},
		{"file id of 3 bytes", static, []string{"00a4040007d276000085010100"}, "00a4000c03e10400", swWrongLength},
		{"read without file", static, []string{"00a4040007d276000085010100"}, "00b0000002", swNoCurrentEF},
		{"read sfi", static, []string{"00a4040007d276000085010100", "00a4000c02e104"}, "00b0810002", swFuncNotSupported},
		{"read without le", static, []string{"00a4040007d276000085010100", "00a4000c02e104"}, "00b00000", swWrongLength},
		{"read past the file", static, []string{"00a4040007d276000085010100", "00a4000c02e103"}, "00b0001001", swOffset},
		{"read at the end", static, []string{"00a4040007d276000085010100", "00a4000c02e103"}, "00b0000f01", swOK},
		{"write static", static, []string{"00a4040007d276000085010100", "00a4000c02e104"}, "00d60000020000", swSecurity},
		{"write cc", func(t *testing.T) *Wallet { return newWallet(t, Options{Handover: Negotiated}) }, []string{"00a4040007d276000085010100", "00a4000c02e103"}, "00d60000020000", swSecurity},
		{"write past max size", func(t *testing.T) *Wallet { return newWallet(t, Options{Handover: Apple}) }, []string{"00a4040007d276000085010100", "00a4000c02e104"}, "00d60801020000", swOffset},
		{"write over mlc", func(t *testing.T) *Wallet { return newWallet(t, Options{Handover: Apple}) }, []string{"00a4040007d276000085010100", "00a4000c02e104"}, "00d6000000040100" + zeros(1025), swWrongLength},
		{"mdoc before engagement", static, nil, "00a4040007a000000248040000", swNotFound},
		{"envelope before select", engaged, nil, "00c30000035301a000", swConditions},
		{"envelope p1", selected, nil, "00c30100035301a000", swWrongP1P2},
		{"envelope not do53", selected, nil, "00c30000035401a000", swWrongData},
		{"envelope do53 too long", selected, nil, "00c30000035302a000", swWrongData},
		{"envelope do53 length form 84", selected, nil, "00c3000007538400000001a000", swWrongData},
		{"chained part with le", selected, nil, "10c30000025301a000", swWrongLength},
		{"chained part", selected, nil, "10c30000025300", swOK},
		{"chain broken by select", selected, []string{"10c30000025300"}, "00a4040007a000000248040000", swOK},
		{"chain then garbage end", selected, []string{"10c30000025300"}, "00c300000201a0", swWrongData},
		{"get response with nothing", selected, nil, "00c0000000", swConditions},
		{"get response p1", selected, nil, "00c0010000", swWrongP1P2},
		{"envelope over max command", func(t *testing.T) *Wallet {
			w := newWallet(t, Options{Handover: Static, MaxCommand: 255})
			engage(t, w.Card(reader.Options{}), readerOpts(t.Name()))
			mustSW(t, w, "00a4040007a000000248040000", 0x9000)
			return w
		}, nil, "00c3000000010053820100" + zeros(253) + "0000", swWrongLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := tt.setup(t)
			for _, p := range tt.pre {
				w.APDU(unhex(t, p))
			}
			r := w.APDU(unhex(t, tt.apdu))
			if len(r) < 2 {
				t.Fatalf("response %x without a status word", r)
			}
			if got := uint16(r[len(r)-2])<<8 | uint16(r[len(r)-1]); got != tt.want {
				t.Fatalf("%s: %04x, want %04x", tt.apdu, got, tt.want)
			}
		})
	}
}

func zeros(n int) string { return string(bytes.Repeat([]byte("00"), n)) }

func mustSW(t testing.TB, w *Wallet, apdu string, want uint16) []byte {
	t.Helper()
	r := w.APDU(unhex(t, apdu))
	if got := uint16(r[len(r)-2])<<8 | uint16(r[len(r)-1]); got != want {
		t.Fatalf("%s: %04x, want %04x", apdu, got, want)
	}
	return r[:len(r)-2]
}

func TestGetResponseResumes(t *testing.T) {
	// An ENVELOPE without Le gets no data and 61xx; GET RESPONSE fetches
	// the SessionData; another command in between drops it.
	w := newWallet(t, Options{})
	card := w.Card(reader.Options{})
	r := startSession(t, card, engage(t, card, readerOpts(t.Name())))
	req, _ := mdoc.BuildDeviceRequest([]mdoc.DocRequestSpec{spec(mdoctest.DocTypeMNC, ageOver20)}, nil, r.rs.Transcript())
	se, _ := r.rs.SessionEstablishment(req)
	apdu, err := reader.Command{INS: insEnvelope, Data: appendDO53(nil, se)}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	resp := w.APDU(apdu)
	if len(resp) != 2 || resp[0] != 0x61 {
		t.Fatalf("ENVELOPE without Le: %x, want 61xx and no data", resp)
	}
	var all []byte
	for {
		r := w.APDU([]byte{0x00, 0xC0, 0x00, 0x00, 0x00})
		all = append(all, r[:len(r)-2]...)
		if sw := r[len(r)-2:]; sw[0] == 0x90 {
			break
		} else if sw[0] != 0x61 {
			t.Fatalf("GET RESPONSE: %x", sw)
		}
	}
	v, err := parseDO53(all)
	if err != nil {
		t.Fatal(err)
	}
	if plain, _, err := r.rs.Decrypt(v); err != nil || plain == nil {
		t.Fatalf("decrypt: %v", err)
	}
	// Nothing left now.
	mustSW(t, w, "00c0000000", swConditions)
}

func TestDO53(t *testing.T) {
	for _, n := range []int{0, 1, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x10000} {
		v := bytes.Repeat([]byte{0xAB}, n)
		b := appendDO53(nil, v)
		got, err := parseDO53(b)
		if err != nil || !bytes.Equal(got, v) {
			t.Fatalf("n=%d: %v", n, err)
		}
		if _, err := parseDO53(append(b, 0)); err == nil {
			t.Fatalf("n=%d: trailing byte accepted", n)
		}
	}
	for _, bad := range []string{"", "53", "5381", "538200", "5301", "5480", "5384000000", "53810200"} {
		if _, err := parseDO53(unhex(t, bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestMessageForBLE(t *testing.T) {
	// The transport-independent holder entry a BLE transport would use.
	w := newWallet(t, Options{Handover: Apple, Transfer: TransferBLE, NotReady: -1})
	res := engage(t, w.Card(reader.Options{}), readerOpts(t.Name()))
	if res.BLE == nil || res.NFC != nil {
		t.Fatal("apple ble engagement did not select BLE")
	}
	// The Hs selected BLE: the phone does not route the mdoc AID over NFC.
	if r, _ := w.Card(reader.Options{}).Transmit(context.Background(), reader.Command{INS: 0xA4, P1: 0x04, Data: mdocAID}); r.SW != swNotFound {
		t.Fatalf("select mdoc with a BLE engagement: %04x, want 6a82", r.SW)
	}
	de, _ := mdoc.ParseDeviceEngagement(res.DeviceEngagement)
	h, _ := mdoc.HandoverNFC(res.Hs, res.Hr)
	rs, err := mdoc.NewReaderSessionWithKey(de, h, readerKey(t, "ble"))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := mdoc.BuildDeviceRequest([]mdoc.DocRequestSpec{spec(mdoctest.DocTypeMNC, ageOver20)}, nil, rs.Transcript())
	se, _ := rs.SessionEstablishment(req)
	reply, end, err := w.Message(se)
	if err != nil || end {
		t.Fatalf("Message: %v end %v", err, end)
	}
	plain, _, err := rs.Decrypt(reply)
	if err != nil {
		t.Fatal(err)
	}
	tr := rs.Transcript()
	result := mdoc.VerifyResponse(plain, mdoc.VerifyOptions{Trust: trustOf(w), At: testNow, Transcript: &tr, ReaderKey: rs.EReaderKeyPrivate()})
	if !result.Valid {
		t.Fatalf("%+v", result)
	}
	reply, end, err = w.Message(rs.Terminate())
	if err != nil || !end || !bytes.Equal(reply, mdoc.StatusMessage(20)) {
		t.Fatalf("termination: %x %v %v", reply, end, err)
	}
	if _, _, err := w.Message(se); !is(err, ErrNotEngaged) {
		t.Fatalf("after the end: %v", err)
	}
}
