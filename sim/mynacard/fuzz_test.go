package mynacard

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"taimen/reader"
)

// The seed corpora live in testdata/fuzz/<target>/; this guards against an
// empty corpus silently seeding nothing.
func TestFuzzSeedCorpora(t *testing.T) {
	for _, target := range []string{"FuzzAPDU"} {
		entries, err := os.ReadDir(filepath.Join("testdata", "fuzz", target))
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) == 0 {
			t.Errorf("%s: empty seed corpus", target)
		}
	}
}

// FuzzAPDU sends a card a script of APDUs (each prefixed with its length
// byte). Whatever arrives, every answer is a well-formed response APDU,
// counters only go down by one per wrong VERIFY or back to their maximum,
// and the My Number never leaves the card unless 照合番号A was presented.
func FuzzAPDU(f *testing.F) {
	cfg := testConfig(f)
	f.Fuzz(func(t *testing.T, script []byte) {
		c, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		codeAShown := false
		for len(script) > 0 {
			n := min(int(script[0]), len(script)-1)
			cmd := script[1 : 1+n]
			script = script[1+n:]
			before := [numCreds]int{}
			for k := range before {
				before[k] = c.Tries(Cred(k))
			}
			out := c.APDU(cmd)
			r, err := reader.ParseResponse(out)
			if err != nil || len(out) > 0xFFFF {
				t.Fatalf("%x: answer %x", cmd, out)
			}
			if r.SW == 0x9000 && len(cmd) > 5 && cmd[1] == 0x20 && bytes.Contains(cmd, []byte(myNum)) {
				codeAShown = true
			}
			if !codeAShown && bytes.Contains(r.Data, []byte(myNum)) {
				t.Fatalf("%x: the My Number left the card without 照合番号A", cmd)
			}
			for k := range before {
				now, max := c.Tries(Cred(k)), c.creds[k].max
				if now != before[k] && now != before[k]-1 && now != max {
					t.Fatalf("%x: tries of %d went %d → %d", cmd, k, before[k], now)
				}
			}
		}
	})
}
