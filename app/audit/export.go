package audit

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Format is an export format.
type Format string

// Export formats.
const (
	FormatCSV  Format = "csv"
	FormatJSON Format = "json"
)

// ExportOptions configure [Store.Export].
type ExportOptions struct {
	Format Format
	// Japanese uses Japanese column names (CSV).
	Japanese bool
}

// ExportedEntry is one entry as exported: the entry, its hash and its
// retained values (or the fact that they were purged).
type ExportedEntry struct {
	Hash Hex `json:"hash"`
	*Entry
	Values []ExportedValue `json:"values"`
}

// ExportedValue is one retained value.
type ExportedValue struct {
	Namespace string          `json:"namespace"`
	Element   string          `json:"element"`
	Until     Millis          `json:"until"`
	Value     json.RawMessage `json:"value,omitempty"`
	Purged    bool            `json:"purged,omitempty"`
	PurgedAt  *Millis         `json:"purgedAt,omitempty"`
}

var csvColumns = []struct{ en, ja string }{
	{"terminal", "端末ID"},
	{"seq", "連番"},
	{"time", "日時(UTC)"},
	{"operator", "担当者"},
	{"purpose", "利用目的"},
	{"legal_basis", "法的根拠"},
	{"verdict", "検証結果"},
	{"confirmation", "目視確認"},
	{"doc_type", "書類種別"},
	{"issuer", "発行者"},
	{"iaca_fingerprint", "発行者ルート証明書指紋"},
	{"requested", "要求項目(保存意図)"},
	{"disclosed", "提供項目"},
	{"checks", "検証項目"},
	{"subject_key", "書類識別ハッシュ"},
	{"retained_values", "保存値"},
	{"entry_hash", "記録ハッシュ"},
}

// Export writes every entry of every terminal, in sequence order,
// streaming: CSV in UTF-8 with a byte order mark (so that Excel reads
// Japanese correctly), one row per entry, several documents joined with
// " | "; or a JSON array of [ExportedEntry]. Export does not verify:
// run Verify first.
func (s *Store) Export(ctx context.Context, w io.Writer, opts ExportOptions) error {
	var q querier = s.db
	if s.d == dialectSQLite {
		tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return storageErr("export", err)
		}
		defer tx.Rollback()
		q = tx
	}
	ids, _, err := terminalsOf(ctx, q)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	var emit func(*ExportedEntry) error
	var finish func() error
	switch opts.Format {
	case FormatJSON, "":
		if opts.Format == "" {
			opts.Format = FormatJSON
		}
		first := true
		bw.WriteString("[")
		emit = func(x *ExportedEntry) error {
			b, err := json.Marshal(x)
			if err != nil {
				return err
			}
			if !first {
				bw.WriteString(",")
			}
			first = false
			bw.WriteString("\n")
			_, err = bw.Write(b)
			return err
		}
		finish = func() error { _, err := bw.WriteString("\n]\n"); return err }
	case FormatCSV:
		bw.WriteString("\ufeff")
		cw := csv.NewWriter(bw)
		cw.UseCRLF = true // what spreadsheets on Windows expect
		head := make([]string, len(csvColumns))
		for i, c := range csvColumns {
			head[i] = c.en
			if opts.Japanese {
				head[i] = c.ja
			}
		}
		if err := cw.Write(head); err != nil {
			return err
		}
		emit = func(x *ExportedEntry) error { return cw.Write(csvRow(x)) }
		finish = func() error { cw.Flush(); return cw.Error() }
	default:
		return fmt.Errorf("audit: export format %q: %w", opts.Format, ErrInvalidRecord)
	}
	for _, id := range ids {
		if err := exportTerminal(ctx, q, s.d, id, emit); err != nil {
			return err
		}
	}
	if err := finish(); err != nil {
		return storageErr("export", err)
	}
	return storageErr("export", bw.Flush())
}

func exportTerminal(ctx context.Context, q querier, d dialect, id string, emit func(*ExportedEntry) error) error {
	es, vs, cs, err := chainCursors(ctx, q, d, id)
	if err != nil {
		return err
	}
	cs.close()
	defer es.close()
	defer vs.close()
	for ; es.ok; es.next() {
		e, err := DecodeEntry(es.cur.body)
		if err != nil {
			return fmt.Errorf("audit: export entry %d of %s: %w (run verify)", es.cur.seq, id, err)
		}
		x := &ExportedEntry{Hash: es.cur.hash, Entry: e, Values: []ExportedValue{}}
		for ; vs.ok && vs.cur.seq <= es.cur.seq; vs.next() {
			v := vs.cur
			if v.seq < es.cur.seq || v.idx < 0 || v.idx >= int64(len(e.Retained)) {
				continue
			}
			c := e.Retained[v.idx]
			ev := ExportedValue{Namespace: c.Namespace, Element: c.Element, Until: c.Until}
			if v.purged.Valid {
				at := Millis(v.purged.Int64)
				ev.Purged, ev.PurgedAt = true, &at
			} else if json.Valid(v.value) {
				ev.Value = v.value
			}
			x.Values = append(x.Values, ev)
		}
		if err := emit(x); err != nil {
			return storageErr("export", err)
		}
	}
	if es.err != nil {
		return es.err
	}
	return vs.err
}

func csvRow(x *ExportedEntry) []string {
	var docTypes, issuers, iacas, req, disc, checks, subjects, values []string
	for _, c := range x.Checks {
		checks = append(checks, fmt.Sprintf("%s=%s/%s", c.ID, c.Status, c.Code))
	}
	for _, d := range x.Documents {
		docTypes = append(docTypes, d.DocType)
		issuers = append(issuers, strings.Trim(d.Issuer.Country+" "+d.Issuer.Authority, " "))
		iacas = append(iacas, d.Issuer.IACAFingerprint)
		var r, ds, cs []string
		for _, e := range d.Requested {
			keep := ""
			if e.IntentToRetain {
				keep = "(retain)"
			}
			r = append(r, e.Namespace+"/"+e.Element+keep)
		}
		for _, e := range d.Disclosed {
			ds = append(ds, e.Namespace+"/"+e.Element)
		}
		for _, c := range d.Checks {
			cs = append(cs, fmt.Sprintf("%s=%s/%s", c.ID, c.Status, c.Code))
		}
		req, disc = append(req, strings.Join(r, " ")), append(disc, strings.Join(ds, " "))
		checks = append(checks, cs...)
		subjects = append(subjects, hex.EncodeToString(d.SubjectKey))
	}
	for _, v := range x.Values {
		switch {
		case v.Purged:
			values = append(values, v.Element+"=(purged)")
		default:
			var s string
			if json.Unmarshal(v.Value, &s) != nil {
				s = string(v.Value)
			}
			values = append(values, v.Element+"="+s)
		}
	}
	j := func(ss []string) string { return strings.Join(ss, " | ") }
	row := []string{
		x.Terminal, fmt.Sprint(x.Seq), x.Time.Time().Format("2006-01-02T15:04:05.000Z07:00"), x.Operator, x.Purpose.ID, x.Purpose.LegalBasis,
		x.Verdict, string(x.Confirmation), j(docTypes), j(issuers), j(iacas), j(req), j(disc), strings.Join(checks, "; "),
		j(subjects), strings.Join(values, "; "), hex.EncodeToString(x.Hash),
	}
	for i, c := range row {
		row[i] = defuse(c)
	}
	return row
}

// defuse keeps a spreadsheet from running a cell as a formula (CSV
// injection): text that a spreadsheet would take for one gets a leading
// apostrophe, which spreadsheets show as text.
func defuse(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
