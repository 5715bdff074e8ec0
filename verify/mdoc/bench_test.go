package mdoc_test

import (
	"crypto/ecdsa"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"math/big"
	"syscall"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"taimen/verify"
	"taimen/verify/mdoc"
	"taimen/verify/mdoc/mdoctest"
)

// processCPU is the CPU time (user + system) the process has used. The
// benchmarks report it per operation as cpu-ns/op next to the wall-clock
// ns/op: on a machine shared with other jobs, wall time measures the queue
// for a core, CPU time measures the work.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loop runs fn b.N times and reports cpu-ns/op.
func loop(b *testing.B, fn func()) {
	b.ReportAllocs()
	start, n := processCPU(), 0
	for b.Loop() {
		fn()
		n++
	}
	if n > 0 {
		b.ReportMetric(float64(processCPU()-start)/float64(n), "cpu-ns/op")
	}
}

func benchVerify(b *testing.B, data []byte, opts mdoc.VerifyOptions) {
	if r := mdoc.VerifyResponse(data, opts); !r.Valid {
		b.Fatalf("not valid: %s", dump(r))
	}
	b.SetBytes(int64(len(data)))
	loop(b, func() { mdoc.VerifyResponse(data, opts) })
}

// BenchmarkVerifyAnnexD is the full verification of the Annex D response:
// chain, issuerAuth, 6 digests, validity, deviceMac (ECDH + HKDF + HMAC).
func BenchmarkVerifyAnnexD(b *testing.B) {
	data, opts := mdoc.RespAnnexDForTest(b)
	benchVerify(b, data, opts)
}

func mdl17(b *testing.B) ([]byte, mdoc.VerifyOptions) {
	f := newFixture(b, "bench")
	data := mint(b, f.Response(mdoctest.DeviceSignature, f.Document(mdoctest.DocTypeMDL, mdoctest.MDLPerson())))
	return data, f.opts()
}

// BenchmarkVerify17Elements is a Japanese mDL with 17 elements, a ~6 KB
// portrait and a deviceSignature.
func BenchmarkVerify17Elements(b *testing.B) {
	data, opts := mdl17(b)
	benchVerify(b, data, opts)
}

// floorWork is the bare cryptography a verification cannot avoid, prepared
// from a response: parse the DS certificate, verify issuerAuth (SHA-256 of
// its Sig_structure and one ECDSA verify), hash every disclosed item, and
// either verify the device signature or derive EMacKey (ECDH + HKDF) and
// compute the MAC.
//
// The DS certificate's own signature under the IACA is not in the floor:
// verify/trust memoizes that check per (DS, IACA), so a counter verifies it
// once per document signer, not once per customer; the verification
// benchmarks run warm, like a counter does.
type floorWork struct {
	dsDER      []byte
	iaca       *x509.Certificate
	issuerTBS  []byte // Sig_structure of issuerAuth
	issuerSig  []byte // ASN.1
	items      [][]byte
	deviceTBS  []byte
	deviceSig  []byte // ASN.1, or nil for a MAC
	deviceKey  *ecdsa.PublicKey
	macInput   []byte // MAC_structure
	salt       []byte
	transcript []byte
	opts       mdoc.VerifyOptions
}

func rawToASN1(raw []byte) []byte {
	n := len(raw) / 2
	b, _ := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(raw[:n]), new(big.Int).SetBytes(raw[n:])})
	return b
}

type sign1Parts struct {
	_           struct{} `cbor:",toarray"`
	Protected   []byte
	Unprotected map[int]cbor.RawMessage
	Payload     []byte
	Signature   []byte
}

