package reader

import (
	"errors"
	"strings"
	"testing"
	"unicode"
)

func TestStatusErrorUnwrap(t *testing.T) {
	tests := []struct {
		sw   uint16
		want error
	}{
		{0x6700, ErrWrongLength},
		{0x6900, ErrCommandNotAllowed},
		{0x6982, ErrSecurityStatus},
		{0x6983, ErrAuthBlocked},
		{0x6985, ErrConditionsNotSatisfied},
		{0x6986, ErrCommandNotAllowed},
		{0x6A80, ErrWrongData},
		{0x6A81, ErrFuncNotSupported},
		{0x6A82, ErrNotFound},
		{0x6A83, ErrNotFound},
		{0x6A88, ErrNotFound},
		{0x6A86, ErrWrongParameters},
		{0x6B00, ErrWrongParameters},
		{0x6D00, ErrInsNotSupported},
		{0x6E00, ErrClaNotSupported},
		{0x6F00, ErrNoDiagnosis},
		{0x6300, ErrVerificationFailed},
		{0x63C3, ErrVerificationFailed},
	}
	for _, tt := range tests {
		err := Response{SW: tt.sw}.Err()
		if !errors.Is(err, tt.want) {
			t.Errorf("%04x: errors.Is(%v, %v) = false", tt.sw, err, tt.want)
		}
		var se *StatusError
		if !errors.As(err, &se) || se.SW != tt.sw {
			t.Errorf("%04x: not a StatusError with that SW: %v", tt.sw, err)
		}
	}
	// A sentinel must not match other status words.
	if errors.Is(Response{SW: 0x6A82}.Err(), ErrSecurityStatus) {
		t.Error("6a82 matched ErrSecurityStatus")
	}
	if err := (&StatusError{SW: 0x6A84}).Unwrap(); err != nil {
		t.Errorf("6a84 unwraps to %v, want nil", err)
	}
}

func TestRetriesError(t *testing.T) {
	for left := 0; left <= 15; left++ {
		err := Response{SW: 0x63C0 | uint16(left)}.Err()
		var re *RetriesError
		if !errors.As(err, &re) || re.Left != left {
			t.Fatalf("63c%x: RetriesError = %v", left, re)
		}
	}
	var re *RetriesError
	if errors.As(Response{SW: 0x6300}.Err(), &re) {
		t.Error("6300 gave a RetriesError")
	}
	if errors.As(Response{SW: 0x6983}.Err(), &re) {
		t.Error("6983 gave a RetriesError")
	}
}

func TestErrorMessagesLowercase(t *testing.T) {
	errs := []error{
		ErrNoService, ErrNoReader, ErrReaderRemoved, ErrNoCard, ErrCardRemoved, ErrCardReset,
		ErrCardUnsupported, ErrTransactionFailed, ErrSharingViolation, ErrTimeout, ErrCancelled,
		ErrConnectionLost, ErrClosed, ErrInvalidCommand, ErrMalformedCommand, ErrMalformedResponse,
		ErrResponseTooLarge, &StatusError{SW: 0x6A82}, &StatusError{SW: 0x1234}, &RetriesError{Left: 2},
	}
	for _, e := range swSentinels {
		errs = append(errs, e)
	}
	for _, e := range errs {
		m := e.Error()
		if m == "" || unicode.IsUpper([]rune(m)[0]) || strings.HasSuffix(m, ".") {
			t.Errorf("message %q: want lowercase start and no final period", m)
		}
	}
}
