package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/billingd/billingd/domain/errs"
)

// decodeBody reads a JSON body into dst. An empty body is valid (the legacy
// gateway ignores EOF); unknown fields, trailing data, bodies over the size
// limit and what checkJSON refuses (repeated keys, NUL, invalid UTF-8,
// number bombs, too many members) are errors that name the problem.
// Content-Type is not checked: F5's own client sends none on PUT and DELETE.
func decodeBody(r *http.Request, dst any) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errs.New(errs.TooLarge, "request body is larger than %d bytes", mbe.Limit)
		}
		return errs.Wrap(errs.Invalid, err, "could not read the request body")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if p := checkJSON(body, maxJSONMembers); p != nil {
		return p.err()
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return bodyError("body", "unexpected data after the JSON object")
	}
	return nil
}

func bodyError(field, format string, args ...any) error {
	return &errs.Error{Kind: errs.Invalid, Message: "invalid request body", Fields: []errs.FieldError{{Field: field, Problem: fmt.Sprintf(format, args...)}}}
}

// jsonError turns encoding/json errors into messages that name the field.
func jsonError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	var ee *errs.Error
	switch {
	case errors.As(err, &ee):
		return ee
	case errors.As(err, &se):
		return bodyError("body", "not valid JSON at byte %d: %s", se.Offset, se.Error())
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "body"
		}
		return bodyError(field, "expected %s, got JSON %s", te.Type.String(), te.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return bodyError("body", "JSON ends too early")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.TrimPrefix(err.Error(), "json: unknown field ")
		if unq, err := strconv.Unquote(name); err == nil {
			name = unq
		}
		if name == "" {
			// The key "" has no name to point at.
			return bodyError("body", `unknown field ""`)
		}
		return bodyError(name, "unknown field")
	}
	return bodyError("body", "%s", strings.TrimPrefix(err.Error(), "json: "))
}

// enumTable is a proto enum: its names in number order.
type enumTable struct {
	names   []string
	numbers map[string]int
}

func newEnumTable(names ...string) enumTable {
	t := enumTable{names: names, numbers: map[string]int{}}
	for i, n := range names {
		t.numbers[n] = i
	}
	return t
}

// parse accepts a name or its number (as proto3 JSON does) and returns the name.
func (t enumTable) parse(field, raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if _, ok := t.numbers[raw]; ok {
		return raw, nil
	}
	if n, err := strconv.Atoi(raw); err == nil && n >= 0 && n < len(t.names) {
		return t.names[n], nil
	}
	var f errs.Fields
	f.Add(field, "%q is not one of %s (or their numbers 0-%d)", raw, strings.Join(t.names, ", "), len(t.names)-1)
	return "", f.Err()
}

// pbInt32 is a proto3 JSON int32 on input: a JSON number or a JSON string
// holding one ("12"), as the proto3 JSON mapping allows; on output it is a
// number. An integral value written with a fraction or exponent ("12.0",
// 1e2) is accepted too, as protojson does; anything else, or a value out of
// the int32 range, is a type error that names the field.
type pbInt32 int32

// UnmarshalJSON implements the proto3 JSON reading of an int32.
func (n *pbInt32) UnmarshalJSON(b []byte) error {
	v, err := protoInt(b, 32)
	if err != nil {
		return err
	}
	*n = pbInt32(v)
	return nil
}

// pbInt64 is a proto3 JSON int64 on input: a JSON string ("12", the form
// proto3 JSON writes) or a JSON number; on output it is a JSON string.
type pbInt64 int64

// UnmarshalJSON implements the proto3 JSON reading of an int64.
func (n *pbInt64) UnmarshalJSON(b []byte) error {
	v, err := protoInt(b, 64)
	if err != nil {
		return err
	}
	*n = pbInt64(v)
	return nil
}

// MarshalJSON writes the int64 as a JSON string, as proto3 JSON does.
func (n pbInt64) MarshalJSON() ([]byte, error) {
	return []byte(`"` + strconv.FormatInt(int64(n), 10) + `"`), nil
}

// protoInt reads a proto3 JSON integer of the given bit size from a JSON
// literal. null is the default 0. The errors are *json.UnmarshalTypeError,
// to which encoding/json adds the field's path.
func protoInt(b []byte, bits int) (int64, error) {
	lit := string(bytes.TrimSpace(b))
	typ := reflect.TypeFor[int32]()
	if bits == 64 {
		typ = reflect.TypeFor[int64]()
	}
	bad := func(what string) error { return &json.UnmarshalTypeError{Value: what, Type: typ} }
	switch {
	case lit == "null":
		return 0, nil
	case strings.HasPrefix(lit, `"`):
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return 0, bad("string")
		}
		if !numberText(s) {
			return 0, bad("string " + strconv.Quote(truncate(s, 40)))
		}
		lit = s
	case lit == "" || !numberText(lit):
		return 0, bad(truncate(lit, 40))
	}
	if v, err := strconv.ParseInt(lit, 10, bits); err == nil {
		return v, nil
	}
	// An integral value in another notation (12.0, 1e2): exact through
	// big.Float, whose precision is enough for any 64-bit integer. The
	// exponent has at most two digits (a string escapes checkJSON's bound).
	if e := strings.IndexAny(lit, "eE"); e >= 0 && len(strings.TrimLeft(lit[e+1:], "+-")) > 2 {
		return 0, bad("number " + truncate(lit, 40))
	}
	f, _, err := big.ParseFloat(lit, 10, 256, big.ToNearestEven)
	if err != nil || !f.IsInt() {
		return 0, bad("number " + truncate(lit, 40))
	}
	i, acc := f.Int64()
	if acc != big.Exact || (bits == 32 && (i < math.MinInt32 || i > math.MaxInt32)) {
		return 0, bad("number " + truncate(lit, 40))
	}
	return i, nil
}

// numberText tells whether s is a JSON number literal (the text a proto3
// JSON string may hold for a numeric field).
func numberText(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() int {
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - j
	}
	if digits() == 0 {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s) && len(s) <= 64
}
