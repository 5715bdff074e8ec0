package myna

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"taimen/verify"
	"taimen/verify/trust"
)

// JPKI subjectAltName otherName type IDs of the 署名用電子証明書 (research
// §2.4; J-LIS 公的個人認証サービス プロファイル仕様書). Each value is a
// [0] EXPLICIT UTF8String.
var (
	OIDJPKIName          = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 1} // 氏名
	OIDJPKINameSubst     = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 2} // 氏名代替文字の使用位置
	OIDJPKISex           = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 3} // 性別: 1 男, 2 女, 3 不明
	OIDJPKIBirthDate     = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 4} // 生年月日: era digit + YYYYMMDD
	OIDJPKIAddress       = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 5} // 住所
	OIDJPKIAddressSubst  = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 6} // 住所代替文字の使用位置
	oidSubjectAltName    = asn1.ObjectIdentifier{2, 5, 29, 17}
	maxSigningChainLen   = 4
	maxJPKIAttributeSize = 1024 // 住所 is at most 200 characters
)

// VerifySigningCert verifies the 署名用電子証明書 route (research §2.4):
// chain[0] is the signing certificate as read from JPKI AP EF0001 (DER),
// followed by any intermediates (J-LIS roots sign directly, so normally
// none); roots are the configured JPKI roots, of which only those of
// purpose [trust.JLIS] are used, every generation at once (the DN is the
// same across generations, so the root is chosen by signature). nonce and
// sig are the fresh challenge and the card's answer to `80 2A 00 80 Lc
// DigestInfo(SHA-256(nonce)) 00` with the signing key (RSASSA-PKCS1-v1_5).
// Revocation is reported as not_checked: J-LIS provides OCSP/CRL only to
// licensed verifiers.
func VerifySigningCert(chain [][]byte, roots []trust.Anchor, nonce, sig []byte, at time.Time) *Result {
	r := &Result{}
	leaf, root, ok := r.checkSigningChain(chain, roots, at)
	var attrs jpkiAttributes
	attrsOK := false
	if !ok {
		r.notChecked(CheckSigningAttributes, CodeNotReached, "chain not verified")
	} else if err := attrs.parse(leaf); err != nil {
		code := CodeSANMalformed
		if errors.Is(err, errNoSAN) {
			code = CodeSANMissing
		}
		r.invalid(CheckSigningAttributes, code, err.Error())
	} else {
		r.valid(CheckSigningAttributes)
		attrsOK = true
	}
	switch {
	case !ok:
		r.notChecked(CheckSigningChallenge, CodeNotReached, "chain not verified")
	case len(nonce) == 0 || len(sig) == 0:
		r.notChecked(CheckSigningChallenge, CodeNoChallenge, "")
	case len(nonce) < MinNonceLen:
		r.invalid(CheckSigningChallenge, CodeNonceTooShort, fmt.Sprintf("%d bytes", len(nonce)))
	default:
		h := sha256.Sum256(nonce)
		if rsa.VerifyPKCS1v15(leaf.PublicKey.(*rsa.PublicKey), crypto.SHA256, h[:], sig) != nil {
			r.invalid(CheckSigningChallenge, CodeChallengeFailed, "")
		} else {
			r.valid(CheckSigningChallenge)
		}
	}
	r.notChecked(CheckRevocation, CodeRevocationNotChecked, "")
	if ok {
		r.Keys = append(r.Keys, KeyUse{Check: CheckSigningChain, Root: root.FingerprintHex(), Source: root.Source})
	}
	if attrsOK {
		r.Person = Person{Name: attrs.name, Address: attrs.address, BirthDate: attrs.birth.String(), Sex: attrs.sex}
		if attrs.substituted {
			r.Warnings = append(r.Warnings, WarnSubstituteChars)
		}
	}
	r.fold(signingRequired)
	return r
}

