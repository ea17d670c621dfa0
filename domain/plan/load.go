package plan

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/quota"
	"github.com/shopspring/decimal"
)

// MaxCatalogSize is the largest catalog file Load reads. Real catalogs are a
// few kilobytes; the cap keeps a wrong path (a log file, /dev/zero) from
// eating memory.
const MaxCatalogSize = 4 << 20

// maxProblems bounds the report: all problems of a real file fit, while a
// generated file with a million mistakes does not produce a million lines.
const maxProblems = 100

var (
	namePattern    = regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`)
	labelPattern   = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
	currencyCode   = regexp.MustCompile(`^[A-Z]{3}$`)
	decimalPattern = regexp.MustCompile(`^-?[0-9]{1,20}(\.[0-9]{1,12})?$`)
)

// Load reads a JSON plan catalog from r and validates all of it; source
// names the input in messages (usually the file name). The format mirrors
// the upstream snake_case names: enums by their upstream names, decimals as
// JSON strings in plain notation; unknown and repeated fields are errors.
//
// On any problem Load returns a nil catalog, never a partial one, and an
// *errs.Error of Kind Invalid listing every problem found (up to 100) in
// file order: each Field is "source:line:column: json.path" and its Problem
// the message. A syntax error is reported alone, at its line and column.
func Load(r io.Reader, source string) (*Catalog, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxCatalogSize+1))
	if err != nil {
		return nil, errs.Wrap(errs.Internal, err, "reading plan catalog %s", source)
	}
	if len(data) > MaxCatalogSize {
		return nil, report(source, data, []problem{{off: -1, msg: fmt.Sprintf("is larger than %d bytes", MaxCatalogSize)}})
	}
	rd := newReader(data)
	c := decodeCatalog(rd)
	if rd.syntax == nil {
		if rest := bytes.TrimLeft(data[rd.dec.InputOffset():], " \t\r\n"); len(rest) > 0 {
			rd.syntax = &problem{off: int64(len(data) - len(rest)), msg: "syntax error: unexpected data after the catalog object"}
		}
	}
	switch {
	case rd.syntax != nil:
		// Anything read before a syntax error may be an artefact of it.
		return nil, report(source, data, []problem{*rd.syntax})
	case rd.bad[""]:
		return nil, report(source, data, rd.probs) // not an object at all
	}
	c.validate(rd)
	if len(rd.probs) > 0 {
		return nil, report(source, data, rd.probs)
	}
	return c, nil
}

// report builds the Invalid error, problems in file order.
func report(source string, data []byte, probs []problem) error {
	sort.SliceStable(probs, func(i, j int) bool {
		a, b := probs[i].off, probs[j].off
		return a >= 0 && (b < 0 || a < b) // positionless problems last
	})
	var f errs.Fields
	for i, p := range probs {
		if i == maxProblems {
			f.Add(source, "and %d more problems", len(probs)-maxProblems)
			break
		}
		loc := source
		if p.off >= 0 {
			line, col := position(data, p.off)
			loc = fmt.Sprintf("%s:%d:%d", source, line, col)
		}
		if p.path != "" {
			loc += ": " + p.path
		}
		f = append(f, errs.FieldError{Field: loc, Problem: p.msg})
	}
	return &errs.Error{Kind: errs.Invalid, Message: "invalid plan catalog", Fields: f}
}

// The decoders below turn JSON into the catalog types and report what cannot
// be represented (wrong JSON types, unknown fields, bad numbers, unknown
// enum names); every other rule is checked by validate.

func decodeCatalog(r *reader) *Catalog {
	c := &Catalog{}
	r.locs[""], _ = r.peek()
	r.object("", func(key, p string) bool {
		switch key {
		case "version":
			c.Version = r.str(p)
		case "currency":
			c.Currency = r.str(p)
		case "plans":
			r.array(p, func(_ int, p string) { c.Plans = append(c.Plans, decodePlan(r, p)) })
		case "addons":
			r.array(p, func(_ int, p string) { c.Addons = append(c.Addons, decodeAddon(r, p)) })
		default:
			return false
		}
		return true
	})
	return c
}

func decodePlan(r *reader, path string) Plan {
	var p Plan
	r.object(path, func(key, path string) bool {
		switch key {
		case "name":
			p.Name = r.str(path)
		case "title":
			p.Title = r.str(path)
		case "subtitle":
			p.Subtitle = r.str(path)
		case "description":
			p.Description = r.str(path)
		case "tenant_type":
			p.TenantType = decodeEnum(r, path, tenantTypes, TenantTypeUnknown)
		case "usage_plan_type":
			p.PlanType = decodeEnum(r, path, planTypes, PlanTypeUnspecified)
		case "billing_disabled":
			p.BillingDisabled = r.boolean(path)
		case "flat_price":
			p.FlatPriceCents = int32(r.integer(path, 32))
		case "renewal_period_unit":
			p.RenewalPeriodUnit = decodeEnum(r, path, periodUnits, PeriodUnknown)
		case "trial_period":
			p.TrialPeriod = int32(r.integer(path, 32))
		case "trial_period_unit":
			p.TrialPeriodUnit = decodeEnum(r, path, periodUnits, PeriodUnknown)
		case "transition_flow":
			p.TransitionFlow = decodeFlow(r, path)
		case "default_quota":
			p.DefaultQuota = decodeQuota(r, path)
		case "included_addon_services":
			p.IncludedAddons = r.stringList(path)
		case "allowed_addon_services":
			p.AllowedAddons = r.stringList(path)
		case "allowed_transitions":
			p.AllowedTransitions = r.stringList(path)
		case "invoice_due_days":
			p.InvoiceDueDays = int(r.integer(path, 32))
		case "rate_card":
			r.array(path, func(_ int, path string) { p.RateCard = append(p.RateCard, decodeRate(r, path)) })
		default:
			return false
		}
		return true
	})
	return p
}

func decodeFlow(r *reader, path string) TransitionFlow {
	var f TransitionFlow
	r.object(path, func(key, path string) bool {
		switch key {
		case "method":
			f.Method = decodeEnum(r, path, transitionMethods, TransitionMethodUnspecified)
		case "required_fields":
			r.array(path, func(_ int, path string) {
				f.RequiredFields = append(f.RequiredFields,
					decodeEnum(r, path, transitionRequiredFields, TransitionRequiredFieldUnspecified))
			})
		case "requires_manual_approval":
			f.RequiresManualApproval = r.boolean(path)
		default:
			return false
		}
		return true
	})
	return f
}

func decodeQuota(r *reader, path string) quota.Spec {
	s := quota.Spec{
		ObjectLimits:   map[string]quota.ObjectLimit{},
		ResourceLimits: map[string]quota.ResourceLimit{},
		APILimits:      map[string]quota.RateLimit{},
	}
	r.object(path, func(key, path string) bool {
		switch key {
		case "object_limits":
			r.mapObject(path, func(k, path string) {
				var l quota.ObjectLimit
				r.object(path, func(key, path string) bool {
					if key == "maximum" {
						l.Maximum = int32(r.integer(path, 32))
					}
					return key == "maximum"
				})
				s.ObjectLimits[k] = l
			})
		case "resource_limits":
			r.mapObject(path, func(k, path string) {
				var l quota.ResourceLimit
				r.object(path, func(key, path string) bool {
					if key == "maximum" {
						l.Maximum = r.float(path)
					}
					return key == "maximum"
				})
				s.ResourceLimits[k] = l
			})
		case "api_limits":
			r.mapObject(path, func(k, path string) {
				var l quota.RateLimit
				r.object(path, func(key, path string) bool {
					switch key {
					case "rate":
						l.Rate = int32(r.integer(path, 32))
					case "burst":
						l.Burst = int32(r.integer(path, 32))
					case "unit":
						l.Unit = r.str(path)
					default:
						return false
					}
					return true
				})
				s.APILimits[k] = l
			})
		default:
			return false
		}
		return true
	})
	return s
}

func decodeAddon(r *reader, path string) Addon {
	var a Addon
	r.object(path, func(key, path string) bool {
		switch key {
		case "name":
			a.Name = r.str(path)
		case "display_name":
			a.DisplayName = r.str(path)
		case "monthly_price":
			a.MonthlyPriceCents = r.integer(path, 64)
		default:
			return false
		}
		return true
	})
	return a
}

func decodeRate(r *reader, path string) Rate {
	var rt Rate
	r.object(path, func(key, path string) bool {
		switch key {
		case "metric_label":
			rt.MetricLabel = r.str(path)
		case "display_name":
			rt.DisplayName = r.str(path)
		case "service":
			rt.Service = r.str(path)
		case "unit_name":
			rt.UnitName = r.str(path)
		case "unit_name_billable":
			rt.UnitNameBillable = r.str(path)
		case "units_per_billable":
			rt.UnitsPerBillable = decodeDecimal(r, path)
		case "price_per_billable":
			rt.PricePerBillable = decodeDecimal(r, path)
		default:
			return false
		}
		return true
	})
	return rt
}

// decodeDecimal reads a decimal written as a JSON string. Only plain notation
// of bounded size is accepted: exponents like "1e999999" would make later
// arithmetic build enormous numbers, and a price needs neither.
func decodeDecimal(r *reader, path string) decimal.Decimal {
	s := r.str(path)
	if !r.has(path) || r.bad[path] {
		return decimal.Decimal{} // null, or not a string (reported)
	}
	if decimalPattern.MatchString(s) {
		if d, err := decimal.NewFromString(s); err == nil {
			return d
		}
	}
	r.add(path, "%q is not a decimal (digits with an optional fraction of up to 12 digits, e.g. \"0.35\")", s)
	return decimal.Decimal{}
}

// decodeEnum reads an enum by its upstream name. The unset value (the
// upstream default that means "not specified") is refused too, since a
// catalog must say what it means.
func decodeEnum[T ~string](r *reader, path string, values []T, unset T) T {
	s := r.str(path)
	if !r.has(path) || r.bad[path] {
		return ""
	}
	v := T(s)
	if v == unset || !slices.Contains(values, v) {
		var names []string
		for _, x := range values {
			if x != unset {
				names = append(names, string(x))
			}
		}
		r.add(path, "%q is not one of %s", s, strings.Join(names, ", "))
		return ""
	}
	return v
}

// validate checks the rules that hold across fields and values, reporting
// each problem at the place it concerns.
func (c *Catalog) validate(r *reader) {
	if c.Version == "" {
		r.flag("version", "is required")
	}
	if !currencyCode.MatchString(c.Currency) {
		r.flag("currency", "%q is not an ISO 4217 code (three upper-case letters, e.g. USD)", c.Currency)
	}

	addons := map[string]bool{}
	for i, a := range c.Addons {
		p := fmt.Sprintf("addons[%d]", i)
		switch {
		case a.Name == "":
			r.flag(p+".name", "is required")
		case !slices.Contains(addonNames, a.Name):
			r.flag(p+".name", "%q is not an add-on name (one of %s)", a.Name, strings.Join(addonNames, ", "))
		case addons[a.Name]:
			r.flag(p+".name", "add-on %q is defined twice", a.Name)
		}
		addons[a.Name] = true
		if a.DisplayName == "" {
			r.flag(p+".display_name", "is required")
		}
		if a.MonthlyPriceCents < 0 {
			r.flag(p+".monthly_price", "must not be negative")
		}
	}

	if len(c.Plans) == 0 {
		r.flag("plans", "at least one plan is required")
	}
	names := map[string]bool{}
	var free []string
	for i, pl := range c.Plans {
		p := fmt.Sprintf("plans[%d]", i)
		switch {
		case pl.Name == "":
			r.flag(p+".name", "is required")
		case !namePattern.MatchString(pl.Name):
			r.flag(p+".name", "%q must be 1-63 lower-case letters, digits and '-', starting with a letter", pl.Name)
		case names[pl.Name]:
			r.flag(p+".name", "plan %q is defined twice", pl.Name)
		}
		names[pl.Name] = true
		if pl.PlanType == PlanTypeFree {
			free = append(free, p)
		}
	}
	switch {
	case len(free) == 0 && len(c.Plans) > 0:
		r.flag("plans", "exactly one plan must have usage_plan_type FREE (the plan of new tenants); there is none")
	case len(free) > 1:
		for _, p := range free[1:] {
			r.flag(p+".usage_plan_type", "exactly one plan may be FREE; %s is FREE already", free[0])
		}
	}
	for i, pl := range c.Plans {
		pl.validate(fmt.Sprintf("plans[%d]", i), r, names, addons)
	}
}

func (pl *Plan) validate(path string, r *reader, plans, addons map[string]bool) {
	required := func(field string, set bool) {
		if !set {
			r.flag(path+"."+field, "is required")
		}
	}
	required("title", pl.Title != "")
	required("tenant_type", pl.TenantType != "")
	required("usage_plan_type", pl.PlanType != "")
	required("renewal_period_unit", pl.RenewalPeriodUnit != "")
	required("transition_flow.method", pl.TransitionFlow.Method != "")
	if pl.FlatPriceCents < 0 {
		r.flag(path+".flat_price", "must not be negative")
	}
	if pl.PlanType == PlanTypeFree && pl.FlatPriceCents != 0 {
		r.flag(path+".flat_price", "must be 0 for the FREE plan")
	}
	if pl.TrialPeriod < 0 {
		r.flag(path+".trial_period", "must not be negative")
	}
	if pl.TrialPeriod > 0 && pl.TrialPeriodUnit == "" {
		r.flag(path+".trial_period_unit", "is required when trial_period is set")
	}
	switch {
	case pl.InvoiceDueDays < 0 || pl.InvoiceDueDays > 365:
		r.flag(path+".invoice_due_days", "must be between 0 and 365")
	case pl.InvoiceDueDays == 0 && !pl.BillingDisabled:
		r.flag(path+".invoice_due_days", "must be at least 1 for a billed plan")
	}

	seen := map[TransitionRequiredField]bool{}
	for i, f := range pl.TransitionFlow.RequiredFields {
		if f != "" && seen[f] {
			r.flag(fmt.Sprintf("%s.transition_flow.required_fields[%d]", path, i), "%s is listed twice", f)
		}
		seen[f] = true
	}

	var qf errs.Fields
	pl.DefaultQuota.Validate(path+".default_quota", &qf)
	for _, e := range qf {
		r.flag(e.Field, "%s", e.Problem)
	}

	checkAddons := func(field string, list []string) {
		seen := map[string]bool{}
		for i, a := range list {
			p := fmt.Sprintf("%s.%s[%d]", path, field, i)
			switch {
			case !slices.Contains(addonNames, a):
				r.flag(p, "%q is not an add-on name", a)
			case !addons[a]:
				r.flag(p, "add-on %q is not defined in addons", a)
			case seen[a]:
				r.flag(p, "add-on %q is listed twice", a)
			}
			seen[a] = true
		}
	}
	checkAddons("included_addon_services", pl.IncludedAddons)
	checkAddons("allowed_addon_services", pl.AllowedAddons)
	for i, a := range pl.AllowedAddons {
		if pl.IncludesAddon(a) {
			r.flag(fmt.Sprintf("%s.allowed_addon_services[%d]", path, i), "add-on %q is already included in the plan", a)
		}
	}

	targets := map[string]bool{}
	for i, t := range pl.AllowedTransitions {
		p := fmt.Sprintf("%s.allowed_transitions[%d]", path, i)
		switch {
		case t == pl.Name:
			r.flag(p, "a plan cannot transition to itself")
		case !plans[t]:
			r.flag(p, "plan %q does not exist", t)
		case targets[t]:
			r.flag(p, "plan %q is listed twice", t)
		}
		targets[t] = true
	}

	labels := map[string]bool{}
	for i, rt := range pl.RateCard {
		rt.validate(fmt.Sprintf("%s.rate_card[%d]", path, i), r, labels)
	}
}

func (rt *Rate) validate(path string, r *reader, labels map[string]bool) {
	switch {
	case rt.MetricLabel == "":
		r.flag(path+".metric_label", "is required")
	case !labelPattern.MatchString(rt.MetricLabel):
		r.flag(path+".metric_label", "%q must be 1-63 lower-case letters, digits and '_', starting with a letter", rt.MetricLabel)
	case labels[rt.MetricLabel]:
		r.flag(path+".metric_label", "usage type %q is priced twice in this rate card", rt.MetricLabel)
	}
	labels[rt.MetricLabel] = true
	for _, f := range []struct{ field, v string }{
		{"display_name", rt.DisplayName}, {"service", rt.Service},
		{"unit_name", rt.UnitName}, {"unit_name_billable", rt.UnitNameBillable},
	} {
		if f.v == "" {
			r.flag(path+"."+f.field, "is required")
		}
	}
	switch p := path + ".units_per_billable"; {
	case !r.has(p):
		r.flag(p, "is required")
	case !rt.UnitsPerBillable.IsPositive():
		r.flag(p, "must be greater than 0")
	}
	switch p := path + ".price_per_billable"; {
	case !r.has(p):
		r.flag(p, "is required")
	case rt.PricePerBillable.IsNegative():
		r.flag(p, "must not be negative")
	}
}
