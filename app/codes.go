package app

import (
	"context"
	"errors"

	"taimen/app/session"
	"taimen/reader"
	rmyna "taimen/reader/myna"
	"taimen/reader/nfc"
	"taimen/reader/transport"
)

// Error codes of CheckState.error and SettingsResult.error. The frontend
// translates them; they are stable.
const (
	CodeCardRemoved    = "card_removed"
	CodeNoReader       = "no_reader"
	CodeNoService      = "no_service"
	CodeNotWallet      = "not_wallet"
	CodeLockedPhone    = "locked_phone"
	CodeTimeout        = "timeout"
	CodeDeclined       = "declined"
	CodeProtocol       = "protocol"
	CodeNoTransport    = "no_transport"
	CodeBusy           = "busy"
	CodeBadCodeB       = "bad_code_b"   // not 14 digits of the 照合番号B shape
	CodeWrongCodeB     = "wrong_code_b" // the card refused the code (triesLeft says how many remain)
	CodeRetriesLow     = "retries_low"  // one try left: resubmit with allowLastTry
	CodeBlocked        = "blocked"      // the card's 照合番号B is locked (municipal office)
	CodeNotDemo        = "not_demo"
	CodeUnknownPurpose = "unknown_purpose"
	CodeInternal       = "internal"
	// CodeNotSupported: the plastic My Number Card path is not wired yet.
	CodeNotSupported = "not_supported"
	// CodeNoPurpose: a tap was asked for before a purpose was chosen.
	CodeNoPurpose = "no_purpose"
	// CodeNoResult: Confirm without a result on screen.
	CodeNoResult = "no_result"

	// Settings.
	CodeInvalidSettings = "invalid_settings" // Detail names the field
	CodeTrustPath       = "trust_path"       // Detail is the path that did not load
	CodeVICAL           = "vical"            // Detail is the path and the VICAL reason code
	CodeIO              = "io"               // the settings file could not be written
)

// errCardLeft is the cancel cause when the reader reports the card or
// phone gone while a check runs.
var errCardLeft = errors.New("the card or phone left the reader")

// errCancelled is the cancel cause of Cancel, a wipe or Shutdown.
var errCancelled = errors.New("check cancelled")

// errorCode maps a stopped check to the code the clerk sees. The card
// leaving comes first: whatever step noticed it, that is the reason.
func errorCode(ctx context.Context, err error) string {
	cause := context.Cause(ctx)
	switch {
	case errors.Is(cause, errCardLeft),
		errors.Is(err, reader.ErrCardRemoved), errors.Is(err, reader.ErrCardReset),
		errors.Is(err, reader.ErrConnectionLost), errors.Is(err, reader.ErrNoCard):
		return CodeCardRemoved
	case errors.Is(err, reader.ErrNoService):
		return CodeNoService
	case errors.Is(err, reader.ErrNoReader), errors.Is(err, reader.ErrReaderRemoved):
		return CodeNoReader
	case errors.Is(err, rmyna.ErrBlocked):
		return CodeBlocked
	case errors.As(err, new(*rmyna.ErrRetriesLow)):
		return CodeRetriesLow
	case errors.Is(err, rmyna.ErrWrongSecret):
		return CodeWrongCodeB
	case errors.Is(err, rmyna.ErrInvalidCodeB):
		return CodeBadCodeB
	case errors.Is(err, rmyna.ErrNotMyNumberCard):
		return CodeNotWallet
	case errors.Is(err, rmyna.ErrMalformedFile), errors.Is(err, rmyna.ErrUnexpectedStatus):
		return CodeProtocol
	case errors.Is(err, nfc.ErrLocked):
		return CodeLockedPhone
	case errors.Is(err, session.ErrTimeout), errors.Is(err, reader.ErrTimeout),
		errors.Is(err, nfc.ErrHolderNotReady), errors.Is(err, context.DeadlineExceeded):
		return CodeTimeout
	case errors.Is(err, session.ErrNoTransport), errors.Is(err, transport.ErrNotMdocAID):
		return CodeNoTransport
	case errors.Is(err, session.ErrEngagement), errors.Is(err, reader.ErrCardUnsupported):
		return CodeNotWallet
	case errors.Is(err, session.ErrProtocol), errors.Is(err, transport.ErrTransport):
		return CodeProtocol
	}
	return CodeInternal
}
