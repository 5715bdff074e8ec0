package wallet

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"fmt"
	"time"

	"taimen/verify/mdoc/mdoctest"
	"taimen/verify/trust/trusttest"
)

// DocKind names a credential the wallet can hold.
type DocKind string

// Credentials of a fictitious person (verify/mdoc/mdoctest MDLPerson and
// MNCPerson).
const (
	// DocMDL is an mDL (org.iso.18013.5.1.mDL), 17 elements with a portrait.
	DocMDL DocKind = "mdl"
	// DocMNC is an iPhone-style My Number Card (org.iso.23220.1.jp.mnc):
	// org.iso.23220.1.jp basic items and portrait, org.iso.23220.1 age and
	// birth date. No My Number unless Options.IncludeMyNumber.
	DocMNC DocKind = "mnc"
)

// ElementMyNumber is the My Number element of the JP namespace; the wallet
// holds it only with Options.IncludeMyNumber.
const ElementMyNumber = "individual_number_unicode"

// fakeMyNumber is a 12-digit value that fails the My Number check digit
// (the real check digit of 00000000001 is 9, not 0), so it can never be
// anyone's number.
const fakeMyNumber = "000000000010"

// credential is one document the wallet holds.
type credential struct {
	docType  string
	elements []mdoctest.Element
}

func credentialFor(k DocKind, myNumber bool) (credential, error) {
	switch k {
	case DocMDL:
		return credential{docType: mdoctest.DocTypeMDL, elements: mdoctest.MDLPerson()}, nil
	case DocMNC:
		els := mdoctest.MNCPerson()
		if myNumber {
			els = append(els, mdoctest.Element{Namespace: mdoctest.NamespaceJP, Identifier: ElementMyNumber, Value: fakeMyNumber})
		}
		return credential{docType: mdoctest.DocTypeMNC, elements: els}, nil
	}
	return credential{}, fmt.Errorf("%w: unknown document %q", ErrInvalidOptions, k)
}

// issuer is the test PKI and the holder's device key, minted from a seed:
// the same seed gives the same IACA, so a trust file written once keeps
// working across runs.
type issuer struct {
	pki       *mdoctest.TestPKI
	deviceKey *ecdsa.PrivateKey
	signed    time.Time
	until     time.Time
}

func newIssuer(seed string, now time.Time) (*issuer, error) {
	pki, err := mdoctest.NewTestPKI(seed)
	if err != nil {
		return nil, fmt.Errorf("wallet: test pki: %w", err)
	}
	dk, err := mdoctest.DeviceKey(elliptic.P256(), seed)
	if err != nil {
		return nil, fmt.Errorf("wallet: device key: %w", err)
	}
	// Issued a day ago, valid for a year: a verifier running "now" accepts
	// it, and the DS certificate (2020..2035) covers the signing time.
	signed := now.UTC().Truncate(time.Second).Add(-24 * time.Hour)
	return &issuer{pki: pki, deviceKey: dk, signed: signed, until: signed.AddDate(1, 0, 0)}, nil
}

// IACA returns the test root the wallet's credentials chain to.
func (w *Wallet) IACA() *x509.Certificate { return w.iss.pki.IACA.Cert }

// TrustPEM returns the test IACA as PEM, for `taimen tap --trust FILE`.
func (w *Wallet) TrustPEM() []byte { return trusttest.PEM(w.iss.pki.IACA) }
