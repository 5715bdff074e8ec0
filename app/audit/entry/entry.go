// Package entry is the audit entry and its canonical encoding, apart from
// storage so that its decoder of stored bytes can be fuzzed on its own.
package entry

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"taimen/verify"
)

// ErrMalformed: stored entry bytes are not a canonical version-1 entry
// encoding.
var ErrMalformed = errors.New("malformed audit entry")

// Version is the version of the canonical entry encoding. Version 1 is
// the core deterministic CBOR encoding (RFC 8949 §4.2.1, as written by
// verify.Marshal) of the [Entry] map with the text keys of its struct tags.
// An entry's stored bytes are hashed as stored; decoding re-encodes the
// decoded entry and rejects bytes that differ, so there is exactly one
// accepted encoding per entry and nothing can hide in unknown fields,
// non-minimal integers or reordered keys.
const Version = 1

// HashSize is the size of entry hashes and commitments (SHA-256).
const HashSize = sha256.Size

// Confirmation is the clerk's visual comparison of the portrait and the
// person at the counter.
type Confirmation string

// Confirmations.
const (
	ConfirmMatches      Confirmation = "matches"
	ConfirmDoesNotMatch Confirmation = "does_not_match"
	ConfirmNotConfirmed Confirmation = "not_confirmed"
)

// Valid reports whether c is one of the three confirmations.
func (c Confirmation) Valid() bool {
	return c == ConfirmMatches || c == ConfirmDoesNotMatch || c == ConfirmNotConfirmed
}

// Millis is a time as Unix milliseconds: entries store integers, not
// formatted text, so that the encoding is canonical.
type Millis int64

// MillisOf converts a time.
func MillisOf(t time.Time) Millis { return Millis(t.UnixMilli()) }

// Time returns the time in UTC.
func (m Millis) Time() time.Time { return time.UnixMilli(int64(m)).UTC() }

// Hex is bytes that JSON shows as hex (CBOR: a byte string).
type Hex []byte

// MarshalJSON writes hex text, null for nil.
func (h Hex) MarshalJSON() ([]byte, error) {
	if h == nil {
		return []byte("null"), nil
	}
	return json.Marshal(hex.EncodeToString(h))
}

// Entry is one audit entry: the facts of one finished check. It is
// encoded canonically (see [EntryVersion]) and chained by Prev.
type Entry struct {
	Version  int     `cbor:"v" json:"version"`
	Seq      uint64  `cbor:"seq" json:"seq"`
	Prev     Hex     `cbor:"prev" json:"prev"` // hash of entry Seq-1; 32 zero bytes for entry 1
	Time     Millis  `cbor:"time" json:"time"`
	Terminal string  `cbor:"terminal" json:"terminal"`
	Operator string  `cbor:"operator" json:"operator"`
	Purpose  Purpose `cbor:"purpose" json:"purpose"`
	// Checks are the response-level checks (decode, response_status, …).
	Checks    []CheckRecord `cbor:"checks" json:"checks"`
	Documents []Document    `cbor:"docs" json:"documents"`
	// Verdict is the overall status (verify.Status).
	Verdict      string       `cbor:"verdict" json:"verdict"`
	Confirmation Confirmation `cbor:"confirm" json:"confirmation"`
	// Retained commits to the values kept in value rows, in value-row
	// order (index i is value row i of this entry).
	Retained []Commitment `cbor:"retained" json:"retained"`
}

// Purpose is the purpose the check was made for and the law behind it.
type Purpose struct {
	ID         string `cbor:"id" json:"id"`
	LegalBasis string `cbor:"basis" json:"legalBasis"`
}

// CheckRecord is one check of a verdict (verify.Check without Detail:
// details are for developers and may quote received data).
type CheckRecord struct {
	ID     string `cbor:"id" json:"id"`
	Status string `cbor:"status" json:"status"`
	Code   string `cbor:"code" json:"code"`
}

