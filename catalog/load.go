package catalog

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"sort"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/quota"
	"github.com/shopspring/decimal"
)

// MaxSize is the largest catalog file Load reads. Real catalogs are a few
// kilobytes; the cap keeps a wrong path (a log file, /dev/zero) from eating
// memory.
const MaxSize = 4 << 20

// maxProblems bounds the report: all problems of a real file fit, while a
// generated file with a million mistakes does not produce a million lines.
const maxProblems = 100

// decimalPattern is the plain notation of bounded size a decimal must be
// written in: exponents like "1e999999" would make later arithmetic build
// enormous numbers, and a price needs neither.
var decimalPattern = regexp.MustCompile(`^-?[0-9]{1,20}(\.[0-9]{1,12})?$`)

// The file format: the upstream snake_case names, enums by their upstream
// names, money in cents as JSON numbers and other decimals as JSON strings.
type (
	catalogJSON struct {
		Version  string      `json:"version"`
		Currency string      `json:"currency"`
		Plans    []planJSON  `json:"plans"`
		Addons   []addonJSON `json:"addons"`
		Taxes    []taxJSON   `json:"taxes"`
	}
	taxJSON struct { // converts to plan.TaxRate
		Country       string  `json:"country"`
		Region        string  `json:"region"`
		Name          string  `json:"name"`
		Rate          *string `json:"rate"` // a percentage, e.g. "20" or "7.25"
		ReverseCharge bool    `json:"reverse_charge"`
	}
	planJSON struct {
		Name               string          `json:"name"`
		Title              string          `json:"title"`
		Subtitle           string          `json:"subtitle"`
		Description        string          `json:"description"`
		TenantType         plan.TenantType `json:"tenant_type"`
		PlanType           plan.PlanType   `json:"usage_plan_type"`
		BillingDisabled    bool            `json:"billing_disabled"`
		FlatPriceCents     int32           `json:"flat_price"`
		RenewalPeriodUnit  plan.PeriodUnit `json:"renewal_period_unit"`
		TrialPeriod        int32           `json:"trial_period"`
		TrialPeriodUnit    plan.PeriodUnit `json:"trial_period_unit"`
		TransitionFlow     flowJSON        `json:"transition_flow"`
		DefaultQuota       *quotaJSON      `json:"default_quota"`
		IncludedAddons     []string        `json:"included_addon_services"`
		AllowedAddons      []string        `json:"allowed_addon_services"`
		AllowedTransitions []string        `json:"allowed_transitions"`
		InvoiceDueDays     int32           `json:"invoice_due_days"`
		RateCard           []rateJSON      `json:"rate_card"`
	}
	flowJSON struct { // converts to plan.TransitionFlow
		Method                 plan.TransitionMethod          `json:"method"`
		RequiredFields         []plan.TransitionRequiredField `json:"required_fields"`
		RequiresManualApproval bool                           `json:"requires_manual_approval"`
	}
	quotaJSON struct {
		ObjectLimits   map[string]objectLimitJSON   `json:"object_limits"`
		ResourceLimits map[string]resourceLimitJSON `json:"resource_limits"`
		APILimits      map[string]rateLimitJSON     `json:"api_limits"`
	}
	objectLimitJSON struct { // converts to quota.ObjectLimit
		Maximum int32 `json:"maximum"`
	}
	resourceLimitJSON struct { // converts to quota.ResourceLimit
		Maximum float64 `json:"maximum"`
	}
	rateLimitJSON struct { // converts to quota.RateLimit
		Rate  int32  `json:"rate"`
		Burst int32  `json:"burst"`
		Unit  string `json:"unit"`
	}
	addonJSON struct { // converts to plan.Addon
		Name              string `json:"name"`
		DisplayName       string `json:"display_name"`
		MonthlyPriceCents int64  `json:"monthly_price"`
	}
	rateJSON struct {
		MetricLabel      string  `json:"metric_label"`
		DisplayName      string  `json:"display_name"`
		Service          string  `json:"service"`
		UnitName         string  `json:"unit_name"`
		UnitNameBillable string  `json:"unit_name_billable"`
		UnitsPerBillable *string `json:"units_per_billable"`
		PricePerBillable *string `json:"price_per_billable"`
	}
)

// Load reads a JSON plan catalog from r and validates all of it; source
// names the input in messages (usually the file name). Unknown and repeated
// fields are errors.
//
// On any problem Load returns a nil catalog, never a partial one, and an
// *errs.Error of Kind Invalid listing every problem found (up to 100) in
// file order: each Field is "source:line:column: json.path" and its Problem
// the message. A syntax error is reported alone, at its line and column.
func Load(r io.Reader, source string) (*plan.Catalog, error) {
	w, doc, data, err := decode[catalogJSON](r, "plan catalog", source, MaxSize, true)
	if err != nil {
		return nil, err
	}
	c := w.catalog(doc)
	for _, f := range c.Validate() {
		doc.flag(f.Field, "%s", f.Problem)
	}
	if len(doc.probs) > 0 {
		return nil, report("plan catalog", source, data, doc.probs)
	}
	return c, nil
}

