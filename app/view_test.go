package app

import (
	"slices"
	"testing"

	"taimen/verify/mdoc"
)

func TestClerkSeesOnlyActionableWarnings(t *testing.T) {
	v := &ResultView{Warnings: []string{}}
	for _, w := range []string{mdoc.WarnDocumentErrors, "ds_crl_dp_not_uri", mdoc.WarnUnrequestedElements, WarnExpired, WarnExpired, mdoc.WarnElementErrors, mdoc.WarnDateUntagged} {
		v.addWarning(w)
	}
	want := []string{WarnExtraElements, WarnExpired, mdoc.WarnElementErrors}
	if !slices.Equal(v.Warnings, want) {
		t.Fatalf("warnings %v, want %v", v.Warnings, want)
	}
}
