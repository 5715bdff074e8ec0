package audit

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite entry/testdata/entry_*.cbor from a fresh log")

// seedEntries are stored entry bytes from a real log: the fuzz seeds.
func seedEntries(t testing.TB) [][]byte {
	t.Helper()
	l, path := newLog(t, 4)
	appendN(t, l, 2, "YAMADA")
	if _, err := l.Append(context.Background(), record(2, "")); err != nil {
		t.Fatal(err)
	}
	r := record(3, "山田")
	r.Documents = append(r.Documents, Document{DocType: "org.iso.23220.1.jp.mnc", Requested: []Requested{}, Disclosed: []ElementRef{}, Checks: []CheckRecord{}, Status: "invalid", SubjectKey: make([]byte, 32)})
	r.Values = append(r.Values, Value{Doc: 1, Namespace: "org.iso.23220.1.jp", Element: "full_name_unicode", Data: []byte(`"山田 花子"`), Keep: 1})
	if _, err := l.Append(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	rows, err := raw(t, path).Query(`SELECT body FROM audit_entries ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var b []byte
		rows.Scan(&b)
		out = append(out, b)
	}
	return out
}

// TestWriteSeeds writes entries of a real log to entry/testdata (the
// fuzz seeds of package entry) with -update, and otherwise checks that
// the current log still writes exactly those bytes.
func TestWriteSeeds(t *testing.T) {
	for i, b := range seedEntries(t) {
		if _, err := DecodeEntry(b); err != nil {
			t.Fatalf("entry %d: %v", i+1, err)
		}
		name := filepath.Join("entry", "testdata", fmt.Sprintf("entry_%d.cbor", i+1))
		if *update {
			if err := os.WriteFile(name, b, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		// Byte-exact: the same records, clock and randomness must give
		// the same stored bytes, or the encoding changed without a new
		// EntryVersion.
		want, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, want) {
			t.Fatalf("entry %d encodes differently from %s", i+1, name)
		}
	}
}
