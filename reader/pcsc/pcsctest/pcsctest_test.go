package pcsctest

import (
	"net"
	"os"
	"strconv"
	"testing"
)

func TestListening(t *testing.T) {
	ln, err := net.Listen("tcp4", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if !listening(port) {
		t.Fatalf("port %d listens but was not seen", port)
	}
	ln.Close()
	if listening(port) {
		t.Fatalf("port %d closed but still seen", port)
	}
}

// TestDaemon checks the harness without PC/SC calls (those are in
// reader/pcsc): vpcd listens on the announced pair, the socket exists, a
// second Start is refused, and Kill, Resume and Restart do what they say.
func TestDaemon(t *testing.T) {
	d, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if got := os.Getenv("PCSCLITE_CSOCK_NAME"); got != d.Socket() {
		t.Fatalf("PCSCLITE_CSOCK_NAME = %q, want %q", got, d.Socket())
	}
	if fi, err := os.Stat(d.Socket()); err != nil || fi.Mode()&os.ModeSocket == 0 {
		t.Fatalf("socket %s: %v", d.Socket(), err)
	}
	ports := func() (int, int) {
		_, p0, _ := net.SplitHostPort(d.VPCDAddr(0))
		_, p1, _ := net.SplitHostPort(d.VPCDAddr(1))
		a, _ := strconv.Atoi(p0)
		b, _ := strconv.Atoi(p1)
		return a, b
	}
	p0, p1 := ports()
	if p1 != p0+1 || !listening(p0) || !listening(p1) {
		t.Fatalf("vpcd not listening on %d and %d", p0, p1)
	}
	if d.ReaderName(0) != "Virtual PCD 00 00" || d.ReaderName(1) != "Virtual PCD 00 01" {
		t.Fatalf("reader names %q %q", d.ReaderName(0), d.ReaderName(1))
	}
	if _, err := Start(Options{}); err == nil {
		t.Fatal("second Start in one process accepted")
	}
	d.Kill()
	if listening(p0) {
		t.Fatal("vpcd still listening after Kill")
	}
	// Nobody may queue on the dead daemon's socket.
	if c, err := net.Dial("unix", d.Socket()); err == nil {
		c.Close()
		t.Fatal("socket accepts connections with pcscd dead")
	}
	if err := d.Resume(); err != nil {
		t.Fatal(err)
	}
	if err := d.Resume(); err == nil {
		t.Fatal("Resume of a running daemon accepted")
	}
	if err := d.Restart(); err != nil {
		t.Fatal(err)
	}
	if !listening(p0) || !listening(p1) {
		t.Fatal("vpcd not listening after Restart")
	}
	if err := d.Stop(); err != nil {
		t.Fatal(err)
	}
	if d.Log() == "" {
		t.Fatal("empty pcscd log")
	}
}
