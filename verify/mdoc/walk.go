package mdoc

import (
	"bytes"
	"fmt"
	"math"
	"unicode/utf8"

	"taimen/verify"
)

// The walker reads CBOR heads directly (RFC 8949 §3). It is used on the hot
// path of DeviceResponse verification instead of reflection-based decoding,
// which cost more than the digests themselves (BenchmarkVerifyAnnexD,
// BenchmarkVerify17Elements): every input first passes the fxamacker
// well-formedness validator with Taimen's strict limits (depth, counts,
// sizes, trailing bytes), so the walker only has to read what is known to
// be well-formed; it still bounds-checks every read and cannot panic.
// Strictness the validator does not cover is kept here: duplicate map keys
// and invalid UTF-8 in text that is read are rejected.

// walker reads CBOR that has already been checked well-formed. It still
// bounds-checks every read, so it cannot panic on bytes that were not.
type walker struct {
	b   []byte
	off int
}

var (
	errWalk      = fmt.Errorf("cbor: %w", verify.ErrMalformed)
	errTruncated = fmt.Errorf("cbor: %w", verify.ErrTruncated)
)

// aiIndefinite is the additional information of an indefinite length (or,
// in major type 7, of the break code).
const aiIndefinite = 31

// head reads one CBOR head (RFC 8949 §3): major type, additional
// information, and the argument it encodes.
func (w *walker) head() (major, ai byte, arg uint64, err error) {
	if w.off >= len(w.b) {
		return 0, 0, 0, errTruncated
	}
	ib := w.b[w.off]
	w.off++
	major, ai = ib>>5, ib&0x1f
	var n int
	switch {
	case ai < 24:
		return major, ai, uint64(ai), nil
	case ai == 24:
		n = 1
	case ai == 25:
		n = 2
	case ai == 26:
		n = 4
	case ai == 27:
		n = 8
	case ai == aiIndefinite:
		return major, ai, 0, nil
	default:
		return 0, 0, 0, errWalk
	}
	if len(w.b)-w.off < n {
		return 0, 0, 0, errTruncated
	}
	for _, c := range w.b[w.off : w.off+n] {
		arg = arg<<8 | uint64(c)
	}
	w.off += n
	return major, ai, arg, nil
}

func (w *walker) isBreak() bool { return w.off < len(w.b) && w.b[w.off] == 0xff }

// endIndefinite consumes the break that ends an indefinite-length item.
func (w *walker) endIndefinite() error {
	if !w.isBreak() {
		return errTruncated
	}
	w.off++
	return nil
}

// str reads the content of a byte or text string whose head was read;
// indefinite-length strings are concatenated from their chunks.
func (w *walker) str(major, ai byte, arg uint64) ([]byte, error) {
	if ai != aiIndefinite {
		if arg > uint64(len(w.b)-w.off) {
			return nil, errTruncated
		}
		s := w.b[w.off : w.off+int(arg)]
		w.off += int(arg)
		return s, nil
	}
	out := []byte{}
	for !w.isBreak() {
		m, a, n, err := w.head()
		if err != nil {
			return nil, err
		}
		if m != major || a == aiIndefinite {
			return nil, errWalk
		}
		s, err := w.str(m, a, n)
		if err != nil {
			return nil, err
		}
		out = append(out, s...)
	}
	return out, w.endIndefinite()
}

func (w *walker) text(ai byte, arg uint64) (string, error) {
	s, err := w.textBytes(ai, arg)
	return string(s), err
}

// textBytes reads a text string's content and checks it is UTF-8.
func (w *walker) textBytes(ai byte, arg uint64) ([]byte, error) {
	s, err := w.str(3, ai, arg)
	if err != nil {
		return nil, err
	}
	if !utf8.Valid(s) {
		return nil, fmt.Errorf("cbor: invalid UTF-8 text: %w", verify.ErrMalformed)
	}
	return s, nil
}

// count returns a definite length as an int, refusing lengths that cannot
// fit in what is left (every element takes at least one byte).
func (w *walker) count(arg uint64, perElement int) (int, error) {
	if arg > uint64(len(w.b)-w.off)/uint64(perElement) {
		return 0, errTruncated
	}
	return int(arg), nil
}

