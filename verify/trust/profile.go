package trust

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Extended key usages of 18013-5 Annex B.
var (
	OIDExtKeyUsageMdlDS          = asn1.ObjectIdentifier{1, 0, 18013, 5, 1, 2} // document signer, B.1.4
	OIDExtKeyUsageMdlReaderAuth  = asn1.ObjectIdentifier{1, 0, 18013, 5, 1, 6} // mdoc reader authentication, B.1.7
	OIDExtKeyUsageMdlVICALSigner = asn1.ObjectIdentifier{1, 0, 18013, 5, 1, 8} // VICAL signer, C.1.6
)

// Extension OIDs (RFC 5280 §4.2).
var (
	oidExtSKI              = asn1.ObjectIdentifier{2, 5, 29, 14}
	oidExtKeyUsage         = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidExtIssuerAltName    = asn1.ObjectIdentifier{2, 5, 29, 18}
	oidExtBasicConstraints = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidExtNameConstraints  = asn1.ObjectIdentifier{2, 5, 29, 30}
	oidExtCRLDP            = asn1.ObjectIdentifier{2, 5, 29, 31}
	oidExtPolicyMappings   = asn1.ObjectIdentifier{2, 5, 29, 33}
	oidExtPolicyConstr     = asn1.ObjectIdentifier{2, 5, 29, 36}
	oidExtExtKeyUsage      = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidExtFreshestCRL      = asn1.ObjectIdentifier{2, 5, 29, 46}
	oidExtInhibitAnyPolicy = asn1.ObjectIdentifier{2, 5, 29, 54}
)

// forbiddenExtensions may appear in no 18013-5 certificate (B.1.1).
var forbiddenExtensions = []asn1.ObjectIdentifier{
	oidExtPolicyMappings, oidExtNameConstraints, oidExtPolicyConstr, oidExtInhibitAnyPolicy, oidExtFreshestCRL,
}

// role holds what differs between the three chain kinds: which anchors,
// which leaf EKU, which codes, which soft rules apply.
type role struct {
	anchor           Purpose
	leafName, caName string // code prefixes: "ds"/"iaca", "reader"/"reader_ca", ...
	leafEKU          asn1.ObjectIdentifier
	// exactLeaf: the leaf's keyUsage must be exactly digitalSignature and
	// its EKU exactly leafEKU (DS, B.1.4); otherwise digitalSignature and
	// leafEKU must be among them.
	exactLeaf bool
	// leafSKIRequired: a missing leaf SKI/AKI is a profile violation rather
	// than a warning (Annex B requires both for the DS; reader and VICAL
	// signer certs in the wild differ, so there it is a warning).
	leafSKIRequired bool
	// caExactKU and caPathLenZero are the strict IACA rules (B.1.2).
	caExactKU     bool
	caPathLenZero bool
	// matchCountry: DS and IACA must agree on countryName/stateOrProvinceName (B.1.4).
	matchCountry bool
	// wantIAN/wantCRLDP: Annex B asks for issuerAltName and a CRL
	// distribution point; their absence is only a warning.
	wantIAN, wantCRLDP bool
}

var dsRole = role{
	anchor: IACA, leafName: "ds", caName: "iaca", leafEKU: OIDExtKeyUsageMdlDS, exactLeaf: true,
	leafSKIRequired: true, caExactKU: true, caPathLenZero: true, matchCountry: true, wantIAN: true, wantCRLDP: true,
}

var readerRole = role{
	anchor: ReaderCA, leafName: "reader", caName: "reader_ca", leafEKU: OIDExtKeyUsageMdlReaderAuth,
	wantCRLDP: true,
}

var vicalRole = role{
	anchor: VICALSigner, leafName: "vical_signer", caName: "vical_ca", leafEKU: OIDExtKeyUsageMdlVICALSigner,
}

func (r *role) leafCode(suffix string) string { return r.leafName + "_" + suffix }
func (r *role) caCode(suffix string) string   { return r.caName + "_" + suffix }

// validity returns "expired"/"not_yet_valid" or "".
func validity(c *x509.Certificate, at time.Time) (string, string) {
	switch {
	case at.Before(c.NotBefore):
		return "not_yet_valid", fmt.Sprintf("%q is valid from %s", c.Subject.CommonName, c.NotBefore.UTC().Format(time.RFC3339))
	case at.After(c.NotAfter):
		return "expired", fmt.Sprintf("%q expired at %s", c.Subject.CommonName, c.NotAfter.UTC().Format(time.RFC3339))
	}
	return "", ""
}

