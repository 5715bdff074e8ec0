// Package trusttest mints a test PKI for 18013-5: IACAs, document signers,
// reader CAs and reader certificates, VICAL signers, CRLs and VICALs. By
// default every certificate follows its Annex B profile; options break one
// rule at a time, so tests can prove each check fails on its own.
//
// Keys are derived from a seed string, so the same seed always gives the
// same key (Go 1.26 crypto ignores caller randomness for key generation, so
// the scalar is derived directly). Signatures are not deterministic.
//
// This is not a _test package: the wallet simulator uses it to mint
// credentials. Nothing here is meant for production keys.
package trusttest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// EKU OIDs of 18013-5 Annex B / C.
var (
	OIDDocumentSigner = asn1.ObjectIdentifier{1, 0, 18013, 5, 1, 2}
	OIDReaderAuth     = asn1.ObjectIdentifier{1, 0, 18013, 5, 1, 6}
	OIDVICALSigner    = asn1.ObjectIdentifier{1, 0, 18013, 5, 1, 8}
)

var (
	oidSKI  = asn1.ObjectIdentifier{2, 5, 29, 14}
	oidKU   = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidIAN  = asn1.ObjectIdentifier{2, 5, 29, 18}
	oidBC   = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidCRL  = asn1.ObjectIdentifier{2, 5, 29, 31}
	oidEKU  = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidAKI  = asn1.ObjectIdentifier{2, 5, 29, 35}
	errCfg  = errors.New("trusttest: invalid options")
	dsFrom  = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	dsTo    = time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC)
	caTo    = time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)
	ianHost = "https://example.jp"
)

// Issued is a minted certificate with its key.
type Issued struct {
	Cert *x509.Certificate
	DER  []byte
	Key  crypto.Signer
}

// KeyKind selects the key type of a certificate being minted.
type KeyKind int

const (
	KeyECDSA KeyKind = iota
	KeyEd25519
	KeyRSA
)

// Template is what the options edit before a certificate is signed. The
// extensions Go cannot produce the way Annex B wants (critical EKU with
// private OIDs, issuerAltName, controllable SKI/AKI and basicConstraints)
// are held here and encoded by hand.
type Template struct {
	Cert x509.Certificate // subject, validity, serial, keyUsage, CRL DPs ...

	Key     KeyKind
	Curve   elliptic.Curve // for KeyECDSA; default P-256
	RSABits int            // for KeyRSA

	EKU         []asn1.ObjectIdentifier // nil: no EKU extension
	EKUCritical bool
	SKI         bool   // emit a subjectKeyIdentifier
	AKI         []byte // authorityKeyIdentifier; nil: none
	IAN         string // issuerAltName URI; "": none
	BC          *BasicConstraints
	Extra       []pkix.Extension // appended; an OID here replaces the default extension
}

// BasicConstraints is the basicConstraints extension to emit.
type BasicConstraints struct {
	IsCA     bool
	PathLen  int // < 0: no pathLenConstraint
	Critical bool
}

// Option edits a Template.
type Option func(*Template)

// WithValidity sets notBefore and notAfter.
func WithValidity(from, to time.Time) Option {
	return func(t *Template) { t.Cert.NotBefore, t.Cert.NotAfter = from, to }
}

// WithCurve selects an ECDSA key on curve c.
func WithCurve(c elliptic.Curve) Option {
	return func(t *Template) { t.Key, t.Curve = KeyECDSA, c }
}

// WithEd25519 selects an Ed25519 key.
func WithEd25519() Option { return func(t *Template) { t.Key = KeyEd25519 } }

// WithRSA selects an RSA key of the given size (for negative tests; RSA
// keys below 1024 bits cannot sign in Go, so use them only for leaves).
func WithRSA(bits int) Option { return func(t *Template) { t.Key, t.RSABits = KeyRSA, bits } }

// WithKeyUsage replaces the keyUsage bits (0 removes the extension).
func WithKeyUsage(ku x509.KeyUsage) Option { return func(t *Template) { t.Cert.KeyUsage = ku } }

// WithEKU replaces the extended key usages.
func WithEKU(oids ...asn1.ObjectIdentifier) Option {
	return func(t *Template) { t.EKU = append([]asn1.ObjectIdentifier(nil), oids...) }
}

// WithEKUCritical sets the criticality of the EKU extension.
func WithEKUCritical(critical bool) Option { return func(t *Template) { t.EKUCritical = critical } }

// WithoutEKU removes the EKU extension.
func WithoutEKU() Option { return func(t *Template) { t.EKU = nil } }

// WithoutSKI removes the subjectKeyIdentifier.
func WithoutSKI() Option { return func(t *Template) { t.SKI = false } }

