package mdoc

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/fxamacker/cbor/v2"

	"taimen/verify"
)

// ErrInvalidRequestSpec: BuildDeviceRequest was given an empty or
// contradictory request (a programming or configuration error).
var ErrInvalidRequestSpec = errors.New("invalid request specification")

// ErrUnsupportedRequestVersion: a DeviceRequest of a major version other than 1.
var ErrUnsupportedRequestVersion = errors.New("unsupported device request version")

// DeviceRequestVersion is the version Taimen writes (18013-5 §8.3.2.1.2.1).
const DeviceRequestVersion = "1.0"

// ElementRequest asks for one data element (18013-5 §8.3.2.1.2.1
// DataElements): IntentToRetain tells the holder whether the reader keeps
// the value after the transaction.
type ElementRequest struct {
	Namespace      string
	Element        string
	IntentToRetain bool
}

// DocRequestSpec is what a purpose asks of one document type; it becomes
// one DocRequest. RequestInfo (optional) is encoded as given.
type DocRequestSpec struct {
	DocType     string
	Elements    []ElementRequest
	RequestInfo map[string]any
}

// DeviceRequest is 18013-5 §8.3.2.1.2.1
//
//	DeviceRequest = {"version": tstr, "docRequests": [+ DocRequest]}
type DeviceRequest struct {
	Version     string
	DocRequests []DocRequest
}

// DocRequest is 18013-5 §8.3.2.1.2.1
//
//	DocRequest = {"itemsRequest": ItemsRequestBytes, ? "readerAuth": ReaderAuth}
//
// ItemsRequestBytes keeps the tag-24 item as received: ReaderAuthentication
// signs it as sent (§9.1.4). ReaderAuth is the untagged COSE_Sign1 as
// received, nil when absent.
type DocRequest struct {
	ItemsRequestBytes Tag24
	ItemsRequest      ItemsRequest
	ReaderAuth        []byte
}

// ItemsRequest is 18013-5 §8.3.2.1.2.1
//
//	ItemsRequest = {"docType": DocType, "nameSpaces": NameSpaces,
//	                ? "requestInfo": {* tstr => any}}
//	NameSpaces = {+ NameSpace => DataElements}
//	DataElements = {+ DataElementIdentifier => IntentToRetain}
type ItemsRequest struct {
	DocType     string                     `cbor:"docType"`
	NameSpaces  map[string]map[string]bool `cbor:"nameSpaces"`
	RequestInfo map[string]cbor.RawMessage `cbor:"requestInfo,omitempty"`
}

// Elements lists the requested elements sorted by namespace and element,
// for display and for comparing with what the holder disclosed.
func (r *ItemsRequest) Elements() []ElementRequest {
	var out []ElementRequest
	for ns, els := range r.NameSpaces {
		for el, keep := range els {
			out = append(out, ElementRequest{Namespace: ns, Element: el, IntentToRetain: keep})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Namespace != out[j].Namespace {
			return out[i].Namespace < out[j].Namespace
		}
		return out[i].Element < out[j].Element
	})
	return out
}

// itemsRequestOut is what Taimen writes; core deterministic encoding sorts
// the members and the name-space maps.
type itemsRequestOut struct {
	DocType     string                     `cbor:"docType"`
	NameSpaces  map[string]map[string]bool `cbor:"nameSpaces"`
	RequestInfo map[string]any             `cbor:"requestInfo,omitempty"`
}

// BuildDeviceRequest encodes a DeviceRequest (18013-5 §8.3.2.1.2.1), version
// "1.0", one DocRequest per spec, with core deterministic encoding. With
// auth non-nil each DocRequest carries a readerAuth signed over
// ReaderAuthenticationBytes for transcript t (§9.1.4); with auth nil, t is
// not used.
func BuildDeviceRequest(reqs []DocRequestSpec, auth *ReaderAuthKey, t SessionTranscript) ([]byte, error) {
	if len(reqs) == 0 {
		return nil, fmt.Errorf("mdoc: no doc requests: %w", ErrInvalidRequestSpec)
	}
	if auth != nil && len(t.Array) == 0 {
		return nil, fmt.Errorf("mdoc: reader auth without a session transcript: %w", ErrInvalidRequestSpec)
	}
	docs := make([]cbor.RawMessage, 0, len(reqs))
	for i, spec := range reqs {
		ir, err := itemsRequestFromSpec(spec)
		if err != nil {
			return nil, fmt.Errorf("mdoc: doc request %d: %w", i, err)
		}
		item, err := EncodeTag24(ir)
		if err != nil {
			return nil, fmt.Errorf("mdoc: doc request %d: %w", i, err)
		}
		doc := map[string]cbor.RawMessage{"itemsRequest": item.Raw}
		if auth != nil {
			sig, err := auth.sign(ReaderAuthenticationBytes(t, item))
			if err != nil {
				return nil, fmt.Errorf("mdoc: doc request %d: %w", i, err)
			}
			doc["readerAuth"] = sig
		}
		enc, err := verify.Marshal(doc)
		if err != nil {
			return nil, err
		}
		docs = append(docs, enc)
	}
	return verify.Marshal(map[string]any{"version": DeviceRequestVersion, "docRequests": docs})
}

