package store

import (
	"context"
	"strings"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/quota"
	"github.com/uptrace/bun"
)

// lockLimits takes nothing on SQLite: every write transaction already holds
// the database's write lock from BEGIN IMMEDIATE, which orders it against
// every other one.
func (sqliteDialect) lockLimits(context.Context, bun.Tx, string, bool) error { return nil }

// limitsVersion: SQLite has no one-trip reservation (a write is a
// transaction of its own that waits for its turn anyway), so the service
// keeps the transactional path there.
func (sqliteDialect) limitsVersion(context.Context, *DB, string) (int64, bool, error) {
	return 0, false, nil
}

func (sqliteDialect) reserveOnce(context.Context, *DB, string, string, quota.OneTrip) (quota.OneTripResult, error) {
	return quota.OneTripResult{}, errs.New(errs.Internal, "no one-trip reservation on SQLite")
}

// applyDeltas is QuotaRepo.Apply on SQLite: it moves, for each delta, the
// namespace's counter (quota_counters) and the tenant-wide one
// (quota_tenant_counters), in that order. An increase is
// a conditional upsert per level: the limit check is in the statement's
// WHERE, evaluated against the row as locked by the upsert, so concurrent
// reservations can never push either counter past its limit: a losing one
// simply gets no row back, and the caller rolls back whatever this call
// already moved. Every reservation locks rows in the same order (class, key,
// then namespace row before tenant row), so they cannot deadlock.
func (sqliteDialect) applyDeltas(ctx context.Context, r *QuotaRepo, db bun.IDB, tenantID, ns string, deltas []quota.Delta) ([]quota.Counter, []quota.Rejection, error) {
	var after []quota.Counter
	var rejected []quota.Rejection
	reject := func(d quota.Delta, tenant bool) error {
		cur, err := r.used(ctx, db, tenantID, ns, d, tenant)
		rejected = append(rejected, quota.Rejection{Delta: d, Tenant: tenant, Current: cur})
		return err
	}
	for _, d := range deltas {
		if d.Amount > 0 && d.Max != nil && d.Amount > *d.Max {
			if err := reject(d, false); err != nil {
				return nil, nil, err
			}
			continue
		}
		if d.Amount > 0 && d.TenantMax != nil && d.Amount > *d.TenantMax {
			if err := reject(d, true); err != nil {
				return nil, nil, err
			}
			continue
		}
		var nsUsed, tenantUsed int64
		var ok bool
		var err error
		if d.Amount > 0 {
			if nsUsed, ok, err = r.increase(ctx, db, tenantID, ns, d, false); err == nil && !ok {
				err = reject(d, false)
			}
			if err != nil {
				return nil, nil, err
			}
			if !ok {
				continue
			}
			if tenantUsed, ok, err = r.increase(ctx, db, tenantID, ns, d, true); err == nil && !ok {
				err = reject(d, true)
			}
			if err != nil {
				return nil, nil, err
			}
			if !ok {
				continue
			}
		} else {
			// A release takes from the tenant-wide counter exactly what it
			// took from the namespace's, so the first is always the sum of
			// the others even when a release asks for more than is used.
			var was int64
			if was, err = r.lockCounter(ctx, db, tenantID, ns, d); err != nil {
				return nil, nil, err
			}
			nsUsed = max(was+int64(d.Amount), 0)
			if _, err = db.NewRaw(`UPDATE quota_counters SET used = ? WHERE tenant_id = ? AND namespace = ? AND class = ? AND key = ?`,
				nsUsed, tenantID, ns, string(d.Class), d.Key).Exec(ctx); err != nil {
				return nil, nil, translate(err)
			}
			taken := was - nsUsed
			var used []int64
			err = db.NewRaw(`INSERT INTO quota_tenant_counters (tenant_id, class, key, used) VALUES (?, ?, ?, 0)
				ON CONFLICT (tenant_id, class, key) DO UPDATE
				SET used = CASE WHEN quota_tenant_counters.used - ? < 0 THEN 0 ELSE quota_tenant_counters.used - ? END
				RETURNING used`, tenantID, string(d.Class), d.Key, taken, taken).Scan(ctx, &used)
			if err != nil {
				return nil, nil, translate(err)
			}
			tenantUsed = used[0]
		}
		after = append(after, quota.Counter{Namespace: ns, Class: d.Class, Key: d.Key, Used: quota.Amount(nsUsed)},
			quota.Counter{Namespace: quota.TenantWide, Class: d.Class, Key: d.Key, Used: quota.Amount(tenantUsed)})
	}
	return after, rejected, nil
}

