package model

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/billingd/billingd/domain/errs"
)

func TestDecimalUnmarshal(t *testing.T) {
	t.Parallel()
	ok := map[string]struct {
		in   any
		want Decimal
	}{
		"string":          {"12.5", "12.5"},
		"negative":        {"-3", "-3"},
		"int literal":     {int64(7), "7"},
		"int32":           {int32(-2), "-2"},
		"json integer":    {json.Number("42"), "42"},
		"many decimals":   {"0.123456789", "0.123456789"},
		"leading zeros":   {"007.10", "007.10"},
		"plain int value": {5, "5"},
	}
	for name, c := range ok {
		t.Run(name, func(t *testing.T) {
			var d Decimal
			if err := d.UnmarshalGQL(c.in); err != nil || d != c.want {
				t.Fatalf("UnmarshalGQL(%#v) = %q, %v; want %q", c.in, d, err, c.want)
			}
		})
	}
	bad := map[string]any{
		"float":         1.5,
		"json fraction": json.Number("1.5"),
		"exponent":      "1e3",
		"fraction form": "1/3",
		"empty":         "",
		"spaces":        " 1",
		"plus sign":     "+1",
		"trailing dot":  "1.",
		"bool":          true,
		"too long":      "1" + string(bytes.Repeat([]byte("0"), 64)),
	}
	for name, in := range bad {
		t.Run(name, func(t *testing.T) {
			var d Decimal
			err := d.UnmarshalGQL(in)
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("UnmarshalGQL(%#v) = %v, want an Invalid error", in, err)
			}
		})
	}
}

func TestDecimalMarshal(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	Decimal("-0.25").MarshalGQL(&b)
	if b.String() != `"-0.25"` {
		t.Fatalf("MarshalGQL = %s", b.String())
	}
}
