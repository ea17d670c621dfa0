package quota_test

import (
	"fmt"
	"testing"

	"github.com/billingd/billingd/catalog"
	"github.com/billingd/billingd/domain/quota"
)

// BenchmarkNamespaceReports is the domain's share of the console's
// dashboard: the levels and reports of 50 namespaces, each with one quota
// object, over the built-in catalog's largest default quota.
func BenchmarkNamespaceReports(b *testing.B) {
	cat, err := catalog.Builtin()
	if err != nil {
		b.Fatal(err)
	}
	var plan quota.Spec
	for _, p := range cat.Plans {
		if len(p.DefaultQuota.ObjectLimits)+len(p.DefaultQuota.ResourceLimits) > len(plan.ObjectLimits)+len(plan.ResourceLimits) {
			plan = p.DefaultQuota
		}
	}
	specs := map[string][]quota.Spec{"system": {{ObjectLimits: map[string]quota.ObjectLimit{"http_loadbalancer": {Maximum: 40}}}}}
	var nss []string
	var counters, totals []quota.Counter
	for i := range 50 {
		ns := fmt.Sprintf("ns-%02d", i)
		nss = append(nss, ns)
		specs[ns] = []quota.Spec{{ObjectLimits: map[string]quota.ObjectLimit{"http_loadbalancer": {Maximum: 5}, "origin_pool": {Maximum: 10}},
			ResourceLimits: map[string]quota.ResourceLimit{"vcpu": {Maximum: 4}}}}
		counters = append(counters, quota.Counter{Namespace: ns, Class: quota.Objects, Key: "http_loadbalancer", Used: quota.Units(2)})
	}
	totals = append(totals, quota.Counter{Class: quota.Objects, Key: "http_loadbalancer", Used: quota.Units(100)})
	b.ReportAllocs()
	for b.Loop() {
		for i, ns := range nss {
			quota.BuildReport(ns, quota.LevelsOf(ns, plan, specs), counters[i:i+1], totals)
		}
	}
}
