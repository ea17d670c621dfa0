package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/plan"
)

// FuzzLoad checks that Load never panics or hangs on any input, and that it
// either returns a catalog that keeps the invariants or an Invalid error with
// no catalog. The committed seeds are in testdata/fuzz/FuzzLoad.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(validCatalog))
	f.Add([]byte(`{"plans": [{"rate_card": [{"units_per_billable": "1e5"}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		// The fuzzer has no per-input deadline: a hang would only stall it
		// silently. Crashing the worker makes it save the input instead.
		watchdog := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("Load hangs on %q", data)) })
		defer watchdog.Stop()
		c, err := Load(bytes.NewReader(data), "fuzz.json")
		if err != nil {
			var e *errs.Error
			if c != nil || !errors.As(err, &e) || e.Kind != errs.Invalid || len(e.Fields) == 0 {
				t.Fatalf("Load = %v, %#v", c, err)
			}
			return
		}
		free := 0
		for _, p := range c.Plans {
			if p.PlanType == plan.PlanTypeFree {
				free++
			}
			for _, r := range p.RateCard {
				if !r.UnitsPerBillable.IsPositive() || r.PricePerBillable.IsNegative() {
					t.Fatalf("loaded a bad rate %+v", r)
				}
				r.Price(r.UnitsPerBillable.Mul(r.PricePerBillable)) // must not panic
			}
		}
		if free != 1 {
			t.Fatalf("loaded a catalog with %d FREE plans", free)
		}
	})
}
