package plan_test

import (
	"context"
	"testing"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/domain/tenancy"
)

// memRepo is an in-memory plan.Repository.
type memRepo map[string]string

func (m memRepo) CurrentPlanName(_ context.Context, tenantID string) (string, bool, error) {
	n, ok := m[tenantID]
	return n, ok, nil
}

var testCatalog = &plan.Catalog{Plans: []plan.Plan{
	{Name: "free", PlanType: plan.PlanTypeFree, DefaultQuota: quota.Spec{ObjectLimits: map[string]quota.ObjectLimit{"user": {Maximum: 1}}}},
	{Name: "team", PlanType: plan.PlanTypeTeam, DefaultQuota: quota.Spec{ObjectLimits: map[string]quota.ObjectLimit{"user": {Maximum: 50}}}},
}}

func TestCurrentPlan(t *testing.T) {
	t.Parallel()
	as := func(tenant string, role tenancy.Role, ns string) context.Context {
		return tenancy.WithPrincipal(context.Background(), tenancy.Principal{TenantID: tenant, Role: role, Namespace: ns})
	}
	tests := []struct {
		name     string
		ctx      context.Context
		stored   map[string]string
		wantPlan string
		wantKind errs.Kind
	}{
		{"no row is free", as("t1", tenancy.RoleViewer, ""), nil, "free", 0},
		{"stored plan", as("t1", tenancy.RoleViewer, ""), map[string]string{"t1": "team"}, "team", 0},
		{"other tenant's row ignored", as("t2", tenancy.RoleAdmin, ""), map[string]string{"t1": "team"}, "free", 0},
		{"system-bound token reads", as("t1", tenancy.RoleViewer, "system"), nil, "free", 0},
		{"namespace-bound token refused", as("t1", tenancy.RoleAdmin, "ns1"), nil, "", errs.Forbidden},
		{"no principal", context.Background(), nil, "", errs.Unauthenticated},
		{"plan gone from catalog", as("t1", tenancy.RoleViewer, ""), map[string]string{"t1": "retired"}, "", errs.Internal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			repo := memRepo{}
			for k, v := range tc.stored {
				repo[k] = v
			}
			s, err := plan.NewService(plan.Config{Repo: repo, Catalog: testCatalog})
			if err != nil {
				t.Fatal(err)
			}
			p, err := s.CurrentPlan(tc.ctx, tenancy.FromContext(tc.ctx))
			if tc.wantPlan != "" {
				if err != nil || p.Name != tc.wantPlan {
					t.Fatalf("got %q %v, want %q", p.Name, err, tc.wantPlan)
				}
				return
			}
			if err == nil || errs.KindOf(err) != tc.wantKind {
				t.Fatalf("got %v, want a %s error", err, tc.wantKind)
			}
		})
	}
}

func TestDefaultQuota(t *testing.T) {
	t.Parallel()
	repo := memRepo{}
	s, err := plan.NewService(plan.Config{Repo: repo, Catalog: testCatalog})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if q, err := s.DefaultQuota(ctx, tenant("t1")); err != nil || q.ObjectLimits["user"].Maximum != 1 {
		t.Fatalf("free default: %+v %v", q, err)
	}
	repo["t1"] = "team"
	q, err := s.DefaultQuota(ctx, tenant("t1"))
	if err != nil || q.ObjectLimits["user"].Maximum != 50 {
		t.Fatalf("team default: %+v %v", q, err)
	}
	// The answer is a copy: changing it leaves the catalog alone.
	q.ObjectLimits["user"] = quota.ObjectLimit{Maximum: 7}
	if testCatalog.Plans[1].DefaultQuota.ObjectLimits["user"].Maximum != 50 {
		t.Fatal("DefaultQuota handed out the catalog's own map")
	}
}

func TestNewServiceNeedsFreePlan(t *testing.T) {
	t.Parallel()
	_, err := plan.NewService(plan.Config{Repo: memRepo{}, Catalog: &plan.Catalog{Plans: testCatalog.Plans[1:]}})
	if err == nil {
		t.Fatal("a catalog without a FREE plan must be refused")
	}
}

// tenant is a viewer of tenant id: any credential of a tenant may read its
// plan's default quota.
func tenant(id string) tenancy.Principal {
	return tenancy.Principal{TenantID: id, TokenID: "tok", Role: tenancy.RoleViewer}
}
