package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/domain/usage"
	"github.com/shopspring/decimal"
)

// TestIngestHotPathsMigrationCarriesForward: events the release before
// migration 22 stored (usage_event_ids and usage_events) are still known
// after it, so a retry of them is a duplicate or a conflict while the new
// events of the same batch are stored once; the rollup tables get their
// fillfactor, and the rollback takes both changes back.
func TestIngestHotPathsMigrationCarriesForward(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openThrough(ctx, t, store.Postgres, "20261126000021")
	sql := db.SQL()
	if _, err := sql.ExecContext(ctx, `INSERT INTO tenants (id, name, created_at) VALUES ('t1', 'acme', $1)`, t0); err != nil {
		t.Fatal(err)
	}
	ev := func(id, q string) usage.Event {
		return usage.Event{ID: id, Namespace: "shop", UsageType: "http_requests", ObjectName: "lb-1", UnitName: "request",
			Quantity: decimal.RequireFromString(q), Timestamp: t0.Add(time.Hour)}
	}
	// What the previous release stored for e1 and e2.
	if _, err := sql.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS usage_events_202611 PARTITION OF usage_events
		FOR VALUES FROM ('2026-11-01') TO ('2026-12-01')`); err != nil {
		t.Fatal(err)
	}
	for _, e := range []usage.Event{ev("e1", "1"), ev("e2", "2")} {
		if _, err := sql.ExecContext(ctx, `WITH ids AS (INSERT INTO usage_event_ids (tenant_id, event_id, content_hash, ts) VALUES ('t1', $1, $2, $3))
			INSERT INTO usage_events (tenant_id, event_id, namespace, usage_type, object_name, deployment, container, quantity, unit_name, ts, content_hash, received_at)
			VALUES ('t1', $1, 'shop', 'http_requests', 'lb-1', '', '', $4::numeric, 'request', $3, $2, $3)`,
			e.ID, e.ContentHash(), e.Timestamp, e.Quantity.String()); err != nil {
			t.Fatal(err)
		}
	}
	applied, err := store.MigrateThrough(ctx, db, "20261126000022")
	if err != nil || len(applied) != 1 {
		t.Fatalf("applied %v (%v), want migration 22", applied, err)
	}
	var ff int
	if err := sql.QueryRowContext(ctx, `SELECT count(*) FROM pg_class WHERE 'fillfactor=50' = ANY(reloptions)`).Scan(&ff); err != nil || ff != 4 {
		t.Fatalf("%d rollup tables with fillfactor 50 (%v), want 4", ff, err)
	}
	repo := store.NewUsageRepo(db)
	// The same e1 (a retry), e2 with other content, and e3 new: the batch
	// takes the fallback path, and only e3 is stored.
	out, err := repo.InsertEvents(ctx, "t1", []usage.Event{ev("e3", "3"), ev("e1", "1"), ev("e2", "20")})
	if err != nil {
		t.Fatal(err)
	}
	if want := []usage.Outcome{usage.Accepted, usage.Duplicate, usage.Conflict}; len(out) != 3 || out[0] != want[0] || out[1] != want[1] || out[2] != want[2] {
		t.Fatalf("outcomes %v, want %v", out, want)
	}
	// A batch of new events alone takes the plain insert.
	if out, err := repo.InsertEvents(ctx, "t1", []usage.Event{ev("e4", "4"), ev("e5", "5")}); err != nil || len(out) != 2 || out[0] != usage.Accepted || out[1] != usage.Accepted {
		t.Fatalf("outcomes %v (%v), want both accepted", out, err)
	}
	var events int
	var total string
	if err := sql.QueryRowContext(ctx, `SELECT count(*), sum(quantity)::text FROM usage_events`).Scan(&events, &total); err != nil || events != 5 || total != "15" {
		t.Fatalf("%d events summing to %s (%v), want 5 summing to 15", events, total, err)
	}

	if down, err := store.RollbackLast(ctx, db); err != nil || len(down) != 1 {
		t.Fatalf("rolled back %v: %v", down, err)
	}
	var fn int
	if err := sql.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM pg_proc WHERE proname = 'usage_insert_events')
		+ (SELECT count(*) FROM pg_class WHERE 'fillfactor=50' = ANY(reloptions))`).Scan(&fn); err != nil || fn != 0 {
		t.Fatalf("%d leftovers of migration 22 after the rollback (%v)", fn, err)
	}
	if err := sql.QueryRowContext(ctx, `SELECT count(*) FROM usage_event_ids`).Scan(&events); err != nil || events != 5 {
		t.Fatalf("%d event ids after the rollback (%v), want 5", events, err)
	}
}
