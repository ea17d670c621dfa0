package usage

import (
	"cmp"
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/shopspring/decimal"
)

// MaxReportRange is the longest from..to a report may cover. Reports read
// hourly rollups, so an unbounded range would let one request scan years of
// rows; a year and a bit covers every question the upstream UI asks.
const MaxReportRange = 400 * 24 * time.Hour

// SummaryWindow is the usage_summary default window (API.md §6).
const SummaryWindow = 6 * time.Hour

// LineStatus is schemausageStatusType; the numbers are the proto values.
type LineStatus int

// The statuses of a priced line.
const (
	StatusUnknown LineStatus = iota
	// StatusNoData: the rate card prices the usage type but nothing was used.
	StatusNoData
	// StatusNotMeasured: usage was recorded but the current rate card has no
	// price for it (for example after a plan change), so it costs nothing.
	StatusNotMeasured
	// StatusActive: a metered line priced from the rate card, or a fixed line.
	StatusActive
)

var lineStatusNames = []string{"STATUS_UNKNOWN", "STATUS_NO_DATA", "STATUS_NOT_MEASURED", "STATUS_ACTIVE"}

// String returns the proto enum name.
func (s LineStatus) String() string {
	if s < 0 || int(s) >= len(lineStatusNames) {
		return lineStatusNames[0]
	}
	return lineStatusNames[s]
}

// DiscountType is usageDiscountType; the numbers are the proto values.
type DiscountType int

// The discount types of a coupon.
const (
	DiscountUnknown DiscountType = iota
	DiscountFixedAmount
	DiscountPercentage
)

var discountTypeNames = []string{"DISCOUNT_TYPE_UNKNOWN", "DISCOUNT_TYPE_FIXED_AMOUNT", "DISCOUNT_TYPE_PERCENTAGE"}

// String returns the proto enum name.
func (d DiscountType) String() string {
	if d < 0 || int(d) >= len(discountTypeNames) {
		return discountTypeNames[0]
	}
	return discountTypeNames[d]
}

// HourlyItem is the usage of one UTC hour (usageHourlyItem). Deployment and
// container are set only for container usage.
type HourlyItem struct {
	Start, End time.Time
	UnitName   string
	Quantity   decimal.Decimal
	Deployment string
	Container  string
}

// UsageItem is the usage of one object and usage type in one namespace over
// a report's range (usageUsageItem).
type UsageItem struct {
	Namespace   string
	ObjectName  string
	UsageType   string // display name from the rate card, else the metric label
	MetricLabel string // the usage type id, stable across plans
	UnitName    string
	Quantity    decimal.Decimal
	Start, End  time.Time
	// Hourly is the deprecated hourly_breakdown: it sums to Quantity.
	Hourly []HourlyItem
	// HourlyQuery is the signed token hourly_usage_details accepts as query.
	HourlyQuery string
}

// CostLine is one priced line (usageCalculatedUsageItem).
type CostLine struct {
	UsageType        string
	MetricLabels     []string
	Quantity         decimal.Decimal
	UnitName         string
	Billable         int64
	UnitNameBillable string
	AmountCents      int64
	Currency         string
	Start, End       time.Time
	// Fixed lines are not derived from metered usage: the plan's flat price,
	// add-ons, late-usage adjustments and tax.
	Fixed  bool
	Status LineStatus
	// Plan is the plan a usage line was priced at; UnitPrice its rate's
	// price per billable unit. Neither is on the legacy wire.
	Plan      string
	UnitPrice decimal.Decimal
}

// Coupon is a discount applied to a cost report (usageCoupon).
type Coupon struct {
	Type   DiscountType
	Amount int32 // cents for a fixed amount, 0.01 % for a percentage
	Title  string
}

// Cost is the priced usage of a range (usageListCurrentUsageResp).
type Cost struct {
	From, To      time.Time
	Currency      string
	Lines         []CostLine
	Coupons       []Coupon
	DiscountCents int64
	// TotalCents is the sum of the lines' amounts minus DiscountCents, exactly.
	TotalCents int64
}

// MonthTotal is the priced usage of one UTC calendar month (usageMonthlyUsageType).
type MonthTotal struct {
	Start, End  time.Time
	AmountCents int64
	Currency    string
}

