package rest

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/usage"
	"github.com/shopspring/decimal"
)

// The F5 wire types of the usage reports (API.md §5, §6). Answers carry zero
// values (API.md §1): numbers 0, enums by name, lists [] (never null); only
// the timestamps, google.protobuf.Timestamp messages, are absent when unset.
// int64 fields travel as JSON strings ("0"), doubles as numbers.

// usageRangeRequest is usageListCurrentUsageReq and usageListUsageDetailsReq.
// from/to stay strings until parsed, so a bad one is a 400 naming it.
type usageRangeRequest struct {
	Namespace string `json:"namespace,omitempty"`
	From      string `json:"from,omitempty"`
	To        string `json:"to,omitempty"`
}

// usageMonthlyRequest is usageListMonthlyUsageReq.
type usageMonthlyRequest struct {
	Namespace string `json:"namespace,omitempty"`
}

// usageHourlyRequest is usageListHourlyUsageDetailsReq.
type usageHourlyRequest struct {
	Namespace string `json:"namespace,omitempty"`
	Query     string `json:"query,omitempty"`
}

// usageSummaryRequest is billingBillingUsageSummaryRequest.
type usageSummaryRequest struct {
	StartTime queryTimeText `json:"start_time,omitempty"`
	EndTime   queryTimeText `json:"end_time,omitempty"`
}

// queryTimeText is a "unix_timestamp | RFC 3339" string. The schema says
// string, but a client that sends unix seconds as a JSON number means the
// same thing, so a number is taken too.
type queryTimeText string

func (q *queryTimeText) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*q = queryTimeText(s)
		return nil
	}
	if string(b) == "null" {
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*q = queryTimeText(n.String())
	return nil
}

// parseTimestamp reads a google.protobuf.Timestamp (RFC 3339); empty is "not given".
func parseTimestamp(field, s string) (time.Time, error) {
	if strings.TrimSpace(s) == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, bodyError(field, "%q is not an RFC 3339 timestamp such as 2026-03-01T00:00:00Z", s)
	}
	return t, nil
}

// times parses from and to, reporting both when both are bad.
func (r usageRangeRequest) times() (time.Time, time.Time, error) {
	from, err1 := parseTimestamp("from", r.From)
	to, err2 := parseTimestamp("to", r.To)
	if err1 != nil || err2 != nil {
		var f errs.Fields
		for _, e := range []error{err1, err2} {
			if e != nil {
				f = append(f, errs.As(e).Fields...)
			}
		}
		return time.Time{}, time.Time{}, &errs.Error{Kind: errs.Invalid, Message: "invalid request body", Fields: f}
	}
	return from, to, nil
}

func wireTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// wireDouble is a quantity as the proto double the schema declares. Only
// display quantities travel this way; money never does.
func wireDouble(d decimal.Decimal) float64 {
	f, _ := d.Float64()
	return f
}

type hourlyItemWire struct {
	StartTimestamp string  `json:"start_timestamp,omitempty"`
	EndTimestamp   string  `json:"end_timestamp,omitempty"`
	UnitName       string  `json:"unit_name"`
	Quantity       float64 `json:"quantity"`
	Deployment     string  `json:"deployment"`
	Container      string  `json:"container"`
}

type usageItemWire struct {
	ObjectName           string           `json:"object_name"`
	Namespace            string           `json:"namespace"`
	UsageType            string           `json:"usage_type"`
	Quantity             float64          `json:"quantity"`
	UnitName             string           `json:"unit_name"`
	StartTimestamp       string           `json:"start_timestamp,omitempty"`
	EndTimestamp         string           `json:"end_timestamp,omitempty"`
	HourlyBreakdown      []hourlyItemWire `json:"hourly_breakdown"`
	HourlyBreakdownQuery string           `json:"hourly_breakdown_query"`
	MetricLabel          string           `json:"metric_label"`
}

type listUsageDetailsResp struct {
	UsageItems []usageItemWire `json:"usage_items"`
}

type listHourlyUsageDetailsResp struct {
	HourlyUsageItems []hourlyItemWire `json:"hourly_usage_items"`
}

type calculatedUsageItemWire struct {
	UsageType        string   `json:"usage_type"`
	Quantity         float64  `json:"quantity"`
	UnitName         string   `json:"unit_name"`
	Amount           int64    `json:"amount,string"`
	CurrencyCode     string   `json:"currency_code"`
	StartTimestamp   string   `json:"start_timestamp,omitempty"`
	EndTimestamp     string   `json:"end_timestamp,omitempty"`
	Fixed            bool     `json:"fixed"`
	Status           string   `json:"status"`
	QuantityBillable int64    `json:"quantity_billable,string"`
	UnitNameBillable string   `json:"unit_name_billable"`
	MetricLabels     []string `json:"metric_labels"`
}

type couponWire struct {
	DiscountType   string `json:"discount_type"`
	DiscountAmount int32  `json:"discount_amount"`
	Title          string `json:"title"`
}

type listCurrentUsageResp struct {
	UsageItems []calculatedUsageItemWire `json:"usage_items"`
	TotalCost  int64                     `json:"total_cost,string"`
	Coupons    []couponWire              `json:"coupons"`
	Discount   int64                     `json:"discount,string"`
}

