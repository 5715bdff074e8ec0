package reader

import (
	"errors"
	"fmt"
)

// Transport sentinels. reader/pcsc returns typed errors carrying the PC/SC
// code that unwrap to these; the UI maps them to messages.
var (
	// ErrNoService: the smart card service (pcscd) is not reachable.
	ErrNoService = errors.New("smart card service not available")
	// ErrNoReader: no reader is connected, or the named one does not exist.
	ErrNoReader = errors.New("no such reader")
	// ErrReaderRemoved: the reader went away while in use.
	ErrReaderRemoved = errors.New("reader removed")
	// ErrNoCard: the reader has no card (or phone) in its field.
	ErrNoCard = errors.New("no card in reader")
	// ErrCardRemoved: the card was removed after the connection was made.
	ErrCardRemoved = errors.New("card removed")
	// ErrCardReset: the card was reset by someone else; the session state on
	// the card is lost.
	ErrCardReset = errors.New("card was reset")
	// ErrCardUnsupported: the card does not answer in a way the reader can use
	// (mute, unpowered, bad ATR, protocol mismatch).
	ErrCardUnsupported = errors.New("card not usable")
	// ErrTransactionFailed: an APDU exchange failed on the wire. This is what
	// the first exchange after a card is pulled mid-transaction reports;
	// later calls report ErrCardRemoved once the reader has noticed.
	ErrTransactionFailed = errors.New("card transaction failed")
	// ErrSharingViolation: another application holds the card.
	ErrSharingViolation = errors.New("card in use by another application")
	// ErrTimeout: the reader or service timed out.
	ErrTimeout = errors.New("timed out")
	// ErrCancelled: the wait was cancelled.
	ErrCancelled = errors.New("cancelled")
	// ErrConnectionLost: the connection handle is no longer valid, typically
	// because the service restarted; connect again.
	ErrConnectionLost = errors.New("connection to the card lost")
	// ErrClosed: the connection was used after Close.
	ErrClosed = errors.New("connection closed")

	// ErrInvalidCommand: a Command cannot be encoded (Ne or Data too long).
	ErrInvalidCommand = errors.New("invalid command apdu")
	// ErrMalformedCommand: received command bytes do not follow ISO/IEC 7816-3 §12.1.3.
	ErrMalformedCommand = errors.New("malformed command apdu")
	// ErrMalformedResponse: received response bytes lack a status word, or a
	// GET RESPONSE sequence made no progress.
	ErrMalformedResponse = errors.New("malformed response apdu")
	// ErrResponseTooLarge: a response exceeds the configured limit.
	ErrResponseTooLarge = errors.New("response too large")
)

// Status-word sentinels (ISO/IEC 7816-4 §5.6, table 6). [StatusError]
// unwraps to these.
var (
	ErrWrongLength            = errors.New("wrong length")                             // 6700
	ErrSecurityStatus         = errors.New("security status not satisfied")            // 6982
	ErrAuthBlocked            = errors.New("authentication method blocked")            // 6983
	ErrConditionsNotSatisfied = errors.New("conditions of use not satisfied")          // 6985
	ErrCommandNotAllowed      = errors.New("command not allowed")                      // 6986, 6900
	ErrWrongData              = errors.New("incorrect parameters in the data field")   // 6A80
	ErrFuncNotSupported       = errors.New("function not supported")                   // 6A81
	ErrNotFound               = errors.New("file, application or data not found")      // 6A82, 6A83, 6A88
	ErrWrongParameters        = errors.New("incorrect parameters p1-p2")               // 6A86, 6B00
	ErrInsNotSupported        = errors.New("instruction not supported")                // 6D00
	ErrClaNotSupported        = errors.New("class not supported")                      // 6E00
	ErrVerificationFailed     = errors.New("verification failed")                      // 6300, 63Cx
	ErrNoDiagnosis            = errors.New("card reported an error without diagnosis") // 6F00
)

var swSentinels = map[uint16]error{
	0x6700: ErrWrongLength,
	0x6900: ErrCommandNotAllowed,
	0x6982: ErrSecurityStatus,
	0x6983: ErrAuthBlocked,
	0x6985: ErrConditionsNotSatisfied,
	0x6986: ErrCommandNotAllowed,
	0x6A80: ErrWrongData,
	0x6A81: ErrFuncNotSupported,
	0x6A82: ErrNotFound,
	0x6A83: ErrNotFound,
	0x6A86: ErrWrongParameters,
	0x6A88: ErrNotFound,
	0x6B00: ErrWrongParameters,
	0x6D00: ErrInsNotSupported,
	0x6E00: ErrClaNotSupported,
	0x6300: ErrVerificationFailed,
	0x6F00: ErrNoDiagnosis,
}

// StatusError is a status word other than 9000, as an error. It unwraps to
// the sentinel for well-known status words, and to a [RetriesError] for
// 63Cx ("verification failed, x tries left", ISO/IEC 7816-4 §5.6).
type StatusError struct {
	SW uint16
}

func (e *StatusError) Error() string {
	if u := e.Unwrap(); u != nil {
		return fmt.Sprintf("card returned status %04x: %v", e.SW, u)
	}
	return fmt.Sprintf("card returned status %04x", e.SW)
}

// Unwrap returns the sentinel (or RetriesError) for e.SW, or nil.
func (e *StatusError) Unwrap() error {
	if e.SW&0xFFF0 == 0x63C0 {
		return &RetriesError{Left: int(e.SW & 0x0F)}
	}
	return swSentinels[e.SW]
}

// RetriesError is a failed verification with Left tries remaining (63Cx).
// Left == 0 means the next wrong attempt has no try left: the reference data
// is now blocked.
type RetriesError struct {
	Left int
}

func (e *RetriesError) Error() string {
	return fmt.Sprintf("verification failed, %d tries left", e.Left)
}

// Unwrap returns ErrVerificationFailed.
func (e *RetriesError) Unwrap() error { return ErrVerificationFailed }
