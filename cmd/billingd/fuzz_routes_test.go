package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/billingd/billingd/adapters/httpmw"
	"github.com/billingd/billingd/adapters/rest"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/internal/app"
	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"
)

// fuzzRoute is one route FuzzRoutes sends to: the REST route table, with its
// path variables filled in, plus /graphql.
type fuzzRoute struct {
	method, path string
	graphql      bool
}

// fuzzRoutes lists rest.Routes() with {namespace} and {name} filled in, then
// /graphql, so the route index byte of a seed keeps meaning the same route.
func fuzzRoutes() []fuzzRoute {
	var out []fuzzRoute
	for _, rt := range rest.Routes() {
		// payment-method-1 is the name the first payment method created gets.
		name := "fz1"
		if strings.Contains(rt.Path, "payment_method") {
			name = "payment-method-1"
		}
		p := strings.NewReplacer("{namespace}", "prod", "{name}", name).Replace(rt.Path)
		out = append(out, fuzzRoute{method: rt.Method, path: p})
	}
	return append(out, fuzzRoute{method: "POST", path: "/graphql", graphql: true})
}

// fuzzValidBodies are one valid body per route name (the upstream
// operationId); routes that take no body get none.
var fuzzValidBodies = map[string][]string{
	"ves.io.schema.quota.API.Create": {
		`{"metadata":{"name":"fz1","labels":{"env":"prod"}},"spec":{"object_limits":{"http_loadbalancer":{"maximum":12}}}}`,
		`{"metadata":{"name":"q2"},"spec":{"resource_limits":{"vcpu":{"maximum":2.5}},"api_limits":{"a.b":{"rate":1,"burst":2,"unit":"per-second"}}}}`,
	},
	"ves.io.schema.quota.API.Replace": {
		`{"metadata":{"name":"fz1","namespace":"prod"},"spec":{"object_limits":{"http_loadbalancer":{"maximum":20}}}}`,
	},
	"ves.io.schema.quota.API.Delete":                                          {`{"namespace":"prod","fail_if_referred":true}`},
	"ves.io.schema.billing.CustomPublicAPI.BillingUsageSummary":               {`{"start_time":"1764115200","end_time":"1764201600"}`, `{"start_time":"2026-11-01T00:00:00Z","end_time":"2026-11-30T00:00:00Z"}`},
	"ves.io.schema.usage.CustomCalculatedUsageAPI.ListCurrentUsage":           {`{"namespace":"prod","from":"2026-11-01T00:00:00Z","to":"2026-11-27T00:00:00Z"}`, `{}`},
	"ves.io.schema.usage.CustomAggregatedUsageAPI.ListHourlyUsageDetails":     {`{"namespace":"prod","query":"eyJ2IjoxfQ"}`},
	"ves.io.schema.usage.CustomCalculatedUsageAPI.ListMonthlyUsage":           {`{"namespace":"prod"}`},
	"ves.io.schema.usage.CustomAggregatedUsageAPI.ListUsageDetails":           {`{"namespace":"prod","from":"2026-11-01T00:00:00Z","to":"2026-11-27T00:00:00Z"}`},
	"ves.io.schema.billing.payment_method.CustomAPI.MakePaymentMethodPrimary": {`{"namespace":"prod","name":"fz1"}`},
	"ves.io.schema.billing.payment_method.CustomAPI.Create": {
		`{"token":"fz-card-1"}`,
		`{"namespace":"system","token":"fz-card-2","role":"PAYMENT_METHOD_ROLE_SECONDARY","contact":{"address1":"1 Main St","city":"Paris","country":"FR","contact_type":1}}`,
	},
	"ves.io.schema.billing.payment_method.CustomAPI.Delete":                  {`{"namespace":"prod","name":"fz1"}`},
	"ves.io.schema.billing.plan_transition.CustomAPI.InitiatePlanTransition": {`{"new_plan":"free"}`, `{"new_plan":"individual","payload":{"payment_provider_token":"fz-pp"}}`},
	"ves.io.schema.subscription.CustomAPI.Subscribe":                         {`{"f5xc_content_delivery_network_standard":{}}`},
	"ves.io.schema.subscription.CustomAPI.Unsubscribe":                       {`{"f5xc_content_delivery_network_standard":{}}`},
	"billingd.quota.Reserve":                                                 {`{"objects":{"http_loadbalancer":1}}`, `{"objects":{"a":-1e400},"resources":{"vcpu":"0.0000001"}}`},
	"billingd.usage.Ingest": {
		`[{"id":"e1","usage_type":"http_requests","object_name":"lb","quantity":12,"unit_name":"request","timestamp":"2026-11-26T10:00:00Z"}]`,
		"{\"id\":\"e2\",\"usage_type\":\"http_requests\",\"object_name\":\"lb\",\"quantity\":\"1.5\",\"unit_name\":\"request\",\"timestamp\":\"2026-11-26T10:00:00Z\"}\n",
	},
}

