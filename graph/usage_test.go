package graph_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/domain/usage"
	"github.com/shopspring/decimal"
)

const recordMutation = `mutation($ns: String!, $events: [UsageEventInput!]!) {
  recordUsage(namespace: $ns, events: $events) { result { accepted duplicates rejected { index id reason } } userErrors { field message code } }
}`

type recordResp struct {
	RecordUsage struct {
		Result struct {
			Accepted, Duplicates int
			Rejected             []struct {
				Index      int
				ID, Reason string
			}
		}
		UserErrors []userError
	}
}

func event(id, usageType, obj, qty, unit string, at time.Time) map[string]any {
	return map[string]any{"id": id, "usageType": usageType, "objectName": obj, "quantity": qty, "unit": unit, "timestamp": at.Format(time.RFC3339Nano)}
}

// TestUsageThroughGraphQL records usage with recordUsage, then reads it back
// through every usage and plan field.
func TestUsageThroughGraphQL(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		p := h.teamAdmin(t)
		c := h.client(p)
		// Inside one hour, two hours ago: far from the future limit and from
		// the late-arrival window.
		hour := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Hour)
		at := hour.Add(5 * time.Minute)
		vcpu := event("e3", "vcpu_hours", "vm1", "2", "hour", at)
		vcpu["deployment"], vcpu["container"] = "web", "nginx"
		events := []map[string]any{
			event("e1", "http_requests", "lb1", "2000000", "request", at),
			event("e2", "http_requests", "lb1", "1000000", "request", at.Add(time.Minute)),
			vcpu,
			event("bad", "no_such_metric", "x", "1", "request", at),
			event("e1", "http_requests", "lb1", "2000000", "request", at), // a repeat
		}
		var rec recordResp
		mustPost(t, c, recordMutation, &rec, client.Var("ns", "shop"), client.Var("events", events))
		if r := rec.RecordUsage.Result; r.Accepted != 3 || r.Duplicates != 1 || len(r.Rejected) != 1 || r.Rejected[0].Index != 3 || r.Rejected[0].ID != "bad" || r.Rejected[0].Reason == "" {
			t.Fatalf("first batch = %+v", r)
		}
		// Retried: counted once.
		mustPost(t, c, recordMutation, &rec, client.Var("ns", "shop"), client.Var("events", events[:3]))
		if r := rec.RecordUsage.Result; r.Accepted != 0 || r.Duplicates != 3 || len(r.Rejected) != 0 {
			t.Fatalf("retry = %+v", r)
		}

		from, to := hour.Format(time.RFC3339), hour.Add(time.Hour).Format(time.RFC3339)
		var resp struct {
			Namespace struct {
				Usage struct {
					From, To string
					Items    []struct {
						Namespace, ObjectName, UsageType, UsageTypeName, Unit, Quantity, From, To string
					}
					Hourly []struct {
						ObjectName, UsageType, Unit, Quantity, From, To string
						Deployment, Container                           *string
					}
				}
				Cost struct {
					Lines []struct {
						Description, Quantity, Unit, Currency, Status, BillableQuantity string
						UsageType, UsageTypeName, BillableUnit                          *string
						AmountCents                                                     int64
						Fixed                                                           bool
					}
					TotalCents, DiscountCents int64
					Currency                  string
				}
			}
			System struct {
				Cost struct {
					Lines []struct {
						AmountCents int64
						Fixed       bool
					}
					TotalCents int64
				}
			}
		}
		mustPost(t, c, `query($from: Time, $to: Time) {
		  namespace(name: "shop") {
		    usage(from: $from, to: $to) {
		      from to
		      items { namespace objectName usageType usageTypeName unit quantity from to }
		      hourly { objectName usageType unit quantity from to deployment container }
		    }
		    cost(from: $from, to: $to) {
		      lines { description usageType usageTypeName quantity unit billableQuantity billableUnit amountCents currency fixed status }
		      totalCents discountCents currency
		    }
		  }
		  system: namespace(name: "system") { cost(from: $from, to: $to) { lines { amountCents fixed } totalCents } }
		}`, &resp, client.Var("from", from), client.Var("to", to))

		u := resp.Namespace.Usage
		if len(u.Items) != 2 {
			t.Fatalf("usage items = %+v", u.Items)
		}
		lb, vm := u.Items[0], u.Items[1]
		if lb.UsageType != "http_requests" || lb.UsageTypeName != "HTTP Load Balancer Requests" || lb.ObjectName != "lb1" || lb.Quantity != "3000000" ||
			lb.Unit != "request" || lb.Namespace != "shop" || lb.From != from || lb.To != to || u.From != from || u.To != to {
			t.Fatalf("http item = %+v", lb)
		}
		if vm.UsageType != "vcpu_hours" || vm.Quantity != "2" {
			t.Fatalf("vcpu item = %+v", vm)
		}
		if len(u.Hourly) != 2 || u.Hourly[0].Quantity != "3000000" || u.Hourly[0].From != from || u.Hourly[0].To != to || u.Hourly[0].Deployment != nil ||
			*u.Hourly[1].Deployment != "web" || *u.Hourly[1].Container != "nginx" {
			t.Fatalf("hourly = %+v", u.Hourly)
		}

		// Team plan: 3 M requests × $0.50 = 150¢; 2 vCPU hours × $0.045 = 9¢.
		cost := resp.Namespace.Cost
		if cost.TotalCents != 159 || cost.DiscountCents != 0 || cost.Currency != "USD" {
			t.Fatalf("cost = %+v", cost)
		}
		byLabel := map[string]int{}
		for i, l := range cost.Lines {
			if l.Fixed {
				t.Fatalf("a namespace has no flat line: %+v", l)
			}
			if l.UsageType != nil {
				byLabel[*l.UsageType] = i
			}
		}
		if l := cost.Lines[byLabel["http_requests"]]; l.Quantity != "3000000" || l.BillableQuantity != "3" || l.AmountCents != 150 ||
			*l.BillableUnit != "million requests" || l.Status != "ACTIVE" || l.Currency != "USD" || *l.UsageTypeName != l.Description {
			t.Fatalf("http line = %+v", l)
		}
		if l := cost.Lines[byLabel["data_transfer"]]; l.Status != "NO_DATA" || l.AmountCents != 0 {
			t.Fatalf("unused line = %+v", l)
		}

		// system covers the tenant; the team plan is in its 30-day trial
		// (the tenant was put on it just now), so no flat price yet.
		var sum, fixed int64
		for _, l := range resp.System.Cost.Lines {
			sum += l.AmountCents
			if l.Fixed {
				fixed += l.AmountCents
			}
		}
		if fixed != 0 || sum != 159 || resp.System.Cost.TotalCents != sum {
			t.Fatalf("system cost = %+v", resp.System.Cost)
		}

		var months struct {
			Shop, System []struct {
				From, To, Currency string
				AmountCents        int64
			}
		}
		mustPost(t, c, `{ shop: monthlyUsage(namespace: "shop") { from to amountCents currency } system: monthlyUsage { from to amountCents currency } }`, &months)
		month := time.Date(hour.Year(), hour.Month(), 1, 0, 0, 0, 0, time.UTC)
		if len(months.Shop) != 1 || months.Shop[0].From != month.Format(time.RFC3339) || months.Shop[0].To != month.AddDate(0, 1, 0).Format(time.RFC3339) ||
			months.Shop[0].AmountCents != 159 || months.Shop[0].Currency != "USD" {
			t.Fatalf("shop months = %+v", months.Shop)
		}
		// The month's total is the running invoice, the very number GraphQL
		// cost gives for the whole month (the team plan's flat price counts
		// from the end of its trial, if that falls in this month).
		var whole struct {
			Namespace struct{ Cost struct{ TotalCents int64 } }
		}
		mustPost(t, c, `query($from: Time, $to: Time) { namespace(name: "system") { cost(from: $from, to: $to) { totalCents } } }`, &whole,
			client.Var("from", month.Format(time.RFC3339)), client.Var("to", month.AddDate(0, 1, 0).Format(time.RFC3339)))
		if len(months.System) != 1 || months.System[0].AmountCents != whole.Namespace.Cost.TotalCents || months.System[0].AmountCents < 159 {
			t.Fatalf("system months = %+v, whole month's cost %d", months.System, whole.Namespace.Cost.TotalCents)
		}

		type summaryItem struct {
			UsageType, UsageTypeName, Unit, Quantity, From, To, BillableUnit, BillableQuantity string
			Service                                                                            *string
		}
		var sum2 struct{ UsageSummary []summaryItem }
		mustPost(t, c, `query($s: Time, $e: Time) { usageSummary(from: $s, to: $e) { usageType usageTypeName service unit quantity from to billableUnit billableQuantity } }`,
			&sum2, client.Var("s", from), client.Var("e", to))
		var http *summaryItem
		for i := range sum2.UsageSummary {
			if sum2.UsageSummary[i].UsageType == "http_requests" {
				http = &sum2.UsageSummary[i]
			}
		}
		if len(sum2.UsageSummary) != 2 || http == nil || http.Quantity != "3000000" || http.BillableQuantity != "3.00" || http.BillableUnit != "million requests" ||
			*http.Service != "f5xc-http-load-balancer" || http.To != to || http.From != from || http.UsageTypeName != "HTTP Load Balancer Requests" {
			t.Fatalf("summary = %+v", sum2.UsageSummary)
		}
	})
}

