package plan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// reader decodes a JSON document token by token so that every problem can be
// reported with its JSON path and byte offset, and decoding can go on after a
// problem to find the next one. encoding/json's Decode stops at the first
// problem and forgets where values were.
//
// Each read method consumes exactly one value, whatever its type, so a
// caller may ignore a bad value and carry on. After a syntax error (r.syntax
// set) every method is a no-op: nothing after it can be trusted.
type reader struct {
	data   []byte
	dec    *json.Decoder
	syntax *problem
	// locs maps the path of every value read to its offset: the key for an
	// object member, the value itself for an array element. Validation uses
	// it to put its own problems in place.
	locs  map[string]int64
	bad   map[string]bool // paths with a problem already, so checks do not pile up
	probs []problem
}

// problem is one thing wrong with the document; off < 0 means "no position".
type problem struct {
	off  int64
	path string
	msg  string
}

func newReader(data []byte) *reader {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return &reader{data: data, dec: dec, locs: map[string]int64{}, bad: map[string]bool{}}
}

func (r *reader) add(path, format string, args ...any) {
	r.bad[path] = true
	r.probs = append(r.probs, problem{off: r.locate(path), path: path, msg: fmt.Sprintf(format, args...)})
}

// flag is add for validation rules: it stays quiet about a path the decoder
// already found wrong, since the value validation sees there is a stand-in.
func (r *reader) flag(path, format string, args ...any) {
	if !r.bad[path] {
		r.add(path, format, args...)
	}
}

// has reports whether path was given a value other than null.
func (r *reader) has(path string) bool {
	_, ok := r.locs[path]
	return ok
}

// locate returns the offset of path, or of its nearest ancestor that was read
// (a missing field is reported where its object is), or -1.
func (r *reader) locate(path string) int64 {
	for {
		if off, ok := r.locs[path]; ok {
			return off
		}
		if path == "" {
			return -1
		}
		path = parent(path)
	}
}

// parent strips the last ".field" or "[index]" from path. A map key like
// ["a.b"] may be cut in the middle; that only costs a few more steps up.
func parent(path string) string {
	for i := len(path) - 1; i > 0; i-- {
		if path[i] == '.' || path[i] == '[' {
			return path[:i]
		}
	}
	return ""
}

// peek returns the offset and first byte of the next value, skipping the
// separators the decoder has not consumed yet. The decoder still checks the
// grammar; peek only tells which reader to dispatch to.
func (r *reader) peek() (int64, byte) {
	off := r.dec.InputOffset()
	for off < int64(len(r.data)) {
		switch c := r.data[off]; c {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
		default:
			return off, c
		}
	}
	return off, 0
}

// token reads the next token; ok is false after a syntax error.
func (r *reader) token() (json.Token, bool) {
	if r.syntax != nil {
		return nil, false
	}
	t, err := r.dec.Token()
	if err != nil {
		r.fail(err)
		return nil, false
	}
	return t, true
}

func (r *reader) fail(err error) {
	r.syntax = &problem{off: r.dec.InputOffset(), msg: "syntax error: " + err.Error()}
	// Offsets of errors inside a scalar are relative to the scalar, so scan the
	// document again from its start, where they are absolute. The scanner
	// counts the offending byte, hence the -1.
	var raw json.RawMessage
	var se *json.SyntaxError
	switch err := json.NewDecoder(bytes.NewReader(r.data)).Decode(&raw); {
	case errors.As(err, &se):
		r.syntax = &problem{off: max(se.Offset-1, 0), msg: "syntax error: " + se.Error()}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		r.syntax = &problem{off: int64(len(r.data)), msg: "syntax error: unexpected end of input"}
	}
}

// more reports whether the current object or array has another member.
func (r *reader) more() bool { return r.syntax == nil && r.dec.More() }

// skip consumes one value of any shape. It loops rather than recursing, so
// deep nesting in an ignored value cannot exhaust the stack.
func (r *reader) skip() {
	depth := 0
	for {
		t, ok := r.token()
		if !ok {
			return
		}
		switch t {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return
		}
	}
}

