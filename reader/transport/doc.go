// Package transport carries ISO/IEC 18013-5 data retrieval messages
// (SessionEstablishment, SessionData) between the reader and an mdoc, over
// NFC (§8.3.3.1.2) or Bluetooth Low Energy (§8.3.3.1.1). It moves bytes and
// knows nothing of CBOR: what it receives is handed up exactly as it arrived.
//
// # One interface, two kinds of link
//
// [Transport] is a message stream: Send, Receive, Close. NFC is strictly
// request/response — the holder can only answer an ENVELOPE — so [NFC.Send]
// queues the message and [NFC.Receive] runs the APDU exchange and returns the
// holder's answer ([NFC.Exchange] does both). BLE is a real stream: the
// holder may send at any time (for example SessionData with status 20), and
// [BLE.Receive] returns messages in arrival order.
//
// Timeouts are the caller's: a holder holds back its answer while the user
// decides, for many seconds, so every blocking call takes a context and none
// has a deadline of its own.
//
// # NFC
//
// Framing below the message (command chaining, GET RESPONSE after 61xx,
// short or extended APDUs) is done once, by [reader.Transceiver] behind
// [reader.Card]. This package builds the SELECT and ENVELOPE commands with
// the right Ne and wraps and unwraps the BER-TLV DO'53'.
//
// # BLE
//
// The protocol (chunking with the 01/00 prefix, reassembly, the State
// characteristic's start and end, the Ident value, learning the MTU) is
// plain code over a narrow GATT seam ([GATTServer], [GATTClient]) and is
// tested over an in-memory GATT link in both modes:
//
//   - mdoc central client mode (what Apple, Google and Samsung Wallet
//     choose): the PC is the GATT server; [ServeCentralClient] over
//     [OpenServer] — [BlueZ] on Linux (its own D-Bus binding, tested
//     against a fake org.bluez on a private dbus-daemon), the
//     tinygo.org/x/bluetooth WinRT server on Windows (untested).
//   - mdoc peripheral server mode: the PC is the GATT client;
//     [ConnectPeripheralServer] over [Bluetooth] (tinygo.org/x/bluetooth,
//     Linux and Windows; untested on hardware).
package transport
