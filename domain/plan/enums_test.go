package plan

import "testing"

func TestEnumNumbers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		num  int32
		want int32
	}{
		{"FREEMIUM", TenantTypeFreemium.Number(), 1},
		{"FREE", PlanTypeFree.Number(), 0},
		{"PLAN_TYPE_UNSPECIFIED", PlanTypeUnspecified.Number(), 4},
		{"PERIOD_MONTH", PeriodMonth.Number(), 3},
		{"TRANSITION_METHOD_RECREATE", TransitionMethodRecreate.Number(), 3},
		{"TRANSITION_REQUIRED_FIELD_DOMAIN", TransitionRequiredFieldDomain.Number(), 2},
		{"unknown", PlanType("GOLD").Number(), -1},
	}
	for _, tt := range tests {
		if tt.num != tt.want {
			t.Errorf("%s.Number() = %d, want %d", tt.name, tt.num, tt.want)
		}
	}
	if v, ok := PeriodUnitOf(4); !ok || v != PeriodYear {
		t.Errorf("PeriodUnitOf(4) = %q, %v", v, ok)
	}
	if _, ok := TenantTypeOf(3); ok {
		t.Error("TenantTypeOf(3) found a value")
	}
	if v, ok := TransitionMethodOf(1); !ok || v != TransitionMethodSupport {
		t.Errorf("TransitionMethodOf(1) = %q, %v", v, ok)
	}
	if v, ok := TransitionRequiredFieldOf(3); !ok || v != TransitionRequiredFieldContacts {
		t.Errorf("TransitionRequiredFieldOf(3) = %q, %v", v, ok)
	}
	if v, ok := PlanTypeOf(-1); ok {
		t.Errorf("PlanTypeOf(-1) = %q", v)
	}
}
