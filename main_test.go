package main

import (
	"bytes"
	"strings"
	"testing"
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