// WithAKI sets the authorityKeyIdentifier to b (nil removes it).
func WithAKI(b []byte) Option { return func(t *Template) { t.AKI = append([]byte(nil), b...) } }

// WithoutAKI removes the authorityKeyIdentifier.
func WithoutAKI() Option { return func(t *Template) { t.AKI = nil } }

// WithCountry sets the subject countryName ("" removes it).
func WithCountry(c string) Option {
	return func(t *Template) {
		t.Cert.Subject.Country = nil
		if c != "" {
			t.Cert.Subject.Country = []string{c}
		}
	}
}

// WithState sets the subject stateOrProvinceName ("" removes it).
func WithState(s string) Option {
	return func(t *Template) {
		t.Cert.Subject.Province = nil
		if s != "" {
			t.Cert.Subject.Province = []string{s}
		}
	}
}

// WithSubject replaces the whole subject.
func WithSubject(n pkix.Name) Option { return func(t *Template) { t.Cert.Subject = n } }

// WithSerial sets the serial number.
func WithSerial(n *big.Int) Option {
	return func(t *Template) { t.Cert.SerialNumber = new(big.Int).Set(n) }
}

// WithCRLDP replaces the CRL distribution point URIs (none removes the extension).
func WithCRLDP(uris ...string) Option {
	return func(t *Template) { t.Cert.CRLDistributionPoints = append([]string(nil), uris...) }
}

// WithIAN sets the issuerAltName URI ("" removes it).
func WithIAN(uri string) Option { return func(t *Template) { t.IAN = uri } }

// WithBasicConstraints sets basicConstraints (critical); pathLen < 0 omits
// the pathLenConstraint.
func WithBasicConstraints(isCA bool, pathLen int) Option {
	return func(t *Template) { t.BC = &BasicConstraints{IsCA: isCA, PathLen: pathLen, Critical: true} }
}

// WithoutBasicConstraints removes basicConstraints.
func WithoutBasicConstraints() Option { return func(t *Template) { t.BC = nil } }

// WithExtraExtension adds an extension; it replaces a default one with the
// same OID.
func WithExtraExtension(e pkix.Extension) Option {
	return func(t *Template) { t.Extra = append(t.Extra, e) }
}

// WithSignatureAlgorithm forces the signature algorithm of the issuer.
func WithSignatureAlgorithm(a x509.SignatureAlgorithm) Option {
	return func(t *Template) { t.Cert.SignatureAlgorithm = a }
}

// NewIACA mints a self-signed IACA with the B.1.2 profile: keyUsage
// keyCertSign+cRLSign (critical), basicConstraints CA pathLen 0
// (critical), SKI, a CRL distribution point URI, issuerAltName, C=JP.
func NewIACA(seed string, opts ...Option) (*Issued, error) {
	t := baseTemplate("iaca", seed, "JP")
	t.Cert.NotAfter = caTo
	t.Cert.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	t.BC = &BasicConstraints{IsCA: true, PathLen: 0, Critical: true}
	return mint("iaca", seed, t, nil, opts)
}

// IssueDS mints a document signer under ca with the B.1.4 profile:
// digitalSignature, EKU 1.0.18013.5.1.2 (critical), AKI, SKI, CRL DP, IAN,
// and the issuer's country and state.
func (ca *Issued) IssueDS(seed string, opts ...Option) (*Issued, error) {
	t := baseTemplate("ds", seed, "")
	t.Cert.Subject.Country = append([]string(nil), ca.Cert.Subject.Country...)
	t.Cert.Subject.Province = append([]string(nil), ca.Cert.Subject.Province...)
	t.Cert.KeyUsage = x509.KeyUsageDigitalSignature
	t.EKU, t.EKUCritical = []asn1.ObjectIdentifier{OIDDocumentSigner}, true
	return mint("ds", seed, t, ca, opts)
}

// NewReaderRoot mints a self-signed reader CA (keyCertSign+cRLSign, CA
// pathLen 0, SKI, CRL DP).
func NewReaderRoot(seed string, opts ...Option) (*Issued, error) {
	t := baseTemplate("reader root", seed, "JP")
	t.Cert.NotAfter = caTo
	t.Cert.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	t.BC = &BasicConstraints{IsCA: true, PathLen: 0, Critical: true}
	t.IAN = ""
	return mint("reader root", seed, t, nil, opts)
}

// IssueReader mints a reader authentication certificate (B.1.7):
// digitalSignature, EKU 1.0.18013.5.1.6 (critical), AKI, SKI, CRL DP.
func (ca *Issued) IssueReader(seed string, opts ...Option) (*Issued, error) {
	t := baseTemplate("reader", seed, "JP")
	t.Cert.KeyUsage = x509.KeyUsageDigitalSignature
	t.EKU, t.EKUCritical = []asn1.ObjectIdentifier{OIDReaderAuth}, true
	t.IAN = ""
	return mint("reader", seed, t, ca, opts)
}

