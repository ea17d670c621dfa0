package rest

import (
	"net/http"

	"github.com/billingd/billingd/domain/usage"
	"github.com/gorilla/mux"
)

// The usage reports (ops 1, 21-24) are read-only queries sent as POST. The
// body's namespace is redundant: the path wins, as grpc-gateway does.

// usageReport is the shared shape of the report handlers: the decoded body
// of type Req, then run with the usage service and the path's namespace.
func usageReport[Req any](a *api, r *http.Request, run func(svc *usage.Service, ns string, req Req) (any, error)) (any, error) {
	var req Req
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	return run(a.Usage, mux.Vars(r)["namespace"], req)
}

// toWire maps a report's result with conv, or passes its error on.
func toWire[T, W any](v T, err error, conv func(T) W) (any, error) {
	if err != nil {
		return nil, err
	}
	return conv(v), nil
}

// currentUsage is op 21: priced usage lines of from..to and their total.
func (a *api) currentUsage(_ http.ResponseWriter, r *http.Request) (any, error) {
	return usageReport(a, r, func(svc *usage.Service, ns string, req usageRangeRequest) (any, error) {
		from, to, err := req.times()
		if err != nil {
			return nil, err
		}
		c, err := svc.CurrentUsage(r.Context(), caller(r), ns, from, to)
		return toWire(c, err, costToWire)
	})
}

// hourlyUsageDetails is op 22: the hours behind one usage_details item,
// opened by the item's hourly_breakdown_query token.
func (a *api) hourlyUsageDetails(_ http.ResponseWriter, r *http.Request) (any, error) {
	return usageReport(a, r, func(svc *usage.Service, ns string, req usageHourlyRequest) (any, error) {
		items, err := svc.HourlyUsageDetails(r.Context(), caller(r), ns, req.Query)
		return toWire(items, err, hourlyDetailsToWire)
	})
}

// monthlyUsage is op 23: one priced total per calendar month with usage.
func (a *api) monthlyUsage(_ http.ResponseWriter, r *http.Request) (any, error) {
	return usageReport(a, r, func(svc *usage.Service, ns string, _ usageMonthlyRequest) (any, error) {
		ms, err := svc.MonthlyUsage(r.Context(), caller(r), ns)
		return toWire(ms, err, monthlyToWire)
	})
}

// usageDetails is op 24: usage per object and usage type of from..to.
func (a *api) usageDetails(_ http.ResponseWriter, r *http.Request) (any, error) {
	return usageReport(a, r, func(svc *usage.Service, ns string, req usageRangeRequest) (any, error) {
		from, to, err := req.times()
		if err != nil {
			return nil, err
		}
		items, err := svc.UsageDetails(r.Context(), caller(r), ns, from, to)
		return toWire(items, err, usageDetailsToWire)
	})
}

// usageSummary is op 1 (slug data, namespace fixed to system).
func (a *api) usageSummary(_ http.ResponseWriter, r *http.Request) (any, error) {
	return usageReport(a, r, func(svc *usage.Service, _ string, req usageSummaryRequest) (any, error) {
		items, err := svc.UsageSummary(r.Context(), caller(r), string(req.StartTime), string(req.EndTime))
		return toWire(items, err, summaryToWire)
	})
}
