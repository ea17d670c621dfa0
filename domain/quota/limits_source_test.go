package quota_test

import (
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
