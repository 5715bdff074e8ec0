package myna

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"

	"taimen/reader"
)

// Options tune a read. The zero value is usable.
type Options struct {
	// AllowLastTry lets a VERIFY go ahead when only one try is left: the
	// clerk has confirmed it (CLI --allow-last-try). Without it the read
	// stops with *ErrRetriesLow.
	AllowLastTry bool
	// Rand supplies the nonce the chip signs; crypto/rand when nil.
	Rand io.Reader
}

// NonceSize is the number of random bytes the chip signs.
const NonceSize = 32

func (o Options) nonce() ([]byte, error) {
	r := o.Rand
	if r == nil {
		r = rand.Reader
	}
	n := make([]byte, NonceSize)
	if _, err := io.ReadFull(r, n); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoRandom, err)
	}
	return n, nil
}

// Apps says which My Number Card applications answered SELECT.
type Apps struct {
	Text, Face, JPKI bool
}

// Detect selects each application by AID (never by ATR, research §0.4) and
// fails with ErrNotMyNumberCard when none is there. A card with only the
// JPKI AP is a phone's スマホ用電子証明書 (research §3.4).
func Detect(ctx context.Context, card reader.Card) (Apps, error) {
	s := &session{card: card}
	var a Apps
	for _, x := range []struct {
		app App
		ok  *bool
	}{{TextAP, &a.Text}, {FaceAP, &a.Face}, {JPKIAP, &a.JPKI}} {
		ok, err := s.selectApp(ctx, x.app)
		if err != nil {
			return Apps{}, err
		}
		*x.ok = ok
	}
	if !a.Text && !a.Face && !a.JPKI {
		return Apps{}, ErrNotMyNumberCard
	}
	return a, nil
}

// TextFiles are the 券面事項入力補助AP files 照合番号B opens, as read
// (research §1.3). EF0001 (the My Number) is never among them.
type TextFiles struct {
	Basic     []byte // EF0002 基本4情報 FF20 {DF21 offsets, DF22 氏名, DF23 住所, DF24 生年月日, DF25 性別}
	Integrity []byte // EF0003 FF30 {DF31, DF32, DF33 signature}
	Cert      []byte // EF0004 CV certificate 7F21 of this AP's issuer key
	CardKey   []byte // EF0007 FF50 {DF51 card public key, DF52 issuer signature}
}

// FaceFiles are the 券面AP files, as read (research §1.4). EF0005 (the My
// Number image) is never among them.
type FaceFiles struct {
	Face []byte // EF0002 FF20 {DF21 offsets, DF22 生年月日, DF23 性別, DF24 card key, DF25 氏名 PNG, DF26 住所 PNG, DF27 顔写真 JP2, DF28 sig, DF29 有効期限, DF2A セキュリティコード PNG}
	Info []byte // EF0003 AP basic info FF30
	Cert []byte // EF0004 CV certificate 7F21
}

// Challenge is a fresh nonce and the chip's signature over
// DigestInfo(SHA-256(Nonce)) (research §2.3): a clone that copied the files
// cannot make it.
type Challenge struct {
	Nonce     []byte
	Signed    []byte // the DigestInfo sent to the card
	Signature []byte // RSASSA-PKCS1-v1_5 by the card key (券面AP EF0002 DF24)
}

// FaceRead is everything ReadFace got from the card, byte for byte.
type FaceRead struct {
	Apps      Apps
	Text      TextFiles
	Face      FaceFiles
	Challenge Challenge
}

