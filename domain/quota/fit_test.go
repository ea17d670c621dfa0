package quota

import (
	"reflect"
	"testing"
)

func TestMisfits(t *testing.T) {
	t.Parallel()
	planSpec := Spec{ObjectLimits: map[string]ObjectLimit{"http_loadbalancer": {Maximum: 5}, "user": {Maximum: 1}},
		ResourceLimits: map[string]ResourceLimit{"vcpu": {Maximum: 2}}}
	tests := []struct {
		name     string
		qs       []Quota
		counters []Counter
		want     []Misfit
	}{
		{"fits", nil, []Counter{{Namespace: "system", Class: Objects, Key: "http_loadbalancer", Used: Units(5)}}, nil},
		{"over in two namespaces", nil, []Counter{
			{Namespace: "system", Class: Objects, Key: "http_loadbalancer", Used: Units(6)},
			{Namespace: "ns1", Class: Resources, Key: "vcpu", Used: AmountFromFloat(2.5)},
			{Namespace: "ns1", Class: APIs, Key: "x", Used: Units(1000)},
			{Namespace: "ns1", Class: Objects, Key: "unlimited", Used: Units(1000)},
		}, []Misfit{
			{Namespace: "ns1", Class: Resources, Key: "vcpu", Used: AmountFromFloat(2.5), Limit: AmountFromFloat(2)},
			{Namespace: "system", Class: Objects, Key: "http_loadbalancer", Used: Units(6), Limit: Units(5)},
		}},
		{"a quota object overrides the plan", []Quota{{Namespace: "system", Spec: Spec{ObjectLimits: map[string]ObjectLimit{"http_loadbalancer": {Maximum: 10}}}}},
			[]Counter{{Namespace: "ns1", Class: Objects, Key: "http_loadbalancer", Used: Units(6)}}, nil},
		{"a disabled object does not", []Quota{{Namespace: "ns1", Disable: true, Spec: Spec{ObjectLimits: map[string]ObjectLimit{"http_loadbalancer": {Maximum: 10}}}}},
			[]Counter{{Namespace: "ns1", Class: Objects, Key: "http_loadbalancer", Used: Units(6)}},
			[]Misfit{{Namespace: "ns1", Class: Objects, Key: "http_loadbalancer", Used: Units(6), Limit: Units(5)}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := misfits(planSpec, tc.qs, tc.counters); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
