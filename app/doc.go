// Package app is what a counter does: it composes reader/ and verify/ into
// the clerk's flow and is the only code that knows Wails. Only runtime.go
// touches the Wails runtime; everything else reaches the frontend through an
// injected [Emitter], so tests never need a Wails context.
package app
