package store_test

import (
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
			_, err := f1.quotas.Reserve(a1, quota.ReserveInput{Namespace: "web", Objects: lbs(n)})
			return err
		}
		createQuota(t, f2.quotas, a2, "system", "tenant", lim(5))
		if err := reserve(2); err != nil {
			t.Fatal(err)
		}
		// Tightened by the other replica: 2 used, limit 3.
		if err := f2.quotas.Replace(a2, quota.ReplaceInput{CreateInput: quota.CreateInput{Namespace: "system", Name: "tenant", Spec: lim(3)}}); err != nil {
			t.Fatal(err)
		}
		wantExceeded(t, reserve(2), quota.ScopeTenant, "3", "2")
		if err := reserve(1); err != nil {
			t.Fatal(err)
		}
		// A namespace cap of its own, then gone again.
		if err := f2.quotas.Replace(a2, quota.ReplaceInput{CreateInput: quota.CreateInput{Namespace: "system", Name: "tenant", Spec: lim(10)}}); err != nil {
			t.Fatal(err)
		}
		createQuota(t, f2.quotas, a2, "web", "cap", lim(4))
		wantExceeded(t, reserve(2), quota.ScopeNamespace, "4", "3")
		if err := f2.quotas.Delete(a2, quota.DeleteInput{Namespace: "web", Name: "cap"}); err != nil {
			t.Fatal(err)
		}
		if err := reserve(2); err != nil {
			t.Fatal(err)
		}
		// The plan layer: with the catalog's defaults (free: 5 load
		// balancers) and no "system" object, 5 used fit exactly.
		if err := f2.quotas.Delete(a2, quota.DeleteInput{Namespace: "system", Name: "tenant"}); err != nil {
			t.Fatal(err)
		}
		withPlans := f1.app(t)
		p1 := f1.as(t, "acme", tenancy.RoleAdmin, "")
		wantExceeded(t, func() error {
			_, err := withPlans.Quotas.Reserve(p1, quota.ReserveInput{Namespace: "web", Objects: lbs(1)})
			return err
		}(), quota.ScopeTenant, "5", "5")
		// A plan switch written straight into tenant_plans (team: 100).
		pr, err := tenancy.PrincipalFrom(p1)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL().ExecContext(a1, rebind(db.Dialect(), `INSERT INTO tenant_plans (tenant_id, plan_name, since) VALUES (?, 'team', ?)
			ON CONFLICT (tenant_id) DO UPDATE SET plan_name = 'team'`), pr.TenantID, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := withPlans.Quotas.Reserve(p1, quota.ReserveInput{Namespace: "web", Objects: lbs(1)}); err != nil {
			t.Fatal(err)
		}
		rep, err := f1.quotas.UsageByNamespaces(a1, []string{"system", "web"})
		if err != nil {
			t.Fatal(err)
		}
		if s, w := item(t, rep["system"], quota.Objects, lbKey).Current, item(t, rep["web"], quota.Objects, lbKey).Current; s != quota.Units(6) || w != s {
			t.Fatalf("system %s, web %s; want 6 both", s, w)
		}
	})
}