// IssueVICALSigner mints a VICAL signer (C.1.6): digitalSignature, EKU
// 1.0.18013.5.1.8 (critical), AKI, SKI.
func (ca *Issued) IssueVICALSigner(seed string, opts ...Option) (*Issued, error) {
	t := baseTemplate("vical signer", seed, "JP")
	t.Cert.KeyUsage = x509.KeyUsageDigitalSignature
	t.EKU, t.EKUCritical = []asn1.ObjectIdentifier{OIDVICALSigner}, true
	return mint("vical signer", seed, t, ca, opts)
}

// IssueCRL signs a CRL listing revokedSerials (revoked at thisUpdate).
func (ca *Issued) IssueCRL(revokedSerials []*big.Int, thisUpdate, nextUpdate time.Time) ([]byte, error) {
	tmpl := &x509.RevocationList{
		Number:     big.NewInt(thisUpdate.Unix()),
		ThisUpdate: thisUpdate,
		NextUpdate: nextUpdate,
	}
	for _, s := range revokedSerials {
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries,
			x509.RevocationListEntry{SerialNumber: new(big.Int).Set(s), RevocationTime: thisUpdate})
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, ca.Cert, ca.Key)
	if err != nil {
		return nil, fmt.Errorf("trusttest: crl: %w", err)
	}
	return der, nil
}

// PEM encodes certificates as CERTIFICATE blocks, in order.
func PEM(certs ...*Issued) []byte {
	var out []byte
	for _, c := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.DER})...)
	}
	return out
}

// Chain returns the DER of the given certificates, for an x5chain.
func Chain(certs ...*Issued) [][]byte {
	out := make([][]byte, len(certs))
	for i, c := range certs {
		out[i] = c.DER
	}
	return out
}

func baseTemplate(kind, seed, country string) *Template {
	t := &Template{
		Curve: elliptic.P256(),
		SKI:   true,
		IAN:   ianHost,
	}
	t.Cert.Subject = pkix.Name{CommonName: seed + " " + kind}
	if country != "" {
		t.Cert.Subject.Country = []string{country}
	}
	t.Cert.NotBefore, t.Cert.NotAfter = dsFrom, dsTo
	h := sha256.Sum256([]byte("taimen trusttest serial\x00" + kind + "\x00" + seed))
	h[0] &= 0x7f
	t.Cert.SerialNumber = new(big.Int).SetBytes(h[:16])
	t.Cert.CRLDistributionPoints = []string{ianHost + "/crl/" + fmt.Sprintf("%x", h[:4]) + ".crl"}
	return t
}

func mint(kind, seed string, t *Template, parent *Issued, opts []Option) (*Issued, error) {
	if parent != nil {
		t.AKI = append([]byte(nil), parent.Cert.SubjectKeyId...)
	}
	for _, o := range opts {
		o(t)
	}
	key, err := deriveKey(kind, seed, t)
	if err != nil {
		return nil, err
	}
	tmpl := t.Cert // copy
	tmpl.IsCA, tmpl.BasicConstraintsValid, tmpl.MaxPathLen = false, false, 0
	tmpl.SubjectKeyId, tmpl.AuthorityKeyId = nil, nil
	tmpl.ExtKeyUsage, tmpl.UnknownExtKeyUsage = nil, nil
	var exts []pkix.Extension
	add := func(e pkix.Extension) {
		for _, x := range t.Extra {
			if x.Id.Equal(e.Id) {
				return
			}
		}
		exts = append(exts, e)
	}
	pub := key.Public()
	if t.SKI {
		ski, err := skiOf(pub)
		if err != nil {
			return nil, err
		}
		v, _ := asn1.Marshal(ski)
		add(pkix.Extension{Id: oidSKI, Value: v})
	}
	if t.AKI != nil {
		add(pkix.Extension{Id: oidAKI, Value: akiValue(t.AKI)})
	}
	if t.BC != nil {
		add(pkix.Extension{Id: oidBC, Critical: t.BC.Critical, Value: bcValue(t.BC)})
	}
	if t.EKU != nil {
		v, err := asn1.Marshal(t.EKU)
		if err != nil {
			return nil, fmt.Errorf("%w: eku: %w", errCfg, err)
		}
		add(pkix.Extension{Id: oidEKU, Critical: t.EKUCritical, Value: v})
	}
	if t.IAN != "" {
		add(pkix.Extension{Id: oidIAN, Value: ianValue(t.IAN)})
	}
	tmpl.ExtraExtensions = append(exts, t.Extra...)

	signerCert, signerKey := &tmpl, key
	if parent != nil {
		// Go copies the parent's SKI into the AKI; hand it a copy without
		// one so that the AKI is exactly what the template says.
		pc := *parent.Cert
		pc.SubjectKeyId = nil
		signerCert, signerKey = &pc, parent.Key
	}
	der, err := x509.CreateCertificate(rand.Reader, &tmpl, signerCert, pub, signerKey)
	if err != nil {
		return nil, fmt.Errorf("trusttest: %s %q: %w", kind, seed, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("trusttest: %s %q: %w", kind, seed, err)
	}
	return &Issued{Cert: cert, DER: der, Key: key}, nil
}

// skiOf is RFC 7093 method 1: the leftmost 160 bits of SHA-256 of the
// subjectPublicKey bits.
func skiOf(pub crypto.PublicKey) ([]byte, error) {
	spki, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("trusttest: %w", err)
	}
	var info struct {
		Alg       pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(spki, &info); err != nil {
		return nil, fmt.Errorf("trusttest: %w", err)
	}
	h := sha256.Sum256(info.PublicKey.Bytes)
	return h[:20], nil
}

func akiValue(id []byte) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(id) })
	})
	return b.BytesOrPanic()
}

