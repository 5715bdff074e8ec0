package nfc

import (
	"encoding/binary"
	"fmt"
)

// Type 4 tag file identifiers and limits (NFC Forum Type 4 Tag 2.0 §5.1).
const (
	ccFileID = 0xE103
	ccSize   = 15 // CCLEN(2) ver(1) MLe(2) MLc(2) TLV 04 06 fid(2) size(2) r(1) w(1)
	// MaxNDEFFileSize is the largest NDEF file a reader can address with the
	// 15-bit offset of READ/UPDATE BINARY (INS B0/D6). Holders must not
	// announce more (multipaz PR #95).
	MaxNDEFFileSize = 0x7FFF
)

// CC is the capability container of a type 4 tag (T4T 2.0 §5.1.2), with the
// NDEF File Control TLV (T=04, L=06) it must carry.
type CC struct {
	Len     uint16 // CCLEN
	Version byte   // mapping version: 0x20 for 2.0
	MLe     uint16 // largest R-APDU data the tag sends for READ BINARY
	MLc     uint16 // largest C-APDU data the tag takes for UPDATE BINARY
	FileID  uint16 // NDEF file identifier, usually E104
	MaxSize uint16 // NDEF file size, the 2 NLEN bytes included
	Read    byte   // read access: 00 = granted
	Write   byte   // write access: 00 = granted, FF = read-only
	Raw     []byte // the bytes as read (aliases the input)
}

// Writable reports whether the reader may write the NDEF file, which
// negotiated handover needs (write access 00).
func (c CC) Writable() bool { return c.Write == 0x00 }

// ParseCC parses and checks a capability container read with READ BINARY
// (at least the first 15 bytes; longer CCs carry extra TLVs that are
// ignored). Errors unwrap to [ErrBadCC].
func ParseCC(b []byte) (CC, error) {
	if len(b) < ccSize {
		return CC{}, fmt.Errorf("%w: %d bytes, want at least %d", ErrBadCC, len(b), ccSize)
	}
	c := CC{
		Len:     binary.BigEndian.Uint16(b[0:]),
		Version: b[2],
		MLe:     binary.BigEndian.Uint16(b[3:]),
		MLc:     binary.BigEndian.Uint16(b[5:]),
		FileID:  binary.BigEndian.Uint16(b[9:]),
		MaxSize: binary.BigEndian.Uint16(b[11:]),
		Read:    b[13],
		Write:   b[14],
		Raw:     b[:ccSize:ccSize],
	}
	switch {
	case c.Len < ccSize || c.Len == 0xFFFF:
		return CC{}, fmt.Errorf("%w: cclen %04x", ErrBadCC, c.Len)
	case c.Version>>4 != 2 && c.Version>>4 != 3:
		// 1.0 tags select files differently; 3.0 keeps the 04 TLV layout
		// checked below, so it reads the same way.
		return CC{}, fmt.Errorf("%w: mapping version %d.%d", ErrBadCC, c.Version>>4, c.Version&0x0F)
	case c.MLe < 0x000F:
		return CC{}, fmt.Errorf("%w: mle %d below 15", ErrBadCC, c.MLe)
	case c.MLc < 0x0001:
		return CC{}, fmt.Errorf("%w: mlc 0", ErrBadCC)
	case b[7] != 0x04 || b[8] != 0x06:
		return CC{}, fmt.Errorf("%w: first tlv %02x %02x, want the ndef file control tlv 04 06", ErrBadCC, b[7], b[8])
	case reservedFileID(c.FileID):
		return CC{}, fmt.Errorf("%w: reserved ndef file id %04x", ErrBadCC, c.FileID)
	case c.MaxSize < 0x0005 || c.MaxSize > MaxNDEFFileSize:
		return CC{}, fmt.Errorf("%w: ndef file size %04x outside 0005..7fff", ErrBadCC, c.MaxSize)
	case c.Read != 0x00:
		return CC{}, fmt.Errorf("%w: read access %02x", ErrBadCC, c.Read)
	}
	return c, nil
}

// reservedFileID lists the identifiers T4T 2.0 §5.1.4 forbids for the NDEF
// file (CC and MF among them).
func reservedFileID(id uint16) bool {
	switch id {
	case 0x0000, 0xE102, 0xE103, 0x3F00, 0x3FFF, 0xFFFF:
		return true
	}
	return false
}
