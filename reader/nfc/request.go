package nfc

import (
	"crypto/rand"
	"fmt"
	"io"
	"time"
)

// Defaults of [Options].
const (
	DefaultMaxNotReadyPolls = 40
	DefaultMinPollWait      = 10 * time.Millisecond
	DefaultMaxReadLen       = 255
	DefaultMaxWriteLen      = 255
	DefaultNFCMaxCommand    = 255
	DefaultNFCMaxResponse   = 65535
)

// Options configure an [Engagement]: what the reader offers in its Handover
// Request (negotiated handover only) and how patient it is. The zero value
// offers BLE mdoc central client mode with a random UUID drawn from
// crypto/rand.
type Options struct {
	// BLEModes are the mdoc BLE modes the reader offers. Zero means
	// BLECentralClient only: the reader is the GATT server, as this app
	// implements, and the LE Role it sends is 0x00 ("only peripheral",
	// multipaz MdocConnectionMethodBle for a Handover Request). Both modes
	// send 0x03, which is what the recorded isomdl reader sent to Apple,
	// Google and multipaz.
	BLEModes BLEMode
	// NoBLE leaves BLE out of the Handover Request.
	NoBLE bool
	// BLEUUID is the reader's BLE service UUID, fresh for each engagement.
	// If zero, 16 bytes are drawn from Rand (as a version 4 UUID).
	BLEUUID UUID
	// OfferNFC adds the NFC carrier (data retrieval with ENVELOPE).
	OfferNFC bool
	// NFCMaxCommand and NFCMaxResponse are the largest command and response
	// data fields the reader takes for NFC data retrieval; defaults 255 and
	// 65535. They are always sent: Google Wallet throws on an NFC carrier
	// record holding only the version byte (isomdl comment in
	// ndef_handover_reader.rs).
	NFCMaxCommand, NFCMaxResponse int
	// ReaderEngagement, if not nil, is sent as the payload of an
	// iso.org:18013:readerengagement record with ID "mdocreader" (multipaz
	// and isomdl send [ReaderEngagement10]; 18013-5 Annex D sends none).
	ReaderEngagement []byte
	// OmitCollisionResolution leaves out the cr record. Annex D's Handover
	// Request has one; the isomdl reader that Apple, Google and multipaz
	// answered in the recordings sent none.
	OmitCollisionResolution bool
	// Rand supplies the collision-resolution random number and, when BLEUUID
	// is zero, the UUID. Default crypto/rand.
	Rand io.Reader

	// MaxNotReadyPolls caps how often NLEN = 0 is re-read in one phase
	// (Apple answers NLEN = 0 until its Handover Select is ready). Default 40.
	MaxNotReadyPolls int
	// MinPollWait is the least wait before re-reading NLEN after a 0, even
	// when the holder's t_wait is shorter (multipaz sends WT 0 = 0.5 ms).
	// Default 10 ms; negative means no floor.
	MinPollWait time.Duration
	// MaxReadLen caps the Le of each READ BINARY (also capped by the tag's
	// MLe). Default 255: short APDUs, which every PC/SC reader handles.
	MaxReadLen int
	// MaxWriteLen caps the data of each UPDATE BINARY (also capped by the
	// tag's MLc). Default 255.
	MaxWriteLen int
}