// kind names the JSON type of a value starting with c, for "must be" messages.
func kind(c byte) string {
	switch c {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// expect checks that the next value starts with one of starts; if not it
// reports the mismatch and skips the value. A null is taken as "absent", as
// encoding/json does, and forgotten.
func (r *reader) expect(path, what, starts string) bool {
	if r.syntax != nil {
		return false
	}
	_, got := r.peek()
	switch {
	case strings.IndexByte(starts, got) >= 0:
		return true
	case got == 'n':
		delete(r.locs, path)
	default:
		r.add(path, "must be %s, not %s", what, kind(got))
	}
	r.skip()
	return false
}

// object reads an object whose members are struct fields: member returns
// false for a key it does not know, which is then reported and skipped.
func (r *reader) object(path string, member func(key, path string) bool) {
	r.members(path, func(key string) string { return join(path, key) }, member)
}

// mapObject reads an object used as a map; its member paths are path["key"].
func (r *reader) mapObject(path string, member func(key, path string)) {
	r.members(path, func(key string) string { return fmt.Sprintf("%s[%q]", path, key) },
		func(key, path string) bool { member(key, path); return true })
}

func (r *reader) members(path string, memberPath func(string) string, member func(key, path string) bool) {
	if !r.expect(path, "an object", "{") {
		return
	}
	r.token() // {
	seen := map[string]bool{}
	for r.more() {
		off, _ := r.peek()
		t, ok := r.token()
		if !ok {
			return
		}
		key, _ := t.(string) // the decoder only yields strings as keys
		p := memberPath(key)
		if seen[key] {
			r.probs = append(r.probs, problem{off: off, path: p, msg: "is given twice"})
			r.skip()
			continue
		}
		seen[key] = true
		r.locs[p] = off
		if !member(key, p) {
			r.probs = append(r.probs, problem{off: off, path: p, msg: "unknown field"})
			r.skip()
		}
	}
	r.token() // }
}

// array reads an array, calling elem for each element.
func (r *reader) array(path string, elem func(i int, path string)) {
	if !r.expect(path, "an array", "[") {
		return
	}
	r.token() // [
	for i := 0; r.more(); i++ {
		p := fmt.Sprintf("%s[%d]", path, i)
		r.locs[p], _ = r.peek()
		elem(i, p)
	}
	r.token() // ]
}

func (r *reader) str(path string) string {
	if !r.expect(path, "a string", `"`) {
		return ""
	}
	t, _ := r.token()
	s, _ := t.(string)
	return s
}

func (r *reader) stringList(path string) []string {
	var out []string
	r.array(path, func(_ int, p string) { out = append(out, r.str(p)) })
	return out
}

func (r *reader) boolean(path string) bool {
	if !r.expect(path, "a boolean", "tf") {
		return false
	}
	t, _ := r.token()
	b, _ := t.(bool)
	return b
}

// number reads a JSON number as its text.
func (r *reader) number(path string) (string, bool) {
	if !r.expect(path, "a number", "-0123456789") {
		return "", false
	}
	t, ok := r.token()
	n, _ := t.(json.Number)
	return string(n), ok
}

func (r *reader) integer(path string, bits int) int64 {
	s, ok := r.number(path)
	if !ok {
		return 0
	}
	v, err := strconv.ParseInt(s, 10, bits)
	if err != nil {
		r.add(path, "%s is not an integer between %d and %d", s, int64(-1)<<(bits-1), int64(1)<<(bits-1)-1)
		return 0
	}
	return v
}

func (r *reader) float(path string) float64 {
	s, ok := r.number(path)
	if !ok {
		return 0
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		r.add(path, "%s is out of range", s)
		return 0
	}
	return v
}

// position turns a byte offset into a 1-based line and column; the column
// counts bytes, as the Go tools do.
func position(data []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
