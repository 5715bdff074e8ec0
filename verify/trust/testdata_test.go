package trust

import (
	"crypto/elliptic"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"taimen/verify"
	"taimen/verify/trust/trusttest"
)

var update = flag.Bool("update", false, "mint verify/trust/testdata again")

// Seeds minted with trusttest live in testdata/ so that the fuzz corpora
// and these tests do not depend on minting. Run with -update to re-mint
// (signatures are randomized, so the bytes change; the keys do not).
const (
	seedVICALDir   = "testdata/vical"
	seedAnchorsDir = "testdata/anchors"
	seedChainsDir  = "testdata/chains"
)

func writeFile(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func mintTestdata(t *testing.T) {
	root := must(trusttest.NewIACA("testdata vical root"))
	signer := must(root.IssueVICALSigner("testdata"))
	iaca := must(trusttest.NewIACA("testdata"))
	iaca384 := must(trusttest.NewIACA("testdata p384", trusttest.WithCurve(elliptic.P384())))
	ds := must(iaca.IssueDS("testdata"))
	reader := must(trusttest.NewReaderRoot("testdata"))

	writeFile(t, seedAnchorsDir+"/vical_root.pem", trusttest.PEM(root))
	writeFile(t, seedAnchorsDir+"/iaca.pem", trusttest.PEM(iaca))
	writeFile(t, seedAnchorsDir+"/bundle.pem", trusttest.PEM(iaca, iaca384, reader))
	writeFile(t, seedAnchorsDir+"/iaca.der", iaca.DER)

	writeFile(t, seedChainsDir+"/ds.der", ds.DER)
	writeFile(t, seedChainsDir+"/ds_ed25519.der", must(iaca.IssueDS("testdata ed25519", trusttest.WithEd25519())).DER)
	writeFile(t, seedChainsDir+"/ds_no_ski.der", must(iaca.IssueDS("testdata no ski", trusttest.WithoutSKI())).DER)
	writeFile(t, seedChainsDir+"/ds_intermediate.der", must(iaca.IssueDS("testdata mid", trusttest.WithBasicConstraints(true, 0), trusttest.WithoutEKU())).DER)

	good := must(trusttest.MintVICAL(signer, nil, "Taimen testdata", vicalDate, []*trusttest.Issued{iaca, iaca384}, [][]string{nil, {"org.iso.23220.1.jp.mnc"}}))
	writeFile(t, seedVICALDir+"/good.cbor", good)
	writeFile(t, seedVICALDir+"/good_untagged.cbor", good[1:])
	writeFile(t, seedVICALDir+"/chain_array.cbor", must(trusttest.MintVICAL(signer, trusttest.Chain(signer, root), "Taimen testdata", vicalDate, []*trusttest.Issued{iaca}, nil)))
	writeFile(t, seedVICALDir+"/signer_no_eku.cbor", must(trusttest.MintVICAL(must(root.IssueVICALSigner("no eku", trusttest.WithoutEKU())), nil, "X", vicalDate, nil, nil)))
	writeFile(t, seedVICALDir+"/bad_payload.cbor", must(trusttest.SignVICAL(signer, nil, []byte{0xa1, 0x61, 'x', 0x01})))
}

func TestTestdata(t *testing.T) {
	if *update {
		mintTestdata(t)
	}
	roots := must(Load(VICALSigner, seedAnchorsDir+"/vical_root.pem"))
	iacas := must(Load(IACA, seedAnchorsDir+"/iaca.der"))
	s := NewStore(append(roots, iacas...)...)

	v, err := ParseVICAL(must(os.ReadFile(seedVICALDir+"/good.cbor")), s, testTime)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Anchors) != 2 || v.Provider != "Taimen testdata" {
		t.Fatalf("vical = %+v", v)
	}
	if _, err := ParseVICAL(must(os.ReadFile(seedVICALDir+"/chain_array.cbor")), s, testTime); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseVICAL(must(os.ReadFile(seedVICALDir+"/signer_no_eku.cbor")), s, testTime); !errors.Is(err, ErrVICALSigner) {
		t.Fatalf("signer_no_eku: %v", err)
	}
	if _, err := ParseVICAL(must(os.ReadFile(seedVICALDir+"/bad_payload.cbor")), s, testTime); !errors.Is(err, verify.ErrMalformed) {
		t.Fatalf("bad_payload: %v", err)
	}
	for name, code := range map[string]string{"ds.der": CodeOK, "ds_ed25519.der": CodeOK, "ds_no_ski.der": CodeDSProfileMissingSKI, "ds_intermediate.der": CodeDSProfileEKU} {
		r := s.VerifyDocumentSigner([][]byte{must(os.ReadFile(seedChainsDir + "/" + name))}, testTime)
		wantChain(t, r, code)
	}
}

// seedFiles lists a seed corpus folder; the corpus must not be empty.
func seedFiles(t testing.TB, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if e.Type().IsRegular() {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	return out
}

func TestSeedCorporaNonEmpty(t *testing.T) {
	for _, dir := range []string{seedVICALDir, seedAnchorsDir, seedChainsDir} {
		if n := len(seedFiles(t, dir)); n < 3 {
			t.Errorf("%s has %d seeds, want at least 3", dir, n)
		}
	}
}
