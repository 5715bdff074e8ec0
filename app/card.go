package app

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"taimen/app/purpose"
	"taimen/app/session"
	"taimen/reader"
	rmyna "taimen/reader/myna"
	"taimen/sim/mynacard"
	"taimen/verify"
	vmyna "taimen/verify/myna"
	"taimen/verify/myna/mynatest"
)

// codeBRequest is the clerk's 照合番号B for the card on the reader.
type codeBRequest struct {
	digits    string
	allowLast bool
}

// isPlasticCard reports whether what failed the phone engagement is a My
// Number Card: a card answers the NDEF application's SELECT with 6A82
// (nfc.ErrLocked) or refuses the tag protocol, and then answers SELECT of
// its own applications. Detection never uses the ATR (reader/myna doc).
func isPlasticCard(ctx context.Context, card reader.Card, phoneErr error) bool {
	if ctx.Err() != nil || errorCode(ctx, phoneErr) != CodeNotWallet && errorCode(ctx, phoneErr) != CodeLockedPhone {
		return false
	}
	apps, err := rmyna.Detect(ctx, card)
	return err == nil && apps.Text && apps.Face
}

// runCard reads a plastic card: it shows the tries left, waits for the
// 照合番号B, reads and verifies. A wrong or refused code goes back to the
// code entry with the new count; the card stays connected throughout.
func (c *Counter) runCard(ctx context.Context, gen uint64, card reader.Card, keys []vmyna.CAKey) {
	tries, err := rmyna.CheckTries(ctx, card, rmyna.CodeBText)
	if err != nil {
		c.finishCard(ctx, gen, nil, err)
		return
	}
	if tries.Blocked {
		c.finishCard(ctx, gen, nil, rmyna.ErrBlocked)
		return
	}
	ch := make(chan codeBRequest, 1)
	if !c.enterCodeB(gen, ch, triesOf(tries), "") {
		return
	}
	for {
		var req codeBRequest
		select {
		case <-ctx.Done():
			c.finishCard(ctx, gen, nil, ctx.Err())
			return
		case req = <-ch:
		}
		out, err := session.RunCard(ctx, card, session.CardOptions{
			CodeB: req.digits, AllowLastTry: req.allowLast, CAKeys: keys, Now: c.cfg.clock.Now, Rand: c.cfg.rand,
		})
		var low *rmyna.ErrRetriesLow
		var left *reader.RetriesError
		switch {
		case errors.As(err, &low):
			if !c.enterCodeB(gen, ch, &low.Left, CodeRetriesLow) {
				return
			}
			continue
		case errors.Is(err, rmyna.ErrWrongSecret) && errors.As(err, &left) && left.Left > 0:
			if !c.enterCodeB(gen, ch, &left.Left, CodeWrongCodeB) {
				return
			}
			continue
		case errors.Is(err, rmyna.ErrWrongSecret):
			err = rmyna.ErrBlocked // the last try was spent
		}
		var res *vmyna.Result
		if out != nil {
			res = out.Result
		}
		c.finishCard(ctx, gen, res, err)
		return
	}
}

func triesOf(t rmyna.Tries) *int {
	if t.Verified || t.Unlimited {
		return nil
	}
	n := t.Left
	return &n
}

// enterCodeB shows the code entry; false when the check was cancelled.
func (c *Counter) enterCodeB(gen uint64, ch chan codeBRequest, tries *int, code string) bool {
	c.fmu.Lock()
	defer c.fmu.Unlock()
	f := &c.flow
	if f.gen != gen || !f.running() {
		return false
	}
	f.codeB, f.tries, f.errCode, f.source = ch, tries, code, "card"
	if code != "" {
		c.log.Info("code b refused", "code", code)
	}
	c.setPhaseLocked(PhaseCodeB)
	return true
}

// SubmitCodeB takes the plastic card's 14-digit 照合番号B (birth date
// YYMMDD, expiry year YYYY, security code). allowLastTry lets the read spend
// the card's last try. The digits are never logged.
func (c *Counter) SubmitCodeB(digits string, allowLastTry bool) CheckState {
	c.fmu.Lock()
	defer c.fmu.Unlock()
	f := &c.flow
	if f.phase != PhaseCodeB || f.codeB == nil {
		return c.rejectLocked(CodeBusy)
	}
	if _, err := rmyna.ParseCodeB(digits); err != nil {
		return c.rejectLocked(CodeBadCodeB)
	}
	select {
	case f.codeB <- codeBRequest{digits: digits, allowLast: allowLastTry}:
	default:
		return c.rejectLocked(CodeBusy)
	}
	f.errCode = ""
	return c.setPhaseLocked(PhaseReadingCard)
}

