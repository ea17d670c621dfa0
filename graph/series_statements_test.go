package graph_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"
	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/domain/usage"
	"github.com/billingd/billingd/graph"
	"github.com/shopspring/decimal"
)

// seriesTenant is a tenant on the team plan with usage in three namespaces
// at hours spread over the last 32 days (so a month of buckets crosses a
// month boundary and holds empty and busy buckets).
func seriesTenant(t *testing.T, h *harness, nss int) (tenancy.Principal, time.Time) {
	t.Helper()
	p := h.teamAdmin(t)
	ctx := asCaller(p)
	now := time.Now().UTC().Truncate(time.Hour)
	for i := range nss {
		ns := fmt.Sprintf("ns-%02d", i)
		var evs []usage.Event
		for k := range 8 {
			at := now.Add(-time.Duration(k*97+i%10*5) * time.Hour)
			evs = append(evs,
				usage.Event{ID: fmt.Sprintf("%s-%d", ns, k), UsageType: "http_requests", ObjectName: "lb-" + fmt.Sprint(k%2),
					Quantity: decimal.NewFromInt(int64(300_001 * (k + i + 1))), UnitName: "request", Timestamp: at},
				usage.Event{ID: fmt.Sprintf("%s-%d-v", ns, k), UsageType: "vcpu_hours", ObjectName: "vm",
					Quantity: decimal.NewFromInt(int64(k + 1)), UnitName: "hour", Timestamp: at})
		}
		if res, err := h.us.Ingest(ctx, p, ns, evs); err != nil || res.Accepted != len(evs) {
			t.Fatalf("ingest %s: %+v %v", ns, res, err)
		}
	}
	return p, now.Add(time.Hour)
}

