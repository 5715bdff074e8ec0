// Package mdoctest mints ISO/IEC 18013-5 credentials and DeviceResponses on
// the holder side, for tests, benchmarks and the simulator: an MSO signed by
// a test document signer, IssuerSignedItems with their digests, and device
// authentication by signature or MAC bound to a SessionTranscript. Every
// step can be tampered with to produce the negative cases a verifier must
// reject.
//
// Nothing here is a real credential; the people in [MDLPerson] and
// [MNCPerson] are fictitious, and no minted credential carries a My Number
// (individual_number_unicode) unless a caller adds one explicitly.
package mdoctest

import (
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/big"
	"slices"
	"sort"
	"time"

	"github.com/fxamacker/cbor/v2"

	"taimen/verify"
	"taimen/verify/mdoc"
)

// Issuer is a document signer: its key and its x5chain (DER, DS first; the
// IACA is normally left out, 18013-5 §9.1.2.4).
type Issuer struct {
	Key   crypto.Signer
	Chain [][]byte
}

// Element is one data element to mint. Value is encoded with Taimen's
// deterministic CBOR encoder; use [FullDate] and [TDate] for dates and
// [RawCBOR] for bytes that must go out exactly as given.
type Element struct {
	Namespace  string
	Identifier string
	Value      any
}

// FullDate is an RFC 8943 full-date, encoded #6.1004("YYYY-MM-DD").
type FullDate string

// MarshalCBOR encodes #6.1004(tstr).
func (d FullDate) MarshalCBOR() ([]byte, error) {
	return verify.Marshal(cbor.Tag{Number: 1004, Content: string(d)})
}

// TDate is a tdate, encoded #6.0(RFC 3339 text).
type TDate time.Time

// MarshalCBOR encodes #6.0(tstr).
func (d TDate) MarshalCBOR() ([]byte, error) {
	return verify.Marshal(cbor.Tag{Number: 0, Content: time.Time(d).UTC().Format(time.RFC3339)})
}

// RawCBOR is an element value that is already encoded.
type RawCBOR []byte

// MarshalCBOR returns the bytes as given.
func (r RawCBOR) MarshalCBOR() ([]byte, error) { return []byte(r), nil }

// Item is an IssuerSignedItem as minted, before encoding; tamper hooks may
// edit it.
type Item struct {
	DigestID          uint64 `cbor:"digestID"`
	Random            []byte `cbor:"random"`
	ElementIdentifier string `cbor:"elementIdentifier"`
	ElementValue      any    `cbor:"elementValue"`
}

// MSO is the MobileSecurityObject as minted (18013-5 §9.1.2.4), before it is
// encoded and signed; tamper hooks may edit it. Dates are TDate values, or
// plain strings for the untagged form some issuers send.
type MSO struct {
	Version         string                       `cbor:"version"`
	DigestAlgorithm string                       `cbor:"digestAlgorithm"`
	ValueDigests    map[string]map[uint64][]byte `cbor:"valueDigests"`
	DeviceKeyInfo   DeviceKeyInfo                `cbor:"deviceKeyInfo"`
	DocType         string                       `cbor:"docType"`
	ValidityInfo    ValidityInfo                 `cbor:"validityInfo"`
}

// DeviceKeyInfo is the MSO's deviceKeyInfo; DeviceKey is a *mdoc.COSEKey or
// any value for tampering.
type DeviceKeyInfo struct {
	DeviceKey any `cbor:"deviceKey"`
}

// ValidityInfo is the MSO's validityInfo.
type ValidityInfo struct {
	Signed         any `cbor:"signed"`
	ValidFrom      any `cbor:"validFrom"`
	ValidUntil     any `cbor:"validUntil"`
	ExpectedUpdate any `cbor:"expectedUpdate,omitempty"`
}

// DeviceAuthMode selects how the document is bound to the session.
type DeviceAuthMode int

