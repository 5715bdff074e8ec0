package myna_test

import (
	"fmt"
	"time"

	"taimen/verify/myna"
	"taimen/verify/myna/mynatest"
)

// A 照合番号B read verified against the configured J-LIS CA keys. In the app
// the files come from reader/myna and the keys from the trust configuration
// (myna.ParseCAKeys); here both come from the simulated card.
func ExampleVerifyCard() {
	pki, err := mynatest.NewPKI("example")
	if err != nil {
		panic(err)
	}
	card, err := mynatest.NewCard(pki, mynatest.Options{})
	if err != nil {
		panic(err)
	}
	nonce := []byte("a fresh nonce per read, 16+ B")
	in, err := card.Input(nonce) // the EFs as read and the chip's answers to 80 2A
	if err != nil {
		panic(err)
	}
	res, err := myna.VerifyCard(in, pki.CAKeys(), time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC))
	if err != nil {
		panic(err) // only a My Number file passed in
	}
	fmt.Println(res.Status)
	for _, c := range res.Checks {
		fmt.Println(c.ID, c.Status, c.Code)
	}
	fmt.Println(res.Person.Name, res.Person.BirthDate, res.Person.Sex, res.Person.Expiry, res.Person.Photo.MediaType)
	// Output:
	// valid
	// card_face_certificate valid ok
	// card_face_signature valid ok
	// text_certificate valid ok
	// text_signature valid ok
	// chip_challenge valid ok
	// text_chip_challenge valid ok
	// consistency valid ok
	// validity valid ok
	// 対面　太郎 1980-02-17 male 2035-02-17 image/jp2
}
