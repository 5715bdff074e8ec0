package mdoctest

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"sync"
	"time"

	"taimen/verify/mdoc"
	"taimen/verify/trust/trusttest"
)

// DocTypes and namespaces of the credentials Taimen reads.
const (
	DocTypeMDL   = "org.iso.18013.5.1.mDL"
	NamespaceMDL = "org.iso.18013.5.1"
	// DocTypeMNC is the iPhone My Number Card (research §6).
	DocTypeMNC     = "org.iso.23220.1.jp.mnc"
	NamespaceJP    = "org.iso.23220.1.jp"
	Namespace23220 = "org.iso.23220.1"
)

// MDLPerson returns the elements of a fictitious Japanese mDL holder:
// 17 elements of org.iso.18013.5.1 including a JPEG portrait of about 6 KB.
func MDLPerson() []Element {
	e := func(id string, v any) Element { return Element{Namespace: NamespaceMDL, Identifier: id, Value: v} }
	return []Element{
		e("family_name", "YAMADA"),
		e("given_name", "HANAKO"),
		e("family_name_national_character", "山田"),
		e("given_name_national_character", "花子"),
		e("birth_date", FullDate("1990-04-01")),
		e("issue_date", FullDate("2024-04-01")),
		e("expiry_date", FullDate("2029-05-01")),
		e("issuing_country", "JP"),
		e("issuing_authority", "見本県公安委員会"),
		e("document_number", "990012345678"),
		e("portrait", Portrait()),
		e("driving_privileges", []any{
			map[string]any{"vehicle_category_code": "B", "issue_date": FullDate("2010-06-15"), "expiry_date": FullDate("2029-05-01")},
			map[string]any{"vehicle_category_code": "AM", "issue_date": FullDate("2008-05-10")},
		}),
		e("un_distinguishing_sign", "J"),
		e("age_over_18", true),
		e("age_over_20", true),
		e("sex", 2),
		e("resident_address", "見本県架空市試験町1-2-3"),
	}
}

// MNCPerson returns the elements of a fictitious iPhone My Number Card
// holder (docType org.iso.23220.1.jp.mnc): the basic items in
// org.iso.23220.1.jp plus age and birth date in org.iso.23220.1. It never
// includes individual_number_unicode (the My Number).
func MNCPerson() []Element {
	jp := func(id string, v any) Element { return Element{Namespace: NamespaceJP, Identifier: id, Value: v} }
	g := func(id string, v any) Element { return Element{Namespace: Namespace23220, Identifier: id, Value: v} }
	return []Element{
		jp("full_name_unicode", "山田 花子"),
		jp("resident_address_unicode", "見本県架空市試験町一丁目2番3号"),
		jp("birth_date_unicode", "1990年4月1日"),
		jp("sex_unicode", "女"),
		jp("portrait", Portrait()),
		g("age_over_20", true),
		g("age_over_18", true),
		g("birth_date", FullDate("1990-04-01")),
		g("sex", 2),
	}
}

var (
	portraitOnce sync.Once
	portraitJPEG []byte
)

// Portrait returns a synthetic JPEG face placeholder of about 6 KB, the
// same bytes on every call.
func Portrait() []byte {
	portraitOnce.Do(func() {
		// A neutral ID-photo silhouette (head and shoulders on a pale
		// background) with faint deterministic grain, so that the JPEG is
		// about as large as a real ID portrait (~6 KB) and looks like one
		// on the demo screen.
		const w, h = 150, 188
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				c := color.RGBA{R: uint8(214 - y*20/h), G: uint8(222 - y*20/h), B: 232 - uint8(y*16/h), A: 255}
				hx, hy := x-w/2, y-h*2/5 // head
				sx, sy := x-w/2, y-h     // shoulders
				switch {
				case hx*hx*100/(34*34)+hy*hy*100/(44*44) < 100:
					c = color.RGBA{R: 112, G: 116, B: 124, A: 255}
				case sx*sx*100/(70*70)+sy*sy*100/(62*62) < 100:
					c = color.RGBA{R: 72, G: 78, B: 90, A: 255}
				}
				n := uint32(x*73856093 ^ y*19349663)
				n ^= n >> 13
				n *= 0x5bd1e995
				n ^= n >> 15
				g := uint8(n % 15)
				c.R, c.G, c.B = c.R+g, c.G+g, c.B+g
				img.Set(x, y, c)
			}
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
			panic(err) // cannot happen with an in-memory image
		}
		portraitJPEG = buf.Bytes()
	})
	return bytes.Clone(portraitJPEG)
}

// TestPKI is a test IACA and a document signer under it.
type TestPKI struct {
	IACA *trusttest.Issued
	DS   *trusttest.Issued
}

// NewTestPKI mints an IACA and a DS from a seed (trusttest defaults: the DS
// is valid 2020-01-01..2035-01-01). dsOpts edit the DS certificate.
func NewTestPKI(seed string, dsOpts ...trusttest.Option) (*TestPKI, error) {
	ca, err := trusttest.NewIACA(seed)
	if err != nil {
		return nil, err
	}
	ds, err := ca.IssueDS(seed, dsOpts...)
	if err != nil {
		return nil, err
	}
	return &TestPKI{IACA: ca, DS: ds}, nil
}

