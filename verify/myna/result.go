package myna

import "taimen/verify"

// Check IDs of a card verdict ([VerifyCard]), in the order they appear.
const (
	CheckCardFaceCertificate = "card_face_certificate" // 券面AP EF0004 CV certificate verifies with a configured J-LIS CA key
	CheckCardFaceSignature   = "card_face_signature"   // 券面AP EF0002 three-digest signature verifies with the key certified in EF0004
	CheckTextCertificate     = "text_certificate"      // 入力補助AP EF0004 CV certificate verifies with a configured J-LIS CA key
	CheckTextSignature       = "text_signature"        // 入力補助AP EF0003 signature verifies and its DF32 is the digest of EF0002
	CheckChipChallenge       = "chip_challenge"        // the nonce is signed with the key inside the signed card face (DF24)
	// CheckTextChipChallenge: the nonce is also signed by the 入力補助AP with
	// the key in its signed EF0007, binding the text AP to the present chip.
	// Optional: not_checked (no_challenge) does not spoil a valid verdict.
	CheckTextChipChallenge = "text_chip_challenge"
	CheckConsistency       = "consistency" // text and card face agree on birth date and sex
	CheckValidity          = "validity"    // the card has not expired at the verification time
)

// Check IDs of a signing-certificate verdict ([VerifySigningCert]).
const (
	CheckSigningChain      = "signing_chain"      // 署名用電子証明書 chains to a configured J-LIS JPKI root at the verification time
	CheckSigningAttributes = "signing_attributes" // name, address, birth date and sex read from the subjectAltName
	CheckSigningChallenge  = "signing_challenge"  // the nonce is signed with the certificate's key
	CheckRevocation        = "revocation"         // never checked: J-LIS serves OCSP/CRL only to licensed verifiers (research §2.4)
)

// Reason codes. They are stable: the UI translates them and scripts match
// them. A valid check carries CodeOK.
const (
	CodeOK         = "ok"
	CodeNotReached = "prerequisite_failed" // a check this one depends on failed or did not run
	CodeNotRead    = "not_read"            // the input for this check was not given

	// card_face_certificate, text_certificate
	CodeCertMalformed   = "cv_certificate_malformed" // the CV certificate does not parse (research §2.1 layout)
	CodeNoCAKeys        = "no_ca_keys"               // no J-LIS CA key is configured: not checked
	CodeUnknownCAKey    = "unknown_ca_key"           // no configured CA key has the certificate's issuer key ID
	CodeCertSigInvalid  = "cv_certificate_signature_invalid"
	CodeRecordMalformed = "record_malformed" // a signed record does not parse

	// card_face_signature, text_signature
	CodeSignatureInvalid = "signature_invalid" // the record signature does not verify
	CodeDigestMismatch   = "digest_mismatch"   // EF0003 DF32 is not the digest of EF0002

	// chip_challenge, signing_challenge
	CodeNoChallenge     = "no_challenge"      // no nonce/signature given: the chip was not proven present
	CodeNonceTooShort   = "nonce_too_short"   // the nonce is under MinNonceLen bytes
	CodeChallengeFailed = "challenge_invalid" // the chip's answer does not verify with the signed key

	// consistency
	CodeBirthDateMismatch = "birth_date_mismatch"
	CodeSexMismatch       = "sex_mismatch"

	// validity
	CodeCardExpired = "card_expired" // the verification date (JST) is after the card's expiry date

	// signing_chain
	CodeChainMalformed       = "chain_malformed"         // a certificate does not parse, or too many
	CodeNoJPKIRoots          = "no_jpki_roots"           // no root configured: not checked
	CodeNoTrustedRoot        = "no_trusted_root"         // no configured root issued the chain
	CodeChainSigInvalid      = "chain_signature_invalid" // a certificate's signature does not verify with its issuer's key
	CodeCertExpired          = "cert_expired"
	CodeCertNotYetValid      = "cert_not_yet_valid"
	CodeRootExpired          = "root_expired"
	CodeRootNotYetValid      = "root_not_yet_valid"
	CodeKeyUsage             = "key_usage"                  // the leaf lacks digitalSignature, or an issuer is not a CA
	CodeKeyUnsupported       = "key_unsupported"            // the leaf key is not RSA 2048–4096
	CodeUnknownCriticalExt   = "unknown_critical_extension" // a critical extension this verifier does not process
	CodeSANMissing           = "san_missing"                // no subjectAltName with the JPKI attributes
	CodeSANMalformed         = "san_malformed"              // an attribute is not of the JPKI shape
	CodeRevocationNotChecked = "revocation_not_available"
)

