package mdoc

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/x448/float16"

	"taimen/verify"
)

// Kind says what a [Value] holds.
type Kind string

// Value kinds.
const (
	KindNull     Kind = "null"
	KindBool     Kind = "bool"
	KindInt      Kind = "int"    // fits int64 (Int) or, for large unsigned, Uint
	KindBigInt   Kind = "bigint" // outside the 64-bit range (Big)
	KindFloat    Kind = "float"
	KindString   Kind = "string"
	KindBytes    Kind = "bytes"    // Bytes, with MediaType sniffed from the content
	KindFullDate Kind = "fulldate" // RFC 8943 full-date, #6.1004(tstr): Time at 00:00 UTC, Str as sent
	KindDateTime Kind = "datetime" // tdate #6.0(tstr) or epoch #6.1(number)
	KindArray    Kind = "array"
	KindMap      Kind = "map"
	KindTag      Kind = "tag" // any other tag: Tag and Array[0]
)

// Value is a decoded data element value, ready to be shown. It marshals to
// natural JSON: strings, numbers, bools, null, full-dates as "YYYY-MM-DD",
// date-times as RFC 3339, byte strings as {"mediaType": …, "base64": …},
// arrays and maps as JSON arrays and objects (map keys as text).
//
// Element-specific shapes (18013-5 §7.2.1, 23220-2, the JP MNC namespace)
// need no special types: driving_privileges is an array of maps whose
// dates are full-dates; age_over_NN is a bool; sex is an int (ISO 5218);
// the `*_unicode` strings of org.iso.23220.1.jp are strings, including
// birth_date_unicode ("1971年9月1日"), which is text and not a date.
type Value struct {
	Kind      Kind
	Bool      bool
	Int       int64
	Uint      uint64 // for KindInt values above math.MaxInt64 (IsUint)
	IsUint    bool
	Big       *big.Int
	Float     float64
	Str       string
	Bytes     []byte
	MediaType string
	Time      time.Time
	Tag       uint64
	Array     []Value
	Map       []MapEntry // in received order
}

// MapEntry is one key/value pair of a KindMap value. Key is the key as text
// (integer keys in decimal).
type MapEntry struct {
	Key   string
	Value Value
}

// Get returns the entry of a map value with the given key.
func (v Value) Get(key string) (Value, bool) {
	for _, e := range v.Map {
		if e.Key == key {
			return e.Value, true
		}
	}
	return Value{}, false
}

