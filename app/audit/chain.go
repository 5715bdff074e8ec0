package audit

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
)

// Domain labels keep a hash or signature of one kind from being replayed as
// another.
const (
	labelValue      = "taimen/audit/value/v1"
	labelCheckpoint = "taimen/audit/checkpoint/v1"
	labelSubject    = "taimen/audit/subject/v1"
)

// appendLP appends b with a 4-byte big-endian length prefix, so that field
// boundaries are unambiguous.
func appendLP(dst, b []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(b)))
	return append(dst, b...)
}

// commitValue is SHA-256(label ‖ lp(salt) ‖ lp(namespace) ‖ lp(element) ‖
// lp(value)).
func commitValue(salt []byte, ns, el string, value []byte) []byte {
	b := []byte(labelValue)
	b = appendLP(b, salt)
	b = appendLP(b, []byte(ns))
	b = appendLP(b, []byte(el))
	b = appendLP(b, value)
	sum := sha256.Sum256(b)
	return sum[:]
}

// checkpointMessage is what a checkpoint signs: label ‖ lp(terminal) ‖
// seq (8 bytes BE) ‖ lp(head) ‖ signedAt (Unix ms, 8 bytes BE).
func checkpointMessage(terminal string, seq uint64, head []byte, signedAt Millis) []byte {
	b := []byte(labelCheckpoint)
	b = appendLP(b, []byte(terminal))
	b = binary.BigEndian.AppendUint64(b, seq)
	b = appendLP(b, head)
	return binary.BigEndian.AppendUint64(b, uint64(signedAt))
}

// Checkpoint is a terminal's signature over (sequence number, head hash):
// "the chain of terminal T had entry Seq with hash Head at SignedAt".
type Checkpoint struct {
	Seq       uint64
	Head      []byte
	SignedAt  Millis
	Signature []byte
}

func signCheckpoint(k ed25519.PrivateKey, terminal string, seq uint64, head []byte, at Millis) Checkpoint {
	return Checkpoint{Seq: seq, Head: head, SignedAt: at, Signature: ed25519.Sign(k, checkpointMessage(terminal, seq, head, at))}
}

func (c Checkpoint) verify(pub ed25519.PublicKey, terminal string) bool {
	return len(pub) == ed25519.PublicKeySize && ed25519.Verify(pub, checkpointMessage(terminal, c.Seq, c.Head, c.SignedAt), c.Signature)
}

// subjectKey is HMAC-SHA256(secret, label ‖ lp(docType) ‖ lp(namespace) ‖
// lp(element) ‖ lp(value)): the same document gives the same key on one
// terminal, and nobody without the secret can test a guessed number.
func subjectKey(secret []byte, docType string, s Subject) []byte {
	m := hmac.New(sha256.New, secret)
	b := []byte(labelSubject)
	b = appendLP(b, []byte(docType))
	b = appendLP(b, []byte(s.Namespace))
	b = appendLP(b, []byte(s.Element))
	b = appendLP(b, []byte(s.Value))
	m.Write(b)
	return m.Sum(nil)
}

// Subject is the identifier a document's SubjectKey is computed from: the
// element it came from and its value as text.
type Subject struct {
	Namespace, Element, Value string
}

// forbidden lists elements that are never stored, committed to or hashed:
// the My Number (番号法 restricts collecting and keeping it). Matched by
// element identifier in any namespace, since a namespace is chosen by the
// issuer.
var forbidden = map[string]bool{
	"individual_number_unicode": true,
	"individual_number":         true,
	"my_number":                 true,
}

// Forbidden reports whether an element must never be stored.
func Forbidden(element string) bool { return forbidden[element] }
