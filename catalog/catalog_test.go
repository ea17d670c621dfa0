package catalog

import (
	"testing"

	"github.com/shopspring/decimal"
)

func TestBuiltinLoads(t *testing.T) {
	t.Parallel()
	c, err := Builtin()
	if err != nil {
		t.Fatalf("Builtin: %v", err)
	}
	if c.Version != "2026-11" || c.Currency != "USD" {
		t.Errorf("version %q currency %q, want 2026-11 USD", c.Version, c.Currency)
	}
	if len(c.Addons) != 13 {
		t.Errorf("%d add-ons, want 13", len(c.Addons))
	}
	if got := c.FreePlan().Name; got != "free" {
		t.Errorf("FreePlan = %q, want free", got)
	}
	for name, cents := range map[string]int32{"free": 0, "individual": 2500, "team": 9900, "organization": 49900} {
		p, ok := c.Plan(name)
		if !ok {
			t.Errorf("plan %q missing", name)
			continue
		}
		if p.FlatPriceCents != cents {
			t.Errorf("plan %q costs %d cents, want %d", name, p.FlatPriceCents, cents)
		}
		if len(p.RateCard) < 4 {
			t.Errorf("plan %q has %d rates, want at least 4", name, len(p.RateCard))
		}
	}
}

// TestBuiltinPricesUsage pins one price end to end: 2.5 million requests on
// the individual plan bill 2 million at $0.60.
func TestBuiltinPricesUsage(t *testing.T) {
	t.Parallel()
	c, err := Builtin()
	if err != nil {
		t.Fatalf("Builtin: %v", err)
	}
	p, _ := c.Plan("individual")
	r, ok := p.Rate("http_requests")
	if !ok {
		t.Fatal("individual has no http_requests rate")
	}
	if l := r.Price(decimal.NewFromInt(2_500_000)); l.Billable != 2 || l.AmountCents != 120 {
		t.Errorf("Price = %+v, want 2 billable, 120 cents", l)
	}
}
