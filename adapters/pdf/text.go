package pdf

import (
	"strings"

	"github.com/shopspring/decimal"
)

// symbols are the currency signs printed before amounts; other currencies
// are written with their code ("1,234.00 CHF").
var symbols = map[string]string{"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$"}

// Money writes cents of currency as a person reads them: "$1,234.56",
// "-$0.50", "1,234.56 CHF".
func Money(cents int64, currency string) string {
	d := decimal.New(cents, -2)
	sign := ""
	if d.IsNegative() {
		sign, d = "-", d.Neg()
	}
	return withSymbol(sign, group(d.StringFixed(2)), currency)
}

// UnitPrice writes a price per billable unit, exact (at least two
// decimals, more when the price has them): "$0.50 per million requests",
// "$0.0035 per GB".
func UnitPrice(price decimal.Decimal, currency, unit string) string {
	sign := ""
	if price.IsNegative() {
		sign, price = "-", price.Neg()
	}
	s := price.String()
	if price.Exponent() > -2 || !strings.Contains(s, ".") || len(s)-strings.IndexByte(s, '.')-1 < 2 {
		s = price.StringFixed(2)
	}
	out := withSymbol(sign, group(s), currency)
	if unit != "" {
		out += " per " + unit
	}
	return out
}

// Quantity writes a quantity with its unit: "3,200,000 requests",
// "1 month", "0.5542 months", "4 million requests".
func Quantity(q decimal.Decimal, unit string) string {
	sign := ""
	if q.IsNegative() {
		sign, q = "-", q.Neg()
	}
	s := sign + group(q.String())
	if unit == "" {
		return s
	}
	return s + " " + plural(unit, q)
}

// plural adds an "s" to a one-word lower-case unit ("request", "hour")
// when the quantity is not exactly one; abbreviations ("GB") and units
// that are plural already ("million requests") stay as they are.
func plural(unit string, q decimal.Decimal) string {
	if q.Equal(decimal.NewFromInt(1)) || strings.ContainsAny(unit, " ") || strings.HasSuffix(unit, "s") || strings.ToLower(unit) != unit {
		return unit
	}
	return unit + "s"
}

func withSymbol(sign, number, currency string) string {
	if sym, ok := symbols[currency]; ok {
		return sign + sym + number
	}
	return strings.TrimSpace(sign + number + " " + currency)
}

// group puts thousands separators in the integer part of a plain decimal
// written without sign: "1234567.5" → "1,234,567.5".
func group(s string) string {
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if hasFrac {
		b.WriteString("." + frac)
	}
	return b.String()
}
