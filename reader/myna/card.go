package myna

import (
	"bytes"
	"context"
	"fmt"

	"taimen/reader"
)

// TransceiverOptions is what a reader.Transceiver (or pcsc.Opener) under this
// package should use: short APDUs only, because reader support for extended
// APDUs over contactless varies and every command here fits a short one
// (research §0.5).
var TransceiverOptions = reader.Options{Length: reader.LengthShort}

// maxFile is the largest file READ BINARY with a 15-bit offset can read:
// the last chunk starts at 7FFF (ISO/IEC 7816-4 §11.2.2, P1 b8 = 0).
const (
	maxOffset = 0x7FFF
	maxFile   = maxOffset + reader.MaxShortNe
)

// session is one conversation with the card: it remembers the selected
// application so the SELECT EF guard knows which files are the My Number.
type session struct {
	card reader.Card
	app  *App // nil until an application is selected
}

func (s *session) transmit(ctx context.Context, what string, cmd reader.Command) (reader.Response, error) {
	if err := ctx.Err(); err != nil {
		return reader.Response{}, err
	}
	r, err := s.card.Transmit(ctx, cmd)
	if err != nil {
		return reader.Response{}, fmt.Errorf("myna: %s: %w", what, err)
	}
	return r, nil
}

func unexpected(what string, r reader.Response) error {
	return fmt.Errorf("%w: %s: %w", ErrUnexpectedStatus, what, r.Err())
}

// selectApp selects an application by AID (ISO/IEC 7816-4 §11.1.1,
// P1=04 by DF name, P2=0C no FCI): 00 A4 04 0C 0A <AID>. It reports false
// when the card does not have it (6A82, or anything but 9000: cards that do
// not know the AID answer in various ways).
func (s *session) selectApp(ctx context.Context, app App) (bool, error) {
	s.app = nil
	cmd := reader.Command{CLA: 0x00, INS: 0xA4, P1: 0x04, P2: 0x0C, Data: app.AID}
	r, err := s.transmit(ctx, "select "+app.Name, cmd)
	if err == nil && r.SW == 0x6F00 {
		// The first command after power-up may get 6F00 (research §1.1
		// [obs myna-card]); SELECT changes nothing, so send it once more.
		r, err = s.transmit(ctx, "select "+app.Name, cmd)
	}
	if err != nil {
		return false, err
	}
	if !r.OK() {
		return false, nil
	}
	a := app
	s.app = &a
	return true, nil
}

func (s *session) mustSelectApp(ctx context.Context, app App) error {
	ok, err := s.selectApp(ctx, app)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: no %s", ErrNotMyNumberCard, app)
	}
	return nil
}

// SelectEFCommand builds SELECT EF (00 A4 02 0C 02 <FID>) for a file of app.
// It is the only place such a command is built, and it refuses the My
// Number files and the 照合番号A keys with a *ForbiddenFileError.
func SelectEFCommand(app App, fid uint16) (reader.Command, error) {
	if err := checkAllowed(app, fid); err != nil {
		return reader.Command{}, err
	}
	return reader.Command{CLA: 0x00, INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{byte(fid >> 8), byte(fid)}}, nil
}

func (s *session) selectEF(ctx context.Context, fid uint16) error {
	if s.app == nil {
		return fmt.Errorf("myna: select ef%04x with no application selected", fid)
	}
	cmd, err := SelectEFCommand(*s.app, fid)
	if err != nil {
		return err
	}
	what := fmt.Sprintf("select %s ef%04x", s.app.Name, fid)
	r, err := s.transmit(ctx, what, cmd)
	if err != nil {
		return err
	}
	if !r.OK() {
		return unexpected(what, r)
	}
	return nil
}

// readBinaryCommand builds READ BINARY of the current EF at a 15-bit offset
// (P1 b8 = 0). There is deliberately no variant with a short EF identifier
// (P1 b8 = 1), which would read a file without the SELECT guard.
func readBinaryCommand(off, ne int) (reader.Command, error) {
	if off < 0 || off > maxOffset {
		return reader.Command{}, fmt.Errorf("%w: offset %d beyond 15 bits", ErrFileTooLarge, off)
	}
	return reader.Command{CLA: 0x00, INS: 0xB0, P1: byte(off >> 8), P2: byte(off), Ne: ne}, nil
}

// readTLV reads the current EF as one BER-TLV object: its header first (at
// most 7 bytes), then the rest in chunks of at most 256 bytes. Filler (FF)
// after the object is never read; 6B00 before the object ends means the file
// is shorter than its header says.
func (s *session) readTLV(ctx context.Context, name string) ([]byte, error) {
	head, err := s.readAt(ctx, name, 0, maxHeader)
	if err != nil {
		return nil, err
	}
	h, err := ParseHeader(head)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	total := h.Total()
	if total > maxFile {
		return nil, fmt.Errorf("%w: %s claims %d bytes", ErrFileTooLarge, name, total)
	}
	buf := make([]byte, 0, total)
	buf = append(buf, head[:min(len(head), total)]...)
	for len(buf) < total {
		part, err := s.readAt(ctx, name, len(buf), min(total-len(buf), reader.MaxShortNe))
		if err != nil {
			return nil, err
		}
		buf = append(buf, part...)
	}
	return buf[:total], nil
}

