package mdoc

import (
	"bytes"
	"fmt"

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
	Version        *string            `cbor:"version"`
	Documents      []Document         `cbor:"documents,omitempty"`
	DocumentErrors []map[string]int64 `cbor:"documentErrors,omitempty"`
	Status         *uint64            `cbor:"status"`
}

// Response status codes, 18013-5 §8.3.2.1.2.3 (Table 8).
const (
	StatusOK                   = 0
	StatusGeneralError         = 10
	StatusCBORDecodingError    = 11
	StatusCBORValidationError  = 12
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
	DocType      *string                     `cbor:"docType"`
	IssuerSigned *IssuerSigned               `cbor:"issuerSigned"`
	DeviceSigned *DeviceSigned               `cbor:"deviceSigned"`
	Errors       map[string]map[string]int64 `cbor:"errors,omitempty"`
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
func DecodeDeviceResponse(data []byte) (*DeviceResponse, error) {
	var r DeviceResponse
	if err := verify.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("mdoc: device response: %w", err)
	}
	if err := r.checkShape(); err != nil {
		return nil, err
	}
	return &r, nil
}

func malformedf(format string, args ...any) error {
	return fmt.Errorf("mdoc: "+format+": %w", append(args, verify.ErrMalformed)...)
}

func tooLargef(format string, args ...any) error {
	return fmt.Errorf("mdoc: "+format+": %w", append(args, verify.ErrTooLarge)...)
}

// checkShape checks what the CDDL of §8.3.2.1.2.2 requires beyond what the
// struct decoding already enforced (types and duplicate keys).
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
	if err := verify.DecMode().Wellformed(t.Inner); err != nil {
		return nil, fmt.Errorf("mdoc: issuer signed item: %w", verify.ClassifyCBORError(err))
	}
	it, err := walkItem(t.Inner)
	if err != nil {
		return nil, fmt.Errorf("mdoc: issuer signed item: %w", err)
	}
	if it.DigestID == nil || it.ElementIdentifier == nil || it.Random == nil || it.ElementValue == nil {
		return nil, malformedf("issuer signed item lacks a required member")
	}
	return it, nil
}

// walkItem reads the IssuerSignedItem map from well-formed CBOR.
func walkItem(b []byte) (*IssuerSignedItem, error) {
	w := walker{b: b}
	major, ai, n, err := w.head()
	if err != nil {
		return nil, err
	}
	if major != 5 {
		return nil, fmt.Errorf("cbor: item is not a map: %w", verify.ErrMalformed)
	}
	indef := ai == aiIndefinite
	var it IssuerSignedItem
	var keyBuf [6][]byte
	keys := keyBuf[:0]
	for i := uint64(0); indef && !w.isBreak() || !indef && i < n; i++ {
		start := w.off
		km, kai, kn, err := w.head()
		if err != nil {
			return nil, err
		}
		var key []byte
		if km == 3 {
			if key, err = w.textBytes(kai, kn); err != nil {
				return nil, err
			}
		} else {
			w.off = start
			if err := w.skip(0); err != nil {
				return nil, err
			}
		}
		rk := b[start:w.off]
		for _, seen := range keys {
			if bytes.Equal(seen, rk) {
				return nil, fmt.Errorf("cbor: item key %q repeated: %w", key, verify.ErrDuplicateKey)
			}
		}
		keys = append(keys, rk)
		vstart := w.off
		switch string(key) {
		case "digestID":
			m, _, v, err := w.head()
			if err != nil {
				return nil, err
			}
			if m != 0 {
				return nil, fmt.Errorf("cbor: digestID is not a uint: %w", verify.ErrMalformed)
			}
			it.DigestID = &v
		case "random":
			m, a, v, err := w.head()
			if err != nil {
				return nil, err
			}
			if m != 2 {
				return nil, fmt.Errorf("cbor: random is not a bstr: %w", verify.ErrMalformed)
			}
			if it.Random, err = w.str(2, a, v); err != nil {
				return nil, err
			}
		case "elementIdentifier":
			m, a, v, err := w.head()
			if err != nil {
				return nil, err
			}
			if m != 3 {
				return nil, fmt.Errorf("cbor: elementIdentifier is not a tstr: %w", verify.ErrMalformed)
			}
			id, err := w.text(a, v)
			if err != nil {
				return nil, err
			}
			it.ElementIdentifier = &id
		default:
			if err := w.skip(0); err != nil {
				return nil, err
			}
			if string(key) == "elementValue" {
				it.ElementValue = b[vstart:w.off]
			}
		}
	}
	if indef {
		if err := w.endIndefinite(); err != nil {
			return nil, err
		}
	}
	if w.off != len(b) {
		return nil, fmt.Errorf("cbor: trailing bytes: %w", verify.ErrMalformed)
	}
	return &it, nil
}