func (o Options) withDefaults() Options {
	if o.BLEModes == 0 {
		o.BLEModes = BLECentralClient
	}
	if o.NFCMaxCommand == 0 {
		o.NFCMaxCommand = DefaultNFCMaxCommand
	}
	if o.NFCMaxResponse == 0 {
		o.NFCMaxResponse = DefaultNFCMaxResponse
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.MaxNotReadyPolls <= 0 {
		o.MaxNotReadyPolls = DefaultMaxNotReadyPolls
	}
	if o.MinPollWait == 0 {
		o.MinPollWait = DefaultMinPollWait
	} else if o.MinPollWait < 0 {
		o.MinPollWait = 0
	}
	if o.MaxReadLen <= 0 {
		o.MaxReadLen = DefaultMaxReadLen
	}
	if o.MaxWriteLen <= 0 {
		o.MaxWriteLen = DefaultMaxWriteLen
	}
	return o
}

func (o Options) check() error {
	switch {
	case o.NoBLE && !o.OfferNFC:
		return fmt.Errorf("%w: no carrier to offer", ErrInvalidOptions)
	case o.BLEModes&^(BLECentralClient|BLEPeripheralServer) != 0:
		return fmt.Errorf("%w: unknown ble modes %02x", ErrInvalidOptions, o.BLEModes)
	case o.OfferNFC && (o.NFCMaxCommand < 255 || o.NFCMaxCommand > 0xFFFF):
		// 18013-5 §8.3.3.1.2 NOTE 2: 255..65535 for commands.
		return fmt.Errorf("%w: nfc max command length %d outside 255..65535", ErrInvalidOptions, o.NFCMaxCommand)
	case o.OfferNFC && (o.NFCMaxResponse < 256 || o.NFCMaxResponse > 0x10000):
		return fmt.Errorf("%w: nfc max response length %d outside 256..65536", ErrInvalidOptions, o.NFCMaxResponse)
	case len(o.ReaderEngagement) > 0xFFFF:
		return fmt.Errorf("%w: reader engagement of %d bytes", ErrInvalidOptions, len(o.ReaderEngagement))
	case o.MaxReadLen > 0xFFFF || o.MaxWriteLen > 0xFFFF:
		return fmt.Errorf("%w: read or write length above 65535", ErrInvalidOptions)
	}
	return nil
}

// HandoverRequest is a Handover Request message built from [Options].
type HandoverRequest struct {
	Message []byte // the NDEF message as written, without NLEN
	UUID    UUID   // the BLE UUID it offers (zero when no BLE is offered)
}

// BuildHandoverRequest builds the reader's Handover Request (CH 1.5 §6.1,
// 18013-5 §8.2.2.1): an Hr record (version 1.5) embedding the cr record and
// one ac record per carrier, then the optional reader engagement record, the
// BLE carrier record (ID "0") and the NFC carrier record (ID "nfc"), in the
// order of the isomdl request that the recorded wallets accepted.
func BuildHandoverRequest(opts Options) (HandoverRequest, error) {
	o := opts.withDefaults()
	if err := o.check(); err != nil {
		return HandoverRequest{}, err
	}
	var hr HandoverRequest
	var embedded, carriers []Record
	if !o.OmitCollisionResolution {
		var rnd [2]byte
		if _, err := io.ReadFull(o.Rand, rnd[:]); err != nil {
			return HandoverRequest{}, fmt.Errorf("%w: collision resolution random: %w", ErrInvalidOptions, err)
		}
		embedded = append(embedded, Record{TNF: TNFWellKnown, Type: []byte(typeCr), Payload: rnd[:]})
	}
	if !o.NoBLE {
		hr.UUID = o.BLEUUID
		if hr.UUID.IsZero() {
			if _, err := io.ReadFull(o.Rand, hr.UUID[:]); err != nil {
				return HandoverRequest{}, fmt.Errorf("%w: ble uuid random: %w", ErrInvalidOptions, err)
			}
			hr.UUID[6] = hr.UUID[6]&0x0F | 0x40 // RFC 9562 version 4
			hr.UUID[8] = hr.UUID[8]&0x3F | 0x80 // variant 10
		}
		// The LE Role in a Handover Request is the reader's own role
		// (multipaz toNdefRecord with isForHandoverSelect = false).
		role := byte(leBothCentralFirst)
		switch o.BLEModes {
		case BLECentralClient:
			role = lePeripheralOnly
		case BLEPeripheralServer:
			role = leCentralOnly
		}
		oob := []byte{2, adLERole, role, 17, adUUID128Complete}
		oob = hr.UUID.appendLE(oob)
		embedded = append(embedded, acRecord(idBLE))
		carriers = append(carriers, Record{TNF: TNFMedia, Type: []byte(TypeBLEOOB), ID: idBLE, Payload: oob})
	}
	if o.OfferNFC {
		// Table 6 elements are [len][type][value] with len counting the
		// type byte (multipaz, whose parser Google Wallet shares). The
		// isomdl reader sends 01 01ff 02ffff instead, which that parser
		// reads as unknown types and drops: the crash is avoided, but the
		// NFC offer is lost.
		p := appendNFCLength([]byte{0x01}, nfcMaxCommand, o.NFCMaxCommand)
		p = appendNFCLength(p, nfcMaxResponse, o.NFCMaxResponse)
		embedded = append(embedded, acRecord(idNFC))
		carriers = append(carriers, Record{TNF: TNFExternal, Type: []byte(TypeNFCCarrier), ID: idNFC, Payload: p})
	}
	payload := append([]byte{handoverVersion}, EncodeMessage(embedded...)...)
	recs := []Record{{TNF: TNFWellKnown, Type: []byte(typeHr), Payload: payload}}
	if o.ReaderEngagement != nil {
		recs = append(recs, Record{TNF: TNFExternal, Type: []byte(TypeReaderEngagement), ID: idReaderEngagement, Payload: o.ReaderEngagement})
	}
	recs = append(recs, carriers...)
	hr.Message = EncodeMessage(recs...)
	return hr, nil
}

// acRecord is an active alternative carrier pointing at ref, with no
// auxiliary references (CH 1.5 §6.2.2).
func acRecord(ref []byte) Record {
	p := append([]byte{byte(PowerActive), byte(len(ref))}, ref...)
	return Record{TNF: TNFWellKnown, Type: []byte(typeAc), Payload: append(p, 0)}
}
