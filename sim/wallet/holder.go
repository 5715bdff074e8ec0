package wallet

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"taimen/verify"
	"taimen/verify/mdoc"
	"taimen/verify/mdoc/mdoctest"
)

// Decision is what the simulated user answers to a request.
type Decision int

const (
	// Approve discloses what was requested (all of it, or Consent.Only).
	Approve Decision = iota
	// Decline ends the session with status 20 and no data, as wallets do
	// when the user cancels.
	Decline
	// DeclineWithErrors answers with a DeviceResponse that has no documents
	// and documentErrors {docType: 0} (18013-5 §8.3.2.1.2.2).
	DeclineWithErrors
)

// Consent is the simulated user's answer to every request.
type Consent struct {
	Decision Decision
	// Only, when not nil, approves a subset: just these elements (of those
	// requested). An ElementRef with an empty Namespace matches the element
	// name in any namespace. Requested elements left out are reported in
	// the document's errors with code 0 (data not returned).
	Only []ElementRef
	// Delay holds the answer for this long (the user reading the request
	// and authenticating on the phone).
	Delay time.Duration
}

// ElementRef names one data element.
type ElementRef struct {
	Namespace string
	Element   string
}

// ParseElementRefs reads "ns/element,element,…" (an element without a
// namespace matches it in any namespace).
func ParseElementRefs(s string) []ElementRef {
	var out []ElementRef
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if i := strings.LastIndex(f, "/"); i >= 0 {
			out = append(out, ElementRef{Namespace: f[:i], Element: f[i+1:]})
		} else {
			out = append(out, ElementRef{Element: f})
		}
	}
	return out
}

func (c Consent) approves(ns, el string) bool {
	if c.Only == nil {
		return true
	}
	for _, r := range c.Only {
		if r.Element == el && (r.Namespace == "" || r.Namespace == ns) {
			return true
		}
	}
	return false
}

// Element error code 0: data not returned (18013-5 §8.3.2.1.2.2).
const errDataNotReturned = 0

// holderSession is the holder's session on one engagement.
type holderSession struct {
	s      *mdoc.DeviceSession
	reader *mdoc.COSEKey // EReaderKey, for the deviceMac
	closed bool
}

// Message handles one session message from the reader (SessionEstablishment
// first, SessionData after) and returns the message to send back, whatever
// the transport: NFC wraps it in DO'53', a BLE transport would chunk it over
// GATT. end reports that the session is over; the next engagement starts
// afresh. It fails only without a finished engagement (ErrNotEngaged).
func (w *Wallet) Message(msg []byte) (reply []byte, end bool, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.eng == nil || w.eng.hs == nil || w.eng.pending != nil || w.eng.noCarrier {
		return nil, false, ErrNotEngaged
	}
	reply = w.message(msg)
	return reply, w.eng == nil, nil
}

// message is Message under the lock; the engagement is dropped when the
// session ends, so the next SELECT of the NDEF application is a new tap.
func (w *Wallet) message(msg []byte) []byte {
	e := w.eng
	reply, end := w.converse(e, msg)
	if end {
		w.eng = nil
	}
	return reply
}

func (w *Wallet) converse(e *engagement, msg []byte) (reply []byte, end bool) {
	if e.session == nil {
		h, err := e.handover()
		if err != nil {
			return mdoc.StatusMessage(mdoc.SessionStatusDecodingError), true
		}
		ds, err := mdoc.NewDeviceSession(e.key, e.de, h)
		if err != nil {
			return mdoc.StatusMessage(mdoc.SessionStatusDecodingError), true
		}
		se, err := mdoc.ParseSessionEstablishment(msg)
		if err != nil {
			return mdoc.StatusMessage(mdoc.SessionStatusDecodingError), true
		}
		rk, err := mdoc.DecodeCOSEKey(se.EReaderKeyBytes.Inner)
		if err != nil {
			return mdoc.StatusMessage(mdoc.SessionStatusDecodingError), true
		}
		req, err := ds.Establish(msg)
		if err != nil {
			return sessionError(err), true
		}
		e.session = &holderSession{s: ds, reader: rk}
		return w.respond(e.session, req)
	}
	hs := e.session
	plain, _, err := hs.s.Decrypt(msg)
	var st *mdoc.StatusError
	switch {
	case errors.As(err, &st) || (err == nil && plain == nil):
		// The reader ends the session (status 20, or an error status);
		// answer with a termination so that an ENVELOPE exchange still has
		// a SessionData to unwrap.
		return mdoc.StatusMessage(mdoc.SessionStatusTermination), true
	case err != nil:
		return sessionError(err), true
	}
	return w.respond(hs, plain)
}

// sessionError maps a failed decryption or decoding to the status the
// holder sends before closing (§9.1.1.4).
func sessionError(err error) []byte {
	if errors.Is(err, mdoc.ErrDecryption) {
		return mdoc.StatusMessage(mdoc.SessionStatusEncryptionError)
	}
	return mdoc.StatusMessage(mdoc.SessionStatusDecodingError)
}

