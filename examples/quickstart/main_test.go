package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestQuickstartReadsWellAndIsDeterministic(t *testing.T) {
	var a, b bytes.Buffer
	if err := run(&a); err != nil {
		t.Fatal(err)
	}
	if err := run(&b); err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{"200 synthetic accounts", "At risk:", "dragging it down", "Revenue at risk:", "Where a flat average", "why they differ", "dropped with a reason",
		"veto: finance-exec", "veto: procurement", "committee: procurement holds a veto (MSA requires procurement sign-off)",
		"Without the seat", "recurring: billing", "overdue"} {
		if !strings.Contains(a.String(), part) {
			t.Errorf("output lacks %q:\n%s", part, a.String())
		}
	}
	// Everything but the timing line is the same from run to run.
	trim := func(s string) string { return s[:strings.LastIndex(s, "Scored ")] }
	if trim(a.String()) != trim(b.String()) {
		t.Error("two runs printed different reports")
	}
}
