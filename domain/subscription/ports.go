package subscription

import "context"

// Repository stores the current plan of each tenant.
type Repository interface {
	// CurrentPlanName returns the name of the tenant's plan with one query;
	// found is false when the tenant never left the default plan.
	CurrentPlanName(ctx context.Context, tenantID string) (name string, found bool, err error)
	// SetPlan records tp as the tenant's current plan, replacing any earlier one.
	SetPlan(ctx context.Context, tp TenantPlan) error
}