// skip steps over one data item.
func (w *walker) skip(depth int) error {
	if depth > walkerMaxDepth {
		return fmt.Errorf("cbor: %w", verify.ErrTooDeep)
	}
	major, ai, arg, err := w.head()
	if err != nil {
		return err
	}
	indef := ai == aiIndefinite
	switch major {
	case 2, 3:
		_, err := w.str(major, ai, arg)
		return err
	case 4, 5:
		per := uint64(1)
		if major == 5 {
			per = 2
		}
		for i := uint64(0); indef && !w.isBreak() || !indef && i < arg*per; i++ {
			if err := w.skip(depth + 1); err != nil {
				return err
			}
		}
		if indef {
			return w.endIndefinite()
		}
	case 6:
		return w.skip(depth + 1)
	case 7:
		if indef {
			return errWalk
		}
	}
	return nil
}

// wellformed checks data with the strict validator: limits, no trailing
// bytes. Errors unwrap to the verify sentinels.
func wellformed(data []byte) error {
	if len(data) > verify.MaxMessageSize {
		return fmt.Errorf("cbor: %d bytes: %w", len(data), verify.ErrTooLarge)
	}
	if err := verify.DecMode().Wellformed(data); err != nil {
		return verify.ClassifyCBORError(err)
	}
	return nil
}

func typeErr(what string) error {
	return fmt.Errorf("cbor: %s has the wrong type: %w", what, verify.ErrMalformed)
}

// item returns the bytes of the next data item and steps over it.
func (w *walker) item() ([]byte, error) {
	start := w.off
	if err := w.skip(0); err != nil {
		return nil, err
	}
	return w.b[start:w.off], nil
}

// smallMapKeys is how many keys are compared pairwise before duplicate
// detection switches to a hash set.
const smallMapKeys = 16

// eachEntry reads a map and calls fn for every entry whose key is a text
// string, with the walker on the entry's value; fn must consume the value
// (or return handled = false to have it skipped). Entries with other keys
// are skipped. Duplicate keys (compared on their encoded bytes) are
// rejected, as the strict decoder does.
func (w *walker) eachEntry(what string, fn func(key []byte) (handled bool, err error)) error {
	return w.entries(what, func(key mapKey) (bool, error) {
		if !key.isText {
			return false, nil
		}
		return fn(key.text)
	})
}

// eachIntEntry is eachEntry for maps with integer labels (COSE headers,
// RFC 9052 §3); text labels are skipped.
func (w *walker) eachIntEntry(what string, fn func(label int64) (handled bool, err error)) error {
	return w.entries(what, func(key mapKey) (bool, error) {
		if !key.isInt {
			return false, nil
		}
		return fn(key.int)
	})
}

// mapKey is a decoded map key: text, integer, or something else.
type mapKey struct {
	text          []byte
	int           int64
	isText, isInt bool
}

func (w *walker) entries(what string, fn func(key mapKey) (handled bool, err error)) error {
	major, ai, n, err := w.head()
	if err != nil {
		return err
	}
	if major != 5 {
		return typeErr(what)
	}
	indef := ai == aiIndefinite
	var small [smallMapKeys][]byte
	keys := small[:0]
	var set map[string]struct{}
	for i := uint64(0); indef && !w.isBreak() || !indef && i < n; i++ {
		start := w.off
		km, kai, kn, err := w.head()
		if err != nil {
			return err
		}
		var key mapKey
		switch {
		case km == 3:
			if key.text, err = w.textBytes(kai, kn); err != nil {
				return err
			}
			key.isText = true
		case km <= 1 && kn <= math.MaxInt64:
			key.int, key.isInt = int64(kn), true
			if km == 1 {
				key.int = -1 - key.int
			}
		default:
			w.off = start
			if err := w.skip(0); err != nil {
				return err
			}
		}
		rk := w.b[start:w.off]
		if set == nil && len(keys) < smallMapKeys {
			for _, k := range keys {
				if bytes.Equal(k, rk) {
					return fmt.Errorf("cbor: %s repeats key %x: %w", what, rk, verify.ErrDuplicateKey)
				}
			}
			keys = append(keys, rk)
		} else {
			if set == nil {
				set = make(map[string]struct{}, 2*smallMapKeys)
				for _, k := range keys {
					set[string(k)] = struct{}{}
				}
			}
			if _, dup := set[string(rk)]; dup {
				return fmt.Errorf("cbor: %s repeats key %x: %w", what, rk, verify.ErrDuplicateKey)
			}
			set[string(rk)] = struct{}{}
		}
		handled, err := fn(key)
		if err != nil {
			return err
		}
		if !handled {
			if err := w.skip(0); err != nil {
				return err
			}
		}
	}
	if indef {
		return w.endIndefinite()
	}
	return nil
}

