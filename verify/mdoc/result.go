package mdoc

import (
	"time"

	"taimen/verify"
	"taimen/verify/trust"
)

// Check IDs of a DeviceResponse verdict. Response-level checks come first in
// Result.Checks; each DocumentResult.Checks lists the document checks in
// the order they run (18013-5 §9.3.1).
const (
	CheckDecode         = "decode"          // the bytes are a well-formed DeviceResponse within limits
	CheckResponseStatus = "response_status" // DeviceResponse.status is 0 (OK)
	CheckDocuments      = "documents"       // the response carries at least one document

	CheckIssuerChain     = "issuer_chain"     // DS certificate chains to a trusted IACA (set by verify/trust)
	CheckRevocation      = "revocation"       // DS certificate not revoked (set by verify/trust); may be not_checked
	CheckIssuerSignature = "issuer_signature" // issuerAuth COSE_Sign1 verifies with the DS key over a well-formed MSO
	CheckDigests         = "digests"          // every disclosed item's digest matches the MSO
	CheckDocType         = "doctype"          // MSO docType equals the document's docType, and the IACA may issue it
	CheckValidity        = "validity"         // MSO validityInfo holds at the verification time
	CheckDeviceAuth      = "device_auth"      // deviceSignature or deviceMac binds the document to this session
)

// Reason codes. They are stable: the UI translates them and scripts match
// them. A valid check carries CodeOK.
const (
	CodeOK = "ok"
	// CodeNotReached: the check did not run because a check it depends on
	// failed (the digests of an MSO whose signature failed prove nothing).
	CodeNotReached = "prerequisite_failed"

	// decode
	CodeMalformed          = "malformed"           // not well-formed CBOR, or not of the CDDL shape
	CodeTruncated          = "truncated"           // the input ends early
	CodeTooLarge           = "too_large"           // over a size or count limit
	CodeTooDeep            = "too_deep"            // nested deeper than allowed
	CodeDuplicateKey       = "duplicate_key"       // a map repeats a key
	CodeVersionUnsupported = "version_unsupported" // DeviceResponse.version is not 1.x

	// response_status (18013-5 §8.3.2.1.2.3)
	CodeStatusGeneralError        = "status_general_error"         // status 10
	CodeStatusCBORDecodingError   = "status_cbor_decoding_error"   // status 11
	CodeStatusCBORValidationError = "status_cbor_validation_error" // status 12
	CodeStatusUnknown             = "status_unknown"               // any other non-zero status

	// documents
	CodeNoDocuments = "no_documents" // no document returned (see Result.DocumentErrors)

	// issuer_chain (more codes come from verify/trust, e.g. ds_expired)
	CodeX5ChainMissing   = "x5chain_missing"   // no x5chain (label 33) in the issuerAuth unprotected header
	CodeX5ChainMalformed = "x5chain_malformed" // x5chain is neither a bstr nor an array of bstr
	CodeNoTrustStore     = "no_trust_store"    // VerifyOptions.Trust is nil: the chain was not checked

	// issuer_signature
	CodeIssuerAuthMalformed = "issuer_auth_malformed" // issuerAuth is not a COSE_Sign1
	CodeAlgMissing          = "alg_missing"           // no alg in the protected header
	CodeAlgNotAllowed       = "alg_not_allowed"       // alg unknown or not in the allow-list
	CodeKeyAlgMismatch      = "key_alg_mismatch"      // the DS key's type or curve does not fit alg
	CodeSignatureInvalid    = "signature_invalid"     // the signature does not verify
	CodeDSCertUnreadable    = "ds_cert_unreadable"    // the DS certificate cannot be parsed
	CodePayloadMissing      = "payload_missing"       // issuerAuth has no payload (the MSO)
	CodeMSOMalformed        = "mso_malformed"         // the signed payload is not a well-formed MSO

	// digests
	CodeDigestMismatch       = "digest_mismatch"        // an item's digest differs from the MSO's
	CodeDigestMissing        = "digest_missing"         // the MSO has no digest for the item's namespace/digestID
	CodeDigestAlgUnsupported = "digest_alg_unsupported" // MSO digestAlgorithm unknown or not allowed
	CodeItemMalformed        = "item_malformed"         // an IssuerSignedItem cannot be decoded
	CodeDuplicateElement     = "duplicate_element"      // one element or digestID disclosed twice in a namespace

	// doctype
	CodeDocTypeMismatch   = "doctype_mismatch"    // MSO docType differs from the document's
	CodeDocTypeNotAllowed = "doctype_not_allowed" // the trusted IACA is not allowed to issue this docType

	// validity (18013-5 §9.3.1)
	CodeMSOExpired              = "mso_expired"                // at > validUntil
	CodeMSONotYetValid          = "mso_not_yet_valid"          // at < validFrom
	CodeSignedOutsideDSValidity = "signed_outside_ds_validity" // validityInfo.signed outside the DS certificate validity
	CodeNoVerificationTime      = "no_verification_time"       // VerifyOptions.At is zero: undetermined

	// device_auth (18013-5 §9.1.3)
	CodeNoTranscript           = "no_transcript"            // no SessionTranscript given: not checked
	CodeNoReaderKey            = "no_reader_key"            // deviceMac but no EReaderKey private key given: not checked
	CodeDeviceAuthMalformed    = "device_auth_malformed"    // deviceAuth is not exactly one well-formed COSE structure
	CodeDeviceSignatureInvalid = "device_signature_invalid" // deviceSignature does not verify
	CodeDeviceMacInvalid       = "device_mac_invalid"       // deviceMac does not verify
	CodeDeviceKeyUnsupported   = "device_key_unsupported"   // MSO deviceKey of an unsupported or malformed type
	CodeDeviceAlgNotAllowed    = "device_alg_not_allowed"   // deviceSignature/deviceMac alg missing, unknown or not allowed
	CodeDeviceKeyAlgMismatch   = "device_key_alg_mismatch"  // device key curve does not fit the alg
	CodeReaderKeyMismatch      = "reader_key_mismatch"      // EReaderKey and device key on different curves
)

