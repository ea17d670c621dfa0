package rest

import (
	"bytes"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/domain/text"
	"github.com/gorilla/mux"
)

// The shape limits of a JSON request body, checked on its bytes before any
// value is converted. encoding/json alone accepts a repeated key (the last
// wins), replaces invalid UTF-8 with U+FFFD (so two different ids become one)
// and passes \u0000 on to the database; checkJSON refuses all three, and
// numbers too long or with an exponent too large to be a value of this API,
// naming the field.
const (
	// maxJSONDepth bounds nesting; the deepest request of the API has 4 levels.
	maxJSONDepth = 32
	// maxJSONMembers bounds the members of one object or array of a request
	// body (not the ingestion batch, whose elements are checked one by one).
	// The domain caps are lower (quota.MaxReserveKeys, quota.MaxLimitKeys,
	// quota.MaxLabels); this one stops a 20,000-key map before it is decoded.
	maxJSONMembers = 1024
)

// jsonProblem is a problem found by checkJSON: the path of the field and
// what is wrong with it.
type jsonProblem struct {
	path    string
	problem string
}

func (p *jsonProblem) err() error {
	field := p.path
	if field == "" {
		field = "body"
	}
	return bodyError(field, "%s", p.problem)
}

// checkJSON walks one JSON document and returns its first problem, or nil.
// It stops without a problem at a syntax error: encoding/json reports those
// with their byte offset. maxMembers <= 0 means no member cap.
func checkJSON(data []byte, maxMembers int) *jsonProblem {
	c := jsonChecker{data: data, maxMembers: maxMembers}
	c.skipSpace()
	c.value(0)
	return c.prob
}

// pathElem is one step of the path to the value being checked; it is only
// turned into text when there is a problem, so checking allocates nothing
// per member.
type pathElem struct {
	key   []byte // an object member's key (decoded); nil for an array element
	index int
}

type jsonChecker struct {
	data       []byte
	pos        int
	maxMembers int
	path       []pathElem
	prob       *jsonProblem
	// bad is set at a syntax error: the walk stops, the decoder reports it.
	bad bool
}

func (c *jsonChecker) stopped() bool { return c.prob != nil || c.bad }

func (c *jsonChecker) fail(format string, args ...any) {
	if c.prob == nil {
		p := ""
		for i, e := range c.path {
			var s string
			switch {
			case e.key == nil:
				s = "[" + strconv.Itoa(e.index) + "]"
			default:
				inMap := i > 0 && c.path[i-1].key != nil && mapFields[string(c.path[i-1].key)]
				s = pathSegment(e.key, inMap)
			}
			if p != "" && s[0] != '[' {
				p += "."
			}
			p += s
		}
		c.prob = &jsonProblem{path: p, problem: fmt.Sprintf(format, args...)}
	}
}

func (c *jsonChecker) skipSpace() {
	for c.pos < len(c.data) {
		switch c.data[c.pos] {
		case ' ', '\t', '\r', '\n':
			c.pos++
		default:
			return
		}
	}
}

func (c *jsonChecker) value(depth int) {
	if c.pos >= len(c.data) {
		c.bad = true
		return
	}
	if depth > maxJSONDepth {
		c.fail("nested deeper than %d levels", maxJSONDepth)
		return
	}
	switch ch := c.data[c.pos]; {
	case ch == '{':
		c.object(depth)
	case ch == '[':
		c.array(depth)
	case ch == '"':
		if _, p := c.str(); p != "" {
			c.fail("%s", p)
		}
	case ch == '-' || (ch >= '0' && ch <= '9'):
		c.number()
	default:
		for _, lit := range []string{"true", "false", "null"} {
			if bytes.HasPrefix(c.data[c.pos:], []byte(lit)) {
				c.pos += len(lit)
				return
			}
		}
		c.bad = true
	}
}

