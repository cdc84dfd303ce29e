package ingest

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// slowRecord is jsonRecord with encoding/json alone, as the readers did.
func slowRecord(text string) (map[string]string, string) {
	fields := map[string]string{}
	var obj map[string]any
	errText := ""
	if err := json.Unmarshal([]byte(text), &obj); err != nil {
		errText = "not a JSON object: " + err.Error()
	}
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		switch v := obj[k].(type) {
		case string:
			fields[k] = v
		case float64:
			fields[k] = strconv.FormatFloat(v, 'g', -1, 64)
		case bool:
			fields[k] = strconv.FormatBool(v)
		case nil:
		default:
			if errText == "" {
				errText = fmt.Sprintf("field %q is not a string, number or null", k)
			}
		}
	}
	return fields, errText
}

func TestFlatJSONMatchesEncodingJSON(t *testing.T) {
	lines := []string{
		`{}`, ` { } `, `{"a":"b"}`, `{"a": 1, "b": -0, "c": 1.5e3, "d": 0.1, "e": 1E-7}`, `{"a":true,"b":false,"c":null}`,
		`{"a":"x","a":"y"}`, `{"a":"x","a":null}`, `{"a":"esc\"aped"}`, `{"a":"\u00e9"}`, `{"a":"é"}`, "{\"a\":\"\xff\"}",
		`{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":+1}`, `{"a":1e400}`, `{"a":-1e400}`, `{"a":[1]}`, `{"a":{"b":1}}`,
		`{"a":1,}`, `{"a" 1}`, `{"a":1} x`, `[]`, `"s"`, `{"a":tru}`, `{"a":nul}`, `{"a":NaN}`, `{"a":"tab	in"}`,
		`{"account":"acme","contact":"c1","metric":"nps","value":9,"at":"2026-01-01T00:00:00Z"}`, `{"a":1e5}`, `{"a":123456789012345678901234567890}`,
	}
	rng := rand.New(rand.NewPCG(3, 4))
	atoms := []string{`"k"`, `"k2"`, `"v"`, `1`, `-2.5e1`, `true`, `null`, `{`, `}`, `[`, `]`, `:`, `,`, ` `, `"\n"`, `0`, `00`, `1e999`, `"é"`}
	for range 5000 {
		var b strings.Builder
		b.WriteString("{")
		for range rng.IntN(8) {
			b.WriteString(atoms[rng.IntN(len(atoms))])
		}
		if rng.IntN(4) > 0 {
			b.WriteString("}")
		}
		lines = append(lines, b.String())
		// and a well-formed flat object
		var o strings.Builder
		o.WriteString("{")
		for k := range rng.IntN(5) {
			if k > 0 {
				o.WriteString(",")
			}
			fmt.Fprintf(&o, `"k%d":%s`, rng.IntN(3), []string{`"s"`, `3.25`, `-0.0`, `true`, `null`, `1e-320`, `"a b"`}[rng.IntN(7)])
		}
		o.WriteString("}")
		lines = append(lines, o.String())
	}
	for _, line := range lines {
		got := jsonRecord(1, line)
		want, wantErr := slowRecord(line)
		if got.err != wantErr || !maps.Equal(got.fields, want) {
			t.Fatalf("line %q:\nfast %q %q\nslow %q %q", line, got.fields, got.err, want, wantErr)
		}
	}
}

func FuzzFlatJSON(f *testing.F) {
	f.Add(`{"a":"b","n":1.5,"t":true,"z":null}`)
	f.Add(`{"a":[1],"b":"\u00e9"}`)
	f.Fuzz(func(t *testing.T, line string) {
		got := jsonRecord(1, line)
		want, wantErr := slowRecord(line)
		if got.err != wantErr || !maps.Equal(got.fields, want) {
			t.Fatalf("line %q:\nfast %q %q\nslow %q %q", line, got.fields, got.err, want, wantErr)
		}
	})
}
