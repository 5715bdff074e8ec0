package mdoc_test

import (
	"fmt"

	"taimen/verify/mdoc"
	"taimen/verify/mdoc/mdoctest"
	"taimen/verify/trust"
)

// A counter asks for the name and an age check, and verifies what the
// phone sent within this session.
func ExampleVerifyResponse() {
	f, err := mdoctest.NewFixture("example")
	if err != nil {
		panic(err)
	}
	// What the phone sends: a My Number Card presentation bound to this session by a MAC.
	data, err := mdoctest.MintResponse(f.Response(mdoctest.DeviceMAC, f.Document(mdoctest.DocTypeMNC, mdoctest.MNCPerson())))
	if err != nil {
		panic(err)
	}

	tr := f.Session.Transcript
	res := mdoc.VerifyResponse(data, mdoc.VerifyOptions{
		Trust:      trust.NewStore(trust.NewAnchor(f.PKI.IACA.Cert, trust.IACA, "example")),
		At:         f.At,
		Transcript: &tr,
		ReaderKey:  f.Session.ReaderKey,
		Requested: map[string]map[string]map[string]bool{
			mdoctest.DocTypeMNC: {
				mdoctest.NamespaceJP:    {"full_name_unicode": false},
				mdoctest.Namespace23220: {"age_over_20": false},
			},
		},
	})
	fmt.Println(res.Status)
	d := res.Documents[0]
	for _, c := range d.Checks {
		fmt.Println(c.ID, c.Status, c.Code)
	}
	fmt.Println(d.Elements[mdoctest.NamespaceJP]["full_name_unicode"])
	fmt.Println(d.Elements[mdoctest.Namespace23220]["age_over_20"])
	fmt.Println(len(d.Unrequested), "elements sent without being asked were dropped")
	// Output:
	// valid
	// issuer_chain valid ok
	// revocation not_checked not_configured
	// issuer_signature valid ok
	// digests valid ok
	// doctype valid ok
	// validity valid ok
	// device_auth valid ok
	// 山田 花子
	// true
	// 7 elements sent without being asked were dropped
}
