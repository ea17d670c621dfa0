package quota

import (
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

func TestBuildReportListsLimitedAndCountedKeys(t *testing.T) {
	t.Parallel()
	lim := Spec{ObjectLimits: map[string]ObjectLimit{"http_loadbalancer": {3}}, ResourceLimits: map[string]ResourceLimit{"vcpu": {2.5}}}
	r := BuildReport("ns1", lim, []Counter{{Namespace: "ns1", Class: Objects, Key: "http_loadbalancer", Used: Units(2)},
		{Namespace: "ns1", Class: Objects, Key: "origin_pool", Used: Units(9)}})
	objs := r.Items[Objects]
	if len(objs) != 2 || objs[0].Key != "http_loadbalancer" || *objs[0].Max != Units(3) || objs[0].Current != Units(2) ||
		objs[0].DisplayName != "HTTP Load Balancer" || objs[1].Max != nil || objs[1].Current != Units(9) {
		t.Fatalf("objects: %+v", objs)
	}
	if res := r.Items[Resources]; len(res) != 1 || *res[0].Max != 2_500_000 || res[0].Current != 0 {
		t.Fatalf("resources: %+v", res)
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
