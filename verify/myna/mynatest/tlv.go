package mynatest

// tlv encodes one BER-TLV object the way the card writes it: the tag as
// given (one to three bytes), a short length below 128, else 81 or 82
// (the card's EF0004 reads `7F21 82 0233`, research §2.1).
func tlv(tag uint32, parts ...[]byte) []byte {
	var v []byte
	for _, p := range parts {
		v = append(v, p...)
	}
	var out []byte
	switch {
	case tag > 0xFFFF:
		out = append(out, byte(tag>>16), byte(tag>>8), byte(tag))
	case tag > 0xFF:
		out = append(out, byte(tag>>8), byte(tag))
	default:
		out = append(out, byte(tag))
	}
	switch n := len(v); {
	case n < 0x80:
		out = append(out, byte(n))
	case n < 0x100:
		out = append(out, 0x81, byte(n))
	default:
		out = append(out, 0x82, byte(n>>8), byte(n))
	}
	return append(out, v...)
}

// withOffsets builds `outer { DF21 offsets · objs… }` where the offset table
// gives each object's offset from the start of the file (research §1.3,
// §1.4 [obs myna-card]). The table's own size fixes the header size, so
// the layout is computed once and checked.
func withOffsets(outer uint32, objs ...[]byte) []byte {
	table := make([]byte, 2*len(objs))
	body := func() []byte {
		b := tlv(0xDF21, table)
		for _, o := range objs {
			b = append(b, o...)
		}
		return b
	}
	head := len(tlv(outer, body())) - len(body())
	pos := head + len(tlv(0xDF21, table))
	for i, o := range objs {
		table[2*i], table[2*i+1] = byte(pos>>8), byte(pos)
		pos += len(o)
	}
	return tlv(outer, body())
}

// pad appends FF filler up to the next multiple of 256 bytes, as the card's
// fixed-size EFs hold after their object (research §1.1).
func pad(b []byte) []byte {
	n := (len(b) + 0xFF) &^ 0xFF
	for len(b) < n {
		b = append(b, 0xFF)
	}
	return b
}

// rsaKeyTLV is a public key as the card stores it: 90 exponent, 91 modulus.
func cardKey(e int, n []byte) []byte {
	var eb []byte
	for v := e; v > 0; v >>= 8 {
		eb = append([]byte{byte(v)}, eb...)
	}
	return append(tlv(0x90, eb), tlv(0x91, n)...)
}
