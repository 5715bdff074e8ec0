// Package verify holds what every checker in Taimen shares: the per-check
// verdict model, the sentinel errors, and the one strict CBOR decoding setup
// for untrusted bytes.
//
// Nothing under verify/ does I/O, reads the clock or draws randomness of its
// own: callers pass time and randomness in. Nothing under verify/ imports
// reader/, Wails or UI code.
package verify