const (
	// DeviceSignature: COSE_Sign1 by the device key (18013-5 §9.1.3.6).
	DeviceSignature DeviceAuthMode = iota
	// DeviceMAC: COSE_Mac0 with EMacKey from ECDH(device key, EReaderKey) (§9.1.3.5).
	DeviceMAC
)

// Tamper lists the ways to spoil a minted document. The zero value mints a
// correct one.
type Tamper struct {
	// Item edits an item after its digest went into the MSO.
	Item func(ns string, it *Item)
	// ItemBytes edits an item's encoded tag-24 bytes after its digest went into the MSO.
	ItemBytes func(ns string, raw []byte) []byte
	// MSO edits the MSO before it is signed.
	MSO func(m *MSO)
	// MSOBytes replaces the encoded MSO (the content of the tag-24 payload) before signing.
	MSOBytes func(inner []byte) []byte
	// IssuerProtected replaces the issuerAuth protected header (the content
	// of the bstr) that is signed; use []byte{} for an empty one.
	IssuerProtected []byte
	// IssuerUnprotected replaces the issuerAuth unprotected header value.
	IssuerUnprotected any
	// X5ChainAsArray sends x5chain as an array even for one certificate.
	X5ChainAsArray bool
	// FlipIssuerSignature flips one bit of the issuerAuth signature.
	FlipIssuerSignature bool
	// IssuerPayloadNull sends issuerAuth with a null payload.
	IssuerPayloadNull bool
	// DeviceProtected replaces the deviceSignature/deviceMac protected header content.
	DeviceProtected []byte
	// FlipDeviceAuth flips one bit of the device signature or MAC tag.
	FlipDeviceAuth bool
	// DeviceTranscript binds device authentication to this transcript
	// instead of the response's (a replay from another session).
	DeviceTranscript *mdoc.SessionTranscript
	// DeviceDocType binds device authentication to another docType.
	DeviceDocType string
	// MACKey replaces the derived EMacKey.
	MACKey []byte
	// DeviceNameSpaces replaces the encoded DeviceNameSpaces (content of the tag 24).
	DeviceNameSpaces []byte
	// DeviceAuthBoth sends both deviceSignature and deviceMac; DeviceAuthNone neither.
	DeviceAuthBoth, DeviceAuthNone bool
	// Document edits the encoded Document map just before it is placed in the response.
	Document func(doc map[string]any)
}

// Document is one document to mint.
type Document struct {
	DocType  string
	Elements []Element // disclosed, in this order
	// Withheld elements are digested into the MSO but not disclosed.
	Withheld []Element
	Issuer   Issuer
	// DeviceKey is the holder's device key (SDeviceKey): *ecdsa.PrivateKey
	// for signature or MAC, ed25519.PrivateKey for signature.
	DeviceKey crypto.Signer
	// Validity; zero Signed means 2024-01-01, zero ValidFrom means Signed,
	// zero ValidUntil means ValidFrom + 1 year.
	Signed, ValidFrom, ValidUntil time.Time
	ExpectedUpdate                *time.Time
	// DigestAlg is "SHA-256" (default), "SHA-384" or "SHA-512".
	DigestAlg string
	// DatesUntagged writes the MSO dates as plain tstr (research §8).
	DatesUntagged bool
	// Errors are element errors to report (namespace → element → code).
	Errors map[string]map[string]int
	Tamper Tamper
}

// Response is a DeviceResponse to mint.
type Response struct {
	Documents      []Document
	DocumentErrors map[string]int
	Status         uint64
	// Transcript is the session the documents are bound to.
	Transcript mdoc.SessionTranscript
	// Mode selects deviceSignature or deviceMAC; for a MAC, ReaderKey is the
	// reader's EReaderKey public key.
	Mode      DeviceAuthMode
	ReaderKey *ecdh.PublicKey
	// Rand supplies the items' random salts; nil means crypto/rand.
	Rand io.Reader
}

