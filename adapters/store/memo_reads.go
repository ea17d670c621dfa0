package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// The tenant-level reads a request's kernel.Memo answers (see memoised).
// With a memo, each reads a whole row set of the tenant once, and the
// repository methods answer from it: a GraphQL query whose resolvers ask
// several services about the same tenant costs one statement per row set.
// REST gives its reads and reports a memo too. Without one (mutations,
// transactions) the methods keep their own narrow queries.

// The kinds of memoised reads.
const (
	memoTenantKind      = "tenant"
	memoPlanChangesKind = "plan_changes"
	memoTransitionsKind = "plan_transitions"
	memoPaymentsKind    = "payment_methods"
	memoInvoicesKind    = "invoices"
	memoStatusKind      = "invoice_status_changes"
	memoMonthsKind      = "usage_months"
	memoRangeSumsKind   = "range_sums"
	memoRangeSharesKind = "range_sums_with_shares"
	memoQuotasKind      = "quotas"
)

// memoOn tells whether reads with ctx are answered from a memo: ctx has
// one and is not in a transaction.
func (d *DB) memoOn(ctx context.Context) bool { return memoOf(ctx) != nil }

// tenantMemoRow is the tenant row with its current plan (NULL: none).
type tenantMemoRow struct {
	ID        string         `bun:"id"`
	Name      string         `bun:"name"`
	CreatedAt time.Time      `bun:"created_at"`
	PlanName  sql.NullString `bun:"plan_name"`
}

// tenantJoinRow is one row of memoTenant's join: the tenant, its plan and
// one of its subscriptions (all zero, id "", for a tenant without any).
type tenantJoinRow struct {
	tenantMemoRow
	Sub subscriptionRow `bun:"embed:s_"`
}

// tenantMemo is a tenant (found false: none), its plan and all its
// subscriptions in Subscriptions' order.
type tenantMemo struct {
	tenant tenantMemoRow
	found  bool
	subs   []subscriptionRow
}

// memoTenantAll reads the tenant row, its plan and its subscriptions (a
// few rows: its plans over time and its add-ons) with one statement.
func (d *DB) memoTenantAll(ctx context.Context, tenantID string) (tenantMemo, error) {
	return memoised(ctx, tenantID, memoTenantKind, "", func() (tenantMemo, error) {
		var rows []tenantJoinRow
		err := d.idb(ctx).NewRaw(`SELECT t.id, t.name, t.created_at, p.plan_name,
  s.tenant_id AS s_tenant_id, s.id AS s_id, s.kind AS s_kind, s.name AS s_name, s.started_at AS s_started_at, s.ended_at AS s_ended_at
FROM tenants t
LEFT JOIN tenant_plans p ON p.tenant_id = t.id
LEFT JOIN subscriptions s ON s.tenant_id = t.id
WHERE t.id = ? ORDER BY s.started_at, s.kind DESC, s.name, s.id`, tenantID).Scan(ctx, &rows)
		if err != nil || len(rows) == 0 {
			return tenantMemo{}, translate(err)
		}
		m := tenantMemo{tenant: rows[0].tenantMemoRow, found: true, subs: []subscriptionRow{}}
		for _, r := range rows {
			if r.Sub.ID != "" {
				m.subs = append(m.subs, r.Sub)
			}
		}
		return m, nil
	})
}

// memoTenant is the tenant row and plan of memoTenantAll; found is false
// when the tenant does not exist.
func (d *DB) memoTenant(ctx context.Context, tenantID string) (tenantMemoRow, bool, error) {
	m, err := d.memoTenantAll(ctx, tenantID)
	return m.tenant, m.found, err
}

// memoSubscriptions is the subscriptions of memoTenantAll.
func (d *DB) memoSubscriptions(ctx context.Context, tenantID string) ([]subscriptionRow, error) {
	m, err := d.memoTenantAll(ctx, tenantID)
	return m.subs, err
}

// tenantRows reads all the tenant's rows of T's table in order.
func tenantRows[T any](ctx context.Context, d *DB, tenantID, order string) ([]T, error) {
	var rows []T
	err := d.idb(ctx).NewSelect().Model(&rows).Where("tenant_id = ?", tenantID).OrderExpr(order).Scan(ctx)
	return rows, translate(err)
}

// memoTenantRows is tenantRows once per request.
func memoTenantRows[T any](ctx context.Context, d *DB, tenantID, kind, order string) ([]T, error) {
	return memoised(ctx, tenantID, kind, "", func() ([]T, error) { return tenantRows[T](ctx, d, tenantID, order) })
}

// memoPlanChanges reads all the tenant's plan changes, oldest first.
func (d *DB) memoPlanChanges(ctx context.Context, tenantID string) ([]subscriptionChangeRow, error) {
	return memoTenantRows[subscriptionChangeRow](ctx, d, tenantID, memoPlanChangesKind, "changed_at, id")
}

