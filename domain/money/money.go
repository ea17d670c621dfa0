// Package money is the one representation of amounts from pricing to the
// PDF: int64 cents, computed exactly (decimals) and checked. An amount is
// bounded by MaxCents, far below int64's range, so the sum of the lines of
// any invoice fits and nothing ever wraps or saturates into a wrong figure:
// an amount out of range is an error that names what overflowed.
package money

import (
	"github.com/billingd/billingd/domain/errs"
	"github.com/shopspring/decimal"
)

// MaxCents bounds every amount (a line, a subtotal, a total): ten trillion
// currency units, about a ten-thousandth of int64's range, so adding two
// amounts within it never wraps and Add can check the result.
const MaxCents int64 = 1_000_000_000_000_000

func tooLarge(what string, v decimal.Decimal) error {
	return errs.New(errs.Invalid, "%s amounts to %s cents, beyond the largest amount billingd bills (%d cents)", what, v.String(), MaxCents)
}

var maxCents = decimal.NewFromInt(MaxCents)

// Cents rounds an exact amount of cents half away from zero (half-up for
// amounts due) to whole cents, and checks it is within ±MaxCents. what names
// the amount in the error.
func Cents(what string, c decimal.Decimal) (int64, error) {
	r := c.Round(0)
	if r.Abs().GreaterThan(maxCents) {
		return 0, tooLarge(what, r)
	}
	return r.IntPart(), nil
}

// Add returns a+b, checked against ±MaxCents.
func Add(what string, a, b int64) (int64, error) {
	// |a|, |b| ≤ MaxCents, so a+b cannot wrap int64 before the check.
	if a > MaxCents || a < -MaxCents || b > MaxCents || b < -MaxCents {
		return 0, errs.New(errs.Invalid, "%s: an amount beyond %d cents", what, MaxCents)
	}
	s := a + b
	if s > MaxCents || s < -MaxCents {
		return 0, tooLarge(what, decimal.NewFromInt(s))
	}
	return s, nil
}

// Sum adds amounts with Add.
func Sum(what string, amounts ...int64) (int64, error) {
	var t int64
	for _, a := range amounts {
		var err error
		if t, err = Add(what, t, a); err != nil {
			return 0, err
		}
	}
	return t, nil
}
