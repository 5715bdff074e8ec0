package verify

import (
	"errors"
	"fmt"
	"io"

	"github.com/fxamacker/cbor/v2"
)

// Limits for untrusted CBOR. A DeviceResponse with a large portrait is tens
// of kilobytes; 16 MiB leaves room for a VICAL with many IACAs.
const (
	MaxMessageSize   = 16 << 20
	MaxNestedLevels  = 24
	MaxArrayElements = 65536
	MaxMapPairs      = 65536
)

// untrusted is the one decoding setup for bytes that come from outside:
// duplicate map keys rejected, limits on depth and counts, invalid UTF-8
// rejected. Indefinite lengths and any key order are accepted because real
// wallets send them (research §8); digests are always taken over received
// bytes, so tolerance in decoding never weakens a check.
var untrusted = mustDecMode(cbor.DecOptions{
	DupMapKey:         cbor.DupMapKeyEnforcedAPF,
	MaxNestedLevels:   MaxNestedLevels,
	MaxArrayElements:  MaxArrayElements,
	MaxMapPairs:       MaxMapPairs,
	IndefLength:       cbor.IndefLengthAllowed,
	TagsMd:            cbor.TagsAllowed,
	UTF8:              cbor.UTF8RejectInvalid,
	IntDec:            cbor.IntDecConvertNone,
	ExtraReturnErrors: cbor.ExtraDecErrorNone,
	// Map keys must equal a struct tag exactly: the default also matches
	// "DocType" or "DOCTYPE" to a field tagged "docType", which would let
	// two differently-cased keys fill one field.
	FieldNameMatching: cbor.FieldNameMatchingCaseSensitive,
})

// encoder is the deterministic encoding used for what Taimen itself writes
// (requests, transcripts it builds): core deterministic encoding, 18013-5 §8.1.
var encoder = mustEncMode(cbor.CoreDetEncOptions())

func mustDecMode(o cbor.DecOptions) cbor.DecMode {
	m, err := o.DecMode()
	if err != nil {
		panic(err) // programming error in the options above
	}
	return m
}

func mustEncMode(o cbor.EncOptions) cbor.EncMode {
	m, err := o.EncMode()
	if err != nil {
		panic(err)
	}
	return m
}

// DecMode returns the strict decoding mode for untrusted bytes, for callers
// that need a cbor.DecMode (custom unmarshalers, go-cose).
func DecMode() cbor.DecMode { return untrusted }

// EncMode returns the deterministic encoding mode.
func EncMode() cbor.EncMode { return encoder }

// Unmarshal decodes untrusted bytes into v with the strict setup. Trailing
// bytes are an error. Errors unwrap to ErrMalformed, ErrTooLarge, ErrTooDeep,
// ErrDuplicateKey or ErrTruncated, and to the cbor library's typed error.
func Unmarshal(data []byte, v any) error {
	if len(data) > MaxMessageSize {
		return fmt.Errorf("cbor: %d bytes: %w", len(data), ErrTooLarge)
	}
	rest, err := untrusted.UnmarshalFirst(data, v)
	if err != nil {
		return ClassifyCBORError(err)
	}
	if len(rest) != 0 {
		return fmt.Errorf("cbor: %d trailing bytes: %w", len(rest), ErrMalformed)
	}
	return nil
}

// Marshal encodes v deterministically.
func Marshal(v any) ([]byte, error) { return encoder.Marshal(v) }

// ClassifyCBORError wraps a cbor library error so that it unwraps to one of
// this package's sentinels as well as to the original error.
func ClassifyCBORError(err error) error {
	if err == nil {
		return nil
	}
	var (
		dup   *cbor.DupMapKeyError
		depth *cbor.MaxNestedLevelError
		arr   *cbor.MaxArrayElementsError
		mp    *cbor.MaxMapPairsError
	)
	switch {
	case errors.As(err, &dup):
		return fmt.Errorf("cbor: %w: %w", ErrDuplicateKey, err)
	case errors.As(err, &depth):
		return fmt.Errorf("cbor: %w: %w", ErrTooDeep, err)
	case errors.As(err, &arr), errors.As(err, &mp):
		return fmt.Errorf("cbor: %w: %w", ErrTooLarge, err)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return fmt.Errorf("cbor: %w: %w", ErrTruncated, err)
	default:
		return fmt.Errorf("cbor: %w: %w", ErrMalformed, err)
	}
}
