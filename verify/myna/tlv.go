package myna

import (
	"fmt"

	"taimen/verify"
)

// TLV is one BER-TLV data object (ISO/IEC 7816-4 §5.2 / ISO/IEC 8825-1
// tag and length encoding) as it arrived: Raw is the whole object (tag,
// length and value) and Value the value, both slices of the input.
//
// The parser is hand-written rather than golang.org/x/crypto/cryptobyte
// because the card uses multi-byte tags (7F21, 5F4E, DF22, FF20, …), which
// cryptobyte's ASN.1 reader rejects; it keeps cryptobyte's style of bounds
// checks before every slice. Signatures and digests are always computed over
// Raw or Value slices, never over a re-encoding.
type TLV struct {
	Tag   uint32
	Raw   []byte
	Value []byte
}

// maxTagBytes bounds the tag: every tag seen on the card has one or two bytes
// (research §1.3, §1.4, §2.1); three allows for ISO 7816-4's largest form.
const maxTagBytes = 3

// parseTLV reads one object from the start of b and returns it and the
// bytes after it. Lengths use the short form or 81/82 (up to 65535 bytes:
// the largest EF, the card face with its photo, is a few KB; research §5).
// The indefinite form (80) is not BER-TLV in 7816-4 and is refused.
func parseTLV(b []byte) (TLV, []byte, error) {
	if len(b) == 0 {
		return TLV{}, nil, fmt.Errorf("myna: tlv: empty: %w", verify.ErrTruncated)
	}
	i := 0
	tag := uint32(b[0])
	i++
	if b[0]&0x1f == 0x1f { // high tag number form: more tag bytes follow
		for {
			if i >= len(b) {
				return TLV{}, nil, fmt.Errorf("myna: tlv: tag: %w", verify.ErrTruncated)
			}
			if i >= maxTagBytes {
				return TLV{}, nil, fmt.Errorf("myna: tlv: tag longer than %d bytes: %w", maxTagBytes, verify.ErrMalformed)
			}
			tag = tag<<8 | uint32(b[i])
			i++
			if b[i-1]&0x80 == 0 {
				break
			}
		}
	}
	if i >= len(b) {
		return TLV{}, nil, fmt.Errorf("myna: tlv %X: length: %w", tag, verify.ErrTruncated)
	}
	l := int(b[i])
	i++
	switch {
	case l < 0x80:
	case l == 0x81 || l == 0x82:
		n := l - 0x80
		if len(b)-i < n {
			return TLV{}, nil, fmt.Errorf("myna: tlv %X: length: %w", tag, verify.ErrTruncated)
		}
		l = 0
		for _, c := range b[i : i+n] {
			l = l<<8 | int(c)
		}
		i += n
	case l == 0x80:
		return TLV{}, nil, fmt.Errorf("myna: tlv %X: indefinite length: %w", tag, verify.ErrMalformed)
	default:
		return TLV{}, nil, fmt.Errorf("myna: tlv %X: length form %02X: %w", tag, l, verify.ErrTooLarge)
	}
	if len(b)-i < l {
		return TLV{}, nil, fmt.Errorf("myna: tlv %X: %d bytes declared, %d left: %w", tag, l, len(b)-i, verify.ErrTruncated)
	}
	return TLV{Tag: tag, Raw: b[:i+l], Value: b[i : i+l]}, b[i+l:], nil
}

// parseOuter reads the one object a card file holds, tolerating the filler
// after it: the card's EFs have a fixed physical size and what follows the
// object is FF (or 00) filler (research §1.1 "Read a TLV file"). Anything
// else after the object is refused.
func parseOuter(b []byte, want uint32) (TLV, error) {
	t, rest, err := parseTLV(b)
	if err != nil {
		return TLV{}, err
	}
	if t.Tag != want {
		return TLV{}, fmt.Errorf("myna: tag %X, want %X: %w", t.Tag, want, verify.ErrMalformed)
	}
	if !isFiller(rest) {
		return TLV{}, fmt.Errorf("myna: %d bytes after %X are not filler: %w", len(rest), want, verify.ErrMalformed)
	}
	return t, nil
}

// isFiller reports whether b is empty or one repeated filler byte (FF or 00).
func isFiller(b []byte) bool {
	if len(b) == 0 {
		return true
	}
	if b[0] != 0xFF && b[0] != 0x00 {
		return false
	}
	for _, c := range b {
		if c != b[0] {
			return false
		}
	}
	return true
}

// maxFields bounds the objects inside one record (the card face has ten).
const maxFields = 32

// field is one object inside a record, with its offset from the start of
// the file (the DF21 offset tables count from there).
type field struct {
	TLV
	off int
}

// parseFields splits a record's value into its objects. Parsing stops at a
// filler byte (FF or 00 where a tag would start), and everything from there
// to the end must be filler (research §1.1; myna-card `TlvFields`). base is
// the offset of value in the file. A tag given twice is refused: which copy
// a signature covers would otherwise be ambiguous.
func parseFields(value []byte, base int) ([]field, error) {
	var out []field
	rest := value
	for len(rest) > 0 {
		if rest[0] == 0xFF || rest[0] == 0x00 {
			if !isFiller(rest) {
				return nil, fmt.Errorf("myna: junk after filler: %w", verify.ErrMalformed)
			}
			break
		}
		if len(out) == maxFields {
			return nil, fmt.Errorf("myna: more than %d objects: %w", maxFields, verify.ErrTooLarge)
		}
		off := base + len(value) - len(rest)
		t, r, err := parseTLV(rest)
		if err != nil {
			return nil, err
		}
		for _, f := range out {
			if f.Tag == t.Tag {
				return nil, fmt.Errorf("myna: tag %X twice: %w", t.Tag, verify.ErrDuplicateKey)
			}
		}
		out = append(out, field{TLV: t, off: off})
		rest = r
	}
	return out, nil
}

func find(fs []field, tag uint32) (field, bool) {
	for _, f := range fs {
		if f.Tag == tag {
			return f, true
		}
	}
	return field{}, false
}

func need(fs []field, tag uint32, what string) (field, error) {
	f, ok := find(fs, tag)
	if !ok {
		return field{}, fmt.Errorf("myna: %s: no %X: %w", what, tag, verify.ErrMalformed)
	}
	return f, nil
}

// checkOffsets checks a DF21 offset table (big-endian u16 offsets from the
// start of the file to each object after the table, research §1.3/§1.4)
// against where the objects really start. A table that disagrees means the
// parse and the card's own view differ; it is refused rather than trusted.
func checkOffsets(table []byte, fs []field) error {
	var objs []field
	for _, f := range fs {
		if f.Tag != tagOffsets {
			objs = append(objs, f)
		}
	}
	if len(table) != 2*len(objs) {
		return fmt.Errorf("myna: offset table of %d bytes for %d objects: %w", len(table), len(objs), verify.ErrMalformed)
	}
	for i, f := range objs {
		if got := int(table[2*i])<<8 | int(table[2*i+1]); got != f.off {
			return fmt.Errorf("myna: offset %d is %#x, object %X starts at %#x: %w", i, got, f.Tag, f.off, verify.ErrMalformed)
		}
	}
	return nil
}

const tagOffsets = 0xDF21
