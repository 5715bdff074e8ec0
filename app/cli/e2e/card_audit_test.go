package e2e

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const simCodeB = "90010120341234" // birth date 900101, expiry 2034, security code 1234

func TestTapMyNumberCard(t *testing.T) {
	trustFile := simulator(t, "mynacard", "--code-b", simCodeB, "--my-number", "123456789018")
	code, out, text := tap(t, "--purpose", "account-opening", "--code-b", simCodeB, "--trust", trustFile, "--json", "--timeout", "20s")
	if code != 0 || !out.Valid {
		t.Fatalf("exit %d valid %v\n%s", code, out.Valid, text)
	}
	got := names(out)
	for _, n := range []string{"name", "address", "birth_date", "portrait"} {
		if !got[n] {
			t.Errorf("missing %s in %v", n, got)
		}
	}
	if strings.Contains(text, "123456789018") {
		t.Fatal("the My Number appears in the output")
	}
}

func TestTapMyNumberCardWrongCodeNeverLocks(t *testing.T) {
	trust := simulator(t, "mynacard", "--code-b", simCodeB, "--tries", "3")
	wrong := "90010120349999"
	var last string
	for i := range 3 {
		code, _, text := tap(t, "--purpose", "age-check", "--code-b", wrong, "--trust", trust, "--timeout", "20s")
		if code != 2 {
			t.Fatalf("wrong code %d: exit %d\n%s", i+1, code, text)
		}
		last = text
	}
	if !strings.Contains(last, "only 1 try") || !strings.Contains(last, "--allow-last-try") {
		t.Fatalf("the third attempt did not stop before the last try:\n%s", last)
	}
	// The card is not locked: the right code, with the clerk's explicit
	// permission for the last try, still reads it.
	code, out, text := tap(t, "--purpose", "age-check", "--code-b", simCodeB, "--allow-last-try", "--trust", trust, "--json", "--timeout", "20s")
	if code != 0 || !out.Valid {
		t.Fatalf("right code on the last try: exit %d\n%s", code, text)
	}
}

func TestTapWritesAuditAndNoNameUnderAgeCheck(t *testing.T) {
	t.Run("control: account opening keeps the name", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "audit.sqlite")
		trustFile := simWallet(t, "--doc", "mnc")
		if code, _, text := tap(t, "--purpose", "account-opening", "--trust", trustFile, "--db", db, "--timeout", "20s"); code != 0 {
			t.Fatalf("exit %d\n%s", code, text)
		}
		found := false
		for _, f := range []string{db, db + "-wal"} {
			b, _ := os.ReadFile(f)
			found = found || bytes.Contains(b, []byte("山田"))
		}
		if !found {
			t.Fatal("account opening kept no name: the search below would prove nothing")
		}
	})
	db := filepath.Join(t.TempDir(), "audit.sqlite")
	trustFile := simWallet(t, "--doc", "mnc")
	for _, p := range []string{"age-check", "age-check"} {
		code, _, text := tap(t, "--purpose", p, "--trust", trustFile, "--db", db, "--json", "--timeout", "20s")
		if code != 0 {
			t.Fatalf("tap %s: exit %d\n%s", p, code, text)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	cmd := taimen(ctx, "audit", "verify", "--db", db)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("audit verify: %v\n%s", err, out.String())
	}
	// No name, address or portrait of the simulated person anywhere in
	// the database files after age checks.
	for _, f := range []string{db, db + "-wal", db + "-shm"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		// The simulated person of verify/mdoc/mdoctest (MNCPerson).
		for _, needle := range []string{"山田", "花子", "見本県架空市"} {
			if bytes.Contains(b, []byte(needle)) {
				t.Fatalf("%s holds %q after age checks", filepath.Base(f), needle)
			}
		}
		if bytes.Contains(b, []byte{0xff, 0xd8, 0xff}) {
			t.Fatalf("%s holds JPEG bytes after age checks", filepath.Base(f))
		}
	}
}
