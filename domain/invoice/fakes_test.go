package invoice_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/invoice"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/subscription"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/domain/usage"
)

// memTx serialises transactions, like SQLite's single connection.
type memTx struct{ mu sync.Mutex }

func (m *memTx) InTx(ctx context.Context, fn func(context.Context) error) error {
	if ctx.Value(memTxKey{}) != nil {
		return fn(ctx)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return fn(context.WithValue(ctx, memTxKey{}, true))
}

func (m *memTx) InTransaction(ctx context.Context) bool { return ctx.Value(memTxKey{}) != nil }

type memTxKey struct{}

// memRepo is an in-memory invoice.Repository.
type memRepo struct {
	mu       sync.Mutex
	tenants  []invoice.Tenant
	counters map[string]int64
	invoices []invoice.Invoice
	changes  []invoice.StatusChange
}

func newMemRepo(ts ...invoice.Tenant) *memRepo {
	return &memRepo{tenants: ts, counters: map[string]int64{}}
}

func (r *memRepo) Tenants(_ context.Context, before time.Time) ([]invoice.Tenant, error) {
	var out []invoice.Tenant
	for _, t := range r.tenants {
		if t.CreatedAt.Before(before) {
			out = append(out, t)
		}
	}
	return out, nil
}

func (r *memRepo) Tenant(_ context.Context, id string) (invoice.Tenant, error) {
	for _, t := range r.tenants {
		if t.ID == id {
			return t, nil
		}
	}
	return invoice.Tenant{}, errs.New(errs.NotFound, "tenant not found")
}

func (r *memRepo) LockTenant(context.Context, string) error { return nil }

func (r *memRepo) NextNumber(_ context.Context, id string) (int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.counters[id]++
	return r.counters[id], nil
}

func (r *memRepo) Insert(_ context.Context, inv invoice.Invoice, first invoice.StatusChange) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, i := range r.invoices {
		if i.TenantID == inv.TenantID && (i.Period == inv.Period || i.Name == inv.Name) {
			return errs.New(errs.Conflict, "already exists")
		}
	}
	inv.Lines = slices.Clone(inv.Lines)
	r.invoices = append(r.invoices, inv)
	r.changes = append(r.changes, first)
	return nil
}

func (r *memRepo) ByPeriod(_ context.Context, id string, p invoice.Period) (invoice.Invoice, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, i := range r.invoices {
		if i.TenantID == id && i.Period == p {
			return i, true, nil
		}
	}
	return invoice.Invoice{}, false, nil
}

func (r *memRepo) Get(_ context.Context, id, name string) (invoice.Invoice, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, i := range r.invoices {
		if i.TenantID == id && i.Name == name {
			i.Lines = slices.Clone(i.Lines)
			return i, nil
		}
	}
	return invoice.Invoice{}, errs.New(errs.NotFound, "invoice %q not found", name)
}

func (r *memRepo) Lines(_ context.Context, id string, names []string) (map[string][]invoice.Line, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string][]invoice.Line{}
	for _, i := range r.invoices {
		if i.TenantID == id && slices.Contains(names, i.Name) && len(i.Lines) > 0 {
			out[i.Name] = slices.Clone(i.Lines)
		}
	}
	return out, nil
}

func (r *memRepo) sorted(id string) []invoice.Invoice {
	var out []invoice.Invoice
	for _, i := range r.invoices {
		if i.TenantID == id {
			out = append(out, i)
		}
	}
	slices.SortFunc(out, func(a, b invoice.Invoice) int { return a.Period.Start().Compare(b.Period.Start()) })
	return out
}

