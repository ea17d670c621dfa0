package subscription

import (
	"context"
	"time"

	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/domain/tenancy"
)

// Repository records the current plan of each tenant (plan.Repository
// reads it).
type Repository interface {
	// SetPlan records tp as the tenant's current plan, replacing any earlier one.
	SetPlan(ctx context.Context, tp TenantPlan) error
}

// LifecycleRepository stores plan transitions, subscriptions (plan and
// add-on stints) and plan changes. Every method takes part in the
// transaction found in ctx.
type LifecycleRepository interface {
	// InsertTransition stores a new transition. When the tenant already has
	// one in flight (CREATING or WAITING_FOR_APPROVAL) a unique index refuses
	// it and the error is a Conflict.
	InsertTransition(ctx context.Context, t Transition) error
	// UpdateTransition stores t only when the stored state is still from; a
	// row in another state (a concurrent approval won) is a Conflict.
	UpdateTransition(ctx context.Context, t Transition, from TransitionState) error
	// GetTransition returns a transition of the tenant; NotFound otherwise.
	GetTransition(ctx context.Context, tenantID, id string) (Transition, error)
	// WaitingTransition returns the tenant's transition that waits for
	// approval, if any, with one query.
	WaitingTransition(ctx context.Context, tenantID string) (t Transition, found bool, err error)
	// ListTransitions returns the tenant's transitions, newest first, at
	// most limit, only those in state when it is not "". One query.
	ListTransitions(ctx context.Context, tenantID string, state TransitionState, limit int) ([]Transition, error)
	// TransitionByID returns a transition of any tenant, for trusted callers.
	TransitionByID(ctx context.Context, id string) (Transition, error)

	// TenantCreatedAt is when the tenant was created (the start of its first
	// plan subscription).
	TenantCreatedAt(ctx context.Context, tenantID string) (time.Time, error)
	// Subscriptions returns every subscription of the tenant, oldest first.
	Subscriptions(ctx context.Context, tenantID string) ([]Subscription, error)
	// OpenSubscription stores s, an open subscription. When the tenant already
	// has an open subscription of the same kind (plan) or name (add-on) it
	// stores nothing and returns false.
	OpenSubscription(ctx context.Context, s Subscription) (opened bool, err error)
	// CloseSubscription ends the open subscription of kind and name (name is
	// ignored for plans) at at; false when none was open.
	CloseSubscription(ctx context.Context, tenantID string, kind Kind, name string, at time.Time) (closed bool, err error)
	// RecordChange keeps a plan change for proration.
	RecordChange(ctx context.Context, c PlanChange) error
}

// QuotaFit tells which quota counters of a tenant would be over their limits
// if spec were its plan's default quota (quota.Service implements it).
type QuotaFit interface {
	Misfits(ctx context.Context, p tenancy.Principal, spec quota.Spec) ([]quota.Misfit, error)
}
