package pcsctest

import (
	"fmt"
	"os"
	"testing"
)

// Main runs a test binary with one private daemon: libpcsclite reads the
// socket path once per process, so a package's tests share it. It stores
// the daemon in *d before the tests run and exits with their code.
//
//	var daemon *pcsctest.Daemon
//	func TestMain(m *testing.M) { pcsctest.Main(m, &daemon) }
func Main(m *testing.M, d **Daemon) {
	dm, err := Start(Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	*d = dm
	code := m.Run()
	if err := dm.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}