func (r *memRepo) List(_ context.Context, id string, limit int) ([]invoice.Invoice, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.sorted(id)
	slices.Reverse(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (r *memRepo) Since(_ context.Context, id string, from time.Time) ([]invoice.Invoice, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []invoice.Invoice
	for _, i := range r.sorted(id) {
		if !i.Period.Start().Before(from) {
			out = append(out, i)
		}
	}
	return out, nil
}

func (r *memRepo) SetStatus(_ context.Context, c invoice.StatusChange) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, i := range r.invoices {
		if i.TenantID == c.TenantID && i.Name == c.Invoice {
			if i.Status != c.From {
				return errs.New(errs.Conflict, "status changed")
			}
			r.invoices[k].Status = c.To
			r.changes = append(r.changes, c)
			return nil
		}
	}
	return errs.New(errs.NotFound, "not found")
}

func (r *memRepo) StatusChanges(_ context.Context, id, name string) ([]invoice.StatusChange, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []invoice.StatusChange
	for _, c := range r.changes {
		if c.TenantID == id && c.Invoice == name {
			out = append(out, c)
		}
	}
	return out, nil
}

func (r *memRepo) StatusChangesOf(ctx context.Context, id string, names []string) (map[string][]invoice.StatusChange, error) {
	out := map[string][]invoice.StatusChange{}
	for _, n := range names {
		cs, _ := r.StatusChanges(ctx, id, n)
		if len(cs) > 0 {
			out[n] = cs
		}
	}
	return out, nil
}

func (r *memRepo) PastDue(_ context.Context, t time.Time) ([]invoice.Invoice, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []invoice.Invoice
	for _, i := range r.invoices {
		if i.Status == invoice.StatusIssued && i.DueAt.Before(t) {
			out = append(out, i)
		}
	}
	return out, nil
}

// memUsage is an in-memory usage.Repository: rollups only.
type memUsage struct {
	mu   sync.Mutex
	rows []usage.Rollup
}

func (m *memUsage) add(tenant, ut string, q int64, at time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rows = append(m.rows, usage.Rollup{RollupKey: usage.RollupKey{Namespace: tenant + "/shop", UsageType: ut, ObjectName: "lb", Hour: at.Truncate(time.Hour)},
		UnitName: "request", Quantity: decimalOf(q), Events: 1})
}

func (m *memUsage) InsertEvents(context.Context, string, []usage.Event) ([]usage.Outcome, error) {
	return nil, nil
}

// TypeTotals returns Rollups' rows: the service sums them.
func (m *memUsage) TypeTotals(ctx context.Context, tenantID string, nss []string, from, to time.Time) ([]usage.Rollup, error) {
	return m.Rollups(ctx, tenantID, nss, from, to)
}

// TypeHours reads the rows, as a repository without the per-type table does.
func (m *memUsage) ObjectTotals(ctx context.Context, tenantID string, nss []string, ranges []usage.Window) ([][]usage.Rollup, error) {
	return usage.RollupsByRange(ctx, m.Rollups, tenantID, nss, ranges)
}

func (m *memUsage) NamespaceTotals(ctx context.Context, tenantID string, nss []string, ranges []usage.Window) ([][]usage.Rollup, error) {
	return usage.RollupsByRange(ctx, m.Rollups, tenantID, nss, ranges)
}

func (m *memUsage) TypeHours(ctx context.Context, tenantID string, nss []string, from, to time.Time, _ bool) ([]usage.Rollup, error) {
	return m.Rollups(ctx, tenantID, nss, from, to)
}

func (m *memUsage) Rollups(_ context.Context, tenantID string, _ []string, from, to time.Time) ([]usage.Rollup, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []usage.Rollup
	for _, r := range m.rows {
		if strings.HasPrefix(r.Namespace, tenantID+"/") && !r.Hour.Before(from) && r.Hour.Before(to) {
			r.Namespace = strings.TrimPrefix(r.Namespace, tenantID+"/")
			out = append(out, r)
		}
	}
	return out, nil
}

// Months returns the rollups with their hour moved to the month's start:
// the service sums them per month.
func (m *memUsage) Months(ctx context.Context, tenantID string, nss []string) ([]usage.Rollup, error) {
	rows, err := m.Rollups(ctx, tenantID, nss, time.Time{}, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC))
	for i, r := range rows {
		rows[i].Hour = time.Date(r.Hour.Year(), r.Hour.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	return rows, err
}
func (m *memUsage) LateWindow(context.Context, string) (time.Duration, error) {
	return usage.DefaultLateWindow, nil
}
func (m *memUsage) SetLateWindow(context.Context, string, time.Duration) error { return nil }

// memPlans puts tenants on plans of a fixed catalog.
type memPlans struct {
	cat *plan.Catalog
	of  map[string]string
}

func (p memPlans) PlanOf(_ context.Context, on tenancy.Principal) (plan.Plan, error) {
	if n, ok := p.of[on.TenantID]; ok {
		pl, _ := p.cat.Plan(n)
		return pl, nil
	}
	return p.cat.FreePlan(), nil
}

func (p memPlans) Catalog() *plan.Catalog { return p.cat }

// memSubs is a fixed SubscriptionSource with no plan changes.
type memSubs map[string][]subscription.Subscription

func (m memSubs) Subscriptions(_ context.Context, tenantID string) ([]subscription.Subscription, error) {
	return m[tenantID], nil
}

func (m memSubs) PlanChanges(context.Context, string) ([]subscription.PlanChange, error) {
	return nil, nil
}

// memChanges is a fixed SubscriptionSource with plan changes (oldest first).
type memChanges []subscription.PlanChange

func (m memChanges) Subscriptions(context.Context, string) ([]subscription.Subscription, error) {
	return nil, nil
}

func (m memChanges) PlanChanges(_ context.Context, tenantID string) ([]subscription.PlanChange, error) {
	var out []subscription.PlanChange
	for _, c := range m {
		if c.TenantID == tenantID {
			out = append(out, c)
		}
	}
	return out, nil
}

// nopNamespaces records no namespace.
type nopNamespaces struct{}

func (nopNamespaces) EnsureNamespace(context.Context, string, string) error { return nil }

// memAudit keeps audit records; it checks they are written inside a transaction.
type memAudit struct {
	mu   sync.Mutex
	recs []kernel.AuditRecord
	outs int
}

func (a *memAudit) Record(ctx context.Context, r kernel.AuditRecord) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if ctx.Value(memTxKey{}) == nil {
		a.outs++
	}
	a.recs = append(a.recs, r)
	return nil
}

func (a *memAudit) records() []kernel.AuditRecord {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.recs)
}

// fakeRenderer "renders" the invoice name and amount.
type fakeRenderer struct{}

func (fakeRenderer) Render(inv invoice.Invoice) ([]byte, error) {
	return []byte(inv.Name + ":" + decimalOf(inv.AmountCents).String()), nil
}

func (m *memUsage) RangeTotals(ctx context.Context, tenantID string, ranges []usage.Window) ([][]usage.Rollup, error) {
	return usage.RollupsByRange(ctx, m.Rollups, tenantID, nil, ranges)
}