// checkSigningChain builds leaf → intermediates → root and checks
// signatures, validity at at, key usage and critical extensions.
func (r *Result) checkSigningChain(chain [][]byte, roots []trust.Anchor, at time.Time) (*x509.Certificate, *trust.Anchor, bool) {
	fail := func(code, detail string) (*x509.Certificate, *trust.Anchor, bool) {
		r.invalid(CheckSigningChain, code, detail)
		return nil, nil, false
	}
	if len(chain) == 0 || len(chain) > maxSigningChainLen {
		return fail(CodeChainMalformed, fmt.Sprintf("%d certificates", len(chain)))
	}
	certs := make([]*x509.Certificate, len(chain))
	for i, der := range chain {
		c, err := x509.ParseCertificate(trimDER(der))
		if err != nil {
			return fail(CodeChainMalformed, fmt.Sprintf("certificate %d: %v", i, err))
		}
		certs[i] = c
	}
	var anchors []trust.Anchor
	for _, a := range roots {
		if a.Purpose == trust.JLIS && a.Cert != nil {
			anchors = append(anchors, a)
		}
	}
	if len(anchors) == 0 {
		r.notChecked(CheckSigningChain, CodeNoJPKIRoots, "")
		return nil, nil, false
	}
	// A chain that ends in a configured root carries the root itself.
	if n := len(certs); n > 1 {
		if slices.ContainsFunc(anchors, func(a trust.Anchor) bool { return bytes.Equal(a.Cert.Raw, certs[n-1].Raw) }) {
			certs = certs[:n-1]
		}
	}
	leaf := certs[0]
	if pub, ok := leaf.PublicKey.(*rsa.PublicKey); !ok || pub.N.BitLen() < minRSABits || pub.N.BitLen() > maxRSABits {
		return fail(CodeKeyUnsupported, fmt.Sprintf("%T", leaf.PublicKey))
	}
	for i := 0; i+1 < len(certs); i++ {
		if err := certs[i].CheckSignatureFrom(certs[i+1]); err != nil {
			return fail(CodeChainSigInvalid, fmt.Sprintf("certificate %d: %v", i, err))
		}
	}
	top := certs[len(certs)-1]
	var named []trust.Anchor
	for _, a := range anchors {
		if bytes.Equal(a.Cert.RawSubject, top.RawIssuer) {
			named = append(named, a)
		}
	}
	if len(named) == 0 {
		return fail(CodeNoTrustedRoot, "issuer "+top.Issuer.String())
	}
	var root *trust.Anchor
	for i := range named {
		if top.CheckSignatureFrom(named[i].Cert) == nil {
			root = &named[i]
			break
		}
	}
	if root == nil {
		return fail(CodeChainSigInvalid, fmt.Sprintf("no generation of %q verifies the signature (%d tried)", top.Issuer.String(), len(named)))
	}
	for i, c := range certs {
		if at.Before(c.NotBefore) {
			return fail(CodeCertNotYetValid, fmt.Sprintf("certificate %d from %s", i, c.NotBefore.UTC().Format(time.RFC3339)))
		}
		if at.After(c.NotAfter) {
			return fail(CodeCertExpired, fmt.Sprintf("certificate %d until %s", i, c.NotAfter.UTC().Format(time.RFC3339)))
		}
	}
	if at.Before(root.Cert.NotBefore) {
		return fail(CodeRootNotYetValid, root.Cert.NotBefore.UTC().Format(time.RFC3339))
	}
	if at.After(root.Cert.NotAfter) {
		return fail(CodeRootExpired, root.Cert.NotAfter.UTC().Format(time.RFC3339))
	}
	if leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0 || leaf.IsCA {
		return fail(CodeKeyUsage, "leaf lacks digitalSignature or is a CA")
	}
	for i, c := range append(certs, root.Cert) {
		for _, oid := range c.UnhandledCriticalExtensions {
			// The JPKI SAN holds only otherNames, which crypto/x509 leaves
			// unhandled; this package reads them itself.
			if i == 0 && oid.Equal(oidSubjectAltName) {
				continue
			}
			return fail(CodeUnknownCriticalExt, fmt.Sprintf("certificate %d: %v", i, oid))
		}
	}
	r.valid(CheckSigningChain)
	return leaf, root, true
}

// errNoSAN: the certificate has no subjectAltName at all.
var errNoSAN = fmt.Errorf("myna: no subjectAltName: %w", verify.ErrMalformed)

type jpkiAttributes struct {
	name, address string
	birth         Date
	sex           Sex
	substituted   bool
}