// SummaryItem is the usage of one usage type over a window
// (billingUsageSummaryItem).
type SummaryItem struct {
	Name         string // rate display name, else the usage type
	Service      string // the rate's service; empty when the rate card has none
	UsageType    string
	Unit         string
	Quantity     decimal.Decimal
	Timestamp    time.Time // the end of the window the quantity covers
	Start        time.Time // the start of the window (not on the legacy wire)
	BillableUnit string
	// BillableValue is Quantity ÷ UnitsPerBillable rounded half-up to 2
	// places, as text (upstream: 20 h over a 24 h unit → "0.83").
	BillableValue string
}

// reportScope authorizes a read of ns and returns the namespaces a report
// covers: nil (the whole tenant) for system, else ns alone.
func reportScope(p tenancy.Principal, ns string) ([]string, error) {
	if err := p.OnTenant(); err != nil {
		return nil, err
	}
	if !tenancy.ValidName(ns) {
		return nil, &errs.Error{Kind: errs.Invalid, Message: "invalid request", Fields: []errs.FieldError{{Field: "namespace", Problem: "must be a DNS-1035 label"}}}
	}
	if err := p.Authorize(tenancy.Read, ns); err != nil {
		return nil, err
	}
	if ns == tenancy.SystemNamespace {
		return nil, nil
	}
	return []string{ns}, nil
}

// ReportRange is the range a report of p over [from, to) covers: the
// defaults applied and the ends rounded out to whole hours, as every report
// of this service does; Invalid when the range is too long or reversed. It
// reads nothing: p must only be on a tenant, as for any report.
func (s *Service) ReportRange(_ context.Context, p tenancy.Principal, from, to time.Time) (time.Time, time.Time, error) {
	if err := p.OnTenant(); err != nil {
		return time.Time{}, time.Time{}, err
	}
	return s.reportRange(from, to)
}

// reportRange turns a requested from/to (zero = not given) into whole UTC
// hours [from, to): from is truncated down and to rounded up to the hour,
// because rollups are hourly and a partial hour cannot be split. A missing
// to is now; a missing from is the start of the calendar month of to, so an
// empty request answers "this month so far", which is what the upstream UI
// shows by default.
func (s *Service) reportRange(from, to time.Time) (time.Time, time.Time, error) {
	var f errs.Fields
	checkYear(&f, "from", from)
	checkYear(&f, "to", to)
	if err := f.Err(); err != nil {
		return time.Time{}, time.Time{}, err
	}
	if to.IsZero() {
		to = s.c.Clock.Now()
	}
	to = ceilHour(to.UTC())
	if from.IsZero() {
		from = monthStart(to.Add(-time.Nanosecond))
	}
	from = from.UTC().Truncate(time.Hour)
	return from, to, checkSpan(from, to, "from", "to")
}

func checkYear(f *errs.Fields, field string, t time.Time) {
	// Zero means "not given"; other times must be RFC 3339 printable once
	// rounded to the hour, and after the epoch, as no usage is older.
	if !t.IsZero() && (t.Year() < 1970 || t.Year() > 9998) {
		f.Add(field, "must be between 1970 and 9998")
	}
}

func checkSpan(from, to time.Time, fromField, toField string) error {
	switch {
	case to.Before(from):
		return (errs.Fields{{Field: fromField, Problem: "must not be after " + toField}}).Err()
	case to.Sub(from) > MaxReportRange:
		return (errs.Fields{{Field: toField, Problem: "the range may cover at most 400 days"}}).Err()
	}
	return nil
}

func ceilHour(t time.Time) time.Time {
	if h := t.Truncate(time.Hour); !h.Equal(t) {
		return h.Add(time.Hour)
	}
	return t
}

func monthStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// displayName is how a usage type is shown: the rate card's name when the
// current plan prices it.
func displayName(pl plan.Plan, usageType string) string {
	if r, ok := pl.Rate(usageType); ok && r.DisplayName != "" {
		return r.DisplayName
	}
	return usageType
}