func bcValue(bc *BasicConstraints) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		if bc.IsCA {
			b.AddASN1Boolean(true)
		}
		if bc.IsCA && bc.PathLen >= 0 {
			b.AddASN1Int64(int64(bc.PathLen))
		}
	})
	return b.BytesOrPanic()
}

// ianValue encodes GeneralNames with one URI, or one rfc822Name when uri
// has no scheme separator.
func ianValue(uri string) []byte {
	tag := cbasn1.Tag(6).ContextSpecific()
	if !containsColon(uri) {
		tag = cbasn1.Tag(1).ContextSpecific()
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(tag, func(b *cryptobyte.Builder) { b.AddBytes([]byte(uri)) })
	})
	return b.BytesOrPanic()
}

func containsColon(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			return true
		}
	}
	return false
}

// DNSNameCRLDP is a CRL distribution point extension whose fullName is a
// dNSName, as in the Annex D certificates.
func DNSNameCRLDP(host string) pkix.Extension {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.Tag(2).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes([]byte(host)) })
				})
			})
		})
	})
	return pkix.Extension{Id: oidCRL, Value: b.BytesOrPanic()}
}

// KeyUsageExtension encodes keyUsage with the given criticality (Go always
// marks its own critical).
func KeyUsageExtension(ku x509.KeyUsage, critical bool) pkix.Extension {
	var bits [2]byte
	n := 0
	for i := 0; i < 9; i++ {
		if ku&(1<<uint(i)) != 0 {
			bits[i/8] |= 0x80 >> uint(i%8)
			n = i + 1
		}
	}
	l := (n + 7) / 8
	v, _ := asn1.Marshal(asn1.BitString{Bytes: bits[:l], BitLength: n})
	return pkix.Extension{Id: oidKU, Critical: critical, Value: v}
}

// ECDSAKey derives a P-256/384/521 key from a seed.
func ECDSAKey(curve elliptic.Curve, seed string) (*ecdsa.PrivateKey, error) {
	size := (curve.Params().N.BitLen() + 7) / 8
	n1 := new(big.Int).Sub(curve.Params().N, big.NewInt(1))
	d := new(big.Int).SetBytes(stream("ecdsa "+curve.Params().Name+"\x00"+seed, size+16))
	d.Mod(d, n1).Add(d, big.NewInt(1)) // 1 <= d < N
	k, err := ecdsa.ParseRawPrivateKey(curve, d.FillBytes(make([]byte, size)))
	if err != nil {
		return nil, fmt.Errorf("trusttest: %w", err)
	}
	return k, nil
}

func deriveKey(kind, seed string, t *Template) (crypto.Signer, error) {
	label := kind + "\x00" + seed
	switch t.Key {
	case KeyEd25519:
		return ed25519.NewKeyFromSeed(stream("ed25519\x00"+label, ed25519.SeedSize)), nil
	case KeyRSA:
		return rsaKey(label, t.RSABits)
	default:
		c := t.Curve
		if c == nil {
			c = elliptic.P256()
		}
		return ECDSAKey(c, label)
	}
}

// stream expands a label into n pseudo-random bytes (SHA-256 in counter
// mode); good enough for test keys, and deterministic.
func stream(label string, n int) []byte {
	out := make([]byte, 0, n+32)
	for i := uint32(0); len(out) < n; i++ {
		h := sha256.New()
		h.Write([]byte("taimen trusttest\x00"))
		h.Write([]byte{byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)})
		h.Write([]byte(label))
		out = h.Sum(out)
	}
	return out[:n]
}
