package quota

import (
	"reflect"
	"strings"
	"testing"

	"github.com/billingd/billingd/domain/errs"
)

func TestParseAmount(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want Amount
		ok   bool
	}{
		{"1", Units(1), true}, {"2.5", 2_500_000, true}, {"0.000001", 1, true}, {"-3", Units(-3), true},
		{"1e3", Units(1000), true}, {"0.0000001", 0, false}, {"abc", 0, false}, {"", 0, false},
		{"1e400", 0, false}, {"1000000000000", Units(MaxAmount), true}, {"1000000000000.000001", 0, false},
	}
	for _, c := range cases {
		got, ok := ParseAmount(c.in)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("ParseAmount(%q) = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
		}
	}
	for a, s := range map[Amount]string{0: "0", 1: "0.000001", 2_500_000: "2.5", Units(-7): "-7", -1_500_000: "-1.5"} {
		if a.String() != s {
			t.Errorf("%d.String() = %q, want %q", a, a.String(), s)
		}
	}
}

func TestEffectiveLayersAndTightestWithinALayer(t *testing.T) {
	t.Parallel()
	plan := Spec{ObjectLimits: map[string]ObjectLimit{"a": {5}, "b": {5}, "c": {5}}}
	sys := []Spec{{ObjectLimits: map[string]ObjectLimit{"b": {7}}}, {ObjectLimits: map[string]ObjectLimit{"b": {6}}}}
	ns := []Spec{{ObjectLimits: map[string]ObjectLimit{"c": {100}}, APILimits: map[string]RateLimit{"x.API": {Rate: 60, Unit: "per-minute"}}},
		{APILimits: map[string]RateLimit{"x.API": {Rate: 2, Unit: "per-second"}}}}
	e := Effective(Layer{Specs: []Spec{plan}}, Layer{Specs: sys}, Layer{Specs: ns})
	if e.ObjectLimits["a"].Maximum != 5 || e.ObjectLimits["b"].Maximum != 6 || e.ObjectLimits["c"].Maximum != 100 {
		t.Fatalf("object limits: %+v", e.ObjectLimits)
	}
	if e.APILimits["x.API"].Rate != 60 { // 1/s is tighter than 2/s
		t.Fatalf("api limit: %+v", e.APILimits)
	}
}

func TestLevelsOf(t *testing.T) {
	t.Parallel()
	plan := Spec{ObjectLimits: map[string]ObjectLimit{"lb": {5}, "pool": {10}}, APILimits: map[string]RateLimit{"x.API": {Rate: 10, Burst: 10}}}
	specs := map[string][]Spec{
		"system": {{ObjectLimits: map[string]ObjectLimit{"pool": {20}}}},
		"ns1":    {{ObjectLimits: map[string]ObjectLimit{"lb": {9}, "pool": {4}}, APILimits: map[string]RateLimit{"x.API": {Rate: 1, Burst: 1}}}},
	}
	obj := func(s Spec) map[string]int32 {
		out := map[string]int32{}
		for k, v := range s.ObjectLimits {
			out[k] = v.Maximum
		}
		return out
	}
	tests := []struct {
		ns                         string
		tenant, namespace, binding map[string]int32
		bindingRate                int32
	}{
		// system overrides the plan for the tenant; the namespace's own
		// objects are a cap of their own, and the tighter one binds.
		{"ns1", map[string]int32{"lb": 5, "pool": 20}, map[string]int32{"lb": 9, "pool": 4}, map[string]int32{"lb": 5, "pool": 4}, 1},
		// A namespace without objects is bound by the tenant's limits only.
		{"ns2", map[string]int32{"lb": 5, "pool": 20}, map[string]int32{}, map[string]int32{"lb": 5, "pool": 20}, 10},
		// system's objects are the tenant's: no namespace cap of its own.
		{"system", map[string]int32{"lb": 5, "pool": 20}, map[string]int32{}, map[string]int32{"lb": 5, "pool": 20}, 10},
	}
	for _, tc := range tests {
		t.Run(tc.ns, func(t *testing.T) {
			t.Parallel()
			lv := LevelsOf(tc.ns, plan, specs)
			if got := obj(lv.Tenant); !reflect.DeepEqual(got, tc.tenant) {
				t.Errorf("tenant %v, want %v", got, tc.tenant)
			}
			if got := obj(lv.Namespace); !reflect.DeepEqual(got, tc.namespace) {
				t.Errorf("namespace %v, want %v", got, tc.namespace)
			}
			b := lv.Binding()
			if got := obj(b); !reflect.DeepEqual(got, tc.binding) {
				t.Errorf("binding %v, want %v", got, tc.binding)
			}
			if b.APILimits["x.API"].Rate != tc.bindingRate || lv.Tenant.APILimits["x.API"].Rate != 10 {
				t.Errorf("rates: binding %+v, tenant %+v", b.APILimits, lv.Tenant.APILimits)
			}
		})
	}
}

