package mdoc

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"

	"taimen/verify"
)

func respCheckStatuses(t *testing.T, cs verify.Checks, want map[string]string) {
	t.Helper()
	for id, w := range want {
		c, ok := cs.Get(id)
		if !ok {
			t.Errorf("check %s missing", id)
			continue
		}
		got := string(c.Status) + "/" + c.Code
		if got != w {
			t.Errorf("check %s = %s (%s), want %s", id, got, c.Detail, w)
		}
	}
}

func TestAnnexDValid(t *testing.T) {
	a := respLoadAnnexD(t)
	res := VerifyResponse(a.response, a.opts(respAnnexDAt))
	if !res.Valid || res.Status != verify.StatusValid {
		j, _ := json.MarshalIndent(res, "", "  ")
		t.Fatalf("Annex D not valid:\n%s", j)
	}
	if len(res.Documents) != 1 {
		t.Fatalf("%d documents", len(res.Documents))
	}
	d := res.Documents[0]
	if d.DocType != "org.iso.18013.5.1.mDL" {
		t.Errorf("docType %q", d.DocType)
	}
	wantIDs := []string{CheckIssuerChain, CheckRevocation, CheckIssuerSignature, CheckDigests, CheckDocType, CheckValidity, CheckDeviceAuth}
	if len(d.Checks) != len(wantIDs) {
		t.Fatalf("checks %+v", d.Checks)
	}
	for i, id := range wantIDs {
		if d.Checks[i].ID != id {
			t.Errorf("check %d is %s, want %s", i, d.Checks[i].ID, id)
		}
	}
	els := d.Elements["org.iso.18013.5.1"]
	if len(els) != 6 {
		t.Fatalf("elements %v", els)
	}
	if v := els["family_name"]; v.Kind != KindString || v.Str != "Doe" {
		t.Errorf("family_name %+v", v)
	}
	if v := els["portrait"]; v.Kind != KindBytes || v.MediaType != MediaJPEG || len(v.Bytes) != 1042 {
		t.Errorf("portrait %s", v)
	}
	if v := els["issue_date"]; v.Kind != KindFullDate && v.Kind != KindDateTime {
		t.Errorf("issue_date %s", v)
	}
	if d.MSO.ValidUntil != time.Date(2021, 10, 1, 13, 30, 2, 0, time.UTC) {
		t.Errorf("validUntil %v", d.MSO.ValidUntil)
	}
	j, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(j, []byte(`"family_name":"Doe"`)) {
		t.Errorf("JSON lacks family_name: %s", j)
	}
}

func TestAnnexDExpiredToday(t *testing.T) {
	a := respLoadAnnexD(t)
	res := VerifyResponse(a.response, a.opts(time.Now()))
	if res.Valid || res.Status != verify.StatusInvalid {
		t.Fatalf("status %s", res.Status)
	}
	respCheckStatuses(t, res.Documents[0].Checks, map[string]string{
		CheckIssuerChain:     "invalid/ds_expired",
		CheckIssuerSignature: "valid/ok",
		CheckDigests:         "valid/ok",
		CheckDocType:         "valid/ok",
		CheckValidity:        "invalid/" + CodeMSOExpired,
		CheckDeviceAuth:      "valid/ok",
	})
}

func TestAnnexDEMacKey(t *testing.T) {
	a := respLoadAnnexD(t)
	r, err := DecodeDeviceResponse(a.response)
	if err != nil {
		t.Fatal(err)
	}
	payload, _, _ := payloadBytes(respSign1(t, r.Documents[0].IssuerSigned.IssuerAuth).Payload)
	mso, err := DecodeMSO(payload)
	if err != nil {
		t.Fatal(err)
	}
	key, err := DecodeCOSEKey(mso.DeviceKeyInfo.DeviceKey)
	if err != nil {
		t.Fatal(err)
	}
	k, err := DeriveEMacKey(a.readerKey, key, a.transcript)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(k); got != "dc2b9566fdaaae3c06baa40993cd0451aeba15e7677ef5305f6531f3533c35dd" {
		t.Errorf("EMacKey %s", got)
	}
	dab := DeviceAuthenticationBytes(a.transcript, *r.Documents[0].DocType, *r.Documents[0].DeviceSigned.NameSpaces)
	if len(dab) != 630 || hex.EncodeToString(dab[:8]) != "d818590271847444" {
		t.Errorf("DeviceAuthenticationBytes %d bytes, prefix %x", len(dab), dab[:8])
	}
}

func respSign1(t *testing.T, raw []byte) *coseSign1 {
	t.Helper()
	m, _, err := decodeSign1(raw)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
