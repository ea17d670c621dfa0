package e2e

import (
	"encoding/json"
	"testing"

	"github.com/billingd/billingd/internal/spectest"
)

const (
	currentPlanPath = "/api/web/namespaces/system/usage_plans/current"
	planListPath    = "/api/web/namespaces/system/usage_plans/custom_list"
)

// localized is the part of planLocalizedPlan the assertions read.
type localized struct {
	Locale string `json:"locale"`
	Plans  []struct {
		Name          string `json:"name"`
		UsagePlanType string `json:"usage_plan_type"`
		Current       bool   `json:"current"`
		State         string `json:"state"`
		DefaultQuota  struct {
			ObjectLimits map[string]struct {
				Maximum int32 `json:"maximum"`
			} `json:"object_limits"`
		} `json:"default_quota"`
	} `json:"plans"`
}

// checkCurrent asserts a fresh tenant sees every plan with FREE (the plan
// whose usage_plan_type is "FREE", the enum's zero value, written by name)
// as the one current, READY plan, every other STATE_UNSPECIFIED, and
// returns that plan's http_loadbalancer default.
func checkCurrent(t *testing.T, lp localized, nPlans int) int32 {
	t.Helper()
	if lp.Locale != "en-us" || len(lp.Plans) != nPlans || nPlans < 2 {
		t.Fatalf("localized plan: locale %q, %d plans", lp.Locale, len(lp.Plans))
	}
	var lb int32 = -1
	for _, p := range lp.Plans {
		if p.Current != (p.UsagePlanType == "FREE") {
			t.Fatalf("plan %s (type %q): current=%v; only the FREE plan should be current", p.Name, p.UsagePlanType, p.Current)
		}
		if p.Current {
			if p.State != "STATE_READY" {
				t.Fatalf("current plan state %q", p.State)
			}
			lb = p.DefaultQuota.ObjectLimits["http_loadbalancer"].Maximum
		} else if p.State != "STATE_UNSPECIFIED" {
			t.Fatalf("plan %s is not current but has state %q", p.Name, p.State)
		}
	}
	if lb <= 0 {
		t.Fatalf("no current plan with an http_loadbalancer default quota: %+v", lp)
	}
	return lb
}

// TestUsagePlansMatchUpstreamSchemas walks ops 25 and 26 and shows the plan's
// default quota as the lowest layer of the effective limits.
func TestUsagePlansMatchUpstreamSchemas(t *testing.T) {
	t.Parallel()
	spec := spectest.Load(t)
	forEachDialect(t, func(t *testing.T, s *server) {
		viewer := token(t, s.dbURL, "acme", "viewer", "")
		admin := token(t, s.dbURL, "acme", "admin", "")

		r := s.do("GET", currentPlanPath+"?namespace=system", viewer, nil)
		expect(t, r, 200)
		spec.ValidateResponse(t, "GET", currentPlanPath, r.Body)
		var cur localized
		if err := json.Unmarshal(r.Body, &cur); err != nil {
			t.Fatal(err)
		}
		freeLB := checkCurrent(t, cur, len(cur.Plans))

		r = s.do("GET", planListPath, viewer, nil)
		expect(t, r, 200)
		spec.ValidateResponse(t, "GET", planListPath, r.Body)
		var list struct {
			UsagePlans []localized `json:"usage_plans"`
		}
		if err := json.Unmarshal(r.Body, &list); err != nil {
			t.Fatal(err)
		}
		if len(list.UsagePlans) != 1 {
			t.Fatalf("usage_plans: %s", r.Body)
		}
		checkCurrent(t, list.UsagePlans[0], len(cur.Plans))

		expect(t, s.do("GET", currentPlanPath, "", nil), 401)
		// A token bound to one namespace may not read tenant-wide data.
		expect(t, s.do("GET", currentPlanPath, token(t, s.dbURL, "acme", "admin", "staging"), nil), 403)

		// Layers: the plan, then a system quota, then a namespace quota.
		limit := func(ns, key string) float64 {
			t.Helper()
			r := s.do("GET", "/api/web/namespaces/"+ns+"/quota/limits", viewer, nil)
			expect(t, r, 200)
			spec.ValidateResponse(t, "GET", "/api/web/namespaces/{namespace}/quota/limits", r.Body)
			item, ok := r.JSON(t)["objects"].(map[string]any)[key].(map[string]any)
			if !ok {
				t.Fatalf("no %s in the limits of %s: %s", key, ns, r.Body)
			}
			return item["limit"].(map[string]any)["maximum"].(float64)
		}
		if got := limit("staging", "http_loadbalancer"); got != float64(freeLB) {
			t.Fatalf("fresh tenant: http_loadbalancer limit %v, want the free plan's %d", got, freeLB)
		}
		freeOrigin := limit("staging", "origin_pool")
		expect(t, s.do("POST", "/api/web/namespaces/system/quotas", admin,
			`{"metadata":{"name":"tenant-wide"},"spec":{"object_limits":{"http_loadbalancer":{"maximum":7}}}}`), 200)
		if got := limit("staging", "http_loadbalancer"); got != 7 {
			t.Fatalf("system quota must override the plan: %v", got)
		}
		// A namespace quota is a cap of its own next to the tenant's: it
		// binds when it is tighter and cannot loosen the tenant's limit.
		expect(t, s.do("POST", "/api/web/namespaces/staging/quotas", admin,
			`{"metadata":{"name":"staging-caps"},"spec":{"object_limits":{"http_loadbalancer":{"maximum":12}}}}`), 200)
		if got := limit("staging", "http_loadbalancer"); got != 7 {
			t.Fatalf("a namespace quota must not loosen the tenant's limit: %v", got)
		}
		expect(t, s.do("POST", "/api/web/namespaces/staging/quotas", admin,
			`{"metadata":{"name":"staging-tight"},"spec":{"object_limits":{"http_loadbalancer":{"maximum":3}}}}`), 200)
		if got := limit("staging", "http_loadbalancer"); got != 3 {
			t.Fatalf("a tighter namespace quota must bind: %v", got)
		}
		if got := limit("system", "http_loadbalancer"); got != 7 {
			t.Fatalf("system namespace keeps the system quota: %v", got)
		}
		if got := limit("staging", "origin_pool"); got != freeOrigin {
			t.Fatalf("keys no quota names keep the plan default: %v, want %v", got, freeOrigin)
		}
		// Another tenant sees none of acme's quotas: only its plan.
		other := token(t, s.dbURL, "globex", "viewer", "")
		r = s.do("GET", "/api/web/namespaces/staging/quota/limits", other, nil)
		expect(t, r, 200)
		if got := r.JSON(t)["objects"].(map[string]any)["http_loadbalancer"].(map[string]any)["limit"].(map[string]any)["maximum"].(float64); got != float64(freeLB) {
			t.Fatalf("other tenant: %v, want %d", got, freeLB)
		}
	})
}
