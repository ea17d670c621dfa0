package usage_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
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

// reportRepo is an in-memory usage.Repository holding rollups only; it
// records the last range asked, so tests can check the hour rounding.
type reportRepo struct {
	mu       sync.Mutex
	rows     map[string][]usage.Rollup // by tenant
	from, to time.Time
	nss      []string
}

func (r *reportRepo) InsertEvents(context.Context, string, []usage.Event) ([]usage.Outcome, error) {
	panic("not used by reports")
}

// TypeTotals returns Rollups' rows: the service sums them.
func (r *reportRepo) TypeTotals(ctx context.Context, tenantID string, nss []string, from, to time.Time) ([]usage.Rollup, error) {
	return r.Rollups(ctx, tenantID, nss, from, to)
}

// TypeHours reads the rows, as a repository without the per-type table does.
func (r *reportRepo) ObjectTotals(ctx context.Context, tenantID string, nss []string, ranges []usage.Window) ([][]usage.Rollup, error) {
	return usage.RollupsByRange(ctx, r.Rollups, tenantID, nss, ranges)
}

func (r *reportRepo) NamespaceTotals(ctx context.Context, tenantID string, nss []string, ranges []usage.Window) ([][]usage.Rollup, error) {
	return usage.RollupsByRange(ctx, r.Rollups, tenantID, nss, ranges)
}

func (r *reportRepo) TypeHours(ctx context.Context, tenantID string, nss []string, from, to time.Time, _ bool) ([]usage.Rollup, error) {
	return r.Rollups(ctx, tenantID, nss, from, to)
}

func (r *reportRepo) Rollups(_ context.Context, tenantID string, nss []string, from, to time.Time) ([]usage.Rollup, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.from, r.to, r.nss = from, to, nss
	var out []usage.Rollup
	for _, x := range r.rows[tenantID] {
		if (nss == nil || slices.Contains(nss, x.Namespace)) && !x.Hour.Before(from) && x.Hour.Before(to) {
			out = append(out, x)
		}
	}
	return out, nil
}

func (r *reportRepo) Months(_ context.Context, tenantID string, nss []string) ([]usage.Rollup, error) {
	type key struct {
		m  time.Time
		ut string
	}
	sums := map[key]*usage.Rollup{}
	var order []key
	for _, x := range r.rows[tenantID] {
		if nss != nil && !slices.Contains(nss, x.Namespace) {
			continue
		}
		k := key{time.Date(x.Hour.Year(), x.Hour.Month(), 1, 0, 0, 0, 0, time.UTC), x.UsageType}
		if sums[k] == nil {
			sums[k] = &usage.Rollup{RollupKey: usage.RollupKey{UsageType: x.UsageType, Hour: k.m}, UnitName: x.UnitName}
			order = append(order, k)
		}
		sums[k].Quantity = sums[k].Quantity.Add(x.Quantity)
		sums[k].Events += x.Events
	}
	var out []usage.Rollup
	for _, k := range order {
		out = append(out, *sums[k])
	}
	return out, nil
}

func (r *reportRepo) LateWindow(context.Context, string) (time.Duration, error) {
	return usage.DefaultLateWindow, nil
}
func (r *reportRepo) SetLateWindow(context.Context, string, time.Duration) error { return nil }

type reportTx struct{}

func (reportTx) InTx(ctx context.Context, fn func(context.Context) error) error { return fn(ctx) }
func (reportTx) InTransaction(context.Context) bool                             { return false }

type reportPlans struct{ p plan.Plan }

