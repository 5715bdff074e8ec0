package verify

import "errors"

// Sentinels for untrusted input. Typed errors elsewhere unwrap to these.
var (
	// ErrMalformed: the bytes are not well-formed CBOR or not of the expected shape.
	ErrMalformed = errors.New("malformed input")
	// ErrTooLarge: the input is over a size or count limit.
	ErrTooLarge = errors.New("input too large")
	// ErrTooDeep: the input nests deeper than allowed.
	ErrTooDeep = errors.New("input nested too deep")
	// ErrDuplicateKey: a CBOR map repeats a key.
	ErrDuplicateKey = errors.New("duplicate map key")
	// ErrTruncated: the input ends early.
	ErrTruncated = errors.New("input truncated")
)
