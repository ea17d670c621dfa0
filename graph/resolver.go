// Package graph is the GraphQL adapter: the gqlgen handler, thin resolvers
// that call the domain services, per-request dataloaders (graph/loaders), the
// error presenter and the query limits.
package graph

import (
	"context"

	"github.com/billingd/billingd/domain/audit"
	"github.com/billingd/billingd/domain/invoice"
	"github.com/billingd/billingd/domain/payment"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/domain/subscription"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/domain/usage"
)

// Resolver is the root resolver. It holds only the domain services: every
// per-request value (caller, loaders) travels in the context.
type Resolver struct {
	quotas   *quota.Service
	tenancy  *tenancy.Service
	plans    *plan.Service
	subs     *subscription.Service
	usage    *usage.Service
	payments *payment.Service
	invoices *invoice.Service
	audit    *audit.Service
}

// authorizeNamespace checks that the caller may read namespace ns. It needs
// no query: namespaces exist as soon as they are named, and the caller's
// rights are in the principal the HTTP middleware put in ctx.
func authorizeNamespace(ctx context.Context, ns string) error {
	p := caller(ctx)
	if err := p.OnTenant(); err != nil {
		return err
	}
	if !tenancy.ValidName(ns) {
		return fieldError("name", "must be a DNS-1035 label (lower case letters, digits and '-', starting with a letter, at most 63 characters)")
	}
	return p.Authorize(tenancy.Read, ns)
}

// caller is the principal the HTTP authentication put in the request's
// context (graph.NewHandler runs behind it). Resolvers pass it to the
// services, which authorize it; the zero Principal of an unauthenticated
// request is refused there.
func caller(ctx context.Context) tenancy.Principal { return tenancy.FromContext(ctx) }
