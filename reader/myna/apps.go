package myna

import (
	"bytes"
	"encoding/hex"
	"fmt"
)

// App is a card application, named by its AID (research §1.2–§1.4).
type App struct {
	Name string
	AID  []byte
}

func (a App) String() string { return a.Name + " (" + hex.EncodeToString(a.AID) + ")" }

// The applications this package talks to.
var (
	// TextAP is the 券面事項入力補助AP (research §1.3).
	TextAP = App{"券面事項入力補助AP", []byte{0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08}}
	// FaceAP is the 券面AP / 券面事項確認AP (research §1.4).
	FaceAP = App{"券面AP", []byte{0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02}}
	// JPKIAP is the 公的個人認証AP (research §1.2).
	JPKIAP = App{"公的個人認証AP", []byte{0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01}}
)

// Elementary files (research §1.2–§1.4). Each is only meaningful inside its
// application.
const (
	// 入力補助AP
	TextEFMyNumber  uint16 = 0x0001 // My Number: NEVER selected
	TextEFBasic     uint16 = 0x0002 // 基本4情報 FF20
	TextEFIntegrity uint16 = 0x0003 // FF30 {DF31, DF32, DF33}
	TextEFCert      uint16 = 0x0004 // CV certificate 7F21
	TextEFCardKey   uint16 = 0x0007 // FF50 {DF51 card key, DF52 sig}
	TextKeyPIN      uint16 = 0x0011 // 券面事項入力補助用暗証番号
	TextKeyCodeA    uint16 = 0x0014 // 照合番号A (= the My Number): NEVER selected
	TextKeyCodeB    uint16 = 0x0015 // 照合番号B

	// 券面AP
	FaceEFFace     uint16 = 0x0002 // card face FF20
	FaceEFInfo     uint16 = 0x0003 // AP basic info FF30
	FaceEFCert     uint16 = 0x0004 // CV certificate 7F21
	FaceEFMyNumber uint16 = 0x0005 // My Number as PNG: NEVER selected
	FaceKeyCodeB   uint16 = 0x0012 // 照合番号B
	FaceKeyCodeA   uint16 = 0x0013 // 照合番号A: NEVER selected

	// 公的個人認証AP
	JPKIEFSignCert   uint16 = 0x0001 // 署名用電子証明書 (X.509)
	JPKIEFSignCACert uint16 = 0x0002 // 署名用 CA certificate
	JPKIEFTokenInfo  uint16 = 0x0006 // CK_TOKEN_INFO, 160 bytes (not TLV)
	JPKIKeySign      uint16 = 0x001A // 署名用 private key
	JPKIKeySignPwd   uint16 = 0x001B // 署名用パスワード
)

// forbidden lists the files no command built here may name: the two My
// Number files, and the 照合番号A keys, whose secret is the My Number itself.
var forbidden = []struct {
	app App
	fid uint16
	why string
}{
	{TextAP, TextEFMyNumber, "the My Number file"},
	{TextAP, TextKeyCodeA, "the 照合番号A key (the My Number)"},
	{FaceAP, FaceEFMyNumber, "the My Number image"},
	{FaceAP, FaceKeyCodeA, "the 照合番号A key (the My Number)"},
}

// ForbiddenFileError names a file this package refuses to select.
type ForbiddenFileError struct {
	App string
	FID uint16
	Why string
}

func (e *ForbiddenFileError) Error() string {
	return fmt.Sprintf("myna: refusing to select %s ef%04x: %s", e.App, e.FID, e.Why)
}

// Unwrap returns ErrForbiddenFile.
func (e *ForbiddenFileError) Unwrap() error { return ErrForbiddenFile }

// checkAllowed is the guard every SELECT EF goes through.
func checkAllowed(app App, fid uint16) error {
	for _, f := range forbidden {
		// Compare AIDs, not names: a caller-made App with the same AID is
		// the same application to the card.
		if bytes.Equal(f.app.AID, app.AID) && f.fid == fid {
			return &ForbiddenFileError{App: app.Name, FID: fid, Why: f.why}
		}
	}
	return nil
}
