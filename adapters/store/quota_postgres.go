package store

import (
	"context"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// limitsLockClass is the first key of the limits' advisory locks (migration
// 19); the second is hashtext(tenant_id). Two tenants sharing a hash only
// wait for each other's limit changes, never pass a limit.
const limitsLockClass = 1903521652

// lockLimits takes the tenant's limits lock as a transaction-level advisory
// lock: shared for reservations, exclusive for a plan switch (the trigger of
// migration 19 takes it exclusive for every change of quotas and plans).
func (postgresDialect) lockLimits(ctx context.Context, tx bun.Tx, tenantID string, exclusive bool) error {
	q := `SELECT pg_advisory_xact_lock_shared(?, hashtext(?))`
	if exclusive {
		q = `SELECT pg_advisory_xact_lock(?, hashtext(?))`
	}
	_, err := tx.NewRaw(q, limitsLockClass, tenantID).Exec(ctx)
	return translate(err)
}

// limitsVersion reads the tenant's limits version (0 before its first
// change), which the trigger of migration 19 bumps with every change of its
// quotas or plan.
func (postgresDialect) limitsVersion(ctx context.Context, d *DB, tenantID string) (int64, bool, error) {
	var v int64
	err := d.bun.NewRaw(`SELECT coalesce(max(limits_version), 0) FROM quota_locks WHERE tenant_id = ?`, tenantID).Scan(ctx, &v)
	return v, true, translate(err)
}

// applyDeltas is QuotaRepo.Apply on PostgreSQL: one call of quota_reserve
// in the caller's transaction, which holds the limits lock and read the
// limits under it, so no version is checked.
func (postgresDialect) applyDeltas(ctx context.Context, _ *QuotaRepo, db bun.IDB, tenantID, ns string, deltas []quota.Delta) ([]quota.Counter, []quota.Rejection, error) {
	after, rejected, _, err := callReserve(ctx, db, tenantID, ns, nil, deltas, nil)
	return after, rejected, err
}

// reserveOnce applies a whole reservation in one statement, when the
// tenant's limits version is still version; stale says it was not, and
// nothing was applied. Outside a transaction the statement is its own
// (autocommit); inside the caller's it joins it (a refusal undoes only what
// the statement did).
func (postgresDialect) reserveOnce(ctx context.Context, d *DB, tenantID, ns string, version int64, deltas []quota.Delta, nsCreated *time.Time) ([]quota.Counter, []quota.Rejection, bool, error) {
	if tx, ok := ctx.Value(txKey{}).(bun.Tx); ok {
		return callReserve(ctx, tx, tenantID, ns, &version, deltas, nsCreated)
	}
	after, rejected, stale, err := callReserve(ctx, d.bun, tenantID, ns, &version, deltas, nsCreated)
	if err == nil && !stale && rejected == nil && d.replica != nil {
		d.replica.noteWrite(ctx)
	}
	return after, rejected, stale, err
}

type reserveRow struct {
	Class      *string `bun:"o_class"`
	Key        *string `bun:"o_key"`
	NSUsed     *int64  `bun:"o_ns_used"`
	TenantUsed *int64  `bun:"o_tenant_used"`
	Rejected   *string `bun:"o_rejected"`
	Current    *int64  `bun:"o_current"`
}

func callReserve(ctx context.Context, db bun.IDB, tenantID, ns string, version *int64, deltas []quota.Delta, nsCreated *time.Time) ([]quota.Counter, []quota.Rejection, bool, error) {
	n := len(deltas)
	classes, keys := make([]string, n), make([]string, n)
	amounts, maxes, tmaxes := make([]int64, n), make([]int64, n), make([]int64, n)
	for i, d := range deltas {
		classes[i], keys[i], amounts[i] = string(d.Class), d.Key, int64(d.Amount)
		maxes[i], tmaxes[i] = int64(quota.MaxCounter), int64(quota.MaxCounter)
		if d.Max != nil {
			maxes[i] = int64(*d.Max)
		}
		if d.TenantMax != nil {
			tmaxes[i] = int64(*d.TenantMax)
		}
	}
	var rows []reserveRow
	// The tenant-wide usage after the reservation is a sum over shards,
	// read only for "system", whose answer is the tenant's counters (see
	// quota.Service.Reserve); elsewhere the tenant's Counters in after are 0.
	var created any // NULL: the namespace's record is not written
	if nsCreated != nil {
		created = nsCreated.UTC()
	}
	err := db.NewRaw(`SELECT * FROM quota_reserve(?, ?, ?, ?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::bigint[], ?, ?::timestamptz)`,
		tenantID, ns, version, pgdialect.Array(classes), pgdialect.Array(keys),
		pgdialect.Array(amounts), pgdialect.Array(maxes), pgdialect.Array(tmaxes), ns == tenancy.SystemNamespace, created).Scan(ctx, &rows)
	if err != nil {
		return nil, nil, false, translate(err)
	}
	byKey := make(map[[2]string]quota.Delta, n)
	for _, d := range deltas {
		byKey[[2]string{string(d.Class), d.Key}] = d
	}
	var after []quota.Counter
	var rejected []quota.Rejection
	for _, row := range rows {
		if row.Rejected != nil && *row.Rejected == "stale" {
			return nil, nil, true, nil
		}
		if row.Class == nil || row.Key == nil {
			return nil, nil, false, errs.New(errs.Internal, "quota_reserve returned a row without a key")
		}
		d, ok := byKey[[2]string{*row.Class, *row.Key}]
		if !ok {
			return nil, nil, false, errs.New(errs.Internal, "quota_reserve returned key %s/%s it was not given", *row.Class, *row.Key)
		}
		if row.Rejected != nil {
			rejected = append(rejected, quota.Rejection{Delta: d, Tenant: *row.Rejected == "tenant", Current: quota.Amount(deref(row.Current))})
			continue
		}
		after = append(after, quota.Counter{Namespace: ns, Class: d.Class, Key: d.Key, Used: quota.Amount(deref(row.NSUsed))},
			quota.Counter{Namespace: quota.TenantWide, Class: d.Class, Key: d.Key, Used: quota.Amount(deref(row.TenantUsed))})
	}
	if rejected != nil {
		after = nil
	}
	return after, rejected, false, nil
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