// MintResponse issues every document and presents all its elements in
// one DeviceResponse: the one-call path for tests.
func MintResponse(r Response) ([]byte, error) {
	rnd := r.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	ps := make([]Presentation, 0, len(r.Documents))
	for i := range r.Documents {
		c, err := issue(&r.Documents[i], rnd)
		if err != nil {
			return nil, fmt.Errorf("mdoctest: document %d: %w", i, err)
		}
		ps = append(ps, Presentation{Credential: c})
	}
	return Respond(SessionBinding{Transcript: r.Transcript, Mode: r.Mode, ReaderKey: r.ReaderKey}, r.Status, r.DocumentErrors, ps...)
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func hasherFor(alg string) (func() hash.Hash, error) {
	switch alg {
	case "", mdoc.DigestSHA256:
		return sha256.New, nil
	case mdoc.DigestSHA384:
		return sha512.New384, nil
	case mdoc.DigestSHA512:
		return sha512.New, nil
	}
	return sha256.New, nil // unknown names still mint, for the negative test
}

// Credential is an issued mdoc as a wallet holds it: the issuerAuth
// (signed MSO) and the IssuerSignedItemBytes of every element, from which
// each presentation discloses a selection.
type Credential struct {
	DocType    string
	IssuerAuth RawCBOR
	Items      []IssuedItem // Document.Elements, in order; Withheld elements are not kept
	spec       *Document
}

// IssuedItem is one element's IssuerSignedItemBytes (tag 24 included), as
// the holder sends it (after the Item/ItemBytes tamper hooks).
type IssuedItem struct {
	Namespace, Identifier string
	Bytes                 RawCBOR
}

// Issue mints the items and the MSO of a document and signs the MSO (the
// issuer side). rnd supplies the items' random salts (nil: crypto/rand).
func Issue(d Document, rnd io.Reader) (*Credential, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	c, err := issue(&d, rnd)
	if err != nil {
		return nil, fmt.Errorf("mdoctest: %w", err)
	}
	return c, nil
}

func issue(d *Document, rnd io.Reader) (*Credential, error) {
	if d.Issuer.Key == nil || len(d.Issuer.Chain) == 0 {
		return nil, errors.New("no issuer")
	}
	if d.DeviceKey == nil {
		return nil, errors.New("no device key")
	}
	tm := &d.Tamper
	digestAlg := d.DigestAlg
	if digestAlg == "" {
		digestAlg = mdoc.DigestSHA256
	}
	newHash, err := hasherFor(digestAlg)
	if err != nil {
		return nil, err
	}
	cred := &Credential{DocType: d.DocType, spec: d}

	// Items and digests. digestIDs are assigned per namespace in order;
	// withheld elements take the following IDs.
	digests := map[string]map[uint64][]byte{}
	nextID := map[string]uint64{}
	mint := func(e Element, disclose bool) error {
		random := make([]byte, 16)
		if _, err := io.ReadFull(rnd, random); err != nil {
			return err
		}
		it := Item{DigestID: nextID[e.Namespace], Random: random, ElementIdentifier: e.Identifier, ElementValue: e.Value}
		nextID[e.Namespace]++
		t, err := mdoc.EncodeTag24(it)
		if err != nil {
			return fmt.Errorf("element %s/%s: %w", e.Namespace, e.Identifier, err)
		}
		h := newHash()
		h.Write(t.Raw)
		if digests[e.Namespace] == nil {
			digests[e.Namespace] = map[uint64][]byte{}
		}
		digests[e.Namespace][it.DigestID] = h.Sum(nil)
		if !disclose {
			return nil
		}
		raw := t.Raw
		if tm.Item != nil {
			tm.Item(e.Namespace, &it)
			t2, err := mdoc.EncodeTag24(it)
			if err != nil {
				return err
			}
			raw = t2.Raw
		}
		if tm.ItemBytes != nil {
			raw = tm.ItemBytes(e.Namespace, append([]byte(nil), raw...))
		}
		cred.Items = append(cred.Items, IssuedItem{Namespace: e.Namespace, Identifier: e.Identifier, Bytes: RawCBOR(raw)})
		return nil
	}
	for _, e := range d.Elements {
		if err := mint(e, true); err != nil {
			return nil, err
		}
	}
	for _, e := range d.Withheld {
		if err := mint(e, false); err != nil {
			return nil, err
		}
	}

	deviceKey, err := coseKeyOf(d.DeviceKey.Public())
	if err != nil {
		return nil, err
	}
	signed := d.Signed
	if signed.IsZero() {
		signed = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	from := d.ValidFrom
	if from.IsZero() {
		from = signed
	}
	until := d.ValidUntil
	if until.IsZero() {
		until = from.AddDate(1, 0, 0)
	}
	date := func(t time.Time) any {
		if d.DatesUntagged {
			return t.UTC().Format(time.RFC3339)
		}
		return TDate(t)
	}
	mso := MSO{
		Version:         "1.0",
		DigestAlgorithm: digestAlg,
		ValueDigests:    digests,
		DeviceKeyInfo:   DeviceKeyInfo{DeviceKey: deviceKey},
		DocType:         d.DocType,
		ValidityInfo:    ValidityInfo{Signed: date(signed), ValidFrom: date(from), ValidUntil: date(until)},
	}
	if d.ExpectedUpdate != nil {
		mso.ValidityInfo.ExpectedUpdate = date(*d.ExpectedUpdate)
	}
	if tm.MSO != nil {
		tm.MSO(&mso)
	}
	msoInner, err := verify.Marshal(mso)
	if err != nil {
		return nil, err
	}
	if tm.MSOBytes != nil {
		msoInner = tm.MSOBytes(msoInner)
	}
	msoBytes, err := mdoc.NewTag24(msoInner)
	if err != nil {
		return nil, err
	}
	if cred.IssuerAuth, err = signIssuerAuth(d, msoBytes.Raw); err != nil {
		return nil, err
	}
	return cred, nil
}

// SessionBinding binds presentations to a session: the transcript, and for a MAC the reader's
// EReaderKey public key.
type SessionBinding struct {
	Transcript mdoc.SessionTranscript
	Mode       DeviceAuthMode
	ReaderKey  *ecdh.PublicKey
}

// Presentation is one credential as returned in one session.
type Presentation struct {
	Credential *Credential
	// Disclose selects the elements to return (namespace → identifiers);
	// nil returns every issued element.
	Disclose map[string][]string
	// Errors are element errors to report; nil uses the Document's.
	Errors map[string]map[string]int
}

// Present builds the Document of one presentation (the holder side):
// the selected items, the issuerAuth, and device authentication over this
// session's transcript.
func (p Presentation) Present(b SessionBinding) (map[string]any, error) {
	c := p.Credential
	if c == nil || c.spec == nil {
		return nil, errors.New("mdoctest: presentation without a credential")
	}
	d := c.spec
	tm := &d.Tamper
	disclosed := map[string][]any{}
	for _, it := range c.Items {
		if p.Disclose != nil && !slices.Contains(p.Disclose[it.Namespace], it.Identifier) {
			continue
		}
		disclosed[it.Namespace] = append(disclosed[it.Namespace], it.Bytes)
	}

	dnsInner := []byte{0xa0}
	if tm.DeviceNameSpaces != nil {
		dnsInner = tm.DeviceNameSpaces
	}
	dns, err := mdoc.NewTag24(dnsInner)
	if err != nil {
		return nil, err
	}
	tr := b.Transcript
	if tm.DeviceTranscript != nil {
		tr = *tm.DeviceTranscript
	}
	authDocType := d.DocType
	if tm.DeviceDocType != "" {
		authDocType = tm.DeviceDocType
	}
	dab := mdoc.DeviceAuthenticationBytes(tr, authDocType, dns)
	deviceAuth := map[string]any{}
	wantSig := b.Mode == DeviceSignature || tm.DeviceAuthBoth
	wantMac := b.Mode == DeviceMAC || tm.DeviceAuthBoth
	if tm.DeviceAuthNone {
		wantSig, wantMac = false, false
	}
	if wantSig {
		sig, err := signDevice(d, dab)
		if err != nil {
			return nil, err
		}
		deviceAuth["deviceSignature"] = sig
	}
	if wantMac {
		mac, err := macDevice(d, b.ReaderKey, tr, dab)
		if err != nil {
			return nil, err
		}
		deviceAuth["deviceMac"] = mac
	}

	issuerSigned := map[string]any{"issuerAuth": c.IssuerAuth}
	if len(disclosed) > 0 {
		issuerSigned["nameSpaces"] = disclosed
	}
	doc := map[string]any{
		"docType":      d.DocType,
		"issuerSigned": issuerSigned,
		"deviceSigned": map[string]any{"nameSpaces": RawCBOR(dns.Raw), "deviceAuth": deviceAuth},
	}
	errs := p.Errors
	if errs == nil {
		errs = d.Errors
	}
	if len(errs) > 0 {
		doc["errors"] = errs
	}
	if tm.Document != nil {
		tm.Document(doc)
	}
	return doc, nil
}

// Respond encodes a DeviceResponse (18013-5 §8.3.2.1.2.2) from
// presentations of issued credentials: what a wallet sends for one request.
func Respond(b SessionBinding, status uint64, documentErrors map[string]int, ps ...Presentation) ([]byte, error) {
	resp := map[string]any{"version": "1.0", "status": status}
	if len(ps) > 0 {
		docs := make([]any, 0, len(ps))
		for i, p := range ps {
			d, err := p.Present(b)
			if err != nil {
				return nil, fmt.Errorf("mdoctest: document %d: %w", i, err)
			}
			docs = append(docs, d)
		}
		resp["documents"] = docs
	}
	if len(documentErrors) > 0 {
		errs := make([]any, 0, len(documentErrors))
		for _, dt := range sortedKeys(documentErrors) {
			errs = append(errs, map[string]int{dt: documentErrors[dt]})
		}
		resp["documentErrors"] = errs
	}
	return verify.Marshal(resp)
}

func coseKeyOf(pub crypto.PublicKey) (any, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		return mdoc.COSEKeyFromECDSA(k)
	case ed25519.PublicKey:
		// OKP Ed25519 (RFC 9053 §7.2): {1: 1, -1: 6, -2: x}.
		return map[int]any{1: 1, -1: 6, -2: []byte(k)}, nil
	}
	return nil, fmt.Errorf("device key %T unsupported", pub)
}

// algOf returns the COSE alg that fits a signing key.
func algOf(k crypto.PublicKey) (int64, crypto.Hash, int, error) {
	switch k := k.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve.Params().BitSize {
		case 256:
			return -7, crypto.SHA256, 32, nil
		case 384:
			return -35, crypto.SHA384, 48, nil
		case 521:
			return -36, crypto.SHA512, 66, nil
		}
	case ed25519.PublicKey:
		return -8, 0, 0, nil
	}
	return 0, 0, 0, fmt.Errorf("key %T unsupported", k)
}