func (p reportPlans) PlanOf(context.Context, tenancy.Principal) (plan.Plan, error) { return p.p, nil }
func (p reportPlans) Catalog() *plan.Catalog                                       { return &plan.Catalog{Currency: "USD"} }

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// teamPlan prices like the shipped team plan, with rates chosen to hit the
// rounding rule's edges.
var teamPlan = plan.Plan{
	Name: "team", Title: "Team", FlatPriceCents: 9900, RenewalPeriodUnit: plan.PeriodMonth,
	RateCard: []plan.Rate{
		{MetricLabel: "http_requests", DisplayName: "HTTP Requests", Service: "f5xc-http-load-balancer", UnitName: "request",
			UnitNameBillable: "million requests", UnitsPerBillable: dec("1000000"), PricePerBillable: dec("0.35")},
		{MetricLabel: "data_transfer", DisplayName: "Data Transfer Out", Service: "f5xc-http-load-balancer", UnitName: "byte",
			UnitNameBillable: "GB", UnitsPerBillable: dec("1000000000"), PricePerBillable: dec("0.09")},
		{MetricLabel: "vcpu_hours", DisplayName: "vCPU Hours", Service: "f5xc-appstack-standard", UnitName: "hour",
			UnitNameBillable: "day", UnitsPerBillable: dec("24"), PricePerBillable: dec("1.005")},
		{MetricLabel: "unused", DisplayName: "Never Used", Service: "x", UnitName: "u", UnitNameBillable: "u",
			UnitsPerBillable: dec("1"), PricePerBillable: dec("1")},
	},
}

var t0 = time.Date(2026, 3, 15, 10, 20, 0, 0, time.UTC) // the frozen now

func h(day, hour int) time.Time { return time.Date(2026, 3, day, hour, 0, 0, 0, time.UTC) }

func roll(tenant, ns, ut, obj string, at time.Time, q string) (string, usage.Rollup) {
	return tenant, usage.Rollup{RollupKey: usage.RollupKey{Namespace: ns, UsageType: ut, ObjectName: obj, Hour: at}, Quantity: dec(q), UnitName: unitOf(ut), Events: 1}
}

func unitOf(ut string) string {
	if r, ok := teamPlan.Rate(ut); ok {
		return r.UnitName
	}
	return "thing"
}

func newReportService(t *testing.T) (*usage.Service, *reportRepo) {
	t.Helper()
	repo := &reportRepo{rows: map[string][]usage.Rollup{}}
	add := func(tenant string, r usage.Rollup) { repo.rows[tenant] = append(repo.rows[tenant], r) }
	// acme, March: requests 1.5M (ns a) + 1M (ns b) = 2.5M → 2 billable → 70¢.
	add(roll("acme", "ns-a", "http_requests", "lb1", h(2, 5), "1000000"))
	add(roll("acme", "ns-a", "http_requests", "lb1", h(2, 6), "500000"))
	add(roll("acme", "ns-b", "http_requests", "lb2", h(3, 1), "1000000"))
	// 0.5 GB → below one unit → 1 billable → 9¢.
	add(roll("acme", "ns-a", "data_transfer", "lb1", h(4, 0), "500000000"))
	// 60 h = 2.5 days → 2 billable × 1.005 = 2.01 → 201¢; alone in ns-b.
	add(roll("acme", "ns-b", "vcpu_hours", "vm1", h(5, 0), "60"))
	// Not on the rate card: NOT_MEASURED, 0¢.
	add(roll("acme", "ns-a", "legacy_metric", "old", h(6, 0), "7"))
	// February: 1 day of vCPU (24 h → 1 billable → 100.5¢ → 101¢ half-up).
	add(roll("acme", "ns-b", "vcpu_hours", "vm1", time.Date(2026, 2, 10, 3, 0, 0, 0, time.UTC), "24"))
	// Another tenant's usage that must never show.
	add(roll("globex", "ns-a", "http_requests", "lb1", h(2, 5), "99000000"))
	svc, err := usage.NewService(usage.Config{Repo: repo, Tx: reportTx{}, Clock: kernel.NewFixedClock(t0),
		Plans: reportPlans{teamPlan}, TokenKey: []byte(strings.Repeat("k", 32)), Namespaces: nopNamespaces{}, Audit: nopAuditor{},
		Statements: statementsOf(t, repo, reportPlans{teamPlan}, t0, teamPlan)})
	if err != nil {
		t.Fatal(err)
	}
	return svc, repo
}

