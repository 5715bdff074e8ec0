package trust

import (
	"crypto/sha256"
	"crypto/x509"
	"sync"
)

// sigMemoCap bounds the memo; when it is full it starts over. A counter
// sees a handful of document signers, so this is never reached in practice,
// and the bound keeps a stream of distinct valid chains from growing it.
const sigMemoCap = 4096

// sigMemo remembers certificate signatures that verified. Whether parent's
// key signed child is a pure function of the two DER encodings, so a hit
// is exactly as good as the ECDSA verification it replaces (about two
// thirds of VerifyDocumentSigner's time). Failures are not remembered.
// The memo is the only mutable part of a Store; the store's answers never
// depend on it.
type sigMemo struct {
	mu sync.RWMutex
	m  map[[64]byte]struct{}
}

func memoKey(child *x509.Certificate, parentPrint [32]byte) (k [64]byte) {
	h := sha256.Sum256(child.Raw)
	copy(k[:32], h[:])
	copy(k[32:], parentPrint[:])
	return k
}

// checkSignature reports whether parent's key signed child.
func (m *sigMemo) checkSignature(parent *x509.Certificate, parentPrint [32]byte, child *x509.Certificate) bool {
	check := func() bool {
		return parent.CheckSignature(child.SignatureAlgorithm, child.RawTBSCertificate, child.Signature) == nil
	}
	if m == nil {
		return check()
	}
	return m.verified(memoKey(child, parentPrint), check)
}

// checkCRL reports whether issuer signed the CRL (whose SHA-256 is print).
func (m *sigMemo) checkCRL(e *crlEntry, issuer *x509.Certificate, issuerPrint [32]byte) bool {
	check := func() bool { return e.list.CheckSignatureFrom(issuer) == nil }
	if m == nil {
		return check()
	}
	var k [64]byte
	copy(k[:32], e.print[:])
	copy(k[32:], issuerPrint[:])
	k[0] ^= 0xff // keep CRL keys apart from certificate keys
	return m.verified(k, check)
}

// verified answers from the memo or runs check, remembering a success.
func (m *sigMemo) verified(k [64]byte, check func() bool) bool {
	m.mu.RLock()
	_, ok := m.m[k]
	m.mu.RUnlock()
	if ok {
		return true
	}
	if !check() {
		return false
	}
	m.mu.Lock()
	if m.m == nil || len(m.m) >= sigMemoCap {
		m.m = make(map[[64]byte]struct{})
	}
	m.m[k] = struct{}{}
	m.mu.Unlock()
	return true
}
