package audit

import "taimen/app/audit/entry"

// The entry model lives in package entry (its decoder is fuzzed there,
// without the database drivers); these aliases are the audit API.
type (
	Entry        = entry.Entry
	Purpose      = entry.Purpose
	CheckRecord  = entry.CheckRecord
	Issuer       = entry.Issuer
	ElementRef   = entry.ElementRef
	Requested    = entry.Requested
	Document     = entry.Document
	Commitment   = entry.Commitment
	Confirmation = entry.Confirmation
	Millis       = entry.Millis
	Hex          = entry.Hex
)

// Confirmations.
const (
	ConfirmMatches      = entry.ConfirmMatches
	ConfirmDoesNotMatch = entry.ConfirmDoesNotMatch
	ConfirmNotConfirmed = entry.ConfirmNotConfirmed
)

// EntryVersion is the version of the canonical entry encoding.
const EntryVersion = entry.Version

// HashSize is the size of entry hashes and commitments (SHA-256).
const HashSize = entry.HashSize

// ErrMalformedEntry: stored entry bytes are not a canonical entry.
var ErrMalformedEntry = entry.ErrMalformed

// MillisOf converts a time.
var MillisOf = entry.MillisOf

// EncodeEntry returns the canonical encoding of e.
func EncodeEntry(e *Entry) ([]byte, error) { return entry.Encode(e) }

// DecodeEntry decodes stored entry bytes, accepting only the canonical
// encoding; errors unwrap to ErrMalformedEntry.
func DecodeEntry(b []byte) (*Entry, error) { return entry.Decode(b) }

// EntryHash is the chain hash of stored entry bytes.
func EntryHash(body []byte) []byte { return entry.Hash(body) }