// statementsOf is a wholeMonthStatements pricing repo's usage at plans.
func statementsOf(t *testing.T, repo usage.Repository, plans usage.PlanSource, now time.Time, pl plan.Plan) *wholeMonthStatements {
	t.Helper()
	price, err := usage.NewPricer(repo, plans)
	if err != nil {
		t.Fatal(err)
	}
	return &wholeMonthStatements{price: price, now: now, plan: pl}
}

// wholeMonthStatements stands in for the invoices (invoice.Service, tested
// with the real one in domain/invoice and e2e): usage priced at plan, and
// its flat price as a fixed line when the window is a whole month or the
// running month so far.
type wholeMonthStatements struct {
	price *usage.Pricer
	now   time.Time
	plan  plan.Plan
}

func (w *wholeMonthStatements) Statements(ctx context.Context, p tenancy.Principal, ws []usage.Window) ([]usage.Statement, error) {
	out := make([]usage.Statement, len(ws))
	for i, win := range ws {
		st, err := w.Statement(ctx, p, win.From, win.To)
		if err != nil {
			return nil, err
		}
		out[i] = st
	}
	return out, nil
}

func (w *wholeMonthStatements) Statement(ctx context.Context, p tenancy.Principal, from, to time.Time) (usage.Statement, error) {
	m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
	st := usage.Statement{From: from, To: to, Currency: "USD"}
	if from.Equal(m) && (to.Equal(m.AddDate(0, 1, 0)) || !to.Before(w.now) && to.Before(m.AddDate(0, 1, 1))) {
		st.From, st.To = m, m.AddDate(0, 1, 0)
		st.Lines = append(st.Lines, usage.CostLine{UsageType: w.plan.Title + " plan", Quantity: dec("1"), Billable: 1, AmountCents: int64(w.plan.FlatPriceCents), Currency: "USD",
			Start: st.From, End: st.To, Fixed: true, Status: usage.StatusActive})
	}
	priced, err := w.price.PricedUsage(ctx, p, []usage.Span{{Plan: w.plan, From: st.From, To: st.To}})
	if err != nil {
		return usage.Statement{}, err
	}
	st.Lines = append(st.Lines, priced[0]...)
	for _, l := range st.Lines {
		st.TotalCents += l.AmountCents
	}
	return st, nil
}

func as(tenant string, ns ...string) context.Context {
	p := tenancy.Principal{TenantID: tenant, TenantName: tenant, TokenID: "tok", Role: tenancy.RoleViewer}
	if len(ns) > 0 {
		p.Namespace = ns[0]
	}
	return tenancy.WithPrincipal(context.Background(), p)
}

type lineWant struct {
	usageType string
	status    usage.LineStatus
	billable  int64
	cents     int64
	fixed     bool
}