// TestSeriesStatements: costSeries and priced usageSeries cost a constant
// number of SQL statements whatever their number of buckets (31 days, 744
// hours), and each bucket's amount is, to the cent, the single-window
// report of its range (CurrentUsage, what REST current_usage and the
// invoices answer).
func TestSeriesStatements(t *testing.T) {
	t.Parallel()
	const maxStatements = 15
	forEachStore(t, func(t *testing.T, h *harness) {
		p, end := seriesTenant(t, h, 3)
		ctx := asCaller(p)
		c := h.client(p)
		const costQ = `query($f: Time!, $t: Time!, $g: Granularity!, $by: [CostGroupBy!]) { costSeries(from: $f, to: $t, granularity: $g, groupBy: $by) {
		  buckets { from to totalCents groups { namespace totalCents } } } }`
		measure := func(q string, resp any, vars ...client.Option) int64 {
			t.Helper()
			before := h.db.Queries()
			mustPost(t, c, q, resp, vars...)
			return h.db.Queries() - before
		}
		check := func(name string, n int, statements int64, r costSeriesAnswer, every int) {
			t.Helper()
			t.Logf("%s: %d buckets, %d SQL statements", name, len(r.CostSeries.Buckets), statements)
			if len(r.CostSeries.Buckets) != n {
				t.Fatalf("%s: %d buckets, want %d", name, len(r.CostSeries.Buckets), n)
			}
			if statements > maxStatements {
				t.Fatalf("%s: %d statements, want at most %d", name, statements, maxStatements)
			}
			var nonZero int
			for i, b := range r.CostSeries.Buckets {
				if b.TotalCents != 0 {
					nonZero++
				}
				if i%every != 0 && b.TotalCents == 0 && i != len(r.CostSeries.Buckets)-1 {
					continue // a sample of the empty buckets, every busy one
				}
				for _, g := range b.Groups {
					ns := tenancy.SystemNamespace
					if g.Namespace != nil {
						ns = *g.Namespace
					}
					want, err := h.us.CurrentUsage(ctx, p, ns, mustTime(t, b.From), mustTime(t, b.To))
					if err != nil {
						t.Fatal(err)
					}
					if g.TotalCents != want.TotalCents {
						t.Fatalf("%s: bucket %s %s = %d cents, current_usage says %d", name, b.From, ns, g.TotalCents, want.TotalCents)
					}
				}
			}
			if nonZero == 0 {
				t.Fatalf("%s: every bucket is empty", name)
			}
		}
		dayFrom := end.Truncate(24*time.Hour).AddDate(0, 0, -30)
		var r costSeriesAnswer
		n := measure(costQ, &r, client.Var("f", dayFrom), client.Var("t", dayFrom.AddDate(0, 0, 31)), client.Var("g", "DAY"), client.Var("by", []string{}))
		check("costSeries 31 DAY", 31, n, r, 1)
		n = measure(costQ, &r, client.Var("f", dayFrom), client.Var("t", dayFrom.AddDate(0, 0, 31)), client.Var("g", "DAY"), client.Var("by", []string{"NAMESPACE"}))
		check("costSeries 31 DAY by namespace", 31, n, r, 1)
		hourFrom := end.Add(-744 * time.Hour)
		n = measure(costQ, &r, client.Var("f", hourFrom), client.Var("t", end), client.Var("g", "HOUR"), client.Var("by", []string{}))
		check("costSeries 744 HOUR", 744, n, r, 37)
		n = measure(costQ, &r, client.Var("f", hourFrom), client.Var("t", end), client.Var("g", "HOUR"), client.Var("by", []string{"NAMESPACE"}))
		check("costSeries 744 HOUR by namespace", 744, n, r, 37)

		// Priced usage points: each namespace's points add up to its cost
		// of the bucket.
		var us struct {
			UsageSeries struct {
				Buckets []struct {
					From, To string
					Points   []struct {
						Namespace   *string
						AmountCents *int64
					}
				}
			}
		}
		n = measure(`query($f: Time!, $t: Time!) { usageSeries(from: $f, to: $t, granularity: DAY, groupBy: [NAMESPACE]) {
		  buckets { from to points { namespace amountCents } } } }`, &us, client.Var("f", dayFrom), client.Var("t", dayFrom.AddDate(0, 0, 31)))
		t.Logf("priced usageSeries 31 DAY: %d SQL statements", n)
		if len(us.UsageSeries.Buckets) != 31 || n > maxStatements {
			t.Fatalf("priced usageSeries: %d buckets, %d statements", len(us.UsageSeries.Buckets), n)
		}
		for _, b := range us.UsageSeries.Buckets {
			sums := map[string]int64{}
			for _, pt := range b.Points {
				if pt.AmountCents == nil || pt.Namespace == nil {
					t.Fatalf("bucket %s: point %+v", b.From, pt)
				}
				sums[*pt.Namespace] += *pt.AmountCents
			}
			for ns, got := range sums {
				want, err := h.us.CurrentUsage(ctx, p, ns, mustTime(t, b.From), mustTime(t, b.To))
				if err != nil {
					t.Fatal(err)
				}
				if got != want.TotalCents {
					t.Fatalf("bucket %s %s: points add up to %d cents, current_usage says %d", b.From, ns, got, want.TotalCents)
				}
			}
		}

		var fc struct{ Forecast struct{ ToDateCents int64 } }
		n = measure(`{ forecast(namespace: "system") { toDateCents } }`, &fc)
		t.Logf("forecast: %d SQL statements", n)
		if n > maxStatements {
			t.Fatalf("forecast: %d statements", n)
		}
	})
}

