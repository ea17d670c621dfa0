package quota

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Amount is a quantity in millionths of its unit. Counters are kept as exact
// integers so the conditional update that enforces a limit is the same plain
// integer comparison on PostgreSQL and SQLite, with no float rounding.
type Amount int64

// AmountScale is the number of Amount steps in one unit.
const AmountScale = 1_000_000

// MaxAmount is the largest number of units a limit, a reservation or a
// counter may hold: 10^12 units, 10^18 Amount steps. Any sum of two amounts
// stays far below the int64 maximum (about 9.2 * 10^18), so a counter update
// can be checked against MaxCounter in SQL without overflowing first.
const MaxAmount = 1_000_000_000_000

// MaxCounter is MaxAmount in Amount steps: the largest countable value.
const MaxCounter = Amount(MaxAmount * AmountScale)

// MaxLiteralDigits and MaxLiteralExponent bound a decimal literal before any
// arithmetic: more significant digits or a larger exponent cannot be an
// amount anyway, and refusing them by their text keeps 1e999999 from costing
// a megabyte-long multiplication.
const (
	MaxLiteralDigits   = 40
	MaxLiteralExponent = 30
	// maxLiteralLength bounds the text itself (leading zeros included).
	maxLiteralLength = 100
)

// Units returns a as a whole number of units, for counts.
func Units(n int64) Amount { return Amount(n * AmountScale) }

// ParseAmount reads a decimal number (as JSON writes it) exactly. More than
// six decimals, or a magnitude above MaxAmount, is an error.
func ParseAmount(s string) (Amount, bool) {
	a, err := ReadAmount(s)
	return a, err == nil
}

// ReadAmount reads a decimal number ([+-]digits[.digits][e[+-]digits]) exactly
// and says what is wrong with it otherwise. It works on the text alone, in
// time linear in its length: no big-number arithmetic.
func ReadAmount(s string) (Amount, error) {
	if len(s) > maxLiteralLength {
		return 0, fmt.Errorf("is longer than %d characters", maxLiteralLength)
	}
	notNumber := fmt.Errorf("is not a decimal number")
	i := 0
	neg := false
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	intStart := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	intPart := s[intStart:i]
	var frac string
	if i < len(s) && s[i] == '.' {
		i++
		fs := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		frac = s[fs:i]
	}
	if intPart == "" && frac == "" {
		return 0, notNumber
	}
	exp := 0
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		eneg := false
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			eneg = s[i] == '-'
			i++
		}
		es := i
		for i < len(s) && isDigit(s[i]) {
			if exp = exp*10 + int(s[i]-'0'); exp > MaxLiteralExponent {
				return 0, fmt.Errorf("has an exponent beyond ±%d", MaxLiteralExponent)
			}
			i++
		}
		if i == es {
			return 0, notNumber
		}
		if eneg {
			exp = -exp
		}
	}
	if i != len(s) {
		return 0, notNumber
	}
	// value = digits * 10^(exp - len(frac)), digits without leading zeros.
	digits := strings.TrimLeft(intPart+frac, "0")
	if len(digits) > MaxLiteralDigits {
		return 0, fmt.Errorf("has more than %d significant digits", MaxLiteralDigits)
	}
	shift := exp - len(frac)
	trimmed := strings.TrimRight(digits, "0")
	shift += len(digits) - len(trimmed)
	digits = trimmed
	if digits == "" {
		return 0, nil
	}
	// The Amount is digits * 10^(shift+6).
	shift += 6
	if shift < 0 {
		return 0, fmt.Errorf("has more than 6 decimals")
	}
	tooLarge := fmt.Errorf("is larger than %d in magnitude, the largest countable amount", int64(MaxAmount))
	if len(digits)+shift > 19 {
		return 0, tooLarge
	}
	n, err := strconv.ParseUint(digits+strings.Repeat("0", shift), 10, 64)
	if err != nil || n > uint64(MaxCounter) {
		return 0, tooLarge
	}
	if neg {
		return -Amount(n), nil
	}
	return Amount(n), nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// AmountFromFloat converts a limit given as a double to the nearest millionth.
func AmountFromFloat(f float64) Amount {
	return Amount(math.Round(f * AmountScale))
}

// subMillionth reports whether the double f visibly carries a part smaller
// than a millionth, which AmountFromFloat would round away. Near 10^12 a
// double cannot tell millionths apart at all, so the test allows the
// double's own spacing there.
func subMillionth(f float64) bool {
	x := f * AmountScale
	r := math.Round(x)
	ulp := math.Abs(math.Nextafter(x, math.Inf(1)) - x)
	return math.Abs(x-r) > max(1e-3, 4*ulp)
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
