package catalog

import "testing"

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
	for _, name := range []string{"free", "individual", "team", "organization"} {
		p, ok := c.Plan(name)
		if !ok {
			t.Errorf("plan %q missing", name)
			continue
		}
		if len(p.RateCard) < 4 {
			t.Errorf("plan %q has %d rates, want at least 4", name, len(p.RateCard))
		}
	}
}
