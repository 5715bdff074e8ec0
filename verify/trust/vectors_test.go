package trust

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"taimen/internal/testvec"
)

// sharedDir finds ../shared next to the repository root (the folder that
// holds go.mod).
func sharedDir(t testing.TB) string {
	t.Helper()
	return filepath.Dir(testvec.Path(t))
}

func annexD(t testing.TB, name string) string {
	return filepath.Join(sharedDir(t), "vectors", "iso18013-5-annexD", name)
}

func readAnnexD(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(annexD(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func annexDStore(t testing.TB) *Store {
	t.Helper()
	iaca, err := Load(IACA, annexD(t, "annexd_iaca_root.pem"))
	if err != nil {
		t.Fatal(err)
	}
	rr, err := Load(ReaderCA, annexD(t, "annexd_reader_root.der"))
	if err != nil {
		t.Fatal(err)
	}
	return NewStore(append(iaca, rr...)...)
}

var (
	annexDTime  = time.Date(2021, 4, 1, 0, 0, 0, 0, time.UTC)
	annexDLate  = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	annexDEarly = time.Date(2020, 9, 1, 0, 0, 0, 0, time.UTC)
)
