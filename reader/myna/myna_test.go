package myna

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"testing/iotest"

	"taimen/reader"
)

func TestParseCodeB(t *testing.T) {
	tests := []struct {
		in   string
		want CodeB
		part string // "" for success
	}{
		{"55021720352285", CodeB{"550217", "2035", "2285"}, ""},
		{"550217 2035 2285", CodeB{"550217", "2035", "2285"}, ""},
		{"550217-2035-2285", CodeB{"550217", "2035", "2285"}, ""},
		{"５５０２１７　２０３５　２２８５", CodeB{"550217", "2035", "2285"}, ""},
		{"010229 2030 0000", CodeB{"010229", "2030", "0000"}, ""}, // 29 Feb in any year
		{"5502172035228", CodeB{}, PartWhole},
		{"550217203522851", CodeB{}, PartWhole},
		{"", CodeB{}, PartWhole},
		{"55021720352a85", CodeB{}, PartWhole},
		{"551317 2035 2285", CodeB{}, PartBirthDate},
		{"550017 2035 2285", CodeB{}, PartBirthDate},
		{"550231 2035 2285", CodeB{}, PartBirthDate},
		{"550431 2035 2285", CodeB{}, PartBirthDate},
		{"550200 2035 2285", CodeB{}, PartBirthDate},
		{"550217 1980 2285", CodeB{}, PartExpiryYear},
		{"550217 2100 2285", CodeB{}, PartExpiryYear},
	}
	for _, tt := range tests {
		got, err := ParseCodeB(tt.in)
		if tt.part == "" {
			if err != nil || got != tt.want {
				t.Errorf("ParseCodeB(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
			continue
		}
		var ce *CodeBError
		if !errors.As(err, &ce) || ce.Part != tt.part || !errors.Is(err, ErrInvalidCodeB) {
			t.Errorf("ParseCodeB(%q) = %v; want a CodeBError on %s", tt.in, err, tt.part)
		}
	}
	c, _ := ParseCodeB("55021720352285")
	if c.String() != "55021720352285" {
		t.Errorf("String = %q", c.String())
	}
	if d := c.Describe(); !strings.Contains(d, "生年月日 550217") || !strings.Contains(d, "有効期限の年 2035") || !strings.Contains(d, "セキュリティコード 2285") {
		t.Errorf("Describe = %q", d)
	}
}

func TestCheckSignPassword(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"ABC123", true},
		{"A1B2C3D4E5F6G7H8", true},
		{"ABC12", false},             // too short
		{"A1B2C3D4E5F6G7H8I", false}, // too long
		{"abc123", false},            // lower case
		{"ABCDEF", false},            // no digit
		{"123456", false},            // no letter
		{"ABC-123", false},           // symbol
		{"ＡＢＣ１２３", false},            // full width
	}
	for _, tt := range tests {
		err := CheckSignPassword(tt.in)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrInvalidPassword)) {
			t.Errorf("CheckSignPassword(%q) = %v, want ok=%v", tt.in, err, tt.ok)
		}
	}
}

func TestParseHeader(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Header
		ok   bool
	}{
		{"one-byte tag", "\x30\x03abc", Header{0x30, 2, 3}, true},
		{"FF20 record", "\xFF\x20\x81\x96", Header{0xFF20, 4, 0x96}, true},
		{"7F21 certificate", "\x7F\x21\x82\x02\x33", Header{0x7F21, 5, 0x233}, true},
		{"three-byte tag", "\x5F\x81\x01\x00", Header{0x5F8101, 4, 0}, true},
		{"83 length", "\x30\x83\x01\x00\x00", Header{0x30, 5, 0x10000}, true},
		{"empty", "", Header{}, false},
		{"tag only", "\x30", Header{}, false},
		{"multi-byte tag cut", "\x7F", Header{}, false},
		{"filler", "\xFF\xFF\xFF\xFF\xFF\xFF\xFF", Header{}, false},
		{"indefinite", "\x30\x80", Header{}, false},
		{"84 length", "\x30\x84\x00\x00\x00\x01", Header{}, false},
		{"82 cut", "\x30\x82\x01", Header{}, false},
	}
	for _, tt := range tests {
		got, err := ParseHeader([]byte(tt.in))
		if tt.ok != (err == nil) || (err == nil && got != tt.want) {
			t.Errorf("%s: ParseHeader = %+v, %v; want %+v ok=%v", tt.name, got, err, tt.want, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrMalformedFile) {
			t.Errorf("%s: %v is not ErrMalformedFile", tt.name, err)
		}
	}
}

