package store_test

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/adapters/store/storetest"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/domain/usage"
	"github.com/shopspring/decimal"
)

// TestUsageTypeTotalsMatchRollups: the per usage type sums that priced
// reports read (usage_type_hourly, and usage_type_daily for whole days on
// PostgreSQL) equal the sums of the
// hourly rollups, for every range and namespace filter, after concurrent
// overlapping batches.
func TestUsageTypeTotalsMatchRollups(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		us, repo := newUsage(t, f)
		acme := f.as(t, "acme", tenancy.RoleAdmin, "")
		tid := principal(t, acme).TenantID
		types := []string{"http_requests", "data_transfer", "vcpu_hours", "waap_requests"}
		var all []usage.Event
		for i := 0; i < 1200; i++ {
			all = append(all, ev(fmt.Sprintf("tt-%04d", i), types[i%4], fmt.Sprintf("obj-%d", i%13), fmt.Sprintf("%d.%03d", i%9, i), i%170))
		}
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for b := 0; b < 4; b++ {
					lo := (w*150 + b*300) % len(all)
					batch := append([]usage.Event(nil), all[lo:min(lo+300, len(all))]...)
					if _, err := us.Ingest(acme, tenancy.FromContext(acme), []string{"prod", "dev"}[w%2], batch); err != nil {
						t.Error(err)
					}
				}
			}(w)
		}
		wg.Wait()
		ctx := context.Background()
		for _, nss := range [][]string{nil, {"prod"}, {"dev"}, {"prod", "dev"}, {"none"}, {}} {
			for _, r := range [][2]time.Duration{{-time.Hour, 4 * time.Hour}, {time.Hour, 2 * time.Hour}, {0, time.Hour}, {5 * time.Hour, 6 * time.Hour},
				// Whole UTC days and partial ones around them (t0 is 10:00;
				// PostgreSQL reads whole days from usage_type_daily).
				{-10 * time.Hour, 170 * time.Hour}, {3 * time.Hour, 75 * time.Hour}, {14 * time.Hour, 62 * time.Hour}, {20 * time.Hour, 30 * time.Hour}} {
				from, to := t0.Add(r[0]), t0.Add(r[1])
				rows, err := repo.Rollups(ctx, tid, nss, from, to)
				if err != nil {
					t.Fatal(err)
				}
				totals, err := repo.TypeTotals(ctx, tid, nss, from, to)
				if err != nil {
					t.Fatal(err)
				}
				if nss == nil && r[0] < 0 && len(rows) < 13*4 {
					t.Fatalf("the whole range has only %d rollups", len(rows))
				}
				if a, b := sums(rows), sums(totals); a != b {
					t.Fatalf("namespaces %v [%s, %s): rollups %s, type totals %s", nss, r[0], r[1], a, b)
				}
				// The per-namespace and per-hour sums of the console's
				// reports (cost per namespace, series) agree too, per
				// namespace and per hour.
				hours, err := repo.TypeHours(ctx, tid, nss, from, to, false)
				if err != nil {
					t.Fatal(err)
				}
				nsHours, err := repo.TypeHours(ctx, tid, nss, from, to, true)
				if err != nil {
					t.Fatal(err)
				}
				objs, err := repo.ObjectTotals(ctx, tid, nss, []usage.Window{{From: from, To: to}})
				if err != nil || len(objs) != 1 {
					t.Fatalf("object totals: %d answers (%v)", len(objs), err)
				}
				if a, b := perObject(rows), perObject(objs[0]); a != b {
					t.Fatalf("namespaces %v [%s, %s): rollups per object %s, object totals %s", nss, r[0], r[1], a, b)
				}
				nsTotals, err := repo.NamespaceTotals(ctx, tid, nss, []usage.Window{{From: from, To: to}})
				if err != nil || len(nsTotals) != 1 {
					t.Fatalf("namespace totals: %d answers (%v)", len(nsTotals), err)
				}
				if a, b := perNamespace(rows), perNamespace(nsTotals[0]); a != b {
					t.Fatalf("namespaces %v [%s, %s): rollups per namespace %s, namespace totals %s", nss, r[0], r[1], a, b)
				}
				if a, c, d := sums(rows), sums(hours), sums(nsHours); a != c || a != d {
					t.Fatalf("namespaces %v [%s, %s): rollups %s, per hour %s, per namespace and hour %s", nss, r[0], r[1], a, c, d)
				}
				for _, ns := range []string{"prod", "dev"} {
					of := func(rs []usage.Rollup) []usage.Rollup {
						var out []usage.Rollup
						for _, r := range rs {
							if r.Namespace == ns {
								out = append(out, r)
							}
						}
						return out
					}
					if a, c := sums(of(rows)), sums(of(nsHours)); a != c {
						t.Fatalf("namespace %s [%s, %s): rollups %s, per namespace and hour %s", ns, r[0], r[1], a, c)
					}
				}
			}
		}
		// Pricing reads every span of a statement at once: each range's
		// sums equal its rollups' sums, whole days and edge hours alike.
		var ranges []usage.Window
		for _, r := range [][2]time.Duration{{-10 * time.Hour, 170 * time.Hour}, {0, time.Hour}, {3 * time.Hour, 75 * time.Hour},
			{14 * time.Hour, 62 * time.Hour}, {20 * time.Hour, 30 * time.Hour}, {14 * time.Hour, 38 * time.Hour}, {200 * time.Hour, 300 * time.Hour}, {0, time.Hour}} {
			ranges = append(ranges, usage.Window{From: t0.Add(r[0]), To: t0.Add(r[1])})
		}
		totals, err := repo.RangeTotals(ctx, tid, ranges)
		if err != nil || len(totals) != len(ranges) {
			t.Fatalf("range totals: %d answers for %d ranges (%v)", len(totals), len(ranges), err)
		}
		if len(totals[0]) != 4 {
			t.Fatalf("the whole range sums to %d rows, want one per usage type: %v", len(totals[0]), totals[0])
		}
		// The usage per object and the namespaces' sums of many ranges (a
		// console's aliases, a series' buckets) are one read each too,
		// range by range equal to the rollups, as the tenant's are.
		for _, nss := range [][]string{nil, {"prod"}, {"dev", "none"}} {
			objs, err := repo.ObjectTotals(ctx, tid, nss, ranges)
			if err != nil || len(objs) != len(ranges) {
				t.Fatalf("object totals: %d answers for %d ranges (%v)", len(objs), len(ranges), err)
			}
			nsTotals, err := repo.NamespaceTotals(ctx, tid, nss, ranges)
			if err != nil || len(nsTotals) != len(ranges) {
				t.Fatalf("namespace totals: %d answers for %d ranges (%v)", len(nsTotals), len(ranges), err)
			}
			for i, r := range ranges {
				rows, err := repo.Rollups(ctx, tid, nss, r.From, r.To)
				if err != nil {
					t.Fatal(err)
				}
				if a, b := perObject(rows), perObject(objs[i]); a != b {
					t.Fatalf("namespaces %v range %d [%s, %s): rollups per object %s, object totals %s", nss, i, r.From, r.To, a, b)
				}
				if a, b := perNamespace(rows), perNamespace(nsTotals[i]); a != b {
					t.Fatalf("namespaces %v range %d [%s, %s): rollups per namespace %s, namespace totals %s", nss, i, r.From, r.To, a, b)
				}
				if a, b := sums(rows), sums(totals[i]); nss == nil && a != b {
					t.Fatalf("range %d [%s, %s): rollups %s, range totals %s", i, r.From, r.To, a, b)
				}
			}
		}
		// A namespace's cost prices the tenant's ranges, then reads every
		// namespace's sums of the same ranges: in a request that says so,
		// both answers come from one read (one statement on PostgreSQL),
		// row for row what the two reads answer.
		nsTotals, err := repo.NamespaceTotals(ctx, tid, nil, ranges)
		if err != nil {
			t.Fatal(err)
		}
		shared := usage.WithNamespaceShares(kernel.WithMemo(ctx))
		before := db.Queries()
		sharedTotals, err := repo.RangeTotals(shared, tid, ranges)
		if err != nil {
			t.Fatal(err)
		}
		sharedNs, err := repo.NamespaceTotals(shared, tid, nil, ranges)
		if err != nil {
			t.Fatal(err)
		}
		want := int64(1)
		if db.Dialect() == store.SQLite {
			want = 2 // no GROUPING SETS: two statements, in process
		}
		if n := db.Queries() - before; n != want {
			t.Errorf("range totals and namespace totals with shares: %d statements, want %d", n, want)
		}
		if !reflect.DeepEqual(sharedTotals, totals) {
			t.Errorf("range totals read with the shares differ:\n%v\nalone:\n%v", sharedTotals, totals)
		}
		if !reflect.DeepEqual(sharedNs, nsTotals) {
			t.Errorf("namespace totals read with the range totals differ:\n%v\nalone:\n%v", sharedNs, nsTotals)
		}
	})
}

