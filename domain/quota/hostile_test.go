package quota

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/billingd/billingd/domain/errs"
)

func TestReadAmountBoundsTheLiteral(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in      string
		want    Amount
		problem string
	}{
		{"1e999999", 0, "exponent beyond ±30"},
		{"1e-999999999999999999999", 0, "exponent beyond ±30"},
		{"1E31", 0, "exponent beyond ±30"},
		{"1e30", 0, "larger than 1000000000000"},
		{"1e12", Units(MaxAmount), ""},
		{"0.000000000000000000000000000001e30", Units(1), ""},
		{strings.Repeat("1", 41), 0, "more than 40 significant digits"},
		{"0." + strings.Repeat("0", 50) + "1", 0, "more than 6 decimals"},
		{"0000000000000000000000000000000000000000000002", Units(2), ""},
		{"2.50000000000000000000000000", 2_500_000, ""},
		{"1.0000001", 0, "more than 6 decimals"},
		{"-1000000000000", -Units(MaxAmount), ""},
		{"1000000000001", 0, "larger than"},
		{"9999999999999999999", 0, "larger than"},
		{"18446744073709551617", 0, "larger than"},
		{"1/2", 0, "not a decimal number"}, {"0x10", 0, "not a decimal number"}, {"1e", 0, "not a decimal number"},
		{".", 0, "not a decimal number"}, {" 1", 0, "not a decimal number"}, {"Inf", 0, "not a decimal number"},
		{strings.Repeat("0", 101), 0, "longer than 100"},
		{".5", 500_000, ""}, {"5.", Units(5), ""}, {"-0", 0, ""},
	}
	for _, c := range cases {
		got, err := ReadAmount(c.in)
		switch {
		case c.problem == "" && (err != nil || got != c.want):
			t.Errorf("ReadAmount(%q) = %d, %v; want %d", c.in, got, err, c.want)
		case c.problem != "" && (err == nil || !strings.Contains(err.Error(), c.problem)):
			t.Errorf("ReadAmount(%q) = %d, %v; want an error containing %q", c.in, got, err, c.problem)
		}
	}
}

// TestReadAmountIsCheapForBombs is the regression of the 18.8 s reservation:
// 800 values of 1e999999 went through big.Rat. Read on their text they cost
// microseconds; the bound is loose enough for a loaded machine.
func TestReadAmountIsCheapForBombs(t *testing.T) {
	t.Parallel()
	start := time.Now()
	for i := 0; i < 800; i++ {
		for _, s := range []string{"1e999999", "1e-999999", "9" + strings.Repeat("9", 99)} {
			if _, err := ReadAmount(s); err == nil {
				t.Fatalf("%s accepted", s)
			}
		}
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Fatalf("2,400 bombs took %s", d)
	}
}

func TestReserveValidateBoundsAmounts(t *testing.T) {
	t.Parallel()
	in := ReserveInput{Namespace: "ns1", Resources: map[string]Amount{"gpu": MaxCounter + 1, "cpu": -MaxCounter - 1, "ok": MaxCounter}}
	err := in.Validate()
	e := errs.As(err)
	if e.Kind != errs.Invalid || len(e.Fields) != 2 || e.Fields[0].Field != `resources["cpu"]` || e.Fields[1].Field != `resources["gpu"]` ||
		!strings.Contains(e.Fields[1].Problem, "1000000000000") {
		t.Fatalf("%v", err)
	}
	big := ReserveInput{Namespace: "ns1", Objects: map[string]Amount{}}
	for i := 0; i <= MaxReserveKeys; i++ {
		big.Objects["k"+strconv.Itoa(i)] = Units(1)
	}
	if e := errs.As(big.Validate()); len(e.Fields) != 1 || !strings.Contains(e.Fields[0].Problem, "at most 1000 keys") {
		t.Fatalf("too many keys: %v", e)
	}
	bad := ReserveInput{Namespace: "ns1", Objects: map[string]Amount{"a": Units(1)}, IdempotencyKey: "k\xff"}
	if e := errs.As(bad.Validate()); len(e.Fields) != 1 || e.Fields[0].Field != "Idempotency-Key" {
		t.Fatalf("idempotency key: %v", e)
	}
}

