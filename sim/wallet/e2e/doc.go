// Package e2e holds the end-to-end test of the wallet simulator behind a
// real pcscd: a private daemon with a vsmartcard vpcd reader
// (reader/pcsc/pcsctest), the wallet as the virtual card (sim/vicc), and the
// reader side through reader/pcsc. It is its own package so that the unit
// tests of sim/wallet need neither cgo nor a daemon.
package e2e
