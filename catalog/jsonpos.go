package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
)

// document is a JSON text checked against the shape of a Go type, with the
// place of every value, so that problems found later (by json.Unmarshal's
// caller or by validation) can be put back at a line and column.
//
// encoding/json alone cannot do this: it stops at the first unknown field
// (with DisallowUnknownFields), reports only the first type mismatch, forgets where values were and takes
// the last of repeated keys without a word.
type document struct {
	data []byte
	dec  *json.Decoder
	// locs maps the path of every non-null value to its offset: the key for
	// an object member, the value itself for an array element. Paths read
	// as validation writes them: a.b, a[0], a["map key"].
	locs   map[string]int64
	bad    map[string]bool // paths with a problem already, so checks do not pile up
	probs  []problem
	syntax *problem // once set, nothing else counts: it may be an artefact
	top    byte     // the first byte of the top-level value
	// dropped are the spans of unknown and repeated members, in file order.
	dropped [][2]int64
}

// problem is one thing wrong with the document; off < 0 means "no position".
type problem struct {
	off  int64
	path string
	msg  string
}

// scan walks data once with json.Decoder tokens and checks it against t as
// encoding/json would decode it (struct fields by their exact json tag,
// maps, slices, strings, booleans and numbers in range), reporting every
// unknown or repeated key and every value of the wrong type. A null is
// taken as absent, as encoding/json does.
func scan(data []byte, t reflect.Type) *document {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	d := &document{data: data, dec: dec, locs: map[string]int64{}, bad: map[string]bool{}}
	d.locs[""], d.top = d.peek()
	d.value("", t)
	if d.syntax == nil {
		if rest := bytes.TrimLeft(data[dec.InputOffset():], " \t\r\n"); len(rest) > 0 {
			d.syntax = &problem{off: int64(len(data) - len(rest)), msg: "syntax error: unexpected data after the catalog object"}
		}
	}
	return d
}

// drop records the object member from off to the current offset as refused,
// with the comma before it, or after it when no member before it is kept.
func (d *document) drop(off int64, afterKept bool) {
	end := d.dec.InputOffset()
	if afterKept {
		off = int64(bytes.LastIndexByte(d.data[:off], ','))
	} else if next := bytes.TrimLeft(d.data[end:], " \t\r\n"); len(next) > 0 && next[0] == ',' {
		end = int64(len(d.data)-len(next)) + 1
	}
	d.dropped = append(d.dropped, [2]int64{off, end})
}

// checked returns the document without the members the scan refused, so
// that encoding/json, which takes the last of repeated keys and matches
// keys case-insensitively, reads exactly what was checked.
func (d *document) checked() []byte {
	out, prev := make([]byte, 0, len(d.data)), int64(0)
	for _, r := range d.dropped {
		out, prev = append(out, d.data[prev:r[0]]...), r[1]
	}
	return append(out, d.data[prev:]...)
}

// value consumes one value, checking it against t.
func (d *document) value(path string, t reflect.Type) {
	if d.syntax != nil {
		return
	}
	_, c := d.peek()
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case c == 'n':
		delete(d.locs, path)
		d.skip()
		return
	case kind(shape(t)) != kind(c):
		d.add(d.locate(path), path, "must be %s, not %s", kind(shape(t)), kind(c))
		d.skip()
		return
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		d.token() // {
		seen, kept := map[string]bool{}, false
		for d.more() {
			off, _ := d.peek()
			tok, ok := d.token()
			if !ok {
				return
			}
			key, _ := tok.(string) // the decoder only yields strings as keys
			p, vt := member(path, key, t)
			// These two leave the value read (or not) at p unmarked: it is
			// still checked.
			switch {
			case seen[key]:
				d.probs = append(d.probs, problem{off, p, "is given twice"})
			case vt == nil:
				d.locs[p] = off
				d.probs = append(d.probs, problem{off, p, "unknown field"})
			default:
				seen[key], kept = true, true
				d.locs[p] = off
				d.value(p, vt)
				continue
			}
			seen[key] = true
			d.skip()
			d.drop(off, kept)
		}
		d.token() // }
	case reflect.Slice:
		d.token() // [
		for i := 0; d.more(); i++ {
			p := fmt.Sprintf("%s[%d]", path, i)
			d.locs[p], _ = d.peek()
			d.value(p, t.Elem())
		}
		d.token() // ]
	case reflect.String:
		// A named string type is an enum, written by name; "" would pass for
		// "not given" once decoded, so it is refused here.
		if tok, _ := d.token(); tok == "" && t.PkgPath() != "" {
			d.add(d.locate(path), path, `"" is not one of the upstream names`)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		tok, _ := d.token()
		n, _ := tok.(json.Number)
		if _, err := strconv.ParseInt(string(n), 10, t.Bits()); err != nil && d.syntax == nil {
			d.add(d.locate(path), path, "%s is not an integer between %d and %d", n, int64(-1)<<(t.Bits()-1), int64(1)<<(t.Bits()-1)-1)
		}
	case reflect.Float32, reflect.Float64:
		tok, _ := d.token()
		n, _ := tok.(json.Number)
		if _, err := strconv.ParseFloat(string(n), t.Bits()); err != nil && d.syntax == nil {
			d.add(d.locate(path), path, "%s is out of range", n)
		}
	default:
		d.token()
	}
}

