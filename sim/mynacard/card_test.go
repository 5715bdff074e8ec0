package mynacard

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"testing"

	"taimen/reader"
)

var (
	keyOnce sync.Once
	testKey *rsa.PrivateKey
)

func key(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	keyOnce.Do(func() {
		var err error
		if testKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return testKey
}

const (
	goodB   = "55021720352285"
	wrongB  = "55021720352286"
	myNum   = "987654321012"
	signPwd = "ABC123"
)

func tlvBytes(tag []byte, n int) []byte {
	v := bytes.Repeat([]byte{0x5A}, n)
	var l []byte
	switch {
	case n < 0x80:
		l = []byte{byte(n)}
	case n < 0x100:
		l = []byte{0x81, byte(n)}
	default:
		l = []byte{0x82, byte(n >> 8), byte(n)}
	}
	return append(append(append([]byte{}, tag...), l...), v...)
}

func testConfig(t testing.TB) Config {
	k := key(t)
	return Config{
		CodeB: goodB, MyNumber: myNum, CodeBTries: 3, SignPassword: signPwd,
		Files: Files{
			Text: map[uint16][]byte{
				0x0001: append([]byte{0xFF, 0x10, 0x0C}, myNum...),
				0x0002: tlvBytes([]byte{0xFF, 0x20}, 100),
				0x0004: tlvBytes([]byte{0x7F, 0x21}, 0x233),
			},
			Face: map[uint16][]byte{
				0x0002: tlvBytes([]byte{0xFF, 0x20}, 3000),
				0x0004: tlvBytes([]byte{0x7F, 0x21}, 0x233),
				0x0005: tlvBytes([]byte{0xFF, 0x40}, 50),
			},
			JPKI: map[uint16][]byte{
				0x0001: tlvBytes([]byte{0x30}, 1000),
				0x0006: bytes.Repeat([]byte{0x20}, 160),
			},
		},
		Filler:  16,
		FaceKey: k, TextKey: k, SignKey: k, AuthKey: k,
	}
}

func newCard(t testing.TB) *Card {
	t.Helper()
	c, err := New(testConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func apdu(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// step is one APDU and the status (and optionally data) the card must give.
type step struct {
	cmd  string
	sw   uint16
	data string // hex prefix of the data, "" for any
	n    int    // data length, -1 for any
}

func run(t *testing.T, c *Card, steps []step) {
	t.Helper()
	for i, s := range steps {
		r, err := reader.ParseResponse(c.APDU(apdu(s.cmd)))
		if err != nil {
			t.Fatalf("step %d %s: %v", i, s.cmd, err)
		}
		if r.SW != s.sw {
			t.Fatalf("step %d %s: sw %04x, want %04x", i, s.cmd, r.SW, s.sw)
		}
		if s.n >= 0 && len(r.Data) != s.n {
			t.Fatalf("step %d %s: %d data bytes, want %d", i, s.cmd, len(r.Data), s.n)
		}
		if s.data != "" && !bytes.HasPrefix(r.Data, apdu(s.data)) {
			t.Fatalf("step %d %s: data %x, want prefix %s", i, s.cmd, r.Data, s.data)
		}
	}
}

const (
	selText = "00A4040C0AD3921000310001010408"
	selFace = "00A4040C0AD3921000310001010402"
	selJPKI = "00A4040C0AD392F000260100000001"
	verify  = "00200080"
)

func hexOf(s string) string { return hex.EncodeToString([]byte(s)) }

func TestAPDUs(t *testing.T) {
	codeB := verify + "0E" + hexOf(goodB)
	wrong := verify + "0E" + hexOf(wrongB)
	tests := []struct {
		name  string
		steps []step
	}{
		{"unknown aid", []step{{"00A4040C05A000000003", 0x6A82, "", 0}}},
		{"select mf unsupported", []step{{"00A40000", 0x6A86, "", 0}}},
		{"logical channel", []step{{"01A4040C0AD3921000310001010408", 0x6881, "", 0}}},
		{"chaining", []step{{"10A4040C0AD3921000310001010408", 0x6884, "", 0}}},
		{"bad class", []step{{"A0A4040C0AD3921000310001010408", 0x6E00, "", 0}}},
		{"unknown ins", []step{{selText, 0x9000, "", 0}, {"00CA5F5100", 0x6D00, "", 0}}},
		{"malformed", []step{{"00A404", 0x6700, "", 0}}},
		{"no such ef", []step{{selText, 0x9000, "", 0}, {"00A4020C020099", 0x6A82, "", 0}}},
		{"ef before app", []step{{"00A4020C020002", 0x6A82, "", 0}}},
		{"free file", []step{{selText, 0x9000, "", 0}, {"00A4020C020004", 0x9000, "", 0}, {"00B0000007", 0x9000, "7F218202335A5A", 7}}},
		{"protected before verify", []step{{selText, 0x9000, "", 0}, {"00A4020C020002", 0x9000, "", 0}, {"00B0000000", 0x6982, "", 0}}},
		{"retries query", []step{{selText, 0x9000, "", 0}, {"00A4020C020015", 0x9000, "", 0}, {verify, 0x63C3, "", 0}}},
		{"verify without key ef", []step{{selText, 0x9000, "", 0}, {"00A4020C020002", 0x9000, "", 0}, {codeB, 0x6986, "", 0}}},
		{"code b opens the text", []step{
			{selText, 0x9000, "", 0}, {"00A4020C020015", 0x9000, "", 0}, {codeB, 0x9000, "", 0}, {verify, 0x9000, "", 0},
			{"00A4020C020002", 0x9000, "", 0}, {"00B0000000", 0x9000, "FF2064", 103 + 16},
			{"00B0006010", 0x9000, "", 16}, {"00B0007010", 0x9000, "", 7}, {"00B00100FF", 0x6B00, "", 0},
		}},
		{"code b never opens the my number", []step{
			{selText, 0x9000, "", 0}, {"00A4020C020015", 0x9000, "", 0}, {codeB, 0x9000, "", 0},
			{"00A4020C020001", 0x9000, "", 0}, {"00B0000000", 0x6982, "", 0},
			{"00B0810000", 0x6982, "", 0}, // by short EF identifier too
			{selFace, 0x9000, "", 0}, {"00A4020C020012", 0x9000, "", 0}, {codeB, 0x9000, "", 0},
			{"00A4020C020005", 0x9000, "", 0}, {"00B0000000", 0x6982, "", 0},
		}},
		{"code a opens the my number", []step{
			{selText, 0x9000, "", 0}, {"00A4020C020014", 0x9000, "", 0}, {verify + "0C" + hexOf(myNum), 0x9000, "", 0},
			{"00A4020C020001", 0x9000, "", 0}, {"00B0000000", 0x9000, "FF100C", -1},
		}},
		{"code b is per application", []step{
			{selText, 0x9000, "", 0}, {"00A4020C020015", 0x9000, "", 0}, {codeB, 0x9000, "", 0},
			{selFace, 0x9000, "", 0}, {"00A4020C020002", 0x9000, "", 0}, {"00B0000000", 0x6982, "", 0},
		}},
		{"wrong codes count down and block", []step{
			{selFace, 0x9000, "", 0}, {"00A4020C020012", 0x9000, "", 0},
			{wrong, 0x63C2, "", 0}, {verify, 0x63C2, "", 0}, {wrong, 0x63C1, "", 0}, {wrong, 0x63C0, "", 0},
			{verify, 0x63C0, "", 0}, {codeB, 0x6984, "", 0}, {wrong, 0x6984, "", 0},
		}},
		{"right code resets the counter", []step{
			{selFace, 0x9000, "", 0}, {"00A4020C020012", 0x9000, "", 0},
			{wrong, 0x63C2, "", 0}, {codeB, 0x9000, "", 0}, {wrong, 0x63C2, "", 0}, {verify, 0x63C2, "", 0},
		}},
		{"verify by short id", []step{{selFace, 0x9000, "", 0}, {"00200092", 0x63C3, "", 0}}},
		{"read by short id", []step{{selFace, 0x9000, "", 0}, {"00B0840000", 0x9000, "7F21", -1}}},
		{"read key ef", []step{{selFace, 0x9000, "", 0}, {"00A4020C020012", 0x9000, "", 0}, {"00B0000000", 0x6981, "", 0}}},
		{"read without le", []step{{selFace, 0x9000, "", 0}, {"00A4020C020004", 0x9000, "", 0}, {"00B00000", 0x6700, "", 0}}},
		{"read without ef", []step{{selFace, 0x9000, "", 0}, {"00B0000000", 0x6986, "", 0}}},
		{"face challenge without pin", []step{{selFace, 0x9000, "", 0}, {"802A000033" + "3031300D060960864801650304020105000420" + hex.EncodeToString(make([]byte, 32)) + "00", 0x9000, "", 256}}},
		{"sign key needs the password", []step{
			{selJPKI, 0x9000, "", 0}, {"00A4020C02001A", 0x9000, "", 0}, {"802A00800401020304" + "00", 0x6982, "", 0},
			{"00A4020C02001B", 0x9000, "", 0}, {verify, 0x63C5, "", 0}, {verify + "06" + hexOf(signPwd), 0x9000, "", 0},
			{"00A4020C02001A", 0x9000, "", 0}, {"802A00800401020304" + "00", 0x9000, "", 256},
			{"00A4020C020001", 0x9000, "", 0}, {"00B0000004", 0x9000, "308203E8", 4},
		}},
		{"token info free", []step{{selJPKI, 0x9000, "", 0}, {"00A4020C020006", 0x9000, "", 0}, {"00B00000A0", 0x9000, "", 160}}},
		{"get challenge", []step{{"0084000008", 0x9000, "", 8}}},
		{"read sign key", []step{{selJPKI, 0x9000, "", 0}, {"00A4020C02001A", 0x9000, "", 0}, {"00B0000000", 0x6981, "", 0}}},
		{"no ef0005 in jpki", []step{{selJPKI, 0x9000, "", 0}, {"00A4020C020005", 0x6A82, "", 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { run(t, newCard(t), tt.steps) })
	}
}

func TestChallengeSignature(t *testing.T) {
	c := newCard(t)
	h := sha256.Sum256([]byte("nonce"))
	di := append(apdu("3031300D060960864801650304020105000420"), h[:]...)
	run(t, c, []step{{selFace, 0x9000, "", 0}})
	cmd, _ := reader.Command{CLA: 0x80, INS: 0x2A, Data: di, Ne: 256}.EncodeShort()
	r, _ := reader.ParseResponse(c.APDU(cmd))
	if err := rsa.VerifyPKCS1v15(&key(t).PublicKey, crypto.SHA256, h[:], r.Data); err != nil {
		t.Fatalf("signature %x: %v", r.Data, err)
	}
}

func TestPowerAndReset(t *testing.T) {
	c := newCard(t)
	open := []step{{selText, 0x9000, "", 0}, {"00A4020C020015", 0x9000, "", 0}, {verify + "0E" + hexOf(goodB), 0x9000, "", 0}}
	run(t, c, open)
	c.Reset() // warm reset: verification holds, selection is gone
	run(t, c, []step{{"00B0000000", 0x6986, "", 0}, {selText, 0x9000, "", 0}, {"00A4020C020002", 0x9000, "", 0}, {"00B0000000", 0x9000, "", -1}})
	c.Power(false)
	c.Power(true)
	run(t, c, []step{{selText, 0x9000, "", 0}, {"00A4020C020002", 0x9000, "", 0}, {"00B0000000", 0x6982, "", 0}})
}

func TestLogAndTries(t *testing.T) {
	c := newCard(t)
	var seen []int
	var answered []Entry
	c.SetHook(func(i int, _ []byte) { seen = append(seen, i) })
	c.SetAnswerHook(func(e Entry) { answered = append(answered, e) })
	run(t, c, []step{
		{selFace, 0x9000, "", 0}, {"00A4020C020012", 0x9000, "", 0}, {verify + "0E" + hexOf(wrongB), 0x63C2, "", 0},
		{"00A4020C020005", 0x9000, "", 0}, {"00B0810000", 0x6A82, "", 0},
	})
	if c.Tries(CredCodeBFace) != 2 || c.Tries(CredCodeBText) != 3 {
		t.Fatalf("tries %d/%d", c.Tries(CredCodeBFace), c.Tries(CredCodeBText))
	}
	want := []Selection{{nameFace, 0x0012}, {nameFace, 0x0005}, {nameFace, 0x0001}}
	got := c.Selections()
	if len(got) != len(want) {
		t.Fatalf("selections %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("selections %+v, want %+v", got, want)
		}
	}
	if len(seen) != 5 || seen[4] != 4 || len(c.Log()) != 5 || c.Log()[2].SW != 0x63C2 {
		t.Fatalf("hook saw %v, log %+v", seen, c.Log())
	}
	if len(answered) != 5 || answered[3].EF != 0x0005 || answered[4].SW != 0x6A82 || answered[3].App != nameFace {
		t.Fatalf("answer hook saw %+v", answered)
	}
}

func TestNewRejects(t *testing.T) {
	for _, edit := range []func(*Config){
		func(c *Config) { c.CodeB = "123" },
		func(c *Config) { c.CodeB = "5502172035228x" },
		func(c *Config) { c.MyNumber = "12345678901" },
		func(c *Config) { c.CodeBTries = 16 },
		func(c *Config) { c.CodeBTries = -1 },
	} {
		cfg := testConfig(t)
		edit(&cfg)
		if _, err := New(cfg); err == nil {
			t.Errorf("New accepted %+v", cfg.CodeB)
		}
	}
}