// UsageDetails is op 24: one item per (namespace, object, usage type) with
// usage in [from, to), with its hourly breakdown and the token that opens it
// in HourlyUsageDetails. Zero from/to take the defaults of reportRange.
func (s *Service) UsageDetails(ctx context.Context, p tenancy.Principal, ns string, from, to time.Time) ([]UsageItem, error) {
	ctx = kernel.AllowStaleReads(ctx) // a report: a standby within its bound may answer
	nss, err := reportScope(p, ns)
	if err != nil {
		return nil, err
	}
	if from, to, err = s.reportRange(from, to); err != nil {
		return nil, err
	}
	pl, err := s.c.Plans.PlanOf(ctx, p)
	if err != nil {
		return nil, err
	}
	rows, err := s.c.Repo.Rollups(ctx, p.TenantID, nss, from, to)
	if err != nil {
		return nil, err
	}
	items := s.usageItems(pl, from, to, rows)
	for i, it := range items {
		items[i].HourlyQuery = encodeQuery(s.c.TokenKey, hourlyQuery{TenantID: p.TenantID, Namespace: it.Namespace, Object: it.ObjectName,
			UsageType: it.MetricLabel, From: from.Unix(), To: to.Unix()})
	}
	return items, nil
}

// usageItems builds UsageDetails' answer from the rollups of its range,
// in any order, without the items' signed HourlyQuery (an HMAC and a JSON
// document each), which UsageDetails adds: the batch reports' only caller,
// GraphQL, has no field for it.
func (s *Service) usageItems(pl plan.Plan, from, to time.Time, rows []Rollup) []UsageItem {
	rows = slices.Clone(rows)
	slices.SortFunc(rows, func(a, b Rollup) int {
		return cmp.Or(strings.Compare(a.Namespace, b.Namespace), strings.Compare(a.UsageType, b.UsageType),
			strings.Compare(a.ObjectName, b.ObjectName), a.Hour.Compare(b.Hour),
			strings.Compare(a.Deployment, b.Deployment), strings.Compare(a.Container, b.Container))
	})
	var items []UsageItem
	for i := 0; i < len(rows); {
		r := rows[i]
		it := UsageItem{
			Namespace: r.Namespace, ObjectName: r.ObjectName, UsageType: displayName(pl, r.UsageType), MetricLabel: r.UsageType,
			UnitName: r.UnitName, Start: from, End: to,
		}
		for ; i < len(rows) && rows[i].Namespace == r.Namespace && rows[i].UsageType == r.UsageType && rows[i].ObjectName == r.ObjectName; i++ {
			it.Quantity = it.Quantity.Add(rows[i].Quantity)
			it.Hourly = append(it.Hourly, hourlyOf(rows[i]))
		}
		items = append(items, it)
	}
	return items
}

func hourlyOf(r Rollup) HourlyItem {
	h := r.Hour.UTC()
	return HourlyItem{Start: h, End: h.Add(time.Hour), UnitName: r.UnitName, Quantity: r.Quantity, Deployment: r.Deployment, Container: r.Container}
}

// HourlyUsageDetails is op 22: the UTC hours of the usage a UsageDetails
// item's HourlyQuery names. The token must be one this server signed for the
// caller's tenant; anything else, including another tenant's genuine token,
// gets the same Invalid answer, so a token never opens or reveals another
// tenant's usage. A namespace report only opens tokens of that namespace.
func (s *Service) HourlyUsageDetails(ctx context.Context, p tenancy.Principal, ns, query string) ([]HourlyItem, error) {
	ctx = kernel.AllowStaleReads(ctx) // a report: a standby within its bound may answer
	_, err := reportScope(p, ns)
	if err != nil {
		return nil, err
	}
	q, err := decodeQuery(s.c.TokenKey, query)
	if err != nil {
		return nil, err
	}
	if q.TenantID != p.TenantID {
		return nil, errBadQuery()
	}
	if ns != tenancy.SystemNamespace && q.Namespace != ns {
		return nil, (errs.Fields{{Field: "query", Problem: "the token is for namespace " + q.Namespace + ", not " + ns}}).Err()
	}
	rows, err := s.c.Repo.Rollups(ctx, p.TenantID, []string{q.Namespace}, time.Unix(q.From, 0).UTC(), time.Unix(q.To, 0).UTC())
	if err != nil {
		return nil, err
	}
	var out []HourlyItem
	for _, r := range rows {
		if r.ObjectName == q.Object && r.UsageType == q.UsageType {
			out = append(out, hourlyOf(r))
		}
	}
	slices.SortFunc(out, func(a, b HourlyItem) int {
		return cmp.Or(a.Start.Compare(b.Start), strings.Compare(a.Deployment, b.Deployment), strings.Compare(a.Container, b.Container))
	})
	return out, nil
}

