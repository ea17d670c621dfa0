package usage

import (
	"context"
	"fmt"

	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/plan"
)

// PlanSource tells a tenant's current plan (its rate card prices usage and
// validates what may be ingested) and the catalog's currency.
type PlanSource interface {
	PlanOf(ctx context.Context, tenantID string) (plan.Plan, error)
	Catalog() *plan.Catalog
}

// Config wires a Service.
type Config struct {
	Repo  Repository
	Tx    kernel.TxRunner
	Clock kernel.Clock
	Plans PlanSource
	// TokenKey signs hourly_breakdown_query tokens (HMAC-SHA256), so a
	// tampered token is refused. It must be the same on every replica and
	// survive restarts; the store keeps one per installation.
	TokenKey []byte
	// Namespaces records the namespaces events arrive in; may be nil.
	Namespaces NamespaceRegistry
	// Audit records setting changes. Usage events are not audited: they are
	// themselves an append-only record, deduplicated by id.
	Audit kernel.Auditor
}

// NamespaceRegistry records namespaces as they are first used.
type NamespaceRegistry interface {
	EnsureNamespace(ctx context.Context, tenantID, ns string) error
}

// Service is the usage use cases: ingestion (ingest.go) and reports (report.go).
// Every method authorizes the caller found in ctx first.
type Service struct{ c Config }

// NewService checks the wiring and returns the service.
func NewService(c Config) (*Service, error) {
	if c.Repo == nil || c.Tx == nil || c.Clock == nil || c.Plans == nil || len(c.TokenKey) < 32 {
		return nil, fmt.Errorf("usage.NewService: Repo, Tx, Clock, Plans and a TokenKey of at least 32 bytes are required")
	}
	return &Service{c: c}, nil
}
