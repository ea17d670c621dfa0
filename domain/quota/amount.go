package quota

import (
	"math"
	"math/big"
	"strconv"
)

// Amount is a quantity in millionths of its unit. Counters are kept as exact
// integers so the conditional update that enforces a limit is the same plain
// integer comparison on PostgreSQL and SQLite, with no float rounding.
type Amount int64

// AmountScale is the number of Amount steps in one unit.
const AmountScale = 1_000_000

// MaxAmount is the largest number of units a limit or counter may hold; it
// keeps every sum of two amounts far from int64 overflow.
const MaxAmount = 1_000_000_000_000

// Units returns a as a whole number of units, for counts.
func Units(n int64) Amount { return Amount(n * AmountScale) }

// ParseAmount reads a decimal number (as JSON writes it) exactly. More than
// six decimals, or a magnitude above MaxAmount, is an error.
func ParseAmount(s string) (Amount, bool) {
	if len(s) > 64 {
		return 0, false
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0, false
	}
	r.Mul(r, big.NewRat(AmountScale, 1))
	if !r.IsInt() {
		return 0, false
	}
	n := r.Num()
	limit := big.NewInt(MaxAmount * AmountScale)
	if n.CmpAbs(limit) > 0 {
		return 0, false
	}
	return Amount(n.Int64()), true
}

// AmountFromFloat converts a limit given as a double to the nearest millionth.
func AmountFromFloat(f float64) Amount {
	return Amount(math.Round(f * AmountScale))
}

// Float64 is the amount in units, for the wire (the legacy API uses doubles).
func (a Amount) Float64() float64 { return float64(a) / AmountScale }

// String prints the exact decimal value with no trailing zeros.
func (a Amount) String() string {
	neg := a < 0
	u := uint64(a)
	if neg {
		u = uint64(-a)
	}
	whole, frac := u/AmountScale, u%AmountScale
	s := strconv.FormatUint(whole, 10)
	if frac != 0 {
		fs := strconv.FormatUint(frac+AmountScale, 10)[1:]
		for fs[len(fs)-1] == '0' {
			fs = fs[:len(fs)-1]
		}
		s += "." + fs
	}
	if neg {
		s = "-" + s
	}
	return s
}