// TestRangeAliasStatements: aliases of Namespace.cost and Namespace.usage
// (with hourly or totals) over distinct ranges cost the statements of one
// range: the loaders fetch every range of the operation in one batched
// call, and the store reads every range's sums with one query. Each
// alias's answer is the single-range report.
func TestRangeAliasStatements(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		p, end := seriesTenant(t, h, 50)
		ctx := asCaller(p)
		// 20 distinct ranges cost 20 × RangeReportCost: lift the limit,
		// which is not what this test is about.
		c := client.New(h.handler(&p, graph.Config{MaxComplexity: 100_000}))
		measure := func(aliases int, fields string) (int64, map[string]any) {
			t.Helper()
			var b strings.Builder
			b.WriteString(`{ namespaces(first: 50) { edges { node { name `)
			for i := range aliases {
				from := end.Add(-time.Duration(24*(i+1)) * time.Hour).Format(time.RFC3339)
				fmt.Fprintf(&b, fields, i, from, end.Format(time.RFC3339))
			}
			b.WriteString(`} } } }`)
			var resp struct {
				Namespaces struct {
					Edges []struct{ Node map[string]any }
				}
			}
			before := h.db.Queries()
			mustPost(t, c, b.String(), &resp)
			n := h.db.Queries() - before
			if len(resp.Namespaces.Edges) != 50 {
				t.Fatalf("%d namespaces listed", len(resp.Namespaces.Edges))
			}
			return n, resp.Namespaces.Edges[7].Node
		}
		for _, tc := range []struct{ name, fields string }{
			{"cost", `c%d: cost(from: %q, to: %q) { totalCents } `},
			{"hourly usage and cost", `u%[1]d: usage(from: %[2]q, to: %[3]q) { hourly { quantity } } c%[1]d: cost(from: %[2]q, to: %[3]q) { totalCents } `},
			{"usage totals and cost", `u%[1]d: usage(from: %[2]q, to: %[3]q) { items { quantity } } c%[1]d: cost(from: %[2]q, to: %[3]q) { totalCents } `},
		} {
			one, _ := measure(1, tc.fields)
			twenty, node := measure(20, tc.fields)
			t.Logf("%s: %d SQL statements for 1 range, %d for 20 distinct ranges (50 namespaces)", tc.name, one, twenty)
			if twenty > one+2 {
				t.Fatalf("%s: statements grow with the ranges: %d for 1, %d for 20", tc.name, one, twenty)
			}
			ns := node["name"].(string)
			for i := range 20 {
				from := end.Add(-time.Duration(24*(i+1)) * time.Hour)
				want, err := h.us.CurrentUsage(ctx, p, ns, from, end)
				if err != nil {
					t.Fatal(err)
				}
				got := node[fmt.Sprintf("c%d", i)].(map[string]any)["totalCents"]
				if f, ok := got.(float64); !ok || int64(f) != want.TotalCents {
					t.Fatalf("%s: alias c%d of %s: %v cents, current_usage says %d", tc.name, i, ns, got, want.TotalCents)
				}
			}
		}
	})
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestObjectAmountsAddUp: split by object, each object's amount is its
// share of its namespace's amount, and a namespace's objects add up exactly
// to it (largest remainder), however the cents divide.
func TestObjectAmountsAddUp(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		p := h.teamAdmin(t)
		ctx := asCaller(p)
		day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -2)
		for i, ns := range []string{"ns-a", "ns-b"} {
			var evs []usage.Event
			// Three objects whose quantities split an amount into thirds.
			for o, qty := range []int64{1_000_001, 1_000_001, 1_000_001 + int64(i)*777_777} {
				evs = append(evs, usage.Event{ID: fmt.Sprintf("%s-%d", ns, o), UsageType: "http_requests", ObjectName: fmt.Sprintf("lb-%d", o),
					Quantity: decimal.NewFromInt(qty), UnitName: "request", Timestamp: day.Add(time.Duration(o+5) * time.Hour)})
			}
			if res, err := h.us.Ingest(ctx, p, ns, evs); err != nil || res.Accepted != len(evs) {
				t.Fatalf("ingest: %+v %v", res, err)
			}
		}
		c := h.client(p)
		type series struct {
			UsageSeries struct {
				Buckets []struct {
					From   string
					Points []struct {
						UsageType             string
						Namespace, ObjectName *string
						AmountCents           *int64
					}
				}
			}
		}
		q := `query($f: Time!, $t: Time!, $g: [UsageGroupBy!]) { usageSeries(from: $f, to: $t, granularity: DAY, groupBy: $g) {
		  buckets { from points { usageType namespace objectName amountCents } } } }`
		from, to := day.Format(time.RFC3339), day.AddDate(0, 0, 1).Format(time.RFC3339)
		var byNs, byObj series
		mustPost(t, c, q, &byNs, client.Var("f", from), client.Var("t", to), client.Var("g", []string{"NAMESPACE"}))
		mustPost(t, c, q, &byObj, client.Var("f", from), client.Var("t", to), client.Var("g", []string{"OBJECT"}))
		want := map[string]int64{}
		for _, b := range byNs.UsageSeries.Buckets {
			for _, pt := range b.Points {
				if pt.AmountCents == nil {
					t.Fatalf("namespace point %+v has no amount", pt)
				}
				want[b.From+"/"+*pt.Namespace+"/"+pt.UsageType] = *pt.AmountCents
			}
		}
		got := map[string]int64{}
		objects := 0
		for _, b := range byObj.UsageSeries.Buckets {
			for _, pt := range b.Points {
				if pt.AmountCents == nil || pt.ObjectName == nil || pt.Namespace == nil {
					t.Fatalf("object point %+v", pt)
				}
				got[b.From+"/"+*pt.Namespace+"/"+pt.UsageType] += *pt.AmountCents
				objects++
			}
		}
		if objects != 6 || len(want) != 2 || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("objects' amounts add up to %v over %d objects, namespaces' are %v", got, objects, want)
		}
		// The namespaces' amounts are current_usage's.
		for _, ns := range []string{"ns-a", "ns-b"} {
			c, err := h.us.CurrentUsage(ctx, p, ns, day, day.AddDate(0, 0, 1))
			if err != nil {
				t.Fatal(err)
			}
			if w := want[from+"/"+ns+"/http_requests"]; w != c.TotalCents || w == 0 {
				t.Fatalf("%s: points %d cents, current_usage %d", ns, w, c.TotalCents)
			}
		}
	})
}