// member returns the path and type of key inside a value of type t (a map
// or a struct), or a nil type when t has no such field.
func member(path, key string, t reflect.Type) (string, reflect.Type) {
	if t.Kind() == reflect.Map {
		return fmt.Sprintf("%s[%q]", path, key), t.Elem()
	}
	p := key
	if path != "" {
		p = path + "." + key
	}
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() && strings.Split(f.Tag.Get("json"), ",")[0] == key {
			return p, f.Type
		}
	}
	return p, nil
}

// shape is the first byte of the JSON values encoding/json decodes into t.
func shape(t reflect.Type) byte {
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return '{'
	case reflect.Slice:
		return '['
	case reflect.String:
		return '"'
	case reflect.Bool:
		return 't'
	}
	return '0'
}

var kinds = map[byte]string{'{': "an object", '[': "an array", '"': "a string", 't': "a boolean", 'f': "a boolean", 'n': "null"}

// kind names the JSON type of a value starting with c.
func kind(c byte) string {
	if k, ok := kinds[c]; ok {
		return k
	}
	return "a number"
}

func (d *document) add(off int64, path, format string, args ...any) {
	d.bad[path] = true
	d.probs = append(d.probs, problem{off: off, path: path, msg: fmt.Sprintf(format, args...)})
}

// flag reports a problem found after the scan, at path or, for a missing
// value, at its nearest ancestor present. It stays quiet about a path that
// has a problem already: the value there is a stand-in.
func (d *document) flag(path, format string, args ...any) {
	if !d.bad[path] {
		d.add(d.locate(path), path, format, args...)
	}
}

// locate returns the offset of path, or of its nearest ancestor present, or -1.
func (d *document) locate(path string) int64 {
	for {
		if off, ok := d.locs[path]; ok {
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
// grammar; peek only tells what comes.
func (d *document) peek() (int64, byte) {
	off := d.dec.InputOffset()
	for off < int64(len(d.data)) {
		switch c := d.data[off]; c {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
		default:
			return off, c
		}
	}
	return off, 0
}

// token reads the next token; ok is false after a syntax error.
func (d *document) token() (json.Token, bool) {
	if d.syntax != nil {
		return nil, false
	}
	t, err := d.dec.Token()
	if err != nil {
		d.fail(err)
		return nil, false
	}
	return t, true
}

func (d *document) fail(err error) {
	d.syntax = &problem{off: d.dec.InputOffset(), msg: "syntax error: " + err.Error()}
	// Offsets of errors inside a scalar are relative to the scalar, so scan the
	// document again from its start, where they are absolute. The scanner
	// counts the offending byte, hence the -1.
	var raw json.RawMessage
	var se *json.SyntaxError
	switch err := json.NewDecoder(bytes.NewReader(d.data)).Decode(&raw); {
	case errors.As(err, &se):
		d.syntax = &problem{off: max(se.Offset-1, 0), msg: "syntax error: " + se.Error()}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		d.syntax = &problem{off: int64(len(d.data)), msg: "syntax error: unexpected end of input"}
	}
}

// more reports whether the current object or array has another member.
func (d *document) more() bool { return d.syntax == nil && d.dec.More() }

// skip consumes one value of any shape. It loops rather than recursing, so
// deep nesting in an ignored value cannot exhaust the stack.
func (d *document) skip() {
	depth := 0
	for {
		t, ok := d.token()
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

// position turns a byte offset into a 1-based line and column; the column
// counts bytes, as the Go tools do.
func position(data []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}
