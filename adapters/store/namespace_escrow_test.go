package store_test

import (
	"context"
	"database/sql"
	"math/rand"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/billingd/billingd/adapters/store"
)

// escrowTry runs one reservation of amount a of the key objects/lb in ns
// through fn (quota_reserve_slots, or migration 19's quota_reserve) with a
// namespace limit nsMax and a tenant-wide limit tMax, in autocommit as the
// service runs it, and tells whether it was applied; a refusal also gives
// the refusing counter's usage.
func escrowTry(ctx context.Context, db *sql.DB, fn, ns string, a, nsMax, tMax int64) (applied bool, refusedAt int64, err error) {
	rows, err := db.QueryContext(ctx, `SELECT o_rejected, o_current FROM `+fn+`('t1', $1, NULL, ARRAY['objects'], ARRAY['lb'],
		ARRAY[$2::bigint], ARRAY[$3::bigint], ARRAY[$4::bigint], false, NULL, NULL, NULL, NULL, now())`, ns, a, nsMax, tMax)
	if err != nil {
		return false, 0, err
	}
	defer rows.Close()
	applied = true
	for rows.Next() {
		var rejected sql.NullString
		var current sql.NullInt64
		if err := rows.Scan(&rejected, &current); err != nil {
			return false, 0, err
		}
		if rejected.Valid {
			applied, refusedAt = false, current.Int64
		}
	}
	return applied, refusedAt, rows.Err()
}

func escrowCall(ctx context.Context, t *testing.T, db *sql.DB, fn, ns string, a, nsMax, tMax int64) (applied bool, refusedAt int64) {
	t.Helper()
	applied, refusedAt, err := escrowTry(ctx, db, fn, ns, a, nsMax, tMax)
	if err != nil {
		t.Fatal(err)
	}
	return applied, refusedAt
}

// tenantUsed is the tenant-wide usage of objects/lb: the sum over its rows.
func tenantUsed(ctx context.Context, t *testing.T, db *sql.DB) int64 {
	t.Helper()
	var used int64
	if err := db.QueryRowContext(ctx, `SELECT coalesce(sum(used), 0) FROM quota_tenant_counters WHERE tenant_id = 't1' AND key = 'lb'`).Scan(&used); err != nil {
		t.Fatal(err)
	}
	return used
}

// TestNamespaceEscrowIsExact: reservations and releases in random order
// over six namespaces, with the tenant-wide limit lowered and raised on the
// way (a new limits version each time), are admitted exactly when the
// namespace's and the tenant's exact sums have room: the escrow never
// refuses what fits and never admits what does not. After every call the
// escrow's own bounds hold: a namespace row of the current version uses at
// most its cap, and a pool of the current version counts exactly the caps
// of its namespaces and stays within the limit with its own usage. Then 64
// concurrent clients ask for more than is left and get exactly what is left.
func TestNamespaceEscrowIsExact(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openThrough(ctx, t, store.Postgres, "20261126000021").SQL()
	if _, err := db.ExecContext(ctx, `INSERT INTO tenants (id, name, created_at) VALUES ('t1', 'acme', $1)`, t0); err != nil {
		t.Fatal(err)
	}
	const nsMax = 30
	nss := []string{"a", "b", "c", "d", "e", "f"}
	nsUsed := map[string]int64{}
	var total int64
	tMax, version := int64(50), int64(0)
	rng := rand.New(rand.NewSource(7))
	for i := 0; i < 600; i++ {
		if i%150 == 149 && i < 450 { // the limits change: 35, then 60, then 20
			tMax = []int64{35, 60, 20}[i/150]
			version++
			if _, err := db.ExecContext(ctx, `INSERT INTO quota_locks (tenant_id, limits_version) VALUES ('t1', $1)
				ON CONFLICT (tenant_id) DO UPDATE SET limits_version = EXCLUDED.limits_version`, version); err != nil {
				t.Fatal(err)
			}
		}
		ns := nss[rng.Intn(len(nss))]
		a := int64(rng.Intn(15) - 6)
		if a == 0 {
			a = 1
		}
		applied, refusedAt := escrowCall(ctx, t, db, "quota_reserve_slots", ns, a, nsMax, tMax)
		switch {
		case a < 0:
			taken := min(nsUsed[ns], -a)
			nsUsed[ns] -= taken
			total -= taken
			if !applied {
				t.Fatalf("call %d: a release of %d in %s refused", i, a, ns)
			}
		case nsUsed[ns]+a > nsMax:
			if applied || refusedAt != nsUsed[ns] {
				t.Fatalf("call %d: %d in %s (namespace at %d of %d) applied=%v refused at %d", i, a, ns, nsUsed[ns], nsMax, applied, refusedAt)
			}
		case total+a > tMax:
			if applied || refusedAt != total {
				t.Fatalf("call %d: %d in %s (tenant at %d of %d) applied=%v refused at %d", i, a, ns, total, tMax, applied, refusedAt)
			}
		default:
			if !applied {
				t.Fatalf("call %d: %d in %s refused with room (namespace %d of %d, tenant %d of %d)", i, a, ns, nsUsed[ns], nsMax, total, tMax)
			}
			nsUsed[ns] += a
			total += a
		}
		if got := tenantUsed(ctx, t, db); got != total {
			t.Fatalf("call %d: tenant-wide usage %d, want %d", i, got, total)
		}
		var overCap, poolCap, poolUsed, slotCaps int64
		var poolCurrent bool
		if err := db.QueryRowContext(ctx, `SELECT
				count(*) FILTER (WHERE slot <> '' AND cap_version = $1 AND used > cap),
				coalesce(max(cap) FILTER (WHERE slot = ''), 0), coalesce(max(used) FILTER (WHERE slot = ''), 0),
				coalesce(bool_or(cap_version = $1) FILTER (WHERE slot = ''), false),
				coalesce(sum(cap) FILTER (WHERE slot <> '' AND cap_version = $1), 0)
			FROM quota_tenant_counters WHERE tenant_id = 't1' AND key = 'lb'`, version).Scan(&overCap, &poolCap, &poolUsed, &poolCurrent, &slotCaps); err != nil {
			t.Fatal(err)
		}
		if overCap > 0 {
			t.Fatalf("call %d: %d namespace rows use more than their cap", i, overCap)
		}
		if poolCurrent && (poolCap != slotCaps || poolUsed+poolCap > tMax) {
			t.Fatalf("call %d: pool cap %d (namespaces' caps %d), pool used %d, limit %d", i, poolCap, slotCaps, poolUsed, tMax)
		}
	}

	// Concurrent: 64 clients over 16 namespaces, 5 reservations of 1 each,
	// against a limit with room for fewer.
	tMax = total + 100
	var admitted atomic.Int64
	var wg sync.WaitGroup
	for c := 0; c < 64; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for j := 0; j < 5; j++ {
				ok, _, err := escrowTry(ctx, db, "quota_reserve_slots", string(rune('g'+c%16)), 1, 1000, tMax)
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					admitted.Add(1)
				}
			}
		}(c)
	}
	wg.Wait()
	if admitted.Load() != 100 || tenantUsed(ctx, t, db) != tMax {
		t.Fatalf("admitted %d with room for 100; tenant-wide usage %d, limit %d", admitted.Load(), tenantUsed(ctx, t, db), tMax)
	}
}

