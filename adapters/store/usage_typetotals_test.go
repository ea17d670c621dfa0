package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/adapters/store/storetest"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/domain/usage"
	"github.com/shopspring/decimal"
)

// TestUsageTypeTotalsMatchRollups: the per usage type sums that priced
// reports read (usage_type_hourly on PostgreSQL) equal the sums of the
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
			for _, r := range [][2]time.Duration{{-time.Hour, 4 * time.Hour}, {time.Hour, 2 * time.Hour}, {0, time.Hour}, {5 * time.Hour, 6 * time.Hour}} {
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
				byNS, err := repo.NamespaceTypeTotals(ctx, tid, nss, from, to)
				if err != nil {
					t.Fatal(err)
				}
				hours, err := repo.TypeHours(ctx, tid, nss, from, to, false)
				if err != nil {
					t.Fatal(err)
				}
				nsHours, err := repo.TypeHours(ctx, tid, nss, from, to, true)
				if err != nil {
					t.Fatal(err)
				}
				objs, err := repo.ObjectTotals(ctx, tid, nss, from, to)
				if err != nil {
					t.Fatal(err)
				}
				perObject := func(rs []usage.Rollup) string {
					m := map[string]decimal.Decimal{}
					for _, r := range rs {
						k := r.Namespace + "/" + r.UsageType + "/" + r.ObjectName + "/" + r.UnitName
						m[k] = m[k].Add(r.Quantity)
					}
					return fmt.Sprint(m)
				}
				if a, b := perObject(rows), perObject(objs); a != b {
					t.Fatalf("namespaces %v [%s, %s): rollups per object %s, object totals %s", nss, r[0], r[1], a, b)
				}
				if a, b, c, d := sums(rows), sums(byNS), sums(hours), sums(nsHours); a != b || a != c || a != d {
					t.Fatalf("namespaces %v [%s, %s): rollups %s, per namespace %s, per hour %s, per namespace and hour %s", nss, r[0], r[1], a, b, c, d)
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
					if a, b, c := sums(of(rows)), sums(of(byNS)), sums(of(nsHours)); a != b || a != c {
						t.Fatalf("namespace %s [%s, %s): rollups %s, per namespace %s, per namespace and hour %s", ns, r[0], r[1], a, b, c)
					}
				}
			}
		}
	})
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
