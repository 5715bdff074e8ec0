// Package myna verifies what a physical My Number Card (マイナンバーカード)
// gives a reader that knows 照合番号B, and the optional signing-certificate
// route of the 公的個人認証AP (JPKI).
//
// # What is checked
//
// [VerifyCard] takes the files exactly as they were read from the 券面AP
// (券面事項確認AP, card face) and the 券面事項入力補助AP (text AP) plus a
// chip challenge, and reports one [verify.Check] per step:
//
//   - card_face_certificate, text_certificate: the card-verifiable (CV)
//     certificate in EF0004 of each AP is signed by a configured J-LIS CA key
//     ([CAKey]; none is built in: the keys are not published and their
//     provenance must be established by the operator).
//   - card_face_signature: the 券面AP EF0002 signature over three SHA-256
//     digests, made with the key certified in 券面AP EF0004.
//   - text_signature: the 入力補助AP EF0003 signature, made with the key
//     certified in 入力補助AP EF0004, and its digest of EF0002.
//   - chip_challenge: a fresh nonce signed by the chip with the key carried
//     inside the signed card face (DF24), which a copy of the files cannot do.
//   - text_chip_challenge (optional): the same nonce signed in the 入力補助AP
//     with the key of its signed EF0007, tying the text to the same chip.
//   - consistency: text and card face agree on birth date and sex.
//   - validity: the card has not expired at the verification time.
//
// [VerifySigningCert] checks a 署名用電子証明書 chained to the J-LIS JPKI
// roots, reads the four attributes from its subjectAltName and checks a
// nonce signed with the certificate's key.
//
// Layouts and algorithms follow ../shared/research/mynumbercard.md §1.3,
// §1.4 and §2; J-LIS does not publish the card specification, so nearly all
// of them are observed on real cards by soltia48/myna-card ([obs] there).
//
// # The My Number is never handled
//
// Nothing here has a field for the 個人番号. Parsers refuse the two files
// that hold it (入力補助AP EF0001, 券面AP EF0005) with a [*MyNumberError].
// The text integrity record (入力補助AP EF0003) carries DF31, a SHA-256 of
// the My Number file; 10^12 candidates make that digest reversible, so it is
// read only as part of the signed bytes and never kept or returned.
//
// # Wiring
//
// reader/myna's FaceRead maps one to one onto [Input]: Face.Cert →
// CardFaceCert, Face.Face → CardFace, Text.Cert → TextCert, Text.Basic →
// Text, Text.Integrity → TextIntegrity, Text.CardKey → TextCardKey,
// Challenge.Nonce/Signature → Nonce/ChallengeSignature. CA keys come from
// [ParseCAKeys] over the configured files; JPKI roots from verify/trust
// (purpose JLIS). verify/myna/mynatest mints a test J-LIS PKI and card.
//
// The package does no I/O and has no clock or randomness of its own: the
// caller passes the bytes, the keys and the verification time.
package myna
