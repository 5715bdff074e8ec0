package myna

import "fmt"

// Header is the tag and length of a BER-TLV object (ISO/IEC 7816-4 §5.2,
// X.690 §8.1.2–8.1.3) at the start of a card file: FF20 for a record, 7F21
// for a card-verifiable certificate, 30 for an X.509 certificate.
type Header struct {
	Tag    uint32 // tag bytes big-endian, e.g. 0x7F21
	HdrLen int    // bytes of tag and length
	Len    int    // bytes of value
}

// Total is the size of the whole object, header included.
func (h Header) Total() int { return h.HdrLen + h.Len }

// maxHeader is the longest header ParseHeader accepts: a 3-byte tag and a
// 4-byte length (83 xx xx xx). That is also how many bytes the reader asks
// for before it knows a file's size (jpki/myna reads 7 too).
const maxHeader = 7

// ParseHeader reads the header at the start of b. Indefinite lengths (80)
// and lengths over 3 bytes are rejected: card files are DER-like and a 15-bit
// READ BINARY offset could not reach that far anyway. A first byte of FF
// followed by FF is unwritten filler, not a tag, and is rejected too.
func ParseHeader(b []byte) (Header, error) {
	if len(b) == 0 {
		return Header{}, fmt.Errorf("%w: empty", ErrMalformedFile)
	}
	var h Header
	i := 0
	h.Tag = uint32(b[0])
	i++
	if b[0]&0x1F == 0x1F { // multi-byte tag: more bytes while b8 is set
		for {
			if i >= len(b) {
				return Header{}, fmt.Errorf("%w: tag cut short", ErrMalformedFile)
			}
			if i == 3 {
				return Header{}, fmt.Errorf("%w: tag longer than 3 bytes (filler?)", ErrMalformedFile)
			}
			h.Tag = h.Tag<<8 | uint32(b[i])
			i++
			if b[i-1]&0x80 == 0 {
				break
			}
		}
	}
	if i >= len(b) {
		return Header{}, fmt.Errorf("%w: no length after tag %x", ErrMalformedFile, h.Tag)
	}
	l := b[i]
	i++
	switch {
	case l < 0x80:
		h.Len = int(l)
	case l == 0x80:
		return Header{}, fmt.Errorf("%w: indefinite length", ErrMalformedFile)
	case l <= 0x83:
		n := int(l & 0x7F)
		if i+n > len(b) {
			return Header{}, fmt.Errorf("%w: length cut short", ErrMalformedFile)
		}
		for _, c := range b[i : i+n] {
			h.Len = h.Len<<8 | int(c)
		}
		i += n
	default:
		return Header{}, fmt.Errorf("%w: %d length bytes", ErrMalformedFile, l&0x7F)
	}
	h.HdrLen = i
	return h, nil
}
