package store

import (
	"reflect"
	"testing"

	"github.com/billingd/billingd/domain/quota"
)

// TestSpecCacheHandsOutCopies: a spec decoded again is the same value, and
// what one caller does to its maps does not reach the next caller.
func TestSpecCacheHandsOutCopies(t *testing.T) {
	c := specCache{specs: map[string]quota.Spec{}}
	text := `{"object_limits":{"http_loadbalancer":{"maximum":5}},"resource_limits":{"vcpu":{"maximum":2.5}},"api_limits":{"x":{"rate":3,"burst":4,"unit":"MINUTE"}}}`
	want := quota.Spec{ObjectLimits: map[string]quota.ObjectLimit{"http_loadbalancer": {Maximum: 5}},
		ResourceLimits: map[string]quota.ResourceLimit{"vcpu": {Maximum: 2.5}},
		APILimits:      map[string]quota.RateLimit{"x": {Rate: 3, Burst: 4, Unit: "MINUTE"}}}
	first, err := c.decode(text)
	if err != nil || !reflect.DeepEqual(first, want) {
		t.Fatalf("decode: %+v, %v; want %+v", first, err, want)
	}
	first.ObjectLimits["http_loadbalancer"] = quota.ObjectLimit{Maximum: 99}
	delete(first.ResourceLimits, "vcpu")
	again, err := c.decode(text)
	if err != nil || !reflect.DeepEqual(again, want) {
		t.Fatalf("decoded again after the first copy changed: %+v, %v; want %+v", again, err, want)
	}
	if empty, err := c.decode(`{}`); err != nil || empty.ObjectLimits != nil || empty.ResourceLimits != nil || empty.APILimits != nil {
		t.Fatalf("empty spec: %+v, %v; want nil maps (an empty family is omitted)", empty, err)
	}
	if _, err := c.decode(`{"object_limits":`); err == nil {
		t.Fatal("a broken spec decoded")
	}
	if _, ok := c.specs[`{"object_limits":`]; ok {
		t.Fatal("a broken spec was remembered")
	}
}