// fuzzValidQueries are the query strings of the GET routes that read one.
var fuzzValidQueries = map[string]string{
	"ves.io.schema.usage.invoice.CustomAPI.DownloadInvoicePdf":             "name=2026-10",
	"ves.io.schema.billing.plan_transition.CustomAPI.GetPlanTransition":    "id=tr-1",
	"ves.io.schema.quota.CustomAPI.CustomGetQuotaLimits":                   "namespace=prod",
	"ves.io.schema.quota.API.List":                                         "label_filter=env%3Dprod&report_fields=spec",
	"ves.io.schema.usage.subscription.CustomAPI.ListSubscriptions":         "",
	"ves.io.schema.usage.plan.CustomAPI.GetCurrentPlan":                    "",
	"ves.io.schema.usage.invoice.CustomAPI.ListInvoices":                   "",
	"ves.io.schema.quota.API.Get":                                          "response_format=1",
	"ves.io.schema.billing.payment_method.CustomAPI.SwapPaymentMethodRole": "",
}

// fuzzServer is the real app on a temporary SQLite file, routed as
// cmd/billingd/serve.go routes it, and an admin token of a tenant of its own.
type fuzzServer struct {
	h      http.Handler
	secret string
}

func newFuzzServer(tb testing.TB) *fuzzServer {
	tb.Helper()
	srv, _ := newRoutedServer(tb, "sqlite:"+tb.TempDir()+"/f.db")
	return srv
}

// newRoutedServer is newFuzzServer on the database at url, with its app.
func newRoutedServer(tb testing.TB, url string) (*fuzzServer, *app.App) {
	tb.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	a, err := openApp(ctx, dbFlags{url: url}, 2, log)
	if err != nil {
		tb.Fatalf("open app: %v", err)
	}
	tb.Cleanup(func() { _ = a.Close() })
	secret, _, err := a.Tenancy.CreateToken(ctx, tenancy.Operator(""), tenancy.CreateTokenInput{Tenant: "fuzz", Role: tenancy.RoleAdmin})
	if err != nil {
		tb.Fatalf("create token: %v", err)
	}
	if _, err := a.Tenancy.Authenticate(ctx, "APIToken "+secret); err != nil {
		tb.Fatalf("authenticate: %v", err)
	}
	// serve's defaults, except the rate limit: --rate-limit 0 (off), so the
	// fuzzer reaches the handlers instead of 429s.
	c := serveConfig{maxBodyBytes: 1 << 20, introspection: true, requestTimeout: 15 * time.Second}
	c.limiter = httpmw.NewTokenLimiter(a.Clock, 0, 0, nil)
	metrics, err := httpmw.NewMetrics(prometheus.NewRegistry())
	if err != nil {
		tb.Fatalf("metrics: %v", err)
	}
	r := mux.NewRouter()
	if err := mountAPI(r, a, c, log, metrics); err != nil {
		tb.Fatalf("mount: %v", err)
	}
	return &fuzzServer{h: withDeadline(r, c.requestTimeout), secret: secret}, a
}

