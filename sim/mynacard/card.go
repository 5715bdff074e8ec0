// Package mynacard is a simulated My Number Card (マイナンバーカード): the
// 券面事項入力補助AP, the 券面AP and the 公的個人認証AP with their files, key
// references, retry counters and signing keys, answering APDUs as
// research/mynumbercard.md describes real cards to (§1.1–§1.4): 63Cx with a
// decrementing counter for a wrong secret, 63C0 then 6984 once blocked, 6982
// for a protected file before VERIFY, 6B00 past the end of a file, 6881 on a
// logical channel other than 0.
//
// A [Card] is a sim/vicc.Handler, so it runs in-process (call APDU) or as a
// virtual card behind a real pcscd (vicc.Serve). It records every APDU it
// answers ([Card.Log]) so tests can prove which files a reader selected,
// and calls an optional hook before each one (tests pull the card there).
//
// The card holds the My Number files like a real one, protected by the PIN
// or 照合番号A, which 照合番号B never opens.
package mynacard

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"sync"

	"taimen/reader"
	"taimen/sim/vicc"
)

var _ vicc.Handler = (*Card)(nil)

// AIDs (research §1.2–§1.4).
var (
	AIDText = []byte{0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08}
	AIDFace = []byte{0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02}
	AIDJPKI = []byte{0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01}
)

// DefaultATR is what a contactless reader builds for a Type B card (PC/SC
// part 3 §3.1.3.2.3); readers differ, which is why nothing keys on it.
var DefaultATR = []byte{0x3B, 0x88, 0x80, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09}

// Files are the elementary files of each application by FID, as the card
// stores them (FF filler included). Which credential opens which file is
// the card's business (see New), not the caller's.
type Files struct {
	Text map[uint16][]byte // 券面事項入力補助AP (research §1.3)
	Face map[uint16][]byte // 券面AP (research §1.4)
	JPKI map[uint16][]byte // 公的個人認証AP (research §1.2)
}

// Config is one card.
type Config struct {
	// CodeB is 照合番号B (14 digits) for the 入力補助AP and the 券面AP.
	CodeB string
	// MyNumber is the 12-digit 個人番号, which is also 照合番号A.
	MyNumber string
	// CodeBTries is the try limit of 照合番号B in each AP (not published for
	// real cards, research §1.6); default 10.
	CodeBTries int
	// PIN is the 4-digit 券面事項入力補助用暗証番号 and 利用者証明用暗証番号
	// (3 tries each); empty means no PIN is ever accepted.
	PIN string
	// SignPassword is the 署名用パスワード (5 tries); empty means the
	// signing key never opens.
	SignPassword string

	Files Files
	// FaceKey is the 券面AP card key (public half in EF0002 DF24), TextKey
	// the 入力補助AP one (EF0007 DF51), SignKey and AuthKey the JPKI keys.
	FaceKey, TextKey, SignKey, AuthKey *rsa.PrivateKey

	// Rand feeds GET CHALLENGE; crypto/rand when nil.
	Rand io.Reader
	// ATR defaults to DefaultATR.
	ATR []byte
	// Mute6F00 makes the first command after each power-up fail with 6F00,
	// as some real cards do (research §1.1 [obs myna-card]).
	Mute6F00 bool
	// Filler is a number of FF bytes appended to every file, for files
	// minted without the filler a real card has after its objects.
	Filler int
}

// Cred names a key reference, for [Card.Tries].
type Cred int

const (
	CredCodeBText    Cred = iota // 入力補助AP EF0015
	CredCodeAText                // 入力補助AP EF0014
	CredPINText                  // 入力補助AP EF0011
	CredCodeBFace                // 券面AP EF0012
	CredCodeAFace                // 券面AP EF0013
	CredBirthFace                // 券面AP EF0011 (生年月日 YYMMDD as printed)
	CredAuthPIN                  // JPKI EF0018
	CredSignPassword             // JPKI EF001B
	numCreds
)

