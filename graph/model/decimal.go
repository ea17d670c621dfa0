// Package model holds the GraphQL models. models_gen.go is generated from
// schema.graphqls; this file adds the hand-written scalars.
package model

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
	"github.com/billingd/billingd/domain/errs"
)

// Decimal is an exact decimal number carried as its string form, so money and
// quantities never pass through a float. It only checks the syntax; the
// domain decides the scale it accepts (quota amounts allow 6 decimals).
type Decimal string

// maxDecimalLength bounds what an input may make the server parse.
const maxDecimalLength = 64

var decimalSyntax = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// MarshalGQL writes the decimal as a JSON string.
func (d Decimal) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, strconv.Quote(string(d)))
}

// UnmarshalGQL accepts a string such as "12.5" or an integer literal. A number
// with a fraction is refused: in JSON it has usually been a float on the
// client already, and the point of Decimal is that nothing was rounded. The
// error is INVALID_ARGUMENT, so the caller learns what was wrong.
func (d *Decimal) UnmarshalGQL(v any) error {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case json.Number:
		if _, err := x.Int64(); err != nil {
			return invalidDecimal("a number with a fraction or exponent must be sent as a string, e.g. \"12.5\"")
		}
		s = x.String()
	case int:
		s = strconv.Itoa(x)
	case int32:
		s = strconv.FormatInt(int64(x), 10)
	case int64:
		s = strconv.FormatInt(x, 10)
	case float32, float64:
		return invalidDecimal("a number with a fraction must be sent as a string, e.g. \"12.5\"")
	default:
		return invalidDecimal("must be a string such as \"12.5\"")
	}
	if len(s) > maxDecimalLength || !decimalSyntax.MatchString(s) {
		return invalidDecimal("must be a decimal number such as \"12.5\" or \"-3\" (digits, an optional sign and fraction, at most 64 characters)")
	}
	*d = Decimal(s)
	return nil
}

// MarshalGQLContext is MarshalGQL; gqlgen uses the context pair when a type
// has both.
func (d Decimal) MarshalGQLContext(_ context.Context, w io.Writer) error {
	d.MarshalGQL(w)
	return nil
}

// UnmarshalGQLContext is UnmarshalGQL, with the error naming the input
// field (e.g. "input.resources[0].amount") like every other input error.
func (d *Decimal) UnmarshalGQLContext(ctx context.Context, v any) error {
	err := d.UnmarshalGQL(v)
	var e *errs.Error
	if errors.As(err, &e) {
		if field := inputField(ctx); field != "" {
			e.Fields[0].Field = field
		}
	}
	return err
}

// inputField is the path of the value being read, relative to the field
// whose arguments it belongs to.
func inputField(ctx context.Context) string {
	full := graphql.GetPath(ctx)
	if fc := graphql.GetFieldContext(ctx); fc != nil {
		if base := fc.Path(); len(full) > len(base) {
			return full[len(base):].String()
		}
	}
	return full.String()
}

func invalidDecimal(problem string) error {
	return &errs.Error{Kind: errs.Invalid, Message: "invalid request", Fields: []errs.FieldError{{Field: "Decimal", Problem: problem}}}
}
