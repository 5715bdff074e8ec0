package reader

import "testing"

func TestSnapshotEqual(t *testing.T) {
	base := Snapshot{Service: true, Readers: []ReaderStatus{
		{Name: "A", CardPresent: true, ATR: []byte{0x3B, 1}},
		{Name: "B"},
	}}
	clone := func() Snapshot {
		c := base
		c.Readers = append([]ReaderStatus(nil), base.Readers...)
		return c
	}
	if !base.Equal(clone()) {
		t.Fatal("copy not equal")
	}
	changes := map[string]func(*Snapshot){
		"service":  func(s *Snapshot) { s.Service = false },
		"reader":   func(s *Snapshot) { s.Readers = s.Readers[:1] },
		"name":     func(s *Snapshot) { s.Readers[1].Name = "C" },
		"presence": func(s *Snapshot) { s.Readers[1].CardPresent = true },
		"atr":      func(s *Snapshot) { s.Readers[0].ATR = []byte{0x3B, 2} },
		"in use":   func(s *Snapshot) { s.Readers[0].InUse = true },
	}
	for name, change := range changes {
		c := clone()
		change(&c)
		if base.Equal(c) || c.Equal(base) {
			t.Errorf("%s change not seen", name)
		}
	}
	if r, ok := base.Reader("B"); !ok || r.Name != "B" {
		t.Error("Reader(B) not found")
	}
	if _, ok := base.Reader("Z"); ok {
		t.Error("Reader(Z) found")
	}
}