type keyRef struct {
	secret   []byte // nil: never accepted
	max      int
	left     int
	verified bool
}

type file struct {
	data   []byte
	key    Cred   // for key EFs: which credential; -1 otherwise
	access []Cred // any one verified opens it; nil: free
	sign   *rsa.PrivateKey
}

type application struct {
	name  string
	aid   []byte
	files map[uint16]*file
	// defaultKey signs 80 2A with P2=00 (research §2.3), without PIN.
	defaultKey *rsa.PrivateKey
}

// Entry is one answered APDU.
type Entry struct {
	Index int
	Cmd   []byte
	SW    uint16
	// App is the name of the application selected after the command.
	App string
	// EF is the file this command selected or named (SELECT EF, READ BINARY
	// with a short EF identifier, VERIFY with P2=80|SFI); 0 when none.
	EF uint16
}

// Selection is a file a command selected or named.
type Selection struct {
	App string
	EF  uint16
}

// Card is the simulated card. Its methods are safe for concurrent use.
type Card struct {
	mu    sync.Mutex
	apps  []*application
	creds [numCreds]*keyRef
	rand  io.Reader
	atr   []byte
	mute  bool // Config.Mute6F00
	fresh bool // powered up, no command answered yet

	cur   *application
	curEF *file
	curID uint16

	log    []Entry
	hook   func(index int, cmd []byte)
	answer func(Entry)
}

const (
	nameText = "券面事項入力補助AP"
	nameFace = "券面AP"
	nameJPKI = "公的個人認証AP"
)

