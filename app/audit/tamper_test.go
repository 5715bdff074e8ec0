package audit

import (
	"database/sql"
	"encoding/hex"
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// TestTamper edits the SQLite file with raw SQL, as someone with the file
// would, and expects Verify to name the first broken entry. The log has 10
// entries, each with one value, checkpoints at 4 and 8 and the head (10).
func TestTamper(t *testing.T) {
	rewrite := func(seq int, edit func(e *Entry)) func(t *testing.T, db *sql.DB) {
		// Re-encode an edited entry canonically and recompute its hash,
		// as an attacker who knows the format would.
		return func(t *testing.T, db *sql.DB) {
			var body []byte
			if err := db.QueryRow(`SELECT body FROM audit_entries WHERE seq = ?`, seq).Scan(&body); err != nil {
				t.Fatal(err)
			}
			e, err := DecodeEntry(body)
			if err != nil {
				t.Fatal(err)
			}
			edit(e)
			nb, err := EncodeEntry(e)
			if err != nil {
				t.Fatal(err)
			}
			exec1(t, db, `UPDATE audit_entries SET body = ?, hash = ? WHERE seq = ?`, nb, EntryHash(nb), seq)
		}
	}
	sqlEdit := func(q string, args ...any) func(t *testing.T, db *sql.DB) {
		return func(t *testing.T, db *sql.DB) { exec1(t, db, q, args...) }
	}
	cases := []struct {
		name string
		edit func(t *testing.T, db *sql.DB)
		seq  uint64
		code string
	}{
		{"flip a body byte", sqlEdit(`UPDATE audit_entries SET body = substr(body, 1, 40) || x'00' || substr(body, 42) WHERE seq = 3`), 3, BreakHash},
		{"edit the hash column", sqlEdit(`UPDATE audit_entries SET hash = zeroblob(32) WHERE seq = 6`), 6, BreakHash},
		{"edit the seq column", sqlEdit(`UPDATE audit_entries SET seq = 100 WHERE seq = 5`), 5, BreakMissing},
		{"renumber to before the start", sqlEdit(`UPDATE audit_entries SET seq = 0 WHERE seq = 5`), 5, BreakOrder},
		{"edit the terminal_id column", sqlEdit(`UPDATE audit_entries SET terminal_id = 'T-999' WHERE seq = 7`), 7, BreakMissing},
		{"rewrite the operator, hash recomputed", rewrite(3, func(e *Entry) { e.Operator = "someone-else" }), 3, BreakPrev},
		{"rewrite the verdict of the newest, hash recomputed", rewrite(10, func(e *Entry) { e.Verdict = "invalid" }), 10, BreakCheckpoint},
		{"rewrite the confirmation of a checkpointed entry", rewrite(8, func(e *Entry) { e.Confirmation = ConfirmDoesNotMatch }), 8, BreakCheckpoint},
		{"rewrite the first entry's prev", rewrite(1, func(e *Entry) { e.Prev[0] ^= 1 }), 1, BreakPrev},
		{"delete an entry", sqlEdit(`DELETE FROM audit_entries WHERE seq = 4`), 4, BreakMissing},
		{"swap two entries", func(t *testing.T, db *sql.DB) {
			exec1(t, db, `UPDATE audit_entries SET seq = -3 WHERE seq = 3`)
			exec1(t, db, `UPDATE audit_entries SET seq = 3 WHERE seq = 5`)
			exec1(t, db, `UPDATE audit_entries SET seq = 5 WHERE seq = -3`)
		}, 3, BreakOrder},
		{"swap two bodies and hashes", func(t *testing.T, db *sql.DB) {
			exec1(t, db, `UPDATE audit_entries SET body = (SELECT body FROM audit_entries e WHERE e.seq = 9 - audit_entries.seq + 6), hash = (SELECT hash FROM audit_entries e WHERE e.seq = 9 - audit_entries.seq + 6) WHERE seq IN (6, 9)`)
		}, 6, BreakOrder},
		{"truncate the tail", sqlEdit(`DELETE FROM audit_entries WHERE seq >= 9`), 9, BreakTruncated},
		{"truncate the tail with its values", func(t *testing.T, db *sql.DB) {
			exec1(t, db, `DELETE FROM audit_entries WHERE seq >= 7`)
			exec1(t, db, `DELETE FROM audit_values WHERE seq >= 7`)
		}, 7, BreakTruncated},
		{"delete the newest entry and its checkpoint", func(t *testing.T, db *sql.DB) {
			exec1(t, db, `DELETE FROM audit_entries WHERE seq = 10`)
			exec1(t, db, `DELETE FROM audit_values WHERE seq = 10`)
			exec1(t, db, `DELETE FROM audit_checkpoints WHERE seq = 10`)
		}, 9, BreakUncovered},
		{"append a forged entry without the key", func(t *testing.T, db *sql.DB) {
			var h []byte
			if err := db.QueryRow(`SELECT hash FROM audit_entries WHERE seq = 10`).Scan(&h); err != nil {
				t.Fatal(err)
			}
			r := record(0, "")
			e := &Entry{Version: 1, Seq: 11, Prev: h, Time: 1, Terminal: "T-001", Purpose: r.Purpose, Checks: r.Checks, Documents: r.Documents, Verdict: r.Verdict, Confirmation: r.Confirmation, Retained: []Commitment{}}
			b, err := EncodeEntry(e)
			if err != nil {
				t.Fatal(err)
			}
			exec1(t, db, `INSERT INTO audit_entries (terminal_id, seq, hash, body) VALUES ('T-001', 11, ?, ?)`, EntryHash(b), b)
		}, 11, BreakUncovered},
		{"edit a value", sqlEdit(`UPDATE audit_values SET value = '"SATO"' WHERE seq = 2`), 2, BreakValue},
		{"edit a value's salt", sqlEdit(`UPDATE audit_values SET salt = zeroblob(16) WHERE seq = 5`), 5, BreakValue},
		{"extend a retention period", sqlEdit(`UPDATE audit_values SET expires_at = expires_at + 1 WHERE seq = 6`), 6, BreakValue},
		{"purge a value early", sqlEdit(`UPDATE audit_values SET value = NULL, salt = NULL, purged_at = 1 WHERE seq = 4`), 4, BreakValue},
		{"delete a value row", sqlEdit(`DELETE FROM audit_values WHERE seq = 8`), 8, BreakValueMissing},
		{"insert a value row", sqlEdit(`INSERT INTO audit_values (terminal_id, seq, idx, expires_at, salt, value) VALUES ('T-001', 3, 1, 0, x'00', '"X"')`), 3, BreakValueExtra},
		{"edit a checkpoint signature", sqlEdit(`UPDATE audit_checkpoints SET signature = substr(signature, 1, 10) || x'ff' || substr(signature, 12) WHERE seq = 4`), 4, BreakCheckpoint},
		{"edit the head checkpoint signature", sqlEdit(`UPDATE audit_checkpoints SET signature = zeroblob(64) WHERE seq = 10`), 10, BreakCheckpoint},
		{"edit a checkpoint time", sqlEdit(`UPDATE audit_checkpoints SET signed_at = signed_at + 1 WHERE seq = 8`), 8, BreakCheckpoint},
		{"edit a checkpoint head", sqlEdit(`UPDATE audit_checkpoints SET head = zeroblob(32) WHERE seq = 8`), 8, BreakCheckpoint},
		{"replace the terminal key", sqlEdit(`UPDATE audit_terminals SET public_key = zeroblob(32)`), 4, BreakCheckpoint},
		{"rename the terminal", sqlEdit(`UPDATE audit_terminals SET terminal_id = 'T-002'`), 0, BreakUnknownTermnal},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, path := newLog(t, 4)
			appendN(t, l, 10, "YAMADA")
			if rep := verifyDSN(t, path, VerifyOptions{}); !rep.Intact() {
				t.Fatalf("before tampering: %+v", rep.First())
			}
			tc.edit(t, raw(t, path))
			rep := verifyDSN(t, path, VerifyOptions{})
			b := rep.First()
			if b == nil {
				t.Fatal("tampering not detected")
			}
			if b.Seq != tc.seq || b.Code != tc.code {
				t.Fatalf("break at %d (%s: %s), want %d (%s)", b.Seq, b.Code, b.Reason, tc.seq, tc.code)
			}
		})
	}
}