// leafKeyOK accepts the keys 18013-5 can use for COSE signatures (ES256,
// ES384, ES512, EdDSA; §9.1.3.6, §9.1.4). An RSA document signer could
// never sign issuerAuth acceptably, so it is refused outright.
func leafKeyOK(pub any) (bool, string) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
			return true, ""
		}
		return false, "ecdsa curve " + k.Curve.Params().Name + " not allowed"
	case ed25519.PublicKey:
		return true, ""
	case *rsa.PublicKey:
		return false, fmt.Sprintf("rsa-%d key not allowed", k.N.BitLen())
	}
	return false, fmt.Sprintf("%T key not allowed", pub)
}

// caKeyOK additionally accepts RSA >= 2048 for CA keys, which only sign
// certificates and CRLs (X.509, not COSE).
func caKeyOK(pub any) (bool, string) {
	if k, ok := pub.(*rsa.PublicKey); ok {
		if k.N.BitLen() >= 2048 {
			return true, ""
		}
		return false, fmt.Sprintf("rsa-%d key too small", k.N.BitLen())
	}
	return leafKeyOK(pub)
}

// sigAlgOK rejects SHA-1 and MD5 based signatures. x509's CheckSignature
// still accepts SHA-1, so the check is ours.
func sigAlgOK(a x509.SignatureAlgorithm) bool {
	switch a {
	case x509.ECDSAWithSHA256, x509.ECDSAWithSHA384, x509.ECDSAWithSHA512, x509.PureEd25519,
		x509.SHA256WithRSA, x509.SHA384WithRSA, x509.SHA512WithRSA,
		x509.SHA256WithRSAPSS, x509.SHA384WithRSAPSS, x509.SHA512WithRSAPSS:
		return true
	}
	return false
}

// checkExtensions applies the rules common to every certificate (B.1.1)
// and collects the soft deviations. Decisions, made against what the
// Annex D certificates contain:
//
//   - forbidden extensions (policyMappings, nameConstraints,
//     policyConstraints, inhibitAnyPolicy, freshestCRL) → invalid.
//   - a critical extension we do not process → invalid (RFC 5280 §4.2).
//     issuerAltName is processed here; Go handles the rest it knows.
//   - CRL distribution point: Annex B wants one fullName URI without
//     reasons or cRLIssuer. Annex D's own IACA, DS and reader certs carry a
//     dNSName ("example.com") and the Annex D response must verify, so a
//     missing DP, a non-URI name or reasons/cRLIssuer are warnings only. The
//     DP is never dereferenced anyway: CRLs are loaded explicitly.
//   - issuerAltName: Annex B wants rfc822Name or URI. Missing or another
//     name type → warning (the name is only displayed).
func checkExtensions(c *x509.Certificate, wantIAN, wantCRLDP bool) (code, detail string, warns []string) {
	var sawIAN, sawDP bool
	for _, e := range c.Extensions {
		for _, f := range forbiddenExtensions {
			if e.Id.Equal(f) {
				return CodeForbiddenExtension, fmt.Sprintf("%q has forbidden extension %s", c.Subject.CommonName, e.Id), nil
			}
		}
		switch {
		case e.Id.Equal(oidExtIssuerAltName):
			sawIAN = true
			if ok := ianNamesOK(e.Value); !ok && wantIAN {
				warns = append(warns, WarnIANNameType)
			}
		case e.Id.Equal(oidExtCRLDP):
			sawDP = true
			if w := crlDPWarning(e.Value); w != "" && wantCRLDP {
				warns = append(warns, w)
			}
		}
	}
	for _, id := range c.UnhandledCriticalExtensions {
		if id.Equal(oidExtIssuerAltName) {
			continue
		}
		return CodeUnknownCriticalExtension, fmt.Sprintf("%q has unknown critical extension %s", c.Subject.CommonName, id), nil
	}
	if wantIAN && !sawIAN {
		warns = append(warns, WarnIANMissing)
	}
	if wantCRLDP && !sawDP {
		warns = append(warns, WarnCRLDPMissing)
	}
	return "", "", warns
}

func critical(c *x509.Certificate, oid asn1.ObjectIdentifier) bool {
	for _, e := range c.Extensions {
		if e.Id.Equal(oid) {
			return e.Critical
		}
	}
	return false
}

