package store_test

import (
	"context"
	"fmt"
	randv1 "math/rand"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"testing/quick"
	"time"

	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/adapters/store/storetest"
	"github.com/billingd/billingd/catalog"
	"github.com/billingd/billingd/domain/invoice"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/subscription"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/domain/usage"
	"github.com/billingd/billingd/internal/app"
	"github.com/shopspring/decimal"
)

// TestMoneyProperties is issue 11's property test, on every dialect: a
// tenant gets random usage (late events included), plan transitions,
// add-on subscriptions and month closes over three months, and after every
// close and every few steps the rules hold:
//
//   - one number everywhere: the running invoice's amount is current_usage's
//     total_cost of the running month, monthly_usage's figure of it and
//     GraphQL cost's (CostByNamespaces) total; an issued month's invoice
//     amount is what every report says of that month;
//   - the namespaces' figures add up exactly to the tenant's usage lines;
//   - what was issued stays as issued, whatever arrives later;
//   - no invoice and no line is negative; an invoice is its lines plus tax.
//
// testing/quick draws the scenarios' seeds from a fixed source, so a run is
// reproducible; a failure names the seed.
func TestMoneyProperties(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		cat, err := catalog.Builtin()
		if err != nil {
			t.Fatal(err)
		}
		cfg := &quick.Config{MaxCount: 5, Rand: randV1(11)}
		prop := func(seed uint64) bool {
			m := newMoneyWorld(t, db, cat, seed)
			m.run()
			return !t.Failed()
		}
		if err := quick.Check(prop, cfg); err != nil {
			t.Fatal(err)
		}
	})
}

// moneyWorld is one scenario: a tenant of its own on the shared database,
// services on a clock of its own.
type moneyWorld struct {
	t      *testing.T
	rnd    *rand.Rand
	seed   uint64
	clk    *kernel.FixedClock
	cat    *plan.Catalog
	plans  *plan.Service
	subs   *subscription.Service
	us     *usage.Service
	inv    *invoice.Service
	admin  tenancy.Principal
	tenant string
	// issued keeps every invoice as it was issued.
	issued map[string]invoice.Invoice
	closed map[invoice.Period]bool
	nss    []string
	stats  struct{ events, changes, addons int }
}

