package wallet

import (
	"crypto/ecdh"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"taimen/reader"
	"taimen/reader/nfc"
	"taimen/sim/vicc"
	"taimen/verify/mdoc"
)

// Handover selects how the wallet engages (18013-5 §8.2.2.1).
type Handover int

const (
	// Static: the NDEF file is read-only and holds the Handover Select
	// (Samsung Wallet, multipaz static mode).
	Static Handover = iota
	// Negotiated: TNEP service parameter, Ts → Te, Hr → Hs, with the
	// multipaz layout (Google Wallet negotiates the same way).
	Negotiated
	// Apple: negotiated handover with Apple Wallet's CC, Tp, Hs layout,
	// DeviceEngagement 1.1 with keys 5 and 6, and NLEN = 0 replies.
	Apple
)

// ParseHandover reads "static", "negotiated" or "apple".
func ParseHandover(s string) (Handover, error) {
	switch s {
	case "static":
		return Static, nil
	case "negotiated":
		return Negotiated, nil
	case "apple":
		return Apple, nil
	}
	return 0, fmt.Errorf("%w: handover %q, want static, negotiated or apple", ErrInvalidOptions, s)
}

func (h Handover) String() string {
	switch h {
	case Static:
		return "static"
	case Negotiated:
		return "negotiated"
	case Apple:
		return "apple"
	}
	return fmt.Sprintf("handover(%d)", int(h))
}

// Transfer is the data retrieval method the wallet selects in its Hs.
type Transfer int

const (
	// TransferNFC: data retrieval over NFC with ENVELOPE (18013-5 §8.3.3.1.2).
	TransferNFC Transfer = iota
	// TransferBLE: BLE, mdoc central client mode (LE role 0x01), as Apple,
	// Google and Samsung Wallet select; [Wallet.RunBLE] is the wallet's side
	// of the GATT link.
	TransferBLE
)

// ParseTransfer reads "nfc" or "ble".
func ParseTransfer(s string) (Transfer, error) {
	switch s {
	case "nfc":
		return TransferNFC, nil
	case "ble":
		return TransferBLE, nil
	}
	return 0, fmt.Errorf("%w: transfer %q, want nfc or ble", ErrInvalidOptions, s)
}

// DeviceAuth selects how documents are bound to the session.
type DeviceAuth int

const (
	// Signature: deviceSignature, COSE_Sign1 by the device key (§9.1.3.6).
	Signature DeviceAuth = iota
	// MAC: deviceMac, COSE_Mac0 with EMacKey (§9.1.3.5).
	MAC
)

// Sentinels.
var (
	// ErrInvalidOptions: Options that cannot make a wallet.
	ErrInvalidOptions = errors.New("wallet: invalid options")
	// ErrNotEngaged: a data retrieval message before an engagement finished.
	ErrNotEngaged = errors.New("wallet: no engagement to retrieve data on")
)

// Options configure a [Wallet]. The zero value is a static-handover wallet
// holding both credentials, answering over NFC, approving every request,
// with deviceSignature.
type Options struct {
	Handover Handover
	Transfer Transfer
	// Docs are the credentials held; empty means both mDL and My Number Card.
	Docs       []DocKind
	DeviceAuth DeviceAuth
	Consent    Consent
	// NotReady is how many NLEN reads answer 0 after the Handover Request
	// before the Hs appears. Zero means the mode's default (3 for Apple, as
	// in the isomdl replay of Apple's transcript; none otherwise); negative
	// means none.
	NotReady int
	// MaxCommand and MaxResponse are the NFC carrier's maximum command and
	// response data field lengths; defaults 0xFFFF and 0x10000 (multipaz).
	MaxCommand, MaxResponse int
	// EndAfterResponse sends status 20 (termination) together with the
	// DeviceResponse instead of waiting for the reader to end the session.
	EndAfterResponse bool
	// SendExtra is a misbehaviour for tests: disclose every element held,
	// requested or not.
	SendExtra bool
	// IncludeMyNumber puts a (fake) individual_number_unicode into the My
	// Number Card credential. For negative tests only: by default the wallet
	// never holds, so never discloses, a My Number.
	IncludeMyNumber bool
	// Seed derives the test PKI and the device key; default "taimen sim
	// wallet". The same seed gives the same IACA.
	Seed string
	// Now is the clock (credential validity); default time.Now.
	Now func() time.Time
	// Rand supplies EDeviceKeys, BLE UUIDs and item salts; default crypto/rand.
	Rand io.Reader
	// Sleep waits for the consent delay; default time.Sleep. The APDU call
	// blocks while it waits, as a phone that holds its ENVELOPE answer
	// until the user consents (the ISO-DEP link stays up with S(WTX)).
	Sleep func(time.Duration)
}

