// Package nfc reads an ISO/IEC 18013-5 NFC device engagement from a holder
// (a phone wallet) that emulates an NFC Forum Type 4 Tag: NDEF parsing and
// building (NDEF 1.0), the capability container (T4T 2.0), TNEP 1.0 and
// Connection Handover 1.5 with the 18013-5 carrier records.
//
// # Sans-IO
//
// [Engagement] is a state machine: Start returns the first command, Next
// takes each response and returns the next command and how long to wait
// before sending it. It never sleeps and does no I/O, so the recorded
// exchanges of real wallets replay against it byte for byte. [Engage] is
// the plain loop over a [reader.Card].
//
// # What comes out
//
// A [Result] keeps the Handover Select and Handover Request messages and the
// DeviceEngagement payload exactly as read or written: the SessionTranscript
// is built from these bytes, never from a re-encoding (Apple's
// DeviceEngagement has keys a re-encoding would drop). It also lists the
// data retrieval methods the holder selected: BLE (mode, UUID, address) and
// NFC (maximum command and response lengths). The DeviceEngagement CBOR is
// not decoded here; verify/mdoc does that.
//
// # Interop quirks handled
//
//   - Records arrive in any order; they are looked up by type and ID.
//   - Apple answers NLEN = 0 after the Handover Request until its Handover
//     Select is ready; NLEN is re-read, never the data, up to a cap.
//   - Apple's Hs names BLE central client mode without a UUID; the UUID is
//     then the one of our Handover Request (18013-5 §8.3.3.1.1.2).
//   - Android answers 6A82 to the application SELECT while locked
//     ([ErrLocked]).
//   - Reads are chunked by min(MLe, 255): Apple's MLe is 1024, not 0x7FFF.
//   - The NFC carrier record of our Handover Request always carries both
//     maximum lengths: Google Wallet throws on a version-only record.
//
// Chunked NDEF records are rejected, not reassembled: no handover or TNEP
// record is chunked in practice, and a reassembled record has no single
// received form to keep.
package nfc
