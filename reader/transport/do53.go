package transport

import "fmt"

// tagDO53 is the BER-TLV tag wrapping every message in ENVELOPE data and in
// the responses (18013-5 §8.3.3.1.2; ISO/IEC 7816-4 "discretionary data").
const tagDO53 = 0x53

// MaxDO53 is the longest message a DO'53' can carry: its longest length form
// is 83 XX XX XX.
const MaxDO53 = 1<<24 - 1

// AppendDO53 appends msg wrapped in DO'53' to dst, using the shortest length
// form (<80, 81 XX, 82 XXXX, 83 XXXXXX). An empty msg gives 53 00, which
// 18013-5 allows.
func AppendDO53(dst, msg []byte) ([]byte, error) {
	n := len(msg)
	switch {
	case n < 0x80:
		dst = append(dst, tagDO53, byte(n))
	case n <= 0xFF:
		dst = append(dst, tagDO53, 0x81, byte(n))
	case n <= 0xFFFF:
		dst = append(dst, tagDO53, 0x82, byte(n>>8), byte(n))
	case n <= MaxDO53:
		dst = append(dst, tagDO53, 0x83, byte(n>>16), byte(n>>8), byte(n))
	default:
		return nil, fmt.Errorf("%w: %d bytes do not fit a do'53'", ErrMessageTooLarge, n)
	}
	return append(dst, msg...), nil
}

// ParseDO53 returns the value of the single DO'53' that b must be, aliasing
// b. Length forms 81–83 are accepted even when not the shortest (BER allows
// it and the holder's bytes are not ours to judge); the indefinite form 80,
// forms of four or more length bytes, and any byte after the value are
// rejected. A zero-length value gives an empty, non-nil slice. Errors unwrap
// to ErrMalformedDO53 and ErrTransport.
func ParseDO53(b []byte) ([]byte, error) {
	if len(b) < 2 {
		return nil, malformedDO53("%d bytes, want at least tag and length", len(b))
	}
	if b[0] != tagDO53 {
		return nil, malformedDO53("tag %02x, want 53", b[0])
	}
	n, rest := int(b[1]), b[2:]
	if n >= 0x80 {
		k := n - 0x80
		if k == 0 || k > 3 {
			return nil, malformedDO53("length byte %02x", b[1])
		}
		if len(rest) < k {
			return nil, malformedDO53("length field truncated")
		}
		n = 0
		for _, c := range rest[:k] {
			n = n<<8 | int(c)
		}
		rest = rest[k:]
	}
	if n != len(rest) {
		return nil, malformedDO53("length %d, but %d value bytes", n, len(rest))
	}
	return rest[:n:n], nil
}

func malformedDO53(format string, args ...any) error {
	return fmt.Errorf("%w: %w: "+format, append([]any{ErrTransport, ErrMalformedDO53}, args...)...)
}
