// Package subscription is the bounded context of what a tenant has bought:
// the usage plan it is on now. The plans themselves are configuration (see
// domain/plan); this context only records which one applies to whom.
package subscription

import "time"

// TenantPlan records that a tenant moved onto a plan at Since. A tenant
// without a record is on the catalog's FREE plan, so creating a tenant needs
// no write here.
type TenantPlan struct {
	TenantID string
	PlanName string
	Since    time.Time
}

// Kind says what a subscription is to: the plan or an add-on.
type Kind string

// The kinds of subscription.
const (
	KindPlan  Kind = "plan"
	KindAddon Kind = "addon"
)

// Subscription is one uninterrupted stint of a tenant on a plan or an add-on:
// it starts at Start and, once closed, ends at End (zero while open). The
// invoice work prices from these instants, so they are exact to the
// microsecond.
type Subscription struct {
	TenantID string
	ID       string // uuid
	Kind     Kind
	Name     string // plan or add-on name
	Start    time.Time
	End      time.Time
}

// Open reports whether the subscription is still running.
func (s Subscription) Open() bool { return s.End.IsZero() }

// PlanChange records that a tenant moved from OldPlan to NewPlan at At, by
// the transition TransitionID (empty when an operator assigned the plan).
type PlanChange struct {
	TenantID     string
	ID           string
	TransitionID string
	OldPlan      string
	NewPlan      string
	At           time.Time
}
