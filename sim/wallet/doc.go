// Package wallet is a software phone wallet that answers an ISO/IEC 18013-5
// reader exactly as a real one does, over APDUs: an NFC Forum Type 4 Tag
// serving the NFC device engagement (static handover, negotiated handover
// with TNEP, or a mode that mimics Apple Wallet byte for byte), then NFC
// data retrieval (SELECT of the mdoc application, ENVELOPE with DO'53',
// command chaining, 61xx and GET RESPONSE), the holder's side of the session
// (verify/mdoc DeviceSession), selective disclosure under a consent policy,
// and device authentication by signature or MAC. Its credentials, an mDL and
// an iPhone-style My Number Card mdoc of a fictitious person, are minted with
// verify/mdoc/mdoctest under a test IACA from verify/trust/trusttest.
//
// # Sans-IO
//
// [Wallet.APDU] takes one command APDU and returns the response APDU; it
// does no I/O. Time, randomness and the consent delay (the only blocking)
// are injected through [Options]. The same Wallet is a sim/vicc Handler (a
// virtual card behind a real pcscd with vsmartcard-vpcd) and, through
// [Wallet.Card], an in-process reader.Card.
//
// # What real wallets do, and this one copies
//
//   - A fresh EDeviceKey for every engagement: an engagement starts at the
//     first SELECT of the NDEF application after the field came up (power on
//     or reset) or after the previous session ended; re-selecting within one
//     engagement keeps the key (multipaz #207: regenerating it on every SELECT
//     breaks readers that select twice).
//   - The DeviceEngagement bytes are encoded once and used verbatim in the
//     Handover Select and in the SessionTranscript.
//   - Apple mode: CC 000F 20 0400 0400 0406 E104 0802 00 00, Tp with WT 0x14,
//     Hs = [Hs(ac "0" aux "mdoc"), BLE OOB LE role 01 without UUID,
//     DeviceEngagement {0:"1.1", 1:Security, 5:[], 6:{3:true, 4:true}}], and
//     NLEN = 0 "not ready" answers after the Handover Request (reads of data
//     meanwhile return 8 zero bytes, as Apple does).
//   - Declining: the wallet ends the session with SessionData {status: 20}
//     and no data, which is what the multipaz test wallet does on "cancel" and
//     what readers report as "declined or cancelled"; [DeclineWithErrors]
//     instead returns a DeviceResponse with documentErrors (18013-5
//     §8.3.2.1.2.2), which the standard also allows.
//   - Each DeviceResponse carries a freshly minted MSO covering every element
//     of the credential (disclosed and withheld), as wallets that use
//     single-use MSOs for unlinkability do.
//   - The My Number (individual_number_unicode) is never in the credential
//     unless [Options.IncludeMyNumber] is set for a negative test.
package wallet
