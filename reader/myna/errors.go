package myna

import (
	"errors"
	"fmt"
)

// Sentinels. Transport failures (reader.ErrCardRemoved,
// reader.ErrTransactionFailed, …) are passed through wrapped, so callers test
// them with errors.Is against the reader sentinels.
var (
	// ErrNotMyNumberCard: none of the My Number Card applications answered
	// SELECT (or the one a flow needs is missing).
	ErrNotMyNumberCard = errors.New("myna: not a my number card")
	// ErrInvalidCodeB: 照合番号B does not have the right shape (see CodeBError).
	ErrInvalidCodeB = errors.New("myna: invalid 照合番号b")
	// ErrInvalidPassword: a 署名用パスワード does not follow the card's rules.
	ErrInvalidPassword = errors.New("myna: invalid 署名用パスワード")
	// ErrWrongSecret: the card rejected the secret; the error chain also
	// holds a *reader.RetriesError with the tries left.
	ErrWrongSecret = errors.New("myna: the card rejected the secret")
	// ErrBlocked: the credential has no try left (63C0, 6983 or 6984).
	ErrBlocked = errors.New("myna: credential blocked")
	// ErrForbiddenFile: a command would have named a My Number file.
	ErrForbiddenFile = errors.New("myna: forbidden file")
	// ErrMalformedFile: a file's TLV structure does not hold together.
	ErrMalformedFile = errors.New("myna: malformed file")
	// ErrFileTooLarge: a file claims more bytes than 15-bit READ BINARY
	// offsets can reach.
	ErrFileTooLarge = errors.New("myna: file too large")
	// ErrUnexpectedStatus: the card answered with a status word the flow
	// has no meaning for; the chain holds the *reader.StatusError.
	ErrUnexpectedStatus = errors.New("myna: unexpected status")
	// ErrNoRandom: Options.Rand failed to give a nonce.
	ErrNoRandom = errors.New("myna: no randomness for the nonce")
)

// ErrRetriesLow is the refusal to try a secret when fewer than two tries
// are left (and AllowLastTry is not set): one more wrong code could lock the
// credential, which only the municipality can reset. It is a type (not a
// sentinel) because the caller must show how many tries are left; match it
// with errors.As.
type ErrRetriesLow struct {
	Credential string // e.g. "照合番号B (券面事項入力補助AP)"
	Left       int
}

func (e *ErrRetriesLow) Error() string {
	return fmt.Sprintf("myna: %s has %d tries left; not trying without explicit permission, a wrong code would lock it", e.Credential, e.Left)
}

// BlockedError names the blocked credential; it unwraps to ErrBlocked.
type BlockedError struct {
	Credential string
	SW         uint16
}

func (e *BlockedError) Error() string {
	return fmt.Sprintf("myna: %s is blocked (status %04x)", e.Credential, e.SW)
}

// Unwrap returns ErrBlocked.
func (e *BlockedError) Unwrap() error { return ErrBlocked }
