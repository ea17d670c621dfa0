package graph_test

import (
	"context"
	"testing"

	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/domain/tenancy"
)

// TestQuotaUsageShowsTheTenant: quotaUsage carries the namespace's figures
// and the tenant's side by side; on "system" they are the same, the tenant's.
func TestQuotaUsageShowsTheTenant(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		p := h.caller(t, tenancy.RoleAdmin, "")
		ctx := asCaller(p)
		h.createQuotas(t, ctx,
			quota.CreateInput{Namespace: "system", Name: "tenant", Spec: quota.Spec{ObjectLimits: map[string]quota.ObjectLimit{"http_loadbalancer": {Maximum: 10}},
				APILimits: map[string]quota.RateLimit{"x.API.List": {Rate: 10, Burst: 20}}}},
			quota.CreateInput{Namespace: "shop", Name: "cap", Spec: quota.Spec{ObjectLimits: map[string]quota.ObjectLimit{"http_loadbalancer": {Maximum: 4}},
				APILimits: map[string]quota.RateLimit{"x.API.List": {Rate: 1, Burst: 2}}}})
		for ns, n := range map[string]int64{"shop": 3, "blog": 5} {
			if _, err := h.qs.Reserve(ctx, tenancy.FromContext(ctx), quota.ReserveInput{Namespace: ns, Objects: map[string]quota.Amount{"http_loadbalancer": quota.Units(n)}}); err != nil {
				t.Fatal(err)
			}
		}
		type line struct {
			Key                        string
			Limit, TenantLimit         *string
			Current, TenantCurrent     string
			RateLimit, TenantRateLimit *struct{ Rate, Burst int }
		}
		var resp struct {
			Shop, Blog, System struct {
				QuotaUsage struct{ Objects, Apis []line }
			}
		}
		const fields = `quotaUsage {
			objects { key limit current tenantLimit tenantCurrent }
			apis { key rateLimit { rate burst } tenantRateLimit { rate burst } } }`
		mustPost(t, h.client(p), `{
			shop: namespace(name: "shop") { `+fields+` }
			blog: namespace(name: "blog") { `+fields+` }
			system: namespace(name: "system") { `+fields+` } }`, &resp)
		want := map[string]struct{ limit, current string }{"shop": {"4", "3"}, "blog": {"10", "5"}, "system": {"10", "8"}}
		for ns, u := range map[string][]line{"shop": resp.Shop.QuotaUsage.Objects, "blog": resp.Blog.QuotaUsage.Objects, "system": resp.System.QuotaUsage.Objects} {
			w := want[ns]
			if len(u) != 1 || u[0].Key != "http_loadbalancer" || *u[0].Limit != w.limit || u[0].Current != w.current ||
				*u[0].TenantLimit != "10" || u[0].TenantCurrent != "8" {
				t.Errorf("%s objects = %+v, want limit %s current %s, tenant 10/8", ns, u, w.limit, w.current)
			}
		}
		if a := resp.Shop.QuotaUsage.Apis; len(a) != 1 || a[0].RateLimit.Rate != 1 || a[0].TenantRateLimit.Rate != 10 {
			t.Errorf("shop apis = %+v", a)
		}
		if a := resp.Blog.QuotaUsage.Apis; len(a) != 1 || a[0].RateLimit.Rate != 10 || a[0].TenantRateLimit.Burst != 20 {
			t.Errorf("blog apis = %+v", a)
		}
	})
}

// createQuotas creates quota objects as the caller of ctx.
func (h *harness) createQuotas(t *testing.T, ctx context.Context, ins ...quota.CreateInput) {
	t.Helper()
	for _, in := range ins {
		if _, err := h.qs.Create(ctx, tenancy.FromContext(ctx), in); err != nil {
			t.Fatal(err)
		}
	}
}
