package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/billingd/billingd/domain/kernel"
	"github.com/uptrace/bun"
)

// The tenant-level reads a request's kernel.Memo answers (see memoised).
// With a memo, each reads a whole row set of the tenant once, and the
// repository methods answer from it: a GraphQL query whose resolvers ask
// several services about the same tenant costs one statement per row set.
// Without a memo (mutations, REST, transactions) the methods keep their
// own narrow queries.

// The kinds of memoised reads.
const (
	memoTenantKind        = "tenant"
	memoSubscriptionsKind = "subscriptions"
	memoPlanChangesKind   = "plan_changes"
	memoTransitionsKind   = "plan_transitions"
	memoPaymentsKind      = "payment_methods"
	memoInvoicesKind      = "invoices"
	memoStatusKind        = "invoice_status_changes"
	memoTypeHoursKind     = "type_hours"
	memoMonthsKind        = "usage_months"
)

// memoOn tells whether reads with ctx are answered from a memo: ctx has
// one and is not in a transaction.
func (d *DB) memoOn(ctx context.Context) bool {
	if _, inTx := ctx.Value(txKey{}).(bun.Tx); inTx {
		return false
	}
	return kernel.MemoFrom(ctx) != nil
}

// tenantMemoRow is the tenant row with its current plan (NULL: none).
type tenantMemoRow struct {
	ID        string         `bun:"id"`
	Name      string         `bun:"name"`
	CreatedAt time.Time      `bun:"created_at"`
	PlanName  sql.NullString `bun:"plan_name"`
}

// memoTenant reads the tenant row and its plan with one statement;
// found is false when the tenant does not exist.
func (d *DB) memoTenant(ctx context.Context, tenantID string) (tenantMemoRow, bool, error) {
	rows, err := memoised(ctx, tenantID, memoTenantKind, "", func() ([]tenantMemoRow, error) {
		var rows []tenantMemoRow
		err := d.idb(ctx).NewRaw(`SELECT t.id, t.name, t.created_at, p.plan_name FROM tenants t
LEFT JOIN tenant_plans p ON p.tenant_id = t.id WHERE t.id = ?`, tenantID).Scan(ctx, &rows)
		return rows, translate(err)
	})
	if err != nil || len(rows) == 0 {
		return tenantMemoRow{}, false, err
	}
	return rows[0], true, nil
}

// memoSubscriptions reads all the tenant's subscriptions, in
// Subscriptions' order.
func (d *DB) memoSubscriptions(ctx context.Context, tenantID string) ([]subscriptionRow, error) {
	return memoised(ctx, tenantID, memoSubscriptionsKind, "", func() ([]subscriptionRow, error) {
		var rows []subscriptionRow
		err := d.idb(ctx).NewSelect().Model(&rows).Where("tenant_id = ?", tenantID).
			OrderExpr("started_at, kind DESC, name, id").Scan(ctx)
		return rows, translate(err)
	})
}

// memoPlanChanges reads all the tenant's plan changes, oldest first.
func (d *DB) memoPlanChanges(ctx context.Context, tenantID string) ([]subscriptionChangeRow, error) {
	return memoised(ctx, tenantID, memoPlanChangesKind, "", func() ([]subscriptionChangeRow, error) {
		var rows []subscriptionChangeRow
		err := d.idb(ctx).NewSelect().Model(&rows).Where("tenant_id = ?", tenantID).OrderExpr("changed_at, id").Scan(ctx)
		return rows, translate(err)
	})
}

// memoTransitions reads all the tenant's plan transitions, newest first
// (ListTransitions' order).
func (d *DB) memoTransitions(ctx context.Context, tenantID string) ([]planTransitionRow, error) {
	return memoised(ctx, tenantID, memoTransitionsKind, "", func() ([]planTransitionRow, error) {
		var rows []planTransitionRow
		err := d.idb(ctx).NewSelect().Model(&rows).Where("tenant_id = ?", tenantID).
			OrderExpr("created_at DESC, id DESC").Scan(ctx)
		return rows, translate(err)
	})
}

// memoPayments reads the tenant's payment methods, by number.
func (d *DB) memoPayments(ctx context.Context, tenantID string) ([]paymentMethodRow, error) {
	return memoised(ctx, tenantID, memoPaymentsKind, "", func() ([]paymentMethodRow, error) {
		var rows []paymentMethodRow
		err := d.idb(ctx).NewSelect().Model(&rows).Where("tenant_id = ?", tenantID).Order("seq").Scan(ctx)
		return rows, translate(err)
	})
}

// invoicesMemo is all the invoices of a tenant, newest period first, and
// all their lines by invoice name, in line order.
type invoicesMemo struct {
	rows  []invoiceRow
	lines map[string][]invoiceLineRow
}

// memoInvoices reads all the tenant's invoices and their lines with two
// statements.
func (d *DB) memoInvoices(ctx context.Context, tenantID string) (invoicesMemo, error) {
	return memoised(ctx, tenantID, memoInvoicesKind, "", func() (invoicesMemo, error) {
		var m invoicesMemo
		if err := d.idb(ctx).NewSelect().Model(&m.rows).Where("tenant_id = ?", tenantID).Order("period_start DESC").Scan(ctx); err != nil {
			return m, translate(err)
		}
		m.lines = map[string][]invoiceLineRow{}
		if len(m.rows) == 0 {
			return m, nil
		}
		var lines []invoiceLineRow
		if err := d.idb(ctx).NewSelect().Model(&lines).Where("tenant_id = ?", tenantID).Order("invoice", "seq").Scan(ctx); err != nil {
			return m, translate(err)
		}
		for _, l := range lines {
			m.lines[l.Invoice] = append(m.lines[l.Invoice], l)
		}
		return m, nil
	})
}

// memoStatusChanges reads the status changes of all the tenant's invoices,
// by invoice name, in StatusChanges' order.
func (d *DB) memoStatusChanges(ctx context.Context, tenantID string) (map[string][]statusChangeRow, error) {
	return memoised(ctx, tenantID, memoStatusKind, "", func() (map[string][]statusChangeRow, error) {
		var rows []statusChangeRow
		if err := d.idb(ctx).NewSelect().Model(&rows).Where("tenant_id = ?", tenantID).Order("invoice", "at", "to_status").Scan(ctx); err != nil {
			return nil, translate(err)
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
