package mdoc

import (
	"fmt"
	"math"

	"github.com/fxamacker/cbor/v2"

	"taimen/verify"
)

// DeviceResponse is 18013-5 §8.3.2.1.2.2:
//
//	DeviceResponse = {"version": tstr, ? "documents": [+Document],
//	                  ? "documentErrors": [+DocumentError], "status": uint}
//
// Pointers mark the members that are required, so that a missing one is
// told apart from a zero value.
type DeviceResponse struct {
	Version        *string          `cbor:"version"`
	Documents      []Document       `cbor:"documents,omitempty"`
	DocumentErrors []map[string]int `cbor:"documentErrors,omitempty"`
	Status         *uint64          `cbor:"status"`
}

// Response status codes, 18013-5 §8.3.2.1.2.3 (Table 8).
const (
	StatusOK                  = 0
	StatusGeneralError        = 10
	StatusCBORDecodingError   = 11
	StatusCBORValidationError = 12
)

// Limits on a DeviceResponse beyond the generic CBOR limits of verify: far
// above what any wallet sends (one or two documents, a few dozen elements),
// low enough that a hostile response cannot make verification slow.
const (
	maxDocumentsPerResponse    = 64
	maxItemsPerDocument        = 4096
	maxDigestsPerMSO           = 16384
	maxNameSpacesPerDocument   = 64
	maxElementErrorsPerDoc     = 4096
	maxDocumentErrorsPerAnswer = 64
)

// Document is 18013-5 §8.3.2.1.2.2:
//
//	Document = {"docType": DocType, "issuerSigned": IssuerSigned,
//	            "deviceSigned": DeviceSigned, ? "errors": Errors}
type Document struct {
	DocType      *string                   `cbor:"docType"`
	IssuerSigned *IssuerSigned             `cbor:"issuerSigned"`
	DeviceSigned *DeviceSigned             `cbor:"deviceSigned"`
	Errors       map[string]map[string]int `cbor:"errors,omitempty"`
}

// IssuerSigned is 18013-5 §8.3.2.1.2.2:
//
//	IssuerSigned = {? "nameSpaces": IssuerNameSpaces, "issuerAuth": IssuerAuth}
//	IssuerNameSpaces = {+ NameSpace => [+ IssuerSignedItemBytes]}
//
// Every IssuerSignedItemBytes keeps its received bytes (Tag24.Raw), which
// is what its digest is computed over (§9.1.2.5). IssuerAuth is the
// untagged COSE_Sign1 (§9.1.2.4), kept raw and decoded by the verifier.
type IssuerSigned struct {
	NameSpaces map[string][]Tag24 `cbor:"nameSpaces,omitempty"`
	IssuerAuth cbor.RawMessage    `cbor:"issuerAuth"`
}

// IssuerSignedItem is 18013-5 §8.3.2.1.2.2:
//
//	IssuerSignedItem = {"digestID": uint, "random": bstr,
//	                    "elementIdentifier": DataElementIdentifier,
//	                    "elementValue": DataElementValue}
//
// ElementValue stays raw: it is decoded for display only once its digest has
// verified (see [DecodeValue]).
type IssuerSignedItem struct {
	DigestID          *uint64         `cbor:"digestID"`
	Random            []byte          `cbor:"random"`
	ElementIdentifier *string         `cbor:"elementIdentifier"`
	ElementValue      cbor.RawMessage `cbor:"elementValue"`
}

// DeviceSigned is 18013-5 §8.3.2.1.2.2:
//
//	DeviceSigned = {"nameSpaces": DeviceNameSpacesBytes, "deviceAuth": DeviceAuth}
//
// NameSpaces keeps the received tag-24 bytes: DeviceAuthentication embeds
// them as they arrived (§9.1.3.4).
type DeviceSigned struct {
	NameSpaces *Tag24      `cbor:"nameSpaces"`
	DeviceAuth *DeviceAuth `cbor:"deviceAuth"`
}

// DeviceAuth is 18013-5 §9.1.3.4: exactly one of a COSE_Sign1
// (deviceSignature) or a COSE_Mac0 (deviceMac), both with a detached payload.
type DeviceAuth struct {
	DeviceSignature cbor.RawMessage `cbor:"deviceSignature,omitempty"`
	DeviceMac       cbor.RawMessage `cbor:"deviceMac,omitempty"`
}

