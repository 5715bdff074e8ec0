package mynacard

import (
	"taimen/verify/myna/mynatest"
)

// DefaultSignPassword is the 署名用パスワード of cards built by FromTest
// (a test value that follows the card's rules: upper case and digits).
const DefaultSignPassword = "TAIMEN2026"

// FromTest returns the Config of a card minted by mynatest (a test J-LIS
// PKI's card for a fictitious person): its files, chip keys, 照合番号B and
// My Number, with DefaultSignPassword. Tries are left at the default.
func FromTest(tc *mynatest.Card) Config {
	return Config{
		CodeB:        tc.CodeB,
		MyNumber:     tc.MyNumber,
		SignPassword: DefaultSignPassword,
		Files:        Files{Text: tc.Text, Face: tc.Visual, JPKI: tc.JPKI},
		FaceKey:      tc.VisualKey,
		TextKey:      tc.TextKey,
		SignKey:      tc.SignKey,
		AuthKey:      tc.AuthKey,
	}
}
