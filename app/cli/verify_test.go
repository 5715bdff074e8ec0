package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"taimen/internal/testvec"
)

// annexD returns the path of a public Annex D vector in ../shared (beside
// the repository root); tests read vectors there and never copy them.
func annexD(t *testing.T, name string) string {
	t.Helper()
	return testvec.Path(t, "iso18013-5-annexD", name)
}

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(args, &Env{Stdout: &out, Stderr: &errb, Stdin: strings.NewReader("")})
	return code, out.String(), errb.String()
}

type jsonVerdict struct {
	Valid     bool     `json:"valid"`
	Warnings  []string `json:"warnings"`
	Documents []struct {
		DocType string `json:"docType"`
		Checks  []struct {
			ID, Status, Code string
		} `json:"checks"`
		Elements map[string]map[string]any `json:"elements"`
	} `json:"documents"`
	Timing *struct {
		PerVerifyUS float64 `json:"per_verify_us"`
	} `json:"timing"`
}

func decodeVerdict(t *testing.T, out string) jsonVerdict {
	t.Helper()
	var v jsonVerdict
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out)
	}
	return v
}

func TestVerifyAnnexD(t *testing.T) {
	iaca := annexD(t, "annexd_iaca_root.pem")
	resp := annexD(t, "annexd_device_response.cbor")
	tr := annexD(t, "annexd_session_transcript_bytes.cbor")
	key := annexD(t, "annexd_ephemeral_reader_key_d.hex")

	tests := []struct {
		name      string
		args      []string
		exit      int
		valid     bool
		checkID   string // a document check to look at
		status    string
		timingSet bool
	}{
		{"valid at 2021-04-01", []string{"--trust", iaca, "--at", "2021-04-01T00:00:00Z", "--transcript", tr, "--reader-key", key, resp}, 0, true, "device_auth", "valid", false},
		{"expired today, signatures still valid", []string{"--trust", iaca, "--transcript", tr, "--reader-key", key, resp}, 1, false, "issuer_signature", "valid", false},
		{"expired today: validity invalid", []string{"--trust", iaca, "--transcript", tr, "--reader-key", key, resp}, 1, false, "validity", "invalid", false},
		{"hex input and repeat", []string{"--trust", iaca, "--at", "2021-04-01T00:00:00Z", "--transcript", annexD(t, "annexd_session_transcript_bytes.hex"), "--reader-key", key, "--repeat", "3", annexD(t, "annexd_device_response.hex")}, 0, true, "digests", "valid", true},
		{"wrong root", []string{"--trust", annexD(t, "annexd_reader_root.pem"), "--at", "2021-04-01T00:00:00Z", "--transcript", tr, "--reader-key", key, resp}, 1, false, "issuer_chain", "invalid", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := runCLI(t, append([]string{"verify"}, tc.args...)...)
			if code != tc.exit {
				t.Fatalf("exit %d, want %d; stderr %s", code, tc.exit, stderr)
			}
			v := decodeVerdict(t, out)
			if v.Valid != tc.valid || len(v.Documents) != 1 {
				t.Fatalf("valid=%v documents=%d", v.Valid, len(v.Documents))
			}
			if v.Documents[0].DocType != "org.iso.18013.5.1.mDL" {
				t.Fatalf("docType %q", v.Documents[0].DocType)
			}
			found := false
			for _, c := range v.Documents[0].Checks {
				if c.ID == tc.checkID {
					found = true
					if c.Status != tc.status {
						t.Fatalf("check %s: %s (%s), want %s", c.ID, c.Status, c.Code, tc.status)
					}
				}
			}
			if !found {
				t.Fatalf("no check %s in %+v", tc.checkID, v.Documents[0].Checks)
			}
			if tc.timingSet != (v.Timing != nil) || (v.Timing != nil && v.Timing.PerVerifyUS <= 0) {
				t.Fatalf("timing %+v", v.Timing)
			}
		})
	}
}

func TestVerifyBadInputIsAVerdict(t *testing.T) {
	iaca := annexD(t, "annexd_iaca_root.pem")
	raw, err := os.ReadFile(annexD(t, "annexd_device_response.cbor"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, data := range map[string][]byte{
		"truncated": raw[:len(raw)/2],
		"garbage":   []byte{0xff, 0x00, 0x13},
		"empty":     {},
	} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, data, 0o600); err != nil {
				t.Fatal(err)
			}
			code, out, stderr := runCLI(t, "verify", "--trust", iaca, p)
			if code != ExitInvalid {
				t.Fatalf("exit %d, want 1; stderr %s", code, stderr)
			}
			if v := decodeVerdict(t, out); v.Valid {
				t.Fatal("malformed input judged valid")
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	iaca := annexD(t, "annexd_iaca_root.pem")
	resp := annexD(t, "annexd_device_response.cbor")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no command", nil, "usage"},
		{"unknown command", []string{"frobnicate"}, "unknown command"},
		{"no response", []string{"verify", "--trust", iaca}, "no response"},
		{"no trust", []string{"verify", resp}, "no trust anchors"},
		{"bad time", []string{"verify", "--trust", iaca, "--at", "yesterday", resp}, "rfc 3339"},
		{"missing file", []string{"verify", "--trust", iaca, filepath.Join(t.TempDir(), "nope")}, "no such file"},
		{"bad trust file", []string{"verify", "--trust", resp, resp}, "trust anchors"},
		{"bad reader key", []string{"verify", "--trust", iaca, "--reader-key", iaca, resp}, "reader key"},
		{"unknown flag", []string{"verify", "--frob", resp}, "flag provided but not defined"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := runCLI(t, tc.args...)
			if code != ExitUsage {
				t.Fatalf("exit %d, want 2", code)
			}
			if out != "" {
				t.Fatalf("stdout not empty on a usage error: %q", out)
			}
			if !strings.Contains(strings.ToLower(stderr), strings.ToLower(tc.want)) {
				t.Fatalf("stderr %q does not mention %q", stderr, tc.want)
			}
			if tc.args != nil && !strings.HasPrefix(stderr, "taimen: ") {
				t.Fatalf("stderr %q lacks the taimen: prefix", stderr)
			}
		})
	}
}

func TestParseReaderKey(t *testing.T) {
	raw, err := os.ReadFile(annexD(t, "annexd_ephemeral_reader_key_d.hex"))
	if err != nil {
		t.Fatal(err)
	}
	k, err := parseReaderKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := os.ReadFile(annexD(t, "annexd_ereader_key_pub.hex"))
	if err != nil {
		t.Fatal(err)
	}
	// The public COSE_Key holds x; the derived key must have the same x.
	x := decodeMaybeHex(pub)
	if !bytes.Contains(x, k.PublicKey().Bytes()[1:33]) {
		t.Fatal("derived public key does not match annexd_ereader_key_pub")
	}
	for _, bad := range []string{"", "zz", "0102", strings.Repeat("ab", 40)} {
		if _, err := parseReaderKey([]byte(bad)); err == nil {
			t.Fatalf("parseReaderKey(%q) accepted", bad)
		}
	}
}
