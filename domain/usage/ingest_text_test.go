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
