package graph

import (
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/graph/model"
)

// viewerOf describes the caller. The capabilities are derived from the
// same rules the services enforce (tenancy.Principal.Authorize and
// RequireOperator), asked of the principal itself, so the list cannot
// promise what a service would refuse.
func viewerOf(p tenancy.Principal) *model.Viewer {
	v := &model.Viewer{Operator: p.Operator, Capabilities: []model.Capability{}}
	switch {
	case p.Operator:
		v.Credential = model.CredentialKindOperatorToken
	case p.Certificate:
		v.Credential = model.CredentialKindAPICertificate
	default:
		v.Credential = model.CredentialKindAPIToken
	}
	if p.TokenID != "" {
		id := p.TokenID
		v.CredentialID = &id
	}
	if p.Namespace != "" {
		ns := p.Namespace
		v.Namespace = &ns
	}
	if p.TenantID == "" {
		// An operator naming no tenant: it may only decide transitions by id.
		if p.Operator {
			v.Capabilities = append(v.Capabilities, model.CapabilityDecidePlanTransitions)
		}
		return v
	}
	name := p.TenantName
	v.Tenant = &name
	role := roleOf(p.Role)
	v.Role = &role

	// The namespace a check is made in: the bound one, else any (an
	// unbound token's rights are the same in every namespace).
	ns := p.Namespace
	if ns == "" {
		ns = "default"
	}
	can := func(a tenancy.Action, ns string) bool { return p.Authorize(a, ns) == nil }
	add := func(ok bool, c model.Capability) {
		if ok {
			v.Capabilities = append(v.Capabilities, c)
		}
	}
	add(can(tenancy.Read, ns), model.CapabilityReadNamespaces)
	add(can(tenancy.Read, tenancy.SystemNamespace), model.CapabilityReadTenant)
	add(can(tenancy.Write, ns), model.CapabilityWriteQuotas)
	add(can(tenancy.Write, ns), model.CapabilityReserveQuota)
	add(can(tenancy.Write, ns), model.CapabilityRecordUsage)
	add(can(tenancy.Admin, tenancy.SystemNamespace), model.CapabilityManageBilling)
	add(can(tenancy.Admin, tenancy.SystemNamespace), model.CapabilitySeePaymentTokens)
	add(can(tenancy.Admin, tenancy.SystemNamespace), model.CapabilityReadAuditLog)
	add(p.RequireOperator("") == nil, model.CapabilityDecidePlanTransitions)
	add(p.RequireOperator("") == nil, model.CapabilitySetInvoiceStatus)
	return v
}

func roleOf(r tenancy.Role) model.Role {
	switch r {
	case tenancy.RoleAdmin:
		return model.RoleAdmin
	case tenancy.RoleEditor:
		return model.RoleEditor
	}
	return model.RoleViewer
}
