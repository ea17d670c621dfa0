package usage

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/money"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/shopspring/decimal"
)

// Series: usage and cost in buckets of an hour, a day or a month, for charts.
// Each series is answered with a constant number of statements (the plan and
// one rollups query), whatever the number of buckets, namespaces or usage
// types: the hourly sums are read once and split into buckets here. A
// bucket's cost is priced by the same function as CurrentUsage over the
// bucket's range (cost), from the same hourly sums, so it is the number the
// REST current_usage report answers for that range.

// Granularity is the size of a series bucket.
type Granularity int

// The granularities.
const (
	Hour Granularity = iota
	Day
	Month
)

// Series limits.
const (
	// MaxSeriesBuckets bounds the buckets of one series (400 days of hours
	// is 9,600).
	MaxSeriesBuckets = 10_000
	// MaxSeriesFilter bounds each list of a series filter.
	MaxSeriesFilter = 100
)

// SeriesQuery asks for a series.
type SeriesQuery struct {
	// From and To are the range; they are rounded out to bucket boundaries.
	From, To    time.Time
	Granularity Granularity
	// Location aligns DAY and MONTH buckets (nil: UTC). HOUR buckets are
	// UTC hours.
	Location *time.Location
	// Namespaces keeps the usage of these namespaces (nil or empty: the
	// whole tenant, which needs tenant-wide read).
	Namespaces []string
	// UsageTypes and Objects keep these usage types and objects (empty: all).
	UsageTypes, Objects []string
	// ByNamespace and ByObject split each bucket per namespace and object
	// (usage series); ByNamespace splits a cost series per namespace.
	ByNamespace, ByObject bool
	// Priced asks a usage series for its points' amounts (pricePoints),
	// which cost the statements of each bucket's pricing.
	Priced bool
}

// key identifies a point of a usage series: bucket, usage type, namespace
// (when split by namespace or object) and object (when split by object).
type key struct {
	bucket             int
	usageType, ns, obj string
}

// Bucket is one bucket of a series: [From, To), a window the reads and the
// pricing take as it is.
type Bucket = Window

// SeriesPoint is the usage of one group in one bucket.
type SeriesPoint struct {
	Bucket        int // index into the series' buckets
	UsageType     string
	UsageTypeName string
	Namespace     string // set when split by namespace or object
	Object        string // set when split by object
	Unit          string
	Quantity      decimal.Decimal
	// AmountCents is the usage type's line of the bucket's cost for the
	// point's namespace (or the whole filtered usage); split by object, the
	// object's share of its namespace's amount (objectAmounts). Nil when
	// the points are filtered by object: a share needs every object.
	AmountCents *int64
}

// UsageSeries is the usage of q in buckets: the buckets in time order and
// one point per bucket and group with usage, sorted by bucket, usage type,
// namespace and object.
func (s *Service) UsageSeries(ctx context.Context, p tenancy.Principal, q SeriesQuery) ([]Bucket, []SeriesPoint, error) {
	ctx = kernel.AllowStaleReads(ctx) // a report: a standby within its bound may answer
	rows := typeRows
	switch {
	case q.ByObject || len(q.Objects) > 0:
		rows = objectRows
	case q.ByNamespace:
		rows = namespaceRows
	}
	r, err := s.seriesRead(ctx, p, q, rows)
	if err != nil {
		return nil, nil, err
	}
	sums := map[key]*SeriesPoint{}
	for _, row := range r.rows {
		b := r.bucketOf(row.Hour)
		k := key{bucket: b, usageType: row.UsageType}
		if q.ByNamespace || q.ByObject {
			k.ns = row.Namespace
		}
		if q.ByObject {
			k.obj = row.ObjectName
		}
		p, ok := sums[k]
		if !ok {
			p = &SeriesPoint{Bucket: b, UsageType: row.UsageType, UsageTypeName: displayName(r.plan, row.UsageType),
				Namespace: k.ns, Object: k.obj, Unit: row.UnitName}
			sums[k] = p
		}
		p.Quantity = p.Quantity.Add(row.Quantity)
	}
	if q.Priced && len(q.Objects) == 0 {
		if err := s.pricePoints(ctx, p, r, sums, q.ByNamespace || q.ByObject, q.ByObject); err != nil {
			return nil, nil, err
		}
	}
	points := make([]SeriesPoint, 0, len(sums))
	for _, p := range sums {
		points = append(points, *p)
	}
	slices.SortFunc(points, func(a, b SeriesPoint) int {
		return cmp.Or(cmp.Compare(a.Bucket, b.Bucket), strings.Compare(a.UsageType, b.UsageType),
			strings.Compare(a.Namespace, b.Namespace), strings.Compare(a.Object, b.Object))
	})
	return r.buckets, points, nil
}