// typeSum is the usage of one usage type summed over a range.
type typeSum struct {
	UsageType string
	UnitName  string
	Quantity  decimal.Decimal
}

// typeSums is sumByType over the rollups of [from, to), summed by the
// database where the repository can (a month of a large tenant is hundreds of
// thousands of hourly rows; the sums are a handful).
func (s *Service) typeSums(ctx context.Context, tenantID string, nss []string, from, to time.Time) ([]typeSum, error) {
	rows, err := s.c.Repo.TypeTotals(ctx, tenantID, nss, from, to)
	if err != nil {
		return nil, err
	}
	return sumByType(rows), nil
}

// sumByType sums rows per usage type, in usage type order.
func sumByType(rows []Rollup) []typeSum {
	idx := map[string]int{}
	var out []typeSum
	for _, r := range rows {
		i, ok := idx[r.UsageType]
		if !ok {
			i = len(out)
			idx[r.UsageType] = i
			out = append(out, typeSum{UsageType: r.UsageType, UnitName: r.UnitName})
		}
		out[i].Quantity = out[i].Quantity.Add(r.Quantity)
	}
	slices.SortFunc(out, func(a, b typeSum) int { return strings.Compare(a.UsageType, b.UsageType) })
	return out
}

// CurrentUsage is op 21: the cost of [from, to) (defaults of reportRange
// for zero from/to). The range is cut at month boundaries and each month's
// part is that month's statement (see StatementSource): the running month
// from its start up to now is the running invoice, an issued month the
// issued invoice, any other part the same pricing over that part. The system
// namespace covers the whole tenant with every line of its invoices, fixed
// lines (flat price, add-ons, late-usage adjustments, tax) included; a
// namespace gets its share of the usage lines (namespaceLines), so the
// namespaces add up exactly to the tenant's usage lines.
//
// Coupons are always empty and the discount 0: no coupon source exists yet.
// The fields are kept so TotalCents = Σ lines − discount already holds when
// one is added.
func (s *Service) CurrentUsage(ctx context.Context, p tenancy.Principal, ns string, from, to time.Time) (Cost, error) {
	ctx = kernel.AllowStaleReads(ctx) // a report: a standby within its bound may answer
	nss, err := reportScope(p, ns)
	if err != nil {
		return Cost{}, err
	}
	if from, to, err = s.reportRange(from, to); err != nil {
		return Cost{}, err
	}
	return s.costOver(ctx, p, nss, from, to)
}

// MonthlyUsage is op 23: one total per UTC calendar month with usage,
// oldest first: the month's invoice amount (issued, or running for the
// running month, tax included) for system, the namespace's share of its
// usage lines for a namespace, exactly what CurrentUsage gives for the
// whole month.
func (s *Service) MonthlyUsage(ctx context.Context, p tenancy.Principal, ns string) ([]MonthTotal, error) {
	ctx = kernel.AllowStaleReads(ctx) // a report: a standby within its bound may answer
	nss, err := reportScope(p, ns)
	if err != nil {
		return nil, err
	}
	rows, err := s.c.Repo.Months(ctx, p.TenantID, nss)
	if err != nil {
		return nil, err
	}
	var months []time.Time
	for _, r := range rows {
		if m := monthStart(r.Hour); !slices.ContainsFunc(months, m.Equal) {
			months = append(months, m)
		}
	}
	slices.SortFunc(months, time.Time.Compare)
	out := make([]MonthTotal, 0, len(months))
	for _, m := range months {
		end := m.AddDate(0, 1, 0)
		c, err := s.costOver(ctx, p, nss, m, end)
		if err != nil {
			return nil, err
		}
		out = append(out, MonthTotal{Start: m, End: end, AmountCents: c.TotalCents, Currency: c.Currency})
	}
	return out, nil
}