// memoTransitions reads all the tenant's plan transitions, newest first
// (ListTransitions' order).
func (d *DB) memoTransitions(ctx context.Context, tenantID string) ([]planTransitionRow, error) {
	return memoTenantRows[planTransitionRow](ctx, d, tenantID, memoTransitionsKind, "created_at DESC, id DESC")
}

// memoPayments reads the tenant's payment methods, by number.
func (d *DB) memoPayments(ctx context.Context, tenantID string) ([]paymentMethodRow, error) {
	return memoTenantRows[paymentMethodRow](ctx, d, tenantID, memoPaymentsKind, "seq")
}

// invoicesMemo is all the invoices of a tenant, newest period first, and
// all their lines by invoice name, in line order.
type invoicesMemo struct {
	rows  []invoiceRow
	lines map[string][]invoiceLineRow
}

// invoiceJoinRow is one row of memoInvoices' join: an invoice and one of
// its lines (all zero, seq 0, for an invoice without lines).
type invoiceJoinRow struct {
	Inv  invoiceRow     `bun:"embed:i_"`
	Line invoiceLineRow `bun:"embed:l_"`
}

// The columns memoInvoices reads, by table.
var (
	invoiceColumns = []string{"tenant_id", "name", "number", "period_start", "period_end", "status", "currency", "plan_name",
		"tenant_name", "amount_cents", "issued_at", "due_at", "issuer", "bill_to", "tax_name", "tax_jurisdiction", "tax_percent",
		"tax_reverse_charge", "tax_cents"}
	invoiceLineColumns = []string{"tenant_id", "invoice", "seq", "kind", "description", "usage_type", "for_period", "quantity",
		"unit", "billable", "billable_unit", "unit_price", "amount_cents"}
	invoiceJoinSQL = func() string {
		var cols []string
		for _, c := range invoiceColumns {
			cols = append(cols, "i."+c+" AS i_"+c)
		}
		for _, c := range invoiceLineColumns {
			cols = append(cols, "l."+c+" AS l_"+c)
		}
		return "SELECT " + strings.Join(cols, ", ") + ` FROM invoices i
LEFT JOIN invoice_lines l ON l.tenant_id = i.tenant_id AND l.invoice = i.name
WHERE i.tenant_id = ? ORDER BY i.period_start DESC, i.name, l.seq`
	}()
)

// memoInvoices reads all the tenant's invoices and their lines with one
// statement.
func (d *DB) memoInvoices(ctx context.Context, tenantID string) (invoicesMemo, error) {
	return memoised(ctx, tenantID, memoInvoicesKind, "", func() (invoicesMemo, error) {
		m := invoicesMemo{lines: map[string][]invoiceLineRow{}}
		var rows []invoiceJoinRow
		if err := d.idb(ctx).NewRaw(invoiceJoinSQL, tenantID).Scan(ctx, &rows); err != nil {
			return m, translate(err)
		}
		for _, r := range rows {
			if n := len(m.rows); n == 0 || m.rows[n-1].Name != r.Inv.Name {
				m.rows = append(m.rows, r.Inv)
			}
			if r.Line.Seq != 0 {
				m.lines[r.Inv.Name] = append(m.lines[r.Inv.Name], r.Line)
			}
		}
		return m, nil
	})
}

// memoStatusChanges reads the status changes of all the tenant's invoices,
// by invoice name, in StatusChanges' order.
func (d *DB) memoStatusChanges(ctx context.Context, tenantID string) (map[string][]statusChangeRow, error) {
	return memoised(ctx, tenantID, memoStatusKind, "", func() (map[string][]statusChangeRow, error) {
		rows, err := tenantRows[statusChangeRow](ctx, d, tenantID, "invoice, at, to_status")
		if err != nil {
			return nil, err
		}
		by := map[string][]statusChangeRow{}
		for _, r := range rows {
			by[r.Invoice] = append(by[r.Invoice], r)
		}
		return by, nil
	})
}

// memoArgs encodes a read's arguments as a memo key: the namespaces (nil,
// all, differs from empty) and the range.
func memoArgs(nss []string, from, to time.Time, more ...any) string {
	var b strings.Builder
	if nss == nil {
		b.WriteString("*")
	} else {
		fmt.Fprintf(&b, "%d:%q", len(nss), nss)
	}
	fmt.Fprintf(&b, "|%s|%s", from.UTC().Format(time.RFC3339Nano), to.UTC().Format(time.RFC3339Nano))
	for _, m := range more {
		fmt.Fprintf(&b, "|%v", m)
	}
	return b.String()
}
