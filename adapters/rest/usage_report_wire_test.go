package rest

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/usage"
	"github.com/shopspring/decimal"
)

// TestCostWire pins the proto3 JSON of a priced report: int64 money and
// billable counts as strings, quantities as numbers, enums as names, and
// zero values written (the discount "0", an unused line's amount "0", empty
// lists []); only unset timestamps are left out.
func TestCostWire(t *testing.T) {
	t.Parallel()
	m := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	c := usage.Cost{TotalCents: 9970, Lines: []usage.CostLine{
		{UsageType: "Team plan", Quantity: decimal.NewFromInt(1), Billable: 1, AmountCents: 9900, Currency: "USD", Start: m, End: m.AddDate(0, 1, 0), Fixed: true, Status: usage.StatusActive},
		{UsageType: "HTTP Requests", MetricLabels: []string{"http_requests"}, Quantity: decimal.RequireFromString("2500000.5"), Billable: 2, AmountCents: 70, Currency: "USD", Status: usage.StatusActive},
		{UsageType: "Never Used", MetricLabels: []string{"unused"}, Currency: "USD", Status: usage.StatusNoData},
	}}
	b, err := json.Marshal(costToWire(c))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"usage_items":[` +
		`{"usage_type":"Team plan","quantity":1,"unit_name":"","amount":"9900","currency_code":"USD","start_timestamp":"2026-03-01T00:00:00Z","end_timestamp":"2026-04-01T00:00:00Z","fixed":true,"status":"STATUS_ACTIVE","quantity_billable":"1","unit_name_billable":"","metric_labels":[]},` +
		`{"usage_type":"HTTP Requests","quantity":2500000.5,"unit_name":"","amount":"70","currency_code":"USD","fixed":false,"status":"STATUS_ACTIVE","quantity_billable":"2","unit_name_billable":"","metric_labels":["http_requests"]},` +
		`{"usage_type":"Never Used","quantity":0,"unit_name":"","amount":"0","currency_code":"USD","fixed":false,"status":"STATUS_NO_DATA","quantity_billable":"0","unit_name_billable":"","metric_labels":["unused"]}],` +
		`"total_cost":"9970","coupons":[],"discount":"0"}`
	if string(b) != want {
		t.Fatalf("wire\n got %s\nwant %s", b, want)
	}
}

// TestUsageRequestTimes: RFC 3339 in any zone; a bad from/to is a 400 that
// names every bad field; usage_summary times may be strings or numbers.
func TestUsageRequestTimes(t *testing.T) {
	t.Parallel()
	from, to, err := usageRangeRequest{From: "2026-03-01T01:00:00+01:00", To: "2026-03-02T00:00:00.5Z"}.times()
	if err != nil || !from.Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)) || to.Nanosecond() != 5e8 {
		t.Fatalf("times %s %s %v", from, to, err)
	}
	_, _, err = usageRangeRequest{From: "yesterday", To: "1772409600"}.times()
	e := errs.As(err)
	if e.Kind != errs.Invalid || len(e.Fields) != 2 || e.Fields[0].Field != "from" || e.Fields[1].Field != "to" {
		t.Fatalf("bad times: %v", err)
	}
	for body, want := range map[string]string{
		`{"start_time":"1772409600","end_time":1772413200}`: "1772409600|1772413200",
		`{"start_time":"2026-03-02T00:00:00Z"}`:             "2026-03-02T00:00:00Z|",
		``:                                                  "|",
	} {
		var req usageSummaryRequest
		if err := decodeBody(httptest.NewRequest("POST", "/", strings.NewReader(body)), &req); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if got := string(req.StartTime) + "|" + string(req.EndTime); got != want {
			t.Errorf("%s: %s, want %s", body, got, want)
		}
	}
	var req usageSummaryRequest
	if err := decodeBody(httptest.NewRequest("POST", "/", strings.NewReader(`{"start_time":true}`)), &req); !errs.Is(err, errs.Invalid) {
		t.Fatalf("boolean start_time: %v", err)
	}
}