// ReadFace opens the 入力補助AP and the 券面AP with 照合番号B, reads their
// files and has the card sign a fresh nonce with the 券面AP card key.
//
// Each VERIFY is preceded by a retries query (see Options.AllowLastTry); a
// wrong code stops the read at once, so it costs exactly one try. Errors:
// ErrNotMyNumberCard, *ErrRetriesLow, *BlockedError (ErrBlocked),
// ErrWrongSecret with a *reader.RetriesError in its chain, ErrMalformedFile,
// ErrUnexpectedStatus, or a transport error (reader.ErrCardRemoved,
// reader.ErrTransactionFailed, …) as it came.
func ReadFace(ctx context.Context, card reader.Card, code CodeB, opts Options) (*FaceRead, error) {
	// Check the shape again: a CodeB built by hand must not reach the card.
	if _, err := ParseCodeB(code.String()); err != nil {
		return nil, err
	}
	nonce, err := opts.nonce()
	if err != nil {
		return nil, err
	}
	secret := []byte(code.String())
	s := &session{card: card}
	out := &FaceRead{}

	if out.Apps, err = Detect(ctx, card); err != nil {
		return nil, err
	}
	if !out.Apps.Text || !out.Apps.Face {
		return nil, fmt.Errorf("%w: 券面事項入力補助AP %v, 券面AP %v", ErrNotMyNumberCard, out.Apps.Text, out.Apps.Face)
	}

	if err := s.mustSelectApp(ctx, TextAP); err != nil {
		return nil, err
	}
	if err := s.verify(ctx, CodeBText, secret, opts.AllowLastTry); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		fid uint16
		dst *[]byte
	}{
		{TextEFBasic, &out.Text.Basic},
		{TextEFIntegrity, &out.Text.Integrity},
		{TextEFCert, &out.Text.Cert},
		{TextEFCardKey, &out.Text.CardKey},
	} {
		if *f.dst, err = s.readFile(ctx, f.fid); err != nil {
			return nil, err
		}
	}

	if err := s.mustSelectApp(ctx, FaceAP); err != nil {
		return nil, err
	}
	if err := s.verify(ctx, CodeBFace, secret, opts.AllowLastTry); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		fid uint16
		dst *[]byte
	}{
		{FaceEFFace, &out.Face.Face},
		{FaceEFInfo, &out.Face.Info},
		{FaceEFCert, &out.Face.Cert},
	} {
		if *f.dst, err = s.readFile(ctx, f.fid); err != nil {
			return nil, err
		}
	}

	// The 券面AP is still selected: P2=00 signs with its card key.
	if out.Challenge, err = s.challenge(ctx, 0x00, nonce); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *session) readFile(ctx context.Context, fid uint16) ([]byte, error) {
	if err := s.selectEF(ctx, fid); err != nil {
		return nil, err
	}
	return s.readTLV(ctx, fmt.Sprintf("%s ef%04x", s.app.Name, fid))
}

func (s *session) challenge(ctx context.Context, p2 byte, nonce []byte) (Challenge, error) {
	h := sha256.Sum256(nonce)
	di := DigestInfo(h[:])
	sig, err := s.sign(ctx, p2, di)
	if err != nil {
		return Challenge{}, err
	}
	return Challenge{Nonce: nonce, Signed: di, Signature: sig}, nil
}

// SignRead is what ReadSignCert got: the 署名用電子証明書, its CA
// certificate as the card holds it (not a trust anchor, research §2.4), and
// the signing key's signature over a fresh nonce.
type SignRead struct {
	Cert      []byte // EF0001 X.509 DER
	CACert    []byte // EF0002 X.509 DER
	Challenge Challenge
}

// ReadSignCert opens the JPKI AP's signing key with the 署名用パスワード
// (after the same retries rule as ReadFace; 5 tries on a real card), reads
// the 署名用電子証明書 and signs a fresh nonce with the signing key
// (80 2A 00 80 after selecting EF001A; research §1.2).
func ReadSignCert(ctx context.Context, card reader.Card, password string, opts Options) (*SignRead, error) {
	if err := CheckSignPassword(password); err != nil {
		return nil, err
	}
	nonce, err := opts.nonce()
	if err != nil {
		return nil, err
	}
	s := &session{card: card}
	if err := s.mustSelectApp(ctx, JPKIAP); err != nil {
		return nil, err
	}
	out := &SignRead{}
	// The CA certificate is free to read: read it before spending anything.
	if out.CACert, err = s.readFile(ctx, JPKIEFSignCACert); err != nil {
		return nil, err
	}
	if err := s.verify(ctx, SignPassword, []byte(password), opts.AllowLastTry); err != nil {
		return nil, err
	}
	if out.Cert, err = s.readFile(ctx, JPKIEFSignCert); err != nil {
		return nil, err
	}
	if err := s.selectEF(ctx, JPKIKeySign); err != nil {
		return nil, err
	}
	if out.Challenge, err = s.challenge(ctx, 0x80, nonce); err != nil {
		return nil, err
	}
	return out, nil
}