func (c *jsonChecker) object(depth int) {
	c.pos++ // {
	var keys [16][]byte
	small := keys[:0]
	var seen map[string]bool
	n := 0
	for {
		c.skipSpace()
		if c.pos < len(c.data) && c.data[c.pos] == '}' && n == 0 {
			c.pos++
			return
		}
		if c.pos >= len(c.data) || c.data[c.pos] != '"' {
			c.bad = true
			return
		}
		key, p := c.str()
		if c.stopped() {
			return
		}
		if key == nil {
			key = []byte{} // nil marks array elements in the path
		}
		c.path = append(c.path, pathElem{key: key})
		if p != "" {
			c.fail("(a key) %s", p)
			return
		}
		// Duplicates: a few keys are compared in place, many go to a map.
		dup := false
		if seen == nil {
			for _, k := range small {
				if bytes.Equal(k, key) {
					dup = true
					break
				}
			}
			small = append(small, key)
			if len(small) > 16 {
				seen = make(map[string]bool, 32)
				for _, k := range small {
					seen[string(k)] = true
				}
			}
		} else {
			dup = seen[string(key)]
			seen[string(key)] = true
		}
		if dup {
			c.fail("is given twice; a JSON object must name each key once")
			return
		}
		if n++; c.maxMembers > 0 && n > c.maxMembers {
			c.path = c.path[:len(c.path)-1]
			c.fail("has more than %d members", c.maxMembers)
			return
		}
		c.skipSpace()
		if c.pos >= len(c.data) || c.data[c.pos] != ':' {
			c.bad = true
			return
		}
		c.pos++
		c.skipSpace()
		c.value(depth + 1)
		if c.stopped() {
			return
		}
		if c.afterMember('}') {
			return
		}
	}
}

func (c *jsonChecker) array(depth int) {
	c.pos++ // [
	c.skipSpace()
	if c.pos < len(c.data) && c.data[c.pos] == ']' {
		c.pos++
		return
	}
	for i := 0; ; i++ {
		if c.maxMembers > 0 && i >= c.maxMembers {
			c.fail("has more than %d elements", c.maxMembers)
			return
		}
		c.path = append(c.path, pathElem{index: i})
		c.skipSpace()
		c.value(depth + 1)
		if c.stopped() {
			return
		}
		if c.afterMember(']') {
			return
		}
	}
}

// str reads a string at c.pos and returns its decoded bytes (the raw bytes
// when it has no escapes) and what makes it unstorable, if anything.
func (c *jsonChecker) str() ([]byte, string) {
	c.pos++ // "
	start := c.pos
	var buf []byte // decoded copy, only once an escape is seen
	problem := ""
	for c.pos < len(c.data) {
		ch := c.data[c.pos]
		switch {
		case ch == '"':
			raw := c.data[start:c.pos]
			c.pos++
			if buf != nil {
				return buf, problem
			}
			return raw, problem
		case ch < 0x20:
			c.bad = true
			return nil, ""
		case ch == '\\':
			if buf == nil {
				buf = append([]byte(nil), c.data[start:c.pos]...)
			}
			r, size, p := c.escape()
			if size == 0 {
				c.bad = true
				return nil, ""
			}
			if problem == "" {
				problem = p
			}
			buf = utf8.AppendRune(buf, r)
			c.pos += size
		case ch < utf8.RuneSelf:
			if buf != nil {
				buf = append(buf, ch)
			}
			c.pos++
		default:
			r, size := utf8.DecodeRune(c.data[c.pos:])
			if r == utf8.RuneError && size == 1 && problem == "" {
				problem = "must be valid UTF-8"
			}
			if buf != nil {
				buf = append(buf, c.data[c.pos:c.pos+size]...)
			}
			c.pos += size
		}
	}
	c.bad = true
	return nil, ""
}