func TestPlansThroughGraphQL(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		p := h.caller(t, tenancy.RoleViewer, "")
		c := h.client(p)
		type planResp struct {
			ID, Name, Title, PlanType, TenantType, Currency, RenewalPeriodUnit, TrialPeriodUnit string
			FlatPriceCents                                                                      int64
			TrialPeriod                                                                         int
			Current                                                                             bool
			TransitionFlow                                                                      struct {
				Method                 string
				RequiredFields         []string
				RequiresManualApproval bool
			}
			DefaultQuota   struct{ ObjectLimits []struct{ Key string } }
			IncludedAddons []string
			AllowedAddons  []string
			RateCard       []struct {
				UsageType, UsageTypeName, Service, Unit, BillableUnit, UnitsPerBillableUnit, UnitPrice string
			}
		}
		var resp struct {
			Plans       []planResp
			CurrentPlan planResp
		}
		const fields = `id name title planType tenantType flatPriceCents currency renewalPeriodUnit trialPeriod trialPeriodUnit current
		  transitionFlow { method requiredFields requiresManualApproval } defaultQuota { objectLimits { key } }
		  includedAddons allowedAddons
		  rateCard { usageType usageTypeName service unit billableUnit unitsPerBillableUnit unitPrice }`
		mustPost(t, c, `{ plans { `+fields+` } currentPlan { `+fields+` } }`, &resp)
		if len(resp.Plans) != 4 {
			t.Fatalf("plans = %d, want the 4 of the catalog", len(resp.Plans))
		}
		current := 0
		for _, pl := range resp.Plans {
			if pl.Current {
				current++
				if pl.Name != "free" {
					t.Fatalf("a new tenant is on %s, want free", pl.Name)
				}
			}
			if pl.Name == "team" {
				if pl.FlatPriceCents != 9900 || pl.Currency != "USD" || pl.TrialPeriod != 30 || pl.TrialPeriodUnit != "DAY" || pl.RenewalPeriodUnit != "MONTH" ||
					pl.PlanType != "TEAM" || pl.TenantType != "ENTERPRISE" || len(pl.TransitionFlow.RequiredFields) != 3 || len(pl.IncludedAddons) != 2 {
					t.Fatalf("team plan = %+v", pl)
				}
				if r := pl.RateCard[0]; r.UsageType != "http_requests" || r.UnitPrice != "0.5" || r.UnitsPerBillableUnit != "1000000" {
					t.Fatalf("team rate = %+v", r)
				}
			}
		}
		if current != 1 {
			t.Fatalf("%d plans are current, want 1", current)
		}
		if cp := resp.CurrentPlan; cp.Name != "free" || !cp.Current || len(cp.DefaultQuota.ObjectLimits) == 0 || cp.AllowedAddons == nil {
			t.Fatalf("current plan = %+v", cp)
		}

		if err := h.subs.AssignPlan(context.Background(), operatorOn(p.TenantID), "organization"); err != nil {
			t.Fatal(err)
		}
		var cur struct{ CurrentPlan struct{ Name string } }
		mustPost(t, c, `{ currentPlan { name } }`, &cur)
		if cur.CurrentPlan.Name != "organization" {
			t.Fatalf("current plan after the change = %s", cur.CurrentPlan.Name)
		}
	}, withPlanQuotas)
}

