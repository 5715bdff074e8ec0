package mdoc_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/veraison/go-cose"

	"taimen/verify"
	"taimen/verify/mdoc"
	"taimen/verify/mdoc/mdoctest"
	"taimen/verify/trust"
	"taimen/verify/trust/trusttest"
)

type fixture struct {
	*mdoctest.Fixture
	store *trust.Store
}

func newFixture(t testing.TB, seed string) *fixture {
	t.Helper()
	f, err := mdoctest.NewFixture(seed)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{Fixture: f, store: trust.NewStore(trust.NewAnchor(f.PKI.IACA.Cert, trust.IACA, "test"))}
}

func (f *fixture) opts() mdoc.VerifyOptions {
	tr := f.Session.Transcript
	return mdoc.VerifyOptions{Trust: f.store, At: f.At, Transcript: &tr, ReaderKey: f.Session.ReaderKey}
}

func mint(t testing.TB, r mdoctest.Response) []byte {
	t.Helper()
	b, err := mdoctest.MintResponse(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func dump(r *mdoc.Result) string {
	for i := range r.Documents {
		for ns := range r.Documents[i].Elements {
			delete(r.Documents[i].Elements[ns], "portrait")
		}
	}
	b, _ := json.MarshalIndent(r, "", "  ")
	return string(b)
}

func TestMintedValid(t *testing.T) {
	f := newFixture(t, "valid")
	for _, mode := range []mdoctest.DeviceAuthMode{mdoctest.DeviceSignature, mdoctest.DeviceMAC} {
		for _, doc := range []mdoctest.Document{f.Document(mdoctest.DocTypeMDL, mdoctest.MDLPerson()), f.Document(mdoctest.DocTypeMNC, mdoctest.MNCPerson())} {
			res := mdoc.VerifyResponse(mint(t, f.Response(mode, doc)), f.opts())
			if res.Status != verify.StatusValid {
				t.Fatalf("mode %d %s: %s", mode, doc.DocType, dump(res))
			}
		}
	}
}

// baseline is what every document check says on a correct document; a
// tampering case lists only the checks it changes.
var baseline = map[string]string{
	mdoc.CheckIssuerChain:     "valid/ok",
	mdoc.CheckRevocation:      "not_checked/not_configured",
	mdoc.CheckIssuerSignature: "valid/ok",
	mdoc.CheckDigests:         "valid/ok",
	mdoc.CheckDocType:         "valid/ok",
	mdoc.CheckValidity:        "valid/ok",
	mdoc.CheckDeviceAuth:      "valid/ok",
}

var responseBaseline = map[string]string{
	mdoc.CheckDecode:         "valid/ok",
	mdoc.CheckResponseStatus: "valid/ok",
	mdoc.CheckDocuments:      "valid/ok",
}

const notReached = "not_checked/" + mdoc.CodeNotReached

// afterSignature is what the checks behind a failed issuer signature say.
var afterSignature = map[string]string{
	mdoc.CheckDigests:    notReached,
	mdoc.CheckDocType:    notReached,
	mdoc.CheckValidity:   notReached,
	mdoc.CheckDeviceAuth: notReached,
}

func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

type tamperCase struct {
	name   string
	doc    func(t testing.TB, f *fixture, d *mdoctest.Document)
	resp   func(t testing.TB, f *fixture, r *mdoctest.Response)
	opts   func(t testing.TB, f *fixture, o *mdoc.VerifyOptions)
	mode   mdoctest.DeviceAuthMode
	want   map[string]string // check ID → "status/code", document or response level
	status verify.Status     // overall; "" means invalid
	warn   []string          // document warnings that must be present
	check  func(t *testing.T, r *mdoc.Result)
}

func mustKey(t testing.TB, seed string, c elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	k, err := mdoctest.DeviceKey(c, seed)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func coseKey(t testing.TB, pub *ecdsa.PublicKey) *mdoc.COSEKey {
	t.Helper()
	k, err := mdoc.COSEKeyFromECDSA(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func encode(t testing.TB, v any) []byte {
	t.Helper()
	b, err := verify.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func withDS(t testing.TB, f *fixture, d *mdoctest.Document, opts ...trusttest.Option) {
	t.Helper()
	ds, err := f.PKI.IACA.IssueDS("tampered", opts...)
	if err != nil {
		t.Fatal(err)
	}
	d.Issuer = mdoctest.Issuer{Key: ds.Key, Chain: [][]byte{ds.DER}}
}

func onItem(id string, fn func(it *mdoctest.Item)) func(t testing.TB, f *fixture, d *mdoctest.Document) {
	return func(t testing.TB, f *fixture, d *mdoctest.Document) {
		d.Tamper.Item = func(ns string, it *mdoctest.Item) {
			if it.ElementIdentifier == id {
				fn(it)
			}
		}
	}
}

var (
	y2019 = time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	y2022 = time.Date(2022, 6, 1, 0, 0, 0, 0, time.UTC)
	y2023 = time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	y2030 = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
)

func tamperCases() []tamperCase {
	digest := func(code string) map[string]string { return map[string]string{mdoc.CheckDigests: "invalid/" + code} }
	sig := func(code string) map[string]string {
		return merge(afterSignature, map[string]string{mdoc.CheckIssuerSignature: "invalid/" + code})
	}
	dev := func(code string) map[string]string { return map[string]string{mdoc.CheckDeviceAuth: "invalid/" + code} }
	val := func(code string) map[string]string { return map[string]string{mdoc.CheckValidity: "invalid/" + code} }
	chain := func(code string) map[string]string {
		return map[string]string{mdoc.CheckIssuerChain: "invalid/" + code}
	}
	return []tamperCase{
		// Element changes after the MSO was signed: each fails its digest.
		{name: "element value", doc: onItem("family_name", func(it *mdoctest.Item) { it.ElementValue = "SATO" }), want: digest(mdoc.CodeDigestMismatch)},
		{name: "element value type", doc: onItem("age_over_20", func(it *mdoctest.Item) { it.ElementValue = "true" }), want: digest(mdoc.CodeDigestMismatch)},
		{name: "element identifier", doc: onItem("age_over_18", func(it *mdoctest.Item) { it.ElementIdentifier = "age_over_21" }), want: digest(mdoc.CodeDigestMismatch)},
		{name: "element digestID swapped", doc: onItem("given_name", func(it *mdoctest.Item) { it.DigestID = 0 }), want: digest(mdoc.CodeDigestMismatch)},
		{name: "element digestID unknown", doc: onItem("given_name", func(it *mdoctest.Item) { it.DigestID = 9999 }), want: digest(mdoc.CodeDigestMissing)},
		{name: "element random", doc: onItem("portrait", func(it *mdoctest.Item) { it.Random[3] ^= 0x80 }), want: digest(mdoc.CodeDigestMismatch)},
		{name: "element portrait pixel", doc: onItem("portrait", func(it *mdoctest.Item) {
			b := bytes.Clone(it.ElementValue.([]byte))
			b[len(b)/2] ^= 1
			it.ElementValue = b
		}), want: digest(mdoc.CodeDigestMismatch)},
		{name: "element re-encoded non-canonically", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) {
			// Same item, bstr length in a 4-byte head: the content decodes
			// identically but the received bytes differ from what was hashed.
			d.Tamper.ItemBytes = func(ns string, raw []byte) []byte {
				if !bytes.Contains(raw, []byte("un_distinguishing_sign")) {
					return raw
				}
				inner := raw[4:]
				if raw[2] != 0x58 {
					t.Fatalf("unexpected head %x", raw[:4])
				}
				out := []byte{0xd8, 0x18, 0x5a, 0, 0, 0, byte(len(inner))}
				return append(out, inner...)
			}
		}, want: digest(mdoc.CodeDigestMismatch)},
		{name: "element moved to another namespace", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) {
			d.Elements = append(d.Elements, mdoctest.Element{Namespace: "org.iso.18013.5.1.aamva", Identifier: "x", Value: 1})
			d.Tamper.Document = func(doc map[string]any) {
				ns := doc["issuerSigned"].(map[string]any)["nameSpaces"].(map[string][]any)
				ns["org.iso.18013.5.1.jp"] = ns["org.iso.18013.5.1.aamva"]
				delete(ns, "org.iso.18013.5.1.aamva")
			}
		}, want: digest(mdoc.CodeDigestMissing)},
		{name: "element item not a map", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) {
			d.Tamper.ItemBytes = func(ns string, raw []byte) []byte {
				if !bytes.Contains(raw, []byte("sex")) {
					return raw
				}
				tg, _ := mdoc.NewTag24([]byte{0x83, 1, 2, 3})
				return tg.Raw
			}
		}, want: digest(mdoc.CodeItemMalformed)},
		{name: "element disclosed twice", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) {
			d.Tamper.Document = func(doc map[string]any) {
				ns := doc["issuerSigned"].(map[string]any)["nameSpaces"].(map[string][]any)
				ns[mdoctest.NamespaceMDL] = append(ns[mdoctest.NamespaceMDL], ns[mdoctest.NamespaceMDL][0])
			}
		}, want: digest(mdoc.CodeDuplicateElement)},
		{name: "digest algorithm unknown", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) { d.DigestAlg = "SHA-1" }, want: digest(mdoc.CodeDigestAlgUnsupported)},
		{name: "digest algorithm not allowed", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) { d.DigestAlg = mdoc.DigestSHA512 },
			opts: func(t testing.TB, f *fixture, o *mdoc.VerifyOptions) { o.DigestAlgs = []string{mdoc.DigestSHA256} }, want: digest(mdoc.CodeDigestAlgUnsupported)},
		{name: "digest SHA-384", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) { d.DigestAlg = mdoc.DigestSHA384 }, status: verify.StatusValid},
		{name: "digest SHA-512", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) { d.DigestAlg = mdoc.DigestSHA512 }, status: verify.StatusValid},

		// issuerAuth.
		{name: "issuer signature flipped", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) { d.Tamper.FlipIssuerSignature = true }, want: sig(mdoc.CodeSignatureInvalid)},
		{name: "issuer MSO changed after signing", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) {
			d.Tamper.IssuerUnprotected = nil
			d.Tamper.Document = func(doc map[string]any) {
				is := doc["issuerSigned"].(map[string]any)
				raw := bytes.Clone(is["issuerAuth"].(mdoctest.RawCBOR))
				i := bytes.Index(raw, []byte(mdoctest.DocTypeMDL))
				raw[i+len(mdoctest.DocTypeMDL)-1] = 'X'
				is["issuerAuth"] = mdoctest.RawCBOR(raw)
			}
		}, want: sig(mdoc.CodeSignatureInvalid)},
		{name: "issuer alg does not fit key", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) {
			d.Tamper.IssuerProtected = encode(t, map[int]int{1: -35})
		}, want: sig(mdoc.CodeKeyAlgMismatch)},
		{name: "issuer alg missing", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) {
			d.Tamper.IssuerProtected = encode(t, map[int]int{4: 1})
		}, want: sig(mdoc.CodeAlgMissing)},
		{name: "issuer protected header empty", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) { d.Tamper.IssuerProtected = []byte{} }, want: sig(mdoc.CodeAlgMissing)},
		{name: "issuer alg unknown", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) {
			d.Tamper.IssuerProtected = encode(t, map[int]int{1: -65000})
		}, want: sig(mdoc.CodeAlgNotAllowed)},
		{name: "issuer alg not in allow-list", opts: func(t testing.TB, f *fixture, o *mdoc.VerifyOptions) {
			o.SigAlgs = []cose.Algorithm{cose.AlgorithmES384}
		}, want: sig(mdoc.CodeAlgNotAllowed)},
		{name: "issuer payload null", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) { d.Tamper.IssuerPayloadNull = true }, want: sig(mdoc.CodePayloadMissing)},
		{name: "MSO malformed", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) {
			d.Tamper.MSOBytes = func([]byte) []byte { return encode(t, map[string]any{"version": "1.0"}) }
		}, want: sig(mdoc.CodeMSOMalformed)},
		{name: "MSO duplicate key", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) {
			d.Tamper.MSOBytes = func(in []byte) []byte {
				// Append a second "docType" entry: map header count + 1.
				if in[0] != 0xa6 {
					t.Fatalf("mso head %x", in[0])
				}
				out := append([]byte{0xa7}, in[1:]...)
				out = append(out, encode(t, "docType")...)
				return append(out, encode(t, mdoctest.DocTypeMDL)...)
			}
		}, want: sig(mdoc.CodeMSOMalformed)},
		{name: "x5chain missing", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) { d.Tamper.IssuerUnprotected = map[int]any{} },
			want: merge(afterSignature, chain(mdoc.CodeX5ChainMissing), map[string]string{mdoc.CheckIssuerSignature: notReached, mdoc.CheckRevocation: notReached})},
		{name: "x5chain not a certificate list", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) { d.Tamper.IssuerUnprotected = map[int]any{33: 5} },
			want: merge(afterSignature, chain(mdoc.CodeX5ChainMalformed), map[string]string{mdoc.CheckIssuerSignature: notReached, mdoc.CheckRevocation: notReached})},
		{name: "x5chain as array of one", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) { d.Tamper.X5ChainAsArray = true },
			status: verify.StatusValid, warn: []string{mdoc.WarnX5ChainSingleArray}},

		// Document signer certificate (verify/trust judges it).
		{name: "DS wrong EKU", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) {
			withDS(t, f, d, trusttest.WithEKU(trusttest.OIDReaderAuth))
		}, want: chain(trust.CodeDSProfileEKU)},
		{name: "DS wrong key usage", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) {
			withDS(t, f, d, trusttest.WithKeyUsage(x509.KeyUsageDigitalSignature|x509.KeyUsageCertSign))
		}, want: chain(trust.CodeDSProfileKeyUsage)},
		{name: "DS expired", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) {
			withDS(t, f, d, trusttest.WithValidity(y2019, y2023))
			d.Signed, d.ValidUntil = y2022, y2030
		}, want: chain(trust.CodeDSExpired)},
		{name: "DS not yet valid", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) {
			from := f.At.AddDate(0, 1, 0)
			withDS(t, f, d, trusttest.WithValidity(from, y2030))
			d.Signed, d.ValidFrom, d.ValidUntil = from.Add(time.Hour), f.At.AddDate(0, -1, 0), y2030
		}, want: chain(trust.CodeDSNotYetValid), warn: []string{mdoc.WarnValidFromBeforeSign}},
		{name: "DS Ed25519 with EdDSA", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) { withDS(t, f, d, trusttest.WithEd25519()) }, status: verify.StatusValid},
		{name: "DS P-521 with ES512", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) {
			withDS(t, f, d, trusttest.WithCurve(elliptic.P521()))
		}, status: verify.StatusValid},
		{name: "DS P-384 with ES384", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) {
			withDS(t, f, d, trusttest.WithCurve(elliptic.P384()))
		}, status: verify.StatusValid},
		{name: "DS from an untrusted IACA", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) {
			other, err := mdoctest.NewTestPKI("someone else")
			if err != nil {
				t.Fatal(err)
			}
			d.Issuer = other.Issuer()
		}, want: merge(chain(trust.CodeNoTrustedAnchor), map[string]string{mdoc.CheckRevocation: "not_checked/chain_not_verified"})},

		// MSO validity and docType.
		{name: "MSO expired", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) { d.ValidUntil = f.At.Add(-time.Second) }, want: val(mdoc.CodeMSOExpired)},
		{name: "MSO not yet valid", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) { d.ValidFrom = f.At.Add(time.Second) }, want: val(mdoc.CodeMSONotYetValid)},
		{name: "MSO signed before the DS", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) {
			d.Signed, d.ValidFrom = y2019, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		}, want: val(mdoc.CodeSignedOutsideDSValidity)},
		{name: "MSO dates as plain tstr", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) { d.DatesUntagged = true },
			status: verify.StatusValid, warn: []string{mdoc.WarnDateUntagged}},
		{name: "MSO docType mismatch", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) {
			d.Tamper.MSO = func(m *mdoctest.MSO) { m.DocType = mdoctest.DocTypeMNC }
		}, want: map[string]string{mdoc.CheckDocType: "invalid/" + mdoc.CodeDocTypeMismatch}},
		{name: "IACA not allowed this docType", opts: func(t testing.TB, f *fixture, o *mdoc.VerifyOptions) {
			a := trust.NewAnchor(f.PKI.IACA.Cert, trust.IACA, "test")
			a.DocTypes = []string{mdoctest.DocTypeMNC}
			o.Trust = trust.NewStore(a)
		}, want: map[string]string{mdoc.CheckDocType: "invalid/" + mdoc.CodeDocTypeNotAllowed}},

		// Device authentication.
		{name: "device signature flipped", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) { d.Tamper.FlipDeviceAuth = true }, want: dev(mdoc.CodeDeviceSignatureInvalid)},
		{name: "device MAC flipped", mode: mdoctest.DeviceMAC, doc: func(t testing.TB, f *fixture, d *mdoctest.Document) { d.Tamper.FlipDeviceAuth = true }, want: dev(mdoc.CodeDeviceMacInvalid)},
		{name: "device signature from another session", opts: func(t testing.TB, f *fixture, o *mdoc.VerifyOptions) {
			s, err := mdoctest.NewSession("another session")
			if err != nil {
				t.Fatal(err)
			}
			o.Transcript = &s.Transcript
		}, want: dev(mdoc.CodeDeviceSignatureInvalid)},
		{name: "device MAC from another session", mode: mdoctest.DeviceMAC, doc: func(t testing.TB, f *fixture, d *mdoctest.Document) {
			s, err := mdoctest.NewSession("another session")
			if err != nil {
				t.Fatal(err)
			}
			d.Tamper.DeviceTranscript = &s.Transcript
		}, want: dev(mdoc.CodeDeviceMacInvalid)},
		{name: "device MAC wrong key", mode: mdoctest.DeviceMAC, doc: func(t testing.TB, f *fixture, d *mdoctest.Document) { d.Tamper.MACKey = make([]byte, 32) }, want: dev(mdoc.CodeDeviceMacInvalid)},
		{name: "device MAC checked with another reader key", mode: mdoctest.DeviceMAC, opts: func(t testing.TB, f *fixture, o *mdoc.VerifyOptions) {
			s, err := mdoctest.NewSession("another reader")
			if err != nil {
				t.Fatal(err)
			}
			o.ReaderKey = s.ReaderKey
		}, want: dev(mdoc.CodeDeviceMacInvalid)},
		{name: "device MAC alg not HMAC 256/256", mode: mdoctest.DeviceMAC, doc: func(t testing.TB, f *fixture, d *mdoctest.Document) {
			d.Tamper.DeviceProtected = []byte{0xa1, 0x01, 0x06}
		}, want: dev(mdoc.CodeDeviceAlgNotAllowed)},
		{name: "device signature for another docType", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) { d.Tamper.DeviceDocType = mdoctest.DocTypeMNC }, want: dev(mdoc.CodeDeviceSignatureInvalid)},
		{name: "device key on the wrong curve", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) {
			k := coseKey(t, &mustKey(t, "p384", elliptic.P384()).PublicKey)
			d.Tamper.MSO = func(m *mdoctest.MSO) { m.DeviceKeyInfo.DeviceKey = k }
		}, want: dev(mdoc.CodeDeviceKeyAlgMismatch)},
		{name: "device key of another holder", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) {
			k := coseKey(t, &mustKey(t, "other holder", elliptic.P256()).PublicKey)
			d.Tamper.MSO = func(m *mdoctest.MSO) { m.DeviceKeyInfo.DeviceKey = k }
		}, want: dev(mdoc.CodeDeviceSignatureInvalid)},
		{name: "device key unsupported type", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) {
			d.Tamper.MSO = func(m *mdoctest.MSO) {
				m.DeviceKeyInfo.DeviceKey = map[int]any{1: 3, -1: []byte{1}, -2: []byte{1, 0, 1}}
			}
		}, want: dev(mdoc.CodeDeviceKeyUnsupported)},
		{name: "device alg missing", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) { d.Tamper.DeviceProtected = []byte{0xa0} }, want: dev(mdoc.CodeDeviceAlgNotAllowed)},
		{name: "device alg not allowed", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) {
			d.Tamper.DeviceProtected = encode(t, map[int]int{1: -257})
		}, want: dev(mdoc.CodeDeviceAlgNotAllowed)},
		{name: "device auth both signature and MAC", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) { d.Tamper.DeviceAuthBoth = true }, want: dev(mdoc.CodeDeviceAuthMalformed)},
		{name: "device auth missing", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) { d.Tamper.DeviceAuthNone = true }, want: dev(mdoc.CodeDeviceAuthMalformed)},
		{name: "device signed elements", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) {
			d.Tamper.DeviceNameSpaces = encode(t, map[string]any{mdoctest.NamespaceMDL: map[string]any{"family_name": "EVIL"}})
		}, status: verify.StatusValid, warn: []string{mdoc.WarnDeviceSignedElements}, check: func(t *testing.T, r *mdoc.Result) {
			if v := r.Documents[0].Elements[mdoctest.NamespaceMDL]["family_name"]; v.Str != "YAMADA" {
				t.Errorf("device-signed value shown: %v", v)
			}
		}},
		{name: "device Ed25519 key", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) {
			_, priv, _ := ed25519.GenerateKey(nil)
			d.DeviceKey = priv
		}, status: verify.StatusValid},
		{name: "device P-521 key", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) {
			d.DeviceKey = mustKey(t, "p521", elliptic.P521())
		}, status: verify.StatusValid},
		{name: "device P-384 key with MAC", mode: mdoctest.DeviceMAC, doc: func(t testing.TB, f *fixture, d *mdoctest.Document) {
			d.DeviceKey = mustKey(t, "p384", elliptic.P384())
		}, resp: func(t testing.TB, f *fixture, r *mdoctest.Response) {
			k, _ := mustKey(t, "reader p384", elliptic.P384()).ECDH()
			r.ReaderKey = k.PublicKey()
		}, opts: func(t testing.TB, f *fixture, o *mdoc.VerifyOptions) {
			o.ReaderKey, _ = mustKey(t, "reader p384", elliptic.P384()).ECDH()
		}, status: verify.StatusValid},
		{name: "device MAC reader key on another curve", mode: mdoctest.DeviceMAC, opts: func(t testing.TB, f *fixture, o *mdoc.VerifyOptions) {
			o.ReaderKey, _ = mustKey(t, "reader p384", elliptic.P384()).ECDH()
		}, want: dev(mdoc.CodeReaderKeyMismatch)},
		{name: "no transcript", opts: func(t testing.TB, f *fixture, o *mdoc.VerifyOptions) { o.Transcript = nil },
			want: map[string]string{mdoc.CheckDeviceAuth: "not_checked/" + mdoc.CodeNoTranscript}, status: verify.StatusUndetermined},
		{name: "no reader key for a MAC", mode: mdoctest.DeviceMAC, opts: func(t testing.TB, f *fixture, o *mdoc.VerifyOptions) { o.ReaderKey = nil },
			want: map[string]string{mdoc.CheckDeviceAuth: "not_checked/" + mdoc.CodeNoReaderKey}, status: verify.StatusUndetermined},
		{name: "no trust store", opts: func(t testing.TB, f *fixture, o *mdoc.VerifyOptions) { o.Trust = nil },
			want: map[string]string{mdoc.CheckIssuerChain: "not_checked/" + mdoc.CodeNoTrustStore, mdoc.CheckRevocation: "not_checked/" + mdoc.CodeNoTrustStore}, status: verify.StatusUndetermined},

		// Response level.
		{name: "response status 10", resp: func(t testing.TB, f *fixture, r *mdoctest.Response) { r.Status = 10 },
			want: map[string]string{mdoc.CheckResponseStatus: "invalid/" + mdoc.CodeStatusGeneralError}},
		{name: "response status 99", resp: func(t testing.TB, f *fixture, r *mdoctest.Response) { r.Status = 99 },
			want: map[string]string{mdoc.CheckResponseStatus: "invalid/" + mdoc.CodeStatusUnknown}},
		{name: "document errors reported", resp: func(t testing.TB, f *fixture, r *mdoctest.Response) {
			r.DocumentErrors = map[string]int{mdoctest.DocTypeMNC: 0}
		}, status: verify.StatusValid, check: func(t *testing.T, r *mdoc.Result) {
			if r.DocumentErrors[mdoctest.DocTypeMNC] != 0 || len(r.DocumentErrors) != 1 || !slices.Contains(r.Warnings, mdoc.WarnDocumentErrors) {
				t.Errorf("document errors %v, warnings %v", r.DocumentErrors, r.Warnings)
			}
		}},
		{name: "element errors reported", doc: func(t testing.TB, f *fixture, d *mdoctest.Document) {
			d.Errors = map[string]map[string]int{mdoctest.NamespaceMDL: {"height": 0}}
		}, status: verify.StatusValid, warn: []string{mdoc.WarnElementErrors}, check: func(t *testing.T, r *mdoc.Result) {
			if c, ok := r.Documents[0].Errors[mdoctest.NamespaceMDL]["height"]; !ok || c != 0 {
				t.Errorf("errors %v", r.Documents[0].Errors)
			}
		}},
		{name: "unrequested elements flagged", opts: func(t testing.TB, f *fixture, o *mdoc.VerifyOptions) {
			o.Requested = map[string]map[string]map[string]bool{mdoctest.DocTypeMDL: {mdoctest.NamespaceMDL: {"family_name": false, "portrait": false, "birth_date": true}}}
		}, status: verify.StatusValid, warn: []string{mdoc.WarnUnrequestedElements}, check: func(t *testing.T, r *mdoc.Result) {
			d := r.Documents[0]
			if len(d.Elements[mdoctest.NamespaceMDL]) != 3 || len(d.Unrequested) != 14 {
				t.Errorf("%d elements shown, %d unrequested", len(d.Elements[mdoctest.NamespaceMDL]), len(d.Unrequested))
			}
			if _, ok := d.Elements[mdoctest.NamespaceMDL]["resident_address"]; ok {
				t.Error("unrequested resident_address shown")
			}
		}},
		{name: "unrequested document", opts: func(t testing.TB, f *fixture, o *mdoc.VerifyOptions) {
			o.Requested = map[string]map[string]map[string]bool{mdoctest.DocTypeMNC: {}}
		}, status: verify.StatusValid, warn: []string{mdoc.WarnUnrequestedDocument, mdoc.WarnUnrequestedElements}, check: func(t *testing.T, r *mdoc.Result) {
			if len(r.Documents[0].Elements) != 0 {
				t.Errorf("elements of an unrequested document shown: %v", r.Documents[0].Elements)
			}
		}},
		{name: "no documents", resp: func(t testing.TB, f *fixture, r *mdoctest.Response) {
			r.Documents = nil
			r.Status = 0
			r.DocumentErrors = map[string]int{mdoctest.DocTypeMDL: 0}
		}, want: map[string]string{mdoc.CheckDocuments: "invalid/" + mdoc.CodeNoDocuments}},
		{name: "two documents, one tampered", resp: func(t testing.TB, f *fixture, r *mdoctest.Response) {
			d := f.Document(mdoctest.DocTypeMNC, mdoctest.MNCPerson())
			d.Tamper.FlipDeviceAuth = true
			r.Documents = append(r.Documents, d)
		}, check: func(t *testing.T, r *mdoc.Result) {
			if len(r.Documents) != 2 || r.Documents[0].Checks.Overall() != verify.StatusValid {
				t.Fatalf("documents %s", dump(r))
			}
			if c, _ := r.Documents[1].Checks.Get(mdoc.CheckDeviceAuth); c.Code != mdoc.CodeDeviceSignatureInvalid {
				t.Errorf("second document device_auth %+v", c)
			}
		}},
	}
}