type monthlyUsageWire struct {
	Amount         int64  `json:"amount,string"`
	CurrencyCode   string `json:"currency_code"`
	StartTimestamp string `json:"start_timestamp,omitempty"`
	EndTimestamp   string `json:"end_timestamp,omitempty"`
}

type listMonthlyUsageResp struct {
	MonthlyUsageItems []monthlyUsageWire `json:"monthly_usage_items"`
}

type metricValueWire struct {
	Timestamp float64 `json:"timestamp"`
	Value     string  `json:"value"`
}

type usageMetricDataWire struct {
	Unit        string           `json:"unit"`
	MetricValue *metricValueWire `json:"metric_value"`
}

type billingMetricDataWire struct {
	Unit  string `json:"unit"`
	Value string `json:"value"`
}

type usageSummaryItemWire struct {
	Name              string                 `json:"name"`
	Service           string                 `json:"service"`
	UsageMetricData   *usageMetricDataWire   `json:"usage_metric_data"`
	BillingMetricData *billingMetricDataWire `json:"billing_metric_data"`
}

type usageSummaryResp struct {
	UsageSummaryItems []usageSummaryItemWire `json:"usage_summary_items"`
}

func hourlyToWire(h usage.HourlyItem) hourlyItemWire {
	return hourlyItemWire{StartTimestamp: wireTime(h.Start), EndTimestamp: wireTime(h.End), UnitName: h.UnitName,
		Quantity: wireDouble(h.Quantity), Deployment: h.Deployment, Container: h.Container}
}

func usageDetailsToWire(items []usage.UsageItem) listUsageDetailsResp {
	out := listUsageDetailsResp{UsageItems: []usageItemWire{}}
	for _, it := range items {
		w := usageItemWire{ObjectName: it.ObjectName, Namespace: it.Namespace, UsageType: it.UsageType, Quantity: wireDouble(it.Quantity),
			UnitName: it.UnitName, StartTimestamp: wireTime(it.Start), EndTimestamp: wireTime(it.End),
			HourlyBreakdown: []hourlyItemWire{}, HourlyBreakdownQuery: it.HourlyQuery, MetricLabel: it.MetricLabel}
		for _, h := range it.Hourly {
			w.HourlyBreakdown = append(w.HourlyBreakdown, hourlyToWire(h))
		}
		out.UsageItems = append(out.UsageItems, w)
	}
	return out
}

func hourlyDetailsToWire(items []usage.HourlyItem) listHourlyUsageDetailsResp {
	out := listHourlyUsageDetailsResp{HourlyUsageItems: []hourlyItemWire{}}
	for _, h := range items {
		out.HourlyUsageItems = append(out.HourlyUsageItems, hourlyToWire(h))
	}
	return out
}

func costToWire(c usage.Cost) listCurrentUsageResp {
	out := listCurrentUsageResp{UsageItems: []calculatedUsageItemWire{}, TotalCost: c.TotalCents, Coupons: []couponWire{}, Discount: c.DiscountCents}
	for _, l := range c.Lines {
		out.UsageItems = append(out.UsageItems, calculatedUsageItemWire{
			UsageType: l.UsageType, Quantity: wireDouble(l.Quantity), UnitName: l.UnitName, Amount: l.AmountCents,
			CurrencyCode: l.Currency, StartTimestamp: wireTime(l.Start), EndTimestamp: wireTime(l.End), Fixed: l.Fixed,
			Status: l.Status.String(), QuantityBillable: l.Billable,
			UnitNameBillable: l.UnitNameBillable, MetricLabels: orNone(l.MetricLabels),
		})
	}
	for _, cp := range c.Coupons {
		out.Coupons = append(out.Coupons, couponWire{DiscountType: cp.Type.String(),
			DiscountAmount: cp.Amount, Title: cp.Title})
	}
	return out
}

func monthlyToWire(ms []usage.MonthTotal) listMonthlyUsageResp {
	out := listMonthlyUsageResp{MonthlyUsageItems: []monthlyUsageWire{}}
	for _, m := range ms {
		out.MonthlyUsageItems = append(out.MonthlyUsageItems, monthlyUsageWire{Amount: m.AmountCents, CurrencyCode: m.Currency,
			StartTimestamp: wireTime(m.Start), EndTimestamp: wireTime(m.End)})
	}
	return out
}

func summaryToWire(items []usage.SummaryItem) usageSummaryResp {
	out := usageSummaryResp{UsageSummaryItems: []usageSummaryItemWire{}}
	for _, it := range items {
		out.UsageSummaryItems = append(out.UsageSummaryItems, usageSummaryItemWire{
			Name: it.Name, Service: it.Service,
			UsageMetricData: &usageMetricDataWire{Unit: it.Unit, MetricValue: &metricValueWire{
				Timestamp: float64(it.Timestamp.Unix()), Value: it.Quantity.String()}},
			BillingMetricData: &billingMetricDataWire{Unit: it.BillableUnit, Value: it.BillableValue},
		})
	}
	return out
}
