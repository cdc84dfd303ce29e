package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestCalibrateExample(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{"flat average of all signals", "base persona-aware model", "calibrated model", "finance-exec", "Reliability"} {
		if !strings.Contains(out.String(), part) {
			t.Errorf("output lacks %q:\n%s", part, out.String())
		}
	}
}
