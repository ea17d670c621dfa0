package graph

import (
	"context"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/billingd/billingd/domain/audit"
	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/invoice"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/graph/model"
)

// node resolves a global id (ids.go) in the caller's tenant: null when the
// object does not exist, and for ids this API did not make. Each type asks
// the service that owns it, so the same authorization applies as to the
// field that returned the id.
func (r *Resolver) node(ctx context.Context, id string) (model.Node, error) {
	// Every node lives in a tenant: a caller without one (an operator
	// naming none) gets the error naming the header, as from any field.
	if err := caller(ctx).OnTenant(); err != nil {
		return nil, err
	}
	typ, key, ok := parseGlobalID(id)
	if !ok {
		return nil, nil
	}
	var (
		n   model.Node
		err error
	)
	switch {
	case typ == nodeNamespace && len(key) == 1:
		var ns *model.Namespace
		if ns, err = r.namespace(ctx, key[0]); ns != nil {
			n = ns
		}
	case typ == nodeQuota && len(key) == 2:
		q, e := r.quotas.Get(ctx, caller(ctx), key[0], key[1])
		if err = e; e == nil {
			n = quotaToModel(q)
		}
	case typ == nodePlan && len(key) == 1:
		n, err = r.planNode(ctx, key[0])
	case typ == nodeAddon && len(key) == 1:
		var as []model.Addon
		as, err = r.addons(ctx)
		for i := range as {
			if as[i].Name == key[0] {
				n = &as[i]
			}
		}
	case typ == nodeInvoice && len(key) == 1:
		n, err = r.invoiceByPeriod(ctx, key[0])
	case typ == nodePayment && len(key) == 1:
		ms, e := r.payments.List(ctx, caller(ctx))
		err = e
		for _, m := range ms {
			if m.Name == key[0] {
				n = paymentMethodToModel(m)
			}
		}
	case typ == nodeTransition && len(key) == 1:
		t, e := r.subs.GetTransition(ctx, caller(ctx), key[0])
		if err = e; e == nil {
			n = transitionToModel(t)
		}
	case typ == nodeSubscription && len(key) == 1:
		subs, e := r.listSubscriptions(ctx, false)
		err = e
		for i := range subs {
			if subs[i].SubscriptionID == key[0] {
				n = &subs[i]
			}
		}
	case typ == nodeAudit && len(key) == 1:
		n, err = r.auditNode(ctx, key[0])
	}
	if errs.Is(err, errs.NotFound) || (errs.Is(err, errs.Invalid) && n == nil) {
		// A well-formed id of nothing, or a key the service refuses as
		// input (a forged id): both are "no such object".
		return nil, nil
	}
	if err != nil || n == nil {
		return nil, err
	}
	return n, nil
}