// sign1 builds and signs a COSE_Sign1 (RFC 9052 §4.4) by hand rather than
// with go-cose, so that the protected header, alg and signature can be
// spoiled freely for negative tests (go-cose refuses to sign such messages).
func sign1(key crypto.Signer, protected []byte, unprotected any, payload []byte, detached bool, flip bool) (RawCBOR, error) {
	_, h, size, err := algOf(key.Public())
	if err != nil {
		return nil, err
	}
	tbs, err := verify.Marshal([]any{"Signature1", protected, []byte{}, payload})
	if err != nil {
		return nil, err
	}
	var sig []byte
	if h == 0 {
		sig, err = key.Sign(rand.Reader, tbs, crypto.Hash(0))
	} else {
		hh := h.New()
		hh.Write(tbs)
		var der []byte
		der, err = key.Sign(rand.Reader, hh.Sum(nil), h)
		if err == nil {
			sig, err = derToRaw(der, size)
		}
	}
	if err != nil {
		return nil, err
	}
	if flip {
		sig[len(sig)/3] ^= 0x01
	}
	var p any = payload
	if detached {
		p = nil
	}
	if unprotected == nil {
		unprotected = map[int]any{}
	}
	b, err := verify.Marshal([]any{protected, unprotected, p, sig})
	return RawCBOR(b), err
}

