// Package labels implements the Kubernetes-style label selector behind the
// REST `label_filter` query parameter and the GraphQL `labelFilter` argument.
//
// Syntax (a comma is AND between requirements; spaces may surround tokens):
//
//	k=v   k==v   k!=v   k in (a,b)   k notin (a,b)   k   !k
//
// Semantics follow Kubernetes: `k!=v` and `k notin (...)` also match when the
// key is absent; `k` needs the key present, `!k` needs it absent.
package labels

import (
	"fmt"
	"slices"
	"strings"

	"github.com/billingd/billingd/domain/errs"
)

// MaxLength is the longest selector Parse accepts, in bytes. It bounds the
// work one query parameter can cause.
const MaxLength = 4096

// Label key and value limits (Kubernetes-like).
const (
	maxKeyLength   = 253
	maxValueLength = 63
)

// field is the name errors report, the REST query parameter.
const field = "label_filter"

type operator int

const (
	opEquals operator = iota + 1
	opNotEquals
	opIn
	opNotIn
	opExists
	opDoesNotExist
)

// requirement is one AND-ed term. values is sorted and without duplicates so
// that two selectors meaning the same thing compare equal.
type requirement struct {
	key    string
	op     operator
	values []string
}

// Selector is a parsed label selector. The zero value selects everything.
// Requirements are kept sorted by key (stable, so the order of several terms on
// one key is kept) which makes String canonical.
type Selector struct {
	reqs []requirement
}

// Empty reports whether s has no requirement, i.e. selects everything.
func (s Selector) Empty() bool { return len(s.reqs) == 0 }

// Matches reports whether labels satisfies every requirement of s. A nil map
// is a set with no labels.
func (s Selector) Matches(labels map[string]string) bool {
	for _, r := range s.reqs {
		if !r.matches(labels) {
			return false
		}
	}
	return true
}

func (r requirement) matches(labels map[string]string) bool {
	v, ok := labels[r.key]
	switch r.op {
	case opEquals:
		return ok && v == r.values[0]
	case opNotEquals:
		return !ok || v != r.values[0]
	case opIn:
		return ok && slices.Contains(r.values, v)
	case opNotIn:
		return !ok || !slices.Contains(r.values, v)
	case opExists:
		return ok
	case opDoesNotExist:
		return !ok
	}
	return false
}

// String returns the canonical form: requirements sorted by key, `==` written
// as `=`, set values sorted and deduplicated, no spaces except around in/notin.
// Parse(s.String()) gives a selector equal to s.
func (s Selector) String() string {
	var b strings.Builder
	for i, r := range s.reqs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(r.String())
	}
	return b.String()
}

func (r requirement) String() string {
	switch r.op {
	case opEquals:
		return r.key + "=" + r.values[0]
	case opNotEquals:
		return r.key + "!=" + r.values[0]
	case opIn:
		return r.key + " in (" + strings.Join(r.values, ",") + ")"
	case opNotIn:
		return r.key + " notin (" + strings.Join(r.values, ",") + ")"
	case opExists:
		return r.key
	case opDoesNotExist:
		return "!" + r.key
	}
	return ""
}

// Parse parses a selector; "" or only whitespace selects everything. Errors
// are errs.Invalid and name the 1-based byte position of the problem.
func Parse(s string) (Selector, error) {
	if len(s) > MaxLength {
		return Selector{}, parseError(MaxLength+1, "selector is %d bytes long; the limit is %d", len(s), MaxLength)
	}
	p := parser{in: s}
	var reqs []requirement
	p.skipSpace()
	if p.atEnd() {
		return Selector{}, nil
	}
	// canonical is the length String will produce. It can exceed the input
	// (`k in(a)` is written `k in (a)`), so it is limited too: otherwise a
	// selector near the limit would not survive Parse(s.String()).
	canonical := -1
	for {
		start := p.pos
		r, err := p.requirement()
		if err != nil {
			return Selector{}, err
		}
		if canonical += 1 + len(r.String()); canonical > MaxLength {
			return Selector{}, parseError(start+1, "selector would be longer than %d bytes in canonical form", MaxLength)
		}
		reqs = append(reqs, r)
		p.skipSpace()
		if p.atEnd() {
			break
		}
		if p.in[p.pos] != ',' {
			return Selector{}, p.errorf("expected \",\" or end of input after a requirement, found %s", p.found())
		}
		p.pos++
		p.skipSpace()
	}
	slices.SortStableFunc(reqs, func(a, b requirement) int { return strings.Compare(a.key, b.key) })
	return Selector{reqs: reqs}, nil
}

// parseError builds the domain error; pos is 1-based.
func parseError(pos int, format string, args ...any) error {
	return &errs.Error{
		Kind:    errs.Invalid,
		Message: "invalid " + field,
		Fields: []errs.FieldError{{
			Field:   field,
			Problem: fmt.Sprintf("position %d: ", pos) + fmt.Sprintf(format, args...),
		}},
	}
}

// parser is a hand-written recursive-descent parser over bytes; every index is
// bounds-checked through atEnd so malformed input can never panic.
type parser struct {
	in  string
	pos int
}

func (p *parser) atEnd() bool { return p.pos >= len(p.in) }