func newMoneyWorld(t *testing.T, db *store.DB, cat *plan.Catalog, seed uint64) *moneyWorld {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 11))
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(20*24)) * time.Hour)
	m := &moneyWorld{t: t, rnd: r, seed: seed, clk: kernel.NewFixedClock(start), cat: cat,
		issued: map[string]invoice.Invoice{}, closed: map[invoice.Period]bool{}, nss: []string{"ns-a", "ns-b", "ns-c"}}
	ctx := context.Background()
	// The whole graph as serve builds it, on the scenario's clock and catalog.
	a := newApp(t, db, m.clk, func(c *app.Config) { c.Renderer = nameRenderer{}; c.Catalog = cat })
	ten := a.Tenancy
	m.plans, m.subs, m.us, m.inv = a.Plans, a.Subscriptions, a.Usage, a.Invoices
	name := fmt.Sprintf("prop-%x", seed)
	secret, _, err := ten.CreateToken(ctx, tenancy.Operator(""), tenancy.CreateTokenInput{Tenant: name, Role: tenancy.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	p, err := ten.Authenticate(ctx, "APIToken "+secret)
	if err != nil {
		t.Fatal(err)
	}
	m.admin, m.tenant = p, p.TenantID
	return m
}

func randV1(seed int64) *randv1.Rand { return randv1.New(randv1.NewSource(seed)) }

func (m *moneyWorld) fatalf(format string, args ...any) {
	m.t.Helper()
	m.t.Fatalf("seed %#x at %s: %s", m.seed, m.clk.Now().Format(time.RFC3339), fmt.Sprintf(format, args...))
}

// run plays steps until the third month is closed, checking as it goes.
func (m *moneyWorld) run() {
	end := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	for step := 0; m.clk.Now().Before(end); step++ {
		m.clk.Advance(time.Duration(1+m.rnd.IntN(96))*time.Hour + time.Duration(m.rnd.IntN(3600))*time.Second)
		switch k := m.rnd.IntN(100); {
		case k < 50:
			m.ingest()
		case k < 65:
			m.transition()
		case k < 85:
			m.addon()
		}
		if p := invoice.PeriodOf(m.clk.Now()).Prev(); !m.closed[p] && !m.clk.Now().Before(p.End().Add(invoice.CloseDelay)) {
			m.close(p)
			m.check()
		} else if step%6 == 5 {
			m.check()
		}
	}
	m.ingest() // late usage of the issued months, after their close
	m.check()
	var amounts []int64
	for _, inv := range m.issued {
		amounts = append(amounts, inv.AmountCents)
	}
	m.t.Logf("seed %#x: %d events accepted, %d plan changes, %d add-on changes, issued %v", m.seed, m.stats.events, m.stats.changes, m.stats.addons, amounts)
}

var propUsage = []struct{ usageType, unit string }{{"http_requests", "request"}, {"data_transfer", "byte"}, {"vcpu_hours", "hour"}}

var propQuantities = []string{"0.5", "1", "3.25", "999999", "1500000", "2500000000", "24", "7000001"}

func (m *moneyWorld) ingest() {
	var evs []usage.Event
	for range 1 + m.rnd.IntN(4) {
		u := propUsage[m.rnd.IntN(len(propUsage))]
		q := propQuantities[m.rnd.IntN(len(propQuantities))]
		if m.rnd.IntN(3) == 0 {
			q = fmt.Sprint(m.rnd.IntN(9_000_000))
		}
		// Up to 36 days old: late events of issued months, and a few
		// beyond the late-arrival window (rejected).
		at := m.clk.Now().Add(-time.Duration(m.rnd.IntN(36*24*60)) * time.Minute)
		evs = append(evs, usage.Event{ID: fmt.Sprintf("e%d", m.rnd.Uint64()), UsageType: u.usageType, ObjectName: "obj",
			Quantity: decimal.RequireFromString(q), UnitName: u.unit, Timestamp: at})
	}
	res, err := m.us.Ingest(context.Background(), m.admin, m.nss[m.rnd.IntN(len(m.nss))], evs)
	if err != nil {
		m.fatalf("ingest: %v", err)
	}
	m.stats.events += res.Accepted
}

func (m *moneyWorld) transition() {
	cur, err := m.plans.PlanOf(context.Background(), m.admin)
	if err != nil {
		m.fatalf("plan: %v", err)
	}
	if len(cur.AllowedTransitions) == 0 {
		return
	}
	to := cur.AllowedTransitions[m.rnd.IntN(len(cur.AllowedTransitions))]
	addr := &subscription.Contact{Address1: "1 Main St", City: "Seattle", Country: "US"}
	res, err := m.subs.Initiate(context.Background(), m.admin, subscription.InitiateInput{NewPlan: to, Payload: subscription.Payload{
		PaymentProviderToken: "tok_visa", Domain: "acme.example.com", BillingAddress: addr, PaymentAddress: addr}})
	if err != nil {
		return // a refusal (say, a transition in flight) changes nothing
	}
	if res.RequiresManualApproval {
		if _, err := m.subs.Approve(context.Background(), tenancy.Operator(""), res.ID, false); err != nil {
			m.fatalf("approve: %v", err)
		}
	}
	m.stats.changes++
}

func (m *moneyWorld) addon() {
	cur, err := m.plans.PlanOf(context.Background(), m.admin)
	if err != nil {
		m.fatalf("plan: %v", err)
	}
	if len(cur.AllowedAddons) == 0 {
		return
	}
	a := cur.AllowedAddons[m.rnd.IntN(len(cur.AllowedAddons))]
	var err2 error
	if m.rnd.IntN(2) == 0 {
		err2 = m.subs.Subscribe(context.Background(), m.admin, a)
	} else {
		err2 = m.subs.Unsubscribe(context.Background(), m.admin, a)
	}
	if err2 == nil {
		m.stats.addons++
	}
}

func (m *moneyWorld) close(p invoice.Period) {
	res, err := m.inv.Close(context.Background(), tenancy.System("close"), p)
	if err != nil {
		m.fatalf("close %s: %v", p, err)
	}
	m.closed[p] = true
	for _, inv := range res.Issued {
		if inv.TenantID == m.tenant {
			m.issued[inv.Name] = inv
		}
	}
}

// check verifies every rule of the test's comment as of now.
func (m *moneyWorld) check() {
	m.t.Helper()
	ctx, p := context.Background(), m.admin
	list, err := m.inv.List(ctx, p, 0)
	if err != nil {
		m.fatalf("list: %v", err)
	}
	totals := map[time.Time]int64{} // month → the invoice's amount
	for _, li := range list {
		inv, err := m.inv.Get(ctx, p, li.Name)
		if err != nil {
			m.fatalf("get %s: %v", li.Name, err)
		}
		if inv.AmountCents < 0 || invoice.Total(inv.Lines)+inv.Tax.AmountCents != inv.AmountCents {
			m.fatalf("invoice %s: amount %d, lines %d, tax %d", inv.Name, inv.AmountCents, invoice.Total(inv.Lines), inv.Tax.AmountCents)
		}
		for _, l := range inv.Lines {
			if l.AmountCents < 0 {
				m.fatalf("invoice %s has a negative line %+v", inv.Name, l)
			}
		}
		if was, ok := m.issued[inv.Name]; ok && (was.AmountCents != inv.AmountCents || !reflect.DeepEqual(lineStrings(was.Lines), lineStrings(inv.Lines))) {
			m.fatalf("issued invoice %s changed: %d %v, now %d %v", inv.Name, was.AmountCents, lineStrings(was.Lines), inv.AmountCents, lineStrings(inv.Lines))
		}
		totals[inv.Period.Start()] = inv.AmountCents
	}
	if len(m.issued) > 0 && len(list) < len(m.issued)+1 {
		m.fatalf("%d invoices listed, %d issued", len(list), len(m.issued))
	}
	// The running month's report with its defaults is the running invoice.
	cur, err := m.us.CurrentUsage(ctx, p, tenancy.SystemNamespace, time.Time{}, time.Time{})
	if err != nil {
		m.fatalf("current_usage: %v", err)
	}
	if want := list[0].AmountCents; cur.TotalCents != want {
		m.fatalf("current_usage %d, running invoice %d", cur.TotalCents, want)
	}
	months, err := m.us.MonthlyUsage(ctx, p, tenancy.SystemNamespace)
	if err != nil {
		m.fatalf("monthly_usage: %v", err)
	}
	for _, mt := range months {
		if want, ok := totals[mt.Start]; ok && mt.AmountCents != want {
			m.fatalf("monthly_usage of %s is %d, its invoice %d", mt.Start.Format("2006-01"), mt.AmountCents, want)
		}
	}
	for month, want := range totals {
		m.checkMonth(month, want)
	}
}

// checkMonth checks the reports of one month against its invoice's amount
// and the namespaces against the tenant.
func (m *moneyWorld) checkMonth(month time.Time, want int64) {
	m.t.Helper()
	ctx, p, end := context.Background(), m.admin, month.AddDate(0, 1, 0)
	sys, err := m.us.CurrentUsage(ctx, p, tenancy.SystemNamespace, month, end)
	if err != nil {
		m.fatalf("current_usage %s: %v", month.Format("2006-01"), err)
	}
	if sys.TotalCents != want {
		m.fatalf("current_usage of %s is %d, its invoice %d: %+v", month.Format("2006-01"), sys.TotalCents, want, sys.Lines)
	}
	var usageLines int64
	for _, l := range sys.Lines {
		if !l.Fixed {
			usageLines += l.AmountCents
		}
	}
	batch, err := m.us.CostByNamespaces(ctx, p, append([]string{tenancy.SystemNamespace}, m.nss...), month, end)
	if err != nil {
		m.fatalf("cost: %v", err)
	}
	if batch[tenancy.SystemNamespace].TotalCents != want {
		m.fatalf("GraphQL cost of %s is %d, its invoice %d", month.Format("2006-01"), batch[tenancy.SystemNamespace].TotalCents, want)
	}
	var nsSum int64
	for _, ns := range m.nss {
		one, err := m.us.CurrentUsage(ctx, p, ns, month, end)
		if err != nil {
			m.fatalf("current_usage %s: %v", ns, err)
		}
		if one.TotalCents != batch[ns].TotalCents {
			m.fatalf("%s: current_usage %d, GraphQL cost %d", ns, one.TotalCents, batch[ns].TotalCents)
		}
		for _, l := range one.Lines {
			if l.Fixed || l.AmountCents < 0 {
				m.fatalf("%s has line %+v", ns, l)
			}
		}
		nsSum += one.TotalCents
	}
	if nsSum != usageLines {
		m.fatalf("%s: namespaces sum to %d, the tenant's usage lines to %d", month.Format("2006-01"), nsSum, usageLines)
	}
}

func lineStrings(ls []invoice.Line) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = fmt.Sprintf("%s|%s|%s|%s|%d", l.Kind, l.Description, l.Quantity, l.Billable, l.AmountCents)
	}
	return slices.Clip(out)
}