// ianNamesOK reports whether an issuerAltName holds only rfc822Name [1] and
// uniformResourceIdentifier [6] names (B.1.1).
func ianNamesOK(v []byte) bool {
	s := cryptobyte.String(v)
	var names cryptobyte.String
	if !s.ReadASN1(&names, cbasn1.SEQUENCE) || !s.Empty() || names.Empty() {
		return false
	}
	for !names.Empty() {
		var tag cbasn1.Tag
		var body cryptobyte.String
		if !names.ReadAnyASN1(&body, &tag) {
			return false
		}
		if tag != cbasn1.Tag(1).ContextSpecific() && tag != cbasn1.Tag(6).ContextSpecific() {
			return false
		}
	}
	return true
}

// crlDPWarning parses CRLDistributionPoints (RFC 5280 §4.2.1.13) and
// returns a warning suffix when it is not one fullName URI without reasons
// or cRLIssuer, "" when it is.
func crlDPWarning(v []byte) string {
	s := cryptobyte.String(v)
	var dps cryptobyte.String
	if !s.ReadASN1(&dps, cbasn1.SEQUENCE) || !s.Empty() || dps.Empty() {
		return WarnCRLDPNotURI
	}
	sawURI := false
	for !dps.Empty() {
		var dp cryptobyte.String
		if !dps.ReadASN1(&dp, cbasn1.SEQUENCE) {
			return WarnCRLDPNotURI
		}
		var dpName cryptobyte.String
		var hasName bool
		if !dp.ReadOptionalASN1(&dpName, &hasName, cbasn1.Tag(0).ContextSpecific().Constructed()) {
			return WarnCRLDPNotURI
		}
		if !dp.Empty() { // reasons [1] or cRLIssuer [2]
			return WarnCRLDPReasonsOrIssuer
		}
		if !hasName {
			return WarnCRLDPNotURI
		}
		var full cryptobyte.String
		var hasFull bool
		if !dpName.ReadOptionalASN1(&full, &hasFull, cbasn1.Tag(0).ContextSpecific().Constructed()) || !hasFull {
			return WarnCRLDPNotURI // nameRelativeToCRLIssuer
		}
		for !full.Empty() {
			var tag cbasn1.Tag
			var body cryptobyte.String
			if !full.ReadAnyASN1(&body, &tag) {
				return WarnCRLDPNotURI
			}
			if tag != cbasn1.Tag(6).ContextSpecific() {
				return WarnCRLDPNotURI
			}
			sawURI = true
		}
	}
	if !sawURI {
		return WarnCRLDPNotURI
	}
	return ""
}

// checkCAProfile checks an anchor against its role's CA profile. It runs
// once per anchor, when the store is built.
func checkCAProfile(r *role, c *x509.Certificate) (code, detail string, warns []string) {
	code, detail, ws := checkExtensions(c, r.wantIAN, r.wantCRLDP)
	if code != "" {
		return code, detail, nil
	}
	for _, w := range ws {
		warns = append(warns, r.caCode(w))
	}
	name := c.Subject.CommonName
	if ok, why := caKeyOK(c.PublicKey); !ok {
		return r.caCode("key_unsupported"), fmt.Sprintf("%q: %s", name, why), nil
	}
	// keyUsage: IACA exactly keyCertSign+cRLSign (B.1.2); other CAs need keyCertSign.
	ku := c.KeyUsage
	switch {
	case ku&x509.KeyUsageCertSign == 0:
		return r.caCode("profile_key_usage"), fmt.Sprintf("%q: keyUsage lacks keyCertSign", name), nil
	case r.caExactKU && ku != x509.KeyUsageCertSign|x509.KeyUsageCRLSign:
		return r.caCode("profile_key_usage"), fmt.Sprintf("%q: keyUsage is %#x, want exactly keyCertSign+cRLSign", name, int(ku)), nil
	}
	if !critical(c, oidExtKeyUsage) {
		warns = append(warns, r.caCode(WarnKeyUsageNotCritical))
	}
	switch {
	case !c.BasicConstraintsValid || !c.IsCA:
		return r.caCode("profile_basic_constraints"), fmt.Sprintf("%q: not a CA", name), nil
	case r.caPathLenZero && !(c.MaxPathLen == 0 && c.MaxPathLenZero):
		return r.caCode("profile_basic_constraints"), fmt.Sprintf("%q: pathLenConstraint must be 0", name), nil
	}
	if !critical(c, oidExtBasicConstraints) {
		warns = append(warns, r.caCode(WarnBasicConstraintsCritical))
	}
	if len(c.SubjectKeyId) == 0 {
		if r.leafSKIRequired {
			return r.caCode("profile_missing_ski"), fmt.Sprintf("%q: no subjectKeyIdentifier", name), nil
		}
		warns = append(warns, r.caCode(WarnMissingSKI))
	}
	if r.matchCountry && len(c.Subject.Country) != 1 {
		warns = append(warns, r.caCode(WarnCountryCount))
	}
	return CodeOK, "", warns
}

