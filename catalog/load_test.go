package catalog

import (
	"errors"
	"strings"
	"testing"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/plan"
)

// validCatalog is the smallest catalog that passes every rule.
const validCatalog = `{
  "version": "t1",
  "currency": "EUR",
  "addons": [{"name": "f5xc_waap_standard", "display_name": "WAAP", "monthly_price": 1000}],
  "plans": [
    {
      "name": "free", "title": "Free", "tenant_type": "FREEMIUM", "usage_plan_type": "FREE",
      "billing_disabled": true, "renewal_period_unit": "PERIOD_MONTH",
      "transition_flow": {"method": "TRANSITION_METHOD_WIZARD"},
      "default_quota": {"object_limits": {"http_loadbalancer": {"maximum": 1}}},
      "allowed_transitions": ["pro"]
    },
    {
      "name": "pro", "title": "Pro", "tenant_type": "ENTERPRISE", "usage_plan_type": "TEAM",
      "flat_price": 9900, "renewal_period_unit": "PERIOD_MONTH", "trial_period": 7, "trial_period_unit": "PERIOD_DAY",
      "transition_flow": {"method": "TRANSITION_METHOD_WIZARD", "required_fields": ["TRANSITION_REQUIRED_FIELD_PAYMENT_TOKEN"]},
      "default_quota": {
        "resource_limits": {"vcpu": {"maximum": 8.5}},
        "api_limits": {"ves.io.schema.namespace.API.Create": {"rate": 1, "burst": 2, "unit": "per-second"}}
      },
      "allowed_addon_services": ["f5xc_waap_standard"],
      "allowed_transitions": ["free"],
      "invoice_due_days": 30,
      "rate_card": [{"metric_label": "http_requests", "display_name": "Requests", "service": "f5xc-http-load-balancer",
        "unit_name": "request", "unit_name_billable": "million requests",
        "units_per_billable": "1000000", "price_per_billable": "0.35"}]
    }
  ]
}`

func load(t *testing.T, src string) (*plan.Catalog, []errs.FieldError) {
	t.Helper()
	c, err := Load(strings.NewReader(src), "plans.json")
	if err == nil {
		if c == nil {
			t.Fatal("Load returned neither a catalog nor an error")
		}
		return c, nil
	}
	if c != nil {
		t.Errorf("Load returned a catalog along with %v", err)
	}
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.Invalid {
		t.Fatalf("Load error %v is not an Invalid *errs.Error", err)
	}
	return nil, e.Fields
}