func itemsRequestFromSpec(spec DocRequestSpec) (itemsRequestOut, error) {
	if spec.DocType == "" {
		return itemsRequestOut{}, fmt.Errorf("empty docType: %w", ErrInvalidRequestSpec)
	}
	if len(spec.Elements) == 0 {
		return itemsRequestOut{}, fmt.Errorf("%s: no elements: %w", spec.DocType, ErrInvalidRequestSpec)
	}
	ns := make(map[string]map[string]bool)
	for _, e := range spec.Elements {
		if e.Namespace == "" || e.Element == "" {
			return itemsRequestOut{}, fmt.Errorf("%s: empty namespace or element: %w", spec.DocType, ErrInvalidRequestSpec)
		}
		m := ns[e.Namespace]
		if m == nil {
			m = make(map[string]bool)
			ns[e.Namespace] = m
		}
		// A repeated element would become a duplicate map key, which the
		// holder must reject; refuse it here rather than pick one intent.
		if _, dup := m[e.Element]; dup {
			return itemsRequestOut{}, fmt.Errorf("%s: %s/%s requested twice: %w", spec.DocType, e.Namespace, e.Element, ErrInvalidRequestSpec)
		}
		m[e.Element] = e.IntentToRetain
	}
	return itemsRequestOut{DocType: spec.DocType, NameSpaces: ns, RequestInfo: spec.RequestInfo}, nil
}

// ReaderAuthenticationBytes builds 18013-5 §9.1.4
//
//	ReaderAuthentication = ["ReaderAuthentication", SessionTranscript, ItemsRequestBytes]
//	ReaderAuthenticationBytes = #6.24(bstr .cbor ReaderAuthentication)
//
// by concatenating the transcript array and the tag-24 item exactly as
// they were sent or received; nothing is re-encoded.
func ReaderAuthenticationBytes(t SessionTranscript, itemsRequestBytes Tag24) []byte {
	var buf bytes.Buffer
	buf.Grow(32 + len(t.Array) + len(itemsRequestBytes.Raw))
	buf.WriteByte(0x83) // array(3)
	buf.Write(cborText("ReaderAuthentication"))
	buf.Write(t.Array)
	buf.Write(itemsRequestBytes.Raw)
	return cborHead(6, tagEncodedCBOR, cborBytes(buf.Bytes()))
}

// deviceRequestWire and docRequestWire keep members raw so that each is
// checked with its own message and readerAuth stays as received.
type deviceRequestWire struct {
	Version     *string           `cbor:"version"`
	DocRequests []cbor.RawMessage `cbor:"docRequests"`
}

type docRequestWire struct {
	ItemsRequest *Tag24          `cbor:"itemsRequest"`
	ReaderAuth   cbor.RawMessage `cbor:"readerAuth"`
}

// maxDocRequests bounds the work a request can cause on the holder side.
const maxDocRequests = 64

// ParseDeviceRequest decodes a DeviceRequest from untrusted bytes (the
// holder side: simulator and tests). ItemsRequestBytes and readerAuth keep
// their received bytes.
func ParseDeviceRequest(data []byte) (*DeviceRequest, error) {
	if err := expectCBORMajor(data, deMajorMap); err != nil {
		return nil, fmt.Errorf("mdoc: device request: %w", err)
	}
	var w deviceRequestWire
	if err := verify.Unmarshal(data, &w); err != nil {
		return nil, fmt.Errorf("mdoc: device request: %w", err)
	}
	if w.Version == nil {
		return nil, fmt.Errorf("mdoc: device request without version: %w", verify.ErrMalformed)
	}
	if !strings.HasPrefix(*w.Version, "1.") {
		return nil, fmt.Errorf("mdoc: device request version %q: %w", *w.Version, ErrUnsupportedRequestVersion)
	}
	if len(w.DocRequests) == 0 {
		return nil, fmt.Errorf("mdoc: device request without docRequests: %w", verify.ErrMalformed)
	}
	if len(w.DocRequests) > maxDocRequests {
		return nil, fmt.Errorf("mdoc: %d doc requests: %w", len(w.DocRequests), verify.ErrTooLarge)
	}
	req := &DeviceRequest{Version: *w.Version, DocRequests: make([]DocRequest, 0, len(w.DocRequests))}
	for i, raw := range w.DocRequests {
		dr, err := parseDocRequest(raw)
		if err != nil {
			return nil, fmt.Errorf("mdoc: doc request %d: %w", i, err)
		}
		req.DocRequests = append(req.DocRequests, *dr)
	}
	return req, nil
}

func parseDocRequest(raw []byte) (*DocRequest, error) {
	if err := expectCBORMajor(raw, deMajorMap); err != nil {
		return nil, err
	}
	var w docRequestWire
	if err := verify.Unmarshal(raw, &w); err != nil {
		return nil, err
	}
	if w.ItemsRequest == nil {
		return nil, fmt.Errorf("without itemsRequest: %w", verify.ErrMalformed)
	}
	dr := &DocRequest{ItemsRequestBytes: *w.ItemsRequest}
	if err := expectCBORMajor(w.ItemsRequest.Inner, deMajorMap); err != nil {
		return nil, fmt.Errorf("items request: %w", err)
	}
	if err := w.ItemsRequest.Decode(&dr.ItemsRequest); err != nil {
		return nil, fmt.Errorf("items request: %w", err)
	}
	ir := &dr.ItemsRequest
	if ir.DocType == "" {
		return nil, fmt.Errorf("items request without docType: %w", verify.ErrMalformed)
	}
	if len(ir.NameSpaces) == 0 {
		return nil, fmt.Errorf("items request without nameSpaces: %w", verify.ErrMalformed)
	}
	for ns, els := range ir.NameSpaces {
		if len(els) == 0 {
			return nil, fmt.Errorf("items request namespace %q without elements: %w", ns, verify.ErrMalformed)
		}
	}
	if w.ReaderAuth != nil {
		// COSE_Sign1 = [protected, unprotected, payload, signature]; the
		// contents are checked by VerifyReaderAuth, which reports them as a
		// verdict rather than refusing the whole request.
		if err := expectCBORMajor(w.ReaderAuth, deMajorArray); err != nil {
			return nil, fmt.Errorf("readerAuth: %w", err)
		}
		dr.ReaderAuth = w.ReaderAuth
	}
	return dr, nil
}
