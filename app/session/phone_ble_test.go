package session

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"taimen/app/purpose"
	"taimen/reader"
	"taimen/reader/nfc"
	"taimen/reader/transport"
	"taimen/reader/transport/transporttest"
	"taimen/sim/wallet"
	"taimen/verify/trust"
)

// memBLE is the terminal's Bluetooth over transporttest's in-memory radio:
// every session gets a fresh link on which our GATT server
// (transport.ServeCentralClient) serves the mdoc reader service, and the
// simulated wallet joins it as the mdoc central client with its own view of
// the engagement (the UUID it selected, its EDeviceKeyBytes), as a phone
// does after the tap.
type memBLE struct {
	tb  testing.TB
	w   *wallet.Wallet
	mtu int
	// dropAfter drops the link after that many holder writes; 0 never.
	dropAfter int
	// edk, when set, replaces the EDeviceKeyBytes RunPhone passes: a
	// reader serving the wrong Ident.
	edk []byte

	mu     sync.Mutex
	radio  *transporttest.Radio
	served int
	holder chan error
}

func newMemBLE(tb testing.TB, w *wallet.Wallet, mtu int) *memBLE {
	return &memBLE{tb: tb, w: w, mtu: mtu, holder: make(chan error, 1)}
}

func (m *memBLE) ServeCentralClient(ctx context.Context, uuid nfc.UUID, eDeviceKeyBytes []byte) (transport.Transport, error) {
	r := transporttest.NewRadio(m.tb, m.mtu)
	r.DropAfterWrites(m.dropAfter)
	if m.edk != nil {
		eDeviceKeyBytes = m.edk
	}
	b, err := transport.ServeCentralClient(ctx, r.Server(), transport.CentralClientOptions{Service: transport.UUID(uuid), EDeviceKeyBytes: eDeviceKeyBytes})
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.radio, m.served = r, m.served+1
	m.mu.Unlock()
	hctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	go func() {
		defer cancel()
		m.holder <- m.w.RunBLE(hctx, r.Client())
	}()
	return b, nil
}

// holderResult waits for the wallet's BLE side to finish.
func (m *memBLE) holderResult(t testing.TB) error {
	t.Helper()
	select {
	case err := <-m.holder:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("the wallet's ble session did not end")
		return nil
	}
}

func (m *memBLE) counts() (notifies, writes int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.radio == nil {
		return 0, 0
	}
	return m.radio.Counts()
}

func TestRunPhoneBLE(t *testing.T) {
	tests := []struct {
		handover wallet.Handover
		auth     wallet.DeviceAuth
		mtu      int
		endAfter bool
		purpose  string
		want     []string
		never    []string
	}{
		{handover: wallet.Static, mtu: 23, purpose: purpose.AgeCheck},
		{handover: wallet.Static, mtu: 517, auth: wallet.MAC, purpose: purpose.AgeCheck},
		{handover: wallet.Negotiated, mtu: 185, purpose: purpose.AgeCheck},
		{handover: wallet.Negotiated, mtu: 247, endAfter: true, purpose: purpose.AgeCheck},
		{handover: wallet.Apple, mtu: 185, purpose: purpose.AgeCheck},
		{handover: wallet.Negotiated, mtu: 185, purpose: purpose.AccountOpening,
			want:  []string{"full_name_unicode", "resident_address_unicode", "birth_date_unicode", "portrait"},
			never: []string{"age_over_20", "individual_number_unicode"}},
	}
	for _, tc := range tests {
		name := fmt.Sprintf("%s %s mtu %d auth %d end-after %v", tc.purpose, tc.handover, tc.mtu, tc.auth, tc.endAfter)
		t.Run(name, func(t *testing.T) {
			if tc.want == nil {
				// Age check: the age and the face, never a name or address.
				tc.want = []string{"age_over_20", "portrait"}
				tc.never = []string{"full_name_unicode", "resident_address_unicode", "birth_date", "birth_date_unicode", "individual_number_unicode"}
			}
			w := newWallet(t, wallet.Options{Handover: tc.handover, Transfer: wallet.TransferBLE, DeviceAuth: tc.auth,
				EndAfterResponse: tc.endAfter, Docs: []wallet.DocKind{wallet.DocMNC}})
			ble := newMemBLE(t, w, tc.mtu)
			opts := phoneOpts(t, w, tc.purpose)
			opts.BLE = ble
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			out, err := RunPhone(ctx, w.Card(reader.Options{}), opts)
			if err != nil {
				t.Fatal(err)
			}
			if herr := ble.holderResult(t); herr != nil {
				t.Fatalf("wallet: %v", herr)
			}
			if out.Kind != Verified || out.Transport != "ble" {
				t.Fatalf("outcome %s over %q, want verified over ble", out.Kind, out.Transport)
			}
			wantHandover := "negotiated"
			if tc.handover == wallet.Static {
				wantHandover = "static"
			}
			if out.Handover != wantHandover {
				t.Errorf("handover %s, want %s", out.Handover, wantHandover)
			}
			if !out.Result.Valid {
				t.Fatalf("verdict %s: %+v", out.Result.Status, out.Result.Documents)
			}
			got := elements(out.Result)
			for _, e := range tc.want {
				if !got[e] {
					t.Errorf("missing %s (got %v)", e, got)
				}
			}
			for _, e := range tc.never {
				if got[e] {
					t.Errorf("%s disclosed to a purpose that does not ask for it", e)
				}
			}
			// The data went over the radio, in both directions, once.
			notifies, writes := ble.counts()
			if ble.served != 1 || notifies == 0 || writes < 2 {
				t.Errorf("%d links, %d notifications, %d writes", ble.served, notifies, writes)
			}
		})
	}
}

