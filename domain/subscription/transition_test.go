package subscription_test

import (
	"strings"
	"testing"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/subscription"
)

var flowCatalog = &plan.Catalog{Plans: []plan.Plan{
	{Name: "free", PlanType: plan.PlanTypeFree, AllowedTransitions: []string{"pro", "team"}},
	{Name: "pro", PlanType: plan.PlanTypeIndividual, AllowedTransitions: []string{"free"},
		TransitionFlow: plan.TransitionFlow{RequiredFields: []plan.TransitionRequiredField{plan.TransitionRequiredFieldPaymentToken}},
		AllowedAddons:  []string{"f5xc_waap_standard"}},
	{Name: "team", PlanType: plan.PlanTypeTeam, TransitionFlow: plan.TransitionFlow{RequiresManualApproval: true, RequiredFields: []plan.TransitionRequiredField{
		plan.TransitionRequiredFieldPaymentToken, plan.TransitionRequiredFieldDomain, plan.TransitionRequiredFieldContacts}}},
}}

func TestInitiateInputValidate(t *testing.T) {
	t.Parallel()
	addr := &subscription.Contact{Address1: "1 Main St", City: "Seattle", Country: "US"}
	tests := []struct {
		name       string
		in         subscription.InitiateInput
		wantFields []string
	}{
		{"ok, no requirements", subscription.InitiateInput{NewPlan: "free"}, nil},
		{"missing plan", subscription.InitiateInput{}, []string{"new_plan"}},
		{"unknown plan", subscription.InitiateInput{NewPlan: "gold"}, []string{"new_plan"}},
		{"payment token", subscription.InitiateInput{NewPlan: "pro"}, []string{"payload.payment_provider_token"}},
		{"ok with token", subscription.InitiateInput{NewPlan: "pro", Payload: subscription.Payload{PaymentProviderToken: "tok_1"}}, nil},
		{"every team field missing", subscription.InitiateInput{NewPlan: "team"}, []string{"payload.payment_provider_token", "payload.domain", "payload.billing_address"}},
		{"address incomplete", subscription.InitiateInput{NewPlan: "team", Payload: subscription.Payload{PaymentProviderToken: "t", Domain: "acme.example",
			BillingAddress: &subscription.Contact{Address1: "x"}}}, []string{"payload.billing_address.city", "payload.billing_address.country"}},
		{"team complete", subscription.InitiateInput{NewPlan: "team", Payload: subscription.Payload{PaymentProviderToken: "t", Domain: "acme.example", BillingAddress: addr}}, nil},
		{"allowed add-on", subscription.InitiateInput{NewPlan: "pro", Payload: subscription.Payload{PaymentProviderToken: "t", SubscribeAddons: []string{"f5xc_waap_standard"}}}, nil},
		{"add-on not allowed", subscription.InitiateInput{NewPlan: "pro", Payload: subscription.Payload{PaymentProviderToken: "t", SubscribeAddons: []string{"f5xc_waap_advanced"}}},
			[]string{"payload.subscribe_addon_services[0]"}},
		{"unknown add-on", subscription.InitiateInput{NewPlan: "free", Payload: subscription.Payload{UnsubscribeAddons: []string{"nope"}}},
			[]string{"payload.unsubscribe_addon_services[0]"}},
		{"both lists", subscription.InitiateInput{NewPlan: "pro", Payload: subscription.Payload{PaymentProviderToken: "t",
			SubscribeAddons: []string{"f5xc_waap_standard"}, UnsubscribeAddons: []string{"f5xc_waap_standard"}}}, []string{"payload.unsubscribe_addon_services"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.in.Validate(flowCatalog)
			if tc.wantFields == nil {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			e, ok := err.(*errs.Error)
			if !ok || e.Kind != errs.Invalid {
				t.Fatalf("want an Invalid error, got %v", err)
			}
			var got []string
			for _, f := range e.Fields {
				got = append(got, f.Field)
			}
			if strings.Join(got, ",") != strings.Join(tc.wantFields, ",") {
				t.Fatalf("fields %v, want %v (%v)", got, tc.wantFields, err)
			}
		})
	}
}

func TestTransitionStateInFlight(t *testing.T) {
	t.Parallel()
	for st, want := range map[subscription.TransitionState]bool{subscription.StateCreating: true, subscription.StateWaitingForApproval: true,
		subscription.StateFinished: false, subscription.StateFailed: false} {
		if st.InFlight() != want {
			t.Errorf("%s.InFlight() = %v", st, !want)
		}
	}
}