// increase adds d.Amount (> 0) to d's counter in the namespace
// (quota_counters, limit d.Max) or, with tenant, of the tenant
// (quota_tenant_counters, limit d.TenantMax) when the result stays within
// the limit, and returns the new value; ok is false when it would not fit.
func (r *QuotaRepo) increase(ctx context.Context, db bun.IDB, tenantID, ns string, d quota.Delta, tenant bool) (int64, bool, error) {
	table, keyCols, args, limit := "quota_counters", "tenant_id, namespace, class, key", []any{tenantID, ns, string(d.Class), d.Key}, d.Max
	if tenant {
		table, keyCols, args, limit = "quota_tenant_counters", "tenant_id, class, key", []any{tenantID, string(d.Class), d.Key}, d.TenantMax
	}
	lim := int64(quota.MaxCounter)
	if limit != nil {
		lim = int64(*limit)
	}
	amount := int64(d.Amount)
	args = append(args, amount, amount, amount, lim)
	var used []int64
	err := db.NewRaw(`INSERT INTO `+table+` (`+keyCols+`, used) VALUES (`+strings.Repeat("?, ", len(args)-4)+`?)
		ON CONFLICT (`+keyCols+`) DO UPDATE SET used = `+table+`.used + ?
		WHERE `+table+`.used + ? <= ?
		RETURNING used`, args...).Scan(ctx, &used)
	if err != nil {
		return 0, false, translate(err)
	}
	if len(used) == 0 {
		return 0, false, nil
	}
	return used[0], true, nil
}

// lockCounter creates the namespace's counter of d when missing, locks it
// until the transaction ends and returns its value. The no-op upsert takes
// the row lock like the conditional ones, in the same order.
func (r *QuotaRepo) lockCounter(ctx context.Context, db bun.IDB, tenantID, ns string, d quota.Delta) (int64, error) {
	var used []int64
	err := db.NewRaw(`INSERT INTO quota_counters (tenant_id, namespace, class, key, used) VALUES (?, ?, ?, ?, 0)
		ON CONFLICT (tenant_id, namespace, class, key) DO UPDATE SET used = quota_counters.used
		RETURNING used`, tenantID, ns, string(d.Class), d.Key).Scan(ctx, &used)
	if err != nil {
		return 0, translate(err)
	}
	return used[0], nil
}

// used reads the current value of d's counter in the namespace or, with
// tenant, of the tenant; a missing counter is 0.
func (r *QuotaRepo) used(ctx context.Context, db bun.IDB, tenantID, ns string, d quota.Delta, tenant bool) (quota.Amount, error) {
	var used []int64
	var err error
	if tenant {
		err = db.NewRaw(`SELECT used FROM quota_tenant_counters WHERE tenant_id = ? AND class = ? AND key = ?`,
			tenantID, string(d.Class), d.Key).Scan(ctx, &used)
	} else {
		err = db.NewRaw(`SELECT used FROM quota_counters WHERE tenant_id = ? AND namespace = ? AND class = ? AND key = ?`,
			tenantID, ns, string(d.Class), d.Key).Scan(ctx, &used)
	}
	if err != nil || len(used) == 0 {
		return 0, translate(err)
	}
	return quota.Amount(used[0]), nil
}
