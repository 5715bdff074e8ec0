package mynacard_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"taimen/reader"
	rmyna "taimen/reader/myna"
	"taimen/reader/pcsc"
	"taimen/reader/pcsc/pcsctest"
	"taimen/sim/mynacard"
	"taimen/sim/vicc"
	vmyna "taimen/verify/myna"
	"taimen/verify/myna/mynatest"
)

// Every wait in these tests is bounded by this; nothing sleeps.
const bound = 15 * time.Second

var daemon *pcsctest.Daemon

// One private pcscd with a vpcd reader for the whole test binary
// (libpcsclite reads the socket path once per process).
func TestMain(m *testing.M) { pcsctest.Main(m, &daemon) }

var (
	pkiOnce  sync.Once
	testPKI  *mynatest.PKI
	testCard *mynatest.Card
	pkiErr   error
)

// minted returns the test J-LIS PKI's card for the fictitious Taro.
func minted(t testing.TB) *mynatest.Card {
	t.Helper()
	pkiOnce.Do(func() {
		if testPKI, pkiErr = mynatest.NewPKI("mynacard-test"); pkiErr != nil {
			return
		}
		testCard, pkiErr = mynatest.NewCard(testPKI, mynatest.Options{})
	})
	if pkiErr != nil {
		t.Fatal(pkiErr)
	}
	return testCard
}

