package trusttest

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"

	"taimen/verify"
)

// MintVICAL builds and signs a VICAL (18013-5 Annex C) listing iacas, the
// i-th allowed docTypes[i] (missing or empty: the mDL docType). chain is
// the signer's x5chain, signer first (nil: the signer alone).
func MintVICAL(signer *Issued, chain [][]byte, provider string, date time.Time, iacas []*Issued, docTypes [][]string) ([]byte, error) {
	infos := make([]map[string]any, len(iacas))
	for i, ca := range iacas {
		dts := []string{"org.iso.18013.5.1.mDL"}
		if i < len(docTypes) && len(docTypes[i]) > 0 {
			dts = docTypes[i]
		}
		info := map[string]any{
			"certificate":  ca.DER,
			"serialNumber": cbor.Tag{Number: 2, Content: ca.Cert.SerialNumber.Bytes()},
			"ski":          ca.Cert.SubjectKeyId,
			"docType":      dts,
		}
		if len(ca.Cert.Subject.Country) == 1 {
			info["issuingCountry"] = ca.Cert.Subject.Country[0]
		}
		infos[i] = info
	}
	payload, err := verify.Marshal(map[string]any{
		"version":          "1.0",
		"vicalProvider":    provider,
		"date":             cbor.Tag{Number: 0, Content: date.UTC().Format(time.RFC3339)},
		"vicalIssueID":     uint64(1),
		"nextUpdate":       cbor.Tag{Number: 0, Content: date.AddDate(0, 1, 0).UTC().Format(time.RFC3339)},
		"certificateInfos": infos,
	})
	if err != nil {
		return nil, fmt.Errorf("trusttest: vical: %w", err)
	}
	return SignVICAL(signer, chain, payload)
}

// SignVICAL signs arbitrary payload bytes as a VICAL COSE_Sign1 (tagged,
// alg in the protected header, x5chain in the unprotected header as a bstr
// for one certificate or an array for more), so tests can sign malformed
// payloads with a valid signature.
func SignVICAL(signer *Issued, chain [][]byte, payload []byte) ([]byte, error) {
	if chain == nil {
		chain = [][]byte{signer.DER}
	}
	alg, err := coseAlg(signer)
	if err != nil {
		return nil, err
	}
	s, err := cose.NewSigner(alg, signer.Key)
	if err != nil {
		return nil, fmt.Errorf("trusttest: vical: %w", err)
	}
	var x5 any = chain[0]
	if len(chain) > 1 {
		arr := make([]any, len(chain))
		for i, c := range chain {
			arr[i] = c
		}
		x5 = arr
	}
	msg := cose.NewSign1Message()
	msg.Headers.Protected.SetAlgorithm(alg)
	msg.Headers.Unprotected[cose.HeaderLabelX5Chain] = x5
	msg.Payload = payload
	if err := msg.Sign(rand.Reader, nil, s); err != nil {
		return nil, fmt.Errorf("trusttest: vical: %w", err)
	}
	out, err := msg.MarshalCBOR()
	if err != nil {
		return nil, fmt.Errorf("trusttest: vical: %w", err)
	}
	return out, nil
}

func coseAlg(i *Issued) (cose.Algorithm, error) {
	switch k := i.Key.(type) {
	case *ecdsa.PrivateKey:
		switch k.Curve {
		case elliptic.P256():
			return cose.AlgorithmES256, nil
		case elliptic.P384():
			return cose.AlgorithmES384, nil
		case elliptic.P521():
			return cose.AlgorithmES512, nil
		}
	case ed25519.PrivateKey:
		return cose.AlgorithmEdDSA, nil
	}
	return 0, fmt.Errorf("%w: no cose algorithm for %T", errCfg, i.Key)
}
