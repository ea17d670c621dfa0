package graph

import (
	"testing"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/invoice"
	"github.com/billingd/billingd/domain/payment"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/subscription"
	"github.com/billingd/billingd/graph/model"
)

// TestEnumsRoundTrip: every value of the schema's enums comes from a domain
// value and maps back to the same value; a value added to the schema
// without its mapping fails here.
func TestEnumsRoundTrip(t *testing.T) {
	t.Parallel()
	roundTrip(t, "InvoiceStatus", model.AllInvoiceStatus, func(m model.InvoiceStatus) model.InvoiceStatus { return invoiceStatus(invoiceStatusIn(m)) })
	roundTrip(t, "PaymentMethodRole", model.AllPaymentMethodRole, func(m model.PaymentMethodRole) model.PaymentMethodRole { return paymentRole(paymentRoleIn(&m)) })
	roundTrip(t, "PlanTransitionState", model.AllPlanTransitionState, func(m model.PlanTransitionState) model.PlanTransitionState {
		return transitionState(transitionStateIn(m))
	})
	roundTrip(t, "ContactType", model.AllContactType, func(m model.ContactType) model.ContactType { return contactType(contactTypeIn(&m)) })
	roundTrip(t, "RateUnit", model.AllRateUnit, func(m model.RateUnit) model.RateUnit { return rateUnit(rateUnitIn(&m)) })
	reverse := func(name string, all int, mapped int) {
		if all != mapped {
			t.Errorf("%s: %d schema values, %d mapped from the domain", name, all, mapped)
		}
	}
	reverse("InvoiceLineKind", len(model.AllInvoiceLineKind), len(lineKinds))
	reverse("PlanType", len(model.AllPlanType), len(planTypes)+1)       // + UNSPECIFIED
	reverse("TenantType", len(model.AllTenantType), len(tenantTypes)+1) // + UNKNOWN
	reverse("PeriodUnit", len(model.AllPeriodUnit), len(periodUnits))   // PERIOD_UNKNOWN is null
	reverse("TransitionMethod", len(model.AllTransitionMethod), len(transitionMethods)+1)
	reverse("TransitionRequiredField", len(model.AllTransitionRequiredField), len(requiredFields))
	reverse("PlanState", len(model.AllPlanState), len(planStates))
	reverse("CostLineStatus", len(model.AllCostLineStatus), len(lineStatuses))
	reverse("QuotaClass", len(model.AllQuotaClass), len(quotaClasses))
	reverse("SubscriptionKind", len(model.AllSubscriptionKind), len(subscriptionKinds))
	reverse("Granularity", len(model.AllGranularity), len(granularities))
	// Every error Kind's code is a value of ErrorCode (userErrors.code).
	for _, k := range errs.Kinds() {
		if c := model.ErrorCode(CodeOf(k)); !c.IsValid() {
			t.Errorf("kind %v has code %s, not in enum ErrorCode", k, c)
		}
	}
	// The domain's spellings the API answered before this schema stay
	// readable (the legacy REST wire keeps them).
	if invoiceStatus(invoice.StatusOverdue) != model.InvoiceStatusOverdue || paymentRole(payment.RolePrimary) != model.PaymentMethodRolePrimary ||
		planType(plan.PlanTypeTeam) != model.PlanTypeTeam || transitionState(subscription.StateFinished) != model.PlanTransitionStateFinished {
		t.Error("a domain value maps to the wrong enum value")
	}
	for _, v := range lineKinds {
		if !v.IsValid() {
			t.Errorf("line kind %s is not in the schema", v)
		}
	}
}

// roundTrip checks that every value in all maps back to itself through via.
func roundTrip[M comparable](t *testing.T, name string, all []M, via func(M) M) {
	t.Helper()
	for _, m := range all {
		if got := via(m); got != m {
			t.Errorf("%s %v → %v", name, m, got)
		}
	}
}