func TestCurrentUsagePricesToTheCent(t *testing.T) {
	t.Parallel()
	march, april := h(1, 0), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name     string
		ns       string
		from, to time.Time
		want     []lineWant
		total    int64
	}{
		{"system covers the tenant and the flat price", "system", march, april, []lineWant{
			{"Team plan", usage.StatusActive, 1, 9900, true},
			{"HTTP Requests", usage.StatusActive, 2, 70, false},
			{"Data Transfer Out", usage.StatusActive, 1, 9, false},
			{"vCPU Hours", usage.StatusActive, 2, 201, false},
			{"Never Used", usage.StatusNoData, 0, 0, false},
			{"legacy_metric", usage.StatusNotMeasured, 0, 0, false},
		}, 9900 + 70 + 9 + 201},
		// ns-b has 1M of the tenant's 2.5M requests: 70 × 1/2.5 = 28¢, and
		// of the 2 billable units 0.8, the largest remainder: 1.
		{"a namespace has no flat fee, and its share of each line", "ns-b", march, april, []lineWant{
			{"HTTP Requests", usage.StatusActive, 1, 28, false},
			{"Data Transfer Out", usage.StatusNoData, 0, 0, false},
			{"vCPU Hours", usage.StatusActive, 2, 201, false},
			{"Never Used", usage.StatusNoData, 0, 0, false},
		}, 28 + 201},
		{"two months touched: a partial February, then March", "system", time.Date(2026, 2, 5, 0, 0, 0, 0, time.UTC), h(3, 0), []lineWant{
			{"HTTP Requests", usage.StatusNoData, 0, 0, false},
			{"Data Transfer Out", usage.StatusNoData, 0, 0, false},
			// 24 h in February = 1 day × 1.005 → 100.5¢ → 101¢.
			{"vCPU Hours", usage.StatusActive, 1, 101, false},
			{"Never Used", usage.StatusNoData, 0, 0, false},
			// 1M + 0.5M: 1.5M rounds down to 1.
			{"HTTP Requests", usage.StatusActive, 1, 35, false},
			{"Data Transfer Out", usage.StatusNoData, 0, 0, false},
			{"vCPU Hours", usage.StatusNoData, 0, 0, false},
			{"Never Used", usage.StatusNoData, 0, 0, false},
		}, 35 + 101},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			svc, _ := newReportService(t)
			c, err := svc.CurrentUsage(as("acme"), tenancy.FromContext(as("acme")), tc.ns, tc.from, tc.to)
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Lines) != len(tc.want) {
				t.Fatalf("%d lines, want %d: %+v", len(c.Lines), len(tc.want), c.Lines)
			}
			var sum int64
			for i, w := range tc.want {
				l := c.Lines[i]
				if l.UsageType != w.usageType || l.Status != w.status || l.Billable != w.billable || l.AmountCents != w.cents || l.Fixed != w.fixed || l.Currency != "USD" {
					t.Errorf("line %d = %+v, want %+v", i, l, w)
				}
				sum += l.AmountCents
			}
			if c.TotalCents != tc.total || c.TotalCents != sum-c.DiscountCents || c.DiscountCents != 0 || len(c.Coupons) != 0 {
				t.Errorf("total %d discount %d, want %d (= Σ lines %d)", c.TotalCents, c.DiscountCents, tc.total, sum)
			}
		})
	}
}

func TestReportRangeDefaultsAndRounding(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name             string
		from, to         time.Time
		wantFrom, wantTo time.Time
	}{
		{"none: this month so far", time.Time{}, time.Time{}, h(1, 0), h(15, 11)},
		{"partial hours widen", time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC), time.Date(2026, 3, 2, 12, 10, 0, 0, time.UTC), h(2, 10), h(2, 13)},
		{"only to: its month", time.Time{}, time.Date(2026, 2, 10, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 10, 0, 0, 0, 0, time.UTC)},
		{"only from: until now", h(3, 4), time.Time{}, h(3, 4), h(15, 11)},
		{"other zones become UTC", time.Date(2026, 3, 2, 1, 0, 0, 0, time.FixedZone("CET", 3600)), h(3, 0), h(2, 0), h(3, 0)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			svc, repo := newReportService(t)
			items, err := svc.UsageDetails(as("acme"), tenancy.FromContext(as("acme")), "system", tc.from, tc.to)
			if err != nil {
				t.Fatal(err)
			}
			if !repo.from.Equal(tc.wantFrom) || !repo.to.Equal(tc.wantTo) || repo.nss != nil {
				t.Fatalf("read [%s, %s) of %v, want [%s, %s) of the whole tenant", repo.from, repo.to, repo.nss, tc.wantFrom, tc.wantTo)
			}
			for _, it := range items {
				if !it.Start.Equal(tc.wantFrom) || !it.End.Equal(tc.wantTo) {
					t.Fatalf("item range [%s, %s)", it.Start, it.End)
				}
			}
		})
	}
}

