package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/domain/usage"
	"github.com/shopspring/decimal"
)

// TestObjectDailyMigrationCarriesForward: a PostgreSQL database the release
// before migration 20 wrote (hourly rollups in several shards, over several
// days, exact decimals) gets usage_object_daily backfilled, so the usage
// per object read from it equals the sums of the hourly rows for whole
// days, partial ones and both; ingestion then keeps both tables in step,
// and the rollback drops the table and keeps every hourly row.
func TestObjectDailyMigrationCarriesForward(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openThrough(ctx, t, store.Postgres, "20261126000019")
	if _, err := db.SQL().ExecContext(ctx, `INSERT INTO tenants (id, name, created_at) VALUES ('t1', 'acme', $1)`, t0); err != nil {
		t.Fatal(err)
	}
	// What the previous release wrote: rows of three days (t0 is 10:00) in
	// two shards, one of them beyond float precision.
	for i := 0; i < 60; i++ {
		q := fmt.Sprintf("%d.%03d", i%7, i)
		if i == 7 {
			q = "99999999999.999999999999"
		}
		if _, err := db.SQL().ExecContext(ctx, `INSERT INTO usage_hourly (tenant_id, namespace, usage_type, object_name, deployment, container, hour, unit_name, quantity, events, shard)
			VALUES ('t1', $1, 'http_requests', $2, $3, '', $4, 'request', $5::numeric, 1, $6)`,
			[]string{"shop", "blog"}[i%2], fmt.Sprintf("lb-%d", i%3), fmt.Sprintf("d-%d", i%2), t0.Add(time.Duration(i%55)*time.Hour), q, i%2); err != nil {
			t.Fatal(err)
		}
	}
	applied, err := store.MigrateThrough(ctx, db, "20261126000020")
	if err != nil || len(applied) != 1 {
		t.Fatalf("applied %v (%v), want migration 20", applied, err)
	}
	repo := store.NewUsageRepo(db)
	check := func(when string) {
		t.Helper()
		for _, r := range [][2]time.Duration{{-10 * time.Hour, 62 * time.Hour}, {-10 * time.Hour, 14 * time.Hour}, {3 * time.Hour, 50 * time.Hour}, {14 * time.Hour, 38 * time.Hour}, {0, time.Hour}} {
			from, to := t0.Add(r[0]), t0.Add(r[1])
			rows, err := repo.Rollups(ctx, "t1", nil, from, to)
			if err != nil {
				t.Fatal(err)
			}
			objs, err := repo.ObjectTotals(ctx, "t1", nil, []usage.Window{{From: from, To: to}})
			if err != nil || len(objs) != 1 {
				t.Fatalf("object totals: %d answers (%v)", len(objs), err)
			}
			if len(rows) == 0 || perObject(rows) != perObject(objs[0]) {
				t.Fatalf("%s [%s, %s): rollups per object %s, object totals %s", when, r[0], r[1], perObject(rows), perObject(objs[0]))
			}
		}
	}
	check("migrated")
	var days int
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(DISTINCT day) FROM usage_object_daily`).Scan(&days); err != nil || days != 3 {
		t.Fatalf("usage_object_daily covers %d days (%v), want 3", days, err)
	}
	// Today's code ingests through the functions of the later migrations
	// (22's usage_insert_events), so they come first, as one group.
	later, err := store.MigrateThrough(ctx, db, "99999999999999")
	if err != nil || len(later) == 0 {
		t.Fatalf("applied %v (%v), want the migrations after 20", later, err)
	}
	if _, err := repo.InsertEvents(ctx, "t1", []usage.Event{
		{ID: "e1", Namespace: "shop", UsageType: "http_requests", ObjectName: "lb-2", UnitName: "request", Quantity: decimal.RequireFromString("0.000000000001"), Timestamp: t0.Add(20 * time.Hour)},
		{ID: "e2", Namespace: "blog", UsageType: "http_requests", ObjectName: "lb-9", UnitName: "request", Quantity: decimal.RequireFromString("2"), Timestamp: t0.Add(30 * time.Hour)},
	}); err != nil {
		t.Fatal(err)
	}
	check("after ingestion")

	if down, err := store.RollbackLast(ctx, db); err != nil || len(down) != len(later) {
		t.Fatalf("rolled back %v: %v, want %v", down, err, later)
	}
	if down, err := store.RollbackLast(ctx, db); err != nil || len(down) != 1 {
		t.Fatalf("rolled back %v: %v", down, err)
	}
	var n int
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM usage_hourly`).Scan(&n); err != nil || n != 62 {
		t.Fatalf("%d hourly rows after the rollback (%v), want 62", n, err)
	}
}
