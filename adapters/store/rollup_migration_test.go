package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/adapters/store/storetest"
	"github.com/billingd/billingd/domain/usage"
	"github.com/shopspring/decimal"
)

// TestSQLiteRollupMigrationsCarryForward: a SQLite database of the release
// before migrations 09, 11 and 12 existed there (hourly rollups only) gets
// usage_type_hourly backfilled with exact decimal sums, its rollups become
// shard 0, and reports and ingestion then read and keep both tables as on
// PostgreSQL.
func TestSQLiteRollupMigrationsCarryForward(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := store.Open(ctx, storetest.EmptyURL(t, store.SQLite), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	added := []string{"20261126000009", "20261126000011", "20261126000012"}
	if _, err := store.MigrateWhere(ctx, db, func(name string) bool { return !slices.Contains(added, name) }); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().ExecContext(ctx, `INSERT INTO tenants (id, name, created_at) VALUES ('t1', 'acme', ?)`, bunTime(t0)); err != nil {
		t.Fatal(err)
	}
	// What the previous release wrote: one row per key, the decimal's text.
	// 99999999999.999999999999 + 0.000000000001 is exact only in decimals.
	h := t0.Truncate(time.Hour)
	for _, r := range []struct {
		ns, ut, obj, unit, q string
		hour                 time.Time
		events               int
	}{
		{"shop", "http_requests", "lb-1", "request", "99999999999.999999999999", h, 3},
		{"shop", "http_requests", "lb-2", "request", "0.000000000001", h, 1},
		{"blog", "http_requests", "lb-3", "request", "0.1", h, 1},
		{"blog", "http_requests", "lb-3", "request", "0.2", h.Add(time.Hour), 2},
		{"shop", "vcpu_hours", "vm-1", "hour", "3.5", h.Add(time.Hour), 1},
	} {
		if _, err := db.SQL().ExecContext(ctx, `INSERT INTO usage_hourly (tenant_id, namespace, usage_type, object_name, deployment, container, hour, unit_name, quantity, events)
			VALUES ('t1', ?, ?, ?, '', '', ?, ?, ?, ?)`, r.ns, r.ut, r.obj, bunTime(r.hour), r.unit, r.q, r.events); err != nil {
			t.Fatal(err)
		}
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != len(added) {
		t.Fatalf("applied %v, want the three added migrations", applied)
	}
	repo := store.NewUsageRepo(db)
	check := func(want map[string]string) {
		t.Helper()
		totals, err := repo.TypeTotals(ctx, "t1", nil, h, h.Add(2*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, tt := range totals {
			got[tt.UsageType] = tt.Quantity.String()
		}
		if len(got) != len(want) {
			t.Fatalf("type totals %v, want %v", got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Fatalf("type totals %v, want %v", got, want)
			}
		}
	}
	check(map[string]string{"http_requests": "100000000000.3", "vcpu_hours": "3.5"})
	var rows, shards int
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*), count(DISTINCT shard) FROM usage_type_hourly`).Scan(&rows, &shards); err != nil || rows != 4 || shards != 1 {
		t.Fatalf("usage_type_hourly has %d rows in %d shards (%v), want 4 in shard 0", rows, shards, err)
	}
	// Ingestion adds to the migrated rows of both tables.
	if _, err := repo.InsertEvents(ctx, "t1", []usage.Event{{ID: "e1", Namespace: "shop", UsageType: "http_requests", ObjectName: "lb-2",
		UnitName: "request", Quantity: decimal.RequireFromString("0.000000000001"), Timestamp: h.Add(time.Minute)}}); err != nil {
		t.Fatal(err)
	}
	check(map[string]string{"http_requests": "100000000000.300000000001", "vcpu_hours": "3.5"})
	rolls, err := repo.Rollups(ctx, "t1", []string{"shop"}, h, h.Add(time.Hour))
	if err != nil || len(rolls) != 2 || rolls[1].Quantity.String() != "0.000000000002" || rolls[1].Events != 2 {
		t.Fatalf("rollups after ingestion: %+v %v", rolls, err)
	}

	// Down again: the previous release's tables, with every hourly sum.
	down, err := store.RollbackLast(ctx, db)
	if err != nil || len(down) != len(added) {
		t.Fatalf("rolled back %v: %v", down, err)
	}
	var n int
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE name IN ('usage_type_hourly', 'quota_locks')`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d of the added tables left after the rollback (%v)", n, err)
	}
	var q string
	if err := db.SQL().QueryRowContext(ctx, `SELECT quantity FROM usage_hourly WHERE object_name = 'lb-2'`).Scan(&q); err != nil || q != "0.000000000002" {
		t.Fatalf("lb-2 after the rollback: %q %v", q, err)
	}
}

// bunTime is a time as bun writes it into SQLite (text that sorts in time
// order), for rows a test writes with database/sql directly.
func bunTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.999999-07:00") }
