package trust

// Check IDs set by [Store.VerifyDocumentSigner] and [Store.VerifyReader].
const (
	CheckIssuerChain = "issuer_chain"
	CheckRevocation  = "revocation"
)

// Reason codes of the issuer_chain check. They are stable and snake_case;
// the UI translates them. Exactly one code describes a failed chain: the
// first failure in this order wins: malformed input, no anchor, chain
// signatures, validity periods, keys, profiles (anchor, intermediates,
// leaf), AKI, country/state.
//
//	ok                              the chain is valid
//	chain_malformed                 empty chain, a certificate that does not parse, or too many certificates
//	no_trusted_anchor               no anchor of the right purpose issued the chain (unknown issuer)
//	chain_signature_invalid         a certificate's signature does not verify with its issuer's key
//	signature_algorithm_unsupported a certificate is signed with SHA-1, MD5 or another algorithm not allowed
//	path_length_exceeded            the chain has more CAs than the anchor's pathLenConstraint allows
//	intermediate_profile            an intermediate is not a CA allowed to sign certificates
//	intermediate_expired / intermediate_not_yet_valid
//	ds_expired / ds_not_yet_valid   the document signer is outside its validity at the given time
//	iaca_expired / iaca_not_yet_valid
//	ds_key_unsupported              DS key is not ECDSA P-256/384/521 or Ed25519 (18013-5 §9.1.3.6 algorithms)
//	iaca_key_unsupported            IACA key is not ECDSA P-256/384/521, Ed25519 or RSA >= 2048
//	ds_profile_key_usage            DS keyUsage is missing or not exactly digitalSignature (B.1.4)
//	ds_profile_eku                  DS extKeyUsage is missing or not exactly 1.0.18013.5.1.2 (B.1.4)
//	ds_profile_missing_ski          DS has no subjectKeyIdentifier (B.1.4)
//	ds_profile_missing_aki          DS has no authorityKeyIdentifier (B.1.4)
//	ds_profile_basic_constraints    DS claims to be a CA
//	iaca_profile_key_usage          IACA keyUsage is not exactly keyCertSign + cRLSign (B.1.2)
//	iaca_profile_basic_constraints  IACA is not CA=true with pathLenConstraint 0 (B.1.2)
//	iaca_profile_missing_ski        IACA has no subjectKeyIdentifier (B.1.2)
//	aki_mismatch                    the leaf's authorityKeyIdentifier is not the anchor's subjectKeyIdentifier
//	country_mismatch                DS and IACA countryName differ, or one lacks exactly one countryName (B.1.4)
//	state_mismatch                  stateOrProvinceName present in one and not equal in the other
//	forbidden_extension             policyMappings, nameConstraints, policyConstraints, inhibitAnyPolicy or freshestCRL (B.1.1)
//	unknown_critical_extension      a critical extension this verifier does not process
//	reader_expired / reader_not_yet_valid / reader_ca_expired / reader_ca_not_yet_valid
//	reader_key_unsupported / reader_ca_key_unsupported
//	reader_profile_key_usage        reader cert keyUsage lacks digitalSignature or has keyCertSign/cRLSign (B.1.7)
//	reader_profile_eku              reader cert extKeyUsage lacks 1.0.18013.5.1.6 (B.1.7)
//	reader_profile_basic_constraints reader cert claims to be a CA
//	reader_ca_profile_key_usage     reader CA lacks keyCertSign
//	reader_ca_profile_basic_constraints reader CA is not CA=true
//	vical_signer_* / vical_ca_*     the same checks for a VICAL signer chain (Annex C), inside [VICALError]
const (
	CodeOK                            = "ok"
	CodeChainMalformed                = "chain_malformed"
	CodeNoTrustedAnchor               = "no_trusted_anchor"
	CodeChainSignatureInvalid         = "chain_signature_invalid"
	CodeSignatureAlgorithmUnsupported = "signature_algorithm_unsupported"
	CodePathLengthExceeded            = "path_length_exceeded"
	CodeIntermediateProfile           = "intermediate_profile"
	CodeIntermediateExpired           = "intermediate_expired"
	CodeIntermediateNotYetValid       = "intermediate_not_yet_valid"

	CodeDSExpired                   = "ds_expired"
	CodeDSNotYetValid               = "ds_not_yet_valid"
	CodeDSKeyUnsupported            = "ds_key_unsupported"
	CodeDSProfileKeyUsage           = "ds_profile_key_usage"
	CodeDSProfileEKU                = "ds_profile_eku"
	CodeDSProfileMissingSKI         = "ds_profile_missing_ski"
	CodeDSProfileMissingAKI         = "ds_profile_missing_aki"
	CodeDSProfileBasicConstraints   = "ds_profile_basic_constraints"
	CodeIACAExpired                 = "iaca_expired"
	CodeIACANotYetValid             = "iaca_not_yet_valid"
	CodeIACAKeyUnsupported          = "iaca_key_unsupported"
	CodeIACAProfileKeyUsage         = "iaca_profile_key_usage"
	CodeIACAProfileBasicConstraints = "iaca_profile_basic_constraints"
	CodeIACAProfileMissingSKI       = "iaca_profile_missing_ski"

	CodeAKIMismatch              = "aki_mismatch"
	CodeCountryMismatch          = "country_mismatch"
	CodeStateMismatch            = "state_mismatch"
	CodeForbiddenExtension       = "forbidden_extension"
	CodeUnknownCriticalExtension = "unknown_critical_extension"

	CodeReaderExpired                   = "reader_expired"
	CodeReaderNotYetValid               = "reader_not_yet_valid"
	CodeReaderKeyUnsupported            = "reader_key_unsupported"
	CodeReaderProfileKeyUsage           = "reader_profile_key_usage"
	CodeReaderProfileEKU                = "reader_profile_eku"
	CodeReaderProfileBasicConstraints   = "reader_profile_basic_constraints"
	CodeReaderCAExpired                 = "reader_ca_expired"
	CodeReaderCANotYetValid             = "reader_ca_not_yet_valid"
	CodeReaderCAKeyUnsupported          = "reader_ca_key_unsupported"
	CodeReaderCAProfileKeyUsage         = "reader_ca_profile_key_usage"
	CodeReaderCAProfileBasicConstraints = "reader_ca_profile_basic_constraints"
)

