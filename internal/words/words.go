// Package words matches phrases as whole words, the way people read job
// titles and comments: ignoring case and punctuation, so that "cio"
// matches "CIO / CTO" but not "Associate", and "too slow" matches "Way
// too slow!" but not "too slowly". persona's title rules and journey's
// comment topics share it.
package words

import (
	"slices"
	"strings"
	"unicode"
)

// Split returns the lower-case words of s: its runs of letters and digits.
func Split(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// ContainsRun reports whether phrase occurs as consecutive elements of
// text; an empty phrase occurs nowhere.
func ContainsRun(text, phrase []string) bool {
	if len(phrase) == 0 {
		return false
	}
	for i := 0; i+len(phrase) <= len(text); i++ {
		if slices.Equal(text[i:i+len(phrase)], phrase) {
			return true
		}
	}
	return false
}
