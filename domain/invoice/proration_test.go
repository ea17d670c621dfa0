package invoice_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/billingd/billingd/domain/invoice"
	"github.com/billingd/billingd/domain/subscription"
	"github.com/billingd/billingd/domain/tenancy"
)

func change(from, to string, at time.Time) subscription.PlanChange {
	return subscription.PlanChange{TenantID: acme.ID, ID: from + "-" + to + at.String(), OldPlan: from, NewPlan: to, At: at}
}

// lineSummary is "kind|description|quantity|unit price|amount" per line.
func lineSummary(ls []invoice.Line) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = fmt.Sprintf("%s|%s|%s|%s|%d", l.Kind, l.Description, l.Quantity, l.UnitPrice.StringFixed(2), l.AmountCents)
	}
	return out
}

func TestProration(t *testing.T) {
	t.Parallel()
	at := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, time.UTC) }
	// 2500 × 2501/5000 = 1250.5 exactly: half-up gives 1251 (half-even would give 1250).
	half := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC).Add(-1296518400 * time.Millisecond)
	cases := []struct {
		name    string
		current string
		changes memChanges
		want    []string
		total   int64
	}{
		{
			name: "upgrade mid-month", current: "team",
			changes: memChanges{change("individual", "team", at(14, 9, 0))},
			// 16 days 15 hours of 30: 2500 × 399/720 = 1385.41…, 9900 × 399/720 = 5486.25.
			want: []string{
				"plan|Individual plan|1|25.00|2500",
				"proration|Credit: plan individual from 14 November 2026, 09:00 UTC to the end of 30 November 2026 (16.62 of 30 days)|-0.5542|25.00|-1385",
				"proration|Charge: plan team from 14 November 2026, 09:00 UTC to the end of 30 November 2026 (16.62 of 30 days)|0.5542|99.00|5486",
				"usage|HTTP requests|2000000|0.50|100",
			},
			total: 2500 - 1385 + 5486 + 100,
		},
		{
			name: "half a cent rounds up", current: "team",
			changes: memChanges{change("individual", "team", half)},
			want: []string{
				"plan|Individual plan|1|25.00|2500",
				"proration|Credit: plan individual from 15 November 2026, 23:51:21 UTC to the end of 30 November 2026 (15.01 of 30 days)|-0.5002|25.00|-1251",
				"proration|Charge: plan team from 15 November 2026, 23:51:21 UTC to the end of 30 November 2026 (15.01 of 30 days)|0.5002|99.00|4952",
				"usage|HTTP requests|2000000|0.50|100",
			},
			total: 2500 - 1251 + 4952 + 100,
		},
		{
			name: "two changes in one month", current: "team",
			changes: memChanges{change("free", "individual", at(10, 0, 0)), change("individual", "team", at(20, 12, 0))},
			// The free plan has no flat price: neither a plan line nor a credit.
			want: []string{
				"proration|Charge: plan individual from 10 November 2026 to the end of 30 November 2026 (21.00 of 30 days)|0.7|25.00|1750",
				"proration|Credit: plan individual from 20 November 2026, 12:00 UTC to the end of 30 November 2026 (10.50 of 30 days)|-0.35|25.00|-875",
				"proration|Charge: plan team from 20 November 2026, 12:00 UTC to the end of 30 November 2026 (10.50 of 30 days)|0.35|99.00|3465",
				"usage|HTTP requests|2000000|0.50|100",
			},
			total: 1750 - 875 + 3465 + 100,
		},
		{
			name: "change on the first instant of the month", current: "team",
			changes: memChanges{change("individual", "team", at(1, 0, 0))},
			// In force for the whole month: the new plan, no proration.
			want:  []string{"plan|Team plan|1|99.00|9900", "usage|HTTP requests|2000000|0.50|100"},
			total: 9900 + 100,
		},
		{
			name: "changes of other months", current: "team",
			changes: memChanges{change("free", "individual", time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)), change("individual", "team", time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))},
			// November was all on individual (the December change is later),
			// usage included: the plan in force at the period's end.
			want:  []string{"plan|Individual plan|1|25.00|2500", "usage|HTTP requests|2000000|0.75|150"},
			total: 2500 + 150,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnvOn(t, time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC), c.changes, map[string]string{acme.ID: c.current})
			e.use.add(acme.ID, "http_requests", 2_000_000, at(3, 10, 0))
			viewer := as(acme, tenancy.RoleViewer)
			if c.name == "changes of other months" {
				// Price November as of December 2 (after the December change).
				e.clock.Advance(7 * 24 * time.Hour)
			}
			pend, err := e.svc.Get(viewer, tenancy.FromContext(viewer), "inv-pending-2026-11")
			if c.name == "changes of other months" {
				// November is no longer running: close it and read the issued one.
				if _, err := e.svc.Close(context.Background(), closer, period(t, "2026-11")); err != nil {
					t.Fatal(err)
				}
				pend, err = e.svc.Get(viewer, tenancy.FromContext(viewer), "inv-000001")
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := lineSummary(pend.Lines); !slices.Equal(got, c.want) || pend.AmountCents != c.total {
				t.Fatalf("lines (total %d, want %d):\n%s\nwant\n%s", pend.AmountCents, c.total, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
			if c.name == "changes of other months" {
				return
			}
			// The issued invoice shows the very same lines as the running one did.
			e.clock.Advance(time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC).Sub(e.clock.Now()))
			res, err := e.svc.Close(context.Background(), closer, period(t, "2026-11"))
			if err != nil || len(res.Issued) != 1 {
				t.Fatalf("close: %+v %v", res, err)
			}
			issued, err := e.svc.Get(viewer, tenancy.FromContext(viewer), res.Issued[0].Name)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(lineSummary(issued.Lines), lineSummary(pend.Lines)) || issued.AmountCents != pend.AmountCents || issued.PlanName != c.current {
				t.Fatalf("issued %+v\nrunning %+v", issued, pend)
			}
			// LinesOf reads the same lines back.
			got, err := e.svc.LinesOf(viewer, tenancy.FromContext(viewer), []string{issued.Name, "inv-000404"})
			if err != nil || len(got) != 1 || !slices.Equal(lineSummary(got[issued.Name]), c.want) {
				t.Fatalf("LinesOf: %v %v", got, err)
			}
		})
	}
}
