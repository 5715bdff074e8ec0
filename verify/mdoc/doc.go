// Package mdoc is the reader side of ISO/IEC 18013-5: the data model, the
// session (ECDH, HKDF, AES-256-GCM), DeviceRequest building and
// DeviceResponse verification. Pure: no I/O, no clock, no randomness of its
// own. Every structure that is hashed or signed keeps the bytes it arrived
// in (see [Tag24]); nothing is decoded and re-encoded for a check.
package mdoc
