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
