// Package reader is everything above the PC/SC wire and below the
// application protocols: command and response APDUs, the [Card] interface
// that every protocol layer (NFC engagement, mdoc NFC transport, My Number
// Card) talks to, typed errors, and the snapshot model the app watches.
//
// It is pure Go. The only cgo is in reader/pcsc, which implements [Source]
// and [Opener] on top of libpcsclite; everything else builds and tests with
// CGO_ENABLED=0 against a [Card] made from a plain function (see
// [NewTransceiver]).
//
// # Framing happens once, here
//
// [Transceiver] turns one [Command] into as many APDUs as the card needs:
// command chaining (ISO/IEC 7816-4 §5.3.3) when Data is longer than one APDU
// can carry, GET RESPONSE (§7.6.1) while the card answers 61xx, and one
// retry with the right Le on 6Cxx. Layers above never see 61xx, 6Cxx or the
// chaining bit.
//
// # Short or extended APDUs
//
// [LengthAuto] (the default) sends a command in the shortest form that
// carries it: short when Data ≤ 255 bytes and Ne ≤ 256, extended otherwise.
// If the card answers an extended APDU with 6700 (wrong length), the
// Transceiver remembers that this card does not take extended APDUs and
// resends the command as short APDUs with chaining and Le=00 (the card then
// hands the rest over with 61xx). [LengthShort] never sends extended APDUs;
// [LengthExtended] never falls back. The probe is per connection because
// support depends on both the reader and the card (or phone) in front of it.
//
// # Errors
//
// Transport failures are errors that unwrap to the sentinels below
// ([ErrCardRemoved], [ErrNoService], …). A status word is data: Transmit
// returns it in [Response] and [Response.Err] turns a non-9000 status into a
// [StatusError] that unwraps to [ErrNotFound], [ErrSecurityStatus],
// [RetriesError] and so on.
package reader