// readAt reads up to ne bytes at off. A short answer is fine (the card
// returns what is left of the file); an empty one, or 6B00 (offset past the
// end), is a truncated file.
func (s *session) readAt(ctx context.Context, name string, off, ne int) ([]byte, error) {
	cmd, err := readBinaryCommand(off, ne)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	what := fmt.Sprintf("read %s at %d", name, off)
	r, err := s.transmit(ctx, what, cmd)
	if err != nil {
		return nil, err
	}
	switch r.SW {
	case 0x9000, 0x6282: // 6282: end of file reached before ne bytes
	case 0x6B00:
		return nil, fmt.Errorf("%w: %s ends at %d, before its tlv does", ErrMalformedFile, name, off)
	default:
		return nil, unexpected(what, r)
	}
	if len(r.Data) == 0 || len(r.Data) > ne {
		return nil, fmt.Errorf("%w: %s: %d bytes for %d asked at %d", ErrMalformedFile, name, len(r.Data), ne, off)
	}
	return r.Data, nil
}

// Credential is a secret the card checks: the key EF holding its reference
// data inside an application (research §1.2–§1.4).
type Credential struct {
	Name string
	App  App
	Key  uint16
}

func (c Credential) String() string { return c.Name + " (" + c.App.Name + ")" }

// The credentials this package may present.
var (
	CodeBText    = Credential{"照合番号B", TextAP, TextKeyCodeB}
	CodeBFace    = Credential{"照合番号B", FaceAP, FaceKeyCodeB}
	SignPassword = Credential{"署名用パスワード", JPKIAP, JPKIKeySignPwd}
)

// Tries is what an empty VERIFY says about a credential.
type Tries struct {
	Left      int  // tries left; meaningful when neither Verified nor Unlimited
	Verified  bool // 9000: already verified in this power cycle
	Unlimited bool // 6300: the card keeps no count
	Blocked   bool // 63C0, 6983 or 6984
	SW        uint16
}

// verifyCommand is VERIFY of the current key EF (ISO/IEC 7816-4 §11.5.6,
// P2=80: specific reference data, the selected EF). With no secret it is
// the retries query that spends nothing.
func verifyCommand(secret []byte) reader.Command {
	return reader.Command{CLA: 0x00, INS: 0x20, P1: 0x00, P2: 0x80, Data: secret}
}

// tries selects the credential's key EF (its application must be selected)
// and asks how many tries are left.
func (s *session) tries(ctx context.Context, c Credential) (Tries, error) {
	if err := s.selectEF(ctx, c.Key); err != nil {
		return Tries{}, err
	}
	what := "retries of " + c.String()
	r, err := s.transmit(ctx, what, verifyCommand(nil))
	if err != nil {
		return Tries{}, err
	}
	switch {
	case r.SW == 0x9000:
		return Tries{Verified: true, SW: r.SW}, nil
	case r.SW == 0x6300:
		return Tries{Unlimited: true, SW: r.SW}, nil
	case r.SW == 0x63C0, r.SW == 0x6983, r.SW == 0x6984:
		return Tries{Blocked: true, SW: r.SW}, nil
	case r.SW&0xFFF0 == 0x63C0:
		return Tries{Left: int(r.SW & 0x0F), SW: r.SW}, nil
	}
	return Tries{}, unexpected(what, r)
}

// CheckTries reports the tries left for c without spending one.
func CheckTries(ctx context.Context, card reader.Card, c Credential) (Tries, error) {
	s := &session{card: card}
	if err := s.mustSelectApp(ctx, c.App); err != nil {
		return Tries{}, err
	}
	return s.tries(ctx, c)
}

// verify presents secret for c after checking the tries left: it refuses
// with *ErrRetriesLow below two tries (unless allowLast) and with
// *BlockedError when none is left, and skips VERIFY when the card says the
// credential is already verified in this power cycle.
func (s *session) verify(ctx context.Context, c Credential, secret []byte, allowLast bool) error {
	t, err := s.tries(ctx, c)
	if err != nil {
		return err
	}
	switch {
	case t.Verified:
		return nil
	case t.Blocked:
		return &BlockedError{Credential: c.String(), SW: t.SW}
	case !t.Unlimited && t.Left < 2 && !allowLast:
		return &ErrRetriesLow{Credential: c.String(), Left: t.Left}
	}
	what := "verify " + c.String()
	r, err := s.transmit(ctx, what, verifyCommand(secret))
	if err != nil {
		return err
	}
	switch {
	case r.OK():
		return nil
	case r.SW == 0x6983 || r.SW == 0x6984:
		return &BlockedError{Credential: c.String(), SW: r.SW}
	case r.SW&0xFFF0 == 0x63C0 || r.SW == 0x6300:
		return fmt.Errorf("%w: %s: %w", ErrWrongSecret, c, r.Err())
	}
	return unexpected(what, r)
}

// digestInfoSHA256 is the DER prefix of a SHA-256 DigestInfo (RFC 8017
// §9.2 note 1; research §1.2).
var digestInfoSHA256 = []byte{0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}

// DigestInfo returns the SHA-256 DigestInfo of a 32-byte digest, as the
// card's signature command takes it.
func DigestInfo(digest []byte) []byte {
	return append(bytes.Clone(digestInfoSHA256), digest...)
}

// sign sends the card's COMPUTE DIGITAL SIGNATURE (80 2A 00 P2 Lc <data>
// 00, card-proprietary; research §1.2, §2.3) with the key of the current
// application (P2=00) or the selected key EF (P2=80).
func (s *session) sign(ctx context.Context, p2 byte, data []byte) ([]byte, error) {
	what := "sign"
	r, err := s.transmit(ctx, what, reader.Command{CLA: 0x80, INS: 0x2A, P1: 0x00, P2: p2, Data: data, Ne: reader.MaxShortNe})
	if err != nil {
		return nil, err
	}
	if !r.OK() {
		return nil, unexpected(what, r)
	}
	if len(r.Data) == 0 {
		return nil, fmt.Errorf("%w: empty signature", ErrUnexpectedStatus)
	}
	return bytes.Clone(r.Data), nil
}
