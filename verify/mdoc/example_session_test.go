package mdoc_test

import (
	"crypto/ecdh"
	"crypto/sha256"
	"fmt"

	"taimen/verify/mdoc"
)

// A reader and a holder agree on session keys from a QR engagement, the
// reader sends a DeviceRequest and the holder answers. The bytes between
// the two would travel over BLE or NFC.
func Example_session() {
	// Holder: an ephemeral key and the engagement it shows (minted here;
	// normally read from the QR code or the NFC handover select message).
	seed := sha256.Sum256([]byte("example device"))
	devKey, _ := ecdh.P256().NewPrivateKey(seed[:])
	ck, _ := mdoc.COSEKeyFromECDH(devKey.PublicKey())
	keyItem, _ := mdoc.EncodeTag24(ck)
	engagement := append([]byte{0xa2, 0x00, 0x63, '1', '.', '0', 0x01, 0x82, 0x01}, keyItem.Raw...)

	// Reader: parse the engagement as received and start the session.
	de, err := mdoc.ParseDeviceEngagement(engagement)
	if err != nil {
		panic(err)
	}
	reader, err := mdoc.NewReaderSession(de, mdoc.HandoverQR, nil)
	if err != nil {
		panic(err)
	}
	request, _ := mdoc.BuildDeviceRequest([]mdoc.DocRequestSpec{{
		DocType:  "org.iso.23220.1.jp.mnc",
		Elements: []mdoc.ElementRequest{{Namespace: "org.iso.23220.1", Element: "age_over_20"}},
	}}, nil, reader.Transcript())
	establishment, _ := reader.SessionEstablishment(request)

	// Holder: derive the same keys, read the request, answer.
	holder, _ := mdoc.NewDeviceSession(devKey, engagement, mdoc.HandoverQR)
	got, err := holder.Establish(establishment)
	if err != nil {
		panic(err)
	}
	req, _ := mdoc.ParseDeviceRequest(got)
	fmt.Println("holder sees:", req.DocRequests[0].ItemsRequest.Elements())
	answer, _ := holder.Encrypt([]byte("a DeviceResponse"))

	// Reader: decrypt the answer, then end the session.
	plain, _, err := reader.Decrypt(answer)
	fmt.Printf("reader got %q, %v\n", plain, err)
	_, _, err = holder.Decrypt(reader.Terminate())
	fmt.Println("holder:", err)
	// Output:
	// holder sees: [{org.iso.23220.1 age_over_20 false}]
	// reader got "a DeviceResponse", <nil>
	// holder: mdoc: session status 20: session terminated by peer
}
