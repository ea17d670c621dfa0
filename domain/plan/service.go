package plan

import (
	"context"
	"errors"
	"maps"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/domain/tenancy"
)

// Repository reads the current plan of each tenant.
type Repository interface {
	// CurrentPlanName returns the name of the tenant's plan with one query;
	// found is false when the tenant never left the default plan.
	CurrentPlanName(ctx context.Context, tenantID string) (name string, found bool, err error)
}

// Config wires a Service; every field is required.
type Config struct {
	Repo    Repository
	Catalog *Catalog
}

// Service is the plan read side: the catalog and which plan a tenant is on.
// It is also the plan layer of quota limits (quota.DefaultQuotaSource), so it
// depends on nothing but its repository and the catalog.
type Service struct {
	c Config
}

var _ quota.DefaultQuotaSource = (*Service)(nil)

// NewService checks the wiring and returns the service. The catalog must have
// a FREE plan: it is what every tenant without a record is on.
func NewService(c Config) (*Service, error) {
	var d kernel.Deps
	d.Need("Repo", c.Repo != nil)
	d.Need("Catalog", c.Catalog != nil)
	if err := d.Err("plan.NewService"); err != nil {
		return nil, err
	}
	if c.Catalog.FreePlan().Name == "" {
		return nil, errors.New("plan.NewService: the catalog has no FREE plan for new tenants")
	}
	return &Service{c: c}, nil
}

// Catalog returns the plan catalog; callers must treat it as read-only.
func (s *Service) Catalog() *Catalog { return s.c.Catalog }

// CurrentPlan returns the plan of the caller's tenant. Any role may read it:
// it is tenant-wide information, so it is checked against the system namespace.
func (s *Service) CurrentPlan(ctx context.Context, p tenancy.Principal) (Plan, error) {
	if err := p.OnTenant(); err != nil {
		return Plan{}, err
	}
	if err := p.Authorize(tenancy.Read, tenancy.SystemNamespace); err != nil {
		return Plan{}, err
	}
	return s.planOf(ctx, p.TenantID)
}

// DefaultQuota returns the default quota of the current plan of the tenant p
// acts on, with one query; any credential of the tenant may read it (its
// quota limits derive from it). The maps are copies, so a caller cannot
// change the catalog.
func (s *Service) DefaultQuota(ctx context.Context, p tenancy.Principal) (quota.Spec, error) {
	pl, err := s.PlanOf(ctx, p)
	if err != nil {
		return quota.Spec{}, err
	}
	d := pl.DefaultQuota
	return quota.Spec{ObjectLimits: maps.Clone(d.ObjectLimits), ResourceLimits: maps.Clone(d.ResourceLimits), APILimits: maps.Clone(d.APILimits)}, nil
}

// PlanOf returns the current plan of the tenant p acts on, for the services
// that price or limit what p does (usage pricing, invoices, transitions):
// unlike CurrentPlan, a credential bound to one namespace may use it, since
// its own usage is priced by the tenant's plan.
func (s *Service) PlanOf(ctx context.Context, p tenancy.Principal) (Plan, error) {
	if err := p.OnTenant(); err != nil {
		return Plan{}, err
	}
	return s.planOf(ctx, p.TenantID)
}

func (s *Service) planOf(ctx context.Context, tenantID string) (Plan, error) {
	name, found, err := s.c.Repo.CurrentPlanName(ctx, tenantID)
	if err != nil {
		return Plan{}, err
	}
	if !found {
		return s.c.Catalog.FreePlan(), nil
	}
	pl, ok := s.c.Catalog.Plan(name)
	if !ok {
		// A catalog edit removed a plan tenants are still on. Guessing a
		// replacement would silently change their limits and price.
		return Plan{}, errs.New(errs.Internal, "tenant is on plan %q, which the catalog no longer has", name)
	}
	return pl, nil
}