// pricePoints sets each point's AmountCents: its usage type's line of the
// bucket's cost (CostByNamespaces over the bucket, the computation of
// current_usage and the invoices), for the point's namespace, or for the
// whole tenant when the points are not split by namespace and not
// filtered by namespace (a namespace filter without the split leaves the
// amounts null: no report prices several namespaces together); byObject,
// the object's share of its namespace's (objectAmounts).
func (s *Service) pricePoints(ctx context.Context, p tenancy.Principal, r *seriesRange, points map[key]*SeriesPoint, byNamespace, byObject bool) error {
	if !byNamespace && r.nss != nil {
		return nil
	}
	// Every bucket is priced by one CostByRanges call (the statements of
	// all the buckets at once), over the namespaces with points in any
	// bucket: a namespace's cost of a bucket it has no point in is unused.
	nss := []string{tenancy.SystemNamespace}
	if byNamespace {
		nss = nil
		for k := range points {
			if !slices.Contains(nss, k.ns) {
				nss = append(nss, k.ns)
			}
		}
		if len(nss) == 0 {
			return nil
		}
		slices.Sort(nss)
	}
	all, err := s.costByRanges(ctx, p, nss, r.buckets, r.shareRows)
	if err != nil {
		return err
	}
	// The amount of each usage type per bucket and group (a type priced at
	// several plans in one bucket has one line per plan).
	amounts := map[key]int64{}
	for b, costs := range all {
		for ns, c := range costs {
			if !byNamespace {
				ns = ""
			}
			for _, l := range c.Lines {
				if !l.Fixed && len(l.MetricLabels) > 0 {
					k := key{bucket: b, usageType: l.MetricLabels[0], ns: ns}
					amounts[k] += l.AmountCents
				}
			}
		}
	}
	if byObject {
		objects := map[key][]string{} // a namespace's objects per bucket and type
		for k := range points {
			g := k
			g.obj = ""
			objects[g] = append(objects[g], k.obj)
		}
		objectAmounts(points, objects, amounts)
		return nil
	}
	for k, pt := range points {
		if a, ok := amounts[k]; ok {
			pt.AmountCents = &a
		}
	}
	return nil
}

// objectAmounts gives the points split by object their share of their
// namespace's amount (amounts, per bucket, type and namespace): in
// proportion to their quantities, by largest remainder (ties to the
// smaller object name), so a namespace's objects add up exactly to its
// amount, as the namespaces add up to the tenant's (allocate).
func objectAmounts(points map[key]*SeriesPoint, objects map[key][]string, amounts map[key]int64) {
	for g, objs := range objects {
		a, ok := amounts[g]
		if !ok {
			continue
		}
		slices.Sort(objs)
		q := make(map[string]decimal.Decimal, len(objs))
		sum := decimal.Zero
		for _, o := range objs {
			k := g
			k.obj = o
			q[o] = points[k].Quantity
			sum = sum.Add(q[o])
		}
		var parts []int64
		switch {
		case sum.Sign() > 0:
			parts = largestRemainder(a, objs, q, sum)
		case a == 0:
			parts = make([]int64, len(objs))
		default:
			continue // no quantity to share an amount by
		}
		for i, o := range objs {
			k := g
			k.obj = o
			v := parts[i]
			points[k].AmountCents = &v
		}
	}
}

// CostGroup is the cost of one group (a namespace, or "" for the whole
// filtered usage) over one bucket.
type CostGroup struct {
	Bucket    int
	Namespace string
	Cost      Cost
}

