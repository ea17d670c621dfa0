// Package plan is the usage-plan catalog: the plans a tenant can be on, the
// add-ons they may subscribe to, and the rate cards that turn metered usage
// into money. The catalog is configuration, loaded once at start-up and
// read-only afterwards; per-tenant state (the current plan, a pending
// transition) belongs to other contexts.
package plan

import (
	"slices"

	"github.com/billingd/billingd/domain/quota"
	"github.com/shopspring/decimal"
)

// Catalog is the set of plans and add-ons, priced in one currency. Use only
// catalogs that Validate accepts (readers must check), and treat them as
// read-only.
type Catalog struct {
	Version  string
	Currency string // ISO 4217 code, e.g. USD
	Plans    []Plan
	Addons   []Addon
	// Taxes are the tax rates by billing country (and region); a country
	// without one is billed no tax.
	Taxes []TaxRate
}

// Plan is one usage plan: upstream planPlanInternal without the per-tenant
// fields (current, state), plus what billing needs to price it.
type Plan struct {
	Name              string
	Title             string
	Subtitle          string
	Description       string // Markdown
	TenantType        TenantType
	PlanType          PlanType
	BillingDisabled   bool
	FlatPriceCents    int32 // charged every renewal period
	RenewalPeriodUnit PeriodUnit
	TrialPeriod       int32
	TrialPeriodUnit   PeriodUnit
	TransitionFlow    TransitionFlow
	DefaultQuota      quota.Spec
	IncludedAddons    []string // add-on names bundled with the plan
	AllowedAddons     []string // add-on names a tenant on the plan may subscribe to
	// AllowedTransitions are the names of the plans a tenant may move to from this one.
	AllowedTransitions []string
	InvoiceDueDays     int // days after issue before an unpaid invoice is OVERDUE
	RateCard           []Rate
}

// TransitionFlow is planUsagePlanTransitionFlow: how a tenant moves onto the plan.
type TransitionFlow struct {
	Method                 TransitionMethod
	RequiredFields         []TransitionRequiredField
	RequiresManualApproval bool
}

// Addon is a subscribable add-on service.
type Addon struct {
	Name              string // one of AddonNames
	DisplayName       string
	MonthlyPriceCents int64
}

// Rate prices one usage type: quantities are metered in UnitName and billed
// in whole UnitNameBillable at PricePerBillable each.
type Rate struct {
	MetricLabel      string // usage type id, e.g. http_requests
	DisplayName      string
	Service          string // the add-on or service the usage belongs to, e.g. f5xc-waap-standard
	UnitName         string // metered unit, e.g. request
	UnitNameBillable string // billed unit, e.g. million requests
	UnitsPerBillable decimal.Decimal
	PricePerBillable decimal.Decimal // in currency units, e.g. 0.35
}

// addonNames are the keys of the subscribe/unsubscribe one-of (API.md §11).
var addonNames = []string{
	"f5xc_appstack_standard",
	"f5xc_big_ip_irule_standard",
	"f5xc_bigip_utilities_standard",
	"f5xc_content_delivery_network_advanced",
	"f5xc_content_delivery_network_standard",
	"f5xc_delegated_access_standard",
	"f5xc_securemesh_advanced",
	"f5xc_securemesh_standard",
	"f5xc_site_management_standard",
	"f5xc_synthetic_monitoring_standard",
	"f5xc_waap_advanced",
	"f5xc_waap_standard",
	"f5xc_web_app_scanning_standard",
}

// AddonNames returns the 13 add-on names the upstream API knows, sorted.
func AddonNames() []string { return slices.Clone(addonNames) }

// Plan returns the plan called name.
func (c *Catalog) Plan(name string) (Plan, bool) {
	i := slices.IndexFunc(c.Plans, func(p Plan) bool { return p.Name == name })
	if i < 0 {
		return Plan{}, false
	}
	return c.Plans[i], true
}

// FreePlan returns the FREE plan, the one new tenants start on. Validate
// guarantees there is exactly one; a hand-built catalog without one yields
// the zero Plan.
func (c *Catalog) FreePlan() Plan {
	i := slices.IndexFunc(c.Plans, func(p Plan) bool { return p.PlanType == PlanTypeFree })
	if i < 0 {
		return Plan{}
	}
	return c.Plans[i]
}

// Addon returns the add-on called name.
func (c *Catalog) Addon(name string) (Addon, bool) {
	i := slices.IndexFunc(c.Addons, func(a Addon) bool { return a.Name == name })
	if i < 0 {
		return Addon{}, false
	}
	return c.Addons[i], true
}

// Rate returns the rate of the usage type metricLabel.
func (p Plan) Rate(metricLabel string) (Rate, bool) {
	i := slices.IndexFunc(p.RateCard, func(r Rate) bool { return r.MetricLabel == metricLabel })
	if i < 0 {
		return Rate{}, false
	}
	return p.RateCard[i], true
}

// CanTransitionTo reports whether a tenant on p may move to the plan called name.
func (p Plan) CanTransitionTo(name string) bool {
	return name != p.Name && slices.Contains(p.AllowedTransitions, name)
}

// AllowsAddon reports whether a tenant on p may subscribe to the add-on called
// name. Included add-ons are not subscribable: the tenant already has them.
func (p Plan) AllowsAddon(name string) bool { return slices.Contains(p.AllowedAddons, name) }

// IncludesAddon reports whether the add-on called name comes bundled with p.
func (p Plan) IncludesAddon(name string) bool { return slices.Contains(p.IncludedAddons, name) }