// DecodeDeviceResponse decodes a DeviceResponse with the strict setup and
// checks that the required members are present. Embedded tag-24 items keep
// their received bytes; their contents are decoded later, one by one, by
// the verifier. Errors unwrap to the verify sentinels.
//
// The returned structure aliases data (no copies): data must not be
// modified while it is in use. The decoding is done by the head walker
// (walk.go) after the strict well-formedness check; unknown members are
// ignored, as CDDL extension points allow.
func DecodeDeviceResponse(data []byte) (*DeviceResponse, error) {
	if err := wellformed(data); err != nil {
		return nil, fmt.Errorf("mdoc: device response: %w", err)
	}
	w := walker{b: data}
	r, err := w.deviceResponse()
	if err != nil {
		return nil, fmt.Errorf("mdoc: device response: %w", err)
	}
	if err := r.checkShape(); err != nil {
		return nil, err
	}
	return r, nil
}

func (w *walker) deviceResponse() (*DeviceResponse, error) {
	var r DeviceResponse
	err := w.eachEntry("DeviceResponse", func(key []byte) (bool, error) {
		switch string(key) {
		case "version":
			v, err := w.textString("version")
			r.Version = &v
			return true, err
		case "status":
			st, err := w.uint("status")
			r.Status = &st
			return true, err
		case "documents":
			r.Documents = []Document{}
			return true, w.eachElement("documents", func() error {
				if len(r.Documents) >= maxDocumentsPerResponse {
					return fmt.Errorf("cbor: more than %d documents: %w", maxDocumentsPerResponse, verify.ErrTooLarge)
				}
				d, err := w.document()
				if err == nil {
					r.Documents = append(r.Documents, *d)
				}
				return err
			})
		case "documentErrors":
			return true, w.eachElement("documentErrors", func() error {
				if len(r.DocumentErrors) >= maxDocumentErrorsPerAnswer {
					return fmt.Errorf("cbor: more than %d document errors: %w", maxDocumentErrorsPerAnswer, verify.ErrTooLarge)
				}
				m, err := w.errorCodes("DocumentError")
				r.DocumentErrors = append(r.DocumentErrors, m)
				return err
			})
		}
		return false, nil
	})
	return &r, err
}

// errorCodes reads {tstr => ErrorCode} (DocumentError, ErrorItems).
func (w *walker) errorCodes(what string) (map[string]int, error) {
	m := map[string]int{}
	err := w.eachEntry(what, func(key []byte) (bool, error) {
		c, err := w.int("error code")
		if c < math.MinInt32 || c > math.MaxInt32 {
			return true, fmt.Errorf("cbor: error code %d out of range: %w", c, verify.ErrMalformed)
		}
		m[string(key)] = int(c)
		return true, err
	})
	return m, err
}

func (w *walker) document() (*Document, error) {
	var d Document
	err := w.eachEntry("Document", func(key []byte) (bool, error) {
		switch string(key) {
		case "docType":
			dt, err := w.textString("docType")
			d.DocType = &dt
			return true, err
		case "issuerSigned":
			is, err := w.issuerSigned()
			d.IssuerSigned = is
			return true, err
		case "deviceSigned":
			ds, err := w.deviceSigned()
			d.DeviceSigned = ds
			return true, err
		case "errors":
			d.Errors = map[string]map[string]int{}
			return true, w.eachEntry("Errors", func(ns []byte) (bool, error) {
				m, err := w.errorCodes("ErrorItems")
				d.Errors[string(ns)] = m
				return true, err
			})
		}
		return false, nil
	})
	return &d, err
}

func (w *walker) issuerSigned() (*IssuerSigned, error) {
	var is IssuerSigned
	err := w.eachEntry("IssuerSigned", func(key []byte) (bool, error) {
		switch string(key) {
		case "issuerAuth":
			raw, err := w.item()
			is.IssuerAuth = raw
			return true, err
		case "nameSpaces":
			is.NameSpaces = map[string][]Tag24{}
			return true, w.eachEntry("IssuerNameSpaces", func(ns []byte) (bool, error) {
				n, err := w.arrayLen("IssuerSignedItems")
				if err != nil {
					return true, err
				}
				items := make([]Tag24, 0, max(n, 0))
				for i := 0; n < 0 && !w.isBreak() || i < n; i++ {
					t, err := w.tag24("IssuerSignedItemBytes")
					if err != nil {
						return true, err
					}
					items = append(items, t)
				}
				if n < 0 {
					if err := w.endIndefinite(); err != nil {
						return true, err
					}
				}
				is.NameSpaces[string(ns)] = items
				return true, nil
			})
		}
		return false, nil
	})
	return &is, err
}