// TestNamespaceCostReadsNoMoreThanTheTenants: a namespace's cost is its
// share of the tenant's statement, read with every namespace's sums of the
// statement's windows. In a request with a memo (every GraphQL query,
// REST's reports) pricing and the shares read those rows together, so
// on PostgreSQL a namespace's current_usage runs no more statements than
// the tenant's; SQLite, without GROUPING SETS, runs one more. The answers
// are those read without a memo.
func TestNamespaceCostReadsNoMoreThanTheTenants(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		p, now := seriesTenant(t, h, 3)
		ctx := asCaller(p)
		for _, r := range [][2]time.Time{{now.AddDate(0, 0, -30), now}, {now.AddDate(0, 0, -3).Add(5 * time.Hour), now.Add(-time.Hour)}} {
			statements := func(ns string) (int64, usage.Cost) {
				before := h.db.Queries()
				c, err := h.us.CurrentUsage(kernel.WithMemo(ctx), p, ns, r[0], r[1])
				if err != nil {
					t.Fatal(err)
				}
				n := h.db.Queries() - before
				alone, err := h.us.CurrentUsage(ctx, p, ns, r[0], r[1])
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(c, alone) {
					t.Fatalf("%s [%s, %s): with a memo %+v, without %+v", ns, r[0], r[1], c, alone)
				}
				return n, c
			}
			tenant, _ := statements("system")
			ns, c := statements("ns-01")
			t.Logf("[%s, %s): system %d statements, a namespace %d", r[0], r[1], tenant, ns)
			if c.TotalCents == 0 {
				t.Fatalf("ns-01 costs nothing over [%s, %s): the test prices nothing", r[0], r[1])
			}
			want := tenant
			if h.db.Dialect() == store.SQLite {
				want++
			}
			if ns != want {
				t.Errorf("[%s, %s): a namespace's current_usage ran %d statements, the tenant's %d (want %d)", r[0], r[1], ns, tenant, want)
			}
			// GraphQL's cost of a page of namespaces reads the same way.
			before := h.db.Queries()
			costs, err := h.us.CostByRanges(kernel.WithMemo(ctx), p, []string{"ns-00", "ns-01", "ns-02"}, []usage.Window{{From: r[0], To: r[1]}})
			if err != nil {
				t.Fatal(err)
			}
			if n := h.db.Queries() - before; n != want {
				t.Errorf("[%s, %s): the cost of three namespaces ran %d statements, want %d", r[0], r[1], n, want)
			}
			if !reflect.DeepEqual(costs[0]["ns-01"], c) {
				t.Errorf("[%s, %s): ns-01's cost in a page %+v, its current_usage %+v", r[0], r[1], costs[0]["ns-01"], c)
			}
		}
	})
}