// perObject renders the sums of rows per namespace, usage type, object and
// unit name.
func perObject(rs []usage.Rollup) string {
	m := map[string]decimal.Decimal{}
	for _, r := range rs {
		k := r.Namespace + "/" + r.UsageType + "/" + r.ObjectName + "/" + r.UnitName
		m[k] = m[k].Add(r.Quantity)
	}
	return fmt.Sprint(m)
}

// perNamespace renders the sums of rows per namespace, usage type and unit
// name.
func perNamespace(rs []usage.Rollup) string {
	m := map[string]decimal.Decimal{}
	for _, r := range rs {
		k := r.Namespace + "/" + r.UsageType + "/" + r.UnitName
		m[k] = m[k].Add(r.Quantity)
	}
	return fmt.Sprint(m)
}

// sums renders the per usage type sums and first unit names of rows.
func sums(rows []usage.Rollup) string {
	type s struct {
		unit string
		q    decimal.Decimal
	}
	m := map[string]*s{}
	for _, r := range rows {
		if m[r.UsageType] == nil {
			m[r.UsageType] = &s{unit: r.UnitName}
		}
		m[r.UsageType].q = m[r.UsageType].q.Add(r.Quantity)
	}
	out := ""
	for _, ut := range []string{"data_transfer", "http_requests", "vcpu_hours", "waap_requests"} {
		if x := m[ut]; x != nil {
			out += fmt.Sprintf("%s=%s %s; ", ut, x.q, x.unit)
		}
	}
	return out
}

