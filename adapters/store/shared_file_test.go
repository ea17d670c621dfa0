package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/adapters/store/storetest"
	"github.com/billingd/billingd/domain/labels"
	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/domain/tenancy"
)

// TestConcurrentWritersShareOneDatabase writes from two handles on one
// database at once, as `billingd usage import` or `invoices close` beside a
// running server do on the SQLite file: every transaction must commit, none
// may fail for a lock (on SQLite they queue for the write lock, taken at
// BEGIN, instead of failing when a read-then-write transaction finds that
// the other process wrote in between).
func TestConcurrentWritersShareOneDatabase(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			dbA, dbB := openTwice(t, d)
			fa, fb := newFixture(t, dbA), newFixture(t, dbB)
			ctx := fa.as(t, "shared", tenancy.RoleAdmin, "")
			const writers, each = 6, 15
			var mu sync.Mutex
			var failures []error
			var wg sync.WaitGroup
			for w := range 2 * writers {
				f := fa
				if w%2 == 1 {
					f = fb
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range each {
						// A reservation reads the limits, then moves a counter;
						// a quota create writes the object and its audit record.
						_, err := f.quotas.Reserve(ctx, tenancy.FromContext(ctx), quota.ReserveInput{Namespace: "ns1",
							Objects: map[string]quota.Amount{"shared_object": quota.Units(1)}})
						if err == nil && i%5 == 0 {
							_, err = f.quotas.Create(ctx, tenancy.FromContext(ctx), quota.CreateInput{Namespace: "ns1", Name: fmt.Sprintf("q-%d-%d", w, i)})
						}
						if err != nil {
							mu.Lock()
							failures = append(failures, err)
							mu.Unlock()
						}
					}
				}()
			}
			wg.Wait()
			if len(failures) > 0 {
				t.Fatalf("%d of %d transactions failed on two handles of one %s database; first: %v", len(failures), 2*writers*each*6/5, d, failures[0])
			}
			counters, err := fa.quotas.Usage(ctx, tenancy.FromContext(ctx), "ns1")
			if err != nil {
				t.Fatal(err)
			}
			if got := usedOf(counters, quota.Objects, "shared_object"); got != quota.Units(2*writers*each) {
				t.Fatalf("counter %s after %d reservations", got, 2*writers*each)
			}
			qs, err := fb.quotas.List(ctx, tenancy.FromContext(ctx), "ns1", labels.Selector{})
			if err != nil || len(qs) != 2*writers*each/5 {
				t.Fatalf("%d quota objects, want %d: %v", len(qs), 2*writers*each/5, err)
			}
		})
	}
}

// TestLongReadDoesNotHoldWriters keeps a read open, as a long report does,
// and meanwhile reserves and reads quota usage through the same handle:
// both go on (on SQLite, reads outside transactions have their own pool in
// WAL mode, so an unfinished read holds neither the writer nor other reads).
func TestLongReadDoesNotHoldWriters(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		reader := f.as(t, "reporting", tenancy.RoleAdmin, "")
		other := f.as(t, "other", tenancy.RoleAdmin, "")
		for i := range 50 {
			if _, err := f.quotas.Reserve(reader, tenancy.FromContext(reader), quota.ReserveInput{Namespace: "ns1",
				Objects: map[string]quota.Amount{fmt.Sprintf("k%02d", i): quota.Units(1)}}); err != nil {
				t.Fatal(err)
			}
		}
		rows, err := db.SQL().QueryContext(context.Background(), `SELECT key FROM quota_counters ORDER BY key`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		if !rows.Next() {
			t.Fatal("no counters to read")
		}
		// The read is under way and holds its connection. A hang here (the
		// old single SQLite connection) ends at this deadline as an error.
		ctx, cancel := context.WithTimeout(other, time.Minute)
		defer cancel()
		if _, err := f.quotas.Reserve(ctx, tenancy.FromContext(ctx), quota.ReserveInput{Namespace: "ns2",
			Objects: map[string]quota.Amount{"x": quota.Units(3)}}); err != nil {
			t.Fatalf("reservation during a long read: %v", err)
		}
		rep, err := f.quotas.Usage(ctx, tenancy.FromContext(ctx), "ns2")
		if err != nil {
			t.Fatalf("quota read during a long read: %v", err)
		}
		if got := usedOf(rep, quota.Objects, "x"); got != quota.Units(3) {
			t.Fatalf("usage %s during a long read, want 3", got)
		}
		n := 1
		for rows.Next() {
			n++
		}
		if err := rows.Err(); err != nil || n != 50 {
			t.Fatalf("the long read saw %d rows (%v), want the 50 it started with", n, err)
		}
	})
}

// usedOf finds the usage of one key in a report.
func usedOf(r quota.Report, c quota.Class, key string) quota.Amount {
	for _, it := range r.Items[c] {
		if it.Key == key {
			return it.Current
		}
	}
	return 0
}
