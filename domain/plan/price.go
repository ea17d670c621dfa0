package plan

import (
	"math"

	"github.com/shopspring/decimal"
)

// Line is one priced usage line.
type Line struct {
	Quantity    decimal.Decimal // as metered, in the rate's UnitName
	Billable    int64           // whole UnitNameBillable (quantity_billable)
	AmountCents int64           // hundredths of the catalog currency
}

var (
	maxInt64 = decimal.NewFromInt(math.MaxInt64)
	hundred  = decimal.NewFromInt(100)
)

// Price prices quantity at r, exactly (decimals, never floats):
//
//   - Billable is quantity / UnitsPerBillable rounded the way upstream
//     documents quantity_billable (API.md §5): 0 stays 0, anything above 0 and
//     below 1 becomes 1 (any use of a unit bills one unit), and anything from
//     1 up is rounded down to a whole unit (1.999 bills 1).
//   - AmountCents is Billable × PricePerBillable × 100, rounded half-up to the
//     cent (0.5 cent bills 1 cent).
//
// Metered usage is never negative, so a negative quantity (a metering bug) is
// billed as nothing rather than credited. Results beyond int64 saturate at
// math.MaxInt64 instead of wrapping. A Rate that Validate would refuse
// with UnitsPerBillable ≤ 0 prices nothing instead of dividing by zero.
func (r Rate) Price(quantity decimal.Decimal) Line {
	l := Line{Quantity: quantity}
	if quantity.Sign() <= 0 || r.UnitsPerBillable.Sign() <= 0 {
		return l
	}
	l.Billable = billable(quantity, r.UnitsPerBillable)
	l.AmountCents = amountCents(l.Billable, r.PricePerBillable)
	return l
}

// billable applies the quantity_billable rule to q/units, both positive.
func billable(q, units decimal.Decimal) int64 {
	// Decide from the orders of magnitude first: exact arithmetic on a
	// decimal with an extreme exponent would build a power of ten that size.
	// q/units lies in (10^(d-1), 10^(d+1)).
	switch d := magnitude(q) - magnitude(units); {
	case d <= -1:
		return 1 // below one unit
	case d >= 20:
		return math.MaxInt64 // above 10^19 > MaxInt64
	}
	whole, _ := q.QuoRem(units, 0) // floor, since both are positive
	switch {
	case whole.IsZero():
		return 1
	case whole.GreaterThan(maxInt64):
		return math.MaxInt64
	}
	return whole.IntPart()
}

// amountCents returns billable × price in cents, rounded half-up.
func amountCents(billable int64, price decimal.Decimal) int64 {
	if price.IsZero() {
		return 0
	}
	// billable < 10^19, so with |price| ≥ 10^41 the amount surely overflows
	// and with |price| < 10^-40 it is surely below half a cent.
	switch m := magnitude(price); {
	case m > 40:
		return saturate(price.Sign())
	case m < -40:
		return 0
	}
	c := decimal.NewFromInt(billable).Mul(price).Mul(hundred).Round(0) // half away from zero
	switch {
	case c.GreaterThan(maxInt64):
		return math.MaxInt64
	case c.LessThan(maxInt64.Neg()):
		return -math.MaxInt64
	}
	return c.IntPart()
}

// magnitude returns floor(log10(|d|)) of a non-zero d without rescaling it.
func magnitude(d decimal.Decimal) int64 {
	return int64(d.NumDigits()) + int64(d.Exponent()) - 1
}

func saturate(sign int) int64 {
	if sign < 0 {
		return -math.MaxInt64
	}
	return math.MaxInt64
}
