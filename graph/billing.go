package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/billingd/billingd/domain/invoice"
	"github.com/billingd/billingd/graph/model"
	"github.com/vektah/gqlparser/v2/ast"
)

// The billing fields (payment methods, plan transitions, subscriptions and
// invoices) are tenant-wide: every one of them is a single call into its
// domain service, which authorizes the caller against the "system"
// namespace. What is shared between resolvers lives here.

// listSubscriptions is subscriptions(current) and the answer of the add-on mutations.
func (r *Resolver) listSubscriptions(ctx context.Context, currentOnly bool) ([]model.TenantSubscription, error) {
	vs, err := r.subs.ListSubscriptions(ctx, caller(ctx), currentOnly)
	if err != nil {
		return nil, err
	}
	return subscriptionsToModel(vs), nil
}

// invoicePage cuts the page w asks for out of all the tenant's invoices
// (running first, then newest period first). Cursors are periods: the
// running invoice keeps its period when it is issued (its name changes),
// so a cursor stays valid. A cursor naming no invoice of the list is an
// input error, not an empty page.
func invoicePage(all []invoice.Invoice, w window) ([]invoice.Invoice, *model.PageInfo, error) {
	find := func(field, period string) (int, error) {
		for i, inv := range all {
			if inv.Period.String() == period {
				return i, nil
			}
		}
		return 0, fieldError(field, "is not a cursor of this invoice list")
	}
	lo, hi := 0, len(all)
	if w.after != "" {
		i, err := find("after", w.after)
		if err != nil {
			return nil, nil, err
		}
		lo = i + 1
	}
	if w.before != "" {
		i, err := find("before", w.before)
		if err != nil {
			return nil, nil, err
		}
		hi = i
	}
	if hi < lo {
		hi = lo
	}
	lo, hi, info := w.cut(lo, hi, len(all))
	return all[lo:hi], info, nil
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
			if n.Name == "node" && selectsField(op, n.Selections, "Invoice", "lines") {
				return true
			}
		}
	}
	return false
}

// selectsField reports whether sel (of an object of type typ) selects the
// field called name, through fragments too.
func selectsField(op *graphql.OperationContext, sel ast.SelectionSet, typ, name string) bool {
	for _, f := range graphql.CollectFields(op, sel, []string{typ, "Node"}) {
		if f.Name == name {
			return true
		}
	}
	return false
}

// invoiceWithLines returns inv with its lines read when it is issued (the
// running invoice is computed with its lines).
func (r *Resolver) invoiceWithLines(ctx context.Context, inv invoice.Invoice) (*model.Invoice, error) {
	page, err := r.withLines(ctx, []invoice.Invoice{inv})
	if err != nil {
		return nil, err
	}
	return invoiceToModel(page[0]), nil
}
