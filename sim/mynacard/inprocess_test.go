package mynacard_test

import (
	"bytes"
	"context"
	"maps"
	"testing"

	"taimen/reader"
	rmyna "taimen/reader/myna"
	"taimen/sim/mynacard"
	"taimen/verify"
	vmyna "taimen/verify/myna"
)

// inProcess is the card as a reader.Card without pcscd, through the same
// Transceiver the PC/SC connection uses.
func inProcess(c *mynacard.Card) reader.Card {
	return reader.NewTransceiver(func(b []byte) ([]byte, error) { return c.APDU(b), nil }, rmyna.TransceiverOptions)
}

func TestReadFaceInProcess(t *testing.T) {
	tc := minted(t)
	tests := []struct {
		name string
		edit func(*mynacard.Config)
	}{
		{"as minted", func(*mynacard.Config) {}},
		{"first command answered 6F00", func(c *mynacard.Config) { c.Mute6F00 = true }},
		{"extra filler", func(c *mynacard.Config) { c.Filler = 300 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := mynacard.FromTest(tc)
			tt.edit(&cfg)
			card, err := mynacard.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			got, err := rmyna.ReadFace(context.Background(), inProcess(card), codeB(t, tc.CodeB), rmyna.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Face.Face) == 0 || len(got.Text.Basic) == 0 || len(got.Challenge.Signature) != 256 {
				t.Fatalf("incomplete read: %d/%d/%d bytes", len(got.Face.Face), len(got.Text.Basic), len(got.Challenge.Signature))
			}
			noMyNumber(t, card)
		})
	}
}

func BenchmarkReadFaceInProcess(b *testing.B) {
	tc := minted(b)
	card := newSim(b, 10)
	c := inProcess(card)
	code := codeB(b, tc.CodeB)
	for b.Loop() {
		card.Power(false) // each read starts unverified, as after a new tap
		if _, err := rmyna.ReadFace(context.Background(), c, code, rmyna.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestTamperedCardInProcess changes one record on the simulated card at a
// time: the reader still reads it (it checks nothing), and the verifier
// marks exactly the affected check invalid while unrelated ones stay valid.
func TestTamperedCardInProcess(t *testing.T) {
	tc := minted(t)
	flipAfter := func(m map[uint16][]byte, fid uint16, tag []byte, skip int) func() {
		return func() {
			b := bytes.Clone(m[fid])
			i := bytes.Index(b, tag)
			if i < 0 {
				t.Fatalf("ef%04x has no %x", fid, tag)
			}
			b[i+skip] ^= 0x01
			m[fid] = b
		}
	}
	flipLast := func(m map[uint16][]byte, fid uint16) func() {
		return func() {
			b := bytes.Clone(m[fid])
			h, err := rmyna.ParseHeader(b)
			if err != nil {
				t.Fatal(err)
			}
			b[h.Total()-1] ^= 0x01
			m[fid] = b
		}
	}
	tests := []struct {
		name    string
		edit    func(cfg *mynacard.Config) func()
		invalid string
		valid   []string
	}{
		{"card face photo", func(c *mynacard.Config) func() { return flipAfter(c.Files.Face, 0x0002, []byte{0xDF, 0x27}, 10) },
			vmyna.CheckCardFaceSignature, []string{vmyna.CheckCardFaceCertificate, vmyna.CheckTextCertificate, vmyna.CheckTextSignature}},
		{"card face certificate", func(c *mynacard.Config) func() { return flipLast(c.Files.Face, 0x0004) },
			vmyna.CheckCardFaceCertificate, []string{vmyna.CheckTextCertificate, vmyna.CheckTextSignature}},
		{"text name", func(c *mynacard.Config) func() { return flipAfter(c.Files.Text, 0x0002, []byte{0xDF, 0x22}, 3) },
			vmyna.CheckTextSignature, []string{vmyna.CheckCardFaceCertificate, vmyna.CheckCardFaceSignature, vmyna.CheckTextCertificate, vmyna.CheckChipChallenge}},
		{"text integrity signature", func(c *mynacard.Config) func() { return flipLast(c.Files.Text, 0x0003) },
			vmyna.CheckTextSignature, []string{vmyna.CheckCardFaceSignature, vmyna.CheckTextCertificate, vmyna.CheckChipChallenge}},
		{"text certificate", func(c *mynacard.Config) func() { return flipLast(c.Files.Text, 0x0004) },
			vmyna.CheckTextCertificate, []string{vmyna.CheckCardFaceCertificate, vmyna.CheckCardFaceSignature, vmyna.CheckChipChallenge}},
		{"cloned files, other chip", func(c *mynacard.Config) func() { return func() { c.FaceKey = c.TextKey } },
			vmyna.CheckChipChallenge, []string{vmyna.CheckCardFaceSignature, vmyna.CheckTextSignature}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := mynacard.FromTest(tc)
			// Copy the maps: the minted card is shared by every test.
			cfg.Files.Face, cfg.Files.Text = maps.Clone(cfg.Files.Face), maps.Clone(cfg.Files.Text)
			tt.edit(&cfg)()
			card, err := mynacard.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			got, err := rmyna.ReadFace(context.Background(), inProcess(card), codeB(t, tc.CodeB), rmyna.Options{})
			if err != nil {
				t.Fatalf("the reader refused a tampered card (it checks nothing): %v", err)
			}
			res, err := vmyna.VerifyCard(inputOf(got), testPKI.CAKeys(), verifyAt)
			if err != nil {
				t.Fatal(err)
			}
			if res.Valid {
				t.Fatal("a tampered card verified")
			}
			status := map[string]verify.Status{}
			for _, c := range res.Checks {
				status[c.ID] = c.Status
			}
			if status[tt.invalid] != verify.StatusInvalid {
				t.Errorf("%s = %q, want invalid (checks %+v)", tt.invalid, status[tt.invalid], res.Checks)
			}
			for _, id := range tt.valid {
				if status[id] != verify.StatusValid {
					t.Errorf("%s = %q, want valid", id, status[id])
				}
			}
		})
	}
}

// inputOf is the glue the app does between reader/myna and verify/myna.
func inputOf(r *rmyna.FaceRead) *vmyna.Input {
	return &vmyna.Input{
		CardFaceCert: r.Face.Cert, CardFace: r.Face.Face,
		TextCert: r.Text.Cert, Text: r.Text.Basic, TextIntegrity: r.Text.Integrity,
		Nonce: r.Challenge.Nonce, ChallengeSignature: r.Challenge.Signature,
	}
}