// eachElement reads an array and calls fn with the walker on each element;
// fn must consume it.
func (w *walker) eachElement(what string, fn func() error) error {
	major, ai, n, err := w.head()
	if err != nil {
		return err
	}
	if major != 4 {
		return typeErr(what)
	}
	indef := ai == aiIndefinite
	for i := uint64(0); indef && !w.isBreak() || !indef && i < n; i++ {
		if err := fn(); err != nil {
			return err
		}
	}
	if indef {
		return w.endIndefinite()
	}
	return nil
}

// arrayLen reads an array head and returns its definite length, or -1 for
// an indefinite one.
func (w *walker) arrayLen(what string) (int, error) {
	major, ai, n, err := w.head()
	if err != nil {
		return 0, err
	}
	if major != 4 {
		return 0, typeErr(what)
	}
	if ai == aiIndefinite {
		return -1, nil
	}
	return w.count(n, 1)
}

func (w *walker) textString(what string) (string, error) {
	major, ai, n, err := w.head()
	if err != nil {
		return "", err
	}
	if major != 3 {
		return "", typeErr(what)
	}
	return w.text(ai, n)
}

// textBytes2 reads a text string item and returns its UTF-8 content
// without copying.
func (w *walker) textBytes2(what string) ([]byte, error) {
	major, ai, n, err := w.head()
	if err != nil {
		return nil, err
	}
	if major != 3 {
		return nil, typeErr(what)
	}
	return w.textBytes(ai, n)
}

func (w *walker) byteString(what string) ([]byte, error) {
	major, ai, n, err := w.head()
	if err != nil {
		return nil, err
	}
	if major != 2 {
		return nil, typeErr(what)
	}
	return w.str(2, ai, n)
}

func (w *walker) uint(what string) (uint64, error) {
	major, _, n, err := w.head()
	if err != nil {
		return 0, err
	}
	if major != 0 {
		return 0, typeErr(what)
	}
	return n, nil
}

// int reads a CBOR integer that fits int64.
func (w *walker) int(what string) (int64, error) {
	major, _, n, err := w.head()
	if err != nil {
		return 0, err
	}
	if (major != 0 && major != 1) || n > math.MaxInt64 {
		return 0, typeErr(what)
	}
	if major == 1 {
		return -1 - int64(n), nil
	}
	return int64(n), nil
}

// tag24 reads a #6.24(bstr) item; Raw and Inner alias the walker's bytes
// for the usual encoding (d8 18 + definite bstr).
func (w *walker) tag24(what string) (Tag24, error) {
	raw, err := w.item()
	if err != nil {
		return Tag24{}, err
	}
	if n, ok := tag24ContentOffset(raw); ok {
		return Tag24{Raw: raw, Inner: raw[n:]}, nil
	}
	var t Tag24
	if err := t.UnmarshalCBOR(raw); err != nil {
		return Tag24{}, fmt.Errorf("%s: %w", what, err)
	}
	return t, nil
}

// walkerMaxDepth is a backstop against deep recursion only: the validator
// that runs first enforces verify.MaxNestedLevels, and counts a little
// differently (a leaf is not a level), so the walker allows a margin.
const walkerMaxDepth = verify.MaxNestedLevels + 2
