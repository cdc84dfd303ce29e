package persona_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/villagecx/village/persona"
)

// FuzzCatalogJSON decodes arbitrary JSON as a catalog and, when it is valid,
// uses it: nothing on the way may panic, and a decoded catalog re-encodes.
func FuzzCatalogJSON(f *testing.F) {
	good, _ := json.Marshal(persona.B2B())
	f.Add(good, "VP Finance")
	f.Add([]byte(`{"groups":[{"id":"g","weight":1}],"personas":[{"id":"a","group":"g","weight":-1}]}`), "")
	f.Add([]byte(`{"personas":[{"id":"a","role":"decider"}]}`), "CIO")
	f.Fuzz(func(t *testing.T, data []byte, title string) {
		var c persona.Catalog
		if err := json.Unmarshal(data, &c); err != nil {
			return
		}
		if _, err := json.Marshal(&c); err != nil {
			t.Fatalf("a valid catalog does not re-encode: %v", err)
		}
		acct := persona.Account{ID: "a", Contacts: []persona.Contact{{ID: "x", Persona: persona.ID(title)}}}
		_ = acct.Validate(&c)
		cov := persona.CoverageAt(&acct, &c, time.Unix(0, 0))
		if !(cov.WeightShare >= 0 && cov.WeightShare <= 1+1e-12) {
			t.Fatalf("weight share %v out of [0,1]", cov.WeightShare)
		}
		rules := persona.TitleRules{Rules: []persona.TitleRule{{Persona: c.At(0).ID, Keywords: []string{title}}}}
		if m, err := persona.NewTitleMapper(rules, &c); err == nil {
			m.Map(title)
		}
	})
}