// CostSeries prices the usage of q per bucket, as CurrentUsage prices a
// range: per namespace when q.ByNamespace (each priced on its own, no
// flat price), else the whole filtered usage (with the plan's flat price
// when it is the whole tenant). Groups come in bucket order, then
// namespace order.
func (s *Service) CostSeries(ctx context.Context, p tenancy.Principal, q SeriesQuery) ([]Bucket, []CostGroup, string, error) {
	ctx = kernel.AllowStaleReads(ctx) // a report: a standby within its bound may answer
	if len(q.UsageTypes) > 0 || len(q.Objects) > 0 || q.ByObject {
		// A cost is the price of a namespace's (or the tenant's) whole
		// usage: pricing part of it would be a figure no report shows.
		return nil, nil, "", (errs.Fields{{Field: "filter", Problem: "a cost series filters by namespace only"}}).Err()
	}
	// The buckets' costs are read by costByRanges; the series' own rows
	// only name the namespaces (and give their shares) when split by them.
	rows := noRows
	if q.ByNamespace {
		rows = namespaceRows
	}
	r, err := s.seriesRead(ctx, p, q, rows)
	if err != nil {
		return nil, nil, "", err
	}
	groups := []string{tenancy.SystemNamespace}
	switch {
	case q.ByNamespace && r.nss != nil:
		groups = r.nss
	case q.ByNamespace:
		groups = uniqueNamespaces(r.rows)
	case r.nss != nil:
		groups = r.nss
	}
	// Each bucket is priced as CostByNamespaces prices it (the computation
	// of current_usage and the invoices: the statements of the months it
	// touches), and every bucket at once: one CostByRanges call, whose
	// statements do not grow with the buckets or the namespaces.
	var out []CostGroup
	if len(groups) == 0 {
		return r.buckets, out, s.c.Plans.Catalog().Currency, nil
	}
	all, err := s.costByRanges(ctx, p, groups, r.buckets, r.shareRows)
	if err != nil {
		return nil, nil, "", err
	}
	for b, sp := range r.buckets {
		costs := all[b]
		if q.ByNamespace {
			for _, ns := range groups {
				out = append(out, CostGroup{Bucket: b, Namespace: ns, Cost: costs[ns]})
			}
			continue
		}
		// The whole filtered usage: the tenant's cost, or the filtered
		// namespaces' costs together.
		whole := Cost{From: sp.From, To: sp.To, Currency: s.c.Plans.Catalog().Currency}
		for _, ns := range groups {
			c := costs[ns]
			whole.Lines = append(whole.Lines, c.Lines...)
			if whole.TotalCents, err = money.Add("cost series total", whole.TotalCents, c.TotalCents); err != nil {
				return nil, nil, "", err
			}
		}
		out = append(out, CostGroup{Bucket: b, Cost: whole})
	}
	return r.buckets, out, s.c.Plans.Catalog().Currency, nil
}

// BucketTotals sums the groups' totals per bucket (n buckets).
func BucketTotals(n int, groups []CostGroup) []int64 {
	out := make([]int64, n)
	for _, g := range groups {
		// Each total fits money's bound; their sum is checked by the
		// caller's limits (a bucket holds at most every namespace once).
		out[g.Bucket] += g.Cost.TotalCents
	}
	return out
}

// Forecast is the month-end projection of the running UTC month of ns.
type Forecast struct {
	From, To time.Time // the month
	AsOf     time.Time // the end of the last hour counted
	ToDate   Cost      // the month so far, as CurrentUsage(ns, From, AsOf)
	// Projected prices the usage so far scaled by the month's hours over
	// the hours counted, over the whole month.
	Projected Cost
}

