package money

import (
	"math"
	"testing"

	"github.com/shopspring/decimal"
)

func TestCentsRoundsOnceAndChecks(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int64{"1249.5": 1250, "-1249.5": -1250, "0.4999": 0, "1000000000000000": MaxCents} {
		if got, err := Cents("x", decimal.RequireFromString(in)); err != nil || got != want {
			t.Errorf("Cents(%s) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"1000000000000000.5", "9223372036854775807", "-1e30"} {
		if _, err := Cents("x", decimal.RequireFromString(in)); err == nil {
			t.Errorf("Cents(%s) accepted", in)
		}
	}
}

func TestAddNeverWraps(t *testing.T) {
	t.Parallel()
	if s, err := Sum("x", 1, 2, -3, MaxCents); err != nil || s != MaxCents {
		t.Fatalf("Sum = %d, %v", s, err)
	}
	for _, c := range [][2]int64{{MaxCents, 1}, {-MaxCents, -1}, {math.MaxInt64, 1}, {math.MaxInt64, math.MaxInt64}, {math.MinInt64, 0}} {
		if s, err := Add("x", c[0], c[1]); err == nil {
			t.Errorf("Add(%d, %d) = %d, want an error", c[0], c[1], s)
		}
	}
}