// Warning codes: facts worth showing that do not change the verdict.
const (
	WarnX5ChainSingleArray   = "x5chain_single_element_array" // x5chain as an array of one certificate (RFC 9360 wants a bstr)
	WarnDateUntagged         = "tdate_untagged"               // an MSO tdate without tag 0
	WarnValidFromBeforeSign  = "valid_from_before_signed"     // validFrom earlier than signed (issuers shall not, §9.1.2.4)
	WarnUnrequestedElements  = "unrequested_elements"         // elements sent without being requested (dropped)
	WarnUnrequestedDocument  = "unrequested_document"         // a docType that was not requested (all its elements dropped)
	WarnElementErrors        = "element_errors"               // the holder reported elements it did not return
	WarnDocumentErrors       = "document_errors"              // the holder reported documents it did not return
	WarnDeviceSignedElements = "device_signed_elements"       // device-signed elements were sent; Taimen ignores them
	WarnUnknownVersion       = "version_unknown_minor"        // a DeviceResponse or MSO version 1.x other than 1.0
	WarnShortRandom          = "item_random_short"            // an item's random is under 16 bytes (§9.1.2.5 wants ≥ 16)
	WarnValueUndecodable     = "element_value_undecodable"    // a verified element value that cannot be shown
)

// Result is the verdict on one DeviceResponse. Valid is true only when
// Status is valid. Status folds every check of the response and of every
// document: invalid if any check is invalid; undetermined if any check is
// undetermined or a required check did not run — in particular device_auth
// is not_checked without a SessionTranscript, and then the answer is
// undetermined, never valid, because nothing binds the document to this
// session (it could be a replay); valid otherwise. revocation alone may be
// not_checked without spoiling a valid answer.
type Result struct {
	Valid          bool             `json:"valid"`
	Status         verify.Status    `json:"status"`
	Checks         verify.Checks    `json:"checks"`
	Documents      []DocumentResult `json:"documents"`
	DocumentErrors map[string]int   `json:"documentErrors,omitempty"`
	Warnings       []string         `json:"warnings"`
}

// DocumentResult is the verdict on one Document and what it proves.
type DocumentResult struct {
	DocType string       `json:"docType"`
	Issuer  trust.Issuer `json:"issuer"`
	// Checks lists issuer_chain, revocation, issuer_signature, digests,
	// doctype, validity, device_auth, in this order.
	Checks verify.Checks `json:"checks"`
	// Elements holds only elements whose digest verified against an MSO
	// whose signature verified and, when a request was given, that were
	// requested.
	Elements map[string]map[string]Value `json:"elements"`
	// Unrequested lists elements sent without being requested; they are
	// dropped from Elements.
	Unrequested []ElementRef `json:"unrequested,omitempty"`
	// Errors are the element errors the holder reported (§8.3.2.1.2.2).
	Errors   map[string]map[string]int `json:"errors,omitempty"`
	Warnings []string                  `json:"warnings"`
	MSO      MSOValidity               `json:"validity"`
}

// MSOValidity is the MSO's validityInfo, when the MSO could be read.
type MSOValidity struct {
	Signed         time.Time  `json:"signed"`
	ValidFrom      time.Time  `json:"validFrom"`
	ValidUntil     time.Time  `json:"validUntil"`
	ExpectedUpdate *time.Time `json:"expectedUpdate,omitempty"`
}

// ElementRef names one data element.
type ElementRef struct {
	Namespace string `json:"namespace"`
	Element   string `json:"element"`
}

// documentRequired are the checks a document needs valid for a valid
// verdict; revocation is deliberately absent (not_checked is acceptable
// when no CRL is configured).
var documentRequired = []string{CheckIssuerChain, CheckIssuerSignature, CheckDigests, CheckDocType, CheckValidity, CheckDeviceAuth}

// fold computes Status and Valid from all checks.
func (r *Result) fold() {
	st := r.Checks.Overall(CheckDecode, CheckResponseStatus, CheckDocuments)
	for i := range r.Documents {
		st = worse(st, r.Documents[i].Checks.Overall(documentRequired...))
	}
	r.Status = st
	r.Valid = st == verify.StatusValid
}

func worse(a, b verify.Status) verify.Status {
	rank := func(s verify.Status) int {
		switch s {
		case verify.StatusInvalid:
			return 2
		case verify.StatusValid:
			return 0
		}
		return 1
	}
	if rank(b) > rank(a) {
		return b
	}
	return a
}
