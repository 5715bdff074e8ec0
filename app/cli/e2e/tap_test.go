// Package e2e runs `taimen sim wallet` and `taimen tap` as a new user
// would: the simulated wallet is a separate process behind a real pcscd
// with a vsmartcard-vpcd reader, and tap talks to it through PC/SC.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"taimen/app/cli"
	"taimen/reader"
	"taimen/reader/pcsc"
	"taimen/reader/pcsc/pcsctest"
)

// The test binary doubles as the taimen command: with this variable set,
// TestMain runs cli.Run on the arguments instead of the tests.
const asTaimen = "TAIMEN_E2E_RUN_CLI"

const bound = 30 * time.Second

var daemon *pcsctest.Daemon

func TestMain(m *testing.M) {
	if os.Getenv(asTaimen) == "1" {
		os.Exit(cli.Run(os.Args[1:], &cli.Env{Stdout: os.Stdout, Stderr: os.Stderr}))
	}
	// The subprocesses keep their terminal keys and local audit log here,
	// not in the real user's config folder.
	home, err := os.MkdirTemp("", "taimen-e2e-config")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("XDG_CONFIG_HOME", home)
	d, err := pcsctest.Start(pcsctest.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	daemon = d
	code := m.Run()
	os.RemoveAll(home)
	if err := d.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

// taimen starts the taimen command (this test binary) as a subprocess.
func taimen(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(os.Environ(), asTaimen+"=1")
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	return cmd
}

// simWallet runs `taimen sim wallet --vpcd … --trust-out …` until the test
// ends and returns the trust file once the phone is on the reader.
func simWallet(t *testing.T, extra ...string) string {
	return simulator(t, "wallet", extra...)
}

// simulator runs `taimen sim KIND --vpcd … --trust-out …` (wallet or
// mynacard) until the test ends and returns the trust file once the phone
// or card is on the reader.
func simulator(t *testing.T, kind string, extra ...string) string {
	t.Helper()
	trustFile := filepath.Join(t.TempDir(), "sim-trust.pem")
	ctx, cancel := context.WithCancel(context.Background())
	args := append([]string{"sim", kind, "--vpcd", daemon.VPCDAddr(0), "--trust-out", trustFile}, extra...)
	cmd := taimen(ctx, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		waitPresent(t, false)
		if t.Failed() {
			t.Logf("sim wallet stderr:\n%s", stderr.String())
		}
	})
	waitPresent(t, true)
	if _, err := os.Stat(trustFile); err != nil {
		t.Fatalf("sim wallet wrote no trust file: %v", err)
	}
	return trustFile
}

func waitPresent(t *testing.T, present bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	ok := false
	_ = (&pcsc.Monitor{}).Run(ctx, func(s reader.Snapshot) {
		if r, found := s.Reader(daemon.ReaderName(0)); found && r.CardPresent == present {
			ok = true
			cancel()
		}
	})
	if !ok {
		t.Fatalf("reader never showed present=%v", present)
	}
}

type tapJSON struct {
	Valid     bool   `json:"valid"`
	Outcome   string `json:"outcome"`
	Purpose   string `json:"purpose"`
	Transport string `json:"transport"`
	Documents []struct {
		DocType  string                    `json:"docType"`
		Elements map[string]map[string]any `json:"elements"`
	} `json:"documents"`
}

func tap(t *testing.T, args ...string) (int, tapJSON, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	cmd := taimen(ctx, append([]string{"tap"}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	var out tapJSON
	if stdout.Len() > 0 && strings.HasPrefix(strings.TrimSpace(stdout.String()), "{") {
		if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
			t.Fatalf("tap printed no JSON: %v\n%s", err, stdout.String())
		}
	}
	return code, out, stdout.String() + stderr.String()
}

func names(out tapJSON) map[string]bool {
	m := map[string]bool{}
	for _, d := range out.Documents {
		for _, els := range d.Elements {
			for n := range els {
				m[n] = true
			}
		}
	}
	return m
}

func TestTapThroughPCSC(t *testing.T) {
	tests := []struct {
		name    string
		sim     []string
		purpose string
		want    []string
		never   []string
		exit    int
		outcome string
		valid   bool
	}{
		{"age check holds an age_over element and no name", []string{"--doc", "mnc"}, "age-check",
			[]string{"age_over_20", "portrait"}, []string{"full_name_unicode", "resident_address_unicode", "individual_number_unicode"}, 0, "verified", true},
		{"account opening gives name and address", []string{"--doc", "mnc", "--handover", "negotiated"}, "account-opening",
			[]string{"full_name_unicode", "resident_address_unicode", "birth_date_unicode", "portrait"}, []string{"age_over_20", "individual_number_unicode"}, 0, "verified", true},
		{"apple-like handover, mDL, rental", []string{"--doc", "mdl", "--handover", "apple"}, "rental",
			[]string{"family_name", "resident_address", "driving_privileges"}, []string{"document_number"}, 0, "verified", true},
		{"declined on the phone", []string{"--consent", "decline"}, "age-check", nil, nil, 1, "declined", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			trustFile := simWallet(t, tc.sim...)
			code, out, text := tap(t, "--purpose", tc.purpose, "--trust", trustFile, "--json", "--timeout", "20s")
			if code != tc.exit || out.Outcome != tc.outcome || out.Valid != tc.valid {
				t.Fatalf("exit %d outcome %q valid %v; want %d %q %v\n%s", code, out.Outcome, out.Valid, tc.exit, tc.outcome, tc.valid, text)
			}
			got := names(out)
			for _, n := range tc.want {
				if !got[n] {
					t.Errorf("missing %s in %v", n, got)
				}
			}
			for _, n := range tc.never {
				if got[n] {
					t.Errorf("%s was shown for %s", n, tc.purpose)
				}
			}
		})
	}
}

func TestTapNothingTapped(t *testing.T) {
	code, _, text := tap(t, "--purpose", "age-check", "--trust", filepath.Join("..", "..", "..", "..", "shared", "vectors", "iso18013-5-annexD", "annexd_iaca_root.pem"), "--timeout", "300ms")
	if code != cli.ExitUsage || !strings.Contains(text, "nothing was tapped") || !strings.Contains(text, "hint:") {
		t.Fatalf("exit %d:\n%s", code, text)
	}
}

func TestTapUntrustedIssuer(t *testing.T) {
	simWallet(t, "--doc", "mnc")
	other := filepath.Join("..", "..", "..", "..", "shared", "vectors", "iso18013-5-annexD", "annexd_iaca_root.pem")
	code, out, text := tap(t, "--purpose", "age-check", "--trust", other, "--json", "--timeout", "20s")
	if code != cli.ExitInvalid || out.Valid || out.Outcome != "verified" {
		t.Fatalf("exit %d valid %v outcome %q\n%s", code, out.Valid, out.Outcome, text)
	}
}

func TestTapHumanSummary(t *testing.T) {
	trustFile := simWallet(t, "--doc", "mnc")
	code, _, text := tap(t, "--purpose", "age-check", "--trust", trustFile, "--timeout", "20s")
	for _, want := range []string{"valid: Age check", "check issuer_chain", "age_over_20 = true", "bytes of image data>"} {
		if !strings.Contains(text, want) {
			t.Errorf("summary lacks %q:\n%s", want, text)
		}
	}
	if code != cli.ExitValid {
		t.Fatalf("exit %d", code)
	}
}
