package myna

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"time"
)

// Input is what a 照合番号B read of a My Number Card gives: each EF exactly
// as read (trailing FF filler may be left on), and the chip challenge. A
// nil field is "not read"; its checks are then not_checked. Never put the
// My Number files here (入力補助AP EF0001, 券面AP EF0005): [VerifyCard]
// refuses them.
type Input struct {
	CardFaceCert []byte // 券面AP EF0004: CV certificate (free to read)
	CardFace     []byte // 券面AP EF0002: card face (照合番号B)

	TextCert      []byte // 入力補助AP EF0004: CV certificate (free to read)
	Text          []byte // 入力補助AP EF0002: 基本4情報 (照合番号B)
	TextIntegrity []byte // 入力補助AP EF0003: digests and signature (照合番号B)

	// Nonce is the fresh challenge the host had the 券面AP sign (GET
	// CHALLENGE answer or host random, at least MinNonceLen bytes), and
	// ChallengeSignature the answer to `80 2A 00 00 Lc DigestInfo(SHA-256(
	// Nonce)) 00` (research §2.3). Freshness is the caller's job: use a new
	// nonce for every read.
	Nonce              []byte
	ChallengeSignature []byte

	// Optional: the 入力補助AP's own chip key (EF0007, 照合番号B) and its
	// answer to the same `80 2A 00 00` over DigestInfo(SHA-256(Nonce)) with
	// the 入力補助AP selected. Without them text_chip_challenge is
	// not_checked, which does not spoil a valid verdict.
	TextCardKey            []byte
	TextChallengeSignature []byte
}

// jst is Japan Standard Time: the card's dates are Japanese calendar days.
// A fixed zone, so no tzdata is needed.
var jst = time.FixedZone("JST", 9*60*60)

// VerifyCard verifies a 照合番号B read against the configured J-LIS CA keys
// at time at. It returns a verdict for anything the card sends, malformed or
// not; the only error is a [*MyNumberError] when a My Number file was
// passed in, and then there is no verdict.
func VerifyCard(in *Input, keys []CAKey, at time.Time) (*Result, error) {
	if in == nil {
		in = &Input{}
	}
	for _, b := range [][]byte{in.CardFaceCert, in.CardFace, in.TextCert, in.Text, in.TextIntegrity, in.TextCardKey} {
		if err := refuseMyNumber(b); err != nil {
			return nil, err
		}
	}
	r := &Result{}

	// 券面AP: certificate, then the card face it vouches for.
	faceCert := r.checkCert(CheckCardFaceCertificate, in.CardFaceCert, keys)
	face, faceOK := r.checkCardFace(in.CardFace, faceCert)

	// 入力補助AP: certificate, then integrity record and text.
	textCert := r.checkCert(CheckTextCertificate, in.TextCert, keys)
	text, textOK := r.checkText(in.Text, in.TextIntegrity, textCert)

	r.checkChallenge(face, faceOK, in.Nonce, in.ChallengeSignature)
	r.checkTextChallenge(textCert, in.TextCardKey, in.Nonce, in.TextChallengeSignature)
	r.checkConsistency(face, faceOK, text, textOK)
	r.checkValidity(face, at)

	if textOK {
		r.Person.Name, r.Person.Address = text.Name, text.Address
		r.Person.BirthDate, r.Person.Sex = text.BirthDate.String(), text.Sex
	}
	if faceOK {
		if !textOK {
			r.Person.BirthDate, r.Person.Sex = face.BirthDate.String(), face.Sex
		}
		r.Person.Expiry = face.Expiry.String()
		r.Warnings = append(r.Warnings, WarnExpiryUnsigned)
		// Copies: the verdict must not change when the caller wipes or
		// reuses its read buffers.
		r.Person.Photo = newImage(face.Photo)
		r.Person.NameImage = newImage(face.NameImage)
		r.Person.AddressImage = newImage(face.AddressImage)
	}
	r.fold(cardRequired)
	return r, nil
}