func TestUsageFieldErrors(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		admin := h.caller(t, tenancy.RoleAdmin, "")
		at := time.Now().UTC().Add(-time.Hour)
		ev := []map[string]any{event("e1", "http_requests", "lb1", "1", "request", at)}
		var resp map[string]any

		// A viewer reads but does not record.
		viewer := h.client(h.sameTenant(t, admin, tenancy.RoleViewer, ""))
		wantUserError(t, viewer, recordMutation, "FORBIDDEN", client.Var("ns", "shop"), client.Var("events", ev))
		mustPost(t, viewer, `{ namespace(name: "system") { usage { items { quantity } } cost { totalCents } } }`, &resp)

		// A token bound to a namespace sees neither other namespaces' usage
		// nor tenant-wide reports.
		bound := h.client(h.sameTenant(t, admin, tenancy.RoleEditor, "shop"))
		mustPost(t, bound, recordMutation, &resp, client.Var("ns", "shop"), client.Var("events", ev))
		wantUserError(t, bound, recordMutation, "FORBIDDEN", client.Var("ns", "other"), client.Var("events", ev))
		wantCode(t, bound.Post(`{ monthlyUsage { amountCents } }`, &resp), "FORBIDDEN")
		wantCode(t, bound.Post(`{ usageSummary { quantity } }`, &resp), "FORBIDDEN")
		wantCode(t, bound.Post(`{ plans { name } }`, &resp), "FORBIDDEN")
		mustPost(t, bound, `{ monthlyUsage(namespace: "shop") { amountCents } }`, &resp)

		c := h.client(admin)
		e := wantCode(t, c.Post(`{ namespace(name: "shop") { cost(from: "2026-03-02T00:00:00Z", to: "2026-03-01T00:00:00Z") { totalCents } } }`, &resp), "INVALID_ARGUMENT")
		if len(e.Extensions.Fields) == 0 || e.Extensions.Fields[0].Field != "from" {
			t.Fatalf("fields = %+v", e.Extensions.Fields)
		}
		e = wantCode(t, c.Post(`{ usageSummary(from: "yesterday") { quantity } }`, &resp), "INVALID_ARGUMENT")
		if len(e.Extensions.Fields) == 0 || e.Extensions.Fields[0].Field != "usageSummary.from" && e.Extensions.Fields[0].Field != "from" {
			t.Fatalf("usageSummary fields = %+v", e)
		}
		wantCode(t, c.Post(`{ monthlyUsage(namespace: "Not_A_Label") { amountCents } }`, &resp), "INVALID_ARGUMENT")
		bad := []map[string]any{event("e9", "http_requests", "lb1", "1.5e3", "request", at)}
		wantCode(t, c.Post(recordMutation, &resp, client.Var("ns", "shop"), client.Var("events", bad)), "INVALID_ARGUMENT")
	})
}

