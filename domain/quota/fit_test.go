package quota

import (
	"reflect"
	"testing"
)

func TestMisfits(t *testing.T) {
	t.Parallel()
	planSpec := Spec{ObjectLimits: map[string]ObjectLimit{"http_loadbalancer": {Maximum: 5}, "user": {Maximum: 1}},
		ResourceLimits: map[string]ResourceLimit{"vcpu": {Maximum: 2}}}
	lb := func(n int64) Counter { return Counter{Class: Objects, Key: "http_loadbalancer", Used: Units(n)} }
	tests := []struct {
		name   string
		qs     []Quota
		totals []Counter
		want   []Misfit
	}{
		{"fits", nil, []Counter{lb(5)}, nil},
		{"over tenant-wide", nil, []Counter{
			lb(6),
			{Class: Resources, Key: "vcpu", Used: AmountFromFloat(2.5)},
			{Class: APIs, Key: "x", Used: Units(1000)},
			{Class: Objects, Key: "unlimited", Used: Units(1000)},
			{Class: Objects, Key: "user", Used: Units(1)},
		}, []Misfit{
			{Namespace: "system", Class: Objects, Key: "http_loadbalancer", Used: Units(6), Limit: Units(5)},
			{Namespace: "system", Class: Resources, Key: "vcpu", Used: AmountFromFloat(2.5), Limit: AmountFromFloat(2)},
		}},
		{"a system object overrides the plan", []Quota{{Namespace: "system", Spec: Spec{ObjectLimits: map[string]ObjectLimit{"http_loadbalancer": {Maximum: 10}}}}},
			[]Counter{lb(6)}, nil},
		{"a system object can also tighten it", []Quota{{Namespace: "system", Spec: Spec{ObjectLimits: map[string]ObjectLimit{"http_loadbalancer": {Maximum: 3}}}}},
			[]Counter{lb(4)}, []Misfit{{Namespace: "system", Class: Objects, Key: "http_loadbalancer", Used: Units(4), Limit: Units(3)}}},
		{"a disabled system object does not", []Quota{{Namespace: "system", Disable: true, Spec: Spec{ObjectLimits: map[string]ObjectLimit{"http_loadbalancer": {Maximum: 10}}}}},
			[]Counter{lb(6)}, []Misfit{{Namespace: "system", Class: Objects, Key: "http_loadbalancer", Used: Units(6), Limit: Units(5)}}},
		// Misfits lists only the quota objects of system; a namespace's own
		// object (were it passed) must not loosen the tenant-wide limit.
		{"a namespace object does not loosen the tenant", []Quota{{Namespace: "ns1", Spec: Spec{ObjectLimits: map[string]ObjectLimit{"http_loadbalancer": {Maximum: 10}}}}},
			[]Counter{lb(6)}, []Misfit{{Namespace: "system", Class: Objects, Key: "http_loadbalancer", Used: Units(6), Limit: Units(5)}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := misfits(planSpec, tc.qs, tc.totals); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
	m := Misfit{Namespace: "system", Class: Objects, Key: "http_loadbalancer", Used: Units(6), Limit: Units(5)}
	if got := m.String(); got != "objects/http_loadbalancer tenant-wide (used 6, limit 5)" {
		t.Fatalf("String() = %q", got)
	}
}