// Wallet is a simulated holder device. It implements sim/vicc.Handler. Its
// methods are safe for concurrent use; APDUs are handled one at a time.
type Wallet struct {
	opts  Options
	lay   layout
	iss   *issuer
	creds []credential

	mu    sync.Mutex
	app   int // selected application: appNone, appNDEF, appMdoc
	file  int // selected file within the NDEF application: 0, ccFileID or ndefFileID
	eng   *engagement
	xfer  transfer
	stats Stats
}

const (
	appNone = iota
	appNDEF
	appMdoc
)

// engagement is one NFC engagement: the EDeviceKey, the DeviceEngagement
// and the NDEF file as the reader sees it.
type engagement struct {
	key *ecdh.PrivateKey
	de  []byte
	// file is the NDEF file: NLEN || message (T4T 2.0 §5.1.6).
	file []byte
	// pending is the next message (the Hs) while notReady NLEN reads still
	// answer 0.
	pending  []byte
	notReady int
	phase    int // phInitial, phStatus, phSelect
	hs, hr   []byte
	uuid     *nfc.UUID
	// noCarrier: the Hr offered none of the wallet's carriers.
	noCarrier bool
	session   *holderSession
}

const (
	phInitial = iota // Tp served (negotiated) or Hs served (static)
	phStatus         // Te served after the Ts
	phSelect         // Hs served (or pending) after the Hr
)

// New makes a wallet: it mints the test PKI and checks the options.
func New(opts Options) (*Wallet, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	if opts.Sleep == nil {
		opts.Sleep = time.Sleep
	}
	if opts.Seed == "" {
		opts.Seed = "taimen sim wallet"
	}
	if opts.MaxCommand == 0 {
		opts.MaxCommand = 0xFFFF
	}
	if opts.MaxResponse == 0 {
		opts.MaxResponse = 0x10000
	}
	if len(opts.Docs) == 0 {
		opts.Docs = []DocKind{DocMNC, DocMDL}
	}
	switch {
	case opts.Handover < Static || opts.Handover > Apple:
		return nil, fmt.Errorf("%w: handover %d", ErrInvalidOptions, opts.Handover)
	case opts.Transfer != TransferNFC && opts.Transfer != TransferBLE:
		return nil, fmt.Errorf("%w: transfer %d", ErrInvalidOptions, opts.Transfer)
	case opts.DeviceAuth != Signature && opts.DeviceAuth != MAC:
		return nil, fmt.Errorf("%w: device auth %d", ErrInvalidOptions, opts.DeviceAuth)
	case opts.MaxCommand < 255 || opts.MaxCommand > 0xFFFF:
		// 18013-5 §8.3.3.1.2 NOTE 2: 255..65535 for commands.
		return nil, fmt.Errorf("%w: max command length %d outside 255..65535", ErrInvalidOptions, opts.MaxCommand)
	case opts.MaxResponse < 256 || opts.MaxResponse > 0x10000:
		return nil, fmt.Errorf("%w: max response length %d outside 256..65536", ErrInvalidOptions, opts.MaxResponse)
	case opts.Consent.Delay < 0:
		return nil, fmt.Errorf("%w: negative consent delay", ErrInvalidOptions)
	}
	if opts.Consent.Decision < Approve || opts.Consent.Decision > DeclineWithErrors {
		return nil, fmt.Errorf("%w: consent decision %d", ErrInvalidOptions, opts.Consent.Decision)
	}
	w := &Wallet{opts: opts, lay: layoutFor(opts.Handover)}
	seen := map[DocKind]bool{}
	for _, k := range opts.Docs {
		if seen[k] {
			continue
		}
		seen[k] = true
		c, err := credentialFor(k, opts.IncludeMyNumber)
		if err != nil {
			return nil, err
		}
		w.creds = append(w.creds, c)
	}
	iss, err := newIssuer(opts.Seed, opts.Now())
	if err != nil {
		return nil, err
	}
	w.iss = iss
	return w, nil
}

