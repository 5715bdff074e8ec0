// Package trust holds Taimen's trust anchors and checks certificate chains
// against them: document signer chains to IACAs, reader authentication
// chains to reader CAs (18013-5 Annex B), VICALs (Annex C) and CRLs.
//
// Every anchor has a [Purpose] and is only used for it. There is no default
// trust: anchors come from [Load], [ParseAnchors] or [ParseVICAL].
//
// # Verdicts
//
// [Store.VerifyDocumentSigner] and [Store.VerifyReader] return a
// [ChainResult] with two checks, issuer_chain and revocation, each with a
// stable reason code (see the Code* and Rev* constants) and soft profile
// deviations as warnings. A broken chain is a verdict, never an error or a
// panic.
//
// # Profile decisions (Annex B, checked against the Annex D certificates)
//
// Hard rules (the chain is invalid):
//   - DS: keyUsage exactly digitalSignature; extKeyUsage exactly
//     1.0.18013.5.1.2; SKI and AKI present; AKI equal to the IACA's SKI;
//     not a CA; key ECDSA P-256/384/521 or Ed25519 (RSA is refused: a DS
//     must sign issuerAuth with ES256/384/512 or EdDSA).
//   - IACA: keyUsage exactly keyCertSign+cRLSign; CA with pathLenConstraint
//     0; SKI present; key ECDSA, Ed25519 or RSA >= 2048.
//   - both: exactly one countryName each, equal; stateOrProvinceName equal
//     where either has one; no policyMappings, nameConstraints,
//     policyConstraints, inhibitAnyPolicy or freshestCRL; no unknown
//     critical extension; no SHA-1/MD5 signatures.
//   - reader (B.1.7): digitalSignature without keyCertSign/cRLSign; EKU
//     contains 1.0.18013.5.1.6 (others allowed); reader CA with keyCertSign
//     and CA=true; intermediates allowed within the CA's pathLenConstraint.
//
// Soft rules (warnings, because the Annex D certificates, which must verify,
// break them or because nothing is lost): CRL distribution point missing,
// not a fullName URI (Annex D uses a dNSName) or with reasons/cRLIssuer;
// issuerAltName missing or not rfc822Name/URI; keyUsage, extKeyUsage or
// basicConstraints not critical; SKI/AKI missing on reader and VICAL signer
// certificates.
//
// # Speed
//
// No general chain building: the issuing anchor is found through the leaf's
// authorityKeyIdentifier (or its issuer name) and one signature is checked
// per link. Anchors are parsed and their CA profile checked once, when the
// [Store] is built.
//
// The package does no I/O except the explicit loaders ([Load], [LoadCRLs])
// and never reads the clock: the verification time is an argument.
package trust
