package subscription_test

import (
	"testing"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/subscription"
	"github.com/billingd/billingd/domain/tenancy"
)

// TestUnstorableTextIsInvalid: a NUL or invalid UTF-8 in a reject reason or
// an initiate payload is a 400 naming the field for every caller (GraphQL's
// rejectPlanTransition(reason:) included), not a database error.
func TestUnstorableTextIsInvalid(t *testing.T) {
	t.Parallel()
	op := tenancy.WithPrincipal(t.Context(), tenancy.Principal{Operator: true, TokenID: "op"})
	var s subscription.Service
	for name, reject := range map[string]func() error{
		"Reject": func() error {
			_, err := s.Reject(op, tenancy.FromContext(op), "00000000-0000-0000-0000-000000000000", "no\x00budget")
			return err
		},
		"Reject by the command line": func() error {
			_, err := s.Reject(t.Context(), tenancy.Operator(""), "00000000-0000-0000-0000-000000000000", "bad \xff")
			return err
		},
	} {
		e := errs.As(reject())
		if e.Kind != errs.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != "reason" {
			t.Errorf("%s: %v", name, e)
		}
	}
	in := subscription.InitiateInput{NewPlan: "pro", Payload: subscription.Payload{PaymentProviderToken: "tok\x00",
		BillingAddress: &subscription.Contact{City: "S\xffattle"}, SubscribeAddons: []string{"f5xc_waap_standard\x00"}}}
	e := errs.As(in.Validate(flowCatalog))
	got := map[string]bool{}
	for _, f := range e.Fields {
		got[f.Field] = true
	}
	for _, f := range []string{"payload.payment_provider_token", "payload.billing_address.city", "payload.subscribe_addon_services[0]"} {
		if !got[f] {
			t.Errorf("%s not named: %v", f, e)
		}
	}
}
