package wallet

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"taimen/reader"
	"taimen/reader/nfc"
	"taimen/verify/mdoc"
	"taimen/verify/trust"
)

// testNow is the clock of every test wallet and verification.
var testNow = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

// seeded is a deterministic byte stream (SHA-256 in counter mode).
type seeded struct {
	mu   sync.Mutex
	seed string
	n    uint64
	buf  []byte
}

func newSeeded(seed string) *seeded { return &seeded{seed: seed} }

func (r *seeded) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for len(r.buf) < len(p) {
		h := sha256.Sum256(fmt.Appendf(nil, "%s\x00%d", r.seed, r.n))
		r.n++
		r.buf = append(r.buf, h[:]...)
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// sleeps records the consent delays instead of sleeping.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(d time.Duration) {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
}

func (s *sleeps) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// newWallet builds a wallet with a fixed clock, randomness seeded by the
// test name, and a Sleep that fails the test unless the test replaces it.
func newWallet(t testing.TB, opts Options) *Wallet {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return testNow }
	}
	if opts.Rand == nil {
		opts.Rand = newSeeded(t.Name())
	}
	if opts.Sleep == nil {
		opts.Sleep = func(d time.Duration) { t.Errorf("unexpected sleep %v", d) }
	}
	w, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return w
}

// logged is a raw transmit that records every exchange.
type logged struct {
	w   *Wallet
	mu  sync.Mutex
	cmd [][]byte
	rsp [][]byte
}

func (l *logged) transmit(apdu []byte) ([]byte, error) {
	r := l.w.APDU(apdu)
	l.mu.Lock()
	l.cmd = append(l.cmd, bytes.Clone(apdu))
	l.rsp = append(l.rsp, bytes.Clone(r))
	l.mu.Unlock()
	return r, nil
}

func (l *logged) card(opts reader.Options) reader.Card {
	return reader.NewTransceiver(l.transmit, opts)
}

// responses returns the responses whose command starts with prefix.
func (l *logged) responses(prefix []byte) [][]byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out [][]byte
	for i, c := range l.cmd {
		if bytes.HasPrefix(c, prefix) {
			out = append(out, l.rsp[i])
		}
	}
	return out
}

func (l *logged) commands() [][]byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([][]byte(nil), l.cmd...)
}

// readerOpts is what Taimen's reader offers: BLE and NFC, no waiting floor.
func readerOpts(seed string) nfc.Options {
	return nfc.Options{OfferNFC: true, Rand: newSeeded("reader " + seed), MinPollWait: -1, ReaderEngagement: nfc.ReaderEngagement10}
}

func engage(t testing.TB, card reader.Card, opts nfc.Options) *nfc.Result {
	t.Helper()
	res, err := nfc.Engage(context.Background(), card, opts)
	if err != nil {
		t.Fatalf("Engage: %v", err)
	}
	return res
}

