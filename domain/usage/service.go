package usage

import (
	"context"

	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/tenancy"
)

// PlanSource tells a tenant's current plan (its rate card prices usage and
// validates what may be ingested) and the catalog's currency.
type PlanSource interface {
	PlanOf(ctx context.Context, p tenancy.Principal) (plan.Plan, error)
	Catalog() *plan.Catalog
}

// Config wires a Service; every field is required.
type Config struct {
	Repo  Repository
	Tx    Transactions
	Clock kernel.Clock
	Plans PlanSource
	// TokenKey signs hourly_breakdown_query tokens (HMAC-SHA256), so a
	// tampered token is refused. It must be the same on every replica and
	// survive restarts; the store keeps one per installation.
	TokenKey []byte
	// Namespaces records the namespaces events arrive in.
	Namespaces NamespaceRegistry
	// Statements give the money reports their figures: the invoices'
	// (invoice.Service), so reports and invoices are one computation.
	Statements StatementSource
	// Audit records setting changes. Usage events are not audited: they are
	// themselves an append-only record, deduplicated by id.
	Audit kernel.Auditor
}

// Transactions runs transactions, and tells whether a context is in one
// already: ingestion groups the concurrent batches of a tenant into one
// transaction (group.go), except a caller's that runs in its own, which the
// group's would not be.
type Transactions interface {
	kernel.TxRunner
	InTransaction(ctx context.Context) bool
}

// NamespaceRegistry records namespaces as they are first used.
type NamespaceRegistry interface {
	EnsureNamespace(ctx context.Context, tenantID, ns string) error
}

// Service is the usage use cases: ingestion (ingest.go) and reports (report.go).
// Every method authorizes the caller found in ctx first.
type Service struct {
	c      Config
	groups grouper
}

// NewService checks the wiring and returns the service.
func NewService(c Config) (*Service, error) {
	var d kernel.Deps
	d.Need("Repo", c.Repo != nil)
	d.Need("Tx", c.Tx != nil)
	d.Need("Clock", c.Clock != nil)
	d.Need("Plans", c.Plans != nil)
	d.Need("a TokenKey of at least 32 bytes", len(c.TokenKey) >= 32)
	d.Need("Namespaces", c.Namespaces != nil)
	d.Need("Audit", c.Audit != nil)
	d.Need("Statements", c.Statements != nil)
	if err := d.Err("usage.NewService"); err != nil {
		return nil, err
	}
	return &Service{c: c, groups: grouper{tenants: map[string]*tenantGroups{}}}, nil
}