func TestLoadValid(t *testing.T) {
	t.Parallel()
	c, fields := load(t, validCatalog)
	if fields != nil {
		t.Fatalf("unexpected problems: %v", fields)
	}
	pro, ok := c.Plan("pro")
	if !ok {
		t.Fatal(`Plan("pro") not found`)
	}
	if pro.TenantType != plan.TenantTypeEnterprise || pro.PlanType != plan.PlanTypeTeam || pro.FlatPriceCents != 9900 ||
		pro.TrialPeriod != 7 || pro.TrialPeriodUnit != plan.PeriodDay || pro.InvoiceDueDays != 30 {
		t.Errorf("pro decoded as %+v", pro)
	}
	if got := pro.TransitionFlow.RequiredFields; len(got) != 1 || got[0] != plan.TransitionRequiredFieldPaymentToken {
		t.Errorf("required fields %v", got)
	}
	if got := pro.DefaultQuota.ResourceLimits["vcpu"].Maximum; got != 8.5 {
		t.Errorf("vcpu maximum %v, want 8.5", got)
	}
	if got := pro.DefaultQuota.APILimits["ves.io.schema.namespace.API.Create"]; got.Rate != 1 || got.Burst != 2 || got.Unit != "per-second" {
		t.Errorf("api limit %+v", got)
	}
	r, ok := pro.Rate("http_requests")
	if !ok || r.PricePerBillable.String() != "0.35" || r.UnitsPerBillable.String() != "1000000" {
		t.Errorf("Rate(http_requests) = %+v, %v", r, ok)
	}
	if _, ok := pro.Rate("nope"); ok {
		t.Error(`Rate("nope") found`)
	}
	if c.FreePlan().Name != "free" {
		t.Errorf("FreePlan = %q", c.FreePlan().Name)
	}
	if _, ok := c.Plan("nope"); ok {
		t.Error(`Plan("nope") found`)
	}
	if a, ok := c.Addon("f5xc_waap_standard"); !ok || a.MonthlyPriceCents != 1000 {
		t.Errorf("Addon = %+v, %v", a, ok)
	}
	if !pro.CanTransitionTo("free") || pro.CanTransitionTo("pro") || pro.CanTransitionTo("nope") {
		t.Error("CanTransitionTo wrong")
	}
	if !pro.AllowsAddon("f5xc_waap_standard") || c.FreePlan().AllowsAddon("f5xc_waap_standard") {
		t.Error("AllowsAddon wrong")
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	t.Parallel()
	src := `{
  "version": "t1",
  "currency": "usd",
  "addons": [{"name": "f5xc_coffee", "display_name": "Coffee"}],
  "plans": [
    {
      "name": "Free", "title": "Free", "tenant_type": "FREEMIUM", "usage_plan_type": "FREE",
      "renewal_period_unit": "PERIOD_FORTNIGHT", "billing_disabled": true,
      "transition_flow": {"method": "TRANSITION_METHOD_WIZARD", "colour": "blue"},
      "default_quota": {"object_limits": {"vcpu": {"maximum": -1}}},
      "allowed_transitions": ["Free", "gold"]
    },
    {
      "name": "pro", "title": "Pro", "tenant_type": "ENTERPRISE", "usage_plan_type": "FREE",
      "flat_price": "9900", "renewal_period_unit": "PERIOD_MONTH", "invoice_due_days": 30,
      "transition_flow": {"method": "TRANSITION_METHOD_SUPPORT"},
      "allowed_addon_services": ["f5xc_waap_standard"],
      "rate_card": [
        {"metric_label": "http_requests", "display_name": "Requests", "service": "s", "unit_name": "request",
         "unit_name_billable": "million requests", "units_per_billable": "0", "price_per_billable": "abc"},
        {"metric_label": "http_requests", "display_name": "Requests", "service": "s", "unit_name": "request",
         "unit_name_billable": "million requests", "units_per_billable": "1", "price_per_billable": "-0.1"}
      ]
    }
  ]
}`
	_, fields := load(t, src)
	want := [][2]string{ // Field, Problem
		{`plans.json:3:3: currency`, `"usd" is not an ISO 4217 code (three upper-case letters, e.g. USD)`},
		{`plans.json:4:15: addons[0].name`, `"f5xc_coffee" is not an add-on name (one of ` + strings.Join(plan.AddonNames(), ", ") + `)`},
		{`plans.json:7:7: plans[0].name`, `"Free" must be 1-63 lower-case letters, digits and '-', starting with a letter`},
		{`plans.json:8:7: plans[0].renewal_period_unit`, `"PERIOD_FORTNIGHT" is not one of PERIOD_DAY, PERIOD_WEEK, PERIOD_MONTH, PERIOD_YEAR`},
		{`plans.json:9:65: plans[0].transition_flow.colour`, `unknown field`},
		{`plans.json:10:52: plans[0].default_quota.object_limits["vcpu"].maximum`, `must not be negative`},
		{`plans.json:11:31: plans[0].allowed_transitions[0]`, `a plan cannot transition to itself`},
		{`plans.json:11:39: plans[0].allowed_transitions[1]`, `plan "gold" does not exist`},
		{`plans.json:14:67: plans[1].usage_plan_type`, `exactly one plan may be FREE; plans[0] is FREE already`},
		{`plans.json:15:7: plans[1].flat_price`, `must be a number, not a string`},
		{`plans.json:17:34: plans[1].allowed_addon_services[0]`, `add-on "f5xc_waap_standard" is not defined in addons`},
		{`plans.json:20:52: plans[1].rate_card[0].units_per_billable`, `must be greater than 0`},
		{`plans.json:20:79: plans[1].rate_card[0].price_per_billable`, `"abc" is not a decimal (digits with an optional fraction of up to 12 digits, e.g. "0.35")`},
		{`plans.json:21:10: plans[1].rate_card[1].metric_label`, `usage type "http_requests" is priced twice in this rate card`},
		{`plans.json:22:79: plans[1].rate_card[1].price_per_billable`, `must not be negative`},
	}
	if len(fields) != len(want) {
		t.Errorf("got %d problems, want %d:\n%s", len(fields), len(want), dump(fields))
	}
	for i := range min(len(fields), len(want)) {
		if got := [2]string{fields[i].Field, fields[i].Problem}; got != want[i] {
			t.Errorf("problem %d:\n got %s: %s\nwant %s: %s", i, got[0], got[1], want[i][0], want[i][1])
		}
	}
}

func dump(fields []errs.FieldError) string {
	var b strings.Builder
	for _, f := range fields {
		b.WriteString(f.Field + ": " + f.Problem + "\n")
	}
	return b.String()
}

// TestLoadRejects checks single problems: each must be found, placed, and
// stop the catalog from loading.
func TestLoadRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		field     string // the first problem's Field
		problem   string // a part of its Problem
	}{
		{"unknown top-level field", strings.Replace(validCatalog, `"version"`, `"versoin": 1, "version"`, 1),
			"plans.json:2:3: versoin", "unknown field"},
		{"unknown plan field", strings.Replace(validCatalog, `"name": "pro",`, `"name": "pro", "colour": "red",`, 1),
			"plans.json:14:22: plans[1].colour", "unknown field"},
		{"duplicate field", strings.Replace(validCatalog, `"title": "Pro",`, `"title": "Pro", "title": "Again",`, 1),
			"plans.json:14:38: plans[1].title", "is given twice"},
		{"empty enum", strings.Replace(validCatalog, `"trial_period_unit": "PERIOD_DAY"`, `"trial_period_unit": ""`, 1),
			"plans.json:15:85: plans[1].trial_period_unit", `"" is not one of the upstream names`},
		{"null required field", strings.Replace(validCatalog, `["TRANSITION_REQUIRED_FIELD_PAYMENT_TOKEN"]`, `[null]`, 1),
			"plans.json:16:65: plans[1].transition_flow.required_fields[0]", "is required"},
		{"missing comma", strings.Replace(validCatalog, `"t1",`, `"t1"`, 1),
			"plans.json:3:3", "syntax error: invalid character '\"' after object key:value pair"},
		{"bad literal", strings.Replace(validCatalog, `true`, `treu`, 1),
			"plans.json:8:29", "syntax error: invalid character 'e' in literal true"},
		{"truncated", validCatalog[:200], "plans.json:7:", "unexpected end of input"},
		{"empty input", "", "plans.json:1:1", "unexpected end of input"},
		{"trailing data", validCatalog + "\n{}", "plans.json:30:1", "unexpected data after the catalog object"},
		{"not an object", `["plans"]`, "plans.json:1:1", "must be an object, not an array"},
		{"no free plan", strings.Replace(validCatalog, `"FREE"`, `"INDIVIDUAL"`, 1),
			"plans.json:5:3: plans", "exactly one plan must have usage_plan_type FREE"},
		{"missing required", strings.Replace(validCatalog, `"tenant_type": "ENTERPRISE",`, ``, 1),
			"plans.json:13:5: plans[1].tenant_type", "is required"},
		{"null is absent", strings.Replace(validCatalog, `"tenant_type": "ENTERPRISE"`, `"tenant_type": null`, 1),
			"plans.json:13:5: plans[1].tenant_type", "is required"},
		{"unspecified enum", strings.Replace(validCatalog, `"TEAM"`, `"PLAN_TYPE_UNSPECIFIED"`, 1),
			"plans.json:14:67: plans[1].usage_plan_type", "is not one of FREE, INDIVIDUAL, TEAM, ORGANIZATION"},
		{"int32 overflow", strings.Replace(validCatalog, `9900`, `4294967296`, 1),
			"plans.json:15:7: plans[1].flat_price", "4294967296 is not an integer between -2147483648 and 2147483647"},
		{"exponent decimal", strings.Replace(validCatalog, `"0.35"`, `"1e999999"`, 1),
			"plans.json:26:42: plans[1].rate_card[0].price_per_billable", `"1e999999" is not a decimal`},
		{"undefined add-on", strings.Replace(validCatalog, `"allowed_addon_services": ["f5xc_waap_standard"]`,
			`"allowed_addon_services": ["f5xc_waap_advanced"]`, 1),
			"plans.json:21:34: plans[1].allowed_addon_services[0]", `add-on "f5xc_waap_advanced" is not defined in addons`},
		{"trial without unit", strings.Replace(validCatalog, `, "trial_period_unit": "PERIOD_DAY"`, ``, 1),
			"plans.json:13:5: plans[1].trial_period_unit", "is required when trial_period is set"},
		{"billed plan without due days", strings.Replace(validCatalog, `"invoice_due_days": 30,`, ``, 1),
			"plans.json:13:5: plans[1].invoice_due_days", "must be at least 1 for a billed plan"},
		{"bad api limit unit", strings.Replace(validCatalog, `"per-second"`, `"per-fortnight"`, 1),
			`plans.json:19:86: plans[1].default_quota.api_limits["ves.io.schema.namespace.API.Create"].unit`, "must be one of"},
		{"too large", `{"version": "` + strings.Repeat("x", MaxSize) + `"}`, "plans.json", "is larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, fields := load(t, tt.src)
			if len(fields) == 0 {
				t.Fatal("loaded without problems")
			}
			f := fields[0]
			if !strings.HasPrefix(f.Field, tt.field) || !strings.Contains(f.Problem, tt.problem) {
				t.Errorf("first problem %s: %s\nwant %s…: …%s…\nall:\n%s", f.Field, f.Problem, tt.field, tt.problem, dump(fields))
			}
		})
	}
}

