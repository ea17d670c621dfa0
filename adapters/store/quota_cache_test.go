package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/adapters/store/storetest"
	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/domain/tenancy"
)

// TestReservationsSeeOtherReplicasLimitChanges: two services on one
// database stand for two replicas. One reserves (on PostgreSQL that caches
// the namespace's limits with the tenant's limits version); the other
// tightens the tenant-wide quota, adds a namespace quota, deletes it, and a
// plan change is written by hand as an operator tool would: the first
// replica's next reservation is always checked against the limits in force.
func TestReservationsSeeOtherReplicasLimitChanges(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f1 := newFixture(t, db)
		f2 := newFixture(t, db)
		a1 := f1.as(t, "acme", tenancy.RoleAdmin, "")
		a2 := f2.as(t, "acme", tenancy.RoleAdmin, "")
		lim := func(n int32) quota.Spec {
			return quota.Spec{ObjectLimits: map[string]quota.ObjectLimit{lbKey: {Maximum: n}}}
		}
		reserve := func(n int64) error {
			_, err := f1.quotas.Reserve(a1, tenancy.FromContext(a1), quota.ReserveInput{Namespace: "web", Objects: lbs(n)})
			return err
		}
		createQuota(t, f2.quotas, a2, "system", "tenant", lim(5))
		if err := reserve(2); err != nil {
			t.Fatal(err)
		}
		// Tightened by the other replica: 2 used, limit 3.
		if err := f2.quotas.Replace(a2, tenancy.FromContext(a2), quota.ReplaceInput{CreateInput: quota.CreateInput{Namespace: "system", Name: "tenant", Spec: lim(3)}}); err != nil {
			t.Fatal(err)
		}
		wantExceeded(t, reserve(2), quota.ScopeTenant, "3", "2")
		if err := reserve(1); err != nil {
			t.Fatal(err)
		}
		// A namespace cap of its own, then gone again.
		if err := f2.quotas.Replace(a2, tenancy.FromContext(a2), quota.ReplaceInput{CreateInput: quota.CreateInput{Namespace: "system", Name: "tenant", Spec: lim(10)}}); err != nil {
			t.Fatal(err)
		}
		createQuota(t, f2.quotas, a2, "web", "cap", lim(4))
		wantExceeded(t, reserve(2), quota.ScopeNamespace, "4", "3")
		if err := f2.quotas.Delete(a2, tenancy.FromContext(a2), quota.DeleteInput{Namespace: "web", Name: "cap"}); err != nil {
			t.Fatal(err)
		}
		if err := reserve(2); err != nil {
			t.Fatal(err)
		}
		// The plan layer: with the catalog's defaults (free: 5 load
		// balancers) and no "system" object, 5 used fit exactly.
		if err := f2.quotas.Delete(a2, tenancy.FromContext(a2), quota.DeleteInput{Namespace: "system", Name: "tenant"}); err != nil {
			t.Fatal(err)
		}
		withPlans := f1.app(t)
		p1 := f1.as(t, "acme", tenancy.RoleAdmin, "")
		wantExceeded(t, func() error {
			_, err := withPlans.Quotas.Reserve(p1, tenancy.FromContext(p1), quota.ReserveInput{Namespace: "web", Objects: lbs(1)})
			return err
		}(), quota.ScopeTenant, "5", "5")
		// A plan switch written straight into tenant_plans (team: 100).
		pr := tenancy.FromContext(p1)
		if _, err := db.SQL().ExecContext(a1, rebind(db.Dialect(), `INSERT INTO tenant_plans (tenant_id, plan_name, since) VALUES (?, 'team', ?)
			ON CONFLICT (tenant_id) DO UPDATE SET plan_name = 'team'`), pr.TenantID, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := withPlans.Quotas.Reserve(p1, tenancy.FromContext(p1), quota.ReserveInput{Namespace: "web", Objects: lbs(1)}); err != nil {
			t.Fatal(err)
		}
		rep, err := f1.quotas.UsageByNamespaces(a1, tenancy.FromContext(a1), []string{"system", "web"})
		if err != nil {
			t.Fatal(err)
		}
		if s, w := item(t, rep["system"], quota.Objects, lbKey).Current, item(t, rep["web"], quota.Objects, lbKey).Current; s != quota.Units(6) || w != s {
			t.Fatalf("system %s, web %s; want 6 both", s, w)
		}
	})
}