// TestNoNPlusOneUsage proves that usage and cost of a page of namespaces cost
// the same number of SQL statements for 1 namespace as for 50: both go
// through per-request loaders whose batch is one plan lookup and one rollups
// query (usage.Service.UsageByNamespaces / CostByNamespaces).
func TestNoNPlusOneUsage(t *testing.T) {
	t.Parallel()
	const query = `{ namespaces(first: 50) { edges { node { name usage { items { quantity } } cost { totalCents } } } } }`
	forEachStore(t, func(t *testing.T, h *harness) {
		measure := func(t *testing.T, n int) (statements int64, listed int) {
			p := h.teamAdmin(t)
			ctx := asCaller(p)
			at := time.Now().UTC().Add(-time.Minute)
			for i := range n {
				ns := fmt.Sprintf("ns-%02d", i)
				res, err := h.us.Ingest(ctx, tenancy.FromContext(ctx), ns, []usage.Event{{ID: ns + "-e", UsageType: "http_requests", ObjectName: "lb",
					Quantity: decimal.NewFromInt(1_000_000), UnitName: "request", Timestamp: at}})
				if err != nil || res.Accepted != 1 {
					t.Fatalf("ingest %s: %+v, %v", ns, res, err)
				}
			}
			c := h.client(p)
			var resp struct {
				Namespaces struct {
					Edges []struct {
						Node struct {
							Name  string
							Usage struct{ Items []struct{ Quantity string } }
							Cost  struct{ TotalCents int64 }
						}
					}
				}
			}
			before := h.db.Queries()
			mustPost(t, c, query, &resp)
			statements = h.db.Queries() - before
			for _, e := range resp.Namespaces.Edges {
				if e.Node.Name == tenancy.SystemNamespace {
					continue
				}
				// 1 M requests at the team plan's $0.50 per million.
				if len(e.Node.Usage.Items) != 1 || e.Node.Usage.Items[0].Quantity != "1000000" || e.Node.Cost.TotalCents != 50 {
					t.Fatalf("namespace %s = %+v", e.Node.Name, e.Node)
				}
			}
			return statements, len(resp.Namespaces.Edges)
		}
		// Sequential: the statement counter is per store, shared by both.
		one, listedOne := measure(t, 1)
		fifty, listedFifty := measure(t, 50)
		t.Logf("SQL statements: %d for %d namespaces listed, %d for %d", one, listedOne, fifty, listedFifty)
		if listedFifty != 50 {
			t.Fatalf("listed %d namespaces, want 50", listedFifty)
		}
		if one != fifty {
			t.Fatalf("statements grow with namespaces: %d for %d, %d for %d", one, listedOne, fifty, listedFifty)
		}
	})
}
