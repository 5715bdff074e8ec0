package mdoctest

import (
	"bytes"
	"testing"

	"taimen/verify/mdoc"
)

func TestPortrait(t *testing.T) {
	p := Portrait()
	if mdoc.SniffMediaType(p) != mdoc.MediaJPEG || len(p) < 4000 || len(p) > 8000 {
		t.Errorf("portrait: %s, %d bytes", mdoc.SniffMediaType(p), len(p))
	}
	p[0] = 0
	if !bytes.Equal(Portrait()[:2], []byte{0xff, 0xd8}) {
		t.Error("Portrait returns a shared buffer")
	}
}

func TestPeople(t *testing.T) {
	if n := len(MDLPerson()); n != 17 {
		t.Errorf("MDLPerson has %d elements, want 17", n)
	}
	for _, e := range MNCPerson() {
		if e.Identifier == "individual_number_unicode" {
			t.Error("MNCPerson carries the My Number")
		}
		if e.Namespace != NamespaceJP && e.Namespace != Namespace23220 {
			t.Errorf("element %s in namespace %s", e.Identifier, e.Namespace)
		}
	}
}

func TestDeterministicFixture(t *testing.T) {
	a, err := NewFixture("same")
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewFixture("same")
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewFixture("other")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Session.Transcript.Tagged, b.Session.Transcript.Tagged) || !a.DeviceKey.Equal(b.DeviceKey) {
		t.Error("same seed, different fixture")
	}
	if bytes.Equal(a.Session.Transcript.Tagged, c.Session.Transcript.Tagged) || a.DeviceKey.Equal(c.DeviceKey) {
		t.Error("different seeds, same fixture")
	}
	if _, err := mdoc.ParseSessionTranscript(a.Session.Transcript.Tagged); err != nil {
		t.Errorf("transcript does not parse: %v", err)
	}
}

func TestMintErrors(t *testing.T) {
	f, err := NewFixture("errors")
	if err != nil {
		t.Fatal(err)
	}
	d := f.Document(DocTypeMDL, MDLPerson())
	d.Issuer = Issuer{}
	if _, err := MintResponse(f.Response(DeviceSignature, d)); err == nil {
		t.Error("minted without an issuer")
	}
	d = f.Document(DocTypeMDL, MDLPerson())
	d.DeviceKey = nil
	if _, err := MintResponse(f.Response(DeviceSignature, d)); err == nil {
		t.Error("minted without a device key")
	}
	r := f.Response(DeviceMAC, f.Document(DocTypeMDL, MDLPerson()))
	r.ReaderKey = nil
	if _, err := MintResponse(r); err == nil {
		t.Error("MAC minted without a reader key")
	}
	if _, err := (Presentation{}).Present(SessionBinding{}); err == nil {
		t.Error("presented without a credential")
	}
}
