package trust

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"taimen/verify"
	"taimen/verify/trust/trusttest"
)

func errorsIs(err, target error) bool { return errors.Is(err, target) }

func TestLoad(t *testing.T) {
	a := must(trusttest.NewIACA("load a"))
	b := must(trusttest.NewIACA("load b"))
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	folder := filepath.Join(dir, "folder")
	if err := os.Mkdir(folder, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"a.der": a.DER, "b.CRT": trusttest.PEM(b), "notes.txt": []byte("not a cert")} {
		if err := os.WriteFile(filepath.Join(folder, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o700); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		paths   []string
		want    int
		wantErr error // nil: success; errAny: any error
	}{
		{"PEM file", []string{write("a.pem", trusttest.PEM(a))}, 1, nil},
		{"DER file", []string{write("a.der", a.DER)}, 1, nil},
		{"PEM bundle", []string{write("bundle.pem", append(trusttest.PEM(a, b), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"...))}, 2, nil},
		{"folder", []string{folder}, 2, nil},
		{"Annex D PEM and DER", []string{annexD(t, "annexd_iaca_root.pem"), annexD(t, "annexd_ds_cert.der")}, 2, nil},
		{"garbage file", []string{write("bad.der", []byte{1, 2, 3})}, 0, verify.ErrMalformed},
		{"PEM without certificates", []string{write("key.pem", []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))}, 0, verify.ErrMalformed},
		{"bad PEM certificate", []string{write("badcert.pem", []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))}, 0, verify.ErrMalformed},
		{"missing file", []string{filepath.Join(dir, "nope.pem")}, 0, os.ErrNotExist},
		{"empty folder", []string{empty}, 0, errAny},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			as, err := Load(IACA, tc.paths...)
			switch {
			case tc.wantErr == nil && err != nil:
				t.Fatal(err)
			case tc.wantErr == errAny && err == nil, tc.wantErr != nil && tc.wantErr != errAny && !errors.Is(err, tc.wantErr):
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if len(as) != tc.want {
				t.Fatalf("got %d anchors, want %d", len(as), tc.want)
			}
			for _, a := range as {
				if a.Purpose != IACA || a.Source == "" || a.Fingerprint == ([32]byte{}) {
					t.Errorf("anchor %+v", a)
				}
			}
		})
	}
}

var errAny = errors.New("any error")

func TestStore(t *testing.T) {
	a := must(trusttest.NewIACA("store a"))
	b := must(trusttest.NewIACA("store b"))
	r := must(trusttest.NewReaderRoot("store r"))
	s := NewStore(anchorOf(a, IACA), anchorOf(a, IACA), anchorOf(r, ReaderCA), Anchor{Purpose: IACA})
	if n := len(s.Anchors(IACA)); n != 1 {
		t.Fatalf("IACA anchors = %d, want 1 (duplicates and nil certs dropped)", n)
	}
	if n := len(s.Anchors(ReaderCA)); n != 1 {
		t.Fatalf("reader anchors = %d, want 1", n)
	}
	vb := anchorOf(b, IACA)
	vb.DocTypes = []string{"org.iso.23220.1.jp.mnc"}
	s2 := s.With(vb)
	if len(s.Anchors(IACA)) != 1 || len(s2.Anchors(IACA)) != 2 {
		t.Fatal("With must return a new store and leave the old one alone")
	}
	ds := must(b.IssueDS("store"))
	res := s2.VerifyDocumentSigner([][]byte{ds.DER}, testTime)
	wantChain(t, res, CodeOK)
	if !res.AllowsDocType("org.iso.23220.1.jp.mnc") || res.AllowsDocType("org.iso.18013.5.1.mDL") {
		t.Fatal("the anchor's docTypes must limit what it vouches for")
	}
	var nilAnchor *Anchor
	if nilAnchor.AllowsDocType("x") {
		t.Fatal("a nil anchor allows nothing")
	}
	var nilStore *Store
	wantChain(t, nilStore.VerifyDocumentSigner([][]byte{ds.DER}, testTime), CodeNoTrustedAnchor)
}

func TestStoreAll(t *testing.T) {
	a := must(trusttest.NewIACA("all a"))
	r := must(trusttest.NewReaderRoot("all r"))
	s := NewStore(anchorOf(a, IACA), anchorOf(r, ReaderCA))
	all := s.All()
	if len(all) != 2 || all[0].Purpose != IACA || all[1].Purpose != ReaderCA {
		t.Fatalf("All = %+v", all)
	}
	if len(s.With(anchorOf(r, JLIS)).All()) != 3 {
		t.Fatal("the same certificate may be an anchor of another purpose")
	}
}
