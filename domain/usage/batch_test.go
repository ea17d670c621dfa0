package usage_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/domain/usage"
	"github.com/shopspring/decimal"
)

// batchRepo holds rollups of tenant "acme" and counts Rollups calls.
type batchRepo struct {
	mu    sync.Mutex
	rows  []usage.Rollup
	calls [][]string
}

func (r *batchRepo) InsertEvents(context.Context, string, []usage.Event) ([]usage.Outcome, error) {
	return nil, errors.New("not used")
}

// TypeTotals returns Rollups' rows: the service sums them.
func (r *batchRepo) ObjectTotals(ctx context.Context, tenantID string, nss []string, ranges []usage.Window) ([][]usage.Rollup, error) {
	return usage.RollupsByRange(ctx, r.Rollups, tenantID, nss, ranges)
}

func (r *batchRepo) NamespaceTotals(ctx context.Context, tenantID string, nss []string, ranges []usage.Window) ([][]usage.Rollup, error) {
	return usage.RollupsByRange(ctx, r.Rollups, tenantID, nss, ranges)
}

func (r *batchRepo) TypeHours(ctx context.Context, tenantID string, nss []string, from, to time.Time, _ bool) ([]usage.Rollup, error) {
	return r.Rollups(ctx, tenantID, nss, from, to)
}

func (r *batchRepo) TypeTotals(ctx context.Context, tenantID string, nss []string, from, to time.Time) ([]usage.Rollup, error) {
	return r.Rollups(ctx, tenantID, nss, from, to)
}

func (r *batchRepo) Rollups(_ context.Context, tenantID string, nss []string, from, to time.Time) ([]usage.Rollup, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, slices.Clone(nss))
	var out []usage.Rollup
	for _, x := range r.rows {
		if tenantID == "acme" && (nss == nil || slices.Contains(nss, x.Namespace)) && !x.Hour.Before(from) && x.Hour.Before(to) {
			out = append(out, x)
		}
	}
	return out, nil
}

func (r *batchRepo) Months(context.Context, string, []string) ([]usage.Rollup, error) {
	return nil, errors.New("not used")
}
func (r *batchRepo) LateWindow(context.Context, string) (time.Duration, error)  { return 0, nil }
func (r *batchRepo) SetLateWindow(context.Context, string, time.Duration) error { return nil }

type batchTx struct{}

func (batchTx) InTx(ctx context.Context, fn func(context.Context) error) error { return fn(ctx) }
func (batchTx) InTransaction(context.Context) bool                             { return false }

// batchPlans counts plan lookups.
type batchPlans struct {
	mu    sync.Mutex
	calls int
}

var batchPlan = plan.Plan{Name: "team", Title: "Team", FlatPriceCents: 1000, RenewalPeriodUnit: plan.PeriodMonth,
	RateCard: []plan.Rate{{MetricLabel: "http_requests", DisplayName: "HTTP requests", UnitName: "request",
		UnitNameBillable: "million requests", UnitsPerBillable: decimal.NewFromInt(1_000_000), PricePerBillable: decimal.RequireFromString("0.35")}}}

func (p *batchPlans) PlanOf(context.Context, tenancy.Principal) (plan.Plan, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	return batchPlan, nil
}
func (p *batchPlans) Catalog() *plan.Catalog { return &plan.Catalog{Currency: "USD"} }

func newBatchService(t *testing.T, namespaces int) (*usage.Service, *batchRepo, *batchPlans) {
	t.Helper()
	now := time.Date(2026, 3, 15, 10, 20, 0, 0, time.UTC)
	repo := &batchRepo{}
	for i := range namespaces {
		ns := fmt.Sprintf("ns-%02d", i)
		for hr := range 2 {
			repo.rows = append(repo.rows, usage.Rollup{
				RollupKey: usage.RollupKey{Namespace: ns, UsageType: "http_requests", ObjectName: "lb", Hour: time.Date(2026, 3, 2, hr, 0, 0, 0, time.UTC)},
				UnitName:  "request", Quantity: decimal.NewFromInt(int64(1_000_000 * (i + 1))), Events: 1,
			})
		}
	}
	plans := &batchPlans{}
	svc, err := usage.NewService(usage.Config{Repo: repo, Tx: batchTx{}, Clock: kernel.NewFixedClock(now), Plans: plans,
		TokenKey: []byte(strings.Repeat("b", 32)), Namespaces: nopNamespaces{}, Audit: nopAuditor{},
		Statements: statementsOf(t, repo, plans, now, batchPlan)})
	if err != nil {
		t.Fatal(err)
	}
	return svc, repo, plans
}

func batchCaller(ns string) context.Context {
	return tenancy.WithPrincipal(context.Background(), tenancy.Principal{TenantID: "acme", TenantName: "acme", TokenID: "tok", Role: tenancy.RoleViewer, Namespace: ns})
}

