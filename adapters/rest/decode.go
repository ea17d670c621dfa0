package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
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
	return "", &errs.Error{Kind: errs.Invalid, Message: "invalid request", Fields: []errs.FieldError{{
		Field: field, Problem: fmt.Sprintf("%q is not one of %s (or their numbers 0-%d)", raw, strings.Join(t.names, ", "), len(t.names)-1)}}}
}
