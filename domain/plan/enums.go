package plan

import "slices"

// The enums below keep the upstream value names as their string form, because
// the wire format writes names; Number gives the proto number the wire layer
// must also accept on input (API.md §12). Every one of them numbers its values
// 0, 1, 2, ... in declaration order, so the order of the tables is the contract.

// TenantType is schemaTenantType: whether a tenant has its own domain.
type TenantType string

// The schemaTenantType values.
const (
	TenantTypeUnknown    TenantType = "UNKNOWN"
	TenantTypeFreemium   TenantType = "FREEMIUM"   // no own domain
	TenantTypeEnterprise TenantType = "ENTERPRISE" // own domain
)

var tenantTypes = []TenantType{TenantTypeUnknown, TenantTypeFreemium, TenantTypeEnterprise}

// Number returns the proto number of t, or -1 when t is not a known value.
func (t TenantType) Number() int32 { return number(tenantTypes, t) }

// TenantTypeOf returns the TenantType whose proto number is n.
func TenantTypeOf(n int32) (TenantType, bool) { return byNumber(tenantTypes, n) }

// PlanType is schemaPlanType, the tier of a plan.
type PlanType string

// The schemaPlanType values. Upstream the default (0) is FREE, and
// UNSPECIFIED comes last.
const (
	PlanTypeFree         PlanType = "FREE"
	PlanTypeIndividual   PlanType = "INDIVIDUAL"
	PlanTypeTeam         PlanType = "TEAM"
	PlanTypeOrganization PlanType = "ORGANIZATION"
	PlanTypeUnspecified  PlanType = "PLAN_TYPE_UNSPECIFIED"
)

var planTypes = []PlanType{PlanTypeFree, PlanTypeIndividual, PlanTypeTeam, PlanTypeOrganization, PlanTypeUnspecified}

// Number returns the proto number of t, or -1 when t is not a known value.
func (t PlanType) Number() int32 { return number(planTypes, t) }

// PlanTypeOf returns the PlanType whose proto number is n.
func PlanTypeOf(n int32) (PlanType, bool) { return byNumber(planTypes, n) }

// PeriodUnit is planPeriodUnitType, the unit of renewal and trial periods.
type PeriodUnit string

// The planPeriodUnitType values.
const (
	PeriodUnknown PeriodUnit = "PERIOD_UNKNOWN"
	PeriodDay     PeriodUnit = "PERIOD_DAY"
	PeriodWeek    PeriodUnit = "PERIOD_WEEK"
	PeriodMonth   PeriodUnit = "PERIOD_MONTH"
	PeriodYear    PeriodUnit = "PERIOD_YEAR"
)

var periodUnits = []PeriodUnit{PeriodUnknown, PeriodDay, PeriodWeek, PeriodMonth, PeriodYear}

// Number returns the proto number of u, or -1 when u is not a known value.
func (u PeriodUnit) Number() int32 { return number(periodUnits, u) }

// PeriodUnitOf returns the PeriodUnit whose proto number is n.
func PeriodUnitOf(n int32) (PeriodUnit, bool) { return byNumber(periodUnits, n) }

// TransitionMethod is planPlanTransitionMethod: how a tenant moves to a plan.
type TransitionMethod string

// The planPlanTransitionMethod values.
const (
	TransitionMethodUnspecified TransitionMethod = "TRANSITION_METHOD_UNSPECIFIED"
	TransitionMethodSupport     TransitionMethod = "TRANSITION_METHOD_SUPPORT"  // via a support request
	TransitionMethodWizard      TransitionMethod = "TRANSITION_METHOD_WIZARD"   // UI wizard driven by the required fields
	TransitionMethodRecreate    TransitionMethod = "TRANSITION_METHOD_RECREATE" // delete the tenant and create a new one
)

var transitionMethods = []TransitionMethod{TransitionMethodUnspecified, TransitionMethodSupport, TransitionMethodWizard, TransitionMethodRecreate}

// Number returns the proto number of m, or -1 when m is not a known value.
func (m TransitionMethod) Number() int32 { return number(transitionMethods, m) }

// TransitionMethodOf returns the TransitionMethod whose proto number is n.
func TransitionMethodOf(n int32) (TransitionMethod, bool) { return byNumber(transitionMethods, n) }

// TransitionRequiredField is planPlanTransitionRequiredField: an input the
// transition wizard must collect.
type TransitionRequiredField string

// The planPlanTransitionRequiredField values.
const (
	TransitionRequiredFieldUnspecified  TransitionRequiredField = "TRANSITION_REQUIRED_FIELD_UNSPECIFIED"
	TransitionRequiredFieldPaymentToken TransitionRequiredField = "TRANSITION_REQUIRED_FIELD_PAYMENT_TOKEN" // card token
	TransitionRequiredFieldDomain       TransitionRequiredField = "TRANSITION_REQUIRED_FIELD_DOMAIN"        // tenant domain
	TransitionRequiredFieldContacts     TransitionRequiredField = "TRANSITION_REQUIRED_FIELD_CONTACTS"      // billing contacts
)

var transitionRequiredFields = []TransitionRequiredField{
	TransitionRequiredFieldUnspecified, TransitionRequiredFieldPaymentToken,
	TransitionRequiredFieldDomain, TransitionRequiredFieldContacts,
}

// Number returns the proto number of f, or -1 when f is not a known value.
func (f TransitionRequiredField) Number() int32 { return number(transitionRequiredFields, f) }

// TransitionRequiredFieldOf returns the TransitionRequiredField whose proto number is n.
func TransitionRequiredFieldOf(n int32) (TransitionRequiredField, bool) {
	return byNumber(transitionRequiredFields, n)
}

func number[T comparable](values []T, v T) int32 { return int32(slices.Index(values, v)) }

func byNumber[T any](values []T, n int32) (T, bool) {
	if n < 0 || int(n) >= len(values) {
		var zero T
		return zero, false
	}
	return values[n], true
}
