package words

import (
	"slices"
	"testing"
)

func TestSplitAndContainsRun(t *testing.T) {
	if got := Split("Head of IT / CIO, EMEA-2"); !slices.Equal(got, []string{"head", "of", "it", "cio", "emea", "2"}) {
		t.Errorf("Split = %q", got)
	}
	for _, tc := range []struct {
		text, phrase string
		want         bool
	}{
		{"CIO / CTO", "cio", true},
		{"Associate", "cio", false},
		{"Way too slow!", "too slow", true},
		{"too slowly", "too slow", false},
		{"slow too", "too slow", false},
		{"anything", "", false},
		{"", "x", false},
	} {
		if got := ContainsRun(Split(tc.text), Split(tc.phrase)); got != tc.want {
			t.Errorf("ContainsRun(%q, %q) = %v, want %v", tc.text, tc.phrase, got, tc.want)
		}
	}
}