// readerKey derives a reader ephemeral key from a seed.
func readerKey(t testing.TB, seed string) *ecdh.PrivateKey {
	t.Helper()
	d := sha256.Sum256([]byte("reader key " + seed))
	k, err := ecdh.P256().NewPrivateKey(d[:])
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// retrieval is a reader's side of one data retrieval over NFC.
type retrieval struct {
	rs     *mdoc.ReaderSession
	card   reader.Card
	ne     int
	result *mdoc.Result
	plain  []byte
	status *uint
	err    error // from Decrypt
}

// startSession builds the reader session from the engagement result and
// SELECTs the mdoc application.
func startSession(t testing.TB, card reader.Card, res *nfc.Result) *retrieval {
	t.Helper()
	de, err := mdoc.ParseDeviceEngagement(res.DeviceEngagement)
	if err != nil {
		t.Fatalf("ParseDeviceEngagement: %v", err)
	}
	h, err := mdoc.HandoverNFC(res.Hs, res.Hr)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := mdoc.NewReaderSessionWithKey(de, h, readerKey(t, t.Name()))
	if err != nil {
		t.Fatalf("NewReaderSession: %v", err)
	}
	r, err := card.Transmit(context.Background(), reader.Command{INS: 0xA4, P1: 0x04, Data: mdocAID, Ne: 256})
	if err != nil || !r.OK() {
		t.Fatalf("SELECT mdoc: %v %04x", err, r.SW)
	}
	return &retrieval{rs: rs, card: card, ne: reader.MaxExtendedNe}
}

// envelope sends one session message in DO'53' with ENVELOPE and unwraps
// the reply: the minimal ENVELOPE client of 18013-5 §8.3.3.1.2; the
// Transceiver below it chains and follows 61xx.
func (r *retrieval) envelope(t testing.TB, msg []byte) []byte {
	t.Helper()
	resp, err := r.card.Transmit(context.Background(), reader.Command{INS: insEnvelope, Data: appendDO53(nil, msg), Ne: r.ne})
	if err != nil {
		t.Fatalf("ENVELOPE: %v", err)
	}
	if !resp.OK() {
		t.Fatalf("ENVELOPE: status %04x", resp.SW)
	}
	v, err := parseDO53(resp.Data)
	if err != nil {
		t.Fatalf("reply: %v (%x)", err, resp.Data)
	}
	return v
}

// request sends a DeviceRequest (as SessionEstablishment the first time)
// and decrypts and verifies the answer.
func (r *retrieval) request(t testing.TB, w *Wallet, specs []mdoc.DocRequestSpec, first bool) {
	t.Helper()
	req, err := mdoc.BuildDeviceRequest(specs, nil, r.rs.Transcript())
	if err != nil {
		t.Fatal(err)
	}
	var msg []byte
	if first {
		msg, err = r.rs.SessionEstablishment(req)
	} else {
		msg, err = r.rs.Encrypt(req)
	}
	if err != nil {
		t.Fatal(err)
	}
	reply := r.envelope(t, msg)
	r.plain, r.status, r.err = r.rs.Decrypt(reply)
	r.result = nil
	if r.plain == nil {
		return
	}
	tr := r.rs.Transcript()
	r.result = mdoc.VerifyResponse(r.plain, mdoc.VerifyOptions{
		Trust:      trust.NewStore(trust.NewAnchor(w.IACA(), trust.IACA, "sim")),
		At:         testNow,
		Transcript: &tr,
		ReaderKey:  r.rs.EReaderKeyPrivate(),
		Requested:  requested(specs),
	})
}

func requested(specs []mdoc.DocRequestSpec) map[string]map[string]map[string]bool {
	out := map[string]map[string]map[string]bool{}
	for _, s := range specs {
		if out[s.DocType] == nil {
			out[s.DocType] = map[string]map[string]bool{}
		}
		for _, e := range s.Elements {
			if out[s.DocType][e.Namespace] == nil {
				out[s.DocType][e.Namespace] = map[string]bool{}
			}
			out[s.DocType][e.Namespace][e.Element] = e.IntentToRetain
		}
	}
	return out
}

func spec(docType string, refs ...ElementRef) mdoc.DocRequestSpec {
	s := mdoc.DocRequestSpec{DocType: docType}
	for _, r := range refs {
		s.Elements = append(s.Elements, mdoc.ElementRequest{Namespace: r.Namespace, Element: r.Element})
	}
	return s
}

// disclosed lists the elements of a document result as "ns/element".
func disclosed(d mdoc.DocumentResult) map[string]bool {
	out := map[string]bool{}
	for ns, els := range d.Elements {
		for el := range els {
			out[ns+"/"+el] = true
		}
	}
	return out
}

// repoRoot walks up to the directory holding go.mod.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
}

func vector(t testing.TB, parts ...string) []byte {
	t.Helper()
	p := filepath.Join(append([]string{repoRoot(t), "..", "shared", "vectors", "nfc-handover"}, parts...)...)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("vector: %v", err)
	}
	return b
}

func is(err, target error) bool { return errors.Is(err, target) }

func trustOf(w *Wallet) *trust.Store {
	return trust.NewStore(trust.NewAnchor(w.IACA(), trust.IACA, "sim"))
}