// decode reads the file what (at most limit bytes) from r into its file form
// T through the scan, and returns the document, to which the caller adds the
// problems of the domain's rules before it reports them, and the file's
// bytes. When nothing is left to validate err is the report: the file cannot
// be read, is too large, is not JSON, holds no object (null is one when
// nullOK), or Unmarshal failed other than on a value of the wrong type.
//
// Unmarshal reads only the members the scan kept, so it fails only where the
// scan found a problem: on a value of the wrong type, which it skips before
// going on, or on nesting too deep for it inside such a value, where it reads
// nothing and validation would only add noise. Whatever it says is kept when
// the scan found nothing, so nothing passes silently.
func decode[T any](r io.Reader, what, source string, limit int, nullOK bool) (w T, doc *document, data []byte, err error) {
	data, err = io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return w, nil, nil, errs.Wrap(errs.Internal, err, "reading %s %s", what, source)
	}
	if len(data) > limit {
		return w, nil, nil, report(what, source, data, []problem{{off: -1, msg: fmt.Sprintf("is larger than %d bytes", limit)}})
	}
	doc = scan(data, reflect.TypeFor[T]())
	switch {
	case doc.syntax != nil:
		return w, nil, nil, report(what, source, data, []problem{*doc.syntax})
	case doc.top != '{' && (doc.top != 'n' || !nullOK):
		if len(doc.probs) == 0 {
			doc.add(-1, "", "must be a JSON object")
		}
		return w, nil, nil, report(what, source, data, doc.probs)
	}
	if err := json.Unmarshal(doc.checked(), &w); err != nil {
		if len(doc.probs) == 0 {
			doc.add(-1, "", "%v", err)
		}
		if !errors.As(err, new(*json.UnmarshalTypeError)) {
			return w, nil, nil, report(what, source, data, doc.probs)
		}
	}
	return w, doc, data, nil
}

// catalog converts the file form to the domain's, reporting the decimals it
// cannot represent; the domain's rules are checked by Validate.
func (w *catalogJSON) catalog(doc *document) *plan.Catalog {
	c := &plan.Catalog{Version: w.Version, Currency: w.Currency}
	for _, a := range w.Addons {
		c.Addons = append(c.Addons, plan.Addon(a))
	}
	for i, t := range w.Taxes {
		c.Taxes = append(c.Taxes, plan.TaxRate{Country: t.Country, Region: t.Region, Name: t.Name,
			Percent: toDecimal(doc, fmt.Sprintf("taxes[%d].rate", i), t.Rate), ReverseCharge: t.ReverseCharge})
	}
	for i, p := range w.Plans {
		pl := plan.Plan{
			Name: p.Name, Title: p.Title, Subtitle: p.Subtitle, Description: p.Description,
			TenantType: p.TenantType, PlanType: p.PlanType, BillingDisabled: p.BillingDisabled,
			FlatPriceCents: p.FlatPriceCents, RenewalPeriodUnit: p.RenewalPeriodUnit,
			TrialPeriod: p.TrialPeriod, TrialPeriodUnit: p.TrialPeriodUnit,
			TransitionFlow: plan.TransitionFlow(p.TransitionFlow),
			IncludedAddons: p.IncludedAddons, AllowedAddons: p.AllowedAddons,
			AllowedTransitions: p.AllowedTransitions, InvoiceDueDays: int(p.InvoiceDueDays),
		}
		if q := p.DefaultQuota; q != nil {
			pl.DefaultQuota = quota.Spec{
				ObjectLimits:   map[string]quota.ObjectLimit{},
				ResourceLimits: map[string]quota.ResourceLimit{},
				APILimits:      map[string]quota.RateLimit{},
			}
			for k, l := range q.ObjectLimits {
				pl.DefaultQuota.ObjectLimits[k] = quota.ObjectLimit(l)
			}
			for k, l := range q.ResourceLimits {
				pl.DefaultQuota.ResourceLimits[k] = quota.ResourceLimit(l)
			}
			for k, l := range q.APILimits {
				pl.DefaultQuota.APILimits[k] = quota.RateLimit(l)
			}
		}
		for j, r := range p.RateCard {
			path := fmt.Sprintf("plans[%d].rate_card[%d].", i, j)
			pl.RateCard = append(pl.RateCard, plan.Rate{
				MetricLabel: r.MetricLabel, DisplayName: r.DisplayName, Service: r.Service,
				UnitName: r.UnitName, UnitNameBillable: r.UnitNameBillable,
				UnitsPerBillable: toDecimal(doc, path+"units_per_billable", r.UnitsPerBillable),
				PricePerBillable: toDecimal(doc, path+"price_per_billable", r.PricePerBillable),
			})
		}
		c.Plans = append(c.Plans, pl)
	}
	return c
}

func toDecimal(doc *document, path string, s *string) decimal.Decimal {
	if s == nil {
		doc.flag(path, "is required") // absent, null, or not a string (reported)
		return decimal.Decimal{}
	}
	if decimalPattern.MatchString(*s) {
		if d, err := decimal.NewFromString(*s); err == nil {
			return d
		}
	}
	doc.flag(path, "%q is not a decimal (digits with an optional fraction of up to 12 digits, e.g. \"0.35\")", *s)
	return decimal.Decimal{}
}

// report builds the Invalid error about what (e.g. "plan catalog"),
// problems in file order.
func report(what, source string, data []byte, probs []problem) error {
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
	return &errs.Error{Kind: errs.Invalid, Message: "invalid " + what, Fields: f}
}
