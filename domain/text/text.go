// Package text holds the one rule every string from outside must pass before
// it reaches storage: valid UTF-8 and no NUL. PostgreSQL refuses both in text
// columns (a 500 if they got that far), and encoding/json would otherwise
// replace invalid bytes with U+FFFD, so two different ids could collapse into
// one.
package text

import (
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/billingd/billingd/domain/errs"
)

// Problem returns what is wrong with s, or "" when s may be stored.
func Problem(s string) string {
	if strings.IndexByte(s, 0) >= 0 {
		return "must not contain a NUL character (\\u0000)"
	}
	if !utf8.ValidString(s) {
		return "must be valid UTF-8"
	}
	return ""
}

// Check records a problem of s under field in f.
func Check(f *errs.Fields, field, s string) {
	if p := Problem(s); p != "" {
		f.Add(field, "%s", p)
	}
}

// CheckMap records a problem of every key and value of m; field is the map's
// path and each entry is named field["key"].
func CheckMap(f *errs.Fields, field string, m map[string]string) {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := m[k]
		if p := Problem(k); p != "" {
			f.Add(field, "key %q %s", k, p)
		} else if p := Problem(v); p != "" {
			f.Add(field+"[\""+k+"\"]", "%s", p)
		}
	}
}

// Err returns an Invalid error naming field when s may not be stored.
func Err(field, s string) error {
	var f errs.Fields
	Check(&f, field, s)
	return f.Err()
}
