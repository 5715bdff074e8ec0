package mynatest_test

import (
	"bytes"
	"testing"

	"taimen/verify/myna/mynatest"
)

// TestLayout pins the physical sizes the research reports for real cards
// and the 照合番号B of the default holder.
func TestLayout(t *testing.T) {
	pki, err := mynatest.NewPKI("layout")
	if err != nil {
		t.Fatal(err)
	}
	c, err := mynatest.NewCard(pki, mynatest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		b    []byte
		n    int
		head []byte
	}{
		{"text EF0001 (17 B physical)", c.Text[0x0001], 17, []byte{0xFF, 0x10, 0x0C}},
		{"text EF0003 (336 B)", c.Text[0x0003], 336, []byte{0xFF, 0x30, 0x82, 0x01, 0x4B}},
		{"text EF0004 (568 B)", c.Text[0x0004], 568, []byte{0x7F, 0x21, 0x82, 0x02, 0x33, 0x5F, 0x4E, 0x82, 0x01, 0x29}},
		{"face EF0004 (568 B)", c.Visual[0x0004], 568, []byte{0x7F, 0x21, 0x82, 0x02, 0x33}},
		{"jpki EF0008", c.JPKI[0x0008], 3, []byte{0x8F, 0x8F, 0x00}},
		{"jpki EF0006", c.JPKI[0x0006], 160, []byte("JPKIAPICCTOKEN2")},
	} {
		if len(tc.b) != tc.n || !bytes.HasPrefix(tc.b, tc.head) {
			t.Errorf("%s: %d bytes % X", tc.name, len(tc.b), tc.b[:min(len(tc.b), 10)])
		}
	}
	if c.CodeB != "55021720351234" { // 昭和55-02-17, expiry 2035, code 1234
		t.Errorf("code B %s", c.CodeB)
	}
	if !bytes.Contains(c.Text[0x0001], []byte(mynatest.DefaultMyNumber)) {
		t.Error("EF0001 lacks the my number")
	}
	for ap, files := range map[string]map[uint16][]byte{"visual": c.Visual, "jpki": c.JPKI} {
		for fid, b := range files {
			if bytes.Contains(b, []byte(mynatest.DefaultMyNumber)) {
				t.Errorf("%s %04X holds the my number", ap, fid)
			}
		}
	}
	for fid, b := range c.Text {
		if fid != 0x0001 && bytes.Contains(b, []byte(mynatest.DefaultMyNumber)) {
			t.Errorf("text %04X holds the my number", fid)
		}
	}
}

// TestDeterministic: the same seeds give the same card, byte for byte;
// another PKI seed gives other keys.
func TestDeterministic(t *testing.T) {
	mint := func(seed string) *mynatest.Card {
		pki, err := mynatest.NewPKI(seed)
		if err != nil {
			t.Fatal(err)
		}
		c, err := mynatest.NewCard(pki, mynatest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	a, b, other := mint("det"), mint("det"), mint("det2")
	for fid := range a.Visual {
		if !bytes.Equal(a.Visual[fid], b.Visual[fid]) {
			t.Errorf("visual %04X differs", fid)
		}
	}
	if !bytes.Equal(a.JPKI[0x0001], b.JPKI[0x0001]) || a.VisualKey.N.Cmp(b.VisualKey.N) != 0 {
		t.Error("jpki or keys differ")
	}
	if a.VisualKey.N.Cmp(other.VisualKey.N) == 0 || bytes.Equal(a.Visual[0x0004], other.Visual[0x0004]) {
		t.Error("another seed gave the same keys")
	}
}

func TestCodeB(t *testing.T) {
	for _, tc := range []struct {
		birth, want string
	}{
		{"19800217", "55021720351234"}, // 昭和55 (research §1.6 example)
		{"19890107", "64010720351234"}, // last day of 昭和
		{"19890108", "01010820351234"}, // 平成元年
		{"20190501", "01050120351234"}, // 令和元年
		{"20190430", "31043020351234"}, // 平成31
	} {
		p := mynatest.Taro
		p.BirthDate = tc.birth
		got, err := mynatest.CodeB(p)
		if err != nil || got != tc.want {
			t.Errorf("%s: %s %v, want %s", tc.birth, got, err, tc.want)
		}
	}
	p := mynatest.Taro
	p.SecurityCode = "12"
	if _, err := mynatest.CodeB(p); err == nil {
		t.Error("short security code accepted")
	}
}