var unixTime = regexp.MustCompile(`^-?[0-9]{1,12}(\.[0-9]{1,9})?$`)

// ParseQueryTime reads a usage_summary time: unix seconds (fractions
// allowed) or RFC 3339. Empty means not given (zero time). field names the
// input in the error.
func ParseQueryTime(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	var t time.Time
	if unixTime.MatchString(s) {
		d, err := decimal.NewFromString(s)
		if err != nil {
			return time.Time{}, (errs.Fields{{Field: field, Problem: "is not unix seconds or RFC 3339"}}).Err()
		}
		sec := d.Floor()
		t = time.Unix(sec.IntPart(), d.Sub(sec).Shift(9).IntPart()).UTC()
	} else {
		var err error
		if t, err = time.Parse(time.RFC3339Nano, s); err != nil {
			return time.Time{}, (errs.Fields{{Field: field, Problem: "is not unix seconds or RFC 3339: " + s}}).Err()
		}
		t = t.UTC()
	}
	if t.Year() < 1970 || t.Year() > 9998 {
		return time.Time{}, (errs.Fields{{Field: field, Problem: "must be between 1970 and 9998"}}).Err()
	}
	return t, nil
}

// UsageSummary is op 1: the tenant's usage per usage type (and so per
// service) between startTime and endTime, each unix seconds or RFC 3339.
// Defaults follow API.md §6: no start → end − 6 h (now − 6 h when neither
// is given); no end → start + 6 h, or now when there is no start either. The
// window is widened to whole UTC hours, as rollups are hourly. Only the
// system namespace has this report, so the caller needs tenant-wide read.
func (s *Service) UsageSummary(ctx context.Context, p tenancy.Principal, startTime, endTime string) ([]SummaryItem, error) {
	ctx = kernel.AllowStaleReads(ctx) // a report: a standby within its bound may answer
	nss, err := reportScope(p, tenancy.SystemNamespace)
	if err != nil {
		return nil, err
	}
	start, err1 := ParseQueryTime("start_time", startTime)
	end, err2 := ParseQueryTime("end_time", endTime)
	if err1 != nil || err2 != nil {
		var f errs.Fields
		for _, e := range []error{err1, err2} {
			if e != nil {
				f = append(f, errs.As(e).Fields...)
			}
		}
		return nil, f.Err()
	}
	switch {
	case start.IsZero() && end.IsZero():
		end = s.c.Clock.Now().UTC()
		start = end.Add(-SummaryWindow)
	case start.IsZero():
		start = end.Add(-SummaryWindow)
	case end.IsZero():
		end = start.Add(SummaryWindow)
	}
	start, end = start.Truncate(time.Hour), ceilHour(end)
	if err := checkSpan(start, end, "start_time", "end_time"); err != nil {
		return nil, err
	}
	pl, err := s.c.Plans.PlanOf(ctx, p)
	if err != nil {
		return nil, err
	}
	sums, err := s.typeSums(ctx, p.TenantID, nss, start, end)
	if err != nil {
		return nil, err
	}
	var out []SummaryItem
	for _, t := range sums {
		it := SummaryItem{Name: t.UsageType, UsageType: t.UsageType, Unit: t.UnitName, Quantity: t.Quantity, Timestamp: end, Start: start, BillableUnit: t.UnitName}
		per := decimal.NewFromInt(1)
		if r, ok := pl.Rate(t.UsageType); ok {
			it.Name, it.Service = cmp.Or(r.DisplayName, r.MetricLabel), r.Service
			if r.UnitsPerBillable.Sign() > 0 {
				per, it.BillableUnit = r.UnitsPerBillable, r.UnitNameBillable
			}
		}
		it.BillableValue = t.Quantity.DivRound(per, 2).StringFixed(2)
		out = append(out, it)
	}
	slices.SortFunc(out, func(a, b SummaryItem) int {
		return cmp.Or(strings.Compare(a.Service, b.Service), strings.Compare(a.Name, b.Name), strings.Compare(a.UsageType, b.UsageType))
	})
	return out, nil
}
