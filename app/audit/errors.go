package audit

import (
	"errors"
	"fmt"
)

// Sentinel errors. Typed errors below unwrap to them.
var (
	// ErrForbidden: an element that must never be stored (the My Number)
	// was asked to be kept, committed to or used as the subject identifier.
	ErrForbidden = errors.New("element must never be stored")
	// ErrInvalidRecord: a record or policy is incomplete or contradictory
	// (a programming or configuration error).
	ErrInvalidRecord = errors.New("invalid audit record")
	// ErrNoDatabase: the database file does not exist (verify, export and
	// purge never create one).
	ErrNoDatabase = errors.New("audit database not found")
	// ErrNotAuditLog: the database holds no Taimen audit log, or one of a
	// newer schema than this build knows.
	ErrNotAuditLog = errors.New("not a taimen audit log")
	// ErrStorage: the database could not be read or written (full disk,
	// permissions, lost connection).
	ErrStorage = errors.New("audit storage error")
	// ErrKey: a terminal key file is missing, malformed or readable by others.
	ErrKey = errors.New("terminal key error")
	// ErrConflict: the central store already holds a different entry for a
	// terminal and sequence number (a forked or rewritten terminal log).
	ErrConflict = errors.New("central store holds a different entry")
	// ErrTerminalKey: the central store knows the terminal under another
	// public key.
	ErrTerminalKey = errors.New("terminal public key differs from the registered one")
)

// StorageError is an I/O failure of the audit database; it unwraps to
// ErrStorage and to the driver's error.
type StorageError struct {
	Op  string // what was being done: "append", "open", "purge", …
	Err error
}

func (e *StorageError) Error() string { return fmt.Sprintf("audit: %s: %v", e.Op, e.Err) }

// Unwrap returns ErrStorage and the cause.
func (e *StorageError) Unwrap() []error { return []error{ErrStorage, e.Err} }

func storageErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return &StorageError{Op: op, Err: err}
}