// namespace answers namespace(name:): null for a namespace the tenant has
// never used ("system", the tenant itself, always exists).
func (r *Resolver) namespace(ctx context.Context, name string) (*model.Namespace, error) {
	if err := authorizeNamespace(ctx, name); err != nil {
		return nil, err
	}
	if name != tenancy.SystemNamespace {
		if _, err := r.tenancy.Namespace(ctx, caller(ctx), name); errs.Is(err, errs.NotFound) {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
	}
	return namespaceModel(name), nil
}

func (r *Resolver) planNode(ctx context.Context, name string) (model.Node, error) {
	cur, states, err := r.subs.PlanStates(ctx, caller(ctx))
	if err != nil {
		return nil, err
	}
	cat := r.plans.Catalog()
	pl, ok := cat.Plan(name)
	if !ok {
		return nil, nil
	}
	return planToModel(pl, cat.Currency, pl.Name == cur.Name, states[pl.Name]), nil
}

// addons is the add-on catalog as the caller's tenant sees it.
func (r *Resolver) addons(ctx context.Context) ([]model.Addon, error) {
	cur, _, err := r.subs.PlanStates(ctx, caller(ctx))
	if err != nil {
		return nil, err
	}
	subs, err := r.subs.ListSubscriptions(ctx, caller(ctx), true)
	if err != nil {
		return nil, err
	}
	on := map[string]bool{}
	for _, s := range subs {
		if s.Kind == "addon" {
			on[s.Name] = true
		}
	}
	return addonsToModel(r.plans.Catalog(), cur, on), nil
}

func (r *Resolver) invoiceByPeriod(ctx context.Context, period string) (model.Node, error) {
	all, err := r.invoices.List(ctx, caller(ctx), invoice.MaxList)
	if err != nil {
		return nil, err
	}
	for _, inv := range all {
		if inv.Period.String() == period {
			return r.invoiceDetail(ctx, inv)
		}
	}
	return nil, nil
}

func (r *Resolver) auditNode(ctx context.Context, key string) (model.Node, error) {
	seq, err := strconv.ParseInt(key, 10, 64)
	if err != nil || seq <= 0 || seq == 1<<63-1 {
		return nil, nil
	}
	es, err := r.audit.Search(ctx, caller(ctx), audit.Filter{BeforeSeq: seq + 1, Limit: 1})
	if err != nil || len(es) == 0 || es[0].Seq != seq {
		return nil, err
	}
	return auditRecord(es[0]), nil
}

// invoiceDetail is one invoice with its lines and status history.
func (r *Resolver) invoiceDetail(ctx context.Context, inv invoice.Invoice) (*model.Invoice, error) {
	m, err := r.invoiceWithLines(ctx, inv)
	if err != nil {
		return nil, err
	}
	m.StatusHistory = []model.InvoiceStatusChange{}
	if !inv.Active() {
		cs, err := r.invoices.StatusChangesOf(ctx, caller(ctx), []string{inv.Name})
		if err != nil {
			return nil, err
		}
		m.StatusHistory = statusChangesToModel(cs[inv.Name])
	}
	return m, nil
}

// invoicePage answers invoices(first, after, last, before).
func (r *Resolver) invoicePage(ctx context.Context, first *int32, after *string, last *int32, before *string) (*model.InvoiceConnection, error) {
	w, err := pageWindow(first, after, last, before, 20)
	if err != nil {
		return nil, err
	}
	// A tenant has one invoice a month, so the whole list (capped by the
	// service) is small enough to page in memory.
	all, err := r.invoices.List(ctx, caller(ctx), invoice.MaxList)
	if err != nil {
		return nil, err
	}
	page, info, err := invoicePage(all, w)
	if err != nil {
		return nil, err
	}
	if selectsInvoiceLines(ctx) {
		if page, err = r.withLines(ctx, page); err != nil {
			return nil, err
		}
	}
	conn := invoiceConnection(page, info, len(all))
	if selectsInvoiceNodeField(ctx, "statusHistory") {
		names := make([]string, len(page))
		for i, inv := range page {
			names[i] = inv.Name
		}
		// One read for the whole page.
		cs, err := r.invoices.StatusChangesOf(ctx, caller(ctx), names)
		if err != nil {
			return nil, err
		}
		for i := range conn.Edges {
			conn.Edges[i].Node.StatusHistory = statusChangesToModel(cs[conn.Edges[i].Node.Name])
		}
	}
	return conn, nil
}

// selectsInvoiceNodeField reports whether the invoices field being
// resolved selects edges.node.<name>.
func selectsInvoiceNodeField(ctx context.Context, name string) bool {
	op := graphql.GetOperationContext(ctx)
	for _, e := range graphql.CollectFieldsCtx(ctx, []string{"InvoiceConnection"}) {
		if e.Name != "edges" {
			continue
		}
		for _, n := range graphql.CollectFields(op, e.Selections, []string{"InvoiceEdge"}) {
			if n.Name == "node" && selectsField(op, n.Selections, "Invoice", name) {
				return true
			}
		}
	}
	return false
}

// rfc3339OrEmpty formats an optional time for the services that read the
// legacy wire's text times ("" for none).
func rfc3339OrEmpty(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// renameFields renames the fields of an Invalid error (legacy wire names
// to this API's argument names); other errors pass unchanged.
func renameFields(err error, names map[string]string) error {
	return mapFields(err, func(f string) string {
		if n, ok := names[f]; ok {
			return n
		}
		return f
	})
}

// prefixFields puts prefix before the fields of an Invalid error, except
// those in keep (already argument names); other errors pass unchanged.
func prefixFields(err error, prefix string, keep ...string) error {
	return mapFields(err, func(f string) string {
		for _, k := range keep {
			if f == k {
				return f
			}
		}
		return prefix + f
	})
}

// mapFields rewrites each field name of an Invalid error with rename, on a
// copy; other errors pass unchanged.
func mapFields(err error, rename func(string) string) error {
	de := errs.As(err)
	if de.Kind != errs.Invalid || len(de.Fields) == 0 {
		return err
	}
	c := *de
	c.Fields = make([]errs.FieldError, len(de.Fields))
	for i, f := range de.Fields {
		f.Field = rename(f.Field)
		c.Fields[i] = f
	}
	return &c
}
