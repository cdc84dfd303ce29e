package ingest

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// reference reads input with encoding/csv alone, as the readers did: each
// record with its line, or the error's text and line.
func reference(input string) []string {
	cr := csv.NewReader(strings.NewReader(input))
	cr.FieldsPerRecord = -1
	var out []string
	for {
		row, err := cr.Read()
		if err == io.EOF {
			return out
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			out = append(out, fmt.Sprintf("error line %d: %v", pe.Line, pe.Err))
			continue
		}
		if err != nil {
			return append(out, "error: "+err.Error())
		}
		line, _ := cr.FieldPos(0)
		out = append(out, fmt.Sprintf("line %d: %q", line, row))
	}
}

func fast(input string) []string {
	c := newCSVRows(strings.NewReader(input))
	var out []string
	for {
		row, line, err := c.next()
		if err == io.EOF {
			return out
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			out = append(out, fmt.Sprintf("error line %d: %v", pe.Line, pe.Err))
			continue
		}
		if err != nil {
			return append(out, "error: "+err.Error())
		}
		out = append(out, fmt.Sprintf("line %d: %q", line, slices.Clone(row)))
	}
}

func TestCSVRowsMatchEncodingCSV(t *testing.T) {
	cases := []string{
		"", "\n", "a,b\n", "a,b", "a,b\r\n1,2\r\n", "a\r", "a\rb\n", "\n\na\n\n", " a , b \n",
		"a,b\n\"q\",2\n3,4\n", "a,\"multi\nline\",c\nx,y\n", "a,b\"c\n1,2\n", "a,,\n,,\n", "x\n\"unterminated\n",
		"a,b\n1,2\n\"x\"\"y\",3\r\nz,w", "\r\n\r\n", "a\r\r\n",
	}
	rng := rand.New(rand.NewPCG(5, 6))
	alphabet := []string{"a", "b", ",", "\n", "\r", "\"", " ", "\r\n"}
	for range 3000 {
		var b strings.Builder
		for range rng.IntN(30) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		cases = append(cases, b.String())
	}
	// Inputs longer than the reader's 64 KiB chunks: lines across chunk
	// boundaries, a line longer than a chunk, and quotes first met deep in.
	var big strings.Builder
	for i := range 12000 {
		fmt.Fprintf(&big, "acct-%05d,contact-%d,,nps,%d,2025-12-%02dT00:00:00Z,survey\r\n", i, i%97, i%11, 1+i%28)
		if i == 5000 {
			big.WriteString(strings.Repeat("x", 150_000) + ",long\n")
		}
	}
	plain := big.String()
	cases = append(cases, plain, plain+"\"quoted, with a comma\",\"two\nlines\"\nlast,row", plain[:len(plain)-7])
	for _, in := range cases {
		if got, want := fast(in), reference(in); !slices.Equal(got, want) {
			t.Fatalf("input %.200q (%d bytes):\nfast      %.300q\nreference %.300q", in, len(in), got, want)
		}
	}
}

func FuzzCSVRows(f *testing.F) {
	f.Add("a,b\n1,2\n")
	f.Add("a,\"b\nc\",d\r\ne,f")
	f.Fuzz(func(t *testing.T, in string) {
		if got, want := fast(in), reference(in); !slices.Equal(got, want) {
			t.Fatalf("input %q:\nfast      %q\nreference %q", in, got, want)
		}
	})
}
