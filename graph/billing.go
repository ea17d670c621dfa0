package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/billingd/billingd/domain/invoice"
	"github.com/billingd/billingd/domain/payment"
	"github.com/billingd/billingd/graph/model"
)

// The billing fields (payment methods, plan transitions, subscriptions and
// invoices) are tenant-wide: every one of them is a single call into its
// domain service, which authorizes the caller against the "system"
// namespace. What is shared between resolvers lives here.

// changeRole applies a role change and answers every method afterwards: one
// change moves the roles of other methods too, and the client needs them all.
func (r *Resolver) changeRole(ctx context.Context, name string, change payment.Change) ([]model.PaymentMethod, error) {
	if err := r.payments.ChangeRole(ctx, caller(ctx), name, change); err != nil {
		return nil, err
	}
	ms, err := r.payments.List(ctx, caller(ctx))
	if err != nil {
		return nil, err
	}
	return paymentMethodsToModel(ms), nil
}

// listSubscriptions is subscriptions(current) and the answer of the add-on mutations.
func (r *Resolver) listSubscriptions(ctx context.Context, currentOnly bool) ([]model.TenantSubscription, error) {
	vs, err := r.subs.ListSubscriptions(ctx, caller(ctx), currentOnly)
	if err != nil {
		return nil, err
	}
	return subscriptionsToModel(vs), nil
}

// invoicePage cuts the page of first invoices after the invoice named
// after ("" for the first page) and tells whether more follow. A cursor
// naming no invoice of the list is an input error, not an empty page: the
// list only grows at its head, so a real cursor is always found.
func invoicePage(all []invoice.Invoice, after string, first int) ([]invoice.Invoice, bool, error) {
	start := 0
	if after != "" {
		start = -1
		for i, inv := range all {
			if inv.Name == after {
				start = i + 1
				break
			}
		}
		if start < 0 {
			return nil, false, fieldError("after", "is not a cursor of this invoice list")
		}
	}
	page := all[start:]
	more := len(page) > first
	if more {
		page = page[:first]
	}
	return page, more, nil
}

// withLines fills in the lines of the issued invoices of a page (the list
// reads them without lines; the running invoice was computed with its
// lines) with one read for the whole page.
func (r *Resolver) withLines(ctx context.Context, page []invoice.Invoice) ([]invoice.Invoice, error) {
	out := make([]invoice.Invoice, len(page))
	var names []string
	for i, inv := range page {
		out[i] = inv
		if !inv.Active() && inv.Lines == nil {
			names = append(names, inv.Name)
		}
	}
	if len(names) == 0 {
		return out, nil
	}
	lines, err := r.invoices.LinesOf(ctx, caller(ctx), names)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if !out[i].Active() && out[i].Lines == nil {
			out[i].Lines = lines[out[i].Name]
			if out[i].Lines == nil {
				out[i].Lines = []invoice.Line{}
			}
		}
	}
	return out, nil
}

// selectsInvoiceLines reports whether the invoices field being resolved
// selects edges.node.lines (through fragments too), so a page that does not
// show lines does not read them.
func selectsInvoiceLines(ctx context.Context) bool {
	op := graphql.GetOperationContext(ctx)
	for _, e := range graphql.CollectFieldsCtx(ctx, []string{"InvoiceConnection"}) {
		if e.Name != "edges" {
			continue
		}
		for _, n := range graphql.CollectFields(op, e.Selections, []string{"InvoiceEdge"}) {
			if n.Name != "node" {
				continue
			}
			for _, f := range graphql.CollectFields(op, n.Selections, []string{"Invoice"}) {
				if f.Name == "lines" {
					return true
				}
			}
		}
	}
	return false
}
