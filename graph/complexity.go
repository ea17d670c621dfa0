package graph

import (
	"time"

	"github.com/billingd/billingd/graph/generated"
	"github.com/billingd/billingd/graph/model"
)

// The complexity table. A field costs 1 plus what its selection costs,
// except the fields below, whose answer is computed from the usage rows (up
// to one per hour, namespace and usage type: 120,000 rows made one
// monthlyUsage take 0.6 s on SQLite, and 20 aliases of it held the database
// for 12 s). Their cost is a fixed price plus their selection's, so with the
// default limit of 1000 one operation may ask for at most four whole-history
// reports, or nine ranged ones.
//
// Each alias of a report field is a report of its own: monthlyUsage,
// usageSummary, invoices and the series call the domain once per alias.
// Namespace.usage and Namespace.cost go through dataloaders that fetch
// every distinct time range of the operation (announced up front, see
// ranges.go) for every namespace of the request in one batched call, whose
// SQL statements do not grow with the ranges, though the rows read and
// priced do. So the
// cost walker (limits.go) still prices them RangeReportCost once per
// distinct range of the operation plus NamespaceReportCost per namespace
// they are asked for: 100 aliases of usage over distinct ranges cost
// 10,000 and are refused before anything runs, while a dashboard asking
// usage and cost of 50 namespaces over one range costs 2 × (100 + 100).
// Other lists are not multiplied by their page size: pages are capped at
// 100, and the dataloaders make the SQL cost independent of the number of
// parents.
const (
	// HistoryReportCost prices Query.monthlyUsage: every month the
	// namespace (or the whole tenant, for "system") ever had usage in.
	HistoryReportCost = 200
	// RangeReportCost prices a report over a bounded range (at most 400
	// days): Query.usageSummary, Namespace.usage, Namespace.cost, and
	// Query.invoices, whose running invoice is priced from the month's usage.
	RangeReportCost = 100
	// NamespaceReportCost is what Namespace.usage and Namespace.cost add
	// for each namespace they are asked for (a page of 50 adds 50 times
	// this), on top of RangeReportCost once per distinct range (limits.go,
	// costWalker.namespaceReport).
	NamespaceReportCost = 2
)

// complexityTable returns the costs gqlgen's executable schema reports for
// the report fields; every other field keeps the default price.
func complexityTable() generated.ComplexityRoot {
	var c generated.ComplexityRoot
	c.Query.MonthlyUsage = func(child int, _ string) int { return addSat(HistoryReportCost, child) }
	c.Query.UsageSummary = func(child int, _, _ *time.Time) int { return addSat(RangeReportCost, child) }
	c.Query.Invoices = func(child int, _ *int32, _ *string, _ *int32, _ *string) int { return addSat(RangeReportCost, child) }
	c.Query.Invoice = func(child int, _ string) int { return addSat(RangeReportCost, child) }
	c.Query.UsageSeries = func(child int, _, _ time.Time, _ model.Granularity, _ []model.UsageGroupBy, _ *model.UsageFilter, _ *string) int {
		return addSat(RangeReportCost, child)
	}
	c.Query.CostSeries = func(child int, _, _ time.Time, _ model.Granularity, _ []model.CostGroupBy, _ *model.CostFilter, _ *string) int {
		return addSat(RangeReportCost, child)
	}
	c.Query.Forecast = func(child int, _ string) int { return addSat(RangeReportCost, child) }
	// Namespace.usage and Namespace.cost are priced by the cost walker
	// itself (per distinct range and per namespace), which knows the page
	// of namespaces they are asked for; these entries serve gqlgen's own
	// complexity calculation only.
	c.Namespace.Usage = func(child int, _, _ *time.Time) int { return addSat(RangeReportCost, child) }
	c.Namespace.Cost = func(child int, _, _ *time.Time) int { return addSat(RangeReportCost, child) }
	return c
}
