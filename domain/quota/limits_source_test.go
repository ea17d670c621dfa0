package quota_test

import (
	"math/rand/v2"
	"testing"

	"github.com/billingd/billingd/domain/quota"
)

// TestReportSources: each limit of a report names the layer it comes from.
func TestReportSources(t *testing.T) {
	t.Parallel()
	obj := func(m int32) quota.Spec {
		return quota.Spec{ObjectLimits: map[string]quota.ObjectLimit{"lb": {Maximum: m}}}
	}
	plan := quota.Spec{ObjectLimits: map[string]quota.ObjectLimit{"lb": {Maximum: 10}, "pool": {Maximum: 5}}}
	cases := []struct {
		name               string
		ns                 string
		specs              map[string][]quota.Spec
		source, tenantFrom string
	}{
		{"plan only", "web", nil, quota.SourcePlan, quota.SourcePlan},
		{"system overrides the plan", "web", map[string][]quota.Spec{"system": {obj(8)}}, quota.SourceSystem, quota.SourceSystem},
		{"namespace cap tighter", "web", map[string][]quota.Spec{"system": {obj(8)}, "web": {obj(3)}}, quota.SourceNamespace, quota.SourceSystem},
		{"namespace cap looser", "web", map[string][]quota.Spec{"web": {obj(30)}}, quota.SourcePlan, quota.SourcePlan},
		{"system report", "system", map[string][]quota.Spec{"system": {obj(8)}}, quota.SourceSystem, quota.SourceSystem},
	}
	for _, c := range cases {
		rep := quota.BuildReport(c.ns, quota.LevelsOf(c.ns, plan, c.specs), nil, nil)
		var lb, pool quota.Item
		for _, it := range rep.Items[quota.Objects] {
			switch it.Key {
			case "lb":
				lb = it
			case "pool":
				pool = it
			}
		}
		if lb.Source != c.source || lb.TenantSource != c.tenantFrom {
			t.Errorf("%s: lb source %q/%q, want %q/%q", c.name, lb.Source, lb.TenantSource, c.source, c.tenantFrom)
		}
		if pool.Source != quota.SourcePlan || pool.TenantSource != quota.SourcePlan {
			t.Errorf("%s: pool source %q/%q", c.name, pool.Source, pool.TenantSource)
		}
	}
	// A key counted but never limited has no source.
	rep := quota.BuildReport("web", quota.LevelsOf("web", quota.Spec{}, nil), []quota.Counter{{Namespace: "web", Class: quota.Objects, Key: "x", Used: quota.Units(1)}}, nil)
	if it := rep.Items[quota.Objects][0]; it.Source != "" || it.TenantSource != "" {
		t.Errorf("unlimited key has sources %q/%q", it.Source, it.TenantSource)
	}
}

// TestSourceIsBindingLayer: an item names its namespace as the source
// exactly when the binding limit (Effective over the tenant's and the
// namespace's levels in one layer) is the namespace's own value, for every
// class and for ties, over many small random levels.
func TestSourceIsBindingLayer(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	units := []string{"SECOND", "MINUTE", "HOUR"}
	spec := func() quota.Spec {
		s := quota.Spec{ObjectLimits: map[string]quota.ObjectLimit{}, ResourceLimits: map[string]quota.ResourceLimit{}, APILimits: map[string]quota.RateLimit{}}
		for _, k := range []string{"a", "b", "c"} {
			if rng.IntN(3) > 0 {
				s.ObjectLimits[k] = quota.ObjectLimit{Maximum: int32(rng.IntN(4))}
			}
			if rng.IntN(3) > 0 {
				s.ResourceLimits[k] = quota.ResourceLimit{Maximum: float64(rng.IntN(4)) / 2}
			}
			if rng.IntN(3) > 0 {
				s.APILimits[k] = quota.RateLimit{Rate: int32(1 + rng.IntN(3)), Burst: int32(rng.IntN(3)), Unit: units[rng.IntN(len(units))]}
			}
		}
		return s
	}
	for range 2000 {
		lv := quota.LevelsOf("web", spec(), map[string][]quota.Spec{"web": {spec()}})
		binding := quota.Effective(quota.Layer{Specs: []quota.Spec{lv.Tenant, lv.Namespace}})
		rep := quota.BuildReport("web", lv, nil, nil)
		for c, items := range rep.Items {
			for _, it := range items {
				var own, bound bool
				switch c {
				case quota.Objects:
					v, ok := lv.Namespace.ObjectLimits[it.Key]
					own, bound = ok, ok && binding.ObjectLimits[it.Key] == v
				case quota.Resources:
					v, ok := lv.Namespace.ResourceLimits[it.Key]
					own, bound = ok, ok && binding.ResourceLimits[it.Key] == v
				default:
					v, ok := lv.Namespace.APILimits[it.Key]
					own, bound = ok, ok && binding.APILimits[it.Key] == v
				}
				if got := it.Source == quota.SourceNamespace; got != (own && bound) {
					t.Fatalf("%v %s: source %q; namespace sets it %v, binding is its value %v\nlevels %+v", c, it.Key, it.Source, own, bound, lv)
				}
			}
		}
	}
}
