package mdoc

import (
	"crypto/ecdh"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"taimen/internal/testvec"
	"taimen/verify/trust"
)

// respVectorDir finds ../shared/vectors/iso18013-5-annexD next to the repository
// root (the directory holding go.mod).
func respVectorDir(t testing.TB) string {
	t.Helper()
	return testvec.Path(t, "iso18013-5-annexD")
}

func respVector(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(respVectorDir(t), name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func respHexVector(t testing.TB, name string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.TrimSpace(string(respVector(t, name))))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// respAnnexD holds the Annex D response and everything needed to verify it.
type respAnnexD struct {
	response   []byte
	transcript SessionTranscript
	readerKey  *ecdh.PrivateKey
	store      *trust.Store
}

var respAnnexDAt = time.Date(2021, 4, 1, 0, 0, 0, 0, time.UTC)

func respLoadAnnexD(t testing.TB) *respAnnexD {
	t.Helper()
	tr, err := ParseSessionTranscript(respVector(t, "annexd_session_transcript_bytes.cbor"))
	if err != nil {
		t.Fatal(err)
	}
	rk, err := ecdh.P256().NewPrivateKey(respHexVector(t, "annexd_ephemeral_reader_key_d.hex"))
	if err != nil {
		t.Fatal(err)
	}
	anchors, err := trust.Load(trust.IACA, filepath.Join(respVectorDir(t), "annexd_iaca_root.pem"))
	if err != nil {
		t.Fatal(err)
	}
	return &respAnnexD{
		response:   respVector(t, "annexd_device_response.cbor"),
		transcript: tr,
		readerKey:  rk,
		store:      trust.NewStore(anchors...),
	}
}

func (a *respAnnexD) opts(at time.Time) VerifyOptions {
	tr := a.transcript
	return VerifyOptions{Trust: a.store, At: at, Transcript: &tr, ReaderKey: a.readerKey}
}

// RespAnnexDForTest gives the external test package (benchmarks, fuzzing)
// the Annex D response and options that make it valid. Exported from a
// _test.go file, so it is not part of the package API.
func RespAnnexDForTest(t testing.TB) ([]byte, VerifyOptions) {
	a := respLoadAnnexD(t)
	return a.response, a.opts(respAnnexDAt)
}