// Warning codes: facts worth showing that do not change the verdict.
const (
	// WarnSubstituteChars: the signing certificate replaced characters
	// outside JIS in the name or address (research §2.4); they may differ
	// from the card face.
	WarnSubstituteChars = "substitute_characters"
	// WarnExpiryUnsigned: the expiry shown comes from a field the card-face
	// signature does not cover (research §1.4).
	WarnExpiryUnsigned = "expiry_unsigned"
)

// MinNonceLen is the shortest challenge accepted: GET CHALLENGE `00 84 00
// 00 10` gives 16 bytes (research §1.1, §2.3).
const MinNonceLen = 16

// MediaTypeJP2 is the card-face photo's media type: greyscale JPEG 2000 in
// the JP2 container (research §1.4).
const MediaTypeJP2 = "image/jp2"

// Image is an image exactly as the card stores it.
type Image struct {
	MediaType string `json:"mediaType"`
	Bytes     []byte `json:"bytes"`
}

// Person is what the verdict shows the clerk. A field is filled only from a
// record whose signature verified. There is no field for the My Number.
type Person struct {
	Name      string `json:"name,omitempty"`
	Address   string `json:"address,omitempty"`
	BirthDate string `json:"birthDate,omitempty"` // YYYY-MM-DD
	Sex       Sex    `json:"sex,omitempty"`
	// Expiry is the card's 有効期限 (YYYY-MM-DD); see [WarnExpiryUnsigned].
	Expiry       string `json:"expiry,omitempty"`
	Photo        *Image `json:"photo,omitempty"`
	NameImage    *Image `json:"nameImage,omitempty"`    // the name as printed (PNG)
	AddressImage *Image `json:"addressImage,omitempty"` // the address as printed (PNG)
}

// Result is the verdict on one card read. Valid is true only when Status is
// valid. Every check of the route is required except revocation.
type Result struct {
	Valid    bool          `json:"valid"`
	Status   verify.Status `json:"status"`
	Checks   verify.Checks `json:"checks"`
	Person   Person        `json:"person"`
	Keys     []KeyUse      `json:"keys,omitempty"` // which configured keys or roots vouched
	Warnings []string      `json:"warnings"`
}

// KeyUse names a configured key or root that a check relied on, for the
// audit log.
type KeyUse struct {
	Check  string `json:"check"`
	KeyID  string `json:"keyId,omitempty"`  // CV certificate issuer key ID (KeyID.String)
	Root   string `json:"root,omitempty"`   // JPKI root SHA-256 fingerprint, hex
	Source string `json:"source,omitempty"` // where the key was configured from
}

var cardRequired = []string{
	CheckCardFaceCertificate, CheckCardFaceSignature, CheckTextCertificate,
	CheckTextSignature, CheckChipChallenge, CheckConsistency, CheckValidity,
}

var signingRequired = []string{CheckSigningChain, CheckSigningAttributes, CheckSigningChallenge}

func (r *Result) fold(required []string) {
	r.Status = r.Checks.Overall(required...)
	r.Valid = r.Status == verify.StatusValid
	if r.Warnings == nil {
		r.Warnings = []string{}
	}
}

func (r *Result) add(id string, st verify.Status, code, detail string) {
	r.Checks = append(r.Checks, verify.Check{ID: id, Status: st, Code: code, Detail: detail})
}

func (r *Result) valid(id string)                 { r.add(id, verify.StatusValid, CodeOK, "") }
func (r *Result) invalid(id, code, detail string) { r.add(id, verify.StatusInvalid, code, detail) }
func (r *Result) notChecked(id, code, detail string) {
	r.add(id, verify.StatusNotChecked, code, detail)
}