func TestSelectEFGuard(t *testing.T) {
	tests := []struct {
		app     App
		fid     uint16
		allowed bool
	}{
		{TextAP, TextEFMyNumber, false},
		{TextAP, TextKeyCodeA, false},
		{FaceAP, FaceEFMyNumber, false},
		{FaceAP, FaceKeyCodeA, false},
		// Same AID, another name: still the same application to the card.
		{App{"x", bytes.Clone(TextAP.AID)}, TextEFMyNumber, false},
		{TextAP, TextEFBasic, true},
		{TextAP, TextKeyCodeB, true},
		{FaceAP, 0x0001, true}, // the age record, not the My Number
		{FaceAP, FaceKeyCodeB, true},
		{JPKIAP, JPKIEFSignCert, true}, // EF0001 of the JPKI AP is a certificate
		{JPKIAP, 0x0005, true},
	}
	for _, tt := range tests {
		cmd, err := SelectEFCommand(tt.app, tt.fid)
		if tt.allowed {
			want := []byte{0x00, 0xA4, 0x02, 0x0C, 0x02, byte(tt.fid >> 8), byte(tt.fid)}
			if got, _ := cmd.EncodeShort(); err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s ef%04x: %x, %v; want %x", tt.app.Name, tt.fid, got, err, want)
			}
			continue
		}
		var fe *ForbiddenFileError
		if !errors.Is(err, ErrForbiddenFile) || !errors.As(err, &fe) || fe.FID != tt.fid {
			t.Errorf("%s ef%04x: %v, want a ForbiddenFileError", tt.app.Name, tt.fid, err)
		}
		if cmd.INS != 0 {
			t.Errorf("%s ef%04x: a command was built anyway", tt.app.Name, tt.fid)
		}
	}
}

func TestReadBinaryCommand(t *testing.T) {
	for _, off := range []int{0, 1, 0x100, 0x7FFF} {
		c, err := readBinaryCommand(off, 256)
		b, _ := c.EncodeShort()
		if err != nil || c.P1&0x80 != 0 || int(c.P1)<<8|int(c.P2) != off || !bytes.Equal(b[:2], []byte{0x00, 0xB0}) || b[4] != 0 {
			t.Errorf("offset %d: %x, %v", off, b, err)
		}
	}
	for _, off := range []int{-1, 0x8000, 0xFFFF} {
		if _, err := readBinaryCommand(off, 256); !errors.Is(err, ErrFileTooLarge) {
			t.Errorf("offset %d: %v, want ErrFileTooLarge", off, err)
		}
	}
}

func codeB(t *testing.T) CodeB {
	t.Helper()
	c, err := ParseCodeB(testCodeB)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func opts() Options { return Options{Rand: bytes.NewReader(bytes.Repeat([]byte{0x42}, NonceSize))} }

func TestReadFace(t *testing.T) {
	w := newWant()
	card := newFake(w, 10)
	got, err := ReadFace(context.Background(), card, codeB(t), opts())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		got, want []byte
	}{
		{"text basic", got.Text.Basic, w.textBasic},
		{"text integrity", got.Text.Integrity, w.textIntegrity},
		{"text cert", got.Text.Cert, w.textCert},
		{"text card key", got.Text.CardKey, w.textCardKey},
		{"face", got.Face.Face, w.face},
		{"face info", got.Face.Info, w.faceInfo},
		{"face cert", got.Face.Cert, w.faceCert},
		{"signature", got.Challenge.Signature, card.sig},
		{"nonce", got.Challenge.Nonce, bytes.Repeat([]byte{0x42}, NonceSize)},
	} {
		if !bytes.Equal(c.got, c.want) {
			t.Errorf("%s: got %d bytes, want %d", c.name, len(c.got), len(c.want))
		}
	}
	if !got.Apps.Text || !got.Apps.Face || !got.Apps.JPKI {
		t.Errorf("apps = %+v", got.Apps)
	}
	if !bytes.HasPrefix(got.Challenge.Signed, digestInfoSHA256) || len(got.Challenge.Signed) != 51 {
		t.Errorf("signed %x is not a SHA-256 DigestInfo", got.Challenge.Signed)
	}
	checkLog(t, card.log)
}