// DeviceResponse status codes (18013-5 §8.3.2.1.2.3).
const (
	responseOK           = 0
	responseCBORDecoding = 11
)

// respond asks the simulated user and answers a DeviceRequest.
func (w *Wallet) respond(hs *holderSession, reqBytes []byte) (reply []byte, end bool) {
	if d := w.opts.Consent.Delay; d > 0 {
		w.opts.Sleep(d)
	}
	req, err := mdoc.ParseDeviceRequest(reqBytes)
	var resp []byte
	switch {
	case err != nil:
		// A request the wallet cannot read: a DeviceResponse with status
		// 11 and no documents, still inside the session.
		resp, err = verify.Marshal(map[string]any{"version": "1.0", "status": uint64(responseCBORDecoding)})
	case w.opts.Consent.Decision == Decline:
		return hs.s.Terminate(), true
	case w.opts.Consent.Decision == DeclineWithErrors:
		errs := map[string]int{}
		for _, dr := range req.DocRequests {
			errs[dr.ItemsRequest.DocType] = errDataNotReturned
		}
		resp, err = mdoctest.MintResponse(mdoctest.Response{DocumentErrors: errs, Status: responseOK})
	default:
		resp, err = w.deviceResponse(hs, req)
	}
	if err != nil {
		// Minting cannot fail with the wallet's own credentials; if it
		// does, the user sees an error and the phone ends the session.
		return hs.s.Terminate(), true
	}
	if w.opts.EndAfterResponse {
		out, err := hs.s.EncryptAndTerminate(resp)
		if err != nil {
			return hs.s.Terminate(), true
		}
		return out, true
	}
	out, err := hs.s.Encrypt(resp)
	if err != nil {
		return hs.s.Terminate(), true
	}
	return out, false
}

// deviceResponse mints the DeviceResponse for an approved request: per
// DocRequest the credential of that docType, disclosing the requested
// elements the user approved (every element with SendExtra), reporting the
// others as not returned, bound to this session.
func (w *Wallet) deviceResponse(hs *holderSession, req *mdoc.DeviceRequest) ([]byte, error) {
	mode := mdoctest.DeviceSignature
	if w.opts.DeviceAuth == MAC {
		mode = mdoctest.DeviceMAC
	}
	rk, err := hs.reader.ECDH()
	if err != nil {
		return nil, fmt.Errorf("wallet: eReaderKey: %w", err)
	}
	r := mdoctest.Response{
		Status:     responseOK,
		Transcript: hs.s.Transcript(),
		Mode:       mode,
		ReaderKey:  rk,
		Rand:       w.opts.Rand,
	}
	done := map[string]bool{}
	for _, dr := range req.DocRequests {
		ir := dr.ItemsRequest
		if done[ir.DocType] {
			continue
		}
		done[ir.DocType] = true
		c, ok := w.credential(ir.DocType)
		if !ok {
			if r.DocumentErrors == nil {
				r.DocumentErrors = map[string]int{}
			}
			r.DocumentErrors[ir.DocType] = errDataNotReturned
			continue
		}
		r.Documents = append(r.Documents, w.document(c, ir.NameSpaces))
	}
	return mdoctest.MintResponse(r)
}

func (w *Wallet) credential(docType string) (credential, bool) {
	for _, c := range w.creds {
		if c.docType == docType {
			return c, true
		}
	}
	return credential{}, false
}

// document selects what to disclose from c for the requested name spaces.
func (w *Wallet) document(c credential, requested map[string]map[string]bool) mdoctest.Document {
	d := mdoctest.Document{
		DocType:    c.docType,
		Issuer:     w.iss.pki.Issuer(),
		DeviceKey:  w.iss.deviceKey,
		Signed:     w.iss.signed,
		ValidUntil: w.iss.until,
	}
	held := map[string]map[string]bool{}
	for _, e := range c.elements {
		if held[e.Namespace] == nil {
			held[e.Namespace] = map[string]bool{}
		}
		held[e.Namespace][e.Identifier] = true
		_, asked := requested[e.Namespace][e.Identifier]
		if w.opts.SendExtra || (asked && w.opts.Consent.approves(e.Namespace, e.Identifier)) {
			d.Elements = append(d.Elements, e)
		} else {
			d.Withheld = append(d.Withheld, e)
		}
	}
	for ns, els := range requested {
		for el := range els {
			if held[ns][el] && (w.opts.SendExtra || w.opts.Consent.approves(ns, el)) {
				continue
			}
			if d.Errors == nil {
				d.Errors = map[string]map[string]int{}
			}
			if d.Errors[ns] == nil {
				d.Errors[ns] = map[string]int{}
			}
			d.Errors[ns][el] = errDataNotReturned
		}
	}
	return d
}
