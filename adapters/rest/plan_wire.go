package rest

import (
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/domain/subscription"
)

// The F5 wire types of the usage plan operations (API.md §10; raw file
// ves.io.schema.usage.plan). Zero values are written (API.md §1), enums by
// name: a FREE plan says "usage_plan_type": "FREE", a plan without a trial
// "trial_period": 0.

// planLocale is the only locale billingd has: the catalog is written in it.
const planLocale = "en-us"

type addonServiceDetails struct {
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
}

type planTransitionFlow struct {
	Method                 string   `json:"method"`
	RequiredFields         []string `json:"required_fields"`
	RequiresManualApproval bool     `json:"requires_manual_approval"`
}

// planInternal is planPlanInternal.
type planInternal struct {
	Name                  string                `json:"name"`
	Title                 string                `json:"title"`
	Subtitle              string                `json:"subtitle"`
	Description           string                `json:"description"`
	TenantType            string                `json:"tenant_type"`
	UsagePlanType         string                `json:"usage_plan_type"`
	BillingDisabled       bool                  `json:"billing_disabled"`
	FlatPrice             int32                 `json:"flat_price"`
	RenewalPeriodUnit     string                `json:"renewal_period_unit"`
	TrialPeriod           int32                 `json:"trial_period"`
	TrialPeriodUnit       string                `json:"trial_period_unit"`
	Current               bool                  `json:"current"`
	State                 string                `json:"state"`
	TransitionFlow        *planTransitionFlow   `json:"transition_flow"`
	DefaultQuota          *globalSpecWire       `json:"default_quota"`
	IncludedAddonServices []addonServiceDetails `json:"included_addon_services"`
	AllowedAddonServices  []addonServiceDetails `json:"allowed_addon_services"`
}

// localizedPlan is planLocalizedPlan.
type localizedPlan struct {
	Locale string         `json:"locale"`
	Plans  []planInternal `json:"plans"`
}

// listUsagePlansResponse is planListUsagePlansRsp.
type listUsagePlansResponse struct {
	UsagePlans []localizedPlan `json:"usage_plans"`
}

// enumName is the wire form of an enum value: its name, or the name of the
// enum's first value (proto number 0) for an unset or unknown one.
func enumName[E interface {
	~string
	Number() int32
}](e, zero E) string {
	if e.Number() <= 0 {
		return string(zero)
	}
	return string(e)
}

// localizedCatalog lists every plan of cat, marking current as the tenant's
// plan in effect and giving each plan its state from states (a plan not
// there has none: STATE_UNSPECIFIED).
func localizedCatalog(cat *plan.Catalog, current string, states map[string]subscription.PlanState) localizedPlan {
	out := localizedPlan{Locale: planLocale, Plans: make([]planInternal, 0, len(cat.Plans))}
	for _, p := range cat.Plans {
		w := planToWire(cat, p)
		w.Current = p.Name == current
		w.State = string(subscription.PlanStateUnspecified)
		if st, ok := states[p.Name]; ok && st != "" {
			w.State = string(st)
		}
		out.Plans = append(out.Plans, w)
	}
	return out
}

func planToWire(cat *plan.Catalog, p plan.Plan) planInternal {
	w := planInternal{
		Name: p.Name, Title: p.Title, Subtitle: p.Subtitle, Description: p.Description,
		TenantType: enumName(p.TenantType, plan.TenantTypeUnknown), UsagePlanType: enumName(p.PlanType, plan.PlanTypeFree), BillingDisabled: p.BillingDisabled,
		FlatPrice: p.FlatPriceCents, RenewalPeriodUnit: enumName(p.RenewalPeriodUnit, plan.PeriodUnknown),
		TrialPeriod: p.TrialPeriod, TrialPeriodUnit: enumName(p.TrialPeriodUnit, plan.PeriodUnknown),
		IncludedAddonServices: addonsToWire(cat, p.IncludedAddons), AllowedAddonServices: addonsToWire(cat, p.AllowedAddons),
		TransitionFlow: &planTransitionFlow{Method: enumName(p.TransitionFlow.Method, plan.TransitionMethodUnspecified),
			RequiredFields: []string{}, RequiresManualApproval: p.TransitionFlow.RequiresManualApproval},
		DefaultQuota: globalSpecToWire(p.DefaultQuota),
	}
	for _, f := range p.TransitionFlow.RequiredFields {
		w.TransitionFlow.RequiredFields = append(w.TransitionFlow.RequiredFields, enumName(f, plan.TransitionRequiredFieldUnspecified))
	}
	return w
}

// globalSpecWire is schemaquotaGlobalSpecType, the stored quota form of a
// plan's default_quota: the three limit maps and apigw_limits, which
// billingd does not set (API-gateway limits are the gateway's).
type globalSpecWire struct {
	quotaSpecWire
	APIGWLimits map[string]struct{} `json:"apigw_limits"`
}

func globalSpecToWire(s quota.Spec) *globalSpecWire {
	return &globalSpecWire{quotaSpecWire: *specToWire(s), APIGWLimits: map[string]struct{}{}}
}

// addonsToWire names the add-ons; Load guarantees every name is in the catalog.
func addonsToWire(cat *plan.Catalog, names []string) []addonServiceDetails {
	out := []addonServiceDetails{}
	for _, n := range names {
		a, _ := cat.Addon(n)
		out = append(out, addonServiceDetails{Name: n, DisplayName: a.DisplayName})
	}
	return out
}