func newSim(t testing.TB, tries int) *mynacard.Card {
	t.Helper()
	cfg := mynacard.FromTest(minted(t))
	cfg.CodeBTries = tries
	c, err := mynacard.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// slot is the card in the vpcd reader: one vicc client whose card can be
// swapped between insertions.
type slot struct {
	mu   sync.Mutex
	card *mynacard.Card
}

func (s *slot) get() *mynacard.Card { s.mu.Lock(); defer s.mu.Unlock(); return s.card }
func (s *slot) ATR() []byte         { return s.get().ATR() }
func (s *slot) Power(on bool)       { s.get().Power(on) }
func (s *slot) Reset()              { s.get().Reset() }
func (s *slot) APDU(b []byte) []byte {
	return s.get().APDU(b)
}

// rig is the reader with a virtual card and a monitor watching it.
type rig struct {
	t      testing.TB
	slot   *slot
	client *vicc.Client
	snaps  chan reader.Snapshot
	// present is the card state in the last snapshot taken from snaps.
	present bool
}

func newRig(t testing.TB, card *mynacard.Card) *rig {
	t.Helper()
	mctx, mcancel := context.WithCancel(context.Background())
	cctx, ccancel := context.WithCancel(context.Background())
	r := &rig{t: t, slot: &slot{card: card}, snaps: make(chan reader.Snapshot, 4096)}
	mdone := make(chan error, 1)
	go func() {
		mdone <- (&pcsc.Monitor{}).Run(mctx, func(s reader.Snapshot) { r.snaps <- s })
	}()
	r.client = vicc.New(daemon.VPCDAddr(0), r.slot)
	cdone := make(chan error, 1)
	go func() { cdone <- r.client.Run(cctx) }()
	t.Cleanup(func() {
		// Take the card out and wait until the reader is empty, so the next
		// test starts clean; then stop the monitor.
		ccancel()
		select {
		case <-cdone:
		case <-time.After(bound):
			t.Error("virtual card did not stop")
		}
		r.wait("reader empty after test", false)
		mcancel()
		select {
		case <-mdone:
		case <-time.After(bound):
			t.Error("monitor did not stop")
		}
	})
	r.wait("card present", true)
	return r
}

// wait blocks until the monitor's latest snapshot shows the card present
// (or absent). Snapshots queue in order, so draining them first means a
// stale one is never taken for the current state.
func (r *rig) wait(what string, present bool) {
	r.t.Helper()
	name := daemon.ReaderName(0)
	take := func(s reader.Snapshot) {
		st, ok := s.Reader(name)
		r.present = s.Service && ok && st.CardPresent
	}
	timeout := time.After(bound)
	for {
	drain:
		for {
			select {
			case s := <-r.snaps:
				take(s)
			default:
				break drain
			}
		}
		if r.present == present {
			return
		}
		select {
		case s := <-r.snaps:
			take(s)
		case <-timeout:
			r.t.Fatalf("%s: not within %v\n%s", what, bound, daemon.Log())
		}
	}
}

func (r *rig) connect() reader.Conn {
	r.t.Helper()
	conn, err := pcsc.Opener{Options: rmyna.TransceiverOptions}.Connect(context.Background(), daemon.ReaderName(0))
	if err != nil {
		r.t.Fatalf("connect: %v\n%s", err, daemon.Log())
	}
	return conn
}

func codeB(t testing.TB, s string) rmyna.CodeB {
	t.Helper()
	c, err := rmyna.ParseCodeB(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func tlvPrefix(t *testing.T, b []byte) []byte {
	t.Helper()
	h, err := rmyna.ParseHeader(b)
	if err != nil {
		t.Fatal(err)
	}
	return b[:h.Total()]
}

// noMyNumber asserts the reader never selected or named a My Number file
// or a 照合番号A key, per the card's own log.
func noMyNumber(t *testing.T, card *mynacard.Card) {
	t.Helper()
	for _, s := range card.Selections() {
		switch {
		case s.App == rmyna.TextAP.Name && (s.EF == 0x0001 || s.EF == 0x0014),
			s.App == rmyna.FaceAP.Name && (s.EF == 0x0005 || s.EF == 0x0013):
			t.Errorf("the reader selected %s ef%04x", s.App, s.EF)
		}
	}
}

// digitsAbsent asserts the My Number appears nowhere in v, whether
// formatted, as JSON, or as raw bytes.
func digitsAbsent(t *testing.T, myNumber string, v any) {
	t.Helper()
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	text := fmt.Sprintf("%+v %x %s", v, fmt.Sprint(v), j)
	for _, needle := range []string{myNumber, hex.EncodeToString([]byte(myNumber))} {
		if bytes.Contains([]byte(text), []byte(needle)) {
			t.Fatalf("the My Number appears in the output")
		}
	}
}

func TestGoodReadThroughPCSCD(t *testing.T) {
	tc := minted(t)
	card := newSim(t, 10)
	r := newRig(t, card)
	conn := r.connect()
	defer conn.Close()
	nonce := bytes.Repeat([]byte{0x5C}, rmyna.NonceSize)
	got, err := rmyna.ReadFace(context.Background(), conn, codeB(t, tc.CodeB), rmyna.Options{Rand: bytes.NewReader(nonce)})
	if err != nil {
		t.Fatalf("ReadFace: %v", err)
	}
	for _, c := range []struct {
		name      string
		got, want []byte
	}{
		{"text ef0002", got.Text.Basic, tlvPrefix(t, tc.Text[0x0002])},
		{"text ef0003", got.Text.Integrity, tlvPrefix(t, tc.Text[0x0003])},
		{"text ef0004", got.Text.Cert, tlvPrefix(t, tc.Text[0x0004])},
		{"text ef0007", got.Text.CardKey, tlvPrefix(t, tc.Text[0x0007])},
		{"face ef0002", got.Face.Face, tlvPrefix(t, tc.Visual[0x0002])},
		{"face ef0003", got.Face.Info, tlvPrefix(t, tc.Visual[0x0003])},
		{"face ef0004", got.Face.Cert, tlvPrefix(t, tc.Visual[0x0004])},
	} {
		if !bytes.Equal(c.got, c.want) {
			t.Errorf("%s: got %d bytes, want the %d bytes on the card", c.name, len(c.got), len(c.want))
		}
	}
	if !bytes.Equal(got.Challenge.Nonce, nonce) {
		t.Errorf("nonce %x", got.Challenge.Nonce)
	}
	h := sha256.Sum256(nonce)
	if err := rsa.VerifyPKCS1v15(&tc.VisualKey.PublicKey, crypto.SHA256, h[:], got.Challenge.Signature); err != nil {
		t.Errorf("chip signature: %v", err)
	}
	noMyNumber(t, card)
	digitsAbsent(t, tc.MyNumber, got)
	for _, e := range card.Log() {
		if len(e.Cmd) > 5+255+1 || (len(e.Cmd) > 5 && e.Cmd[4] == 0 && len(e.Cmd) != 5) {
			t.Errorf("apdu %d is not a short apdu: %x", e.Index, e.Cmd)
		}
	}
	if card.Tries(mynacard.CredCodeBText) != 10 || card.Tries(mynacard.CredCodeBFace) != 10 {
		t.Errorf("a good read spent tries")
	}

	// What the reader got is what the verifier accepts (the app glues the
	// two the same way).
	res, err := vmyna.VerifyCard(inputOf(got), testPKI.CAKeys(), verifyAt)
	if err != nil || !res.Valid {
		t.Fatalf("verdict on the read: %+v, %v", res, err)
	}
	digitsAbsent(t, tc.MyNumber, res)
}

// verifyAt is inside the simulated card's validity.
var verifyAt = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

func TestWrongCodeBThroughPCSCD(t *testing.T) {
	tc := minted(t)
	card := newSim(t, 3)
	r := newRig(t, card)
	wrong := []byte(tc.CodeB)
	wrong[13] = '0' + (wrong[13]-'0'+1)%10
	read := func(code string, allowLast bool) error {
		conn := r.connect()
		defer conn.Close() // powers the card off: the next read starts unverified
		_, err := rmyna.ReadFace(context.Background(), conn, codeB(t, code), rmyna.Options{AllowLastTry: allowLast})
		return err
	}
	// Three wrong codes in a row: two spend one try each, the third is
	// refused by the reader before it reaches the card.
	for i, wantLeft := range []int{2, 1} {
		err := read(string(wrong), false)
		var re *reader.RetriesError
		if !errors.Is(err, rmyna.ErrWrongSecret) || !errors.As(err, &re) || re.Left != wantLeft {
			t.Fatalf("wrong code %d: %v, want %d tries left", i+1, err, wantLeft)
		}
		if got := card.Tries(mynacard.CredCodeBText); got != wantLeft {
			t.Fatalf("wrong code %d: card has %d tries, want %d", i+1, got, wantLeft)
		}
	}
	var low *rmyna.ErrRetriesLow
	if err := read(string(wrong), false); !errors.As(err, &low) || low.Left != 1 {
		t.Fatalf("third wrong code: %v, want ErrRetriesLow with 1 left", err)
	}
	if got := card.Tries(mynacard.CredCodeBText); got != 1 {
		t.Fatalf("the reader spent the last try: %d left", got)
	}
	// Even the right code is refused without the clerk's permission …
	if err := read(tc.CodeB, false); !errors.As(err, &low) {
		t.Fatalf("right code on the last try: %v", err)
	}
	// … and with it, succeeds and restores the counter.
	if err := read(tc.CodeB, true); err != nil {
		t.Fatalf("right code allowed on the last try: %v", err)
	}
	if got := card.Tries(mynacard.CredCodeBText); got != 3 {
		t.Fatalf("after the right code: %d tries", got)
	}
	for _, e := range card.Log() {
		if e.SW == 0x6984 || e.SW == 0x63C0 {
			t.Fatalf("the card was locked at apdu %d", e.Index)
		}
	}
	noMyNumber(t, card)
}

func TestSigningRouteThroughPCSCD(t *testing.T) {
	tc := minted(t)
	card := newSim(t, 10)
	r := newRig(t, card)
	conn := r.connect()
	defer conn.Close()
	got, err := rmyna.ReadSignCert(context.Background(), conn, mynacard.DefaultSignPassword, rmyna.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Cert, tc.JPKI[0x0001]) || !bytes.Equal(got.CACert, tc.JPKI[0x0002]) {
		t.Fatalf("certificates differ from the card's")
	}
	h := sha256.Sum256(got.Challenge.Nonce)
	if err := rsa.VerifyPKCS1v15(&tc.SignKey.PublicKey, crypto.SHA256, h[:], got.Challenge.Signature); err != nil {
		t.Fatalf("signature by the signing key: %v", err)
	}
	digitsAbsent(t, tc.MyNumber, got)
	if res := vmyna.VerifySigningCert([][]byte{got.Cert}, testPKI.Roots(), got.Challenge.Nonce, got.Challenge.Signature, verifyAt); !res.Valid {
		t.Fatalf("verdict on the signing route: %+v", res)
	}
	conn.Close()

	conn = r.connect()
	defer conn.Close()
	_, err = rmyna.ReadSignCert(context.Background(), conn, "WRONG1", rmyna.Options{})
	var re *reader.RetriesError
	if !errors.Is(err, rmyna.ErrWrongSecret) || !errors.As(err, &re) || re.Left != 4 || card.Tries(mynacard.CredSignPassword) != 4 {
		t.Fatalf("wrong password: %v", err)
	}
}

// TestCardPulledAtEveryAPDU pulls the card while it answers APDU i, for
// every i of a good read: the read must end with a transport error, never
// a panic, a hang or a wrong success.
func TestCardPulledAtEveryAPDU(t *testing.T) {
	tc := minted(t)
	// Count the APDUs of a good read in-process.
	probe := newSim(t, 10)
	tr := reader.NewTransceiver(func(b []byte) ([]byte, error) { return probe.APDU(b), nil }, rmyna.TransceiverOptions)
	if _, err := rmyna.ReadFace(context.Background(), tr, codeB(t, tc.CodeB), rmyna.Options{}); err != nil {
		t.Fatal(err)
	}
	n := len(probe.Log())
	if n < 20 {
		t.Fatalf("a good read took only %d apdus", n)
	}
	t.Logf("a good read is %d apdus; pulling the card at each", n)
	r := newRig(t, newSim(t, 10))
	for i := 0; i < n; i++ {
		card := newSim(t, 10)
		card.SetHook(func(j int, _ []byte) {
			if j == i {
				r.client.Remove()
			}
		})
		if i > 0 {
			r.slot.mu.Lock()
			r.slot.card = card
			r.slot.mu.Unlock()
			r.client.Insert()
			r.wait(fmt.Sprintf("card back for apdu %d", i), true)
		} else {
			r.slot.mu.Lock()
			r.slot.card = card
			r.slot.mu.Unlock()
		}
		conn := r.connect()
		ctx, cancel := context.WithTimeout(context.Background(), bound)
		_, err := rmyna.ReadFace(ctx, conn, codeB(t, tc.CodeB), rmyna.Options{})
		cancel()
		conn.Close()
		if !errors.Is(err, reader.ErrTransactionFailed) && !errors.Is(err, reader.ErrCardRemoved) {
			t.Fatalf("pulled at apdu %d: %v, want ErrTransactionFailed or ErrCardRemoved", i, err)
		}
		// The hook runs before the card answers, so the card may still be
		// finishing APDU i when the read returns; once the reader saw it go,
		// it must have answered exactly i+1 APDUs and no more.
		r.wait(fmt.Sprintf("card gone after apdu %d", i), false)
		if got := len(card.Log()); got != i+1 {
			t.Fatalf("pulled at apdu %d: the card answered %d apdus (%v)", i, got, err)
		}
	}
}

// BenchmarkReadFacePCSCD measures one whole 照合番号B read (connect, detect,
// two retries queries and VERIFYs, seven files, the chip signature, power
// off) through libpcsclite, pcscd, vpcd and the simulated card.
func BenchmarkReadFacePCSCD(b *testing.B) {
	tc := minted(b)
	r := newRig(b, newSim(b, 10))
	code := codeB(b, tc.CodeB)
	for b.Loop() {
		conn := r.connect()
		if _, err := rmyna.ReadFace(context.Background(), conn, code, rmyna.Options{}); err != nil {
			b.Fatal(err)
		}
		conn.Close()
	}
}