// New builds a card from cfg.
func New(cfg Config) (*Card, error) {
	if len(cfg.CodeB) != 14 || !digits(cfg.CodeB) {
		return nil, errors.New("mynacard: code b must be 14 digits")
	}
	if len(cfg.MyNumber) != 12 || !digits(cfg.MyNumber) {
		return nil, errors.New("mynacard: my number must be 12 digits")
	}
	if cfg.CodeBTries == 0 {
		cfg.CodeBTries = 10
	}
	if cfg.CodeBTries < 1 || cfg.CodeBTries > 15 {
		return nil, fmt.Errorf("mynacard: %d tries do not fit 63Cx", cfg.CodeBTries)
	}
	if cfg.Filler < 0 {
		return nil, errors.New("mynacard: negative filler")
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.ATR == nil {
		cfg.ATR = DefaultATR
	}
	c := &Card{rand: cfg.Rand, atr: bytes.Clone(cfg.ATR), mute: cfg.Mute6F00, fresh: true}
	secret := func(s string) []byte {
		if s == "" {
			return nil
		}
		return []byte(s)
	}
	c.creds[CredCodeBText] = newKey(secret(cfg.CodeB), cfg.CodeBTries)
	c.creds[CredCodeBFace] = newKey(secret(cfg.CodeB), cfg.CodeBTries)
	c.creds[CredCodeAText] = newKey(secret(cfg.MyNumber), cfg.CodeBTries)
	c.creds[CredCodeAFace] = newKey(secret(cfg.MyNumber), cfg.CodeBTries)
	c.creds[CredBirthFace] = newKey(secret(cfg.CodeB[:6]), cfg.CodeBTries)
	c.creds[CredPINText] = newKey(secret(cfg.PIN), 3)
	c.creds[CredAuthPIN] = newKey(secret(cfg.PIN), 3)
	c.creds[CredSignPassword] = newKey(secret(cfg.SignPassword), 5)

	// Access rules (research §1.2–§1.4): any one of the listed credentials
	// opens the file; files not listed are free to read.
	text := newApp(nameText, AIDText, cfg.TextKey, cfg.Files.Text, cfg.Filler,
		map[uint16][]Cred{
			0x0001: {CredPINText, CredCodeAText},
			0x0002: {CredPINText, CredCodeBText},
			0x0003: {CredPINText, CredCodeAText, CredCodeBText},
			0x0006: {CredPINText, CredCodeAText, CredCodeBText},
			0x0007: {CredPINText, CredCodeAText, CredCodeBText},
		},
		map[uint16]Cred{0x0011: CredPINText, 0x0014: CredCodeAText, 0x0015: CredCodeBText})
	face := newApp(nameFace, AIDFace, cfg.FaceKey, cfg.Files.Face, cfg.Filler,
		map[uint16][]Cred{
			0x0001: {CredBirthFace},
			0x0002: {CredCodeBFace, CredCodeAFace},
			0x0005: {CredCodeAFace},
		},
		map[uint16]Cred{0x0011: CredBirthFace, 0x0012: CredCodeBFace, 0x0013: CredCodeAFace})
	jpki := newApp(nameJPKI, AIDJPKI, nil, cfg.Files.JPKI, cfg.Filler,
		map[uint16][]Cred{0x0001: {CredSignPassword}},
		map[uint16]Cred{0x0018: CredAuthPIN, 0x001B: CredSignPassword})
	if cfg.AuthKey != nil {
		jpki.files[0x0017] = &file{key: -1, sign: cfg.AuthKey, access: []Cred{CredAuthPIN}}
	}
	if cfg.SignKey != nil {
		jpki.files[0x001A] = &file{key: -1, sign: cfg.SignKey, access: []Cred{CredSignPassword}}
	}
	c.apps = []*application{text, face, jpki}
	return c, nil
}

func newApp(name string, aid []byte, def *rsa.PrivateKey, files map[uint16][]byte, filler int, access map[uint16][]Cred, keys map[uint16]Cred) *application {
	a := &application{name: name, aid: aid, defaultKey: def, files: map[uint16]*file{}}
	for id, b := range files {
		data := append(bytes.Clone(b), bytes.Repeat([]byte{0xFF}, filler)...)
		a.files[id] = &file{data: data, key: -1, access: access[id]}
	}
	for id, k := range keys {
		a.files[id] = &file{key: k}
	}
	return a
}

func newKey(secret []byte, max int) *keyRef { return &keyRef{secret: secret, max: max, left: max} }

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// ATR implements vicc.Handler.
func (c *Card) ATR() []byte { return bytes.Clone(c.atr) }

// Power implements vicc.Handler: switching the card off clears every
// verified state and the selection (research §1.1: VERIFY holds until the
// card is powered down).
func (c *Card) Power(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !on {
		for _, k := range c.creds {
			k.verified = false
		}
	}
	c.fresh = true
	c.cur, c.curEF, c.curID = nil, nil, 0
}

// Reset implements vicc.Handler: a warm reset loses the selection but, as
// on the real card, not the verified states (research §1.1).
func (c *Card) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cur, c.curEF, c.curID = nil, nil, 0
}

// SetHook sets a function called with the index and bytes of every APDU
// before it is answered (nil removes it). It runs with no lock held, so it
// may call vicc.Client.Remove.
func (c *Card) SetHook(h func(index int, cmd []byte)) {
	c.mu.Lock()
	c.hook = h
	c.mu.Unlock()
}

// SetAnswerHook sets a function called with the log entry of every APDU
// after it is answered (nil removes it); it runs with no lock held. The
// entry's Cmd holds the command data, secrets of VERIFY included.
func (c *Card) SetAnswerHook(h func(Entry)) {
	c.mu.Lock()
	c.answer = h
	c.mu.Unlock()
}

// Log returns a copy of every APDU answered so far.
func (c *Card) Log() []Entry {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Entry, len(c.log))
	copy(out, c.log)
	return out
}

// Selections lists every file a command selected or named, in order,
// whether or not the card then allowed access.
func (c *Card) Selections() []Selection {
	var out []Selection
	for _, e := range c.Log() {
		if e.EF != 0 {
			out = append(out, Selection{App: e.App, EF: e.EF})
		}
	}
	return out
}

// Tries returns the tries left for a credential.
func (c *Card) Tries(k Cred) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.creds[k].left
}