// Issuer returns the DS as an mdoctest issuer (x5chain = the DS alone).
func (p *TestPKI) Issuer() Issuer {
	return Issuer{Key: p.DS.Key, Chain: [][]byte{p.DS.DER}}
}

// DeviceKey derives a device key (SDeviceKey) from a seed.
func DeviceKey(curve elliptic.Curve, seed string) (*ecdsa.PrivateKey, error) {
	return trusttest.ECDSAKey(curve, "mdoctest device "+seed)
}

// Session is a fictitious proximity session: the reader's ephemeral key and
// a SessionTranscript built around it.
type Session struct {
	ReaderKey  *ecdh.PrivateKey
	Transcript mdoc.SessionTranscript
}

// NewSession builds a QR-handover session from a seed: a DeviceEngagement
// with an EDeviceKey, an EReaderKey, and Handover = null. Different seeds
// give different transcripts.
func NewSession(seed string) (*Session, error) {
	dk, err := trusttest.ECDSAKey(elliptic.P256(), "mdoctest edevice "+seed)
	if err != nil {
		return nil, err
	}
	rk, err := trusttest.ECDSAKey(elliptic.P256(), "mdoctest ereader "+seed)
	if err != nil {
		return nil, err
	}
	rkECDH, err := rk.ECDH()
	if err != nil {
		return nil, err
	}
	dkCOSE, err := mdoc.COSEKeyFromECDSA(&dk.PublicKey)
	if err != nil {
		return nil, err
	}
	rkCOSE, err := mdoc.COSEKeyFromECDH(rkECDH.PublicKey())
	if err != nil {
		return nil, err
	}
	dkBytes, err := mdoc.EncodeTag24(dkCOSE)
	if err != nil {
		return nil, err
	}
	// DeviceEngagement = {0: "1.0", 1: [1, EDeviceKeyBytes]} (18013-5 §8.2.1.1).
	de, err := mdoc.EncodeTag24(map[int]any{0: "1.0", 1: []any{1, RawCBOR(dkBytes.Raw)}})
	if err != nil {
		return nil, err
	}
	erk, err := mdoc.EncodeTag24(rkCOSE)
	if err != nil {
		return nil, err
	}
	tr, err := mdoc.NewSessionTranscript(de, erk, mdoc.HandoverQR)
	if err != nil {
		return nil, err
	}
	return &Session{ReaderKey: rkECDH, Transcript: tr}, nil
}

// Fixture bundles what a typical test needs: a PKI, a device key, a session.
type Fixture struct {
	PKI       *TestPKI
	DeviceKey *ecdsa.PrivateKey
	Session   *Session
	// At is a time at which documents minted with [Fixture.Document] are valid.
	At time.Time
}

// NewFixture builds a fixture from a seed.
func NewFixture(seed string) (*Fixture, error) {
	pki, err := NewTestPKI(seed)
	if err != nil {
		return nil, fmt.Errorf("mdoctest: %w", err)
	}
	dk, err := DeviceKey(elliptic.P256(), seed)
	if err != nil {
		return nil, fmt.Errorf("mdoctest: %w", err)
	}
	s, err := NewSession(seed)
	if err != nil {
		return nil, fmt.Errorf("mdoctest: %w", err)
	}
	return &Fixture{PKI: pki, DeviceKey: dk, Session: s, At: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)}, nil
}

// Document returns a document spec of the given docType and elements,
// signed by the fixture's DS, bound to the fixture's device key, valid
// 2024-01-01..2025-01-01.
func (f *Fixture) Document(docType string, elements []Element) Document {
	return Document{
		DocType:   docType,
		Elements:  elements,
		Issuer:    f.PKI.Issuer(),
		DeviceKey: f.DeviceKey,
	}
}

// Response returns a response spec around the documents, bound to the
// fixture's session, with the given device authentication.
func (f *Fixture) Response(mode DeviceAuthMode, docs ...Document) Response {
	return Response{
		Documents:  docs,
		Transcript: f.Session.Transcript,
		Mode:       mode,
		ReaderKey:  f.Session.ReaderKey.PublicKey(),
		Rand:       seededReader("mdoctest items"),
	}
}

// seededReader is a deterministic byte stream (SHA-256 in counter mode) for
// the items' random salts, so that minted responses are reproducible.
func seededReader(seed string) *counterReader { return &counterReader{seed: seed} }

type counterReader struct {
	seed string
	n    uint64
	buf  []byte
}

func (r *counterReader) Read(p []byte) (int, error) {
	for len(r.buf) < len(p) {
		h := sha256.Sum256(fmt.Appendf(nil, "%s\x00%d", r.seed, r.n))
		r.n++
		r.buf = append(r.buf, h[:]...)
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}