// Reason codes of the revocation check.
//
//	not_configured         no CRL cache configured (not_checked)
//	chain_not_verified     no trusted path was built, so there is nothing to look up (not_checked)
//	crl_missing            no CRL from the issuer in the cache (undetermined)
//	crl_stale              the CRL is past nextUpdate, older than the configured maximum age, or not yet valid (undetermined)
//	crl_signature_invalid  no CRL from the issuer has a valid signature by the issuer's key (undetermined)
//	revoked                the certificate's serial is on the issuer's CRL (invalid)
//	ok                     the certificate is not on a fresh CRL of its issuer (valid)
const (
	RevNotConfigured       = "not_configured"
	RevChainNotVerified    = "chain_not_verified"
	RevCRLMissing          = "crl_missing"
	RevCRLStale            = "crl_stale"
	RevCRLSignatureInvalid = "crl_signature_invalid"
	RevRevoked             = "revoked"
	RevOK                  = "ok"
)

// Warning suffixes. A warning in [ChainResult.Warnings] is the role of the
// certificate ("ds", "iaca", "reader", "reader_ca", "vical_signer",
// "vical_ca", "intermediate") joined with one of these by "_", e.g.
// "iaca_crl_dp_not_uri". Warnings are soft Annex B deviations that do not
// make the chain invalid; each is a deliberate decision documented at
// [checkExtensions].
const (
	WarnCRLDPMissing             = "crl_dp_missing"
	WarnCRLDPNotURI              = "crl_dp_not_uri"
	WarnCRLDPReasonsOrIssuer     = "crl_dp_reasons_or_crl_issuer"
	WarnIANMissing               = "ian_missing"
	WarnIANNameType              = "ian_name_type"
	WarnKeyUsageNotCritical      = "key_usage_not_critical"
	WarnEKUNotCritical           = "eku_not_critical"
	WarnBasicConstraintsCritical = "basic_constraints_not_critical"
	WarnMissingSKI               = "missing_ski"
	WarnMissingAKI               = "missing_aki"
	WarnCountryCount             = "country_not_single"
)