// notReadyCount is the number of NLEN = 0 replies before the Hs.
func (w *Wallet) notReadyCount() int {
	switch {
	case w.opts.NotReady < 0:
		return 0
	case w.opts.NotReady == 0 && w.opts.Handover == Apple:
		return 3
	}
	return w.opts.NotReady
}

// ATR returns the answer to reset a contactless reader builds for a phone
// (PC/SC part 3: ISO 14443-4 type A, no historical bytes).
func (w *Wallet) ATR() []byte { return append([]byte(nil), atr...) }

// Power reports the field going on or off: either way the phone forgets
// the engagement and the session (a new tap is a new engagement).
func (w *Wallet) Power(bool) { w.Reset() }

// Reset drops the selection, the engagement and the session.
func (w *Wallet) Reset() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.app, w.file, w.eng = appNone, 0, nil
	w.xfer = transfer{}
}

// Transmit answers one APDU; it is a reader.RawTransmit and never fails.
func (w *Wallet) Transmit(apdu []byte) ([]byte, error) { return w.APDU(apdu), nil }

// Card returns the wallet as an in-process reader.Card: the real
// reader.Transceiver framing (chaining, GET RESPONSE) in front of APDU.
func (w *Wallet) Card(opts reader.Options) reader.Card {
	return reader.NewTransceiver(w.Transmit, opts)
}

// Stats counts what the wallet exchanged since it was made.
type Stats struct {
	APDUs    int // command APDUs answered
	BytesIn  int // command APDU bytes received
	BytesOut int // response APDU bytes sent, status words included
}

// Stats returns the counters.
func (w *Wallet) Stats() Stats {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stats
}

// Engagement is what the reader learnt from the last engagement, as the
// wallet served it.
type Engagement struct {
	// DeviceEngagement is the DE payload as served (and as used in the
	// SessionTranscript).
	DeviceEngagement []byte
	Hs, Hr           []byte // Hr is nil for static handover
	// EDeviceKey is the engagement's ephemeral public key.
	EDeviceKey *ecdh.PublicKey
	// BLEUUID is the service UUID of the BLE link when the Hs selected
	// BLE: the one the Hs lists (static handover), else the one of the
	// reader's Hr (negotiated handover, mdoc central client mode, 18013-5
	// §8.3.3.1.1.2). Nil when BLE was not selected or the Hr named none.
	BLEUUID *nfc.UUID
}

// Holder is the holder's side of data retrieval without the transport:
// session messages in, session messages out. The NFC ENVELOPE exchange and
// the BLE central role ([RunBLECentral]) of this package both drive it.
type Holder interface {
	Message(msg []byte) (reply []byte, end bool, err error)
}

var (
	_ Holder       = (*Wallet)(nil)
	_ vicc.Handler = (*Wallet)(nil)
)

// LastEngagement returns the current engagement once the Hs has been
// served; ok is false before.
func (w *Wallet) LastEngagement() (Engagement, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.eng == nil || w.eng.hs == nil {
		return Engagement{}, false
	}
	e := Engagement{DeviceEngagement: w.eng.de, Hs: w.eng.hs, Hr: w.eng.hr, EDeviceKey: w.eng.key.PublicKey(), BLEUUID: w.eng.uuid}
	if e.BLEUUID == nil && w.opts.Transfer == TransferBLE && !w.eng.noCarrier && e.Hr != nil {
		e.BLEUUID = hrUUID(e.Hr)
	}
	return e, true
}

// hrUUID returns the first 128-bit UUID of the Hr's BLE carrier record.
func hrUUID(hr []byte) *nfc.UUID {
	m, err := nfc.ParseMessage(hr)
	if err != nil {
		return nil
	}
	r, ok := m.Find(nfc.TNFMedia, nfc.TypeBLEOOB, nil)
	if !ok {
		return nil
	}
	ble, err := nfc.ParseBLEOOB(r.Payload)
	if err != nil || ble.UUIDFrom != nfc.UUIDFromHs {
		return nil
	}
	return &ble.UUID
}

// handover returns the encoded SessionTranscript Handover of the current
// engagement: [Hs, null] for static, [Hs, Hr] for negotiated (§9.1.5.1).
func (e *engagement) handover() ([]byte, error) {
	return mdoc.HandoverNFC(e.hs, e.hr)
}
