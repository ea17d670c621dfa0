package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/adapters/store/storetest"
	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/domain/usage"
	"github.com/shopspring/decimal"
)

func newUsage(t *testing.T, f *fixture) (*usage.Service, *store.UsageRepo) {
	t.Helper()
	// The events of these tests lie in the 3 hours after t0.
	f.clock.Advance(3 * time.Hour)
	return f.app(t).Usage, store.NewUsageRepo(f.db)
}

// ev is a valid event of the FREE plan's rate card at t0 + minutes.
func ev(id, usageType, obj, qty string, minutes int) usage.Event {
	units := map[string]string{"http_requests": "request", "data_transfer": "byte", "vcpu_hours": "hour", "waap_requests": "request"}
	return usage.Event{ID: id, UsageType: usageType, ObjectName: obj, Quantity: decimal.RequireFromString(qty),
		UnitName: units[usageType], Timestamp: t0.Add(time.Duration(minutes) * time.Minute)}
}

func mustIngest(t *testing.T, us *usage.Service, ctx context.Context, ns string, evs []usage.Event) usage.IngestResult {
	t.Helper()
	res, err := us.Ingest(ctx, tenancy.FromContext(ctx), ns, evs)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestUsageIngestContract(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		us, repo := newUsage(t, f)
		acme := f.as(t, "acme", tenancy.RoleEditor, "")
		acmeID := principal(t, acme).TenantID
		ctx := context.Background()

		// Exactly once under retries: the same batch three times.
		batch := []usage.Event{
			ev("e1", "http_requests", "lb-1", "100", 0),
			ev("e2", "http_requests", "lb-1", "0.000000000001", 5),
			ev("e3", "data_transfer", "lb-1", "123456789012.123456789012", 70),
		}
		for try := 0; try < 3; try++ {
			res := mustIngest(t, us, acme, "prod", batch)
			want := usage.IngestResult{Accepted: 3, Rejected: []usage.Rejection{}}
			if try > 0 {
				want = usage.IngestResult{Duplicates: 3, Rejected: []usage.Rejection{}}
			}
			if res.Accepted != want.Accepted || res.Duplicates != want.Duplicates || len(res.Rejected) != 0 {
				t.Fatalf("try %d: %+v, want %+v", try, res, want)
			}
		}
		rolls, err := repo.Rollups(ctx, acmeID, nil, t0.Add(-time.Hour), t0.Add(3*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(rolls) != 2 {
			t.Fatalf("rollups: %+v", rolls)
		}
		// Ordered by usage type: data_transfer first.
		if rolls[0].UsageType != "data_transfer" || !rolls[0].Hour.Equal(t0.Add(time.Hour)) || rolls[0].Quantity.String() != "123456789012.123456789012" || rolls[0].Events != 1 {
			t.Fatalf("data_transfer rollup: %+v", rolls[0])
		}
		if rolls[1].Quantity.String() != "100.000000000001" || rolls[1].Events != 2 || rolls[1].UnitName != "request" || rolls[1].Namespace != "prod" {
			t.Fatalf("http_requests rollup: %+v (%s)", rolls[1], rolls[1].Quantity)
		}

		// Conflict classification: stored ID with other content, and repeats
		// inside one batch (identical = duplicate, different = conflict).
		res := mustIngest(t, us, acme, "prod", []usage.Event{
			ev("e1", "http_requests", "lb-1", "101", 0), // conflict with stored
			ev("e4", "http_requests", "lb-1", "1", 0),   // new
			ev("e4", "http_requests", "lb-1", "1", 0),   // identical repeat
			ev("e4", "http_requests", "lb-1", "2", 0),   // conflicting repeat
			ev("e2", "http_requests", "lb-1", "0.000000000001", 5),
		})
		if res.Accepted != 1 || res.Duplicates != 2 || len(res.Rejected) != 2 ||
			res.Rejected[0] != (usage.Rejection{Index: 0, ID: "e1", Reason: usage.ReasonConflict}) ||
			res.Rejected[1] != (usage.Rejection{Index: 3, ID: "e4", Reason: usage.ReasonConflict}) {
			t.Fatalf("conflicts: %+v", res)
		}
		// A trailing-zero spelling is the same content, not a conflict.
		if res := mustIngest(t, us, acme, "prod", []usage.Event{ev("e1", "http_requests", "lb-1", "100.000", 0)}); res.Duplicates != 1 {
			t.Fatalf("100.000 vs 100: %+v", res)
		}

		// Validation: every reason, valid events kept.
		old := ev("old", "http_requests", "lb-1", "1", 0)
		old.Timestamp = t0.Add(-36 * 24 * time.Hour)
		future := ev("future", "http_requests", "lb-1", "1", 186)
		bad := []usage.Event{
			ev("", "http_requests", "lb-1", "1", 0),
			ev("u1", "gpu_hours", "lb-1", "1", 0),
			{ID: "u2", UsageType: "http_requests", ObjectName: "lb", UnitName: "byte", Quantity: decimal.NewFromInt(1), Timestamp: t0},
			ev("neg", "http_requests", "lb-1", "-1", 0),
			ev("prec", "http_requests", "lb-1", "0.0000000000001", 0),
			old, future,
			ev("noobj", "http_requests", "", "1", 0),
			ev("ok", "vcpu_hours", "site-1", "2.5", 0),
		}
		res = mustIngest(t, us, acme, "prod", bad)
		if res.Accepted != 1 || len(res.Rejected) != 8 {
			t.Fatalf("validation: %+v", res)
		}
		for i, want := range []string{"id is required", "unknown usage type", "does not match the rate card", "quantity must be >= 0",
			"more than 12 decimals", "older than the late-arrival window", "in the future", "object_name is required"} {
			if r := res.Rejected[i]; r.Index != i || !strings.Contains(r.Reason, want) {
				t.Fatalf("rejection %d: %+v, want %q", i, r, want)
			}
		}
		// The late window is per tenant and admin-only.
		wantKind(t, us.SetLateWindow(acme, tenancy.FromContext(acme), 40*24*time.Hour), errs.Forbidden)
		admin := f.as(t, "acme", tenancy.RoleAdmin, "")
		if err := us.SetLateWindow(admin, tenancy.FromContext(admin), 40*24*time.Hour); err != nil {
			t.Fatal(err)
		}
		if res := mustIngest(t, us, acme, "prod", []usage.Event{old}); res.Accepted != 1 {
			t.Fatalf("40-day window: %+v", res)
		}
		if d, err := repo.LateWindow(ctx, acmeID); err != nil || d != 40*24*time.Hour {
			t.Fatalf("late window %s %v", d, err)
		}
		// Viewers cannot ingest; batches are bounded.
		_, err = us.Ingest(f.as(t, "acme", tenancy.RoleViewer, ""), tenancy.FromContext(f.as(t, "acme", tenancy.RoleViewer, "")), "prod", batch)
		wantKind(t, err, errs.Forbidden)
		_, err = us.Ingest(acme, tenancy.FromContext(acme), "prod", make([]usage.Event, usage.MaxBatch+1))
		wantKind(t, err, errs.Invalid)

		// Tenant isolation: globex reuses acme's IDs freely and sees only its own.
		globex := f.as(t, "globex", tenancy.RoleAdmin, "")
		globexID := principal(t, globex).TenantID
		if res := mustIngest(t, us, globex, "prod", batch); res.Accepted != 3 {
			t.Fatalf("globex: %+v", res)
		}
		gr, err := repo.Rollups(ctx, globexID, nil, t0.Add(-time.Hour), t0.Add(3*time.Hour))
		if err != nil || len(gr) != 2 || gr[1].Quantity.String() != "100.000000000001" {
			t.Fatalf("globex rollups: %+v %v", gr, err)
		}

		// Filters: namespaces and hours.
		mustIngest(t, us, acme, "staging", []usage.Event{ev("s1", "http_requests", "lb-9", "7", 0)})
		only, err := repo.Rollups(ctx, acmeID, []string{"staging"}, t0, t0.Add(time.Hour))
		if err != nil || len(only) != 1 || only[0].ObjectName != "lb-9" {
			t.Fatalf("staging rollups: %+v %v", only, err)
		}
		if none, err := repo.Rollups(ctx, acmeID, nil, t0.Add(2*time.Hour), t0.Add(3*time.Hour)); err != nil || len(none) != 0 {
			t.Fatalf("empty hour range: %+v %v", none, err)
		}
		if none, err := repo.Rollups(ctx, acmeID, []string{}, t0, t0.Add(time.Hour)); err != nil || len(none) != 0 {
			t.Fatalf("no namespaces: %+v %v", none, err)
		}
		// Months: the 36-day-old event is in October, the rest in November.
		months, err := repo.Months(ctx, acmeID, []string{"prod"})
		if err != nil {
			t.Fatal(err)
		}
		oct := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
		nov := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		want := []struct {
			m   time.Time
			typ string
			q   string
		}{{oct, "http_requests", "1"}, {nov, "data_transfer", "123456789012.123456789012"}, {nov, "http_requests", "101.000000000001"}, {nov, "vcpu_hours", "2.5"}}
		if len(months) != len(want) {
			t.Fatalf("months: %+v", months)
		}
		for i, w := range want {
			if m := months[i]; !m.Hour.Equal(w.m) || m.UsageType != w.typ || m.Quantity.String() != w.q || m.ObjectName != "" {
				t.Fatalf("month %d: %+v (%s), want %+v", i, m, m.Quantity, w)
			}
		}
		all, err := repo.Months(ctx, acmeID, nil)
		if err != nil || len(all) != 4 || all[2].Quantity.String() != "108.000000000001" {
			t.Fatalf("all-namespace months: %+v %v", all, err)
		}
	})
}

// TestUsageConcurrentIngest sends overlapping batches from 8 goroutines; the
// rollups must count every distinct event exactly once, to the last decimal.
func TestUsageConcurrentIngest(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, db *store.DB) { concurrentIngest(t, db, true) })
}