func TestBuildReportListsLimitedAndCountedKeys(t *testing.T) {
	t.Parallel()
	lv := Levels{
		Tenant:    Spec{ObjectLimits: map[string]ObjectLimit{"http_loadbalancer": {10}}, APILimits: map[string]RateLimit{"x.API": {Rate: 5, Burst: 5}}},
		Namespace: Spec{ObjectLimits: map[string]ObjectLimit{"http_loadbalancer": {3}}, ResourceLimits: map[string]ResourceLimit{"vcpu": {2.5}}},
	}
	counters := []Counter{{Namespace: "ns1", Class: Objects, Key: "http_loadbalancer", Used: Units(2)},
		{Namespace: "ns1", Class: Objects, Key: "origin_pool", Used: Units(9)}}
	totals := []Counter{{Class: Objects, Key: "http_loadbalancer", Used: Units(7)}, {Class: Objects, Key: "origin_pool", Used: Units(9)},
		{Class: Objects, Key: "dns_zone", Used: Units(1)}}
	r := BuildReport("ns1", lv, counters, totals)
	objs := r.Items[Objects]
	if len(objs) != 3 || objs[0].Key != "dns_zone" || objs[0].Current != 0 || objs[0].TenantCurrent != Units(1) || objs[0].Max != nil {
		t.Fatalf("a key counted in another namespace: %+v", objs)
	}
	lb, pool := objs[1], objs[2]
	if lb.Key != "http_loadbalancer" || *lb.Max != Units(3) || lb.Current != Units(2) || *lb.TenantMax != Units(10) || lb.TenantCurrent != Units(7) ||
		lb.DisplayName != "HTTP Load Balancer" {
		t.Fatalf("http_loadbalancer: %+v", lb)
	}
	if pool.Max != nil || pool.TenantMax != nil || pool.Current != Units(9) || pool.TenantCurrent != Units(9) {
		t.Fatalf("origin_pool: %+v", pool)
	}
	if res := r.Items[Resources]; len(res) != 1 || *res[0].Max != 2_500_000 || res[0].TenantMax != nil || res[0].Current != 0 {
		t.Fatalf("resources: %+v", res)
	}
	if api := r.Items[APIs]; len(api) != 1 || api[0].Rate.Rate != 5 || api[0].TenantRate.Rate != 5 {
		t.Fatalf("apis: %+v", api)
	}
	if r.Limits.ObjectLimits["http_loadbalancer"].Maximum != 3 || r.TenantLimits.ObjectLimits["http_loadbalancer"].Maximum != 10 {
		t.Fatalf("limits %+v, tenant limits %+v", r.Limits, r.TenantLimits)
	}

	// "system" is the tenant: its current is the tenant-wide total, whatever
	// system's own counters say.
	sys := BuildReport("system", Levels{Tenant: lv.Tenant}, []Counter{{Namespace: "system", Class: Objects, Key: "http_loadbalancer", Used: Units(1)}}, totals)
	for _, it := range sys.Items[Objects] {
		if it.Current != it.TenantCurrent {
			t.Fatalf("system %s: current %s, tenant %s", it.Key, it.Current, it.TenantCurrent)
		}
		if it.Key == "http_loadbalancer" && (it.Current != Units(7) || *it.Max != Units(10)) {
			t.Fatalf("system http_loadbalancer: %+v", it)
		}
	}
	if DisplayName(Objects, "my_custom_kind") != "My Custom Kind" || DisplayName(APIs, "a.b.API.Create") != "a.b.API.Create" {
		t.Fatal("display names")
	}
}

func TestValidateReportsEveryBadField(t *testing.T) {
	t.Parallel()
	in := CreateInput{Namespace: "ns1", Name: "Bad_Name", Description: strings.Repeat("x", 1201),
		Labels: map[string]string{"-bad": "v"},
		Spec: Spec{ObjectLimits: map[string]ObjectLimit{"ok": {-1}}, ResourceLimits: map[string]ResourceLimit{"1x": {1}},
			APILimits: map[string]RateLimit{"a.b": {Rate: -1, Burst: -1, Unit: "weekly"}}}}
	err := in.Validate()
	e := errs.As(err)
	if e.Kind != errs.Invalid || len(e.Fields) != 8 {
		t.Fatalf("want 8 field errors, got %v", err)
	}
	ok := CreateInput{Namespace: "ns1", Name: "q", Spec: Spec{ObjectLimits: map[string]ObjectLimit{"x": {0}}}}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid input refused: %v", err)
	}
	r := ReserveInput{Namespace: "ns1", Objects: map[string]Amount{"lb": 1_500_000}, APIs: map[string]Amount{"a.b": Units(-1)}}
	if e := errs.As(r.Validate()); len(e.Fields) != 2 {
		t.Fatalf("reserve validation: %v", e)
	}
	if err := (ReserveInput{Namespace: "ns1"}).Validate(); err == nil {
		t.Fatal("an empty reservation must be refused")
	}
}