// Issuer is who issued the document.
type Issuer struct {
	Country         string `cbor:"country" json:"country"`
	Authority       string `cbor:"authority" json:"authority"`
	IACAFingerprint string `cbor:"iaca" json:"iacaFingerprint"` // SHA-256 of the trust anchor, hex
}

// ElementRef names a data element.
type ElementRef struct {
	Namespace string `cbor:"ns" json:"namespace"`
	Element   string `cbor:"el" json:"element"`
}

// Requested is one requested element and its intent_to_retain flag
// (18013-5 §8.3.2.1.2.1), or for the plastic card whether Taimen asked the
// customer on screen to agree to retention.
type Requested struct {
	Namespace      string `cbor:"ns" json:"namespace"`
	Element        string `cbor:"el" json:"element"`
	IntentToRetain bool   `cbor:"retain" json:"intentToRetain"`
}

// Document is what the entry records about one presented document.
type Document struct {
	DocType   string        `cbor:"doctype" json:"docType"`
	Issuer    Issuer        `cbor:"issuer" json:"issuer"`
	Requested []Requested   `cbor:"requested" json:"requested"`
	Disclosed []ElementRef  `cbor:"disclosed" json:"disclosed"`
	Checks    []CheckRecord `cbor:"checks" json:"checks"`
	Status    string        `cbor:"status" json:"status"`
	// SubjectKey is HMAC-SHA256 under the terminal secret of the document
	// number or card identifier (audit.SubjectFor); nil when none was
	// available. It lets an auditor spot repeats without the number.
	SubjectKey Hex `cbor:"subject" json:"subjectKey"`
}

// Commitment binds one retained value without revealing it:
// SHA-256 over a domain label, a random salt, the element name and the
// value bytes (audit commitValue). The salt keeps a purged value (a birth
// date, say) from being recovered by guessing.
type Commitment struct {
	Doc        int    `cbor:"doc" json:"doc"` // index into Documents
	Namespace  string `cbor:"ns" json:"namespace"`
	Element    string `cbor:"el" json:"element"`
	Until      Millis `cbor:"until" json:"until"` // end of the retention period
	Commitment Hex    `cbor:"c" json:"commitment"`
}

// Encode returns the canonical encoding of e.
func Encode(e *Entry) ([]byte, error) {
	b, err := verify.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("entry: encode: %w", err)
	}
	return b, nil
}

// Decode decodes stored entry bytes with the strict decoder and
// accepts only the canonical version-1 encoding. Errors unwrap to
// ErrMalformed.
func Decode(b []byte) (*Entry, error) {
	var e Entry
	if err := verify.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("entry:: %w: %w", ErrMalformed, err)
	}
	if e.Version != Version {
		return nil, fmt.Errorf("entry: version %d: %w", e.Version, ErrMalformed)
	}
	re, err := verify.Marshal(&e)
	if err != nil || !bytes.Equal(re, b) {
		return nil, fmt.Errorf("entry: is not canonically encoded: %w", ErrMalformed)
	}
	if len(e.Prev) != HashSize {
		return nil, fmt.Errorf("entry: prev is %d bytes: %w", len(e.Prev), ErrMalformed)
	}
	for i, c := range e.Retained {
		if len(c.Commitment) != HashSize || c.Doc < 0 || c.Doc >= len(e.Documents) {
			return nil, fmt.Errorf("entry: retained value %d: %w", i, ErrMalformed)
		}
	}
	return &e, nil
}

// MarshalJSON writes Millis as RFC 3339 in UTC, to the millisecond.
func (m Millis) MarshalJSON() ([]byte, error) {
	return json.Marshal(m.Time().Format("2006-01-02T15:04:05.000Z07:00"))
}

// Hash is SHA-256(label ‖ 0x00 ‖ body), over the entry bytes as stored.
// The body holds Seq and Prev, so the hash commits to the whole chain
// before it.
func Hash(body []byte) []byte {
	h := sha256.New()
	h.Write([]byte(hashLabel))
	h.Write([]byte{0})
	h.Write(body)
	return h.Sum(nil)
}

const hashLabel = "taimen/audit/entry/v1"