func exec1(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	res, err := db.Exec(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		t.Fatalf("%s: no row changed", q)
	}
}

// TestSQLiteShellEdit edits one byte of a stored entry with the real
// sqlite3 shell (Debian package sqlite3).
func TestSQLiteShellEdit(t *testing.T) {
	shell, err := exec.LookPath("sqlite3")
	if err != nil {
		t.Fatal("sqlite3 shell not installed (apt-get install sqlite3)")
	}
	l, path := newLog(t, 4)
	appendN(t, l, 6, "")
	l.Close()
	for _, seq := range []int{1, 5, 6} {
		var body []byte
		if err := raw(t, path).QueryRow(`SELECT body FROM audit_entries WHERE seq = ?`, seq).Scan(&body); err != nil {
			t.Fatal(err)
		}
		// Change one letter of the operator's name ("clerk-…").
		i := strings.Index(string(body), "clerk-")
		edited := append([]byte(nil), body...)
		edited[i] = 'C'
		q := fmt.Sprintf("UPDATE audit_entries SET body = x'%s' WHERE seq = %d;", hex.EncodeToString(edited), seq)
		if out, err := exec.Command(shell, path, q).CombinedOutput(); err != nil {
			t.Fatalf("sqlite3: %v: %s", err, out)
		}
		b := verifyDSN(t, path, VerifyOptions{}).First()
		if b == nil || b.Seq != uint64(seq) || b.Code != BreakHash {
			t.Fatalf("entry %d edited with sqlite3: break %+v", seq, b)
		}
		q = fmt.Sprintf("UPDATE audit_entries SET body = x'%s' WHERE seq = %d;", hex.EncodeToString(body), seq)
		if out, err := exec.Command(shell, path, q).CombinedOutput(); err != nil {
			t.Fatalf("sqlite3: %v: %s", err, out)
		}
		if b := verifyDSN(t, path, VerifyOptions{}).First(); b != nil {
			t.Fatalf("restored entry %d still broken: %+v", seq, b)
		}
	}
}