func (w *walker) deviceSigned() (*DeviceSigned, error) {
	var ds DeviceSigned
	err := w.eachEntry("DeviceSigned", func(key []byte) (bool, error) {
		switch string(key) {
		case "nameSpaces":
			t, err := w.tag24("DeviceNameSpacesBytes")
			ds.NameSpaces = &t
			return true, err
		case "deviceAuth":
			var da DeviceAuth
			ds.DeviceAuth = &da
			return true, w.eachEntry("DeviceAuth", func(k []byte) (bool, error) {
				var err error
				switch string(k) {
				case "deviceSignature":
					da.DeviceSignature, err = w.item()
					return true, err
				case "deviceMac":
					da.DeviceMac, err = w.item()
					return true, err
				}
				return false, nil
			})
		}
		return false, nil
	})
	return &ds, err
}

func malformedf(format string, args ...any) error {
	return fmt.Errorf("mdoc: "+format+": %w", append(args, verify.ErrMalformed)...)
}

func tooLargef(format string, args ...any) error {
	return fmt.Errorf("mdoc: "+format+": %w", append(args, verify.ErrTooLarge)...)
}

// checkShape checks what the CDDL of §8.3.2.1.2.2 requires beyond what the
// decoding already enforced (types and duplicate keys): required members,
// and the limits above.
func (r *DeviceResponse) checkShape() error {
	if r.Version == nil {
		return malformedf("device response without version")
	}
	if r.Status == nil {
		return malformedf("device response without status")
	}
	if len(r.Documents) > maxDocumentsPerResponse {
		return tooLargef("%d documents", len(r.Documents))
	}
	if len(r.DocumentErrors) > maxDocumentErrorsPerAnswer {
		return tooLargef("%d document errors", len(r.DocumentErrors))
	}
	for i := range r.Documents {
		d := &r.Documents[i]
		if d.DocType == nil {
			return malformedf("document %d without docType", i)
		}
		if d.IssuerSigned == nil || d.IssuerSigned.IssuerAuth == nil {
			return malformedf("document %d without issuerSigned.issuerAuth", i)
		}
		if d.DeviceSigned == nil || d.DeviceSigned.NameSpaces == nil || d.DeviceSigned.DeviceAuth == nil {
			return malformedf("document %d without deviceSigned", i)
		}
		if len(d.IssuerSigned.NameSpaces) > maxNameSpacesPerDocument {
			return tooLargef("document %d has %d namespaces", i, len(d.IssuerSigned.NameSpaces))
		}
		n := 0
		for _, items := range d.IssuerSigned.NameSpaces {
			n += len(items)
		}
		if n > maxItemsPerDocument {
			return tooLargef("document %d has %d items", i, n)
		}
		ne := 0
		for _, es := range d.Errors {
			ne += len(es)
		}
		if ne > maxElementErrorsPerDoc {
			return tooLargef("document %d has %d element errors", i, ne)
		}
	}
	return nil
}

// DecodeIssuerSignedItem decodes the content of one IssuerSignedItemBytes.
//
// The item is checked well-formed by the strict decoder's validator and its
// four members are then read by a walker over the CBOR heads: reflection-
// based decoding of every item cost more than hashing it. Random and
// ElementValue are sub-slices of t.Inner (no copies).
func DecodeIssuerSignedItem(t Tag24) (*IssuerSignedItem, error) {
	var v itemView
	if err := v.decode(t.Inner); err != nil {
		return nil, err
	}
	id, elem := v.digestID, string(v.elementIdentifier)
	return &IssuerSignedItem{DigestID: &id, Random: v.random, ElementIdentifier: &elem, ElementValue: v.elementValue}, nil
}

// itemView is an IssuerSignedItem read without allocating: every member
// aliases the item's bytes.
type itemView struct {
	digestID          uint64
	random            []byte
	elementIdentifier []byte
	elementValue      []byte
	has               uint8 // bits: 1 digestID, 2 random, 4 elementIdentifier, 8 elementValue
}

const itemComplete = 1 | 2 | 4 | 8

func (v *itemView) decode(b []byte) error {
	if err := wellformed(b); err != nil {
		return fmt.Errorf("mdoc: issuer signed item: %w", err)
	}
	w := walker{b: b}
	err := w.eachEntry("IssuerSignedItem", func(key []byte) (bool, error) {
		var err error
		switch string(key) {
		case "digestID":
			v.digestID, err = w.uint("digestID")
			v.has |= 1
		case "random":
			v.random, err = w.byteString("random")
			v.has |= 2
		case "elementIdentifier":
			v.elementIdentifier, err = w.textBytes2("elementIdentifier")
			v.has |= 4
		case "elementValue":
			v.elementValue, err = w.item()
			v.has |= 8
		default:
			return false, nil
		}
		return true, err
	})
	if err != nil {
		return fmt.Errorf("mdoc: issuer signed item: %w", err)
	}
	if v.has != itemComplete {
		return malformedf("issuer signed item lacks a required member")
	}
	return nil
}