// APDU implements vicc.Handler.
func (c *Card) APDU(b []byte) []byte {
	c.mu.Lock()
	idx, hook := len(c.log), c.hook
	c.mu.Unlock()
	if hook != nil {
		hook(idx, bytes.Clone(b))
	}
	c.mu.Lock()
	e, out, answer := c.answerLocked(b)
	c.mu.Unlock()
	if answer != nil {
		answer(e)
	}
	return out
}

func (c *Card) answerLocked(b []byte) (Entry, []byte, func(Entry)) {
	e := Entry{Index: len(c.log), Cmd: bytes.Clone(b)}
	var r reader.Response
	if c.mute && c.fresh {
		r = sw(0x6F00)
	} else {
		r = c.handle(b, &e)
	}
	c.fresh = false
	e.SW = r.SW
	if c.cur != nil {
		e.App = c.cur.name
	}
	c.log = append(c.log, e)
	return e, r.Encode(), c.answer
}

func sw(s uint16) reader.Response { return reader.Response{SW: s} }

func (c *Card) handle(b []byte, e *Entry) reader.Response {
	cmd, err := reader.ParseCommand(b)
	if err != nil {
		return sw(0x6700)
	}
	switch {
	case cmd.CLA&0x10 != 0:
		return sw(0x6884) // command chaining not supported
	case cmd.CLA&0x03 != 0 || cmd.CLA&0x40 != 0:
		return sw(0x6881) // logical channel not supported: only channel 0 (research §1.1)
	case cmd.CLA != 0x00 && cmd.CLA != 0x80:
		return sw(0x6E00)
	}
	switch {
	case cmd.CLA == 0x00 && cmd.INS == 0xA4:
		return c.selectFile(cmd, e)
	case cmd.CLA == 0x00 && cmd.INS == 0x20:
		return c.verify(cmd, e)
	case cmd.CLA == 0x00 && cmd.INS == 0xB0:
		return c.readBinary(cmd, e)
	case cmd.CLA == 0x00 && cmd.INS == 0x84:
		return c.getChallenge(cmd)
	case cmd.CLA == 0x80 && cmd.INS == 0x2A:
		return c.sign(cmd)
	}
	return sw(0x6D00)
}

func (c *Card) selectFile(cmd reader.Command, e *Entry) reader.Response {
	switch {
	case cmd.P1 == 0x04 && cmd.P2 == 0x0C:
		c.cur, c.curEF, c.curID = nil, nil, 0
		for _, a := range c.apps {
			if bytes.Equal(a.aid, cmd.Data) {
				c.cur = a
				return sw(0x9000)
			}
		}
		return sw(0x6A82)
	case cmd.P1 == 0x02 && cmd.P2 == 0x0C:
		if len(cmd.Data) != 2 {
			return sw(0x6700)
		}
		id := uint16(cmd.Data[0])<<8 | uint16(cmd.Data[1])
		if c.cur == nil {
			return sw(0x6A82)
		}
		e.EF = id
		f, ok := c.cur.files[id]
		if !ok {
			return sw(0x6A82)
		}
		c.curEF, c.curID = f, id
		return sw(0x9000)
	case cmd.P1 == 0x00 && cmd.P2 == 0x00:
		// Selecting the MF is unreliable on real cards (research §1.1);
		// the sim refuses it so a reader relying on it fails here.
		return sw(0x6A86)
	}
	return sw(0x6A86)
}

// byShortID resolves a short EF identifier (1–30) in the current
// application and makes it the current EF, as ISO/IEC 7816-4 §7.2.2 says.
func (c *Card) byShortID(sfi byte, e *Entry) (*file, reader.Response) {
	if c.cur == nil {
		return nil, sw(0x6A82)
	}
	id := uint16(sfi)
	e.EF = id
	f, ok := c.cur.files[id]
	if !ok {
		return nil, sw(0x6A82)
	}
	c.curEF, c.curID = f, id
	return f, reader.Response{}
}

