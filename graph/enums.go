package graph

import (
	"strings"

	"github.com/billingd/billingd/domain/invoice"
	"github.com/billingd/billingd/domain/payment"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/domain/subscription"
	"github.com/billingd/billingd/domain/usage"
	"github.com/billingd/billingd/graph/model"
)

// The GraphQL enums are the domain's enums without their proto prefixes
// (STATUS_, PAYMENT_METHOD_ROLE_, STATE_, ...) and in upper case, so every
// enum of the schema reads the same way. The maps below are the one place
// where the two spellings meet; enums_test.go checks that every value of
// every GraphQL enum has its domain value and maps back to itself.

var invoiceStatuses = map[invoice.Status]model.InvoiceStatus{
	invoice.StatusPending:   model.InvoiceStatusPending,
	invoice.StatusIssued:    model.InvoiceStatusIssued,
	invoice.StatusPaid:      model.InvoiceStatusPaid,
	invoice.StatusOverdue:   model.InvoiceStatusOverdue,
	invoice.StatusCancelled: model.InvoiceStatusCancelled,
	invoice.StatusRefunded:  model.InvoiceStatusRefunded,
}

func invoiceStatus(s invoice.Status) model.InvoiceStatus { return invoiceStatuses[s] }

// invoiceStatusIn maps the GraphQL status back to the domain's.
func invoiceStatusIn(s model.InvoiceStatus) invoice.Status {
	for k, v := range invoiceStatuses {
		if v == s {
			return k
		}
	}
	return invoice.StatusUnknown
}

var lineKinds = map[invoice.LineKind]model.InvoiceLineKind{
	invoice.KindPlan:       model.InvoiceLineKindPlan,
	invoice.KindUsage:      model.InvoiceLineKindUsage,
	invoice.KindAddon:      model.InvoiceLineKindAddon,
	invoice.KindProration:  model.InvoiceLineKindProration,
	invoice.KindAdjustment: model.InvoiceLineKindAdjustment,
}

func lineKind(k invoice.LineKind) model.InvoiceLineKind {
	if m, ok := lineKinds[k]; ok {
		return m
	}
	// A kind added by the domain shows under its own name, upper case,
	// rather than failing the whole invoice.
	return model.InvoiceLineKind(strings.ToUpper(string(k)))
}

var paymentRoles = map[payment.Role]model.PaymentMethodRole{
	payment.RolePrimary:   model.PaymentMethodRolePrimary,
	payment.RoleSecondary: model.PaymentMethodRoleSecondary,
	payment.RoleNormal:    model.PaymentMethodRoleNormal,
}

func paymentRole(r payment.Role) model.PaymentMethodRole {
	if m, ok := paymentRoles[r]; ok {
		return m
	}
	return model.PaymentMethodRoleNormal
}

func paymentRoleIn(r *model.PaymentMethodRole) payment.Role {
	if r == nil {
		return payment.RoleNormal
	}
	for k, v := range paymentRoles {
		if v == *r {
			return k
		}
	}
	return payment.RoleNormal
}

var transitionStates = map[subscription.TransitionState]model.PlanTransitionState{
	subscription.StateCreating:           model.PlanTransitionStateCreating,
	subscription.StateWaitingForApproval: model.PlanTransitionStateWaitingForApproval,
	subscription.StateFinished:           model.PlanTransitionStateFinished,
	subscription.StateFailed:             model.PlanTransitionStateFailed,
}

func transitionState(s subscription.TransitionState) model.PlanTransitionState {
	return transitionStates[s]
}

func transitionStateIn(s model.PlanTransitionState) subscription.TransitionState {
	for k, v := range transitionStates {
		if v == s {
			return k
		}
	}
	return ""
}

var planStates = map[subscription.PlanState]model.PlanState{
	subscription.PlanStateReady:             model.PlanStateReady,
	subscription.PlanStateTransitionPending: model.PlanStateTransitionPending,
	subscription.PlanStateUnspecified:       model.PlanStateUnspecified,
}

func planState(s subscription.PlanState) model.PlanState {
	if m, ok := planStates[s]; ok {
		return m
	}
	return model.PlanStateUnspecified
}

var planTypes = map[plan.PlanType]model.PlanType{
	plan.PlanTypeFree:         model.PlanTypeFree,
	plan.PlanTypeIndividual:   model.PlanTypeIndividual,
	plan.PlanTypeTeam:         model.PlanTypeTeam,
	plan.PlanTypeOrganization: model.PlanTypeOrganization,
}