func (p *parser) errorf(format string, args ...any) error {
	return parseError(p.pos+1, format, args...)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// isDelim reports the bytes that end a word: whitespace and punctuation of the
// grammar. Everything else is read into the word and judged by validKey /
// validValue, so `a@b` is reported as a bad key rather than a stray "@".
func isDelim(c byte) bool {
	return isSpace(c) || c == ',' || c == '(' || c == ')' || c == '=' || c == '!'
}

func (p *parser) skipSpace() {
	for !p.atEnd() && isSpace(p.in[p.pos]) {
		p.pos++
	}
}

// word reads a maximal run of non-delimiter bytes (possibly empty).
func (p *parser) word() string {
	start := p.pos
	for !p.atEnd() && !isDelim(p.in[p.pos]) {
		p.pos++
	}
	return p.in[start:p.pos]
}

// found describes what is at the current position, for error messages.
func (p *parser) found() string {
	if p.atEnd() {
		return "end of input"
	}
	if isDelim(p.in[p.pos]) {
		return fmt.Sprintf("%q", p.in[p.pos:p.pos+1])
	}
	save := p.pos
	w := p.word()
	p.pos = save
	return fmt.Sprintf("%q", truncate(w))
}

// truncate keeps quoted input in messages short.
func truncate(s string) string {
	if len(s) > 32 {
		return s[:32] + "..."
	}
	return s
}

// requirement parses one term; the cursor is on its first non-space byte.
func (p *parser) requirement() (requirement, error) {
	if !p.atEnd() && p.in[p.pos] == '!' {
		p.pos++
		p.skipSpace()
		key, err := p.key()
		if err != nil {
			return requirement{}, err
		}
		return requirement{key: key, op: opDoesNotExist}, nil
	}
	key, err := p.key()
	if err != nil {
		return requirement{}, err
	}
	p.skipSpace()
	if p.atEnd() || p.in[p.pos] == ',' {
		return requirement{key: key, op: opExists}, nil
	}
	opPos := p.pos
	switch c := p.in[p.pos]; {
	case c == '=':
		p.pos++
		if !p.atEnd() && p.in[p.pos] == '=' {
			p.pos++
		}
		return p.singleValue(key, opEquals)
	case c == '!' && p.pos+1 < len(p.in) && p.in[p.pos+1] == '=':
		p.pos += 2
		return p.singleValue(key, opNotEquals)
	case !isDelim(c):
		switch w := p.word(); w {
		case "in", "notin":
			op := opIn
			if w == "notin" {
				op = opNotIn
			}
			values, err := p.valueSet(w)
			if err != nil {
				return requirement{}, err
			}
			return requirement{key: key, op: op, values: values}, nil
		}
		p.pos = opPos
	}
	return requirement{}, p.errorf("expected an operator (=, ==, !=, in, notin), \",\" or end of input after key %q, found %s", truncate(key), p.found())
}

// key reads and validates a label key.
func (p *parser) key() (string, error) {
	start := p.pos
	k := p.word()
	if k == "" {
		return "", p.errorf("expected a label key, found %s", p.found())
	}
	if !validKey(k) {
		return "", parseError(start+1, "invalid label key %q: want 1-%d characters, [A-Za-z0-9] at both ends and [-_./A-Za-z0-9] between", truncate(k), maxKeyLength)
	}
	return k, nil
}

// value reads and validates a label value; empty is allowed by the caller's choice.
func (p *parser) value() (string, error) {
	start := p.pos
	v := p.word()
	if !validValue(v) {
		return "", parseError(start+1, "invalid label value %q: want 0-%d characters, [A-Za-z0-9] at both ends and [-_.A-Za-z0-9] between", truncate(v), maxValueLength)
	}
	return v, nil
}

// singleValue parses the value after =, == or !=. An empty value (`k=`) is
// allowed, as in Kubernetes: it means the label is present with value "".
func (p *parser) singleValue(key string, op operator) (requirement, error) {
	p.skipSpace()
	v, err := p.value()
	if err != nil {
		return requirement{}, err
	}
	return requirement{key: key, op: op, values: []string{v}}, nil
}

// valueSet parses `( v1, v2, ... )` after in/notin. Set members must be
// non-empty: an empty member could not be written back by String.
func (p *parser) valueSet(op string) ([]string, error) {
	p.skipSpace()
	if p.atEnd() || p.in[p.pos] != '(' {
		return nil, p.errorf("expected \"(\" after %q, found %s", op, p.found())
	}
	p.pos++
	var values []string
	for {
		p.skipSpace()
		if !p.atEnd() && p.in[p.pos] == ')' && len(values) == 0 {
			return nil, p.errorf("empty value list after %q: give at least one value", op)
		}
		start := p.pos
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		if v == "" {
			p.pos = start
			return nil, p.errorf("expected a label value in the list after %q, found %s", op, p.found())
		}
		values = append(values, v)
		p.skipSpace()
		if p.atEnd() {
			return nil, p.errorf("expected \",\" or \")\" in the list after %q, found end of input", op)
		}
		switch p.in[p.pos] {
		case ',':
			p.pos++
		case ')':
			p.pos++
			slices.Sort(values)
			return slices.Compact(values), nil
		default:
			return nil, p.errorf("expected \",\" or \")\" in the list after %q, found %s", op, p.found())
		}
	}
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// validName checks the shared shape of keys and values: alphanumeric at both
// ends, alphanumeric or one of extra in between.
func validName(s, extra string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isAlnum(c) {
			continue
		}
		if i == 0 || i == len(s)-1 || strings.IndexByte(extra, c) < 0 {
			return false
		}
	}
	return true
}

func validKey(k string) bool {
	return len(k) >= 1 && len(k) <= maxKeyLength && validName(k, "-_./")
}

func validValue(v string) bool {
	return len(v) <= maxValueLength && validName(v, "-_.")
}