// checkLeafProfile checks the DS / reader / VICAL signer certificate.
func checkLeafProfile(r *role, c *x509.Certificate) (code, detail string, warns []string) {
	code, detail, ws := checkExtensions(c, r.wantIAN, r.wantCRLDP)
	if code != "" {
		return code, detail, nil
	}
	for _, w := range ws {
		warns = append(warns, r.leafCode(w))
	}
	name := c.Subject.CommonName
	ku := c.KeyUsage
	switch {
	case ku&x509.KeyUsageDigitalSignature == 0:
		return r.leafCode("profile_key_usage"), fmt.Sprintf("%q: keyUsage lacks digitalSignature", name), nil
	case r.exactLeaf && ku != x509.KeyUsageDigitalSignature:
		return r.leafCode("profile_key_usage"), fmt.Sprintf("%q: keyUsage is %#x, want exactly digitalSignature", name, int(ku)), nil
	case ku&(x509.KeyUsageCertSign|x509.KeyUsageCRLSign) != 0:
		return r.leafCode("profile_key_usage"), fmt.Sprintf("%q: end-entity keyUsage has keyCertSign/cRLSign", name), nil
	}
	if !critical(c, oidExtKeyUsage) {
		warns = append(warns, r.leafCode(WarnKeyUsageNotCritical))
	}
	if code, detail := checkEKU(r, c); code != "" {
		return code, detail, nil
	}
	if !critical(c, oidExtExtKeyUsage) {
		warns = append(warns, r.leafCode(WarnEKUNotCritical))
	}
	if c.BasicConstraintsValid && c.IsCA {
		return r.leafCode("profile_basic_constraints"), fmt.Sprintf("%q: end-entity certificate is a CA", name), nil
	}
	if len(c.SubjectKeyId) == 0 {
		if r.leafSKIRequired {
			return r.leafCode("profile_missing_ski"), fmt.Sprintf("%q: no subjectKeyIdentifier", name), nil
		}
		warns = append(warns, r.leafCode(WarnMissingSKI))
	}
	if len(c.AuthorityKeyId) == 0 {
		if r.leafSKIRequired {
			return r.leafCode("profile_missing_aki"), fmt.Sprintf("%q: no authorityKeyIdentifier", name), nil
		}
		warns = append(warns, r.leafCode(WarnMissingAKI))
	}
	return "", "", warns
}

func checkEKU(r *role, c *x509.Certificate) (code, detail string) {
	name := c.Subject.CommonName
	found := false
	for _, o := range c.UnknownExtKeyUsage {
		if o.Equal(r.leafEKU) {
			found = true
		} else if r.exactLeaf {
			return r.leafCode("profile_eku"), fmt.Sprintf("%q: extra extKeyUsage %s", name, o)
		}
	}
	if !found {
		return r.leafCode("profile_eku"), fmt.Sprintf("%q: extKeyUsage lacks %s", name, r.leafEKU)
	}
	if len(c.ExtKeyUsage) > 0 {
		for _, k := range c.ExtKeyUsage {
			if k == x509.ExtKeyUsageAny || r.exactLeaf {
				return r.leafCode("profile_eku"), fmt.Sprintf("%q: extra extKeyUsage %v", name, k)
			}
		}
	}
	return "", ""
}

// checkIntermediate: an intermediate must be a CA allowed to sign certificates.
func checkIntermediate(c *x509.Certificate) (code, detail string, warns []string) {
	code, detail, ws := checkExtensions(c, false, false)
	if code != "" {
		return code, detail, nil
	}
	for _, w := range ws {
		warns = append(warns, "intermediate_"+w)
	}
	if !c.BasicConstraintsValid || !c.IsCA || (c.KeyUsage != 0 && c.KeyUsage&x509.KeyUsageCertSign == 0) {
		return CodeIntermediateProfile, fmt.Sprintf("%q: not a CA allowed to sign certificates", c.Subject.CommonName), nil
	}
	if ok, why := caKeyOK(c.PublicKey); !ok {
		return CodeIntermediateProfile, fmt.Sprintf("%q: %s", c.Subject.CommonName, why), nil
	}
	return "", "", warns
}