// FuzzRoutes sends arbitrary bodies and query strings to every route of the
// real server, with an admin token: no input may panic or answer 5xx (503 is
// allowed only with the JSON error body), every answer is JSON, and a 400
// names the field at fault.
func FuzzRoutes(f *testing.F) {
	routes := fuzzRoutes()
	names := rest.Routes()
	for i, rt := range routes {
		name := "graphql"
		if i < len(names) {
			name = names[i].Name
		}
		bodies := fuzzValidBodies[name]
		if rt.graphql {
			bodies = []string{`{"query":"{ quotas(namespace: \"prod\") { edges { node { name } } } }"}`,
				`{"query":"mutation($in: ReserveQuotaInput!) { reserveQuota(input: $in) { __typename } }","variables":{"in":{"namespace":"prod","objects":[{"key":"http_loadbalancer","amount":"1"}]}}}`}
		}
		if len(bodies) == 0 {
			bodies = []string{""}
		}
		for _, b := range bodies {
			route := byte(i)
			if strings.HasPrefix(b, "{") && name == "billingd.usage.Ingest" {
				route |= 0x80 // NDJSON
			}
			f.Add(route, []byte(b), fuzzValidQueries[name])
		}
		f.Add(byte(i), []byte(`{"namespace":`), "namespace=%zz")
	}
	s := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, route byte, body []byte, query string) {
		// The high bit of the route byte sends the body as NDJSON.
		rt := routes[int(route&0x7f)%len(routes)]
		target := rt.path
		if query != "" {
			target += "?" + strings.Map(func(r rune) rune {
				// httptest.NewRequest needs a request line a server
				// could have read: no spaces, controls or fragments.
				if r <= ' ' || r == 0x7f || r == '#' {
					return -1
				}
				return r
			}, query)
		}
		var req *http.Request
		func() {
			defer func() {
				if recover() != nil {
					req = nil
				}
			}()
			req = httptest.NewRequest(rt.method, target, bytes.NewReader(body))
		}()
		if req == nil {
			t.Skip("not a request line a server would read")
		}
		req.Header.Set("Authorization", "APIToken "+s.secret)
		if route&0x80 != 0 {
			req.Header.Set("Content-Type", "application/x-ndjson")
		} else {
			req.Header.Set("Content-Type", "application/json")
		}
		w := httptest.NewRecorder()
		s.h.ServeHTTP(w, req)
		res := w.Result()
		out := w.Body.Bytes()
		where := fmt.Sprintf("%s %s body %q", rt.method, target, body)
		if !json.Valid(out) {
			t.Fatalf("%s: status %d, answer is not JSON: %q", where, res.StatusCode, out)
		}
		var eb struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Fields  []struct {
				Field   string `json:"field"`
				Problem string `json:"problem"`
			} `json:"fields"`
		}
		_ = json.Unmarshal(out, &eb)
		switch {
		case res.StatusCode == http.StatusServiceUnavailable:
			if eb.Code == "" && !rt.graphql {
				t.Fatalf("%s: 503 without the JSON error body: %s", where, out)
			}
		case res.StatusCode >= 500:
			t.Fatalf("%s: status %d: %s", where, res.StatusCode, out)
		case res.StatusCode == http.StatusBadRequest && !rt.graphql:
			named := false
			for _, fe := range eb.Fields {
				named = named || (fe.Field != "" && fe.Problem != "")
			}
			if !named {
				t.Fatalf("%s: 400 names no field: %s", where, out)
			}
		}
		if rt.graphql && bytes.Contains(out, []byte(`"INTERNAL"`)) {
			t.Fatalf("%s: GraphQL answered an INTERNAL error: %s", where, out)
		}
	})
}
