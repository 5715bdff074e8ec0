package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"taimen/app"
	"taimen/reader"
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