func TestRunPhoneBLEDeclined(t *testing.T) {
	for _, d := range []wallet.Decision{wallet.Decline, wallet.DeclineWithErrors} {
		for _, h := range []wallet.Handover{wallet.Static, wallet.Negotiated} {
			t.Run(fmt.Sprintf("%v %s", d, h), func(t *testing.T) {
				w := newWallet(t, wallet.Options{Handover: h, Transfer: wallet.TransferBLE, Consent: wallet.Consent{Decision: d}})
				ble := newMemBLE(t, w, 185)
				opts := phoneOpts(t, w, purpose.AgeCheck)
				opts.BLE = ble
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				out, err := RunPhone(ctx, w.Card(reader.Options{}), opts)
				if err != nil {
					t.Fatal(err)
				}
				if out.Kind != Declined || out.Transport != "ble" {
					t.Fatalf("outcome %s over %q, want declined over ble", out.Kind, out.Transport)
				}
				if out.Result != nil && len(elements(out.Result)) != 0 {
					t.Fatalf("a declined check shows %v", elements(out.Result))
				}
				if herr := ble.holderResult(t); herr != nil {
					t.Fatalf("wallet: %v", herr)
				}
			})
		}
	}
}

// TestRunPhoneBLELinkDropped: the link goes down while the phone sends its
// response. The check stops with a typed error well before its timeouts,
// and is not mistaken for the customer declining.
func TestRunPhoneBLELinkDropped(t *testing.T) {
	for _, after := range []int{2, 5, 40} { // the first write is the start signal
		t.Run(fmt.Sprint("after ", after, " writes"), func(t *testing.T) {
			w := newWallet(t, wallet.Options{Transfer: wallet.TransferBLE, Docs: []wallet.DocKind{wallet.DocMNC}})
			ble := newMemBLE(t, w, 23)
			ble.dropAfter = after
			opts := phoneOpts(t, w, purpose.AgeCheck)
			opts.BLE = ble
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			out, err := RunPhone(ctx, w.Card(reader.Options{}), opts)
			if err == nil {
				t.Fatalf("outcome %s after the link dropped mid-response, want an error", out.Kind)
			}
			var se *Error
			if !errors.As(err, &se) || se.Step != "response" {
				t.Fatalf("%v is not a *session.Error at the response step", err)
			}
			if !errors.Is(err, transport.ErrPeerClosed) || !errors.Is(err, transport.ErrIncomplete) {
				t.Errorf("%v does not unwrap to ErrPeerClosed and ErrIncomplete", err)
			}
			if errors.Is(err, ErrTimeout) || ctx.Err() != nil {
				t.Errorf("the drop was only noticed by a timeout: %v", err)
			}
			if herr := ble.holderResult(t); !errors.Is(herr, wallet.ErrLinkLost) {
				t.Errorf("wallet: %v, want ErrLinkLost", herr)
			}
		})
	}
}

