package mdoc

// Test helpers of the engagement/session/request half. Names start with
// "sess" so that they do not collide with the response tests' helpers in
// the same package.

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"flag"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"taimen/internal/testvec"
	"taimen/verify"
)

// sessVectorDir is ../shared/vectors/iso18013-5-annexD relative to the
// repository root (the directory holding go.mod).
func sessVectorDir(t testing.TB) string {
	t.Helper()
	return testvec.Path(t, "iso18013-5-annexD")
}

// sessVec reads an Annex D vector file; .hex files are decoded.
func sessVec(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sessVectorDir(t), name))
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(name, ".hex") {
		b, err = hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	return b
}

// sessAnnexD is the Annex D negotiated-handover setup.
type sessAnnexD struct {
	hs, hr, deRaw, handover []byte
	de                      *DeviceEngagement
	readerKey, deviceKey    *ecdh.PrivateKey
}

func sessLoadAnnexD(t testing.TB) *sessAnnexD {
	t.Helper()
	a := &sessAnnexD{
		hs: sessVec(t, "annexd_handover_select.bin"),
		hr: sessVec(t, "annexd_handover_request.bin"),
	}
	a.deRaw = a.hs[107:195]
	var err error
	if a.de, err = ParseDeviceEngagement(a.deRaw); err != nil {
		t.Fatal(err)
	}
	if a.handover, err = HandoverNFC(a.hs, a.hr); err != nil {
		t.Fatal(err)
	}
	if a.readerKey, err = ecdh.P256().NewPrivateKey(sessVec(t, "annexd_ephemeral_reader_key_d.hex")); err != nil {
		t.Fatal(err)
	}
	if a.deviceKey, err = ecdh.P256().NewPrivateKey(sessVec(t, "annexd_edevice_key_d.hex")); err != nil {
		t.Fatal(err)
	}
	return a
}

