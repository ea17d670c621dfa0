package rest

import (
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/domain/subscription"
)

// The F5 wire types of the usage plan operations (API.md §10; raw file
// ves.io.schema.usage.plan). Every field is omitempty, enums included: proto3
// JSON leaves out an enum's first value, so a FREE plan has no
// usage_plan_type and clients read the missing field as FREE.

// planLocale is the only locale billingd has: the catalog is written in it.
const planLocale = "en-us"

type addonServiceDetails struct {
	Name        string `json:"name,omitempty"`
	DisplayName string `json:"display_name,omitempty"`
}

type planTransitionFlow struct {
	Method                 string   `json:"method,omitempty"`
	RequiredFields         []string `json:"required_fields,omitempty"`
	RequiresManualApproval bool     `json:"requires_manual_approval,omitempty"`
}

// planInternal is planPlanInternal.
type planInternal struct {
	Name                  string                `json:"name,omitempty"`
	Title                 string                `json:"title,omitempty"`
	Subtitle              string                `json:"subtitle,omitempty"`
	Description           string                `json:"description,omitempty"`
	TenantType            string                `json:"tenant_type,omitempty"`
	UsagePlanType         string                `json:"usage_plan_type,omitempty"`
	BillingDisabled       bool                  `json:"billing_disabled,omitempty"`
	FlatPrice             int32                 `json:"flat_price,omitempty"`
	RenewalPeriodUnit     string                `json:"renewal_period_unit,omitempty"`
	TrialPeriod           int32                 `json:"trial_period,omitempty"`
	TrialPeriodUnit       string                `json:"trial_period_unit,omitempty"`
	Current               bool                  `json:"current,omitempty"`
	State                 string                `json:"state,omitempty"`
	TransitionFlow        *planTransitionFlow   `json:"transition_flow,omitempty"`
	DefaultQuota          *quotaSpecWire        `json:"default_quota,omitempty"`
	IncludedAddonServices []addonServiceDetails `json:"included_addon_services,omitempty"`
	AllowedAddonServices  []addonServiceDetails `json:"allowed_addon_services,omitempty"`
}

// localizedPlan is planLocalizedPlan.
type localizedPlan struct {
	Locale string         `json:"locale,omitempty"`
	Plans  []planInternal `json:"plans,omitempty"`
}

// listUsagePlansResponse is planListUsagePlansRsp.
type listUsagePlansResponse struct {
	UsagePlans []localizedPlan `json:"usage_plans,omitempty"`
}

// enumName is the wire form of an enum value: its name, or nothing for the
// first value (proto number 0), which proto3 JSON omits.
func enumName[E interface {
	~string
	Number() int32
}](e E) string {
	if e.Number() <= 0 {
		return ""
	}
	return string(e)
}

// localizedCatalog lists every plan of cat, marking current as the tenant's
// plan in effect and giving each plan its state from states (a plan not
// there has none: STATE_UNSPECIFIED, which proto3 JSON omits).
func localizedCatalog(cat *plan.Catalog, current string, states map[string]subscription.PlanState) localizedPlan {
	out := localizedPlan{Locale: planLocale, Plans: make([]planInternal, 0, len(cat.Plans))}
	for _, p := range cat.Plans {
		w := planToWire(cat, p)
		w.Current = p.Name == current
		if st, ok := states[p.Name]; ok && st != subscription.PlanStateUnspecified {
			w.State = string(st)
		}
		out.Plans = append(out.Plans, w)
	}
	return out
}

func planToWire(cat *plan.Catalog, p plan.Plan) planInternal {
	w := planInternal{
		Name: p.Name, Title: p.Title, Subtitle: p.Subtitle, Description: p.Description,
		TenantType: enumName(p.TenantType), UsagePlanType: enumName(p.PlanType), BillingDisabled: p.BillingDisabled,
		FlatPrice: p.FlatPriceCents, RenewalPeriodUnit: enumName(p.RenewalPeriodUnit),
		TrialPeriod: p.TrialPeriod, TrialPeriodUnit: enumName(p.TrialPeriodUnit),
		IncludedAddonServices: addonsToWire(cat, p.IncludedAddons), AllowedAddonServices: addonsToWire(cat, p.AllowedAddons),
	}
	tf := planTransitionFlow{Method: enumName(p.TransitionFlow.Method), RequiresManualApproval: p.TransitionFlow.RequiresManualApproval}
	for _, f := range p.TransitionFlow.RequiredFields {
		tf.RequiredFields = append(tf.RequiredFields, string(f))
	}
	if tf.Method != "" || len(tf.RequiredFields) > 0 || tf.RequiresManualApproval {
		w.TransitionFlow = &tf
	}
	if !specEmpty(p.DefaultQuota) {
		w.DefaultQuota = specToWire(p.DefaultQuota)
	}
	return w
}

func specEmpty(s quota.Spec) bool {
	return len(s.ObjectLimits)+len(s.ResourceLimits)+len(s.APILimits) == 0
}

// addonsToWire names the add-ons; Load guarantees every name is in the catalog.
func addonsToWire(cat *plan.Catalog, names []string) []addonServiceDetails {
	var out []addonServiceDetails
	for _, n := range names {
		a, _ := cat.Addon(n)
		out = append(out, addonServiceDetails{Name: n, DisplayName: a.DisplayName})
	}
	return out
}
