// Package rest serves the legacy F5 "Billing & Usage" REST API (and our REST
// extensions) over the domain services, with F5's wire JSON.
package rest

import (
	"log/slog"
	"net/http"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/domain/subscription"
	"github.com/gorilla/mux"
)

// Config wires the REST API.
type Config struct {
	Logger       *slog.Logger
	Auth         Authenticator
	Metrics      *Metrics
	Quotas       *quota.Service
	Plans        *subscription.Service
	MaxBodyBytes int64
}

// api holds the services the handlers call.
type api struct{ Config }

// handler answers with a value to encode as JSON (status 200) or an error.
type handler func(w http.ResponseWriter, r *http.Request) (any, error)

// Route is one row of the route table.
type Route struct {
	Method string
	// Path is the gorilla/mux pattern.
	Path string
	// SpecPath is the path as the OpenAPI file writes it.
	SpecPath string
	// Name labels metrics and logs (the upstream operationId, or ours).
	Name string
	// Public routes need no token.
	Public bool
	handle func(*api, http.ResponseWriter, *http.Request) (any, error)
}

// Routes is every REST route, so a reader sees them all at once. The
// numbers are the operation numbers of API.md §2.
func Routes() []Route {
	return []Route{
		// 11-17: quota objects and reports.
		{Method: "POST", Path: "/api/web/namespaces/{namespace}/quotas", SpecPath: "/api/web/namespaces/{metadata.namespace}/quotas", Name: "ves.io.schema.quota.API.Create", handle: (*api).createQuota},
		{Method: "PUT", Path: "/api/web/namespaces/{namespace}/quotas/{name}", SpecPath: "/api/web/namespaces/{metadata.namespace}/quotas/{metadata.name}", Name: "ves.io.schema.quota.API.Replace", handle: (*api).replaceQuota},
		{Method: "GET", Path: "/api/web/namespaces/{namespace}/quota/limits", SpecPath: "/api/web/namespaces/{namespace}/quota/limits", Name: "ves.io.schema.quota.CustomAPI.CustomGetQuotaLimits", handle: (*api).quotaLimits},
		{Method: "GET", Path: "/api/web/namespaces/{namespace}/quota/usage", SpecPath: "/api/web/namespaces/{namespace}/quota/usage", Name: "ves.io.schema.quota.CustomAPI.GetQuotaUsage", handle: (*api).quotaUsage},
		{Method: "GET", Path: "/api/web/namespaces/{namespace}/quotas", SpecPath: "/api/web/namespaces/{namespace}/quotas", Name: "ves.io.schema.quota.API.List", handle: (*api).listQuotas},
		{Method: "GET", Path: "/api/web/namespaces/{namespace}/quotas/{name}", SpecPath: "/api/web/namespaces/{namespace}/quotas/{name}", Name: "ves.io.schema.quota.API.Get", handle: (*api).getQuota},
		{Method: "DELETE", Path: "/api/web/namespaces/{namespace}/quotas/{name}", SpecPath: "/api/web/namespaces/{namespace}/quotas/{name}", Name: "ves.io.schema.quota.API.Delete", handle: (*api).deleteQuota},
		// 25-26: usage plans; the namespace is always system.
		{Method: "GET", Path: "/api/web/namespaces/system/usage_plans/current", SpecPath: "/api/web/namespaces/system/usage_plans/current", Name: "ves.io.schema.usage.plan.CustomAPI.GetCurrentPlan", handle: (*api).currentPlan},
		{Method: "GET", Path: "/api/web/namespaces/system/usage_plans/custom_list", SpecPath: "/api/web/namespaces/system/usage_plans/custom_list", Name: "ves.io.schema.usage.plan.CustomAPI.ListUsagePlans", handle: (*api).listUsagePlans},
		// Extension: quota enforcement (api/openapi/billingd-extensions.yaml).
		{Method: "POST", Path: "/api/web/namespaces/{namespace}/quota/reserve", SpecPath: "/api/web/namespaces/{namespace}/quota/reserve", Name: "billingd.quota.Reserve", handle: (*api).reserveQuota},
	}
}

// Register adds every route to r, each wrapped with instrumentation, the
// body size limit and (unless public) authentication.
func Register(r *mux.Router, c Config) {
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = 1 << 20
	}
	a := &api{c}
	for _, rt := range Routes() {
		handle := rt.handle
		var h http.Handler = serve(a, func(w http.ResponseWriter, r *http.Request) (any, error) { return handle(a, w, r) })
		if !rt.Public {
			h = RequireAuth(c.Auth, c.Logger, h)
		}
		h = Instrument(rt.Name, c.Logger, c.Metrics, LimitBody(c.MaxBodyBytes, h))
		r.Handle(rt.Path, h).Methods(rt.Method)
	}
	r.NotFoundHandler = Instrument("not_found", c.Logger, c.Metrics, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		writeError(w, req, c.Logger, errs.New(errs.NotFound, "no route for %s %s", req.Method, req.URL.Path))
	}))
	r.MethodNotAllowedHandler = Instrument("method_not_allowed", c.Logger, c.Metrics, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		writeJSON(w, http.StatusMethodNotAllowed, ErrorBody{Code: "METHOD_NOT_ALLOWED", Message: req.Method + " is not allowed on " + req.URL.Path})
	}))
}

func serve(a *api, h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := h(w, r)
		if err != nil {
			writeError(w, r, a.Logger, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	})
}

// empty is the `{}` answer of operations that return google.protobuf.Empty.
type empty struct{}