func (a *sessAnnexD) reader(t testing.TB) *ReaderSession {
	t.Helper()
	s, err := NewReaderSessionWithKey(a.de, a.handover, a.readerKey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (a *sessAnnexD) device(t testing.TB) *DeviceSession {
	t.Helper()
	s, err := NewDeviceSession(a.deviceKey, a.deRaw, a.handover)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sessScalar derives a private scalar of n bytes from a seed; Go ≥1.26
// ignores the rand argument of key generation, so deterministic test keys
// come from fixed scalars.
func sessScalar(seed string, n int) []byte {
	h := sha512.Sum512([]byte(seed))
	d := make([]byte, n)
	switch {
	case n <= 32:
		s := sha256.Sum256([]byte(seed))
		copy(d, s[:n])
	case n <= 64:
		copy(d, h[:n])
	default: // P-521: 66 bytes, top bits clear so that d < n
		copy(d[n-64:], h[:])
	}
	return d
}

func sessECDHKey(t testing.TB, c ecdh.Curve, seed string) *ecdh.PrivateKey {
	t.Helper()
	n := map[ecdh.Curve]int{ecdh.P256(): 32, ecdh.P384(): 48, ecdh.P521(): 66, ecdh.X25519(): 32}[c]
	k, err := c.NewPrivateKey(sessScalar(seed, n))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func sessECDSAKey(t testing.TB, c elliptic.Curve, seed string) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.ParseRawPrivateKey(c, sessScalar(seed, (c.Params().BitSize+7)/8))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// sessCBOR encodes v deterministically or fails the test.
func sessCBOR(t testing.TB, v any) []byte {
	t.Helper()
	b, err := verify.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sessTag24 wraps encoded bytes in tag 24 as a raw item.
func sessTag24(t testing.TB, inner []byte) cbor.RawMessage {
	t.Helper()
	it, err := NewTag24(inner)
	if err != nil {
		t.Fatal(err)
	}
	return it.Raw
}

// sessCOSEKeyItem is EDeviceKeyBytes for a public key.
func sessCOSEKeyItem(t testing.TB, pub *ecdh.PublicKey) cbor.RawMessage {
	t.Helper()
	ck, err := COSEKeyFromECDH(pub)
	if err != nil {
		t.Fatal(err)
	}
	return sessTag24(t, sessCBOR(t, ck))
}

// sessMintDE encodes a DeviceEngagement with the given members, keys in
// the order given (so that tests can send non-canonical orders).
func sessMintDE(t testing.TB, members ...sessMember) []byte {
	t.Helper()
	out := []byte{cborHead(5, uint64(len(members)), nil)[0]}
	for _, m := range members {
		out = append(out, sessCBOR(t, m.key)...)
		out = append(out, m.val...)
	}
	return out
}

type sessMember struct {
	key any
	val []byte
}

// sessAppleLikeDE mints a version-1.1 engagement shaped like Apple
// Wallet's (research §1: {0:"1.1", 1:Security, 5:[], 6:{3:true, 4:true}}),
// with keys 6 before 5 and an unknown key 99 so that any re-encoding would
// change the bytes.
func sessAppleLikeDE(t testing.TB, key *ecdh.PrivateKey) []byte {
	t.Helper()
	sec := sessCBOR(t, []any{1, sessCOSEKeyItem(t, key.PublicKey())})
	return sessMintDE(t,
		sessMember{0, sessCBOR(t, "1.1")},
		sessMember{1, sec},
		sessMember{6, sessCBOR(t, map[int]bool{3: true, 4: true})},
		sessMember{5, sessCBOR(t, []any{})},
		sessMember{99, sessCBOR(t, "from a later edition")},
	)
}

// sessSimpleDE mints {0: "1.0", 1: [1, EDeviceKeyBytes]}.
func sessSimpleDE(t testing.TB, pub *ecdh.PublicKey) []byte {
	t.Helper()
	return sessMintDE(t,
		sessMember{0, sessCBOR(t, "1.0")},
		sessMember{1, sessCBOR(t, []any{1, sessCOSEKeyItem(t, pub)})},
	)
}

// sessOIDReaderAuthEKU is 18013-5 B.1.7's extended key usage for mdoc reader authentication.
var sessOIDReaderAuthEKU = asn1.ObjectIdentifier{1, 0, 18013, 5, 1, 6}

// sessReaderPKI mints a reader CA and a reader certificate that follow
// 18013-5 B.1.7 closely enough for the trust store, valid 2024–2034.
type sessReaderPKI struct {
	root, leaf       *x509.Certificate
	rootKey, leafKey *ecdsa.PrivateKey
}

func sessMintReaderPKI(t testing.TB, c elliptic.Curve) *sessReaderPKI {
	t.Helper()
	p := &sessReaderPKI{
		rootKey: sessECDSAKey(t, elliptic.P256(), "taimen test reader ca"),
		leafKey: sessECDSAKey(t, c, "taimen test reader "+c.Params().Name),
	}
	nb := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	na := time.Date(2034, 1, 1, 0, 0, 0, 0, time.UTC)
	rootTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "Taimen test reader CA", Country: []string{"JP"}},
		NotBefore:             nb,
		NotAfter:              na,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
		SubjectKeyId:          []byte{1, 2, 3, 4, 5, 6, 7, 8},
	}
	rootDER, err := x509.CreateCertificate(nil, rootTmpl, rootTmpl, p.rootKey.Public(), p.rootKey)
	if err != nil {
		t.Fatal(err)
	}
	if p.root, err = x509.ParseCertificate(rootDER); err != nil {
		t.Fatal(err)
	}
	leafTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(2),
		Subject:               pkix.Name{CommonName: "Taimen test reader", Country: []string{"JP"}},
		NotBefore:             nb,
		NotAfter:              na,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		UnknownExtKeyUsage:    []asn1.ObjectIdentifier{sessOIDReaderAuthEKU},
		BasicConstraintsValid: true,
		SubjectKeyId:          []byte{8, 7, 6, 5, 4, 3, 2, 1},
		CRLDistributionPoints: []string{"https://example.jp/reader.crl"},
	}
	leafDER, err := x509.CreateCertificate(nil, leafTmpl, p.root, p.leafKey.Public(), p.rootKey)
	if err != nil {
		t.Fatal(err)
	}
	if p.leaf, err = x509.ParseCertificate(leafDER); err != nil {
		t.Fatal(err)
	}
	return p
}

// sessAnnexDItems is the Annex D ItemsRequest as a request spec.
func sessAnnexDItems() []DocRequestSpec {
	const ns = "org.iso.18013.5.1"
	return []DocRequestSpec{{
		DocType: "org.iso.18013.5.1.mDL",
		Elements: []ElementRequest{
			{ns, "family_name", true},
			{ns, "document_number", true},
			{ns, "driving_privileges", true},
			{ns, "issue_date", true},
			{ns, "expiry_date", true},
			{ns, "portrait", false},
		},
	}}
}

// sessTestdata reads a file from this package's testdata.
func sessTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sessUpdate rewrites the minted testdata files (go test -run X -sess.update).
var sessUpdate = flag.Bool("sess.update", false, "rewrite minted testdata/session_* files")

// sessGolden compares minted bytes with the committed testdata file, or
// writes the file under -sess.update.
func sessGolden(t testing.TB, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *sessUpdate {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale (rerun with -sess.update):\n got % x\nwant % x", p, got, want)
	}
}
