// Package testvec locates the public test vectors that tests read from
// ../shared/vectors beside the repository root. They are other projects'
// data: tests read them in place and never copy them into the repository.
package testvec

import (
	"os"
	"path/filepath"
	"testing"
)

// Path returns ../shared/vectors/<parts…> relative to the repository root
// (the folder holding go.mod), found by walking up from the working
// directory. It fails the test when the root or the vector is missing, so
// a missing ../shared is never a silent skip.
func Path(tb testing.TB, parts ...string) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("testvec: go.mod not found above the working directory")
		}
		dir = parent
	}
	p := filepath.Join(append([]string{dir, "..", "shared", "vectors"}, parts...)...)
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("testvec: %v (the public vectors live in ../shared beside the repository)", err)
	}
	return p
}

// Read returns the bytes of a vector file.
func Read(tb testing.TB, parts ...string) []byte {
	tb.Helper()
	b, err := os.ReadFile(Path(tb, parts...))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