// checkCert checks one AP's CV certificate and returns it when it verified
// with a configured CA key (research §2.1).
func (r *Result) checkCert(id string, raw []byte, keys []CAKey) *CVCert {
	if len(raw) == 0 {
		r.notChecked(id, CodeNotRead, "")
		return nil
	}
	c, err := ParseCVCert(raw)
	if err != nil {
		r.invalid(id, CodeCertMalformed, err.Error())
		return nil
	}
	if len(keys) == 0 {
		r.notChecked(id, CodeNoCAKeys, "issuer key "+c.IssuerKeyID.String())
		return nil
	}
	cands := findCAKeys(keys, c.IssuerKeyID)
	if len(cands) == 0 {
		r.invalid(id, CodeUnknownCAKey, "issuer key "+c.IssuerKeyID.String())
		return nil
	}
	for _, k := range cands {
		if c.CheckSignatureFrom(k.Key) == nil {
			r.valid(id)
			r.Keys = append(r.Keys, KeyUse{Check: id, KeyID: c.IssuerKeyID.String(), Source: k.Source})
			return c
		}
	}
	r.invalid(id, CodeCertSigInvalid, fmt.Sprintf("issuer key %s: %d candidate keys", c.IssuerKeyID, len(cands)))
	return nil
}

// checkCardFace parses the card face and verifies its signature with the
// key certified in 券面AP EF0004 (research §2.2). The parsed face is
// returned even when the signature failed (its unsigned expiry still
// feeds validity); ok says whether the signature verified.
func (r *Result) checkCardFace(raw []byte, cert *CVCert) (*CardFace, bool) {
	if len(raw) == 0 {
		r.notChecked(CheckCardFaceSignature, CodeNotRead, "")
		return nil, false
	}
	face, err := ParseCardFace(raw)
	if err != nil {
		r.invalid(CheckCardFaceSignature, CodeRecordMalformed, err.Error())
		return nil, false
	}
	if cert == nil {
		r.notChecked(CheckCardFaceSignature, CodeNotReached, "card face certificate not verified")
		return face, false
	}
	if err := face.CheckSignatureFrom(cert.PublicKey); err != nil {
		r.invalid(CheckCardFaceSignature, CodeSignatureInvalid, err.Error())
		return face, false
	}
	r.valid(CheckCardFaceSignature)
	return face, true
}

// checkText verifies the text integrity record with the key certified in
// 入力補助AP EF0004 and that its DF32 is the digest of the text record.
func (r *Result) checkText(rawText, rawInt []byte, cert *CVCert) (*TextRecord, bool) {
	if len(rawText) == 0 || len(rawInt) == 0 {
		r.notChecked(CheckTextSignature, CodeNotRead, "")
		return nil, false
	}
	text, err := ParseTextRecord(rawText)
	if err != nil {
		r.invalid(CheckTextSignature, CodeRecordMalformed, err.Error())
		return nil, false
	}
	ti, err := ParseTextIntegrity(rawInt)
	if err != nil {
		r.invalid(CheckTextSignature, CodeRecordMalformed, err.Error())
		return nil, false
	}
	if cert == nil {
		r.notChecked(CheckTextSignature, CodeNotReached, "text certificate not verified")
		return text, false
	}
	if err := ti.CheckSignatureFrom(cert.PublicKey); err != nil {
		r.invalid(CheckTextSignature, CodeSignatureInvalid, err.Error())
		return text, false
	}
	if !ti.Matches(text) {
		r.invalid(CheckTextSignature, CodeDigestMismatch, "EF0003 DF32 is not the SHA-256 of EF0002 DF22..end")
		return text, false
	}
	r.valid(CheckTextSignature)
	return text, true
}