// TestNamespaceEscrowMigrationCarriesForward: the tenant-wide shards the
// previous release wrote (caps dealt out under limits version 0) become one
// pool row per key with their sum, which keeps binding; the rollback folds
// the namespaces' rows back into shard 0, where migration 19's function
// (the previous release's) goes on from the same sum.
func TestNamespaceEscrowMigrationCarriesForward(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := openThrough(ctx, t, store.Postgres, "20261126000020")
	db := st.SQL()
	for _, q := range []string{
		`INSERT INTO tenants (id, name, created_at) VALUES ('t1', 'acme', '2026-11-26T10:00:00Z')`,
		`INSERT INTO quota_counters (tenant_id, namespace, class, key, used) VALUES ('t1', 'a', 'objects', 'lb', 7), ('t1', 'b', 'objects', 'lb', 11)`,
		`INSERT INTO quota_tenant_counters (tenant_id, class, key, shard, used, cap, cap_version)
			SELECT 't1', 'objects', 'lb', g, CASE g WHEN 3 THEN 7 WHEN 12 THEN 11 ELSE 0 END, 1, 0 FROM generate_series(0, 31) g`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if applied, err := store.MigrateThrough(ctx, st, "20261126000021"); err != nil || len(applied) != 1 {
		t.Fatalf("applied %v (%v), want migration 21", applied, err)
	}
	var rows int
	var used, capv, ver int64
	if err := db.QueryRowContext(ctx, `SELECT count(*), max(used), max(cap), max(cap_version) FROM quota_tenant_counters WHERE slot = ''`).Scan(&rows, &used, &capv, &ver); err != nil {
		t.Fatal(err)
	}
	if rows != 1 || used != 18 || capv != 0 || ver != -1 {
		t.Fatalf("%d pool rows, used %d, cap %d, version %d; want one with the shards' 18, cap 0, version -1", rows, used, capv, ver)
	}
	want := func(fn, ns string, a int64, ok bool, at int64) {
		t.Helper()
		if applied, refusedAt := escrowCall(ctx, t, db, fn, ns, a, 100, 20); applied != ok || (!ok && refusedAt != at) {
			t.Fatalf("%s %d in %s: applied=%v refused at %d; want applied=%v (at %d)", fn, a, ns, applied, refusedAt, ok, at)
		}
	}
	want("quota_reserve_slots", "c", 3, false, 18)
	want("quota_reserve_slots", "c", 2, true, 0)
	want("quota_reserve_slots", "a", 1, false, 20)
	want("quota_reserve_slots", "b", -5, true, 0) // from the pool: b has no row of its own
	want("quota_reserve_slots", "a", 4, true, 0)

	if down, err := store.RollbackLast(ctx, st); err != nil || len(down) != 1 {
		t.Fatalf("rolled back %v: %v", down, err)
	}
	if err := db.QueryRowContext(ctx, `SELECT count(*), sum(used) FROM quota_tenant_counters WHERE shard = 0`).Scan(&rows, &used); err != nil {
		t.Fatal(err)
	}
	if rows != 1 || used != 19 {
		t.Fatalf("%d rows in shard 0 with %d; want one with 19", rows, used)
	}
	want("quota_reserve", "d", 2, false, 19)
	want("quota_reserve", "d", 1, true, 0)
	want("quota_reserve", "e", 1, false, 20)
}