func derToRaw(der []byte, size int) ([]byte, error) {
	var rs struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(der, &rs); err != nil {
		return nil, err
	}
	out := make([]byte, 2*size)
	rs.R.FillBytes(out[:size])
	rs.S.FillBytes(out[size:])
	return out, nil
}

func protectedFor(key crypto.PublicKey, override []byte) ([]byte, error) {
	if override != nil {
		return override, nil
	}
	alg, _, _, err := algOf(key)
	if err != nil {
		return nil, err
	}
	return verify.Marshal(map[int]int64{1: alg})
}

func signIssuerAuth(d *Document, payload []byte) (RawCBOR, error) {
	tm := &d.Tamper
	prot, err := protectedFor(d.Issuer.Key.Public(), tm.IssuerProtected)
	if err != nil {
		return nil, err
	}
	var x5 any = d.Issuer.Chain[0]
	if len(d.Issuer.Chain) > 1 || tm.X5ChainAsArray {
		x5 = d.Issuer.Chain
	}
	var unprot any = map[int]any{33: x5}
	if tm.IssuerUnprotected != nil {
		unprot = tm.IssuerUnprotected
	}
	m, err := sign1(d.Issuer.Key, prot, unprot, payload, false, tm.FlipIssuerSignature)
	if err != nil || !tm.IssuerPayloadNull {
		return m, err
	}
	var parts []cbor.RawMessage
	if err := verify.Unmarshal(m, &parts); err != nil {
		return nil, err
	}
	parts[2] = cbor.RawMessage{0xf6}
	b, err := verify.Marshal(parts)
	return RawCBOR(b), err
}

