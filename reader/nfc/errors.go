package nfc

import (
	"errors"
	"fmt"
)

// Sentinels. Every error of this package unwraps to one of them (and, where
// a status word is the cause, also to a *reader.StatusError), so the app can
// map them to a message without parsing strings.
var (
	// ErrLocked: SELECT of the NDEF application answered 6A82. Android
	// phones answer this way while locked (multipaz comment in
	// MdocNfcEngagementHelper); the app should say "unlock your phone" and
	// let the customer tap again.
	ErrLocked = errors.New("ndef application not found, the phone may be locked")
	// ErrNotNDEFTag: what is in the field is not an NFC Forum type 4 tag
	// (SELECT of the application or of the CC file refused, CC unreadable).
	ErrNotNDEFTag = errors.New("not an ndef type 4 tag")
	// ErrBadCC: the capability container breaks the type 4 tag mapping.
	ErrBadCC = errors.New("bad capability container")
	// ErrTagProtocol: the tag answered outside the type 4 tag protocol:
	// a status word other than 9000 on a read, an NLEN beyond the file, a
	// read that returned nothing or more than asked for.
	ErrTagProtocol = errors.New("tag broke the type 4 tag protocol")
	// ErrMalformedNDEF: an NDEF message or one of its TNEP records does not
	// parse.
	ErrMalformedNDEF = errors.New("malformed ndef message")
	// ErrNoHandover: the NDEF message holds neither a TNEP service
	// parameter for handover nor a Handover Select record.
	ErrNoHandover = errors.New("no connection handover in the ndef message")
	// ErrMalformedHandover: a Handover Select, alternative carrier or
	// carrier configuration record does not parse.
	ErrMalformedHandover = errors.New("malformed handover message")
	// ErrNoCarrier: the Handover Select selects no alternative carrier.
	ErrNoCarrier = errors.New("holder selected no carrier")
	// ErrNoEngagement: the Handover Select lacks the
	// iso.org:18013:deviceengagement record with ID "mdoc".
	ErrNoEngagement = errors.New("no device engagement in the handover select")
	// ErrTNEPFailed: negotiated handover failed (read-only tag, write
	// refused, no Te record, a TNEP status other than success, a message too
	// large for the holder).
	ErrTNEPFailed = errors.New("tnep negotiation failed")
	// ErrHolderNotReady: NLEN stayed 0 for more polls than allowed.
	ErrHolderNotReady = errors.New("holder did not answer in time")
	// ErrInvalidOptions: the Options cannot produce a Handover Request.
	ErrInvalidOptions = errors.New("invalid engagement options")
)

// Error is an engagement failure at one step of the exchange. Err unwraps to
// a sentinel of this package and, when a status word caused it, to a
// *reader.StatusError as well.
type Error struct {
	Step string // what the driver was doing, e.g. "read capability container"
	Err  error
}

func (e *Error) Error() string { return "nfc " + e.Step + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// TNEPStatusError is a TNEP status other than success in the Te record
// (TNEP 1.0 §4.3: 0x01 protocol error, 0x80–0xFE service specific).
type TNEPStatusError struct {
	Status byte
}

func (e *TNEPStatusError) Error() string { return fmt.Sprintf("tnep status %02x", e.Status) }

// Unwrap returns ErrTNEPFailed.
func (e *TNEPStatusError) Unwrap() error { return ErrTNEPFailed }
