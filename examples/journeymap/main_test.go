package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestJourneyMapRunsAndIsDeterministic(t *testing.T) {
	var a, b bytes.Buffer
	if err := run(&a); err != nil {
		t.Fatal(err)
	}
	if err := run(&b); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Error("two runs differ")
	}
	for _, part := range []string{"evaluate", "expand", "Top gaps", "Informal comments", "support"} {
		if !strings.Contains(a.String(), part) {
			t.Errorf("output lacks %q:\n%s", part, a.String())
		}
	}
}
