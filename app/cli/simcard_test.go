package cli

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	vmyna "taimen/verify/myna"
)

// mynaVPCD is vpcd's side of the vsmartcard protocol for one connection.
type mynaVPCD struct {
	t *testing.T
	c net.Conn
}

func (v *mynaVPCD) send(p []byte) {
	v.t.Helper()
	if _, err := v.c.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(p))), p...)); err != nil {
		v.t.Fatal(err)
	}
}

func (v *mynaVPCD) recv() []byte {
	v.t.Helper()
	var h [2]byte
	if _, err := io.ReadFull(v.c, h[:]); err != nil {
		v.t.Fatal(err)
	}
	p := make([]byte, binary.BigEndian.Uint16(h[:]))
	if _, err := io.ReadFull(v.c, p); err != nil {
		v.t.Fatal(err)
	}
	return p
}

// apdu sends a command and returns the response's status word and data.
func (v *mynaVPCD) apdu(h string) (uint16, []byte) {
	v.t.Helper()
	b, err := hex.DecodeString(h)
	if err != nil {
		v.t.Fatal(err)
	}
	v.send(b)
	r := v.recv()
	if len(r) < 2 {
		v.t.Fatalf("%s: answer %x", h, r)
	}
	return binary.BigEndian.Uint16(r[len(r)-2:]), r[:len(r)-2]
}

// runSimcard runs RunSimMynacard until the returned stop is called.
func runSimcard(t *testing.T, args ...string) (stop func() (int, string)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	old := simContext
	simContext = func() (context.Context, context.CancelFunc) { return ctx, cancel }
	t.Cleanup(func() { simContext = old })
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- RunSimMynacard(&Env{Stdout: io.Discard, Stderr: &stderr}, args) }()
	return func() (int, string) {
		cancel()
		select {
		case code := <-done:
			return code, stderr.String()
		case <-time.After(10 * time.Second):
			t.Fatal("sim mynacard did not stop when interrupted")
		}
		return 0, ""
	}
}

func TestSimMynacardServesVPCD(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	trustFile := filepath.Join(t.TempDir(), "jlis.pem")
	const code, myNumber = "55021720351234", "123456789018"
	stop := runSimcard(t, "--vpcd", ln.Addr().String(), "--code-b", "550217 2035 1234", "--my-number", myNumber,
		"--tries", "4", "--trust-out", trustFile, "--apdu-log")

	ln.(*net.TCPListener).SetDeadline(time.Now().Add(30 * time.Second))
	c, err := ln.Accept()
	if err != nil {
		t.Fatalf("the simulator never dialled vpcd: %v", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	v := &mynaVPCD{t: t, c: c}
	v.send([]byte{0x01}) // power on
	v.send([]byte{0x04}) // ATR
	if atr := v.recv(); len(atr) < 2 || atr[0] != 0x3B {
		t.Fatalf("atr %x", atr)
	}
	steps := []struct {
		cmd string
		sw  uint16
	}{
		{"00A4040C0AD3921000310001010408", 0x9000},
		{"00A4020C020015", 0x9000},
		{"00200080", 0x63C4},                                                  // --tries 4
		{"002000800E" + hex.EncodeToString([]byte("55021720351235")), 0x63C3}, // a wrong code costs one
		{"002000800E" + hex.EncodeToString([]byte(code)), 0x9000},             // --code-b is the key
		{"00A4020C020001", 0x9000},
		{"00B0000000", 0x6982}, // the My Number stays behind 照合番号A
	}
	for _, s := range steps {
		if got, _ := v.apdu(s.cmd); got != s.sw {
			t.Fatalf("%s: %04x, want %04x", s.cmd, got, s.sw)
		}
	}
	v.apdu("00A4020C020002")
	sw, data := v.apdu("00B0000007")
	if sw != 0x9000 || !bytes.HasPrefix(data, []byte{0xFF, 0x20}) {
		t.Fatalf("text ef0002: %04x %x", sw, data)
	}

	exit, stderr := stop()
	if exit != ExitValid {
		t.Fatalf("exit %d: %s", exit, stderr)
	}
	if !strings.Contains(stderr, code) || !strings.Contains(stderr, "セキュリティコード 1234") {
		t.Errorf("stderr does not show the 照合番号B: %s", stderr)
	}
	if strings.Contains(stderr, myNumber) {
		t.Errorf("stderr shows the My Number: %s", stderr)
	}
	for _, want := range []string{
		"apdu 0: 00a4040c in 券面事項入力補助AP → 9000",
		"apdu 3: 00200080 in 券面事項入力補助AP → 63c3",
		"apdu 5: 00a4020c ef0001 in 券面事項入力補助AP → 9000",
		"apdu 6: 00b00000 in 券面事項入力補助AP → 6982",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("apdu log lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, hex.EncodeToString([]byte(code))) || strings.Count(stderr, code) != 1 {
		t.Errorf("the apdu log shows VERIFY data:\n%s", stderr)
	}
	pem, err := os.ReadFile(trustFile)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := vmyna.ParseCAKeys(trustFile, pem)
	if err != nil || len(keys) != 2 {
		t.Fatalf("trust-out: %d CA keys, %v", len(keys), err)
	}
	if n := strings.Count(string(pem), "BEGIN CERTIFICATE"); n != 2 {
		t.Fatalf("trust-out: %d JPKI roots, want 2", n)
	}
}

func TestSimMynacardUsage(t *testing.T) {
	for _, args := range [][]string{
		{"--code-b", "5502172035123"},
		{"--code-b", "551317 2035 1234"},
		{"--my-number", "12345"},
		{"--my-number", "12345678901x"},
		{"--tries", "0"},
		{"--tries", "16"},
		{"--no-such-flag"},
		{"extra"},
	} {
		var stderr bytes.Buffer
		if code := RunSimMynacard(&Env{Stdout: io.Discard, Stderr: &stderr}, args); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, ExitUsage)
		}
		if !strings.HasPrefix(stderr.String(), "taimen: sim mynacard: ") {
			t.Errorf("%v: stderr %q", args, stderr.String())
		}
	}
}