func planType(t plan.PlanType) model.PlanType {
	if m, ok := planTypes[t]; ok {
		return m
	}
	return model.PlanTypeUnspecified
}

var tenantTypes = map[plan.TenantType]model.TenantType{
	plan.TenantTypeFreemium:   model.TenantTypeFreemium,
	plan.TenantTypeEnterprise: model.TenantTypeEnterprise,
}

func tenantType(t plan.TenantType) model.TenantType {
	if m, ok := tenantTypes[t]; ok {
		return m
	}
	return model.TenantTypeUnknown
}

var periodUnits = map[plan.PeriodUnit]model.PeriodUnit{
	plan.PeriodDay:   model.PeriodUnitDay,
	plan.PeriodWeek:  model.PeriodUnitWeek,
	plan.PeriodMonth: model.PeriodUnitMonth,
	plan.PeriodYear:  model.PeriodUnitYear,
}

// periodUnit maps a period unit; PERIOD_UNKNOWN and unset are null.
func periodUnit(u plan.PeriodUnit) *model.PeriodUnit {
	if m, ok := periodUnits[u]; ok {
		return &m
	}
	return nil
}

var transitionMethods = map[plan.TransitionMethod]model.TransitionMethod{
	plan.TransitionMethodSupport:  model.TransitionMethodSupport,
	plan.TransitionMethodWizard:   model.TransitionMethodWizard,
	plan.TransitionMethodRecreate: model.TransitionMethodRecreate,
}

func transitionMethod(m plan.TransitionMethod) model.TransitionMethod {
	if v, ok := transitionMethods[m]; ok {
		return v
	}
	return model.TransitionMethodUnspecified
}

var requiredFields = map[plan.TransitionRequiredField]model.TransitionRequiredField{
	plan.TransitionRequiredFieldPaymentToken: model.TransitionRequiredFieldPaymentToken,
	plan.TransitionRequiredFieldDomain:       model.TransitionRequiredFieldDomain,
	plan.TransitionRequiredFieldContacts:     model.TransitionRequiredFieldContacts,
}

var contactTypes = map[payment.ContactType]model.ContactType{
	payment.ContactMailing: model.ContactTypeMailing,
	payment.ContactBilling: model.ContactTypeBilling,
	payment.ContactPayment: model.ContactTypePayment,
}

// contactType maps a stored contact type; unset is MAILING, the domain's default.
func contactType(t payment.ContactType) model.ContactType {
	if m, ok := contactTypes[t]; ok {
		return m
	}
	return model.ContactTypeMailing
}

func contactTypeIn(t *model.ContactType) payment.ContactType {
	if t == nil {
		return payment.ContactMailing
	}
	for k, v := range contactTypes {
		if v == *t {
			return k
		}
	}
	return payment.ContactMailing
}

// The quota rate units: the domain stores the REST spelling.
var rateUnits = map[string]model.RateUnit{
	"per-second": model.RateUnitPerSecond,
	"per-minute": model.RateUnitPerMinute,
	"per-hour":   model.RateUnitPerHour,
	"per-day":    model.RateUnitPerDay,
}

// rateUnit maps a stored unit; none stored is per-second, as the domain applies.
func rateUnit(u string) model.RateUnit {
	if m, ok := rateUnits[u]; ok {
		return m
	}
	return model.RateUnitPerSecond
}

func rateUnitIn(u *model.RateUnit) string {
	if u == nil {
		return "per-second"
	}
	for k, v := range rateUnits {
		if v == *u {
			return k
		}
	}
	return "per-second"
}

var lineStatuses = map[usage.LineStatus]model.CostLineStatus{
	usage.StatusActive:      model.CostLineStatusActive,
	usage.StatusNoData:      model.CostLineStatusNoData,
	usage.StatusNotMeasured: model.CostLineStatusNotMeasured,
}

func lineStatus(s usage.LineStatus) model.CostLineStatus {
	if m, ok := lineStatuses[s]; ok {
		return m
	}
	return model.CostLineStatusActive
}

var quotaClasses = map[quota.Class]model.QuotaClass{
	quota.Objects:   model.QuotaClassObjects,
	quota.Resources: model.QuotaClassResources,
	quota.APIs:      model.QuotaClassAPIS,
}

var subscriptionKinds = map[subscription.Kind]model.SubscriptionKind{
	subscription.KindPlan:  model.SubscriptionKindPlan,
	subscription.KindAddon: model.SubscriptionKindAddon,
}
