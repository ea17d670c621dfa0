// Package rest serves the legacy F5 "Billing & Usage" REST API (and our REST
// extensions) over the domain services, with F5's wire JSON.
package rest

import (
	"log/slog"
	"net/http"

	"github.com/billingd/billingd/adapters/httpmw"
	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/invoice"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/payment"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/domain/subscription"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/domain/usage"
	"github.com/gorilla/mux"
)

// Config wires the REST API. Every service, Logger and Auth are required;
// Metrics nil records none, RateLimit nil limits nothing, MaxBodyBytes 0
// is 1 MiB.
type Config struct {
	Logger        *slog.Logger
	Auth          httpmw.Authenticator
	Metrics       *httpmw.Metrics
	Quotas        *quota.Service
	Plans         *plan.Service
	Subscriptions *subscription.Service
	Usage         *usage.Service
	Payments      *payment.Service
	Invoices      *invoice.Service
	Namespaces    NamespaceReader
	MaxBodyBytes  int64
	// RateLimit is the per-token request rate limit of every authenticated
	// route; nil means none.
	RateLimit *httpmw.TokenLimiter
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
	// MaxBody raises the body limit of this route above Config.MaxBodyBytes.
	MaxBody int64
	// Report marks the read-only queries the legacy API sends as POST.
	Report bool
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
		// 1, 21-24: usage reports, read-only queries sent as POST; op 1 is under the data slug, namespace fixed to system.
		{Method: "POST", Path: "/api/data/namespaces/system/billing/usage_summary", SpecPath: "/api/data/namespaces/system/billing/usage_summary", Name: "ves.io.schema.billing.CustomPublicAPI.BillingUsageSummary", Report: true, handle: (*api).usageSummary},
		{Method: "POST", Path: "/api/web/namespaces/{namespace}/current_usage", SpecPath: "/api/web/namespaces/{namespace}/current_usage", Name: "ves.io.schema.usage.CustomCalculatedUsageAPI.ListCurrentUsage", Report: true, handle: (*api).currentUsage},
		{Method: "POST", Path: "/api/web/namespaces/{namespace}/hourly_usage_details", SpecPath: "/api/web/namespaces/{namespace}/hourly_usage_details", Name: "ves.io.schema.usage.CustomAggregatedUsageAPI.ListHourlyUsageDetails", Report: true, handle: (*api).hourlyUsageDetails},
		{Method: "POST", Path: "/api/web/namespaces/{namespace}/monthly_usage", SpecPath: "/api/web/namespaces/{namespace}/monthly_usage", Name: "ves.io.schema.usage.CustomCalculatedUsageAPI.ListMonthlyUsage", Report: true, handle: (*api).monthlyUsage},
		{Method: "POST", Path: "/api/web/namespaces/{namespace}/usage_details", SpecPath: "/api/web/namespaces/{namespace}/usage_details", Name: "ves.io.schema.usage.CustomAggregatedUsageAPI.ListUsageDetails", Report: true, handle: (*api).usageDetails},
		// 25-26: usage plans; the namespace is always system.
		{Method: "GET", Path: "/api/web/namespaces/system/usage_plans/current", SpecPath: "/api/web/namespaces/system/usage_plans/current", Name: "ves.io.schema.usage.plan.CustomAPI.GetCurrentPlan", handle: (*api).currentPlan},
		{Method: "GET", Path: "/api/web/namespaces/system/usage_plans/custom_list", SpecPath: "/api/web/namespaces/system/usage_plans/custom_list", Name: "ves.io.schema.usage.plan.CustomAPI.ListUsagePlans", handle: (*api).listUsagePlans},
		// 2-3: invoices, tenant-wide (the namespace is accepted and ignored for scope); the PDF is base64 inside JSON.
		{Method: "GET", Path: "/api/web/namespaces/{namespace}/usage/invoice_pdf", SpecPath: "/api/web/namespaces/{namespace}/usage/invoice_pdf", Name: "ves.io.schema.usage.invoice.CustomAPI.DownloadInvoicePdf", handle: (*api).invoicePDF},
		{Method: "GET", Path: "/api/web/namespaces/{namespace}/usage/invoices/custom_list", SpecPath: "/api/web/namespaces/{namespace}/usage/invoices/custom_list", Name: "ves.io.schema.usage.invoice.CustomAPI.ListInvoices", handle: (*api).listInvoices},
		// 4-8: payment methods, tenant-wide; singular payment_method/{name}/... for role changes, plural for create/delete.
		{Method: "POST", Path: "/api/web/namespaces/{namespace}/billing/payment_method/{name}/primary", SpecPath: "/api/web/namespaces/{namespace}/billing/payment_method/{name}/primary", Name: "ves.io.schema.billing.payment_method.CustomAPI.MakePaymentMethodPrimary", handle: paymentMethodRole(payment.MakePrimary)},
		{Method: "POST", Path: "/api/web/namespaces/{namespace}/billing/payment_method/{name}/secondary", SpecPath: "/api/web/namespaces/{namespace}/billing/payment_method/{name}/secondary", Name: "ves.io.schema.billing.payment_method.CustomAPI.MakePaymentMethodSecondary", handle: paymentMethodRole(payment.MakeSecondary)},
		{Method: "POST", Path: "/api/web/namespaces/{namespace}/billing/payment_method/{name}/swap-primary", SpecPath: "/api/web/namespaces/{namespace}/billing/payment_method/{name}/swap-primary", Name: "ves.io.schema.billing.payment_method.CustomAPI.SwapPaymentMethodRole", handle: paymentMethodRole(payment.SwapPrimary)},
		{Method: "POST", Path: "/api/web/namespaces/{namespace}/billing/payment_methods", SpecPath: "/api/web/namespaces/{namespace}/billing/payment_methods", Name: "ves.io.schema.billing.payment_method.CustomAPI.Create", handle: (*api).createPaymentMethod},
		{Method: "DELETE", Path: "/api/web/namespaces/{namespace}/billing/payment_methods/{name}", SpecPath: "/api/web/namespaces/{namespace}/billing/payment_methods/{name}", Name: "ves.io.schema.billing.payment_method.CustomAPI.Delete", handle: (*api).deletePaymentMethod},
		// 9-10: plan transitions; op 9 is public (no token) and reveals only the state.
		{Method: "GET", Path: "/no_auth/namespaces/system/billing/plan_transition", SpecPath: "/no_auth/namespaces/system/billing/plan_transition", Name: "ves.io.schema.billing.plan_transition.CustomAPI.GetPlanTransition", Public: true, handle: (*api).getPlanTransition},
		{Method: "POST", Path: "/api/web/namespaces/{namespace}/billing/plan_transition", SpecPath: "/api/web/namespaces/{namespace}/billing/plan_transition", Name: "ves.io.schema.billing.plan_transition.CustomAPI.InitiatePlanTransition", handle: (*api).initiatePlanTransition},
		// 18-20: subscriptions and add-ons, tenant-wide.
		{Method: "GET", Path: "/api/web/namespaces/{namespace}/subscriptions/custom_list", SpecPath: "/api/web/namespaces/{namespace}/subscriptions/custom_list", Name: "ves.io.schema.usage.subscription.CustomAPI.ListSubscriptions", handle: (*api).listSubscriptions},
		{Method: "POST", Path: "/api/web/namespaces/system/addon/subscribe", SpecPath: "/api/web/namespaces/system/addon/subscribe", Name: "ves.io.schema.subscription.CustomAPI.Subscribe", handle: (*api).subscribeAddon},
		{Method: "POST", Path: "/api/web/namespaces/system/addon/unsubscribe", SpecPath: "/api/web/namespaces/system/addon/unsubscribe", Name: "ves.io.schema.subscription.CustomAPI.Unsubscribe", handle: (*api).unsubscribeAddon},
		// Extension: quota enforcement (api/openapi/billingd-extensions.yaml).
		{Method: "POST", Path: "/api/web/namespaces/{namespace}/quota/reserve", SpecPath: "/api/web/namespaces/{namespace}/quota/reserve", Name: "billingd.quota.Reserve", handle: (*api).reserveQuota},
		// Extension: usage ingestion, a JSON array or NDJSON batch (api/openapi/billingd-extensions.yaml).
		{Method: "POST", Path: "/api/web/namespaces/{namespace}/usage/events", SpecPath: "/api/web/namespaces/{namespace}/usage/events", Name: "billingd.usage.Ingest", MaxBody: IngestMaxBodyBytes, handle: (*api).ingestEvents},
		// Rows added later stay at the end, so the route index of the fuzz corpus keeps its meaning.
		// 9 again, where F5's SDK calls it: its base URL ends in /api and it appends /no_auth/....
		{Method: "GET", Path: "/api/no_auth/namespaces/system/billing/plan_transition", SpecPath: "/no_auth/namespaces/system/billing/plan_transition", Name: "ves.io.schema.billing.plan_transition.CustomAPI.GetPlanTransition", Public: true, handle: (*api).getPlanTransition},
		// XC's namespace object (ves.io.schema.namespace), outside the billing spec: the namespaces the tenant has used, read-only.
		{Method: "GET", Path: "/api/web/namespaces", SpecPath: "/api/web/namespaces", Name: "ves.io.schema.namespace.API.List", handle: (*api).listNamespaces},
		{Method: "GET", Path: "/api/web/namespaces/{name}", SpecPath: "/api/web/namespaces/{name}", Name: "ves.io.schema.namespace.API.Get", handle: (*api).getNamespace},
	}
}