func TestReportInputErrors(t *testing.T) {
	t.Parallel()
	svc, _ := newReportService(t)
	check := func(err error, kind errs.Kind, field string) {
		t.Helper()
		e := errs.As(err)
		if e.Kind != kind || (field != "" && (len(e.Fields) == 0 || e.Fields[0].Field != field)) {
			t.Fatalf("error %v (kind %v), want %v naming %q", err, e.Kind, kind, field)
		}
	}
	_, err := svc.CurrentUsage(as("acme"), tenancy.FromContext(as("acme")), "system", h(5, 0), h(4, 0))
	check(err, errs.Invalid, "from")
	_, err = svc.UsageDetails(as("acme"), tenancy.FromContext(as("acme")), "system", h(1, 0), h(1, 0).AddDate(2, 0, 0))
	check(err, errs.Invalid, "to")
	_, err = svc.CurrentUsage(as("acme"), tenancy.FromContext(as("acme")), "Bad_NS", time.Time{}, time.Time{})
	check(err, errs.Invalid, "namespace")
	// A token bound to ns-a reads ns-a, never system or ns-b.
	_, err = svc.CurrentUsage(as("acme", "ns-a"), tenancy.FromContext(as("acme", "ns-a")), "system", time.Time{}, time.Time{})
	check(err, errs.Forbidden, "")
	_, err = svc.MonthlyUsage(as("acme", "ns-a"), tenancy.FromContext(as("acme", "ns-a")), "ns-b")
	check(err, errs.Forbidden, "")
	_, err = svc.UsageSummary(as("acme", "ns-a"), tenancy.FromContext(as("acme", "ns-a")), "", "")
	check(err, errs.Forbidden, "")
	_, err = svc.CurrentUsage(context.Background(), tenancy.FromContext(context.Background()), "system", time.Time{}, time.Time{})
	check(err, errs.Unauthenticated, "")
}