// checkLog asserts what every flow must respect: each VERIFY with data is
// right after an empty VERIFY (the retries query), reads are ≤ 256 bytes at
// 15-bit offsets, and no My Number file is ever selected.
func checkLog(t *testing.T, log []reader.Command) {
	t.Helper()
	for i, c := range log {
		switch c.INS {
		case 0x20:
			if len(c.Data) > 0 && (i == 0 || log[i-1].INS != 0x20 || len(log[i-1].Data) != 0) {
				t.Errorf("apdu %d: VERIFY without a retries query before it", i)
			}
		case 0xB0:
			if c.P1&0x80 != 0 || c.Ne < 1 || c.Ne > 256 {
				t.Errorf("apdu %d: READ BINARY p1 %02x ne %d", i, c.P1, c.Ne)
			}
		case 0xA4:
			if c.P1 == 0x02 && (bytes.Equal(c.Data, []byte{0, 1}) || bytes.Equal(c.Data, []byte{0, 5})) {
				// EF0001/EF0005 are legitimate only in the JPKI AP; find
				// the application selected before.
				for j := i - 1; j >= 0; j-- {
					if log[j].INS == 0xA4 && log[j].P1 == 0x04 {
						if !bytes.Equal(log[j].Data, JPKIAP.AID) {
							t.Errorf("apdu %d: selected ef%x in %x", i, c.Data, log[j].Data)
						}
						break
					}
				}
			}
		}
	}
}

func TestReadFaceRetries(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name       string
		tries      int
		allowLast  bool
		code       string
		wantErr    func(error) bool
		wantVerify int // VERIFY commands with data sent
		wantLeft   int // tries left on the text AP afterwards
	}{
		{"two left is enough", 2, false, testCodeB, func(e error) bool { return e == nil }, 2, 2},
		{"one left refused", 1, false, testCodeB, func(e error) bool {
			var rl *ErrRetriesLow
			return errors.As(e, &rl) && rl.Left == 1 && strings.Contains(e.Error(), "1 tries left")
		}, 0, 1},
		{"one left allowed", 1, true, testCodeB, func(e error) bool { return e == nil }, 2, 1},
		{"blocked", 0, true, testCodeB, func(e error) bool { return errors.Is(e, ErrBlocked) }, 0, 0},
		{"wrong code", 5, false, "55021720352286", func(e error) bool {
			var re *reader.RetriesError
			return errors.Is(e, ErrWrongSecret) && errors.As(e, &re) && re.Left == 4
		}, 1, 4},
		{"wrong code on the last try", 1, true, "55021720352286", func(e error) bool {
			var re *reader.RetriesError
			return errors.Is(e, ErrWrongSecret) && errors.As(e, &re) && re.Left == 0
		}, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			card := newFake(newWant(), tt.tries)
			c, err := ParseCodeB(tt.code)
			if err != nil {
				t.Fatal(err)
			}
			o := opts()
			o.AllowLastTry = tt.allowLast
			_, err = ReadFace(ctx, card, c, o)
			if !tt.wantErr(err) {
				t.Fatalf("err = %v", err)
			}
			n := 0
			for _, c := range card.log {
				if c.INS == 0x20 && len(c.Data) > 0 {
					n++
				}
			}
			if n != tt.wantVerify {
				t.Errorf("%d VERIFY sent, want %d", n, tt.wantVerify)
			}
			// The fake does not reset counters on success; what matters is
			// that only wrong codes spend tries.
			if k := card.keys[hexAID(TextAP)+"/0015"]; k.left != tt.wantLeft {
				t.Errorf("text ap tries left %d, want %d", k.left, tt.wantLeft)
			}
			checkLog(t, card.log)
		})
	}
}