func signDevice(d *Document, dab []byte) (RawCBOR, error) {
	prot, err := protectedFor(d.DeviceKey.Public(), d.Tamper.DeviceProtected)
	if err != nil {
		return nil, err
	}
	return sign1(d.DeviceKey, prot, nil, dab, true, d.Tamper.FlipDeviceAuth)
}

// DeriveEMacKey is the holder side of 18013-5 §9.1.3.5:
// HKDF-SHA256(ECDH(SDeviceKey.priv, EReaderKey.pub), SHA-256(SessionTranscriptBytes), "EMacKey", 32).
func DeriveEMacKey(deviceKey *ecdsa.PrivateKey, readerPub *ecdh.PublicKey, t mdoc.SessionTranscript) ([]byte, error) {
	priv, err := deviceKey.ECDH()
	if err != nil {
		return nil, err
	}
	z, err := priv.ECDH(readerPub)
	if err != nil {
		return nil, err
	}
	salt := t.Salt()
	return hkdf.Key(sha256.New, z, salt[:], "EMacKey", 32)
}

func macDevice(d *Document, readerKey *ecdh.PublicKey, tr mdoc.SessionTranscript, dab []byte) (RawCBOR, error) {
	key := d.Tamper.MACKey
	if key == nil {
		dk, ok := d.DeviceKey.(*ecdsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("device MAC needs an ECDSA device key, not %T", d.DeviceKey)
		}
		if readerKey == nil {
			return nil, errors.New("device MAC needs the reader key")
		}
		var err error
		if key, err = DeriveEMacKey(dk, readerKey, tr); err != nil {
			return nil, err
		}
	}
	prot := d.Tamper.DeviceProtected
	if prot == nil {
		prot = []byte{0xa1, 0x01, 0x05} // {1: 5} HMAC 256/256
	}
	ms, err := verify.Marshal([]any{"MAC0", prot, []byte{}, dab})
	if err != nil {
		return nil, err
	}
	h := hmac.New(sha256.New, key)
	h.Write(ms)
	tag := h.Sum(nil)
	if d.Tamper.FlipDeviceAuth {
		tag[5] ^= 0x01
	}
	b, err := verify.Marshal([]any{prot, map[int]any{}, nil, tag})
	return RawCBOR(b), err
}
