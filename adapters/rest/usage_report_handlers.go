package rest

import (
	"net/http"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/usage"
	"github.com/gorilla/mux"
)

// The usage reports (ops 1, 21-24) are read-only queries sent as POST. The
// body's namespace is redundant: the path wins, as grpc-gateway does.

// usageService returns the usage service, or Unavailable when this server
// was wired without one, rather than a nil dereference.
func (a *api) usageService() (*usage.Service, error) {
	if a.Usage == nil {
		return nil, errs.New(errs.Unavailable, "usage reports are not configured on this server")
	}
	return a.Usage, nil
}

// currentUsage is op 21: priced usage lines of from..to and their total.
func (a *api) currentUsage(_ http.ResponseWriter, r *http.Request) (any, error) {
	svc, err := a.usageService()
	if err != nil {
		return nil, err
	}
	var req usageRangeRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	from, to, err := req.times()
	if err != nil {
		return nil, err
	}
	c, err := svc.CurrentUsage(r.Context(), mux.Vars(r)["namespace"], from, to)
	if err != nil {
		return nil, err
	}
	return costToWire(c), nil
}

// hourlyUsageDetails is op 22: the hours behind one usage_details item,
// opened by the item's hourly_breakdown_query token.
func (a *api) hourlyUsageDetails(_ http.ResponseWriter, r *http.Request) (any, error) {
	svc, err := a.usageService()
	if err != nil {
		return nil, err
	}
	var req usageHourlyRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	items, err := svc.HourlyUsageDetails(r.Context(), mux.Vars(r)["namespace"], req.Query)
	if err != nil {
		return nil, err
	}
	return hourlyDetailsToWire(items), nil
}

// monthlyUsage is op 23: one priced total per calendar month with usage.
func (a *api) monthlyUsage(_ http.ResponseWriter, r *http.Request) (any, error) {
	svc, err := a.usageService()
	if err != nil {
		return nil, err
	}
	var req usageMonthlyRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	ms, err := svc.MonthlyUsage(r.Context(), mux.Vars(r)["namespace"])
	if err != nil {
		return nil, err
	}
	return monthlyToWire(ms), nil
}

// usageDetails is op 24: usage per object and usage type of from..to.
func (a *api) usageDetails(_ http.ResponseWriter, r *http.Request) (any, error) {
	svc, err := a.usageService()
	if err != nil {
		return nil, err
	}
	var req usageRangeRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	from, to, err := req.times()
	if err != nil {
		return nil, err
	}
	items, err := svc.UsageDetails(r.Context(), mux.Vars(r)["namespace"], from, to)
	if err != nil {
		return nil, err
	}
	return usageDetailsToWire(items), nil
}

// usageSummary is op 1 (slug data, namespace fixed to system).
func (a *api) usageSummary(_ http.ResponseWriter, r *http.Request) (any, error) {
	svc, err := a.usageService()
	if err != nil {
		return nil, err
	}
	var req usageSummaryRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	items, err := svc.UsageSummary(r.Context(), string(req.StartTime), string(req.EndTime))
	if err != nil {
		return nil, err
	}
	return summaryToWire(items), nil
}