// escape decodes the escape at c.pos (a backslash): the rune, the bytes it
// spans (0 at a syntax error) and its problem, if any.
func (c *jsonChecker) escape() (rune, int, string) {
	if c.pos+1 >= len(c.data) {
		return 0, 0, ""
	}
	switch c.data[c.pos+1] {
	case '"', '\\', '/':
		return rune(c.data[c.pos+1]), 2, ""
	case 'b':
		return '\b', 2, ""
	case 'f':
		return '\f', 2, ""
	case 'n':
		return '\n', 2, ""
	case 'r':
		return '\r', 2, ""
	case 't':
		return '\t', 2, ""
	case 'u':
		r, ok := hex4(c.data[c.pos+2:])
		if !ok {
			return 0, 0, ""
		}
		switch {
		case r == 0:
			return 0, 6, "must not contain a NUL character (\\u0000)"
		case utf16.IsSurrogate(r):
			// A pair is two escapes; anything else is not UTF-16, and
			// encoding/json would turn it into U+FFFD.
			if r < 0xdc00 && c.pos+12 <= len(c.data) && c.data[c.pos+6] == '\\' && c.data[c.pos+7] == 'u' {
				if r2, ok := hex4(c.data[c.pos+8:]); ok && r2 >= 0xdc00 && r2 <= 0xdfff {
					return utf16.DecodeRune(r, r2), 12, ""
				}
			}
			return utf8.RuneError, 6, "must be valid UTF-8 (an unpaired UTF-16 surrogate escape)"
		}
		return r, 6, ""
	}
	return 0, 0, ""
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, ch := range b[:4] {
		r <<= 4
		switch {
		case ch >= '0' && ch <= '9':
			r |= rune(ch - '0')
		case ch >= 'a' && ch <= 'f':
			r |= rune(ch - 'a' + 10)
		case ch >= 'A' && ch <= 'F':
			r |= rune(ch - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}

// number reads a number at c.pos and bounds its significant digits and its
// exponent, the two things that make converting a literal expensive.
func (c *jsonChecker) number() {
	start := c.pos
	if c.data[c.pos] == '-' {
		c.pos++
	}
	sig, leading := 0, true
	digits := func(count bool) int {
		n := 0
		for c.pos < len(c.data) && c.data[c.pos] >= '0' && c.data[c.pos] <= '9' {
			if count && !(leading && c.data[c.pos] == '0') {
				leading = false
				sig++
			}
			c.pos++
			n++
		}
		return n
	}
	if digits(true) == 0 {
		c.bad = true
		return
	}
	if c.pos < len(c.data) && c.data[c.pos] == '.' {
		c.pos++
		if digits(true) == 0 {
			c.bad = true
			return
		}
	}
	if c.pos < len(c.data) && (c.data[c.pos] == 'e' || c.data[c.pos] == 'E') {
		c.pos++
		if c.pos < len(c.data) && (c.data[c.pos] == '+' || c.data[c.pos] == '-') {
			c.pos++
		}
		es := c.pos
		if digits(false) == 0 {
			c.bad = true
			return
		}
		exp := bytes.TrimLeft(c.data[es:c.pos], "0")
		if len(exp) > 3 || (len(exp) > 0 && mustAtoi(exp) > quota.MaxLiteralExponent) {
			c.fail("number %s has an exponent beyond ±%d", truncate(string(c.data[start:c.pos]), 40), quota.MaxLiteralExponent)
			return
		}
	}
	if sig > quota.MaxLiteralDigits {
		c.fail("number %s has more than %d significant digits", truncate(string(c.data[start:c.pos]), 40), quota.MaxLiteralDigits)
	}
}

func mustAtoi(b []byte) int {
	n, _ := strconv.Atoi(string(b))
	return n
}

// mapFields are the request fields whose members are map keys, named
// field["key"] in problems as the domain names them.
var mapFields = map[string]bool{"labels": true, "annotations": true, "object_limits": true, "resource_limits": true,
	"api_limits": true, "objects": true, "resources": true, "apis": true}

// pathSegment names an object member in a field path: .name for plain
// names, ["key"] (Go-quoted, so invalid bytes show) for map keys and
// anything else.
func pathSegment(key []byte, inMap bool) string {
	plain := len(key) > 0 && !inMap
	for i, ch := range key {
		if !(ch == '_' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (i > 0 && ch >= '0' && ch <= '9')) {
			plain = false
			break
		}
	}
	if plain {
		return string(key)
	}
	return "[" + strconv.Quote(string(key)) + "]"
}

// checkRequestText refuses path variables, query values and the headers
// that reach storage when they hold a NUL or invalid UTF-8, naming them:
// %00 and %FF decode to exactly those bytes, and PostgreSQL fails on them.
func checkRequestText(r *http.Request) error {
	var f errs.Fields
	vars := mux.Vars(r)
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		text.Check(&f, k, vars[k])
	}
	q := r.URL.Query()
	for _, k := range slices.Sorted(maps.Keys(q)) {
		if p := text.Problem(k); p != "" {
			f.Add("query", "parameter name %q %s", k, p)
			continue
		}
		for _, v := range q[k] {
			if p := text.Problem(v); p != "" {
				f.Add(k, "%s", p)
				break
			}
		}
	}
	for _, h := range []string{"Idempotency-Key", "If-Match"} {
		text.Check(&f, h, r.Header.Get(h))
	}
	return f.Err()
}

// queryValue returns the query parameter key. Sent twice it is an error:
// which one was meant cannot be known, and taking the first would silently
// drop a filter.
func queryValue(r *http.Request, key string) (string, error) {
	vs := r.URL.Query()[key]
	switch len(vs) {
	case 0:
		return "", nil
	case 1:
		return vs[0], nil
	}
	var f errs.Fields
	f.Add(key, "given %d times; give it once", len(vs))
	return "", f.Err()
}

// afterMember ends one member of an object or array: it leaves the member's
// path and consumes the ',' before the next member or the closing byte. It
// reports whether the container ended, or turned out malformed (c.bad).
func (c *jsonChecker) afterMember(closing byte) (ended bool) {
	c.path = c.path[:len(c.path)-1]
	c.skipSpace()
	if c.pos >= len(c.data) {
		c.bad = true
		return true
	}
	switch c.data[c.pos] {
	case ',':
		c.pos++
		return false
	case closing:
		c.pos++
		return true
	}
	c.bad = true
	return true
}
