package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestSurveyPlanRunsAndIsDeterministic(t *testing.T) {
	var a, b bytes.Buffer
	if err := run(&a); err != nil {
		t.Fatal(err)
	}
	if err := run(&b); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Error("two runs printed different reports")
	}
	for _, part := range []string{"allocated by Neyman within the budget", "naive: everyone who answered", "persona-weighted: as decisions are made", "finance-exec"} {
		if !strings.Contains(a.String(), part) {
			t.Errorf("report lacks %q:\n%s", part, a.String())
		}
	}
}
