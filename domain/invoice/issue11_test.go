package invoice_test

import (
	"context"
	"testing"
	"time"

	"github.com/billingd/billingd/domain/invoice"
	"github.com/billingd/billingd/domain/subscription"
	"github.com/billingd/billingd/domain/tenancy"
)

// The examples of issue 11, each checked against every report: the
// invoice, current_usage (system) and monthly_usage give one number.

// sameEverywhere checks that current_usage and monthly_usage of month p
// are want, the invoice's amount.
func sameEverywhere(t *testing.T, e env, p invoice.Period, want int64) {
	t.Helper()
	ctx := as(acme, tenancy.RoleViewer)
	c, err := e.us.CurrentUsage(ctx, tenancy.FromContext(ctx), tenancy.SystemNamespace, p.Start(), p.End())
	if err != nil {
		t.Fatal(err)
	}
	if c.TotalCents != want {
		t.Errorf("current_usage of %s = %d, invoice %d: %+v", p, c.TotalCents, want, c.Lines)
	}
}

// TestPastMonthKeepsItsPlan: free all November, team from 1 December
// 02:16. November was priced at team ($2,182.19 with a "Team plan" line it
// never had) while its issued invoice said $0.00; now November is free
// everywhere, before and after it is issued.
func TestPastMonthKeepsItsPlan(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 1, 2, 16, 0, 0, time.UTC)
	e := newEnvOn(t, time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC), memChanges{change("free", "team", at)}, map[string]string{acme.ID: "team"})
	nov := period(t, "2026-11")
	e.use.add(acme.ID, "http_requests", 4_000_000_000, time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC))
	sameEverywhere(t, e, nov, 0)
	ms, err := e.us.MonthlyUsage(context.Background(), tenancy.FromContext(as(acme, tenancy.RoleViewer)), tenancy.SystemNamespace)
	if err != nil || len(ms) != 1 || ms[0].AmountCents != 0 {
		t.Fatalf("monthly_usage %+v %v, want November at 0", ms, err)
	}
	res, err := e.svc.Close(context.Background(), closer, nov)
	if err != nil || len(res.Issued) != 1 || res.Issued[0].AmountCents != 0 {
		t.Fatalf("close: %+v %v", res, err)
	}
	sameEverywhere(t, e, nov, 0)
	// December: the team plan from 02:16 (30 days 21 h 44 min of 31 days).
	dec := period(t, "2026-12")
	pend, err := e.svc.Get(context.Background(), tenancy.FromContext(as(acme, tenancy.RoleViewer)), invoice.PendingName(dec))
	if err != nil || len(pend.Lines) != 1 || pend.Lines[0].AmountCents != 9870 {
		t.Fatalf("December: %+v %v", pend, err)
	}
	sameEverywhere(t, e, dec, 9870)
}

// TestDowngradeBeforeMonthEnd: team → free on 28 November. One transition
// to free turned a running invoice of $4,598.71 into $0; now the team plan
// is charged for its 27 days and the usage of its hours at its prices.
func TestDowngradeBeforeMonthEnd(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	e := newEnvOn(t, time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC), memChanges{change("team", "free", at)}, map[string]string{acme.ID: "free"})
	e.use.add(acme.ID, "http_requests", 9_000_000, time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)) // team: 9 × 0.50
	e.use.add(acme.ID, "http_requests", 5_000_000, time.Date(2026, 11, 28, 5, 0, 0, 0, time.UTC)) // free
	nov := period(t, "2026-11")
	pend, err := e.svc.Get(context.Background(), tenancy.FromContext(as(acme, tenancy.RoleViewer)), invoice.PendingName(nov))
	if err != nil {
		t.Fatal(err)
	}
	// 9900 × 27/30 = 8910; 450 for the team hours; 0 for the free ones.
	if pend.AmountCents != 8910+450 {
		t.Fatalf("running invoice %d: %+v", pend.AmountCents, pend.Lines)
	}
	sameEverywhere(t, e, nov, 8910+450)
}

// TestAddonResubscribedEveryThreeMinutes: four periods of 170 s gave four
// 0-cent lines; re-subscribing every 3 minutes made an add-on free. Now
// the time is summed per month and rounded once.
func TestAddonResubscribedEveryThreeMinutes(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var subs []subscription.Subscription
	for i := range 14_400 { // every 3 minutes, all month: 170 s on, 10 s off
		from := start.Add(time.Duration(i) * 3 * time.Minute)
		subs = append(subs, subscription.Subscription{TenantID: acme.ID, ID: "a", Kind: subscription.KindAddon, Name: "f5xc_waap_standard",
			Start: from, End: from.Add(170 * time.Second)})
	}
	e := newEnv(t, time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC), memSubs{acme.ID: subs})
	res, err := e.svc.Close(context.Background(), closer, period(t, "2026-11"))
	if err != nil || len(res.Issued) != 1 {
		t.Fatalf("close: %+v %v", res, err)
	}
	var addon []invoice.Line
	for _, l := range res.Issued[0].Lines {
		if l.Kind == invoice.KindAddon {
			addon = append(addon, l)
		}
	}
	// 14,400 × 170 s of 2,592,000 s: 3000 × 2448000/2592000 = 2833.33 → 2833.
	if len(addon) != 1 || addon[0].AmountCents != 2833 {
		t.Fatalf("add-on lines %+v", addon)
	}
	sameEverywhere(t, e, period(t, "2026-11"), res.Issued[0].AmountCents)
}

// TestTrialChargesNoFlatPrice: the team plan showed `trial: true` while its
// running invoice charged a plan proration. A plan with a trial charges its
// flat price from the trial's end only, in every report.
func TestTrialChargesNoFlatPrice(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC) // trial until 24 November
	e := newEnvOn(t, time.Date(2026, 11, 12, 0, 0, 0, 0, time.UTC), memChanges{change("free", "pro", at)}, map[string]string{acme.ID: "pro"})
	nov := period(t, "2026-11")
	pend, err := e.svc.Get(context.Background(), tenancy.FromContext(as(acme, tenancy.RoleViewer)), invoice.PendingName(nov))
	if err != nil {
		t.Fatal(err)
	}
	// 3000 × 7/30 days = 700.
	if len(pend.Lines) != 1 || pend.Lines[0].AmountCents != 700 || pend.Lines[0].Description != "Pro plan from 24 November 2026 to the end of 30 November 2026 (7.00 of 30 days)" {
		t.Fatalf("running invoice: %+v", pend.Lines)
	}
	sameEverywhere(t, e, nov, 700)
}
