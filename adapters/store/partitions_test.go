package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/adapters/store/storetest"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/usage"
	"github.com/shopspring/decimal"
)

// openPG returns a fresh migrated PostgreSQL database on clock clk.
func openPG(t *testing.T, clk kernel.Clock) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), storetest.URL(t, store.Postgres), store.Options{MaxOpenConns: 16, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func pev(id, obj, qty string, ts time.Time) usage.Event {
	return usage.Event{ID: id, Namespace: "ns", UsageType: "http_requests", ObjectName: obj, UnitName: "request",
		Quantity: decimal.RequireFromString(qty), Timestamp: ts}
}

// count runs a count(*) statement.
func count(t *testing.T, db *store.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func total(t *testing.T, repo *store.UsageRepo, tenant string, from, to time.Time) string {
	t.Helper()
	rows, err := repo.Rollups(context.Background(), tenant, nil, from, to)
	if err != nil {
		t.Fatal(err)
	}
	sum := decimal.Zero
	for _, r := range rows {
		sum = sum.Add(r.Quantity)
	}
	return sum.String()
}

// insertEvents stores evs for tenant in one transaction.
func insertEvents(t *testing.T, db *store.DB, repo *store.UsageRepo, tenant string, evs ...usage.Event) []usage.Outcome {
	t.Helper()
	var out []usage.Outcome
	if err := db.InTx(context.Background(), func(ctx context.Context) error {
		var err error
		out, err = repo.InsertEvents(ctx, tenant, evs)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// An event id is unique per tenant across months: the same id with another
// timestamp (so another partition) is a conflict, the same content a
// duplicate, and concurrent batches spanning two partitions store each id
// once.
func TestEventPartitionsDedupAcrossMonths(t *testing.T) {
	t.Parallel()
	db := openPG(t, kernel.NewFixedClock(time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)))
	repo := store.NewUsageRepo(db)
	ctx := context.Background()
	jan := time.Date(2026, 1, 31, 23, 59, 59, 999999000, time.UTC)
	feb := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	if got := insertEvents(t, db, repo, "t1", pev("a", "o", "1", jan), pev("b", "o", "2", feb)); !slices.Equal(got, []usage.Outcome{usage.Accepted, usage.Accepted}) {
		t.Fatalf("first batch: %v", got)
	}
	got := insertEvents(t, db, repo, "t1", pev("a", "o", "1", jan), pev("a2", "o", "4", jan))
	if !slices.Equal(got, []usage.Outcome{usage.Duplicate, usage.Accepted}) {
		t.Fatalf("retry of a: %v", got)
	}
	// a and b again, each moved to the other month: other content, and the
	// other partition holds no row of them, yet both are conflicts.
	if got := insertEvents(t, db, repo, "t1", pev("a", "o", "1", feb), pev("b", "o", "2", jan)); !slices.Equal(got, []usage.Outcome{usage.Conflict, usage.Conflict}) {
		t.Fatalf("ids moved across the partition boundary: %v", got)
	}
	// Another tenant may use the same ids.
	if got := insertEvents(t, db, repo, "t2", pev("a", "o", "1", feb)); !slices.Equal(got, []usage.Outcome{usage.Accepted}) {
		t.Fatalf("other tenant: %v", got)
	}
	if n := count(t, db, `SELECT count(*) FROM usage_events_202601 WHERE tenant_id = 't1'`); n != 2 {
		t.Fatalf("January partition holds %d events of t1, want 2 (a, a2)", n)
	}
	if n := count(t, db, `SELECT count(*) FROM usage_events_202602 WHERE tenant_id = 't1'`); n != 1 {
		t.Fatalf("February partition holds %d events of t1, want 1 (b)", n)
	}
	if s := total(t, repo, "t1", jan.Add(-time.Hour), feb.Add(time.Hour)); s != "7" {
		t.Fatalf("rollups of t1 sum to %s, want 7", s)
	}

	// Concurrent batches, each holding the same 200 ids half in March and
	// half in April (partitions created by the first of them): every id
	// is accepted exactly once.
	var wg sync.WaitGroup
	outs := make([][]usage.Outcome, 6)
	errs := make([]error, len(outs))
	for w := range outs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var evs []usage.Event
			for i := range 200 {
				ts := time.Date(2026, 3, 31, 23, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
				evs = append(evs, pev(fmt.Sprintf("c%03d", i), "o", "1", ts))
			}
			errs[w] = db.InTx(ctx, func(ctx context.Context) error {
				var err error
				outs[w], err = repo.InsertEvents(ctx, "t3", evs)
				return err
			})
		}()
	}
	wg.Wait()
	accepted := 0
	for w, out := range outs {
		if errs[w] != nil {
			t.Fatalf("batch %d: %v", w, errs[w])
		}
		for _, o := range out {
			if o == usage.Accepted {
				accepted++
			} else if o != usage.Duplicate {
				t.Fatalf("batch %d: outcome %v", w, o)
			}
		}
	}
	if accepted != 200 {
		t.Fatalf("%d accepted over all batches, want 200", accepted)
	}
	if n := count(t, db, `SELECT count(*) FROM usage_events WHERE tenant_id = 't3'`); n != 200 {
		t.Fatalf("%d events of t3 stored, want 200", n)
	}
	if n := count(t, db, `SELECT count(*) FROM usage_events_202603 WHERE tenant_id = 't3'`); n != 60 {
		t.Fatalf("%d events of t3 in March, want 60", n)
	}
}

// Retention drops a month's partition only once it is old enough and every
// tenant with usage in it has its invoice; rollups stay; the ids stay until
// no event of the month can be accepted, so dedup holds after the drop.
func TestEventRetention(t *testing.T) {
	t.Parallel()
	clk := kernel.NewFixedClock(time.Date(2026, 6, 10, 0, 0, 0, 0, time.UTC))
	db := openPG(t, clk)
	repo := store.NewUsageRepo(db)
	ctx := context.Background()
	jan := time.Date(2026, 1, 10, 5, 0, 0, 0, time.UTC)
	feb := time.Date(2026, 2, 10, 5, 0, 0, 0, time.UTC)
	insertEvents(t, db, repo, "ta", pev("j1", "o", "1", jan), pev("f1", "o", "10", feb))
	insertEvents(t, db, repo, "tb", pev("j1", "o", "100", jan))
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.SQL().Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, tn := range []string{"ta", "tb"} {
		exec(`INSERT INTO tenants (id, name, created_at) VALUES ($1, $1, $2)`, tn, jan)
	}
	invoice := func(tenant string, n int, month time.Time) {
		exec(`INSERT INTO invoices (tenant_id, name, number, period_start, period_end, status, currency, plan_name, tenant_name, amount_cents, issued_at, due_at)
			VALUES ($1, $2, $3, $4, $5, 'STATUS_ISSUED', 'USD', 'free', $1, 0, $5, $5)`, tenant, fmt.Sprintf("inv-%d", n), n, month, month.AddDate(0, 1, 0))
	}
	invoice("ta", 1, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	invoice("tb", 1, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	// February: ta has usage and no invoice yet.

	res, err := db.MaintainEvents(ctx, 60*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Dropped, []string{"usage_events_202601"}) || !slices.Equal(res.Kept, []string{"usage_events_202602"}) || res.ForgottenIDs != 0 {
		t.Fatalf("first pass: %+v", res)
	}
	for _, m := range []string{"202605", "202606", "202607", "202608"} {
		if n := count(t, db, `SELECT count(*) FROM pg_class WHERE relname = $1`, "usage_events_"+m); n != 1 {
			t.Fatalf("partition %s not created ahead: %+v", m, res)
		}
	}
	if n := count(t, db, `SELECT count(*) FROM usage_events`); n != 1 {
		t.Fatalf("%d events left, want February's 1", n)
	}
	if s := total(t, repo, "tb", jan.AddDate(0, 0, -9), jan.AddDate(0, 0, 21)); s != "100" {
		t.Fatalf("tb's January rollups sum to %s after the drop, want 100", s)
	}
	// A retry of a dropped month's event is still a duplicate: the rollups
	// do not count it twice (the partition comes back, empty).
	if got := insertEvents(t, db, repo, "tb", pev("j1", "o", "100", jan)); !slices.Equal(got, []usage.Outcome{usage.Duplicate}) {
		t.Fatalf("retry after the drop: %v", got)
	}
	if s := total(t, repo, "tb", jan.AddDate(0, 0, -9), jan.AddDate(0, 0, 21)); s != "100" {
		t.Fatalf("tb's January rollups sum to %s after the retry, want 100", s)
	}

	// Just before January ended 400 days ago (the longest late-arrival
	// window) its ids are kept; after, they are forgotten.
	clk.Advance(time.Date(2027, 3, 7, 0, 0, 0, 0, time.UTC).Sub(clk.Now()))
	if res, err = db.MaintainEvents(ctx, 60*24*time.Hour); err != nil || res.ForgottenIDs != 0 {
		t.Fatalf("before 400 days: %+v %v", res, err)
	}
	if n := count(t, db, `SELECT count(*) FROM usage_event_ids WHERE ts < '2026-02-01'`); n != 2 {
		t.Fatalf("%d January ids kept, want 2", n)
	}
	clk.Advance(4 * 24 * time.Hour)
	if res, err = db.MaintainEvents(ctx, 60*24*time.Hour); err != nil || res.ForgottenIDs != 2 {
		t.Fatalf("after 400 days: %+v %v", res, err)
	}
	if n := count(t, db, `SELECT count(*) FROM usage_event_ids`); n != 1 {
		t.Fatalf("%d ids left, want February's 1", n)
	}
	if !slices.Contains(res.Kept, "usage_events_202602") {
		t.Fatalf("February (not invoiced) must stay: %+v", res)
	}
}

// The migration carries the events of the previous release forward: every
// row lands in its month's partition and its id in usage_event_ids, and
// ingestion goes on exactly once from there.
func TestEventsMigrationCarriesForward(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := store.Open(ctx, storetest.EmptyURL(t, store.Postgres), store.Options{Clock: kernel.NewFixedClock(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC))})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := store.MigrateThrough(ctx, db, "20261126000016"); err != nil {
		t.Fatal(err)
	}
	// As the previous release stored them (the rollups do not matter here).
	kept := pev("kept", "o", "3", time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC))
	if _, err := db.SQL().Exec(`INSERT INTO usage_events (tenant_id, event_id, namespace, usage_type, object_name, quantity, unit_name, ts, content_hash, received_at)
		VALUES ('tm', 'kept', 'ns', 'http_requests', 'o', 3, 'request', $1, $2, now())`, kept.Timestamp, kept.ContentHash()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().Exec(`INSERT INTO usage_events (tenant_id, event_id, namespace, usage_type, object_name, quantity, unit_name, ts, content_hash, received_at)
		SELECT 'tm', 'e' || g, 'ns', 'http_requests', 'o', 1, 'request', timestamptz '2025-12-31 12:00:00+00' + g * interval '1 hour', 'h' || g, now()
		FROM generate_series(0, 999) g`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, `SELECT count(*) FROM usage_events`); n != 1001 {
		t.Fatalf("%d events after the migration, want 1001", n)
	}
	if n := count(t, db, `SELECT count(*) FROM usage_event_ids`); n != 1001 {
		t.Fatalf("%d ids after the migration, want 1001", n)
	}
	for m, want := range map[string]int{"202512": 12, "202601": 745, "202602": 244} {
		if n := count(t, db, `SELECT count(*) FROM usage_events_`+m); n != want {
			t.Fatalf("partition %s holds %d events, want %d", m, n, want)
		}
	}
	if n := count(t, db, `SELECT count(*) FROM pg_inherits WHERE inhparent = 'usage_events'::regclass`); n < 3 {
		t.Fatalf("%d partitions", n)
	}
	// A stored id keeps its stored content: same content a duplicate
	// (the hash is the stored one), other content a conflict.
	repo := store.NewUsageRepo(db)
	var out []usage.Outcome
	if err := db.InTx(ctx, func(ctx context.Context) error {
		e := pev("e5", "o", "1", time.Date(2025, 12, 31, 17, 0, 0, 0, time.UTC))
		out, err = repo.InsertEvents(ctx, "tm", []usage.Event{e, kept, pev("new", "o", "1", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(out, []usage.Outcome{usage.Conflict, usage.Duplicate, usage.Accepted}) {
		t.Fatalf("after the migration: %v (the stored hash of e5 is h5, not this content's)", out)
	}
}
