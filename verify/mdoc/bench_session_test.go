package mdoc

import (
	"crypto/elliptic"
	"testing"
)

// Session setup: transcript, ECDH, two HKDF-SHA256 derivations, two AES-GCM instances.
func BenchmarkSessionKeyDerivation(b *testing.B) {
	a := sessLoadAnnexD(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewReaderSessionWithKey(a.de, a.handover, a.readerKey); err != nil {
			b.Fatal(err)
		}
	}
}

// Decrypt of a SessionData holding a ~20 KB DeviceResponse (a typical
// portrait size): CBOR parsing plus AES-256-GCM.
func BenchmarkSessionDecrypt20KB(b *testing.B) {
	a := sessLoadAnnexD(b)
	rs, ds := a.reader(b), a.device(b)
	se, err := rs.SessionEstablishment(nil)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := ds.Establish(se); err != nil {
		b.Fatal(err)
	}
	plain := make([]byte, 20<<10)
	for i := range plain {
		plain[i] = byte(i)
	}
	sd, err := ds.Encrypt(plain)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(plain)))
	b.ReportAllocs()
	for b.Loop() {
		rs.ch.recvCtr = 1 // the same message again, as the first one
		if _, _, err := rs.Decrypt(sd); err != nil {
			b.Fatal(err)
		}
	}
}

// BuildDeviceRequest for the Annex D items with an ES256 readerAuth.
func BenchmarkBuildDeviceRequestReaderAuth(b *testing.B) {
	pki := sessMintReaderPKI(b, elliptic.P256())
	a := sessLoadAnnexD(b)
	t := a.reader(b).Transcript()
	key := &ReaderAuthKey{Signer: pki.leafKey, Chain: [][]byte{pki.leaf.Raw}}
	specs := sessAnnexDItems()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := BuildDeviceRequest(specs, key, t); err != nil {
			b.Fatal(err)
		}
	}
}

// The holder-side check of the Annex D readerAuth with the reader chain.
func BenchmarkVerifyReaderAuthAnnexD(b *testing.B) {
	dr, st := sessAnnexDRequest(b)
	store := sessReaderStore(b, sessParseCert(b, "annexd_reader_root.der"))
	b.ReportAllocs()
	for b.Loop() {
		if c, _ := VerifyReaderAuth(dr, st, store, sessAt2021).Get(CheckReaderAuth); c.Code != RACodeOK {
			b.Fatal(c)
		}
	}
}

func BenchmarkParseDeviceEngagement(b *testing.B) {
	raw := sessTestdata(b, "session_de_apple_like.cbor")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseDeviceEngagement(raw); err != nil {
			b.Fatal(err)
		}
	}
}