func hexAID(a App) string { return hex.EncodeToString(a.AID) }

func TestAlreadyVerified(t *testing.T) {
	card := newFake(newWant(), 3)
	for _, k := range card.keys {
		k.verified = true
	}
	if _, err := ReadFace(context.Background(), card, codeB(t), opts()); err != nil {
		t.Fatal(err)
	}
	for _, c := range card.log {
		if c.INS == 0x20 && len(c.Data) > 0 {
			t.Fatal("sent the secret to a card that said it was verified")
		}
	}
}

func TestNotMyNumberCard(t *testing.T) {
	card := &fakeCard{files: map[string]map[uint16][]byte{"a000000003": {}}}
	_, err := ReadFace(context.Background(), card, codeB(t), opts())
	if !errors.Is(err, ErrNotMyNumberCard) {
		t.Fatalf("err = %v", err)
	}
	if _, err := Detect(context.Background(), card); !errors.Is(err, ErrNotMyNumberCard) {
		t.Fatalf("Detect: %v", err)
	}
	// A phone's JPKI-only card is detected, but cannot give a card face.
	card = newFake(newWant(), 3)
	delete(card.files, hexAID(TextAP))
	delete(card.files, hexAID(FaceAP))
	a, err := Detect(context.Background(), card)
	if err != nil || a != (Apps{JPKI: true}) {
		t.Fatalf("Detect = %+v, %v", a, err)
	}
	if _, err := ReadFace(context.Background(), card, codeB(t), opts()); !errors.Is(err, ErrNotMyNumberCard) {
		t.Fatalf("ReadFace on a JPKI-only card: %v", err)
	}
}

func TestTransportErrorsPropagate(t *testing.T) {
	// Count the APDUs of a good read, then fail at each index in turn.
	card := newFake(newWant(), 10)
	if _, err := ReadFace(context.Background(), card, codeB(t), opts()); err != nil {
		t.Fatal(err)
	}
	n := len(card.log)
	for i := 0; i <= n; i++ {
		for _, sentinel := range []error{reader.ErrCardRemoved, reader.ErrTransactionFailed} {
			card := newFake(newWant(), 10)
			card.fail = func(j int) error {
				if j >= i {
					return sentinel
				}
				return nil
			}
			_, err := ReadFace(context.Background(), card, codeB(t), opts())
			if i == n {
				if err != nil {
					t.Fatalf("no failure injected, got %v", err)
				}
				continue
			}
			if !errors.Is(err, sentinel) {
				t.Fatalf("failing at apdu %d: %v, want %v", i, err, sentinel)
			}
		}
	}
}

func TestMalformedFiles(t *testing.T) {
	tx, fa := hexAID(TextAP), hexAID(FaceAP)
	tests := []struct {
		name  string
		edit  func(f *fakeCard)
		isErr error
	}{
		{"truncated", func(f *fakeCard) { f.files[tx][2] = f.files[tx][2][:100] }, ErrMalformedFile},
		{"filler only", func(f *fakeCard) { f.files[fa][2] = bytes.Repeat([]byte{0xFF}, 64) }, ErrMalformedFile},
		{"empty file", func(f *fakeCard) { f.files[fa][4] = nil }, ErrMalformedFile},
		{"too large", func(f *fakeCard) { f.files[fa][2] = []byte{0xFF, 0x20, 0x83, 0x01, 0x00, 0x00, 0x00} }, ErrFileTooLarge},
		{"protected", func(f *fakeCard) { f.sw = map[string]uint16{fa + "/0003": 0x6982} }, reader.ErrSecurityStatus},
		{"missing file", func(f *fakeCard) { delete(f.files[tx], 7) }, reader.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			card := newFake(newWant(), 10)
			tt.edit(card)
			_, err := ReadFace(context.Background(), card, codeB(t), opts())
			if !errors.Is(err, tt.isErr) {
				t.Fatalf("err = %v, want %v", err, tt.isErr)
			}
		})
	}
}

