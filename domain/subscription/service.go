package subscription

import (
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/domain/tenancy"
)

// Config wires a Service.
type Config struct {
	Repo    Repository
	Catalog *plan.Catalog
	Clock   kernel.Clock
}

// Service answers which plan a tenant is on. It also is the plan layer of
// quota limits (quota.DefaultQuotaSource).
type Service struct {
	c Config
	// lc wires transitions, add-ons and subscriptions (EnableLifecycle); nil
	// until then, and those methods answer Unavailable.
	lc *LifecycleConfig
}

var _ quota.DefaultQuotaSource = (*Service)(nil)

// NewService checks the wiring and returns the service. The catalog must have
// a FREE plan: it is what every tenant without a record is on.
func NewService(c Config) (*Service, error) {
	if c.Repo == nil || c.Catalog == nil || c.Clock == nil {
		return nil, fmt.Errorf("subscription.NewService: Repo, Catalog and Clock are required")
	}
	if c.Catalog.FreePlan().Name == "" {
		return nil, fmt.Errorf("subscription.NewService: the catalog has no FREE plan for new tenants")
	}
	return &Service{c: c}, nil
}

// Catalog returns the plan catalog; callers must treat it as read-only.
func (s *Service) Catalog() *plan.Catalog { return s.c.Catalog }

// CurrentPlan returns the plan of the caller's tenant. Any role may read it:
// it is tenant-wide information, so it is checked against the system namespace.
func (s *Service) CurrentPlan(ctx context.Context) (plan.Plan, error) {
	p, err := tenancy.PrincipalFrom(ctx)
	if err != nil {
		return plan.Plan{}, err
	}
	if err := p.Authorize(tenancy.Read, tenancy.SystemNamespace); err != nil {
		return plan.Plan{}, err
	}
	return s.planOf(ctx, p.TenantID)
}

// PlanState is planPlanState: the state the plan list shows for a plan.
type PlanState string

// The plan states (API.md, planPlanState).
const (
	PlanStateUnspecified       PlanState = "STATE_UNSPECIFIED"
	PlanStateReady             PlanState = "STATE_READY"
	PlanStateTransitionPending PlanState = "STATE_TRANSITION_PENDING"
)

// PlanStates tells the caller's tenant's current plan and the state of
// each plan that has one (at most two): the current plan is READY, unless
// a transition waits for approval; then, as upstream documents, both the
// current plan and the transition's target are TRANSITION_PENDING. It reads
// the waiting transition with one query (none when transitions are not
// enabled). Plans not in the map are STATE_UNSPECIFIED.
func (s *Service) PlanStates(ctx context.Context) (plan.Plan, map[string]PlanState, error) {
	cur, err := s.CurrentPlan(ctx)
	if err != nil {
		return plan.Plan{}, nil, err
	}
	states := map[string]PlanState{cur.Name: PlanStateReady}
	if s.lc == nil {
		return cur, states, nil
	}
	p, err := tenancy.PrincipalFrom(ctx)
	if err != nil {
		return plan.Plan{}, nil, err
	}
	t, found, err := s.lc.Repo.WaitingTransition(ctx, p.TenantID)
	if err != nil {
		return plan.Plan{}, nil, err
	}
	if found {
		states[cur.Name] = PlanStateTransitionPending
		states[t.NewPlan] = PlanStateTransitionPending
	}
	return cur, states, nil
}

// DefaultQuota returns the default quota of the tenant's current plan, with
// one query. The caller (quota.Service) has already authorized the request.
// The maps are copies, so a caller cannot change the catalog.
func (s *Service) DefaultQuota(ctx context.Context, tenantID string) (quota.Spec, error) {
	pl, err := s.planOf(ctx, tenantID)
	if err != nil {
		return quota.Spec{}, err
	}
	d := pl.DefaultQuota
	return quota.Spec{ObjectLimits: maps.Clone(d.ObjectLimits), ResourceLimits: maps.Clone(d.ResourceLimits), APILimits: maps.Clone(d.APILimits)}, nil
}

// AssignPlan puts a tenant on the plan called planName from now on. It is for
// trusted callers (operators, the plan transition flow), so it checks no
// principal; the plan must exist in the catalog.
func (s *Service) AssignPlan(ctx context.Context, tenantID, planName string) error {
	if _, ok := s.c.Catalog.Plan(planName); !ok {
		return &errs.Error{Kind: errs.Invalid, Message: "invalid request",
			Fields: []errs.FieldError{{Field: "plan_name", Problem: fmt.Sprintf("%q is not a plan of the catalog", planName)}}}
	}
	return s.c.Repo.SetPlan(ctx, TenantPlan{TenantID: tenantID, PlanName: planName, Since: s.c.Clock.Now().Truncate(time.Microsecond)})
}

// PlanOf returns the current plan of a tenant, for services that have
// already authorized the caller (usage pricing).
func (s *Service) PlanOf(ctx context.Context, tenantID string) (plan.Plan, error) {
	return s.planOf(ctx, tenantID)
}

func (s *Service) planOf(ctx context.Context, tenantID string) (plan.Plan, error) {
	name, found, err := s.c.Repo.CurrentPlanName(ctx, tenantID)
	if err != nil {
		return plan.Plan{}, err
	}
	if !found {
		return s.c.Catalog.FreePlan(), nil
	}
	pl, ok := s.c.Catalog.Plan(name)
	if !ok {
		// A catalog edit removed a plan tenants are still on. Guessing a
		// replacement would silently change their limits and price.
		return plan.Plan{}, errs.New(errs.Internal, "tenant is on plan %q, which the catalog no longer has", name)
	}
	return pl, nil
}