// TestIngestStatements: a batch of new events in months already seen costs
// the same three statements on both databases (the events with their dedup,
// usage_hourly, usage_type_hourly), however many events and keys it has.
func TestIngestStatements(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		_, repo := newUsage(t, f)
		tid := principal(t, f.as(t, "acme", tenancy.RoleAdmin, "")).TenantID
		ctx := context.Background()
		batch := func(prefix string, n int) []usage.Event {
			var evs []usage.Event
			for i := range n {
				e := ev(fmt.Sprintf("%s-%d", prefix, i), []string{"http_requests", "vcpu_hours"}[i%2], fmt.Sprintf("obj-%d", i%5), "1.5", i%170)
				e.Namespace = "prod"
				evs = append(evs, e)
			}
			return evs
		}
		ingest := func(evs []usage.Event) int64 {
			t.Helper()
			var n int64
			if err := db.InTx(ctx, func(ctx context.Context) error {
				before := db.Queries()
				out, err := repo.InsertEvents(ctx, tid, evs)
				n = db.Queries() - before
				for i, o := range out {
					if o != usage.Accepted {
						t.Errorf("event %d: %v", i, o)
					}
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return n
		}
		ingest(batch("warm", 3)) // PostgreSQL: the month's partition is checked once
		for _, n := range []int{1, 40, 400} {
			if got := ingest(batch(fmt.Sprintf("b%d", n), n)); got != 3 {
				t.Fatalf("a batch of %d new events ran %d statements, want 3", n, got)
			}
		}
	})
}