// TestTenantShardsCarryForward: the tenant-wide counters of the previous
// release (one row per key; on PostgreSQL migration 19 makes it shard 0 of
// the key, migration 21 the key's pool row) keep binding after the
// migrations, and releases in namespaces whose own row holds less than
// they give back take the rest from the other rows: the tenant-wide usage
// stays the sum of the namespaces'.
func TestTenantShardsCarryForward(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := openThrough(ctx, t, d, "20261126000017")
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := db.SQL().ExecContext(ctx, rebind(d, q), args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			exec(`INSERT INTO tenants (id, name, created_at) VALUES ('t1', 'acme', ?)`, t0)
			nss := []string{"a", "b", "c", "d", "e", "f"}
			for _, ns := range nss {
				exec(`INSERT INTO quota_counters (tenant_id, namespace, class, key, used) VALUES ('t1', ?, 'objects', ?, ?)`, ns, lbKey, int64(quota.Units(3)))
			}
			exec(`INSERT INTO quota_tenant_counters (tenant_id, class, key, used) VALUES ('t1', 'objects', ?, ?)`, lbKey, int64(quota.Units(18)))
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			f := newFixture(t, db)
			admin := f.as(t, "acme", tenancy.RoleAdmin, "")
			createQuota(t, f.quotas, admin, "system", "tenant", quota.Spec{ObjectLimits: map[string]quota.ObjectLimit{lbKey: {Maximum: 20}}})
			reserve := func(ns string, n int64) error {
				_, err := f.quotas.Reserve(admin, tenancy.FromContext(admin), quota.ReserveInput{Namespace: ns, Objects: lbs(n)})
				return err
			}
			wantExceeded(t, reserve("g", 3), quota.ScopeTenant, "20", "18")
			for _, ns := range nss { // give back 2 each: 12 of the 18
				if err := reserve(ns, -2); err != nil {
					t.Fatal(err)
				}
			}
			if err := reserve("g", 14); err != nil { // 6 + 14 = 20
				t.Fatal(err)
			}
			wantExceeded(t, reserve("a", 1), quota.ScopeTenant, "20", "20")
			if err := reserve("g", -20); err != nil { // only its 14 go back
				t.Fatal(err)
			}
			rep, err := f.quotas.UsageByNamespaces(admin, tenancy.FromContext(admin), append([]string{"system", "g"}, nss...))
			if err != nil {
				t.Fatal(err)
			}
			var sum quota.Amount
			for _, ns := range append([]string{"g"}, nss...) {
				sum += item(t, rep[ns], quota.Objects, lbKey).Current
			}
			if s := item(t, rep["system"], quota.Objects, lbKey).Current; s != quota.Units(6) || sum != s {
				t.Fatalf("tenant-wide %s, namespaces sum to %s; want 6 both", s, sum)
			}
		})
	}
}

// TestRefusedReservationRecordsNoNamespace: a namespace is recorded by its
// first reservation that goes through, in the same transaction; a refused
// one leaves no record.
func TestRefusedReservationRecordsNoNamespace(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		admin := f.as(t, "acme", tenancy.RoleAdmin, "")
		createQuota(t, f.quotas, admin, "system", "tenant", quota.Spec{ObjectLimits: map[string]quota.ObjectLimit{lbKey: {Maximum: 2}}})
		names := func() []string {
			t.Helper()
			nss, err := f.ten.ListNamespaces(admin, tenancy.FromContext(admin), "", 100)
			if err != nil {
				t.Fatal(err)
			}
			return nss
		}
		_, err := f.quotas.Reserve(admin, tenancy.FromContext(admin), quota.ReserveInput{Namespace: "fresh", Objects: lbs(3)})
		wantExceeded(t, err, quota.ScopeTenant, "2", "0")
		if got := fmt.Sprint(names()); got != "[system]" {
			t.Fatalf("namespaces after a refusal: %s, want [system]", got)
		}
		for range 2 {
			if _, err := f.quotas.Reserve(admin, tenancy.FromContext(admin), quota.ReserveInput{Namespace: "fresh", Objects: lbs(1)}); err != nil {
				t.Fatal(err)
			}
		}
		if got := fmt.Sprint(names()); got != "[fresh system]" {
			t.Fatalf("namespaces after two reservations: %s, want [fresh system]", got)
		}
	})
}

// TestIdempotentReservationTwins: concurrent requests under one
// Idempotency-Key (on PostgreSQL the key's claim and answer are in the
// reservation's one statement) count once, and every one of them answers
// the first one's counters; in "system" those are the tenant's.
func TestIdempotentReservationTwins(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		admin := f.as(t, "acme", tenancy.RoleAdmin, "")
		if _, err := f.quotas.Reserve(admin, tenancy.FromContext(admin), quota.ReserveInput{Namespace: "web", Objects: lbs(5)}); err != nil {
			t.Fatal(err)
		}
		for _, ns := range []string{"web", "system"} {
			in := quota.ReserveInput{Namespace: ns, Objects: lbs(2), Resources: map[string]quota.Amount{"vcpu": 1_500_000}, IdempotencyKey: "twin-" + ns}
			var wg sync.WaitGroup
			answers := make([]string, 16)
			for i := range answers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					res, err := f.quotas.Reserve(admin, tenancy.FromContext(admin), in)
					if err != nil {
						t.Error(err)
						return
					}
					answers[i] = fmt.Sprint(res.Objects, res.Resources, res.APIs)
				}()
			}
			wg.Wait()
			want := map[string]string{"web": "map[http_loadbalancer:7] map[vcpu:1.5] map[]", "system": "map[http_loadbalancer:9] map[vcpu:3] map[]"}[ns]
			for i, a := range answers {
				if a != want {
					t.Fatalf("%s answer %d: %s, want %s", ns, i, a, want)
				}
			}
		}
		rep, err := f.quotas.UsageByNamespaces(admin, tenancy.FromContext(admin), []string{"system", "web"})
		if err != nil {
			t.Fatal(err)
		}
		if s, w := item(t, rep["system"], quota.Objects, lbKey).Current, item(t, rep["web"], quota.Objects, lbKey).Current; s != quota.Units(9) || w != quota.Units(7) {
			t.Fatalf("tenant-wide %s, web %s; want 9 and 7", s, w)
		}
	})
}
