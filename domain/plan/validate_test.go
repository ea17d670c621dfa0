package plan

import (
	"testing"

	"github.com/billingd/billingd/domain/errs"
	"github.com/shopspring/decimal"
)

// TestValidate checks the rules on a catalog built in code, without a file:
// the paths it reports are the ones a reader maps back to its format.
func TestValidate(t *testing.T) {
	t.Parallel()
	build := func() *Catalog {
		return &Catalog{Version: "v", Currency: "USD", Plans: []Plan{{
			Name: "free", Title: "Free", TenantType: TenantTypeFreemium, PlanType: PlanTypeFree,
			BillingDisabled: true, RenewalPeriodUnit: PeriodMonth,
			TransitionFlow: TransitionFlow{Method: TransitionMethodWizard},
			RateCard: []Rate{{MetricLabel: "http_requests", DisplayName: "R", Service: "s", UnitName: "u",
				UnitNameBillable: "b", UnitsPerBillable: decimal.NewFromInt(1), PricePerBillable: decimal.Zero}},
		}}}
	}
	if f := build().Validate(); f != nil {
		t.Fatalf("valid catalog: %v", f)
	}
	c := build()
	c.Plans[0].TrialPeriod = 3
	c.Plans[0].TenantType = "SOLO"
	c.Plans[0].TransitionFlow.RequiredFields = []TransitionRequiredField{TransitionRequiredFieldUnspecified}
	c.Plans[0].RateCard[0].UnitsPerBillable = decimal.Zero
	c.Plans[0].RateCard[0].PricePerBillable = decimal.RequireFromString("1000000.01")
	want := errs.Fields{
		{Field: "plans[0].tenant_type", Problem: `"SOLO" is not one of FREEMIUM, ENTERPRISE`},
		{Field: "plans[0].trial_period_unit", Problem: "is required when trial_period is set"},
		{Field: "plans[0].transition_flow.required_fields[0]", Problem: `"TRANSITION_REQUIRED_FIELD_UNSPECIFIED" is not one of ` +
			"TRANSITION_REQUIRED_FIELD_PAYMENT_TOKEN, TRANSITION_REQUIRED_FIELD_DOMAIN, TRANSITION_REQUIRED_FIELD_CONTACTS"},
		{Field: "plans[0].rate_card[0].units_per_billable", Problem: "must be greater than 0"},
		{Field: "plans[0].rate_card[0].price_per_billable", Problem: "must be at most 1000000"},
	}
	got := c.Validate()
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("problem %d = %v, want %v", i, got[i], want[i])
		}
	}
}