// TestUsageConcurrentDisjointIngest sends each event once, in small batches
// from 8 goroutines: batches the service stores in groups (one transaction
// for several batches, domain/usage/group.go), every event accepted once.
func TestUsageConcurrentDisjointIngest(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, db *store.DB) { concurrentIngest(t, db, false) })
}

// concurrentIngest ingests 2,000 distinct events from 8 goroutines, each
// covering all of them from its own offset (overlap) or its own eighth
// only, and checks the outcomes and the rollups' exact total.
func concurrentIngest(t *testing.T, db *store.DB, overlap bool) {
	f := newFixture(t, db)
	us, repo := newUsage(t, f)
	acme := f.as(t, "acme", tenancy.RoleAdmin, "")
	const distinct, workers = 2000, 8
	perBatch, batches := 500, distinct/500
	if !overlap {
		perBatch, batches = 25, distinct/workers/25
	}
	all := make([]usage.Event, distinct)
	wantQty := decimal.Zero
	for i := range all {
		q := fmt.Sprintf("%d.%012d", i%7, i+1)
		all[i] = ev(fmt.Sprintf("ev-%05d", i), "http_requests", fmt.Sprintf("lb-%d", i%3), q, i%90)
		wantQty = wantQty.Add(decimal.RequireFromString(q))
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted, dups := 0, 0
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for b := 0; b < batches; b++ {
				// Overlapping: each worker covers every event, starting
				// at a different offset. Disjoint: its own eighth.
				lo := (w*perBatch/2 + b*perBatch) % distinct
				if !overlap {
					lo = w*distinct/workers + b*perBatch
				}
				batch := make([]usage.Event, 0, perBatch)
				for i := 0; i < perBatch; i++ {
					batch = append(batch, all[(lo+i)%distinct])
				}
				res, err := us.Ingest(acme, tenancy.FromContext(acme), "prod", batch)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				accepted += res.Accepted
				dups += res.Duplicates
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	wantDups := workers*distinct - distinct
	if !overlap {
		wantDups = 0
	}
	if accepted != distinct || dups != wantDups {
		t.Fatalf("accepted %d duplicates %d, want %d and %d", accepted, dups, distinct, wantDups)
	}
	rolls, err := repo.Rollups(context.Background(), principal(t, acme).TenantID, nil, t0.Add(-time.Hour), t0.Add(3*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	got, events := decimal.Zero, int64(0)
	for _, r := range rolls {
		got = got.Add(r.Quantity)
		events += r.Events
	}
	if !got.Equal(wantQty) || events != distinct {
		t.Fatalf("rollup total %s over %d events, want %s over %d", got, events, wantQty, distinct)
	}
}
