package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"taimen/app"
	"taimen/reader"
	"taimen/reader/pcsc"
)

func TestRunArguments(t *testing.T) {
	tests := []struct {
		name string
		args []string
		exit int
		want string
	}{
		{"unknown flag", []string{"--bogus"}, 2, "unknown argument"},
		{"stray word", []string{"verfy"}, 2, "unknown argument"},
		{"help lists commands", []string{"help"}, 2, "taimen verify"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if got := run(tc.args, &out, &errb); got != tc.exit {
				t.Fatalf("exit %d, want %d", got, tc.exit)
			}
			if !strings.Contains(errb.String(), tc.want) {
				t.Fatalf("stderr %q lacks %q", errb.String(), tc.want)
			}
		})
	}
}

type fixedSource struct{ snap *reader.Snapshot }

func (f fixedSource) Run(ctx context.Context, onChange func(reader.Snapshot)) error {
	if f.snap != nil {
		onChange(*f.snap)
	}
	<-ctx.Done()
	return ctx.Err()
}

func TestProbe(t *testing.T) {
	want := reader.Snapshot{Service: true, Readers: []reader.ReaderStatus{{Name: "R"}}}
	s, ok := probe(fixedSource{&want}, time.Second)
	if !ok || !s.Equal(want) {
		t.Fatalf("probe = %+v, %v", s, ok)
	}
	start := time.Now()
	if _, ok := probe(fixedSource{}, 50*time.Millisecond); ok {
		t.Fatal("probe of a silent source reported a snapshot")
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("probe did not stop at its timeout")
	}
}

func TestChooseSourceDemoFlag(t *testing.T) {
	src, demo := chooseSource(true, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if !demo {
		t.Fatal("--demo did not choose the demo reader")
	}
	if _, ok := src.(*app.DemoSource); !ok {
		t.Fatalf("source %T", src)
	}
}

func TestRunBadPurposesFile(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "purposes.json")
	if err := os.WriteFile(bad, []byte(`{"purposes":[{"id":"x","typo":1}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if got := run([]string{"--purposes", bad}, &out, &errb); got != 2 {
		t.Fatalf("exit %d, want 2", got)
	}
	if !strings.Contains(errb.String(), "purposes") {
		t.Fatalf("stderr %q", errb.String())
	}
}

func TestLoadPurposes(t *testing.T) {
	set, err := loadPurposes("")
	if err != nil || len(set.All()) != 4 {
		t.Fatalf("built-ins: %v, %v", set, err)
	}
	file := filepath.Join(t.TempDir(), "purposes.json")
	cfg := `{"purposes":[{"id":"bar","name":{"ja":"酒類販売","en":"Bar"},"legalBasis":{"ja":"法","en":"law"},"attributes":["age_over","portrait"],"ageOver":20}]}`
	if err := os.WriteFile(file, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	set, err = loadPurposes(file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := set.Get("bar"); err != nil || len(set.All()) != 5 {
		t.Fatalf("config purposes: %v", err)
	}
	if _, err := loadPurposes(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Fatal("a missing purposes file was accepted")
	}
}

func TestOpenerFor(t *testing.T) {
	if openerFor(true) != nil {
		t.Fatal("demo mode must use the demo reader's own cards")
	}
	if _, ok := openerFor(false).(pcsc.Opener); !ok {
		t.Fatal("PC/SC mode without the PC/SC opener")
	}
}

func TestOpenAuditorDemoStaysInMemory(t *testing.T) {
	a, closeFn := openAuditor(true, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer closeFn()
	if _, ok := a.(*app.MemoryAuditor); !ok {
		t.Fatalf("demo auditor %T", a)
	}
}