// TestBatchesEqualSingleReports checks that each namespace of a batch gets
// exactly the single-namespace report, with one Rollups query and one plan
// lookup for the whole batch.
func TestBatchesEqualSingleReports(t *testing.T) {
	t.Parallel()
	svc, repo, plans := newBatchService(t, 5)
	ctx := batchCaller("")
	nss := []string{"ns-00", "ns-03", "empty", "system", "ns-03"}
	var from, to time.Time // defaults: this month so far

	items, err := svc.UsageByNamespaces(ctx, tenancy.FromContext(ctx), nss, from, to)
	if err != nil {
		t.Fatal(err)
	}
	costs, err := svc.CostByNamespaces(ctx, tenancy.FromContext(ctx), nss, from, to)
	if err != nil {
		t.Fatal(err)
	}
	// Usage: one read. Cost: the statement's priced usage and one read of
	// the month's rollups for every namespace's share.
	if len(repo.calls) != 3 || plans.calls > 2 {
		t.Fatalf("two batches made %d rollup reads and %d plan lookups, want 3 and at most 2", len(repo.calls), plans.calls)
	}
	if repo.calls[0] != nil {
		t.Fatalf("a batch with system must read the whole tenant, read %v", repo.calls[0])
	}
	if len(items) != 4 || len(costs) != 4 {
		t.Fatalf("got %d usage and %d cost entries, want 4 each", len(items), len(costs))
	}
	for _, ns := range nss {
		wantItems, err := svc.UsageDetails(ctx, tenancy.FromContext(ctx), ns, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if wantItems == nil {
			wantItems = []usage.UsageItem{}
		}
		for i := range wantItems {
			// The batches are GraphQL's, which has no field for the token.
			wantItems[i].HourlyQuery = ""
		}
		if !reflect.DeepEqual(items[ns], wantItems) {
			t.Errorf("%s: batch usage %+v, single %+v", ns, items[ns], wantItems)
		}
		wantCost, err := svc.CurrentUsage(ctx, tenancy.FromContext(ctx), ns, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(costs[ns], wantCost) {
			t.Errorf("%s: batch cost %+v, single %+v", ns, costs[ns], wantCost)
		}
	}
	// 2M requests in ns-00 → 2 billable × 0.35 = 70¢, no flat line.
	if c := costs["ns-00"]; c.TotalCents != 70 {
		t.Errorf("ns-00 total = %d¢, want 70", c.TotalCents)
	}
	// system: 10 + 2×(1+2+3+4+5) = 30M requests → 30 × 35¢ + 1000¢ flat.
	if c := costs["system"]; c.TotalCents != 1000+1050 {
		t.Errorf("system total = %d¢, want 2050", c.TotalCents)
	}
}

func TestBatchScopesAndErrors(t *testing.T) {
	t.Parallel()
	svc, repo, _ := newBatchService(t, 3)

	// Without system the query is limited to the namespaces asked.
	if _, err := svc.UsageByNamespaces(batchCaller(""), tenancy.FromContext(batchCaller("")), []string{"ns-01", "ns-02"}, time.Time{}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if got := repo.calls[len(repo.calls)-1]; !slices.Equal(got, []string{"ns-01", "ns-02"}) {
		t.Fatalf("queried %v", got)
	}

	// Nothing asked: nothing read.
	n := len(repo.calls)
	got, err := svc.CostByNamespaces(batchCaller(""), tenancy.FromContext(batchCaller("")), nil, time.Time{}, time.Time{})
	if err != nil || len(got) != 0 || len(repo.calls) != n {
		t.Fatalf("empty batch = %v, %v after %d queries", got, err, len(repo.calls)-n)
	}

	// One namespace the token may not read fails the batch before any query.
	_, err = svc.UsageByNamespaces(batchCaller("ns-01"), tenancy.FromContext(batchCaller("ns-01")), []string{"ns-01", "ns-02"}, time.Time{}, time.Time{})
	if errs.KindOf(err) != errs.Forbidden || len(repo.calls) != n {
		t.Fatalf("err = %v (%d queries), want Forbidden and none", err, len(repo.calls)-n)
	}
	_, err = svc.CostByNamespaces(batchCaller(""), tenancy.FromContext(batchCaller("")), []string{"Bad_Name"}, time.Time{}, time.Time{})
	if errs.KindOf(err) != errs.Invalid {
		t.Fatalf("err = %v, want Invalid", err)
	}
	from := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	_, err = svc.CostByNamespaces(batchCaller(""), tenancy.FromContext(batchCaller("")), []string{"ns-01"}, from, from.Add(-time.Hour))
	if errs.KindOf(err) != errs.Invalid {
		t.Fatalf("from after to: err = %v, want Invalid", err)
	}
}

func (r *batchRepo) RangeTotals(ctx context.Context, tenantID string, ranges []usage.Window) ([][]usage.Rollup, error) {
	return usage.RollupsByRange(ctx, r.Rollups, tenantID, nil, ranges)
}