func TestReadFaceBadInput(t *testing.T) {
	card := newFake(newWant(), 10)
	if _, err := ReadFace(context.Background(), card, CodeB{"551317", "2035", "2285"}, opts()); !errors.Is(err, ErrInvalidCodeB) {
		t.Fatalf("hand-made bad code: %v", err)
	}
	if _, err := ReadFace(context.Background(), card, codeB(t), Options{Rand: iotest.ErrReader(errors.New("no"))}); !errors.Is(err, ErrNoRandom) {
		t.Fatalf("broken rand: %v", err)
	}
	if len(card.log) != 0 {
		t.Fatalf("%d apdus sent for bad input", len(card.log))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ReadFace(ctx, card, codeB(t), opts()); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestReadSignCert(t *testing.T) {
	w := newWant()
	card := newFake(w, 10)
	got, err := ReadSignCert(context.Background(), card, "ABC123", opts())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Cert, w.signCert) || !bytes.Equal(got.CACert, w.signCA) || !bytes.Equal(got.Challenge.Signature, card.sig) {
		t.Fatalf("got %d/%d/%d bytes", len(got.Cert), len(got.CACert), len(got.Challenge.Signature))
	}
	last := card.log[len(card.log)-1]
	if last.CLA != 0x80 || last.INS != 0x2A || last.P2 != 0x80 || !bytes.HasPrefix(last.Data, digestInfoSHA256) {
		t.Fatalf("last command %+v", last)
	}
	checkLog(t, card.log)

	// Wrong password: one try spent; bad shape: nothing sent.
	card = newFake(w, 10)
	_, err = ReadSignCert(context.Background(), card, "ABC124", opts())
	var re *reader.RetriesError
	if !errors.Is(err, ErrWrongSecret) || !errors.As(err, &re) || re.Left != 4 {
		t.Fatalf("wrong password: %v", err)
	}
	card = newFake(w, 10)
	if _, err := ReadSignCert(context.Background(), card, "abc123", opts()); !errors.Is(err, ErrInvalidPassword) || len(card.log) != 0 {
		t.Fatalf("bad password: %v after %d apdus", err, len(card.log))
	}
	card = newFake(w, 10)
	card.keys[hexAID(JPKIAP)+"/001b"].left = 1
	var rl *ErrRetriesLow
	if _, err := ReadSignCert(context.Background(), card, "ABC123", opts()); !errors.As(err, &rl) || rl.Left != 1 {
		t.Fatalf("one try left: %v", err)
	}
}

func TestOddAnswers(t *testing.T) {
	tests := []struct {
		name string
		edit func(*fakeCard)
		ok   func(error) bool
	}{
		{"first command 6F00", func(f *fakeCard) { f.mute = true }, func(e error) bool { return e == nil }},
		{"no count kept (6300)", func(f *fakeCard) { f.query = 0x6300 }, func(e error) bool { return e == nil }},
		{"blocked 6984", func(f *fakeCard) { f.query = 0x6984 }, func(e error) bool {
			var be *BlockedError
			return errors.As(e, &be) && be.SW == 0x6984 && errors.Is(e, ErrBlocked)
		}},
		{"blocked 6983", func(f *fakeCard) { f.query = 0x6983 }, func(e error) bool { return errors.Is(e, ErrBlocked) }},
		{"query refused", func(f *fakeCard) { f.query = 0x6A88 }, func(e error) bool {
			return errors.Is(e, ErrUnexpectedStatus) && errors.Is(e, reader.ErrNotFound)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			card := newFake(newWant(), 10)
			tt.edit(card)
			_, err := ReadFace(context.Background(), card, codeB(t), opts())
			if !tt.ok(err) {
				t.Fatalf("err = %v", err)
			}
			checkLog(t, card.log)
		})
	}
}

func TestCheckTries(t *testing.T) {
	card := newFake(newWant(), 7)
	tr, err := CheckTries(context.Background(), card, CodeBFace)
	if err != nil || tr != (Tries{Left: 7, SW: 0x63C7}) {
		t.Fatalf("CheckTries = %+v, %v", tr, err)
	}
	card.keys[hexAID(FaceAP)+"/0012"].left = 0
	if tr, err = CheckTries(context.Background(), card, CodeBFace); err != nil || !tr.Blocked {
		t.Fatalf("blocked: %+v, %v", tr, err)
	}
}