// ForecastMonth projects the running month of ns ("system": the tenant)
// to its end: usage grows at the rate of the month so far.
func (s *Service) ForecastMonth(ctx context.Context, p tenancy.Principal, ns string) (Forecast, error) {
	ctx = kernel.AllowStaleReads(ctx) // a report: a standby within its bound may answer
	if _, err := reportScope(p, ns); err != nil {
		return Forecast{}, err
	}
	asOf := ceilHour(s.c.Clock.Now().UTC())
	from := monthStart(asOf.Add(-time.Nanosecond))
	to := from.AddDate(0, 1, 0)
	costs, err := s.CostByNamespaces(ctx, p, []string{ns}, from, asOf)
	if err != nil {
		return Forecast{}, err
	}
	f := Forecast{From: from, To: to, AsOf: asOf, ToDate: costs[ns]}
	// The usage lines' amounts grow at the rate of the month so far; the
	// fixed lines (flat price, add-ons, tax) stay as they are.
	elapsed := int64(asOf.Sub(from) / time.Hour)
	whole := int64(to.Sub(from) / time.Hour)
	f.Projected = Cost{From: from, To: to, Currency: f.ToDate.Currency}
	for _, l := range f.ToDate.Lines {
		if !l.Fixed && elapsed > 0 {
			l.AmountCents = decimal.NewFromInt(l.AmountCents).Mul(decimal.NewFromInt(whole)).DivRound(decimal.NewFromInt(elapsed), 0).IntPart()
			l.Quantity = l.Quantity.Mul(decimal.NewFromInt(whole)).DivRound(decimal.NewFromInt(elapsed), 12)
			l.End = to
		}
		f.Projected.Lines = append(f.Projected.Lines, l)
		if f.Projected.TotalCents, err = money.Add("forecast total", f.Projected.TotalCents, l.AmountCents); err != nil {
			return Forecast{}, err
		}
	}
	return f, nil
}

// bucketSums reads the sums per namespace and usage type of each bucket
// with one query and stamps them with the bucket's start (Hour), so the
// buckets take them as they take hours.
func (s *Service) bucketSums(ctx context.Context, tenantID string, nss []string, buckets []Bucket) ([]Rollup, error) {
	sums, err := s.c.Repo.NamespaceTotals(ctx, tenantID, nss, buckets)
	if err != nil {
		return nil, err
	}
	var out []Rollup
	for i, rows := range sums {
		for _, row := range rows {
			row.Hour = buckets[i].From
			out = append(out, row)
		}
	}
	return out, nil
}

// seriesRows is which hourly rows seriesRead reads.
type seriesRows int

const (
	noRows        seriesRows = iota // none: the caller reads what it needs itself
	typeRows                        // per usage type and hour (usage_type_hourly)
	namespaceRows                   // per namespace, usage type and hour
	objectRows                      // per object and hour (Rollups)
)

// seriesRange is what seriesRead read for a series.
type seriesRange struct {
	plan    plan.Plan
	buckets []Bucket
	// nss are the namespaces filtered (nil: the whole tenant).
	nss  []string
	rows []Rollup
	// bucketOf maps an hour of the range to its bucket.
	bucketOf func(time.Time) int
	// shareRows are rows when they hold every namespace's hours of the
	// range unfiltered (split by namespace or object, no filter): the
	// namespaces' shares of the buckets' statements are summed from them
	// instead of read again. Nil otherwise.
	shareRows *hourRows
}

