package store_test

import (
	"context"
	"testing"

	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/adapters/store/storetest"
	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/domain/tenancy"
)

// TestPlanContract checks the current-plan store and its use as the lowest
// layer of quota limits, on every dialect.
func TestPlanContract(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		a := f.app(t)
		cat, plans, qs, subs := a.Catalog, a.Plans, a.Quotas, a.Subscriptions
		acme := f.as(t, "acme", tenancy.RoleViewer, "")
		globex := f.as(t, "globex", tenancy.RoleAdmin, "")
		acmeID := principal(t, acme).TenantID
		free, team := cat.FreePlan(), mustPlan(t, cat, plan.PlanTypeTeam)

		// No row yet: FREE, for the plan and for the quota layer.
		if p, err := plans.CurrentPlan(acme, tenancy.FromContext(acme)); err != nil || p.Name != free.Name {
			t.Fatalf("default plan: %q %v", p.Name, err)
		}
		before := db.Queries()
		spec, err := plans.DefaultQuota(acme, tenancy.FromContext(acme))
		if err != nil || spec.ObjectLimits["http_loadbalancer"] != free.DefaultQuota.ObjectLimits["http_loadbalancer"] {
			t.Fatalf("free default quota: %+v %v", spec, err)
		}
		if n := db.Queries() - before; n != 1 {
			t.Fatalf("DefaultQuota ran %d statements, want 1", n)
		}
		// A copy: changing it must not change the catalog.
		spec.ObjectLimits["http_loadbalancer"] = quota.ObjectLimit{Maximum: 9999}
		if cat.FreePlan().DefaultQuota.ObjectLimits["http_loadbalancer"].Maximum == 9999 {
			t.Fatal("DefaultQuota returned the catalog's own map")
		}
		lim, err := qs.Limits(acme, tenancy.FromContext(acme), "staging")
		if err != nil || lim.ObjectLimits["http_loadbalancer"] != free.DefaultQuota.ObjectLimits["http_loadbalancer"] {
			t.Fatalf("free plan layer in limits: %+v %v", lim.ObjectLimits, err)
		}

		// Set twice: the upsert replaces the row.
		if err := subs.AssignPlan(acme, operatorOn(acmeID), "individual"); err != nil {
			t.Fatal(err)
		}
		if err := subs.AssignPlan(acme, operatorOn(acmeID), team.Name); err != nil {
			t.Fatal(err)
		}
		wantKind(t, subs.AssignPlan(acme, operatorOn(acmeID), "no-such-plan"), errs.Invalid)
		if p, err := plans.CurrentPlan(acme, tenancy.FromContext(acme)); err != nil || p.Name != team.Name {
			t.Fatalf("after set: %q %v", p.Name, err)
		}
		lim, err = qs.Limits(acme, tenancy.FromContext(acme), "staging")
		if err != nil || lim.ObjectLimits["http_loadbalancer"] != team.DefaultQuota.ObjectLimits["http_loadbalancer"] {
			t.Fatalf("team plan layer in limits: %+v %v", lim.ObjectLimits, err)
		}

		// Tenant isolation: globex is still on FREE.
		if p, err := plans.CurrentPlan(globex, tenancy.FromContext(globex)); err != nil || p.Name != free.Name {
			t.Fatalf("other tenant: %q %v", p.Name, err)
		}
		if spec, err := plans.DefaultQuota(globex, principal(t, globex)); err != nil ||
			spec.ObjectLimits["http_loadbalancer"] != free.DefaultQuota.ObjectLimits["http_loadbalancer"] {
			t.Fatalf("other tenant quota: %+v %v", spec, err)
		}

		// A token bound to one namespace cannot read tenant-wide data; no token at all is unauthenticated.
		_, err = plans.CurrentPlan(f.as(t, "acme", tenancy.RoleAdmin, "ns1"), tenancy.FromContext(f.as(t, "acme", tenancy.RoleAdmin, "ns1")))
		wantKind(t, err, errs.Forbidden)
		_, err = plans.CurrentPlan(t.Context(), tenancy.FromContext(t.Context()))
		wantKind(t, err, errs.Unauthenticated)
	})
}

func principal(t *testing.T, ctx context.Context) tenancy.Principal {
	t.Helper()
	p, err := tenancy.PrincipalFrom(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func mustPlan(t *testing.T, cat *plan.Catalog, typ plan.PlanType) plan.Plan {
	t.Helper()
	for _, p := range cat.Plans {
		if p.PlanType == typ {
			return p
		}
	}
	t.Fatalf("catalog has no %s plan", typ)
	return plan.Plan{}
}
