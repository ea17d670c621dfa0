package plan

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/billingd/billingd/domain/errs"
	"github.com/shopspring/decimal"
)

var (
	namePattern  = regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`)
	labelPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
	currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)
)

// Validate checks every rule a catalog must keep before it can price
// anything, and returns all problems at once. Each Field is the path of the
// value concerned in the catalog's snake_case form (e.g.
// "plans[1].rate_card[0].price_per_billable", quota maps as
// `object_limits["vcpu"]`), so a reader can put the problem back in place; a
// field may be reported more than once, the first problem being the one that
// matters. The result is nil when the catalog is valid.
func (c *Catalog) Validate() errs.Fields {
	var f errs.Fields
	if c.Version == "" {
		f.Add("version", "is required")
	}
	if !currencyCode.MatchString(c.Currency) {
		f.Add("currency", "%q is not an ISO 4217 code (three upper-case letters, e.g. USD)", c.Currency)
	}

	addons := map[string]bool{}
	for i, a := range c.Addons {
		p := fmt.Sprintf("addons[%d]", i)
		switch {
		case a.Name == "":
			f.Add(p+".name", "is required")
		case !slices.Contains(addonNames, a.Name):
			f.Add(p+".name", "%q is not an add-on name (one of %s)", a.Name, strings.Join(addonNames, ", "))
		case addons[a.Name]:
			f.Add(p+".name", "add-on %q is defined twice", a.Name)
		}
		addons[a.Name] = true
		if a.DisplayName == "" {
			f.Add(p+".display_name", "is required")
		}
		switch {
		case a.MonthlyPriceCents < 0:
			f.Add(p+".monthly_price", "must not be negative")
		case a.MonthlyPriceCents > MaxMonthlyPriceCents:
			f.Add(p+".monthly_price", "must be at most %d cents", MaxMonthlyPriceCents)
		}
	}

	if len(c.Plans) == 0 {
		f.Add("plans", "at least one plan is required")
	}
	names := map[string]bool{}
	var free []string
	for i, pl := range c.Plans {
		p := fmt.Sprintf("plans[%d]", i)
		switch {
		case pl.Name == "":
			f.Add(p+".name", "is required")
		case !namePattern.MatchString(pl.Name):
			f.Add(p+".name", "%q must be 1-63 lower-case letters, digits and '-', starting with a letter", pl.Name)
		case names[pl.Name]:
			f.Add(p+".name", "plan %q is defined twice", pl.Name)
		}
		names[pl.Name] = true
		if pl.PlanType == PlanTypeFree {
			free = append(free, p)
		}
	}
	switch {
	case len(free) == 0 && len(c.Plans) > 0:
		f.Add("plans", "exactly one plan must have usage_plan_type FREE (the plan of new tenants); there is none")
	case len(free) > 1:
		for _, p := range free[1:] {
			f.Add(p+".usage_plan_type", "exactly one plan may be FREE; %s is FREE already", free[0])
		}
	}
	for i, pl := range c.Plans {
		pl.validate(fmt.Sprintf("plans[%d]", i), &f, names, addons)
	}
	c.validateTaxes(&f)
	return f
}

func (pl *Plan) validate(path string, f *errs.Fields, plans, addons map[string]bool) {
	if pl.Title == "" {
		f.Add(path+".title", "is required")
	}
	checkEnum(f, path+".tenant_type", pl.TenantType, tenantTypes, TenantTypeUnknown, true)
	checkEnum(f, path+".usage_plan_type", pl.PlanType, planTypes, PlanTypeUnspecified, true)
	checkEnum(f, path+".renewal_period_unit", pl.RenewalPeriodUnit, periodUnits, PeriodUnknown, true)
	checkEnum(f, path+".trial_period_unit", pl.TrialPeriodUnit, periodUnits, PeriodUnknown, false)
	checkEnum(f, path+".transition_flow.method", pl.TransitionFlow.Method, transitionMethods, TransitionMethodUnspecified, true)
	if pl.FlatPriceCents < 0 {
		f.Add(path+".flat_price", "must not be negative")
	}
	if pl.PlanType == PlanTypeFree && pl.FlatPriceCents != 0 {
		f.Add(path+".flat_price", "must be 0 for the FREE plan")
	}
	if pl.TrialPeriod < 0 {
		f.Add(path+".trial_period", "must not be negative")
	}
	if pl.TrialPeriod > 0 && pl.TrialPeriodUnit == "" {
		f.Add(path+".trial_period_unit", "is required when trial_period is set")
	}
	switch {
	case pl.InvoiceDueDays < 0 || pl.InvoiceDueDays > 365:
		f.Add(path+".invoice_due_days", "must be between 0 and 365")
	case pl.InvoiceDueDays == 0 && !pl.BillingDisabled:
		f.Add(path+".invoice_due_days", "must be at least 1 for a billed plan")
	}

	seen := map[TransitionRequiredField]bool{}
	for i, rf := range pl.TransitionFlow.RequiredFields {
		p := fmt.Sprintf("%s.transition_flow.required_fields[%d]", path, i)
		checkEnum(f, p, rf, transitionRequiredFields, TransitionRequiredFieldUnspecified, true)
		if rf != "" && seen[rf] {
			f.Add(p, "%s is listed twice", rf)
		}
		seen[rf] = true
	}

	pl.DefaultQuota.Validate(path+".default_quota", f)

	checkAddons := func(field string, list []string) {
		seen := map[string]bool{}
		for i, a := range list {
			p := fmt.Sprintf("%s.%s[%d]", path, field, i)
			switch {
			case !slices.Contains(addonNames, a):
				f.Add(p, "%q is not an add-on name", a)
			case !addons[a]:
				f.Add(p, "add-on %q is not defined in addons", a)
			case seen[a]:
				f.Add(p, "add-on %q is listed twice", a)
			}
			seen[a] = true
		}
	}
	checkAddons("included_addon_services", pl.IncludedAddons)
	checkAddons("allowed_addon_services", pl.AllowedAddons)
	for i, a := range pl.AllowedAddons {
		if pl.IncludesAddon(a) {
			f.Add(fmt.Sprintf("%s.allowed_addon_services[%d]", path, i), "add-on %q is already included in the plan", a)
		}
	}

	targets := map[string]bool{}
	for i, t := range pl.AllowedTransitions {
		p := fmt.Sprintf("%s.allowed_transitions[%d]", path, i)
		switch {
		case t == pl.Name:
			f.Add(p, "a plan cannot transition to itself")
		case !plans[t]:
			f.Add(p, "plan %q does not exist", t)
		case targets[t]:
			f.Add(p, "plan %q is listed twice", t)
		}
		targets[t] = true
	}

	labels := map[string]bool{}
	for i, rt := range pl.RateCard {
		rt.validate(fmt.Sprintf("%s.rate_card[%d]", path, i), f, labels)
	}
}

func (rt *Rate) validate(path string, f *errs.Fields, labels map[string]bool) {
	switch {
	case rt.MetricLabel == "":
		f.Add(path+".metric_label", "is required")
	case !labelPattern.MatchString(rt.MetricLabel):
		f.Add(path+".metric_label", "%q must be 1-63 lower-case letters, digits and '_', starting with a letter", rt.MetricLabel)
	case labels[rt.MetricLabel]:
		f.Add(path+".metric_label", "usage type %q is priced twice in this rate card", rt.MetricLabel)
	}
	labels[rt.MetricLabel] = true
	for _, v := range []struct{ field, v string }{
		{"display_name", rt.DisplayName}, {"service", rt.Service},
		{"unit_name", rt.UnitName}, {"unit_name_billable", rt.UnitNameBillable},
	} {
		if v.v == "" {
			f.Add(path+"."+v.field, "is required")
		}
	}
	if !rt.UnitsPerBillable.IsPositive() {
		f.Add(path+".units_per_billable", "must be greater than 0")
	}
	switch {
	case rt.PricePerBillable.IsNegative():
		f.Add(path+".price_per_billable", "must not be negative")
	case rt.PricePerBillable.GreaterThan(maxUnitPrice):
		f.Add(path+".price_per_billable", "must be at most %s", maxUnitPrice)
	}
}

// Prices are bounded so that prices times bounded quantities (one event
// bills at most 10^12 units, see usage) stay far inside int64 cents; the
// pricing checks every sum anyway (domain/money).
var maxUnitPrice = decimal.NewFromInt(1_000_000)

// MaxMonthlyPriceCents bounds an add-on's monthly price (a billion).
const MaxMonthlyPriceCents = 100_000_000_000

// checkEnum checks that v is one of values. The unset value (the upstream
// default that means "not specified") is refused too, since a catalog must
// say what it means; the empty string is refused only when required.
func checkEnum[T ~string](f *errs.Fields, path string, v T, values []T, unset T, required bool) {
	switch {
	case v == "" && required:
		f.Add(path, "is required")
	case v == "", v != unset && slices.Contains(values, v):
	default:
		var names []string
		for _, x := range values {
			if x != unset {
				names = append(names, string(x))
			}
		}
		f.Add(path, "%q is not one of %s", v, strings.Join(names, ", "))
	}
}