func TestUsageDetailsAndHourlyToken(t *testing.T) {
	t.Parallel()
	svc, _ := newReportService(t)
	items, err := svc.UsageDetails(as("acme"), tenancy.FromContext(as("acme")), "system", h(1, 0), h(31, 0))
	if err != nil {
		t.Fatal(err)
	}
	type id struct{ ns, obj, label string }
	var got []id
	var lb1 usage.UsageItem
	for _, it := range items {
		got = append(got, id{it.Namespace, it.ObjectName, it.MetricLabel})
		sum := decimal.Zero
		for _, hr := range it.Hourly {
			sum = sum.Add(hr.Quantity)
			if !hr.End.Equal(hr.Start.Add(time.Hour)) || hr.Start.Minute() != 0 {
				t.Errorf("hour [%s, %s)", hr.Start, hr.End)
			}
		}
		if !sum.Equal(it.Quantity) {
			t.Errorf("%+v: hourly breakdown sums to %s, quantity %s", got[len(got)-1], sum, it.Quantity)
		}
		if it.Namespace == "ns-a" && it.MetricLabel == "http_requests" {
			lb1 = it
		}
	}
	want := []id{{"ns-a", "lb1", "data_transfer"}, {"ns-a", "lb1", "http_requests"}, {"ns-a", "old", "legacy_metric"},
		{"ns-b", "lb2", "http_requests"}, {"ns-b", "vm1", "vcpu_hours"}}
	if !slices.Equal(got, want) {
		t.Fatalf("items %v, want %v", got, want)
	}
	if lb1.UsageType != "HTTP Requests" || !lb1.Quantity.Equal(dec("1500000")) || lb1.UnitName != "request" || len(lb1.Hourly) != 2 {
		t.Fatalf("lb1 item %+v", lb1)
	}

	// The token opens the hours of its item, from system and from its namespace.
	for _, ns := range []string{"system", "ns-a"} {
		hours, err := svc.HourlyUsageDetails(as("acme"), tenancy.FromContext(as("acme")), ns, lb1.HourlyQuery)
		if err != nil {
			t.Fatal(err)
		}
		if len(hours) != 2 || !hours[0].Start.Equal(h(2, 5)) || !hours[1].Quantity.Equal(dec("500000")) {
			t.Fatalf("hours from %s: %+v", ns, hours)
		}
	}
	_, err = svc.HourlyUsageDetails(as("acme"), tenancy.FromContext(as("acme")), "ns-b", lb1.HourlyQuery)
	if !errs.Is(err, errs.Invalid) {
		t.Fatalf("token of ns-a read through ns-b: %v", err)
	}

	bad := func(name, tok string, ctx context.Context) {
		t.Helper()
		_, err := svc.HourlyUsageDetails(ctx, tenancy.FromContext(ctx), "system", tok)
		e := errs.As(err)
		if e.Kind != errs.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != "query" ||
			e.Fields[0].Problem != "hourly_breakdown_query is not a token this server issued" {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Every byte of the token matters.
	raw, _ := base64.RawURLEncoding.DecodeString(lb1.HourlyQuery)
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("token is not base64 JSON: %v", err)
	}
	for _, field := range []string{"tenant", "namespace", "object", "usage_type", "from", "to"} {
		c := map[string]any{}
		for k, v := range m {
			c[k] = v
		}
		switch v := c[field].(type) {
		case string:
			c[field] = v + "x"
		case float64:
			c[field] = v - 3600
		}
		b, _ := json.Marshal(c)
		bad("tampered "+field, base64.RawURLEncoding.EncodeToString(b), as("acme"))
	}
	bad("flipped byte", lb1.HourlyQuery[:10]+string(lb1.HourlyQuery[10]^1)+lb1.HourlyQuery[11:], as("acme"))
	bad("empty", "", as("acme"))
	bad("not base64", "%%%", as("acme"))
	bad("not JSON", base64.RawURLEncoding.EncodeToString([]byte("[1]")), as("acme"))
	// A genuine token shown to another tenant opens nothing, and says nothing more.
	bad("foreign", lb1.HourlyQuery, as("globex"))
	// A token signed with another key (another installation) is not ours.
	otherRepo := &reportRepo{rows: map[string][]usage.Rollup{"acme": {lb1Rollup()}}}
	other, _ := usage.NewService(usage.Config{Repo: otherRepo, Tx: reportTx{},
		Clock: kernel.NewFixedClock(t0), Plans: reportPlans{teamPlan}, TokenKey: []byte(strings.Repeat("z", 32)), Namespaces: nopNamespaces{}, Audit: nopAuditor{},
		Statements: statementsOf(t, otherRepo, reportPlans{teamPlan}, t0, teamPlan)})
	oi, err := other.UsageDetails(as("acme"), tenancy.FromContext(as("acme")), "system", h(1, 0), h(31, 0))
	if err != nil || len(oi) != 1 {
		t.Fatalf("other installation: %v %v", oi, err)
	}
	bad("other key", oi[0].HourlyQuery, as("acme"))
}

func lb1Rollup() usage.Rollup {
	_, r := roll("acme", "ns-a", "http_requests", "lb1", h(2, 5), "1")
	return r
}

// nopNamespaces and nopAuditor stand in for the registry and the audit
// log, which reports never use.
type (
	nopNamespaces struct{}
	nopAuditor    struct{}
)

func (nopNamespaces) EnsureNamespace(context.Context, string, string) error { return nil }
func (nopAuditor) Record(context.Context, kernel.AuditRecord) error         { return nil }

func TestMonthlyUsage(t *testing.T) {
	t.Parallel()
	svc, _ := newReportService(t)
	cases := []struct {
		ns   string
		want []int64
	}{
		// Feb: flat + 101; March: flat + 70 + 9 + 201. The namespaces share
		// March's 70¢ of requests 42/28 (1.5M and 1M of 2.5M): they add up
		// to the tenant's usage lines.
		{"system", []int64{9900 + 101, 9900 + 70 + 9 + 201}},
		{"ns-b", []int64{101, 28 + 201}},
		{"ns-a", []int64{42 + 9}},
		{"empty", nil},
	}
	for _, tc := range cases {
		ms, err := svc.MonthlyUsage(as("acme"), tenancy.FromContext(as("acme")), tc.ns)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, m := range ms {
			got = append(got, m.AmountCents)
			if m.Start.Day() != 1 || !m.End.Equal(m.Start.AddDate(0, 1, 0)) || m.Currency != "USD" {
				t.Errorf("%s: month %+v", tc.ns, m)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: monthly totals %v, want %v", tc.ns, got, tc.want)
		}
	}
}

func TestUsageSummaryWindowAndValues(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, start, end string
		wantFrom, wantTo time.Time
	}{
		{"neither: the last 6 hours", "", "", h(15, 4), h(15, 11)},
		{"start only: 6 hours after it", "2026-03-02T01:00:00Z", "", h(2, 1), h(2, 7)},
		{"end only: 6 hours before it", "", "1772445600", h(2, 4), h(2, 10)}, // 2026-03-02T10:00Z
		{"both, unix with a fraction", "1772409600.5", "2026-03-03T00:00:00+01:00", h(2, 0), h(2, 23)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			svc, repo := newReportService(t)
			if _, err := svc.UsageSummary(as("acme"), tenancy.FromContext(as("acme")), tc.start, tc.end); err != nil {
				t.Fatal(err)
			}
			if !repo.from.Equal(tc.wantFrom) || !repo.to.Equal(tc.wantTo) || repo.nss != nil {
				t.Fatalf("read [%s, %s) of %v, want [%s, %s)", repo.from, repo.to, repo.nss, tc.wantFrom, tc.wantTo)
			}
		})
	}

	svc, _ := newReportService(t)
	items, err := svc.UsageSummary(as("acme"), tenancy.FromContext(as("acme")), "2026-03-01T00:00:00Z", "2026-03-31T00:00:00Z")
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ name, service, unit, value, bunit, bvalue string }
	var got []row
	for _, it := range items {
		got = append(got, row{it.Name, it.Service, it.Unit, it.Quantity.String(), it.BillableUnit, it.BillableValue})
		if !it.Timestamp.Equal(time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("timestamp %s", it.Timestamp)
		}
	}
	want := []row{
		{"legacy_metric", "", "thing", "7", "thing", "7.00"},
		{"vCPU Hours", "f5xc-appstack-standard", "hour", "60", "day", "2.50"},
		{"Data Transfer Out", "f5xc-http-load-balancer", "byte", "500000000", "GB", "0.50"},
		{"HTTP Requests", "f5xc-http-load-balancer", "request", "2500000", "million requests", "2.50"},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("summary\n got %v\nwant %v", got, want)
	}

	// 20 h over a 24 h unit → "0.83", the upstream example.
	repo := &reportRepo{rows: map[string][]usage.Rollup{}}
	_, r := roll("acme", "ns-a", "vcpu_hours", "vm", h(15, 5), "20")
	repo.rows["acme"] = []usage.Rollup{r}
	svc2, _ := usage.NewService(usage.Config{Repo: repo, Tx: reportTx{}, Clock: kernel.NewFixedClock(t0), Plans: reportPlans{teamPlan}, TokenKey: []byte(strings.Repeat("k", 32)), Namespaces: nopNamespaces{}, Audit: nopAuditor{},
		Statements: statementsOf(t, repo, reportPlans{teamPlan}, t0, teamPlan)})
	items, err = svc2.UsageSummary(as("acme"), tenancy.FromContext(as("acme")), "", "")
	if err != nil || len(items) != 1 || items[0].BillableValue != "0.83" {
		t.Fatalf("20 h / 24: %+v %v", items, err)
	}

	for _, bad := range []struct{ start, end, field string }{
		{"yesterday", "", "start_time"},
		{"", "2026-13-01T00:00:00Z", "end_time"},
		{"2026-03-02T00:00:00Z", "2026-03-01T00:00:00Z", "start_time"},
	} {
		_, err := svc.UsageSummary(as("acme"), tenancy.FromContext(as("acme")), bad.start, bad.end)
		e := errs.As(err)
		if e.Kind != errs.Invalid || len(e.Fields) == 0 || e.Fields[0].Field != bad.field {
			t.Errorf("start %q end %q: %v, want Invalid naming %s", bad.start, bad.end, err, bad.field)
		}
	}
	_, err = svc.UsageSummary(as("acme"), tenancy.FromContext(as("acme")), "-5", "")
	if e := errs.As(err); e.Kind != errs.Invalid || e.Fields[0].Field != "start_time" {
		t.Errorf("pre-epoch start: %v", err)
	}
}

func (r *reportRepo) RangeTotals(ctx context.Context, tenantID string, ranges []usage.Window) ([][]usage.Rollup, error) {
	return usage.RollupsByRange(ctx, r.Rollups, tenantID, nil, ranges)
}
