package usage

import (
	"strings"
	"testing"
	"time"

	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/shopspring/decimal"
)

// TestValidateRefusesUnstorableText: a NUL or invalid UTF-8 in any key
// field of an event is that event's rejection, naming the field; before, the
// NUL failed the whole batch's transaction on PostgreSQL (a 500).
func TestValidateRefusesUnstorableText(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	pl := plan.Plan{Name: "p", RateCard: []plan.Rate{{MetricLabel: "http_requests", UnitName: "request"}}}
	good := Event{ID: "e1", UsageType: "http_requests", ObjectName: "lb", UnitName: "request", Quantity: decimal.NewFromInt(1), Timestamp: now.Add(-time.Hour)}
	if r := validate(good, pl, now, 24*time.Hour); len(r) != 0 {
		t.Fatalf("good event refused: %v", r)
	}
	for _, c := range []struct {
		field string
		set   func(*Event)
		want  string
	}{
		{"id", func(e *Event) { e.ID = "a\x00b" }, "id must not contain a NUL"},
		{"id", func(e *Event) { e.ID = "u-\xff" }, "id must be valid UTF-8"},
		{"object_name", func(e *Event) { e.ObjectName = "lb\x00" }, "object_name must not contain a NUL"},
		{"deployment", func(e *Event) { e.Deployment = "\x00" }, "deployment must not contain a NUL"},
		{"container", func(e *Event) { e.Container = "c\xfe" }, "container must be valid UTF-8"},
		{"unit_name", func(e *Event) { e.UnitName = "request\x00" }, "unit_name must not contain a NUL"},
	} {
		e := good
		c.set(&e)
		r := strings.Join(validate(e, pl, now, 24*time.Hour), "; ")
		if !strings.Contains(r, c.want) {
			t.Errorf("%s: reasons %q, want %q", c.field, r, c.want)
		}
	}
}

func TestAuthorizeIngestBeforeDecoding(t *testing.T) {
	t.Parallel()
	s := &Service{}
	viewer := tenancy.WithPrincipal(t.Context(), tenancy.Principal{TenantID: "t1", TokenID: "k", Role: tenancy.RoleViewer})
	if err := s.AuthorizeIngest(viewer, tenancy.FromContext(viewer), "ns1"); err == nil {
		t.Fatal("a viewer may not ingest")
	}
	editor := tenancy.WithPrincipal(t.Context(), tenancy.Principal{TenantID: "t1", TokenID: "k", Role: tenancy.RoleEditor})
	if err := s.AuthorizeIngest(editor, tenancy.FromContext(editor), "ns1"); err != nil {
		t.Fatal(err)
	}
	if err := s.AuthorizeIngest(editor, tenancy.FromContext(editor), "a\x00b"); err == nil {
		t.Fatal("a namespace with a NUL was accepted")
	}
}

// TestOverflowingQuantityIsRejected is issue 11's overflow example: an event
// of 9×10^23 requests was accepted, saturated current_usage at MaxInt64 and
// made the invoice negative. It is now rejected for that event, with why.
func TestOverflowingQuantityIsRejected(t *testing.T) {
	t.Parallel()
	rate := plan.Rate{MetricLabel: "http_requests", UnitName: "request", UnitNameBillable: "million requests",
		UnitsPerBillable: decimal.NewFromInt(1_000_000), PricePerBillable: decimal.RequireFromString("0.50")}
	for _, tc := range []struct {
		q    string
		want string
	}{
		{"900000000000000000000000", "one event may bill at most 1000000000000 million requests"},
		{"1000000000000000000", "one event may cost at most 100000000000 cents"}, // 10^12 M × 50 ¢
		{"2000001000000000", "one event may cost at most 100000000000 cents"},    // 2,000,001,000 M × 50 ¢
		{"2000000999999", ""},    // floors to 2,000,000 M: 10^8 ¢
		{"2000000000000000", ""}, // 2×10^9 M: exactly 10^11 ¢, the most
		{"1500000", ""},
	} {
		got := tooLargeForOneEvent(decimal.RequireFromString(tc.q), rate)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("quantity %s: %q, want %q", tc.q, got, tc.want)
		}
	}
}