// TestRunPhoneBLEWrongIdent: a reader whose Ident characteristic is not
// derived from this engagement's EDeviceKeyBytes is not the one the phone
// engaged with: the phone disconnects without starting, and the check stops
// with a typed error at once (well before its consent timeout).
func TestRunPhoneBLEWrongIdent(t *testing.T) {
	w := newWallet(t, wallet.Options{Transfer: wallet.TransferBLE})
	ble := newMemBLE(t, w, 185)
	ble.edk = []byte{0xd8, 0x18, 0x41, 0x00}
	opts := phoneOpts(t, w, purpose.AgeCheck)
	opts.BLE = ble
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := RunPhone(ctx, w.Card(reader.Options{}), opts)
	var se *Error
	if !errors.As(err, &se) || se.Step != "request" || !errors.Is(err, transport.ErrPeerClosed) {
		t.Fatalf("err %v, want a *session.Error at the request step unwrapping to ErrPeerClosed", err)
	}
	if errors.Is(err, ErrTimeout) || ctx.Err() != nil {
		t.Errorf("the refusal was only noticed by a timeout: %v", err)
	}
	if herr := ble.holderResult(t); !errors.Is(herr, wallet.ErrReaderIdent) {
		t.Fatalf("wallet: %v, want ErrReaderIdent", herr)
	}
	if _, writes := ble.counts(); writes != 0 {
		t.Errorf("the wallet wrote %d values to a reader it does not trust", writes)
	}
}

// TestRunPhoneNoBluetooth: a terminal without Bluetooth facing a phone that
// offers BLE only has no way to receive the data.
func TestRunPhoneNoBluetooth(t *testing.T) {
	for _, h := range []wallet.Handover{wallet.Static, wallet.Negotiated, wallet.Apple} {
		t.Run(h.String(), func(t *testing.T) {
			w := newWallet(t, wallet.Options{Handover: h, Transfer: wallet.TransferBLE})
			opts := phoneOpts(t, w, purpose.AgeCheck) // BLE nil
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			out, err := RunPhone(ctx, w.Card(reader.Options{}), opts)
			if !errors.Is(err, ErrNoTransport) {
				t.Fatalf("outcome %+v, err %v, want ErrNoTransport", out, err)
			}
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("%v is not a *session.Error", err)
			}
		})
	}
}

// BenchmarkRunPhoneBLE is one whole age check, NFC engagement then BLE data
// retrieval over the in-memory radio, with the link's chunk counts.
func BenchmarkRunPhoneBLE(b *testing.B) {
	for _, mtu := range []int{23, 185, 517} {
		b.Run(fmt.Sprint("mtu", mtu), func(b *testing.B) {
			w, err := wallet.New(wallet.Options{Handover: wallet.Negotiated, Transfer: wallet.TransferBLE, Docs: []wallet.DocKind{wallet.DocMNC}})
			if err != nil {
				b.Fatal(err)
			}
			p, err := purpose.Default().Get(purpose.AgeCheck)
			if err != nil {
				b.Fatal(err)
			}
			store := trust.NewStore(trust.NewAnchor(w.IACA(), trust.IACA, "sim"))
			var notifies, writes int
			for b.Loop() {
				ble := newMemBLE(b, w, mtu)
				out, err := RunPhone(context.Background(), w.Card(reader.Options{}), PhoneOptions{Purpose: p, Trust: store, BLE: ble})
				if err != nil || out.Kind != Verified || !out.Result.Valid {
					b.Fatalf("%v %+v", err, out)
				}
				if err := ble.holderResult(b); err != nil {
					b.Fatal(err)
				}
				notifies, writes = ble.counts()
			}
			b.ReportMetric(float64(notifies), "notifications/check")
			b.ReportMetric(float64(writes), "writes/check")
		})
	}
}