// parse reads the JPKI otherNames from the leaf's subjectAltName
// (RFC 5280 §4.2.1.6 GeneralName otherName [0] { type-id, [0] EXPLICIT value }).
func (a *jpkiAttributes) parse(c *x509.Certificate) error {
	var san []byte
	for _, e := range c.Extensions {
		if e.Id.Equal(oidSubjectAltName) {
			san = e.Value
		}
	}
	if san == nil {
		return errNoSAN
	}
	vals, err := parseOtherNames(san)
	if err != nil {
		return err
	}
	get := func(oid asn1.ObjectIdentifier, what string) (string, error) {
		v, ok := vals[oid.String()]
		if !ok {
			return "", fmt.Errorf("myna: subjectAltName has no %s (%v): %w", what, oid, verify.ErrMalformed)
		}
		return v, nil
	}
	if a.name, err = get(OIDJPKIName, "name"); err != nil {
		return err
	}
	if a.address, err = get(OIDJPKIAddress, "address"); err != nil {
		return err
	}
	birth, err := get(OIDJPKIBirthDate, "birth date")
	if err != nil {
		return err
	}
	// E + YYYYMMDD: era digit (0 不明, 1 明治 … 5 令和), then the Gregorian date.
	if len(birth) != 9 || birth[0] < '0' || birth[0] > '5' {
		return fmt.Errorf("myna: birth date of %d bytes is not EYYYYMMDD: %w", len(birth), verify.ErrMalformed)
	}
	if a.birth, err = parseDate([]byte(birth[1:])); err != nil {
		return err
	}
	sex, err := get(OIDJPKISex, "sex")
	if err != nil {
		return err
	}
	switch sex {
	case "1":
		a.sex = SexMale
	case "2":
		a.sex = SexFemale
	case "3":
		a.sex = SexNotKnown
	default:
		return fmt.Errorf("myna: sex of %d bytes is not 1, 2 or 3: %w", len(sex), verify.ErrMalformed)
	}
	for _, oid := range []asn1.ObjectIdentifier{OIDJPKINameSubst, OIDJPKIAddressSubst} {
		if v, ok := vals[oid.String()]; ok && bytes.ContainsRune([]byte(v), '1') {
			a.substituted = true
		}
	}
	if a.name == "" || a.address == "" {
		return fmt.Errorf("myna: empty name or address: %w", verify.ErrMalformed)
	}
	return nil
}

// parseOtherNames returns the otherName values of a GeneralNames DER, keyed
// by type-id in dotted form. Other GeneralName kinds are skipped; a JPKI
// type-id given twice is refused.
func parseOtherNames(der []byte) (map[string]string, error) {
	bad := func(what string) error {
		return fmt.Errorf("myna: subjectAltName: %s: %w", what, verify.ErrMalformed)
	}
	in := cryptobyte.String(der)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, bad("not a SEQUENCE")
	}
	out := map[string]string{}
	for !seq.Empty() {
		var gn cryptobyte.String
		var tag cbasn1.Tag
		if !seq.ReadAnyASN1(&gn, &tag) {
			return nil, bad("GeneralName")
		}
		if tag != cbasn1.Tag(0).Constructed().ContextSpecific() {
			continue
		}
		var oid asn1.ObjectIdentifier
		var explicit, val cryptobyte.String
		var vtag cbasn1.Tag
		if !gn.ReadASN1ObjectIdentifier(&oid) ||
			!gn.ReadASN1(&explicit, cbasn1.Tag(0).Constructed().ContextSpecific()) || !gn.Empty() ||
			!explicit.ReadAnyASN1(&val, &vtag) || !explicit.Empty() {
			return nil, bad("otherName")
		}
		if !oidHasPrefix(oid, asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5}) {
			continue
		}
		if vtag != cbasn1.UTF8String && vtag != cbasn1.PrintableString {
			return nil, bad(fmt.Sprintf("%v is not a UTF8String", oid))
		}
		if len(val) > maxJPKIAttributeSize || !utf8.Valid(val) {
			return nil, bad(fmt.Sprintf("%v value", oid))
		}
		k := oid.String()
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("myna: subjectAltName: %v twice: %w", oid, verify.ErrDuplicateKey)
		}
		out[k] = string(val)
	}
	return out, nil
}

func oidHasPrefix(oid, prefix asn1.ObjectIdentifier) bool {
	return len(oid) > len(prefix) && oid[:len(prefix)].Equal(prefix)
}

// trimDER cuts the FF/00 filler a card EF holds after a DER certificate
// (the reader may hand over the EF as read). Anything else after the
// SEQUENCE is left for x509.ParseCertificate to refuse.
func trimDER(b []byte) []byte {
	s := cryptobyte.String(b)
	var seq cryptobyte.String
	var tag cbasn1.Tag
	var hdr int
	if !s.ReadAnyASN1Element(&seq, &tag) || tag != cbasn1.SEQUENCE {
		return b
	}
	hdr = len(seq)
	if isFiller(b[hdr:]) {
		return b[:hdr]
	}
	return b
}
