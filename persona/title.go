package persona

import (
	"errors"
	"fmt"

	"github.com/villagecx/village/internal/words"
)

// TitleRule maps job titles that contain any of Keywords to Persona.
// A keyword is one or more words ("vp", "head of it"); it matches when its
// words appear consecutively among the title's words, ignoring case and
// punctuation, so "cio" matches "CIO / CTO" but not "Associate".
type TitleRule struct {
	Persona  ID       `json:"persona"`
	Keywords []string `json:"keywords"`
}

// TitleRules are the user's rules for mapping CRM job titles to personas:
// the first rule with a matching keyword wins; a title no rule matches maps to
// Fallback (which may be empty to mean "leave unmapped").
type TitleRules struct {
	Rules    []TitleRule `json:"rules"`
	Fallback ID          `json:"fallback,omitempty"`
}

// TitleMapper applies validated TitleRules. It is immutable and safe for
// concurrent use.
type TitleMapper struct {
	rules    []compiledRule
	fallback ID
}

type compiledRule struct {
	persona  ID
	keywords [][]string // each keyword as its lower-case words
}

// NewTitleMapper validates rules against cat: every persona (and the fallback,
// when set) must exist in the catalog and every keyword must contain a word.
// All problems are reported at once.
func NewTitleMapper(rules TitleRules, cat *Catalog) (*TitleMapper, error) {
	var errs []error
	m := &TitleMapper{fallback: rules.Fallback}
	for i, r := range rules.Rules {
		if _, ok := cat.Persona(r.Persona); !ok {
			errs = append(errs, fieldErr(fmt.Sprintf("rules[%d].persona", i), string(r.Persona), ErrUnknownPersona))
		}
		cr := compiledRule{persona: r.Persona}
		for j, kw := range r.Keywords {
			ws := words.Split(kw)
			if len(ws) == 0 {
				errs = append(errs, fieldErr(fmt.Sprintf("rules[%d].keywords[%d]", i, j), kw, ErrEmptyID))
				continue
			}
			cr.keywords = append(cr.keywords, ws)
		}
		m.rules = append(m.rules, cr)
	}
	if rules.Fallback != "" {
		if _, ok := cat.Persona(rules.Fallback); !ok {
			errs = append(errs, fieldErr("fallback", string(rules.Fallback), ErrUnknownPersona))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return m, nil
}

// Map returns the persona for a job title. matched reports whether a rule
// matched; when it is false the returned ID is the fallback (possibly empty),
// and a caller importing CRM data should report the title as unmapped.
func (m *TitleMapper) Map(title string) (id ID, matched bool) {
	ws := words.Split(title)
	for _, r := range m.rules {
		for _, kw := range r.keywords {
			if words.ContainsRun(ws, kw) {
				return r.persona, true
			}
		}
	}
	return m.fallback, false
}
