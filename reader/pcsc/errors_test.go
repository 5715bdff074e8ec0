package pcsc

import (
	"errors"
	"strings"
	"testing"
	"unicode"

	"github.com/ebfe/scard"

	"taimen/reader"
)

func TestErrorUnwrap(t *testing.T) {
	tests := []struct {
		code scard.Error
		want error
	}{
		{scard.ErrNoService, reader.ErrNoService},
		{scard.ErrServiceStopped, reader.ErrNoService},
		{scard.ErrCommError, reader.ErrNoService},
		{scard.ErrNoReadersAvailable, reader.ErrNoReader},
		{scard.ErrUnknownReader, reader.ErrNoReader},
		{scard.ErrReaderUnavailable, reader.ErrReaderRemoved},
		{scard.ErrNoSmartcard, reader.ErrNoCard},
		{scard.ErrRemovedCard, reader.ErrCardRemoved},
		{scard.ErrResetCard, reader.ErrCardReset},
		{scard.ErrNotTransacted, reader.ErrTransactionFailed},
		{scard.ErrSharingViolation, reader.ErrSharingViolation},
		{scard.ErrTimeout, reader.ErrTimeout},
		{scard.ErrCancelled, reader.ErrCancelled},
		{scard.ErrInvalidHandle, reader.ErrConnectionLost},
		{scard.ErrUnresponsiveCard, reader.ErrCardUnsupported},
		{scard.ErrProtoMismatch, reader.ErrCardUnsupported},
		{scard.ErrInsufficientBuffer, reader.ErrResponseTooLarge},
	}
	for _, tt := range tests {
		err := wrap("op", tt.code)
		if !errors.Is(err, tt.want) {
			t.Errorf("%v: errors.Is(%v) = false", tt.code, tt.want)
		}
		var pe *Error
		if !errors.As(err, &pe) || pe.Code != uint32(tt.code) || pe.Op != "op" {
			t.Errorf("%v: not a pcsc.Error carrying the code: %#v", tt.code, err)
		}
	}
	// No sentinel for codes we do not classify, and no false matches.
	if u := (&Error{Code: uint32(scard.ErrNoKeyContainer)}).Unwrap(); u != nil {
		t.Errorf("unclassified code unwraps to %v", u)
	}
	if errors.Is(wrap("op", scard.ErrRemovedCard), reader.ErrNoService) {
		t.Error("removed card matched ErrNoService")
	}
	if wrap("op", nil) != nil {
		t.Error("wrap(nil) != nil")
	}
	other := errors.New("boom")
	if err := wrap("op", other); !errors.Is(err, other) || !strings.HasPrefix(err.Error(), "pcsc: op: ") {
		t.Errorf("non-pcsc error: %v", err)
	}
}

func TestErrorMessages(t *testing.T) {
	for code := range codes {
		m := (&Error{Op: "transmit", Code: uint32(code)}).Error()
		if !strings.HasPrefix(m, "pcsc: transmit: ") || strings.HasSuffix(m, ".") {
			t.Errorf("%08x: %q", uint32(code), m)
		}
		if text := codes[code].text; text == "" || unicode.IsUpper([]rune(text)[0]) {
			t.Errorf("%08x: text %q not lowercase", uint32(code), text)
		}
	}
	if m := (&Error{Op: "x", Code: 0x12345678}).Error(); m != "pcsc: x: error 0x12345678" {
		t.Errorf("unknown code: %q", m)
	}
}

func TestSnapshotFromStates(t *testing.T) {
	states := []scard.ReaderState{
		{Reader: pnp, CurrentState: 0x20000},
		{Reader: "A", CurrentState: scard.StatePresent | scard.StateExclusive | scard.StateInuse, Atr: []byte{0x3B, 0}},
		{Reader: "B", CurrentState: scard.StateEmpty, Atr: []byte{0x3B, 1}}, // stale ATR must not show
		{Reader: "C", CurrentState: scard.StateUnknown | scard.StateIgnore},
	}
	s := snapshot(states)
	want := reader.Snapshot{Service: true, Readers: []reader.ReaderStatus{
		{Name: "A", CardPresent: true, ATR: []byte{0x3B, 0}, InUse: true},
		{Name: "B"},
	}}
	if !s.Equal(want) {
		t.Fatalf("snapshot = %+v, want %+v", s, want)
	}
	if known([]scard.ReaderState{{Reader: pnp}, {Reader: "A", CurrentState: scard.StateUnaware}}) {
		t.Error("unaware reader counted as known")
	}

	r := reconcile(states, []string{"B", "D"})
	if len(r) != 3 || r[0].Reader != pnp || r[1].Reader != "B" || r[1].CurrentState != scard.StateEmpty ||
		r[2].Reader != "D" || r[2].CurrentState != scard.StateUnaware {
		t.Fatalf("reconcile = %+v", r)
	}
}
