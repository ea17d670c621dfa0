package subscription

import (
	"context"
	"fmt"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/tenancy"
)

// Config wires a Service; every field is required.
type Config struct {
	// Plans is the plan read side: the catalog and each tenant's plan.
	Plans *plan.Service
	// PlanRepo records a tenant's new plan.
	PlanRepo Repository
	// Repo stores transitions, subscriptions and plan changes.
	Repo        LifecycleRepository
	Tx          kernel.TxRunner
	Idempotency kernel.IdempotencyStore
	// Quotas checks a downgrade against current usage.
	Quotas QuotaFit
	// Audit records transitions, decisions and add-on changes.
	Audit kernel.Auditor
	Clock kernel.Clock
}

// Service is the subscription lifecycle: plan transitions, add-ons and
// subscription periods. It reads plans through plan.Service and checks
// downgrades through the quota service, which itself reads plans, so the
// services are built in that order: plan, quota, subscription.
type Service struct {
	c Config
}

// NewService checks the wiring and returns the service; the error names
// every missing dependency.
func NewService(c Config) (*Service, error) {
	var d kernel.Deps
	d.Need("Plans", c.Plans != nil)
	d.Need("PlanRepo", c.PlanRepo != nil)
	d.Need("Repo", c.Repo != nil)
	d.Need("Tx", c.Tx != nil)
	d.Need("Idempotency", c.Idempotency != nil)
	d.Need("Quotas", c.Quotas != nil)
	d.Need("Audit", c.Audit != nil)
	d.Need("Clock", c.Clock != nil)
	if err := d.Err("subscription.NewService"); err != nil {
		return nil, err
	}
	return &Service{c: c}, nil
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
// the waiting transition with one query. Plans not in the map are STATE_UNSPECIFIED.
func (s *Service) PlanStates(ctx context.Context, p tenancy.Principal) (plan.Plan, map[string]PlanState, error) {
	cur, err := s.c.Plans.CurrentPlan(ctx, p)
	if err != nil {
		return plan.Plan{}, nil, err
	}
	states := map[string]PlanState{cur.Name: PlanStateReady}
	t, found, err := s.c.Repo.WaitingTransition(ctx, p.TenantID)
	if err != nil {
		return plan.Plan{}, nil, err
	}
	if found {
		states[cur.Name] = PlanStateTransitionPending
		states[t.NewPlan] = PlanStateTransitionPending
	}
	return cur, states, nil
}

// AssignPlan puts the tenant the operator p acts on on the plan called
// planName from now on, without a transition (an operator decision); the
// plan must exist in the catalog.
func (s *Service) AssignPlan(ctx context.Context, p tenancy.Principal, planName string) error {
	if err := p.OnTenant(); err != nil {
		return err
	}
	if err := p.RequireOperator("assigning a plan"); err != nil {
		return err
	}
	if _, ok := s.c.Plans.Catalog().Plan(planName); !ok {
		return &errs.Error{Kind: errs.Invalid, Message: "invalid request",
			Fields: []errs.FieldError{{Field: "plan_name", Problem: fmt.Sprintf("%q is not a plan of the catalog", planName)}}}
	}
	return s.c.PlanRepo.SetPlan(ctx, TenantPlan{TenantID: p.TenantID, PlanName: planName, Since: s.c.Clock.Now().Truncate(time.Microsecond)})
}
