package invoice

import (
	"context"
	"time"

	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/subscription"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/domain/usage"
)

// Repository stores issued invoices, their lines, the per-tenant number
// counter and the status audit trail. Every method takes part in the
// transaction found in ctx.
type Repository interface {
	// Tenants returns every tenant created before t, ordered by id.
	Tenants(ctx context.Context, before time.Time) ([]Tenant, error)
	// Tenant returns one tenant; NotFound when unknown.
	Tenant(ctx context.Context, tenantID string) (Tenant, error)
	// LockTenant takes the tenant's invoice lock (its counter row) until the
	// transaction ends, so two closers of one tenant run one after the other.
	LockTenant(ctx context.Context, tenantID string) error
	// NextNumber advances the tenant's counter and returns the new number.
	// It runs in the issuing transaction, so a rolled-back issue leaves no gap.
	NextNumber(ctx context.Context, tenantID string) (int64, error)
	// Insert stores an issued invoice with its lines and the first entry of
	// its audit trail. A second invoice for the same (tenant, period) is
	// refused by a unique constraint: Conflict.
	Insert(ctx context.Context, inv Invoice, first StatusChange) error
	// ByPeriod returns the tenant's invoice of p, without lines.
	ByPeriod(ctx context.Context, tenantID string, p Period) (inv Invoice, found bool, err error)
	// Get returns an invoice with its lines; NotFound when the tenant has none of that name.
	Get(ctx context.Context, tenantID, name string) (Invoice, error)
	// Lines returns the lines of the tenant's named invoices with one
	// query, by invoice name; names without lines are left out.
	Lines(ctx context.Context, tenantID string, names []string) (map[string][]Line, error)
	// List returns up to limit invoices of the tenant, newest period first, without lines.
	List(ctx context.Context, tenantID string, limit int) ([]Invoice, error)
	// Since returns the tenant's invoices of periods starting at or after
	// from, with their lines, oldest first.
	Since(ctx context.Context, tenantID string, from time.Time) ([]Invoice, error)
	// SetStatus moves an invoice from c.From to c.To and appends c to its
	// audit trail; Conflict when the stored status is no longer c.From.
	SetStatus(ctx context.Context, c StatusChange) error
	// StatusChanges returns an invoice's audit trail, oldest first.
	StatusChanges(ctx context.Context, tenantID, name string) ([]StatusChange, error)
	// StatusChangesOf returns the audit trails of several invoices with one
	// query, each oldest first; an invoice without changes has no entry.
	StatusChangesOf(ctx context.Context, tenantID string, names []string) (map[string][]StatusChange, error)
	// PastDue returns the ISSUED invoices of every tenant due before t, without lines.
	PastDue(ctx context.Context, t time.Time) ([]Invoice, error)
}

// PlanSource tells a tenant's current plan and the catalog (plan.Service).
type PlanSource interface {
	PlanOf(ctx context.Context, p tenancy.Principal) (plan.Plan, error)
	Catalog() *plan.Catalog
}

// UsageSource prices a tenant's usage, each hour at the plan in force
// (usage.Pricer).
type UsageSource interface {
	// PricedUsage prices each set of spans, with one read of the usage.
	PricedUsage(ctx context.Context, p tenancy.Principal, sets ...[]usage.Span) ([][]usage.CostLine, error)
}

// SubscriptionSource lists a tenant's plan and add-on subscriptions and its
// plan changes (the store's SubscriptionRepo).
type SubscriptionSource interface {
	Subscriptions(ctx context.Context, tenantID string) ([]subscription.Subscription, error)
	// PlanChanges returns the tenant's plan changes, oldest first.
	PlanChanges(ctx context.Context, tenantID string) ([]subscription.PlanChange, error)
}

// Renderer turns an invoice into a PDF document; the same invoice must give
// the same bytes.
type Renderer interface {
	Render(inv Invoice) ([]byte, error)
}

// ContactSource tells a tenant's billing contact: where its invoices are
// addressed and the tax id they carry (the store reads it from plan
// transitions' billing address and payment methods' contacts). found is
// false when the tenant never gave one.
type ContactSource interface {
	BillingContact(ctx context.Context, tenantID string) (p Party, found bool, err error)
}
