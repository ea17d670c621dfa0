package graph

import (
	"context"
	"slices"
	"time"
	// The zone database inside the binary: timeZone must resolve the same
	// on a machine without /usr/share/zoneinfo.
	_ "time/tzdata"

	"github.com/99designs/gqlgen/graphql"
	"github.com/billingd/billingd/domain/usage"
	"github.com/billingd/billingd/graph/model"
)

// The series fields (usageSeries, costSeries, forecast) are answered by the
// usage service. Quantities come from the hourly rollups: two statements,
// whatever the range, the buckets or the namespaces. Costs are the domain's
// cost of each bucket (CostByRanges, what REST current_usage and the
// invoices answer for the bucket's range), every bucket priced at once with
// a fixed number of statements (the statements of all the buckets' months
// in one call, the namespaces' shares of all of them in one read); pricing is
// still work per bucket, so usageSeries prices its points only when
// amountCents is selected.

// selectsPointAmounts reports whether the usageSeries field being resolved
// selects buckets.points.amountCents.
func selectsPointAmounts(ctx context.Context) bool {
	op := graphql.GetOperationContext(ctx)
	for _, b := range graphql.CollectFieldsCtx(ctx, []string{"UsageSeries"}) {
		if b.Name != "buckets" {
			continue
		}
		for _, p := range graphql.CollectFields(op, b.Selections, []string{"UsageBucket"}) {
			if p.Name == "points" && selectsField(op, p.Selections, "UsagePoint", "amountCents") {
				return true
			}
		}
	}
	return false
}

var granularities = map[model.Granularity]usage.Granularity{
	model.GranularityHour:  usage.Hour,
	model.GranularityDay:   usage.Day,
	model.GranularityMonth: usage.Month,
}

// location reads the timeZone argument: an IANA zone name; null is UTC.
func location(tz *string) (*time.Location, string, error) {
	if tz == nil || *tz == "UTC" {
		return time.UTC, "UTC", nil
	}
	// "" and "Local" would mean the server's zone, which a client cannot know.
	if *tz == "" || *tz == "Local" {
		return nil, "", fieldError("timeZone", "must be an IANA time zone name such as \"Europe/Paris\" or \"UTC\"")
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		return nil, "", fieldError("timeZone", "is not a known IANA time zone name (e.g. \"Europe/Paris\")")
	}
	return loc, loc.String(), nil
}

func (r *Resolver) usageSeries(ctx context.Context, from, to time.Time, g model.Granularity, groupBy []model.UsageGroupBy, filter *model.UsageFilter, tz *string) (*model.UsageSeries, error) {
	loc, zone, err := location(tz)
	if err != nil {
		return nil, err
	}
	q := usage.SeriesQuery{From: from, To: to, Granularity: granularities[g], Location: loc,
		ByNamespace: slices.Contains(groupBy, model.UsageGroupByNamespace), ByObject: slices.Contains(groupBy, model.UsageGroupByObject),
		Priced: selectsPointAmounts(ctx)}
	if filter != nil {
		q.Namespaces, q.UsageTypes, q.Objects = filter.Namespaces, filter.UsageTypes, filter.ObjectNames
	}
	buckets, points, err := r.usage.UsageSeries(ctx, caller(ctx), q)
	if err != nil {
		return nil, err
	}
	out := &model.UsageSeries{From: buckets[0].From, To: buckets[len(buckets)-1].To, Granularity: g, TimeZone: zone,
		Buckets: make([]model.UsageBucket, len(buckets))}
	for i, b := range buckets {
		out.Buckets[i] = model.UsageBucket{From: b.From, To: b.To, Points: []model.UsagePoint{}}
	}
	for _, p := range points {
		m := model.UsagePoint{UsageType: p.UsageType, UsageTypeName: p.UsageTypeName, Unit: p.Unit, Quantity: exact(p.Quantity),
			Namespace: optString(p.Namespace), ObjectName: optString(p.Object), AmountCents: p.AmountCents}
		out.Buckets[p.Bucket].Points = append(out.Buckets[p.Bucket].Points, m)
	}
	return out, nil
}

func (r *Resolver) costSeries(ctx context.Context, from, to time.Time, g model.Granularity, groupBy []model.CostGroupBy, filter *model.CostFilter, tz *string) (*model.CostSeries, error) {
	loc, zone, err := location(tz)
	if err != nil {
		return nil, err
	}
	q := usage.SeriesQuery{From: from, To: to, Granularity: granularities[g], Location: loc,
		ByNamespace: slices.Contains(groupBy, model.CostGroupByNamespace)}
	if filter != nil {
		q.Namespaces = filter.Namespaces
	}
	buckets, groups, currency, err := r.usage.CostSeries(ctx, caller(ctx), q)
	if err != nil {
		return nil, err
	}
	out := &model.CostSeries{From: buckets[0].From, To: buckets[len(buckets)-1].To, Granularity: g, TimeZone: zone, Currency: currency,
		Buckets: make([]model.CostBucket, len(buckets))}
	totals := usage.BucketTotals(len(buckets), groups)
	for i, b := range buckets {
		out.Buckets[i] = model.CostBucket{From: b.From, To: b.To, TotalCents: totals[i], Groups: []model.CostGroup{}}
	}
	for _, cg := range groups {
		b := &out.Buckets[cg.Bucket]
		b.Groups = append(b.Groups, model.CostGroup{Namespace: optString(cg.Namespace), TotalCents: cg.Cost.TotalCents, Lines: costLines(cg.Cost.Lines)})
	}
	return out, nil
}

func (r *Resolver) forecast(ctx context.Context, namespace string) (*model.CostForecast, error) {
	f, err := r.usage.ForecastMonth(ctx, caller(ctx), namespace)
	if err != nil {
		return nil, err
	}
	return &model.CostForecast{From: f.From, To: f.To, AsOf: f.AsOf, Currency: f.ToDate.Currency, ToDateCents: f.ToDate.TotalCents,
		ProjectedCents: f.Projected.TotalCents, Lines: costLines(f.Projected.Lines)}, nil
}