// Date returns the calendar date of a full-date, a date-time, or a string
// in YYYY-MM-DD form (issuers that send dates untagged, research §8).
func (v Value) Date() (time.Time, bool) {
	switch v.Kind {
	case KindFullDate, KindDateTime:
		return v.Time, true
	case KindString:
		if t, err := time.Parse(time.DateOnly, v.Str); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// String renders the value as text for a log line or a table cell.
func (v Value) String() string {
	switch v.Kind {
	case KindString:
		return v.Str
	case KindFullDate:
		return v.Time.Format(time.DateOnly)
	case KindDateTime:
		return v.Time.Format(time.RFC3339)
	case KindBytes:
		return fmt.Sprintf("<%s, %d bytes>", v.MediaType, len(v.Bytes))
	}
	b, err := json.Marshal(v)
	if err != nil {
		return string(v.Kind)
	}
	return string(b)
}

// MarshalJSON writes natural JSON (see [Value]).
func (v Value) MarshalJSON() ([]byte, error) {
	return v.appendJSON(nil)
}

func (v Value) appendJSON(b []byte) ([]byte, error) {
	switch v.Kind {
	case KindNull, "":
		return append(b, "null"...), nil
	case KindBool:
		return strconv.AppendBool(b, v.Bool), nil
	case KindInt:
		if v.IsUint {
			return strconv.AppendUint(b, v.Uint, 10), nil
		}
		return strconv.AppendInt(b, v.Int, 10), nil
	case KindBigInt:
		return v.Big.Append(b, 10), nil
	case KindFloat:
		if math.IsNaN(v.Float) || math.IsInf(v.Float, 0) {
			return appendJSONString(b, strconv.FormatFloat(v.Float, 'g', -1, 64))
		}
		return strconv.AppendFloat(b, v.Float, 'g', -1, 64), nil
	case KindString:
		return appendJSONString(b, v.Str)
	case KindFullDate:
		return appendJSONString(b, v.Time.Format(time.DateOnly))
	case KindDateTime:
		return appendJSONString(b, v.Time.Format(time.RFC3339Nano))
	case KindBytes:
		b = append(b, `{"mediaType":`...)
		b, _ = appendJSONString(b, v.MediaType)
		b = append(b, `,"base64":"`...)
		b = base64.StdEncoding.AppendEncode(b, v.Bytes)
		return append(b, `"}`...), nil
	case KindArray:
		b = append(b, '[')
		for i, e := range v.Array {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = e.appendJSON(b); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case KindMap:
		b = append(b, '{')
		for i, e := range v.Map {
			if i > 0 {
				b = append(b, ',')
			}
			b, _ = appendJSONString(b, e.Key)
			b = append(b, ':')
			var err error
			if b, err = e.Value.appendJSON(b); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	case KindTag:
		b = append(b, `{"tag":`...)
		b = strconv.AppendUint(b, v.Tag, 10)
		b = append(b, `,"value":`...)
		var err error
		if len(v.Array) == 1 {
			b, err = v.Array[0].appendJSON(b)
		} else {
			b = append(b, "null"...)
		}
		if err != nil {
			return nil, err
		}
		return append(b, '}'), nil
	}
	return nil, fmt.Errorf("mdoc: value of unknown kind %q", v.Kind)
}

func appendJSONString(b []byte, s string) ([]byte, error) {
	q, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	return append(b, q...), nil
}

// Media types sniffed from portrait and other byte strings.
const (
	MediaJPEG        = "image/jpeg"
	MediaJPEG2000    = "image/jp2"
	MediaJPEG2000J2C = "image/j2c" // raw JPEG 2000 codestream
	MediaOctetStream = "application/octet-stream"
)

// SniffMediaType tells JPEG (FF D8) from JPEG 2000 (the JP2 signature box
// 00 00 00 0C 6A 50 20 20, or a raw codestream starting FF 4F), the two
// portrait encodings 18013-5 §7.2.1 allows.
func SniffMediaType(b []byte) string {
	switch {
	case len(b) >= 2 && b[0] == 0xff && b[1] == 0xd8:
		return MediaJPEG
	case bytes.HasPrefix(b, []byte{0, 0, 0, 0x0c, 0x6a, 0x50, 0x20, 0x20}):
		return MediaJPEG2000
	case len(b) >= 2 && b[0] == 0xff && b[1] == 0x4f:
		return MediaJPEG2000J2C
	}
	return MediaOctetStream
}

// CBOR tags of date values: tdate (0), epoch date-time (1), full-date
// (RFC 8943: 1004 as text), and 100 (RFC 8943 days since 1970-01-01).
const (
	tagDateTime     = 0
	tagEpoch        = 1
	tagFullDate     = 1004
	tagFullDateDays = 100
)

// DecodeValue decodes a DataElementValue (any CBOR) for display. It is
// called only on values whose digest has verified.
//
// The fxamacker decoder first checks the bytes are well-formed CBOR within
// Taimen's limits (depth, sizes); the tree is then built by a small walker
// over the CBOR heads instead of reflection-based decoding, which cost
// more than the digest itself for maps like driving_privileges (see
// BenchmarkVerify17Elements). The walker still rejects what the strict
// decoder would: invalid UTF-8 and duplicate map keys.
func DecodeValue(raw []byte) (Value, error) {
	if len(raw) > verify.MaxMessageSize {
		return Value{}, fmt.Errorf("mdoc: value: %w", verify.ErrTooLarge)
	}
	if err := verify.DecMode().Wellformed(raw); err != nil {
		return Value{}, fmt.Errorf("mdoc: value: %w", verify.ClassifyCBORError(err))
	}
	w := walker{b: raw}
	v, err := w.value(0)
	if err != nil {
		return Value{}, fmt.Errorf("mdoc: value: %w", err)
	}
	if w.off != len(raw) {
		return Value{}, fmt.Errorf("mdoc: value: trailing bytes: %w", verify.ErrMalformed)
	}
	return v, nil
}

func (w *walker) value(depth int) (Value, error) {
	if depth > walkerMaxDepth {
		return Value{}, fmt.Errorf("cbor: %w", verify.ErrTooDeep)
	}
	major, ai, arg, err := w.head()
	if err != nil {
		return Value{}, err
	}
	indef := ai == aiIndefinite
	switch major {
	case 0:
		if arg > math.MaxInt64 {
			return Value{Kind: KindInt, Uint: arg, IsUint: true}, nil
		}
		return Value{Kind: KindInt, Int: int64(arg)}, nil
	case 1:
		if arg <= math.MaxInt64 {
			return Value{Kind: KindInt, Int: -1 - int64(arg)}, nil
		}
		bi := new(big.Int).SetUint64(arg)
		bi.Add(bi, big.NewInt(1)).Neg(bi)
		return Value{Kind: KindBigInt, Big: bi}, nil
	case 2:
		b, err := w.str(2, ai, arg)
		if err != nil {
			return Value{}, err
		}
		// A copy: the verdict must not alias the caller's buffer, which
		// the app wipes.
		b = bytes.Clone(b)
		return Value{Kind: KindBytes, Bytes: b, MediaType: SniffMediaType(b)}, nil
	case 3:
		s, err := w.text(ai, arg)
		if err != nil {
			return Value{}, err
		}
		return Value{Kind: KindString, Str: s}, nil
	case 4:
		arr := []Value{}
		if !indef {
			n, err := w.count(arg, 1)
			if err != nil {
				return Value{}, err
			}
			arr = make([]Value, 0, n)
		}
		for i := uint64(0); indef && !w.isBreak() || !indef && i < arg; i++ {
			v, err := w.value(depth + 1)
			if err != nil {
				return Value{}, err
			}
			arr = append(arr, v)
		}
		if indef {
			if err := w.endIndefinite(); err != nil {
				return Value{}, err
			}
		}
		return Value{Kind: KindArray, Array: arr}, nil
	case 5:
		return w.mapValue(ai, arg, depth)
	case 6:
		return w.tagValue(arg, depth)
	}
	// Major type 7: simple values and floats (RFC 8949 §3.3).
	switch ai {
	case 20:
		return Value{Kind: KindBool}, nil
	case 21:
		return Value{Kind: KindBool, Bool: true}, nil
	case 25:
		return Value{Kind: KindFloat, Float: float64(float16.Frombits(uint16(arg)).Float32())}, nil
	case 26:
		return Value{Kind: KindFloat, Float: float64(math.Float32frombits(uint32(arg)))}, nil
	case 27:
		return Value{Kind: KindFloat, Float: math.Float64frombits(arg)}, nil
	case aiIndefinite:
		return Value{}, errWalk // a break where a value was expected
	}
	// null, undefined and unassigned simple values: nothing to show.
	return Value{Kind: KindNull}, nil
}

// mapValue reads a map; keys become text (integers in decimal). Entries are
// sorted by key for a stable display; duplicate keys are rejected, as the
// strict decoder does (compared on their encoded bytes).
func (w *walker) mapValue(ai byte, arg uint64, depth int) (Value, error) {
	indef := ai == aiIndefinite
	var entries []MapEntry
	var rawKeys [][]byte
	if !indef {
		n, err := w.count(arg, 2)
		if err != nil {
			return Value{}, err
		}
		entries = make([]MapEntry, 0, n)
		rawKeys = make([][]byte, 0, n)
	}
	for i := uint64(0); indef && !w.isBreak() || !indef && i < arg; i++ {
		start := w.off
		k, err := w.value(depth + 1)
		if err != nil {
			return Value{}, err
		}
		rk := w.b[start:w.off]
		for _, seen := range rawKeys {
			if bytes.Equal(seen, rk) {
				return Value{}, fmt.Errorf("cbor: %w", verify.ErrDuplicateKey)
			}
		}
		rawKeys = append(rawKeys, rk)
		v, err := w.value(depth + 1)
		if err != nil {
			return Value{}, err
		}
		key := k.String() // text as is, integers in decimal
		entries = append(entries, MapEntry{Key: key, Value: v})
	}
	if indef {
		if err := w.endIndefinite(); err != nil {
			return Value{}, err
		}
	}
	slices.SortStableFunc(entries, func(a, b MapEntry) int { return strings.Compare(a.Key, b.Key) })
	if entries == nil {
		entries = []MapEntry{}
	}
	return Value{Kind: KindMap, Map: entries}, nil
}

func (w *walker) tagValue(num uint64, depth int) (Value, error) {
	inner, err := w.value(depth + 1)
	if err != nil {
		return Value{}, err
	}
	switch num {
	case tagFullDate, tagDateTime:
		if inner.Kind == KindString {
			layout, kind := time.RFC3339, KindDateTime
			if num == tagFullDate {
				layout, kind = time.DateOnly, KindFullDate
			}
			if t, err := time.Parse(layout, inner.Str); err == nil {
				return Value{Kind: kind, Time: t, Str: inner.Str}, nil
			}
		}
	case tagFullDateDays:
		if inner.Kind == KindInt && !inner.IsUint && inner.Int > -1e7 && inner.Int < 1e7 {
			t := time.Unix(0, 0).UTC().AddDate(0, 0, int(inner.Int))
			return Value{Kind: KindFullDate, Time: t, Str: t.Format(time.DateOnly)}, nil
		}
	case tagEpoch:
		f, ok := float64(inner.Int), inner.Kind == KindInt && !inner.IsUint
		if inner.Kind == KindFloat {
			f, ok = inner.Float, true
		}
		if ok && !math.IsNaN(f) && math.Abs(f) < 1e11 {
			sec, frac := math.Modf(f)
			return Value{Kind: KindDateTime, Time: time.Unix(int64(sec), int64(frac*1e9)).UTC()}, nil
		}
	}
	// Any other tag, or a date tag around something that is not a date:
	// show the tag and its content rather than guess.
	return Value{Kind: KindTag, Tag: num, Array: []Value{inner}}, nil
}
