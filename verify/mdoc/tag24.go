package mdoc

import (
	"bytes"
	"fmt"

	"github.com/fxamacker/cbor/v2"

	"taimen/verify"
)

// tagEncodedCBOR is CBOR tag 24, "encoded CBOR data item" (RFC 8949 §3.4.5.1),
// which 18013-5 uses for every structure that is hashed or signed (§8.1).
const tagEncodedCBOR = 24

// Tag24 is a #6.24(bstr .cbor T) item that keeps the exact bytes it was
// decoded from. Raw is the full encoding including the tag header
// (d8 18 …), which is what digests are computed over (18013-5 §9.1.2.5);
// Inner is the content of the byte string, which is what the embedded
// structure decodes from.
type Tag24 struct {
	Raw   []byte
	Inner []byte
}

// UnmarshalCBOR keeps the received bytes; it checks only that they are tag
// 24 around a byte string.
func (t *Tag24) UnmarshalCBOR(data []byte) error {
	// Fast path for the preferred encoding d8 18 <bstr head> <content>, which
	// is what nearly every item is: one copy and no nested decoder runs
	// (a DeviceResponse holds one Tag24 per disclosed element).
	if n, ok := tag24ContentOffset(data); ok {
		raw := bytes.Clone(data)
		t.Raw, t.Inner = raw, raw[n:]
		return nil
	}
	var rt cbor.RawTag
	if err := verify.DecMode().Unmarshal(data, &rt); err != nil {
		return verify.ClassifyCBORError(err)
	}
	if rt.Number != tagEncodedCBOR {
		return fmt.Errorf("mdoc: tag %d where tag 24 was expected: %w", rt.Number, verify.ErrMalformed)
	}
	var inner []byte
	if err := verify.DecMode().Unmarshal(rt.Content, &inner); err != nil {
		return fmt.Errorf("mdoc: tag 24 content is not a byte string: %w", verify.ClassifyCBORError(err))
	}
	t.Raw = bytes.Clone(data)
	t.Inner = inner
	return nil
}

// tag24ContentOffset reports where the content of d8 18 <definite bstr>
// starts, if data is exactly that. Anything else (tag 24 in a longer head,
// an indefinite-length bstr) takes the general path.
func tag24ContentOffset(data []byte) (int, bool) {
	if len(data) < 3 || data[0] != 0xd8 || data[1] != tagEncodedCBOR || data[2]>>5 != 2 {
		return 0, false
	}
	w := walker{b: data, off: 2}
	_, ai, n, err := w.head()
	if err != nil || ai == aiIndefinite || n != uint64(len(data)-w.off) {
		return 0, false
	}
	return w.off, true
}

// MarshalCBOR writes the bytes as received (or as built by NewTag24).
func (t Tag24) MarshalCBOR() ([]byte, error) {
	if t.Raw == nil {
		return nil, fmt.Errorf("mdoc: empty tag 24 item: %w", verify.ErrMalformed)
	}
	return t.Raw, nil
}

// Decode decodes the embedded structure with the strict setup.
func (t Tag24) Decode(v any) error { return verify.Unmarshal(t.Inner, v) }

// NewTag24 wraps already-encoded CBOR bytes in tag 24.
func NewTag24(inner []byte) (Tag24, error) {
	raw, err := verify.Marshal(cbor.Tag{Number: tagEncodedCBOR, Content: inner})
	if err != nil {
		return Tag24{}, err
	}
	return Tag24{Raw: raw, Inner: bytes.Clone(inner)}, nil
}

// EncodeTag24 encodes v deterministically and wraps it in tag 24.
func EncodeTag24(v any) (Tag24, error) {
	inner, err := verify.Marshal(v)
	if err != nil {
		return Tag24{}, err
	}
	return NewTag24(inner)
}