// TestLoadRepeatedKeyKeepsFirst: a repeated or unknown key (a key is matched
// exactly) is reported and ignored, so the rest of the report is about the
// values that were read first.
func TestLoadRepeatedKeyKeepsFirst(t *testing.T) {
	t.Parallel()
	src := strings.Replace(validCatalog, `"title": "Pro",`, `"title": "Pro", "title": "",`, 1)
	src = strings.Replace(src, `"currency": "EUR",`, `"CURRENCY": "usd", "currency": "EUR", "currency": null, "currency": 1,`, 1)
	_, fields := load(t, src)
	want := "plans.json:3:3: CURRENCY: unknown field\n" +
		"plans.json:3:41: currency: is given twice\nplans.json:3:59: currency: is given twice\n" +
		"plans.json:14:38: plans[1].title: is given twice\n"
	if got := dump(fields); got != want {
		t.Errorf("got\n%swant\n%s", got, want)
	}

	_, fields = load(t, strings.Replace(validCatalog, `"version": "t1",`, `"version": "", "version": "t1",`, 1))
	want = "plans.json:2:3: version: is required\nplans.json:2:18: version: is given twice\n"
	if got := dump(fields); got != want {
		t.Errorf("got\n%swant\n%s", got, want)
	}
}

func TestLoadCapsTheReport(t *testing.T) {
	t.Parallel()
	src := `{"x0": 0` + strings.Repeat(`, "x": 0`, 300) + `}`
	_, fields := load(t, src)
	if len(fields) != maxProblems+1 || !strings.Contains(fields[maxProblems].Problem, "more problems") {
		t.Errorf("got %d problems, last %v", len(fields), fields[len(fields)-1])
	}
}
