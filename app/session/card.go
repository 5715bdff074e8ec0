package session

import (
	"context"
	"fmt"
	"io"
	"time"

	"taimen/reader"
	rmyna "taimen/reader/myna"
	vmyna "taimen/verify/myna"
)

// CardOptions configure a check of a physical My Number Card by
// 照合番号B (research mynumbercard.md §0).
type CardOptions struct {
	// CodeB is the 14-digit 照合番号B as typed (spaces, hyphens and
	// full-width digits are accepted).
	CodeB string
	// AllowLastTry lets the read spend the last remaining try; only after
	// the clerk confirmed it.
	AllowLastTry bool
	// CAKeys are the configured J-LIS CA keys the card's certificates
	// must chain to.
	CAKeys []vmyna.CAKey
	Now    func() time.Time
	Rand   io.Reader
}

// CardOutcome is the verdict on a card and what was read for it.
type CardOutcome struct {
	Result *vmyna.Result
}

// RunCard reads the card face and text with 照合番号B and verifies them:
// record signatures to the J-LIS keys and a fresh challenge signed by the
// chip. It never selects the My Number files (reader/myna refuses to) and
// never spends the last 照合番号B try unless AllowLastTry is set: that stop
// is an error unwrapping to *rmyna.ErrRetriesLow. A wrong code is an error
// unwrapping to rmyna.ErrWrongSecret with the tries left.
func RunCard(ctx context.Context, card reader.Card, opts CardOptions) (*CardOutcome, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	code, err := rmyna.ParseCodeB(opts.CodeB)
	if err != nil {
		return nil, &Error{Step: "code_b", Err: err}
	}
	read, err := rmyna.ReadFace(ctx, card, code, rmyna.Options{AllowLastTry: opts.AllowLastTry, Rand: opts.Rand})
	if err != nil {
		return nil, &Error{Step: "read_card", Err: err}
	}
	res, err := vmyna.VerifyCard(&vmyna.Input{
		CardFaceCert:       read.Face.Cert,
		CardFace:           read.Face.Face,
		TextCert:           read.Text.Cert,
		Text:               read.Text.Basic,
		TextIntegrity:      read.Text.Integrity,
		Nonce:              read.Challenge.Nonce,
		ChallengeSignature: read.Challenge.Signature,
	}, opts.CAKeys, opts.Now())
	if err != nil {
		// Only a My Number file passed in makes VerifyCard fail; reader/myna
		// never reads one, so this is a bug worth stopping for.
		return nil, &Error{Step: "verify_card", Err: fmt.Errorf("%w: %w", ErrProtocol, err)}
	}
	return &CardOutcome{Result: res}, nil
}
