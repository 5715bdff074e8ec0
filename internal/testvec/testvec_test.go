package testvec

import (
	"strings"
	"testing"
)

func TestPath(t *testing.T) {
	p := Path(t, "iso18013-5-annexD", "annexd_iaca_root.pem")
	if !strings.HasSuffix(p, "shared/vectors/iso18013-5-annexD/annexd_iaca_root.pem") {
		t.Fatalf("Path = %s", p)
	}
	if b := Read(t, "iso18013-5-annexD", "annexd_iaca_root.pem"); !strings.Contains(string(b), "BEGIN CERTIFICATE") {
		t.Fatal("the Annex D IACA root is not a PEM certificate")
	}
}