// TestBuildDeltasCapsUnlimitedKeys: a key without a limit still gets
// MaxCounter as its ceiling, at each level, so the conditional update in the
// store refuses what would overflow the int64 column; the rejection is a 400
// naming the key and the largest countable amount, not QuotaExceeded.
func TestBuildDeltasCapsUnlimitedKeys(t *testing.T) {
	t.Parallel()
	lv := Levels{
		Tenant:    Spec{ObjectLimits: map[string]ObjectLimit{"lb": {5}}, ResourceLimits: map[string]ResourceLimit{"vcpu": {2.5}}},
		Namespace: Spec{ObjectLimits: map[string]ObjectLimit{"lb": {3}, "pool": {7}}},
	}
	in := ReserveInput{Objects: map[string]Amount{"lb": Units(1), "pool": Units(1)}, Resources: map[string]Amount{"vcpu": 1, "gpu": Units(MaxAmount)},
		APIs: map[string]Amount{"x.API.Get": Units(1)}}
	ds := buildDeltas(in, lv)
	want := map[string]struct {
		max, tenantMax     Amount
		atCap, tenantAtCap bool
	}{
		"lb":        {Units(3), Units(5), false, false},
		"pool":      {Units(7), MaxCounter, false, true},
		"vcpu":      {MaxCounter, 2_500_000, true, false},
		"gpu":       {MaxCounter, MaxCounter, true, true},
		"x.API.Get": {MaxCounter, MaxCounter, true, true},
	}
	if len(ds) != len(want) {
		t.Fatalf("%+v", ds)
	}
	for i, d := range ds {
		if i > 0 && (ds[i-1].Class > d.Class || ds[i-1].Class == d.Class && ds[i-1].Key >= d.Key) {
			t.Errorf("deltas out of lock order: %s/%s after %s/%s", d.Class, d.Key, ds[i-1].Class, ds[i-1].Key)
		}
		if d.Max == nil || d.TenantMax == nil {
			t.Fatalf("%s %s has no ceiling", d.Class, d.Key)
		}
		w := want[d.Key]
		if *d.Max != w.max || *d.TenantMax != w.tenantMax || d.AtCapacity != w.atCap || d.TenantAtCapacity != w.tenantAtCap {
			t.Errorf("%s %s: max %d (at capacity %v), tenant max %d (at capacity %v); want %+v", d.Class, d.Key, *d.Max, d.AtCapacity, *d.TenantMax, d.TenantAtCapacity, w)
		}
	}
	var lb, gpu Delta
	for _, d := range ds {
		switch d.Key {
		case "lb":
			lb = d
		case "gpu":
			gpu = d
		}
	}
	err := overCapacity([]Rejection{{Delta: lb, Current: Units(3)}, {Delta: gpu, Tenant: true, Current: Units(MaxAmount)}})
	e := errs.As(err)
	if e.Kind != errs.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != `resources["gpu"]` ||
		!strings.Contains(e.Fields[0].Problem, "tenant-wide usage") ||
		!strings.Contains(e.Fields[0].Problem, "largest countable amount") || !strings.Contains(e.Fields[0].Problem, "1000000000000") {
		t.Fatalf("%v", err)
	}
	if overCapacity([]Rejection{{Delta: lb}, {Delta: lb, Tenant: true}}) != nil {
		t.Fatal("a limit rejection was called over capacity")
	}
	if r := (Rejection{Delta: lb, Tenant: true}); r.Limit() != Units(5) {
		t.Fatalf("tenant rejection limit %s, want 5", r.Limit())
	}
	if r := (Rejection{Delta: lb}); r.Limit() != Units(3) {
		t.Fatalf("namespace rejection limit %s, want 3", r.Limit())
	}
}

func TestSpecAndMetaCaps(t *testing.T) {
	t.Parallel()
	s := Spec{ObjectLimits: map[string]ObjectLimit{}, ResourceLimits: map[string]ResourceLimit{"vcpu": {0.0000001}, "mem": {2.000001}}}
	for i := 0; i <= MaxLimitKeys; i++ {
		s.ObjectLimits["k"+strconv.Itoa(i)] = ObjectLimit{1}
	}
	var f errs.Fields
	s.Validate("spec", &f)
	if len(f) != 1 || f[0].Field != "spec.object_limits" || !strings.Contains(f[0].Problem, "at most 256") {
		t.Fatalf("too many object limits: %+v", f)
	}
	s.ObjectLimits = nil
	f = nil
	s.Validate("spec", &f)
	if len(f) != 1 || f[0].Field != `spec.resource_limits["vcpu"].maximum` || !strings.Contains(f[0].Problem, "6 decimals") {
		t.Fatalf("seventh decimal: %+v", f)
	}
	for _, m := range []float64{0.1, 2.5, 123456.789012, 999999999999.999, 1e12} {
		if subMillionth(m) {
			t.Errorf("%v has at most 6 decimals but was refused", m)
		}
	}

	labels := map[string]string{}
	for i := 0; i <= MaxLabels; i++ {
		labels["l"+strconv.Itoa(i)] = "v"
	}
	f = nil
	ValidateMeta("q", "ns1", "d\x00", labels, map[string]string{"a": "b\xff"}, &f)
	want := []string{"metadata.description", "metadata.labels", `metadata.annotations["a"]`}
	if len(f) != len(want) {
		t.Fatalf("%+v", f)
	}
	for i, w := range want {
		if f[i].Field != w {
			t.Errorf("field %d: %+v, want %s", i, f[i], w)
		}
	}
}