// finishCard ends a card check.
func (c *Counter) finishCard(ctx context.Context, gen uint64, res *vmyna.Result, err error) {
	c.fmu.Lock()
	defer c.fmu.Unlock()
	f := &c.flow
	if f.gen != gen || !f.running() {
		wipeCard(res)
		return
	}
	f.cancel(nil)
	f.cancel, f.codeB, f.tries = nil, nil, nil
	if err != nil {
		wipeCard(res)
		c.failLocked(errorCode(ctx, err))
		return
	}
	c.cfgMu.RLock()
	p, perr := c.conf.purposes.Get(f.purpose)
	idle := c.conf.settings.IdleTimeoutSeconds
	c.cfgMu.RUnlock()
	if perr != nil {
		wipeCard(res)
		c.failLocked(CodeUnknownPurpose)
		return
	}
	f.card, f.view = res, buildCardView(p, res, c.cfg.clock.Now())
	f.idle = idle
	c.log.Info("check finished", "overall", f.view.Overall, "docType", f.view.DocType, "warnings", len(f.view.Warnings))
	c.setPhaseLocked(PhaseResult)
	c.scheduleTickLocked()
}

// buildCardView shows what the purpose may show of the card
// (session.CardElements, filled only from records whose signature
// verified), in the purpose's order.
func buildCardView(p purpose.Purpose, res *vmyna.Result, now time.Time) *ResultView {
	v := &ResultView{DocType: purpose.DocTypeCard, Issuer: IssuerView{Country: "JP", Name: "J-LIS"},
		Attributes: []AttributeView{}, Checks: []CheckView{}, Warnings: []string{}}
	v.Overall = string(res.Status)
	if res.Status != verify.StatusValid && res.Status != verify.StatusInvalid {
		v.Overall = string(verify.StatusUndetermined)
	}
	for _, ch := range res.Checks {
		v.Checks = append(v.Checks, CheckView{ID: ch.ID, Status: string(ch.Status), Code: ch.Code})
		if ch.ID == vmyna.CheckValidity && ch.Code == vmyna.CodeCardExpired {
			v.addWarning(WarnExpired)
		}
	}
	for _, w := range res.Warnings {
		v.addWarning(w)
	}
	els := session.CardElements(p, res.Person, now)
	for _, e := range p.Elements(purpose.DocTypeCard) {
		switch val := els[e.Element].(type) {
		case *vmyna.Image:
			if len(val.Bytes) > 0 {
				v.Portrait = &PortraitView{MediaType: val.MediaType, DataURL: dataURL(val.MediaType, val.Bytes)}
			}
		case bool:
			v.Attributes = append(v.Attributes, AttributeView{Key: e.Element, Value: strconv.FormatBool(val)})
		case string:
			if e.Element == string(purpose.Sex) {
				val = map[string]string{string(vmyna.SexMale): "男", string(vmyna.SexFemale): "女"}[val]
			}
			if val != "" {
				v.Attributes = append(v.Attributes, AttributeView{Key: e.Element, Value: val})
			}
		}
	}
	return v
}

// wipeCard overwrites the images of a card verdict and drops its values.
func wipeCard(r *vmyna.Result) {
	if r == nil {
		return
	}
	for _, im := range []*vmyna.Image{r.Person.Photo, r.Person.NameImage, r.Person.AddressImage} {
		if im != nil {
			clear(im.Bytes)
			im.Bytes = nil
		}
	}
	r.Person = vmyna.Person{}
}

// demoMyna is the simulated plastic card of demo mode and the test J-LIS
// CA keys that verify it. Minting RSA keys takes about a second, so it is
// done once per process, in the background when demo mode starts.
type demoMyna struct {
	card *mynatest.Card
	keys []vmyna.CAKey
}

var demoMynaOnce = sync.OnceValues(func() (*demoMyna, error) {
	pki, err := mynatest.NewPKI("taimen demo")
	if err != nil {
		return nil, err
	}
	tc, err := mynatest.NewCard(pki, mynatest.Options{Person: mynatest.Hanako, Seed: "hanako"})
	if err != nil {
		return nil, err
	}
	keys := []vmyna.CAKey{
		{ID: &pki.VisualCA.ID, Key: &pki.VisualCA.Key.PublicKey, Source: SourceDemo},
		{ID: &pki.TextCA.ID, Key: &pki.TextCA.Key.PublicKey, Source: SourceDemo},
	}
	return &demoMyna{card: tc, keys: keys}, nil
})

// demoCardCodeB is the 照合番号B of the demo card.
func demoCardCodeB() (string, error) {
	d, err := demoMynaOnce()
	if err != nil {
		return "", err
	}
	return d.card.CodeB, nil
}

// DemoCodeB returns the 照合番号B of the demo mode's simulated card, which
// the demo screen shows as the card face would; "" outside demo mode.
func (c *Counter) DemoCodeB() string {
	if c.cfg.demoSrc == nil {
		return ""
	}
	code, err := demoCardCodeB()
	if err != nil {
		c.log.Error("demo card", "err", err)
		return ""
	}
	return code
}

// newDemoCard returns a fresh simulated card (full tries) as a reader.Card.
func newDemoCard() (reader.Card, error) {
	d, err := demoMynaOnce()
	if err != nil {
		return nil, err
	}
	sim, err := mynacard.New(mynacard.FromTest(d.card))
	if err != nil {
		return nil, err
	}
	return reader.NewTransceiver(func(b []byte) ([]byte, error) { return sim.APDU(b), nil }, rmyna.TransceiverOptions), nil
}
