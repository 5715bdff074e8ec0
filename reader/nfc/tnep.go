package nfc

import (
	"fmt"
	"math"
	"time"

	"golang.org/x/crypto/cryptobyte"
)

// HandoverService is the TNEP service name of connection handover
// (Connection Handover 1.5 §5, used by 18013-5 negotiated handover).
const HandoverService = "urn:nfc:sn:handover"

// Well-known record types of TNEP 1.0 §4.
const (
	typeTp = "Tp" // service parameter
	typeTs = "Ts" // service select
	typeTe = "Te" // status
)

// ServiceParameter is a TNEP Service Parameter record (TNEP 1.0 §4.1.2):
// the holder announces a service and how long the reader must wait for it.
type ServiceParameter struct {
	Version    byte   // TNEP version, 0x10 for 1.0
	URI        string // service name URI
	CommMode   byte   // 0 = single response
	WT         byte   // minimum waiting time, encoded (see Wait)
	NWait      byte   // maximum number of waiting time extensions
	MaxNDEF    uint16 // largest NDEF message the holder accepts from the reader
	RawPayload []byte
}

// Wait is the minimum waiting time t_wait = 2^(WT/4 − 1) ms (TNEP 1.0
// §4.1.6): Apple sends WT 0x14 (16 ms), Google 0x10 (8 ms), multipaz 0x00
// (0.5 ms). WT is 6 bits; higher bits are ignored as TNEP reserves them.
func (p ServiceParameter) Wait() time.Duration {
	wt := float64(p.WT & 0x3F)
	return time.Duration(math.Pow(2, wt/4-1) * float64(time.Millisecond))
}

// ParseServiceParameter parses the payload of a Tp record. Errors unwrap to
// [ErrMalformedNDEF].
func ParseServiceParameter(payload []byte) (ServiceParameter, error) {
	s := cryptobyte.String(payload)
	var p ServiceParameter
	var uri []byte
	if !s.ReadUint8(&p.Version) || !s.ReadUint8LengthPrefixed((*cryptobyte.String)(&uri)) ||
		!s.ReadUint8(&p.CommMode) || !s.ReadUint8(&p.WT) || !s.ReadUint8(&p.NWait) ||
		!s.ReadUint16(&p.MaxNDEF) || !s.Empty() {
		return ServiceParameter{}, fmt.Errorf("%w: tnep service parameter of %d bytes does not parse", ErrMalformedNDEF, len(payload))
	}
	p.URI = string(uri)
	p.RawPayload = payload
	return p, nil
}

// findService returns the Tp record of the handover service, if any.
func findService(m Message) (ServiceParameter, bool, error) {
	for _, r := range m {
		if !r.Is(TNFWellKnown, typeTp) {
			continue
		}
		p, err := ParseServiceParameter(r.Payload)
		if err != nil {
			return ServiceParameter{}, false, err
		}
		if p.URI == HandoverService {
			return p, true, nil
		}
	}
	return ServiceParameter{}, false, nil
}

// ServiceSelect returns the NDEF message with one TNEP Service Select
// record for uri (TNEP 1.0 §4.2): d1 02 len "Ts" urilen uri.
func ServiceSelect(uri string) []byte {
	payload := append([]byte{byte(len(uri))}, uri...)
	return EncodeMessage(Record{TNF: TNFWellKnown, Type: []byte(typeTs), Payload: payload})
}

// tnepStatus returns the status byte of the Te record in m.
func tnepStatus(m Message) (byte, error) {
	r, ok := m.Find(TNFWellKnown, typeTe, nil)
	if !ok {
		return 0, fmt.Errorf("%w: no tnep status record after the service select", ErrTNEPFailed)
	}
	if len(r.Payload) != 1 {
		return 0, fmt.Errorf("%w: tnep status record with %d payload bytes, want 1", ErrMalformedNDEF, len(r.Payload))
	}
	return r.Payload[0], nil
}
