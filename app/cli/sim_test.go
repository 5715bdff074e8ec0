package cli

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"encoding/pem"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeVPCD plays vpcd's side of the vsmartcard protocol (uint16 length +
// payload frames; 1-byte controls 01 power on, 04 get ATR) on a local port.
type fakeVPCD struct {
	ln   net.Listener
	conn chan net.Conn
}

func newFakeVPCD(t *testing.T) *fakeVPCD {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeVPCD{ln: ln, conn: make(chan net.Conn, 1)}
	go func() {
		c, err := ln.Accept()
		if err == nil {
			f.conn <- c
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return f
}

func (f *fakeVPCD) accept(t *testing.T) net.Conn {
	t.Helper()
	select {
	case c := <-f.conn:
		t.Cleanup(func() { c.Close() })
		c.SetDeadline(time.Now().Add(10 * time.Second))
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("the simulator never dialled vpcd")
	}
	return nil
}

func send(t *testing.T, c net.Conn, p []byte) {
	t.Helper()
	b := binary.BigEndian.AppendUint16(nil, uint16(len(p)))
	if _, err := c.Write(append(b, p...)); err != nil {
		t.Fatal(err)
	}
}

func recv(t *testing.T, c net.Conn) []byte {
	t.Helper()
	var h [2]byte
	if _, err := io.ReadFull(c, h[:]); err != nil {
		t.Fatal(err)
	}
	p := make([]byte, binary.BigEndian.Uint16(h[:]))
	if _, err := io.ReadFull(c, p); err != nil {
		t.Fatal(err)
	}
	return p
}

func hexOf(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// runSimAsync runs `taimen sim …` until the test cancels it.
func runSimAsync(t *testing.T, args ...string) (stop func() (int, string)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	old := simContext
	simContext = func() (context.Context, context.CancelFunc) { return ctx, cancel }
	t.Cleanup(func() { simContext = old })
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- Run(append([]string{"sim"}, args...), &Env{Stdout: io.Discard, Stderr: &stderr}) }()
	return func() (int, string) {
		cancel()
		select {
		case code := <-done:
			return code, stderr.String()
		case <-time.After(10 * time.Second):
			t.Fatal("sim wallet did not stop when interrupted")
		}
		return 0, ""
	}
}

func TestSimWalletServesVPCD(t *testing.T) {
	tests := []struct {
		handover string
		cc       string
	}{
		{"static", "000f207fff7fff0406e1047fff00ff"},
		{"negotiated", "000f207fff7fff0406e1047fff0000"},
		{"apple", "000f20040004000406e10408020000"},
	}
	for _, tt := range tests {
		t.Run(tt.handover, func(t *testing.T) {
			v := newFakeVPCD(t)
			trustFile := filepath.Join(t.TempDir(), "iaca.pem")
			stop := runSimAsync(t, "wallet", "--vpcd", v.ln.Addr().String(), "--handover", tt.handover, "--trust-out", trustFile, "--device-auth", "mac", "--consent", "approve", "--approve", "age_over_20")
			c := v.accept(t)
			send(t, c, []byte{0x01}) // power on: no answer
			send(t, c, []byte{0x04}) // get ATR
			if atr := recv(t, c); len(atr) < 2 || atr[0] != 0x3B {
				t.Fatalf("ATR %x", atr)
			}
			for _, x := range [][2]string{
				{"00a4040007d276000085010100", "9000"},
				{"00a4000c02e103", "9000"},
				{"00b000000f", tt.cc + "9000"},
				{"00a4000c02e104", "9000"},
			} {
				send(t, c, hexOf(t, x[0]))
				if got := hex.EncodeToString(recv(t, c)); got != x[1] {
					t.Fatalf("%s: got %s, want %s", x[0], got, x[1])
				}
			}
			code, stderr := stop()
			if code != ExitValid {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if !strings.Contains(stderr, "taimen: sim wallet: ") {
				t.Errorf("stderr %q", stderr)
			}
			b, err := os.ReadFile(trustFile)
			if err != nil {
				t.Fatal(err)
			}
			blk, _ := pem.Decode(b)
			if blk == nil || blk.Type != "CERTIFICATE" {
				t.Fatalf("trust-out is not a PEM certificate: %q", b)
			}
			cert, err := x509.ParseCertificate(blk.Bytes)
			if err != nil || !cert.IsCA {
				t.Fatalf("trust-out certificate: %v ca=%v", err, cert != nil && cert.IsCA)
			}
		})
	}
}

func TestSimUsageErrors(t *testing.T) {
	tests := [][]string{
		{"sim"},
		{"sim", "phone"},
		{"sim", "wallet", "--handover", "nfc"},
		{"sim", "wallet", "--transfer", "wifi"},
		{"sim", "wallet", "--doc", "passport"},
		{"sim", "wallet", "--consent", "maybe"},
		{"sim", "wallet", "--device-auth", "rsa"},
		{"sim", "wallet", "--delay", "-1s"},
		{"sim", "wallet", "--approve", ","},
		{"sim", "wallet", "--bogus"},
		{"sim", "wallet", "extra"},
		{"sim", "wallet", "--trust-out", filepath.Join("/nonexistent-dir-for-taimen", "x.pem")},
	}
	for _, args := range tests {
		var stderr bytes.Buffer
		code := Run(args, &Env{Stdout: io.Discard, Stderr: &stderr})
		if code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, ExitUsage)
		}
		if !strings.HasPrefix(stderr.String(), "taimen: ") {
			t.Errorf("%v: stderr %q", args, stderr.String())
		}
	}
}

func TestWalletOptions(t *testing.T) {
	o, err := walletOptions("apple", "ble", "mdl", "decline-errors", "org.iso.23220.1/age_over_20,portrait", "mac", 2*time.Second, 5)
	if err != nil {
		t.Fatal(err)
	}
	if o.Handover.String() != "apple" || o.Transfer != 1 || len(o.Docs) != 1 || o.Docs[0] != "mdl" || o.Consent.Decision != 2 ||
		len(o.Consent.Only) != 2 || o.Consent.Only[0].Namespace != "org.iso.23220.1" || o.Consent.Only[1].Namespace != "" ||
		o.Consent.Delay != 2*time.Second || o.DeviceAuth != 1 || o.NotReady != 5 {
		t.Fatalf("%+v", o)
	}
}