// checkChallenge verifies the chip's signature of the nonce with the key in
// the signed card face (DF24): RSASSA-PKCS1-v1_5 over a SHA-256 DigestInfo
// (research §2.3 [obs myna-card README, surface.rs `sign`]).
func (r *Result) checkChallenge(face *CardFace, faceOK bool, nonce, sig []byte) {
	switch {
	case !faceOK:
		r.notChecked(CheckChipChallenge, CodeNotReached, "card face signature not verified")
	case len(nonce) == 0 || len(sig) == 0:
		r.notChecked(CheckChipChallenge, CodeNoChallenge, "")
	case len(nonce) < MinNonceLen:
		r.invalid(CheckChipChallenge, CodeNonceTooShort, fmt.Sprintf("%d bytes", len(nonce)))
	default:
		h := sha256.Sum256(nonce)
		if err := rsa.VerifyPKCS1v15(face.PublicKey, crypto.SHA256, h[:], sig); err != nil {
			r.invalid(CheckChipChallenge, CodeChallengeFailed, "")
			return
		}
		r.valid(CheckChipChallenge)
	}
}

// checkTextChallenge verifies the 入力補助AP card key record (EF0007, signed
// by the key certified in 入力補助AP EF0004) and the nonce signed with it.
func (r *Result) checkTextChallenge(cert *CVCert, rawKey, nonce, sig []byte) {
	const id = CheckTextChipChallenge
	if len(rawKey) == 0 || len(nonce) == 0 || len(sig) == 0 {
		r.notChecked(id, CodeNoChallenge, "")
		return
	}
	k, err := ParseTextCardKey(rawKey)
	switch {
	case err != nil:
		r.invalid(id, CodeRecordMalformed, err.Error())
	case cert == nil:
		r.notChecked(id, CodeNotReached, "text certificate not verified")
	case k.CheckSignatureFrom(cert.PublicKey) != nil:
		r.invalid(id, CodeSignatureInvalid, "EF0007 DF52 does not verify")
	case len(nonce) < MinNonceLen:
		r.invalid(id, CodeNonceTooShort, fmt.Sprintf("%d bytes", len(nonce)))
	default:
		h := sha256.Sum256(nonce)
		if rsa.VerifyPKCS1v15(k.PublicKey, crypto.SHA256, h[:], sig) != nil {
			r.invalid(id, CodeChallengeFailed, "")
			return
		}
		r.valid(id)
	}
}

func (r *Result) checkConsistency(face *CardFace, faceOK bool, text *TextRecord, textOK bool) {
	switch {
	case !faceOK || !textOK:
		r.notChecked(CheckConsistency, CodeNotReached, "needs both signed records")
	case face.BirthDate != text.BirthDate:
		r.invalid(CheckConsistency, CodeBirthDateMismatch, "")
	case face.Sex != text.Sex:
		r.invalid(CheckConsistency, CodeSexMismatch, "")
	default:
		r.valid(CheckConsistency)
	}
}

// checkValidity compares the verification day in Japan with the card's
// expiry date: the card is valid through its expiry date.
func (r *Result) checkValidity(face *CardFace, at time.Time) {
	if face == nil {
		r.notChecked(CheckValidity, CodeNotReached, "no card face")
		return
	}
	y, m, d := at.In(jst).Date()
	today := Date{Year: y, Month: int(m), Day: d}
	if dateAfter(today, face.Expiry) {
		r.invalid(CheckValidity, CodeCardExpired, "expired "+face.Expiry.String())
		return
	}
	r.valid(CheckValidity)
}

func dateAfter(a, b Date) bool {
	if a.Year != b.Year {
		return a.Year > b.Year
	}
	if a.Month != b.Month {
		return a.Month > b.Month
	}
	return a.Day > b.Day
}

func newImage(b []byte) *Image {
	return &Image{MediaType: imageType(b), Bytes: bytes.Clone(b)}
}

var jp2Magic = []byte{0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A}

// imageType names an image's media type from its magic bytes: the card
// gives no other indication [obs myna-card `ImageFormat::detect`].
func imageType(b []byte) string {
	switch {
	case bytes.HasPrefix(b, jp2Magic):
		return MediaTypeJP2
	case bytes.HasPrefix(b, pngMagic):
		return "image/png"
	}
	return "application/octet-stream"
}