// Register adds every route to r, each wrapped with instrumentation, the
// body size limit and (unless public) authentication. It adds nothing and
// names what is missing when c lacks a service.
func Register(r *mux.Router, c Config) error {
	var d kernel.Deps
	d.Need("Logger", c.Logger != nil)
	d.Need("Auth", c.Auth != nil)
	d.Need("Quotas", c.Quotas != nil)
	d.Need("Plans", c.Plans != nil)
	d.Need("Subscriptions", c.Subscriptions != nil)
	d.Need("Usage", c.Usage != nil)
	d.Need("Payments", c.Payments != nil)
	d.Need("Invoices", c.Invoices != nil)
	d.Need("Namespaces", c.Namespaces != nil)
	if err := d.Err("rest.Register"); err != nil {
		return err
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = 1 << 20
	}
	a := &api{c}
	for _, rt := range Routes() {
		handle := rt.handle
		var h http.Handler = serve(a, func(w http.ResponseWriter, r *http.Request) (any, error) { return handle(a, w, r) })
		if rt.Method == http.MethodGet || rt.Report {
			h = withMemo(h)
		}
		if !rt.Public {
			h = httpmw.RequireAuth(c.Auth, c.Logger, c.RateLimit.Wrap(c.Logger, h))
		}
		h = httpmw.Instrument(rt.Name, c.Logger, c.Metrics, httpmw.LimitBody(max(c.MaxBodyBytes, rt.MaxBody), h))
		r.Handle(rt.Path, h).Methods(rt.Method)
	}
	r.NotFoundHandler = httpmw.Instrument("not_found", c.Logger, c.Metrics, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		httpmw.WriteError(w, req, c.Logger, errs.New(errs.NotFound, "no route for %s %s", req.Method, req.URL.Path))
	}))
	r.MethodNotAllowedHandler = httpmw.Instrument("method_not_allowed", c.Logger, c.Metrics, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		httpmw.WriteJSON(w, http.StatusMethodNotAllowed, httpmw.ErrorBody{Code: "METHOD_NOT_ALLOWED", Message: req.Method + " is not allowed on " + req.URL.Path})
	}))
	return nil
}

// withMemo gives a read-only request its own memo of tenant-level reads
// (kernel.Memo), as GraphQL gives each query: a report asks several
// services about the same tenant (its plan, subscriptions, invoices), and
// the store then reads each of those row sets once, in one statement. The
// memo lives as long as the request and is cleared by any write.
func withMemo(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(kernel.WithMemo(r.Context())))
	})
}

func serve(a *api, h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := checkRequestText(r); err != nil {
			httpmw.WriteError(w, r, a.Logger, err)
			return
		}
		v, err := h(w, r)
		if err != nil {
			httpmw.WriteError(w, r, a.Logger, err)
			return
		}
		httpmw.WriteJSON(w, http.StatusOK, v)
	})
}

// empty is the `{}` answer of operations that return google.protobuf.Empty.
type empty struct{}

// caller is the principal the authentication middleware put in r's
// context; the handlers pass it to the services, which authorize it (the
// zero Principal of an unauthenticated request is refused there).
func caller(r *http.Request) tenancy.Principal { return tenancy.FromContext(r.Context()) }