// seriesRead checks q, authorizes it, makes its buckets and reads the plan
// and the hourly rows of its range that rows names (per usage type, split by
// namespace only when asked: a month of 50 namespaces is 50 times fewer
// rows without). At most two statements.
func (s *Service) seriesRead(ctx context.Context, p tenancy.Principal, q SeriesQuery, rows seriesRows) (*seriesRange, error) {
	var f errs.Fields
	loc := q.Location
	if loc == nil {
		loc = time.UTC
	}
	checkYear(&f, "from", q.From)
	checkYear(&f, "to", q.To)
	if q.From.IsZero() {
		f.Add("from", "is required")
	}
	if q.To.IsZero() {
		f.Add("to", "is required")
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		f.Add("to", "must be after from")
	}
	for _, l := range []struct {
		field string
		vals  []string
	}{{"filter.namespaces", q.Namespaces}, {"filter.usageTypes", q.UsageTypes}, {"filter.objectNames", q.Objects}} {
		if len(l.vals) > MaxSeriesFilter {
			f.Add(l.field, "may name at most %d values", MaxSeriesFilter)
		}
	}
	for i, ns := range q.Namespaces {
		if !tenancy.ValidName(ns) {
			f.Add(fmt.Sprintf("filter.namespaces[%d]", i), "must be a DNS-1035 label")
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	buckets, err := makeBuckets(q.From, q.To, q.Granularity, loc)
	if err != nil {
		return nil, err
	}
	r := &seriesRange{buckets: buckets}
	if len(q.Namespaces) == 0 {
		if _, err := reportScope(p, tenancy.SystemNamespace); err != nil {
			return nil, err
		}
	} else {
		for _, ns := range q.Namespaces {
			scope, err := reportScope(p, ns)
			if err != nil {
				return nil, err
			}
			if scope == nil {
				// "system" is the whole tenant, as in every report.
				r.nss = nil
				break
			}
			if !slices.Contains(r.nss, ns) {
				r.nss = append(r.nss, ns)
			}
		}
	}
	tenantID := p.TenantID
	if r.plan, err = s.c.Plans.PlanOf(ctx, p); err != nil {
		return nil, err
	}
	from, to := buckets[0].From, buckets[len(buckets)-1].To
	hourly := true
	switch {
	case rows == objectRows:
		r.rows, err = s.c.Repo.Rollups(ctx, tenantID, r.nss, from, to)
	case rows == noRows:
	case q.Granularity == Hour:
		r.rows, err = s.c.Repo.TypeHours(ctx, tenantID, r.nss, from, to, rows == namespaceRows)
	default:
		// Days and months: each bucket's sums per namespace and usage
		// type (whole UTC days from the daily totals), stamped with the
		// bucket's start, instead of every hour of the range.
		r.rows, err = s.bucketSums(ctx, tenantID, r.nss, buckets)
		hourly = false
	}
	if err != nil {
		return nil, err
	}
	// The rows give the namespaces' shares of the buckets' statements only
	// when they are hours: a statement's window may be part of a bucket
	// (a month's edge inside a local day or month).
	if hourly && r.nss == nil && (rows == objectRows || rows == namespaceRows) && len(q.UsageTypes) == 0 && len(q.Objects) == 0 {
		r.shareRows = &hourRows{from: from, to: to, rows: r.rows}
	}
	r.rows = slices.DeleteFunc(r.rows, func(row Rollup) bool {
		return (len(q.UsageTypes) > 0 && !slices.Contains(q.UsageTypes, row.UsageType)) ||
			(len(q.Objects) > 0 && !slices.Contains(q.Objects, row.ObjectName))
	})
	r.bucketOf = func(h time.Time) int {
		i, _ := slices.BinarySearchFunc(buckets, h, func(b Bucket, t time.Time) int {
			switch {
			case !b.To.After(t):
				return -1
			case b.From.After(t):
				return 1
			}
			return 0
		})
		return i
	}
	return r, nil
}

// makeBuckets cuts [from, to), rounded out to bucket boundaries, into
// buckets of g aligned in loc. Every boundary must fall on a whole UTC
// hour: the rollups cannot split an hour (a zone whose offset is not whole
// hours cannot align days).
func makeBuckets(from, to time.Time, g Granularity, loc *time.Location) ([]Bucket, error) {
	start := func(t time.Time) time.Time {
		t = t.In(loc)
		switch g {
		case Day:
			return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
		case Month:
			return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, loc)
		}
		return t.UTC().Truncate(time.Hour)
	}
	next := func(t time.Time) time.Time {
		switch g {
		case Day:
			t = t.In(loc)
			return time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc)
		case Month:
			t = t.In(loc)
			return time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, loc)
		}
		return t.Add(time.Hour)
	}
	var out []Bucket
	for b := start(from); b.Before(to); b = next(b) {
		if len(out) == MaxSeriesBuckets {
			return nil, (errs.Fields{{Field: "to", Problem: fmt.Sprintf("the range holds more than %d buckets of this granularity", MaxSeriesBuckets)}}).Err()
		}
		sp := Bucket{From: b.UTC(), To: next(b).UTC()}
		if !sp.From.Equal(sp.From.Truncate(time.Hour)) {
			return nil, (errs.Fields{{Field: "timeZone", Problem: "buckets of this zone do not start on whole UTC hours, which hourly usage cannot be split at"}}).Err()
		}
		out = append(out, sp)
	}
	if span := out[len(out)-1].To.Sub(out[0].From); span > MaxReportRange+32*24*time.Hour {
		// 400 days, widened by at most one month of rounding.
		return nil, (errs.Fields{{Field: "to", Problem: "the range may cover at most 400 days"}}).Err()
	}
	return out, nil
}

// uniqueNamespaces lists the namespaces of rows, sorted.
func uniqueNamespaces(rows []Rollup) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range rows {
		if !seen[r.Namespace] {
			seen[r.Namespace] = true
			out = append(out, r.Namespace)
		}
	}
	slices.Sort(out)
	return out
}
