package plan

import (
	"math"
	"testing"

	"github.com/shopspring/decimal"
)

func TestRatePrice(t *testing.T) {
	t.Parallel()
	d := decimal.RequireFromString
	perMillion := Rate{UnitsPerBillable: d("1000000"), PricePerBillable: d("0.35")}
	hourly := Rate{UnitsPerBillable: d("1"), PricePerBillable: d("0.045")}
	tenth := Rate{UnitsPerBillable: d("0.1"), PricePerBillable: d("0.1")}
	halfCent := Rate{UnitsPerBillable: d("1"), PricePerBillable: d("0.005")}
	third := d("0.3333333333333333333")
	tests := []struct {
		name        string
		rate        Rate
		quantity    decimal.Decimal
		billable    int64
		amountCents int64
	}{
		{"zero stays zero", perMillion, d("0"), 0, 0},
		{"half a request bills one unit", perMillion, d("0.5"), 1, 35},
		{"one request bills one unit", perMillion, d("1"), 1, 35},
		{"just under one unit", perMillion, d("999999"), 1, 35},
		{"exactly one unit", perMillion, d("1000000"), 1, 35},
		{"1.999999 units round down", perMillion, d("1999999"), 1, 35},
		{"exactly two units", perMillion, d("2000000"), 2, 70},
		{"1.999 hours bill one", hourly, d("1.999"), 1, 5}, // 4.5 cents rounds half-up
		{"0.5 hours bill one", hourly, d("0.5"), 1, 5},     //
		{"3 hours", hourly, d("3"), 3, 14},                 // 13.5 cents
		{"1000 hours", hourly, d("1000"), 1000, 4500},      //
		{"half a cent rounds up", halfCent, d("1"), 1, 1},  // 0.5 cent
		{"one and a half cents", halfCent, d("3"), 3, 2},   // 1.5 cents
		{"under half a cent", Rate{UnitsPerBillable: d("1"), PricePerBillable: d("0.0049")}, d("1"), 1, 0},
		{"0.3/0.1 is exactly 3", tenth, d("0.3"), 3, 30}, // 2.9999… in binary floating point
		{"float input 0.1+0.2", tenth, decimal.NewFromFloat(0.1 + 0.2), 3, 30},
		{"not exactly representable ratio", Rate{UnitsPerBillable: third, PricePerBillable: d("1")}, third, 1, 100},
		{"just below a non-terminating unit", Rate{UnitsPerBillable: third, PricePerBillable: d("1")}, d("0.6666666666666666665"), 1, 100},
		{"free rate", Rate{UnitsPerBillable: d("1"), PricePerBillable: d("0")}, d("12345"), 12345, 0},
		{"large but exact", perMillion, d("9000000000000000000000000"), 9_000_000_000_000_000_000, math.MaxInt64},
		{"largest int64 billable", hourly, d("9223372036854775807.9"), math.MaxInt64, math.MaxInt64},
		{"billable saturates", perMillion, d("1e40"), math.MaxInt64, math.MaxInt64},
		{"huge exponent saturates fast", perMillion, decimal.New(1, math.MaxInt32-10), math.MaxInt64, math.MaxInt64},
		{"tiny positive bills one unit", perMillion, decimal.New(1, math.MinInt32+10), 1, 35},
		{"large amount exact", Rate{UnitsPerBillable: d("1"), PricePerBillable: d("0.01")}, d("922337203685477580"), 922337203685477580, 922337203685477580},
		{"negative usage is not billed", perMillion, d("-5000000"), 0, 0},
		{"zero units per billable prices nothing", Rate{PricePerBillable: d("1")}, d("10"), 0, 0},
		{"huge price saturates", Rate{UnitsPerBillable: d("1"), PricePerBillable: decimal.New(1, 1_000_000_000)}, d("1"), 1, math.MaxInt64},
		{"minute price rounds to zero", Rate{UnitsPerBillable: d("1"), PricePerBillable: decimal.New(1, -1_000_000_000)}, d("5"), 5, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := tt.rate.Price(tt.quantity)
			if !l.Quantity.Equal(tt.quantity) || l.Billable != tt.billable || l.AmountCents != tt.amountCents {
				t.Errorf("Price(%s) = {%s %d %d}, want {%s %d %d}", tt.quantity, l.Quantity, l.Billable, l.AmountCents,
					tt.quantity, tt.billable, tt.amountCents)
			}
		})
	}
}
