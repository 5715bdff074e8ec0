package pcsc

import (
	"errors"
	"fmt"

	"github.com/ebfe/scard"

	"taimen/reader"
)

// Error is a PC/SC failure: the operation and the SCARD_* return code. It
// unwraps to the reader sentinel for the code (see codes), so callers test
// errors.Is(err, reader.ErrCardRemoved) and never see scard types.
type Error struct {
	Op   string // "connect", "transmit", "get status change", …
	Code uint32 // SCARD_E_* / SCARD_W_* / SCARD_F_* value
}

type codeInfo struct {
	name string
	text string
	is   error
}

// codes covers every return code pcsc-lite 1.9 documents (pcsclite.h). The
// text is ours, lowercase, because pcsc_stringify_error capitalises and ends
// with a period.
var codes = map[scard.Error]codeInfo{
	scard.ErrInternalError:          {"SCARD_F_INTERNAL_ERROR", "internal error", nil},
	scard.ErrCancelled:              {"SCARD_E_CANCELLED", "cancelled", reader.ErrCancelled},
	scard.ErrInvalidHandle:          {"SCARD_E_INVALID_HANDLE", "invalid handle", reader.ErrConnectionLost},
	scard.ErrInvalidParameter:       {"SCARD_E_INVALID_PARAMETER", "invalid parameter", reader.ErrInvalidCommand},
	scard.ErrInvalidTarget:          {"SCARD_E_INVALID_TARGET", "invalid target", nil},
	scard.ErrNoMemory:               {"SCARD_E_NO_MEMORY", "out of memory", nil},
	scard.ErrWaitedTooLong:          {"SCARD_F_WAITED_TOO_LONG", "waited too long", reader.ErrTimeout},
	scard.ErrInsufficientBuffer:     {"SCARD_E_INSUFFICIENT_BUFFER", "insufficient buffer", reader.ErrResponseTooLarge},
	scard.ErrUnknownReader:          {"SCARD_E_UNKNOWN_READER", "unknown reader", reader.ErrNoReader},
	scard.ErrTimeout:                {"SCARD_E_TIMEOUT", "timed out", reader.ErrTimeout},
	scard.ErrSharingViolation:       {"SCARD_E_SHARING_VIOLATION", "sharing violation", reader.ErrSharingViolation},
	scard.ErrNoSmartcard:            {"SCARD_E_NO_SMARTCARD", "no card", reader.ErrNoCard},
	scard.ErrUnknownCard:            {"SCARD_E_UNKNOWN_CARD", "unknown card", reader.ErrCardUnsupported},
	scard.ErrCantDispose:            {"SCARD_E_CANT_DISPOSE", "cannot dispose", nil},
	scard.ErrProtoMismatch:          {"SCARD_E_PROTO_MISMATCH", "protocol mismatch", reader.ErrCardUnsupported},
	scard.ErrNotReady:               {"SCARD_E_NOT_READY", "not ready", reader.ErrTransactionFailed},
	scard.ErrInvalidValue:           {"SCARD_E_INVALID_VALUE", "invalid value", reader.ErrInvalidCommand},
	scard.ErrSystemCancelled:        {"SCARD_E_SYSTEM_CANCELLED", "cancelled by the system", reader.ErrCancelled},
	scard.ErrCommError:              {"SCARD_F_COMM_ERROR", "communication error with the service", reader.ErrNoService},
	scard.ErrUnknownError:           {"SCARD_F_UNKNOWN_ERROR", "unknown error", nil},
	scard.ErrInvalidAtr:             {"SCARD_E_INVALID_ATR", "invalid atr", reader.ErrCardUnsupported},
	scard.ErrNotTransacted:          {"SCARD_E_NOT_TRANSACTED", "transaction failed", reader.ErrTransactionFailed},
	scard.ErrReaderUnavailable:      {"SCARD_E_READER_UNAVAILABLE", "reader unavailable", reader.ErrReaderRemoved},
	scard.ErrShutdown:               {"SCARD_P_SHUTDOWN", "shutting down", reader.ErrNoService},
	scard.ErrPciTooSmall:            {"SCARD_E_PCI_TOO_SMALL", "pci struct too small", nil},
	scard.ErrReaderUnsupported:      {"SCARD_E_READER_UNSUPPORTED", "reader unsupported", nil},
	scard.ErrDuplicateReader:        {"SCARD_E_DUPLICATE_READER", "duplicate reader", nil},
	scard.ErrCardUnsupported:        {"SCARD_E_CARD_UNSUPPORTED", "card unsupported", reader.ErrCardUnsupported},
	scard.ErrNoService:              {"SCARD_E_NO_SERVICE", "service not available", reader.ErrNoService},
	scard.ErrServiceStopped:         {"SCARD_E_SERVICE_STOPPED", "service stopped", reader.ErrNoService},
	scard.ErrUnsupportedFeature:     {"SCARD_E_UNSUPPORTED_FEATURE", "unsupported feature", nil},
	scard.ErrIccInstallation:        {"SCARD_E_ICC_INSTALLATION", "icc installation", nil},
	scard.ErrIccCreateorder:         {"SCARD_E_ICC_CREATEORDER", "icc create order", nil},
	scard.ErrFileNotFound:           {"SCARD_E_FILE_NOT_FOUND", "file not found", nil},
	scard.ErrNoDir:                  {"SCARD_E_NO_DIR", "no directory", nil},
	scard.ErrNoFile:                 {"SCARD_E_NO_FILE", "no file", nil},
	scard.ErrNoAccess:               {"SCARD_E_NO_ACCESS", "access denied", nil},
	scard.ErrWriteTooMany:           {"SCARD_E_WRITE_TOO_MANY", "write too many", nil},
	scard.ErrBadSeek:                {"SCARD_E_BAD_SEEK", "bad seek", nil},
	scard.ErrInvalidChv:             {"SCARD_E_INVALID_CHV", "invalid chv", nil},
	scard.ErrUnknownResMng:          {"SCARD_E_UNKNOWN_RES_MNG", "unknown resource manager", nil},
	scard.ErrNoSuchCertificate:      {"SCARD_E_NO_SUCH_CERTIFICATE", "no such certificate", nil},
	scard.ErrCertificateUnavailable: {"SCARD_E_CERTIFICATE_UNAVAILABLE", "certificate unavailable", nil},
	scard.ErrNoReadersAvailable:     {"SCARD_E_NO_READERS_AVAILABLE", "no readers available", reader.ErrNoReader},
	scard.ErrCommDataLost:           {"SCARD_E_COMM_DATA_LOST", "communication data lost", reader.ErrTransactionFailed},
	scard.ErrNoKeyContainer:         {"SCARD_E_NO_KEY_CONTAINER", "no key container", nil},
	scard.ErrServerTooBusy:          {"SCARD_E_SERVER_TOO_BUSY", "server too busy", nil},
	scard.ErrUnsupportedCard:        {"SCARD_W_UNSUPPORTED_CARD", "unsupported card", reader.ErrCardUnsupported},
	scard.ErrUnresponsiveCard:       {"SCARD_W_UNRESPONSIVE_CARD", "unresponsive card", reader.ErrCardUnsupported},
	scard.ErrUnpoweredCard:          {"SCARD_W_UNPOWERED_CARD", "unpowered card", reader.ErrCardUnsupported},
	scard.ErrResetCard:              {"SCARD_W_RESET_CARD", "card was reset", reader.ErrCardReset},
	scard.ErrRemovedCard:            {"SCARD_W_REMOVED_CARD", "card removed", reader.ErrCardRemoved},
	scard.ErrSecurityViolation:      {"SCARD_W_SECURITY_VIOLATION", "security violation", nil},
	scard.ErrWrongChv:               {"SCARD_W_WRONG_CHV", "wrong chv", nil},
	scard.ErrChvBlocked:             {"SCARD_W_CHV_BLOCKED", "chv blocked", nil},
	scard.ErrEof:                    {"SCARD_W_EOF", "end of file", nil},
	scard.ErrCancelledByUser:        {"SCARD_W_CANCELLED_BY_USER", "cancelled by user", reader.ErrCancelled},
	scard.ErrCardNotAuthenticated:   {"SCARD_W_CARD_NOT_AUTHENTICATED", "card not authenticated", nil},
}

func (e *Error) Error() string {
	if ci, ok := codes[scard.Error(e.Code)]; ok {
		return fmt.Sprintf("pcsc: %s: %s (%s)", e.Op, ci.text, ci.name)
	}
	return fmt.Sprintf("pcsc: %s: error 0x%08x", e.Op, e.Code)
}

// Unwrap returns the reader sentinel for the code, or nil.
func (e *Error) Unwrap() error { return codes[scard.Error(e.Code)].is }

// wrap types an error from ebfe/scard; others pass through with the op.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var se scard.Error
	if errors.As(err, &se) {
		return &Error{Op: op, Code: uint32(se)}
	}
	return fmt.Errorf("pcsc: %s: %w", op, err)
}

// is reports whether err carries the PC/SC code c.
func is(err error, c scard.Error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == uint32(c)
}
