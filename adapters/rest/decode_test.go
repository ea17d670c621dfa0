package rest

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/billingd/billingd/domain/errs"
)

// TestProtoInt pins the proto3 JSON reading of int32 and int64 fields: a
// number or a string holding one, integral values in any notation, nothing
// else, and nothing out of range.
func TestProtoInt(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		lit  string
		bits int
		want int64
		bad  string // a substring of the type error's value; "" when accepted
	}{
		{`12`, 32, 12, ""},
		{`"12"`, 32, 12, ""},
		{`-7`, 32, -7, ""},
		{`"-7"`, 64, -7, ""},
		{`12.0`, 32, 12, ""},
		{`"1.2e1"`, 32, 12, ""},
		{`1E2`, 32, 100, ""},
		{`null`, 32, 0, ""},
		{`2147483647`, 32, 2147483647, ""},
		{`"9223372036854775807"`, 64, 9223372036854775807, ""},
		{`2147483648`, 32, 0, "2147483648"},
		{`"-2147483649"`, 32, 0, "-2147483649"},
		{`"9223372036854775808"`, 64, 0, "9223372036854775808"},
		{`1.5`, 32, 0, "1.5"},
		{`"1.5"`, 32, 0, "1.5"},
		{`"twelve"`, 32, 0, `"twelve"`},
		{`""`, 32, 0, `""`},
		{`" 12"`, 32, 0, `" 12"`},
		{`"0x10"`, 32, 0, `"0x10"`},
		{`"1e999999999"`, 64, 0, "1e999999999"},
		{`1e-5`, 32, 0, "1e-5"},
		{`true`, 32, 0, "true"},
		{`{}`, 32, 0, "{}"},
	} {
		got, err := protoInt([]byte(c.lit), c.bits)
		if c.bad == "" {
			if err != nil || got != c.want {
				t.Errorf("%s (int%d): %d, %v; want %d", c.lit, c.bits, got, err, c.want)
			}
			continue
		}
		te, ok := err.(*json.UnmarshalTypeError)
		if !ok || !strings.Contains(te.Value, c.bad) {
			t.Errorf("%s (int%d): %d, %v; want a type error naming %s", c.lit, c.bits, got, err, c.bad)
		}
	}
}

// TestPbIntWire: pbInt32 writes a number, pbInt64 a string (proto3 JSON's
// int64), and both read either.
func TestPbIntWire(t *testing.T) {
	t.Parallel()
	var v struct {
		A pbInt32 `json:"a"`
		B pbInt64 `json:"b"`
	}
	if err := json.Unmarshal([]byte(`{"a":"5","b":6}`), &v); err != nil || v.A != 5 || v.B != 6 {
		t.Fatalf("read: %+v %v", v, err)
	}
	out, _ := json.Marshal(v)
	if string(out) != `{"a":5,"b":"6"}` {
		t.Fatalf("wrote %s", out)
	}
	// In a quota spec a bad int is reported by specFromWire, which knows
	// the map key, so the 400 names spec.object_limits["vh"].maximum.
	var q quotaCreateRequest
	r := httptest.NewRequest("POST", "/", strings.NewReader(`{"metadata":{"name":"q"},"spec":{"object_limits":{"vh":{"maximum":"x"},"ok":{"maximum":"3"}}}}`))
	if err := decodeBody(r, &q); err != nil {
		t.Fatalf("decode: %v", err)
	}
	var f errs.Fields
	s := specFromWire(q.Spec, &f)
	err := f.Err()
	if err == nil || len(errs.As(err).Fields) != 1 || errs.As(err).Fields[0].Field != `spec.object_limits["vh"].maximum` || s.ObjectLimits["ok"].Maximum != 3 {
		t.Fatalf("spec %+v, error %v", s, err)
	}
}