func TestTamper(t *testing.T) {
	f := newFixture(t, "tamper")
	cases := tamperCases()
	if len(cases) < 30 {
		t.Fatalf("only %d cases", len(cases))
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if seen[tc.name] {
				t.Fatalf("duplicate case name")
			}
			seen[tc.name] = true
			d := f.Document(mdoctest.DocTypeMDL, mdoctest.MDLPerson())
			if tc.doc != nil {
				tc.doc(t, f, &d)
			}
			r := f.Response(tc.mode, d)
			if tc.resp != nil {
				tc.resp(t, f, &r)
			}
			o := f.opts()
			if tc.opts != nil {
				tc.opts(t, f, &o)
			}
			res := mdoc.VerifyResponse(mint(t, r), o)
			want := tc.status
			if want == "" {
				want = verify.StatusInvalid
			}
			if res.Status != want || res.Valid != (want == verify.StatusValid) {
				t.Errorf("status %s valid %v, want %s", res.Status, res.Valid, want)
			}
			for id, w := range merge(responseBaseline, tc.want) {
				if _, isResp := responseBaseline[id]; !isResp {
					continue
				}
				c, _ := res.Checks.Get(id)
				if got := string(c.Status) + "/" + c.Code; got != w {
					t.Errorf("%s = %s (%s), want %s", id, got, c.Detail, w)
				}
			}
			if tc.check == nil || len(res.Documents) > 0 && tc.name != "two documents, one tampered" {
				for _, doc := range res.Documents[:min(1, len(res.Documents))] {
					for id, w := range merge(baseline, tc.want) {
						if _, isResp := responseBaseline[id]; isResp {
							continue
						}
						c, ok := doc.Checks.Get(id)
						if !ok {
							t.Errorf("check %s missing", id)
							continue
						}
						if got := string(c.Status) + "/" + c.Code; got != w {
							t.Errorf("%s = %s (%s), want %s", id, got, c.Detail, w)
						}
					}
					for _, w := range tc.warn {
						if !slices.Contains(doc.Warnings, w) {
							t.Errorf("warning %s missing from %v", w, doc.Warnings)
						}
					}
				}
			}
			if tc.check != nil {
				tc.check(t, res)
			}
			if t.Failed() {
				t.Log(dump(res))
			}
		})
	}
}

func TestZeroTime(t *testing.T) {
	f := newFixture(t, "zero time")
	o := f.opts()
	o.At = time.Time{}
	res := mdoc.VerifyResponse(mint(t, f.Response(mdoctest.DeviceSignature, f.Document(mdoctest.DocTypeMDL, mdoctest.MDLPerson()))), o)
	if res.Valid {
		t.Fatal("valid without a verification time")
	}
	if c, _ := res.Documents[0].Checks.Get(mdoc.CheckValidity); c.Status != verify.StatusUndetermined || c.Code != mdoc.CodeNoVerificationTime {
		t.Errorf("validity %+v", c)
	}
}
