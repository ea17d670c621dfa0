package rest

import "net/http"

// currentPlan is op 25: every catalog plan, the tenant's marked current,
// with its state (TRANSITION_PENDING, with the target's, while a
// transition waits for approval).
func (a *api) currentPlan(_ http.ResponseWriter, r *http.Request) (any, error) {
	p, states, err := a.Subscriptions.PlanStates(r.Context(), caller(r))
	if err != nil {
		return nil, err
	}
	return localizedCatalog(a.Plans.Catalog(), p.Name, states), nil
}

// listUsagePlans is op 26: the same plans, once per locale. billingd has one
// locale, so the list has one element; it marks the current plan and the
// states too, as the caller is the same tenant.
func (a *api) listUsagePlans(_ http.ResponseWriter, r *http.Request) (any, error) {
	p, states, err := a.Subscriptions.PlanStates(r.Context(), caller(r))
	if err != nil {
		return nil, err
	}
	return listUsagePlansResponse{UsagePlans: []localizedPlan{localizedCatalog(a.Plans.Catalog(), p.Name, states)}}, nil
}