func (c *Card) verify(cmd reader.Command, e *Entry) reader.Response {
	if cmd.P1 != 0x00 || cmd.P2&0x80 == 0 {
		return sw(0x6A86)
	}
	f := c.curEF
	if sfi := cmd.P2 & 0x1F; sfi != 0 {
		var r reader.Response
		if f, r = c.byShortID(sfi, e); f == nil {
			return r
		}
	}
	if f == nil || f.key < 0 {
		return sw(0x6986) // no current key EF
	}
	k := c.creds[f.key]
	if len(cmd.Data) == 0 {
		switch {
		case k.verified:
			return sw(0x9000)
		case k.left == 0:
			return sw(0x63C0)
		}
		return sw(0x63C0 | uint16(k.left))
	}
	if k.left == 0 {
		return sw(0x6984)
	}
	if k.secret != nil && bytes.Equal(cmd.Data, k.secret) {
		k.left, k.verified = k.max, true
		return sw(0x9000)
	}
	k.left--
	k.verified = false
	return sw(0x63C0 | uint16(k.left))
}

func (c *Card) open(f *file) bool {
	if len(f.access) == 0 {
		return true
	}
	for _, k := range f.access {
		if c.creds[k].verified {
			return true
		}
	}
	return false
}

func (c *Card) readBinary(cmd reader.Command, e *Entry) reader.Response {
	f, off := c.curEF, int(cmd.P1)<<8|int(cmd.P2)
	if cmd.P1&0x80 != 0 {
		if cmd.P1&0x60 != 0 {
			return sw(0x6A86)
		}
		var r reader.Response
		if f, r = c.byShortID(cmd.P1&0x1F, e); f == nil {
			return r
		}
		off = int(cmd.P2)
	}
	if f == nil {
		return sw(0x6986)
	}
	if f.key >= 0 || f.sign != nil {
		return sw(0x6981) // a key, not a binary file
	}
	if !c.open(f) {
		return sw(0x6982)
	}
	if len(cmd.Data) != 0 || cmd.Ne == 0 {
		return sw(0x6700)
	}
	if off >= len(f.data) {
		return sw(0x6B00)
	}
	end := min(off+cmd.Ne, len(f.data))
	return reader.Response{Data: bytes.Clone(f.data[off:end]), SW: 0x9000}
}

func (c *Card) getChallenge(cmd reader.Command) reader.Response {
	if cmd.P1 != 0 || cmd.P2 != 0 || cmd.Ne == 0 {
		return sw(0x6A86)
	}
	b := make([]byte, cmd.Ne)
	if _, err := io.ReadFull(c.rand, b); err != nil {
		return sw(0x6F00)
	}
	return reader.Response{Data: b, SW: 0x9000}
}

// sign is COMPUTE DIGITAL SIGNATURE 80 2A 00 P2 (research §1.2, §2.3): the
// card PKCS#1 v1.5-pads the data it is sent (a DigestInfo) and signs it.
// P2=00 uses the current application's card key, P2=80 the selected key
// EF, P2=80|SFI the key EF with that identifier.
func (c *Card) sign(cmd reader.Command) reader.Response {
	if cmd.P1 != 0x00 {
		return sw(0x6A86)
	}
	if c.cur == nil {
		return sw(0x6985)
	}
	var key *rsa.PrivateKey
	switch {
	case cmd.P2 == 0x00:
		key = c.cur.defaultKey
	case cmd.P2&0x80 != 0:
		f := c.curEF
		if sfi := cmd.P2 & 0x1F; sfi != 0 {
			f = c.cur.files[uint16(sfi)]
		}
		if f == nil || f.sign == nil {
			return sw(0x6A88)
		}
		if !c.open(f) {
			return sw(0x6982)
		}
		key = f.sign
	default:
		return sw(0x6A86)
	}
	if key == nil {
		return sw(0x6A88)
	}
	if len(cmd.Data) == 0 || len(cmd.Data) > key.Size()-11 {
		return sw(0x6A80)
	}
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.Hash(0), cmd.Data)
	if err != nil {
		return sw(0x6F00)
	}
	return reader.Response{Data: sig, SW: 0x9000}
}