func prepareFloor(b *testing.B, data []byte, opts mdoc.VerifyOptions) *floorWork {
	r, err := mdoc.DecodeDeviceResponse(data)
	if err != nil {
		b.Fatal(err)
	}
	d := r.Documents[0]
	var ia sign1Parts
	if err := verify.Unmarshal(d.IssuerSigned.IssuerAuth, &ia); err != nil {
		b.Fatal(err)
	}
	var ds []byte
	if err := verify.Unmarshal(ia.Unprotected[33], &ds); err != nil {
		var chain [][]byte
		if err := verify.Unmarshal(ia.Unprotected[33], &chain); err != nil {
			b.Fatal(err)
		}
		ds = chain[0]
	}
	w := &floorWork{dsDER: ds, opts: opts, transcript: opts.Transcript.Tagged}
	w.issuerTBS, _ = verify.Marshal([]any{"Signature1", ia.Protected, []byte{}, ia.Payload})
	w.issuerSig = rawToASN1(ia.Signature)
	for _, items := range d.IssuerSigned.NameSpaces {
		for _, it := range items {
			w.items = append(w.items, it.Raw)
		}
	}
	mso, err := mdoc.DecodeMSO(ia.Payload)
	if err != nil {
		b.Fatal(err)
	}
	key, err := mdoc.DecodeCOSEKey(mso.DeviceKeyInfo.DeviceKey)
	if err != nil {
		b.Fatal(err)
	}
	dab := mdoc.DeviceAuthenticationBytes(*opts.Transcript, *d.DocType, *d.DeviceSigned.NameSpaces)
	if sig := d.DeviceSigned.DeviceAuth.DeviceSignature; sig != nil {
		var ds sign1Parts
		if err := verify.Unmarshal(sig, &ds); err != nil {
			b.Fatal(err)
		}
		w.deviceTBS, _ = verify.Marshal([]any{"Signature1", ds.Protected, []byte{}, dab})
		w.deviceSig = rawToASN1(ds.Signature)
		pk, err := key.PublicKey()
		if err != nil {
			b.Fatal(err)
		}
		w.deviceKey = pk.(*ecdsa.PublicKey)
	} else {
		w.macInput, _ = verify.Marshal([]any{"MAC0", []byte{0xa1, 0x01, 0x05}, []byte{}, dab})
		pk, err := key.PublicKey()
		if err != nil {
			b.Fatal(err)
		}
		w.deviceKey = pk.(*ecdsa.PublicKey)
	}
	return w
}

func (w *floorWork) run(b *testing.B) {
	ds, err := x509.ParseCertificate(w.dsDER)
	if err != nil {
		b.Fatal(err)
	}
	h := sha256.Sum256(w.issuerTBS)
	if !ecdsa.VerifyASN1(ds.PublicKey.(*ecdsa.PublicKey), h[:], w.issuerSig) {
		b.Fatal("issuer signature")
	}
	for _, it := range w.items {
		sha256.Sum256(it)
	}
	if w.deviceSig != nil {
		h := sha256.Sum256(w.deviceTBS)
		if !ecdsa.VerifyASN1(w.deviceKey, h[:], w.deviceSig) {
			b.Fatal("device signature")
		}
		return
	}
	pub, err := w.deviceKey.ECDH()
	if err != nil {
		b.Fatal(err)
	}
	z, err := w.opts.ReaderKey.ECDH(pub)
	if err != nil {
		b.Fatal(err)
	}
	salt := sha256.Sum256(w.transcript)
	k, err := hkdf.Key(sha256.New, z, salt[:], "EMacKey", 32)
	if err != nil {
		b.Fatal(err)
	}
	m := hmac.New(sha256.New, k)
	m.Write(w.macInput)
	m.Sum(nil)
}

// BenchmarkFloorAnnexD is the cryptographic floor of BenchmarkVerifyAnnexD.
func BenchmarkFloorAnnexD(b *testing.B) {
	data, opts := mdoc.RespAnnexDForTest(b)
	w := prepareFloor(b, data, opts)
	loop(b, func() { w.run(b) })
}

// BenchmarkFloor17Elements is the cryptographic floor of BenchmarkVerify17Elements.
func BenchmarkFloor17Elements(b *testing.B) {
	data, opts := mdl17(b)
	w := prepareFloor(b, data, opts)
	loop(b, func() { w.run(b) })
}

// ratio runs the full verification and its floor alternately, so that both
// see the same load on a shared machine, and reports the CPU time of each
// and their ratio (the goal is ≤ 1.3).
func ratio(b *testing.B, data []byte, opts mdoc.VerifyOptions) {
	w := prepareFloor(b, data, opts)
	var full, floor time.Duration
	for b.Loop() {
		t0 := processCPU()
		mdoc.VerifyResponse(data, opts)
		t1 := processCPU()
		w.run(b)
		t2 := processCPU()
		full += t1 - t0
		floor += t2 - t1
	}
	if floor > 0 {
		b.ReportMetric(float64(full)/float64(b.N), "full-cpu-ns/op")
		b.ReportMetric(float64(floor)/float64(b.N), "floor-cpu-ns/op")
		b.ReportMetric(float64(full)/float64(floor), "ratio")
	}
}

// BenchmarkRatioAnnexD reports VerifyAnnexD / FloorAnnexD measured side by side.
func BenchmarkRatioAnnexD(b *testing.B) {
	data, opts := mdoc.RespAnnexDForTest(b)
	ratio(b, data, opts)
}

// BenchmarkRatio17Elements reports Verify17Elements / Floor17Elements measured side by side.
func BenchmarkRatio17Elements(b *testing.B) {
	data, opts := mdl17(b)
	ratio(b, data, opts)
}
