package e2e

import (
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/billingd/billingd/internal/spectest"
)

const createBody = `{
  "metadata": {"name": "example-quota", "namespace": "ignored-by-path", "labels": {"env": "prod", "tier": "web"},
               "annotations": {"owner": "platform-team"}, "description": "tenant caps"},
  "spec": {
    "object_limits":   {"http_loadbalancer": {"maximum": 12}},
    "resource_limits": {"vcpu": {"maximum": 2.5}},
    "api_limits":      {"ves.io.schema.advertise_policy.API.Create": {"rate": 100, "burst": 100, "unit": "per-second"}}
  }
}`

// TestQuotaOperationsMatchUpstreamSchemas walks the 7 quota operations and
// the reserve extension, validating every answer against the F5 schemas.
func TestQuotaOperationsMatchUpstreamSchemas(t *testing.T) {
	t.Parallel()
	spec := spectest.Load(t)
	forEachDialect(t, func(t *testing.T, s *server) {
		tok := token(t, s.dbURL, "acme", "admin", "")
		const ns = "/api/web/namespaces/staging"

		spec.ValidateRequest(t, "POST", "/api/web/namespaces/{metadata.namespace}/quotas", []byte(createBody))
		r := s.do("POST", ns+"/quotas", tok, createBody, "Content-Type", "application/json")
		expect(t, r, 200)
		spec.ValidateResponse(t, "POST", "/api/web/namespaces/{metadata.namespace}/quotas", r.Body)
		created := r.JSON(t)
		meta := created["metadata"].(map[string]any)
		if meta["namespace"] != "staging" || meta["name"] != "example-quota" {
			t.Fatalf("path must overwrite the body namespace: %v", meta)
		}
		sys := created["system_metadata"].(map[string]any)
		if sys["tenant"] != "acme" || sys["uid"] == "" || sys["creation_timestamp"] == nil {
			t.Fatalf("system_metadata: %v", sys)
		}

		expect(t, s.do("POST", ns+"/quotas", tok, createBody), 409)

		// F5's Go client: number response_format, redundant ?namespace=.
		r = s.do("GET", ns+"/quotas/example-quota?response_format=0&namespace=staging", tok, nil)
		expect(t, r, 200)
		spec.ValidateResponse(t, "GET", "/api/web/namespaces/{namespace}/quotas/{name}", r.Body)
		etag := r.Header.Get("ETag")
		for _, f := range []string{"GET_RSP_FORMAT_FOR_CREATE", "2", "GET_RSP_FORMAT_STATUS", "6"} {
			r = s.do("GET", ns+"/quotas/example-quota?response_format="+f, tok, nil)
			expect(t, r, 200)
			spec.ValidateResponse(t, "GET", "/api/web/namespaces/{namespace}/quotas/{name}", r.Body)
		}
		if _, ok := s.do("GET", ns+"/quotas/example-quota?response_format=1", tok, nil).JSON(t)["create_form"]; !ok {
			t.Fatal("response_format=1 must fill create_form")
		}
		expect(t, s.do("GET", ns+"/quotas/example-quota?response_format=GET_RSP_FORMAT_NOPE", tok, nil), 400)

		r = s.do("GET", ns+"/quotas?label_filter="+urlq("env in (prod, staging), tier"), tok, nil)
		expect(t, r, 200)
		spec.ValidateResponse(t, "GET", "/api/web/namespaces/{namespace}/quotas", r.Body)
		if items := r.JSON(t)["items"].([]any); len(items) != 1 {
			t.Fatalf("label_filter should match: %s", r.Body)
		}
		r = s.do("GET", ns+"/quotas?report_fields=&label_filter="+urlq("!env"), tok, nil)
		expect(t, r, 200)
		if items := r.JSON(t)["items"].([]any); len(items) != 0 {
			t.Fatalf("!env should match nothing: %s", r.Body)
		}
		r = s.do("GET", ns+"/quotas?report_fields", tok, nil)
		spec.ValidateResponse(t, "GET", "/api/web/namespaces/{namespace}/quotas", r.Body)
		if !strings.Contains(string(r.Body), `"get_spec"`) {
			t.Fatalf("report_fields should add get_spec: %s", r.Body)
		}
		expect(t, s.do("GET", ns+"/quotas?label_filter="+urlq("env in prod"), tok, nil), 400)

		// Replace: PUT without Content-Type, stale version refused, no rename.
		replace := strings.Replace(createBody, `"maximum": 12`, `"maximum": 50`, 1)
		spec.ValidateRequest(t, "PUT", "/api/web/namespaces/{metadata.namespace}/quotas/{metadata.name}", []byte(replace))
		r = s.do("PUT", ns+"/quotas/example-quota", tok, replace, "If-Match", etag)
		expect(t, r, 200)
		spec.ValidateResponse(t, "PUT", "/api/web/namespaces/{metadata.namespace}/quotas/{metadata.name}", r.Body)
		expect(t, s.do("PUT", ns+"/quotas/example-quota", tok, replace, "If-Match", etag), 409)
		expect(t, s.do("PUT", ns+"/quotas/example-quota", tok, strings.Replace(replace, `"example-quota"`, `"renamed"`, 1)), 400)
		expect(t, s.do("PUT", ns+"/quotas/missing", tok, `{"metadata":{"name":"missing"}}`), 404)

		// Enforcement moves quota/usage.
		r = s.do("POST", ns+"/quota/reserve", tok, `{"objects": {"http_loadbalancer": 2}, "resources": {"vcpu": 1.25}, "apis": {"ves.io.schema.advertise_policy.API.Create": 1}}`)
		expect(t, r, 200)
		r = s.do("GET", ns+"/quota/usage", tok, nil)
		expect(t, r, 200)
		spec.ValidateResponse(t, "GET", "/api/web/namespaces/{namespace}/quota/usage", r.Body)
		u := r.JSON(t)
		lb := u["objects"].(map[string]any)["http_loadbalancer"].(map[string]any)
		// The namespace's cap of 50 cannot loosen the tenant's limit (the free
		// plan's 5): the tighter one binds and is what the namespace shows.
		if lb["limit"].(map[string]any)["maximum"].(float64) != 5 || lb["usage"].(map[string]any)["current"].(float64) != 2 || lb["display_name"] != "HTTP Load Balancer" {
			t.Fatalf("usage item: %v", lb)
		}
		if u["resources"].(map[string]any)["vcpu"].(map[string]any)["usage"].(map[string]any)["current"].(float64) != 1.25 {
			t.Fatalf("vcpu usage: %s", r.Body)
		}
		for _, k := range []string{"quota_usage", "float_quota_usage", "api_limits", "apis"} {
			if _, ok := u[k]; !ok {
				t.Fatalf("quota/usage lacks %s: %s", k, r.Body)
			}
		}
		r = s.do("GET", ns+"/quota/limits?namespace=staging", tok, nil)
		expect(t, r, 200)
		spec.ValidateResponse(t, "GET", "/api/web/namespaces/{namespace}/quota/limits", r.Body)

		// Delete: with a body, with none, unknown name.
		del := `{"namespace": "staging", "name": "example-quota", "fail_if_referred": true}`
		spec.ValidateRequest(t, "DELETE", "/api/web/namespaces/{namespace}/quotas/{name}", []byte(del))
		r = s.do("DELETE", ns+"/quotas/example-quota", tok, del)
		expect(t, r, 200)
		spec.ValidateResponse(t, "DELETE", "/api/web/namespaces/{namespace}/quotas/{name}", r.Body)
		expect(t, s.do("DELETE", ns+"/quotas/example-quota", tok, nil), 404)
	})
}

func urlq(s string) string {
	return strings.NewReplacer(" ", "%20", "(", "%28", ")", "%29", ",", "%2C", "!", "%21", "=", "%3D").Replace(s)
}

// TestBadInputChangesNothing sends bad bodies and checks each 400 names the
// field, and that nothing was stored.
func TestBadInputChangesNothing(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, s *server) {
		tok := token(t, s.dbURL, "acme", "admin", "")
		const ns = "/api/web/namespaces/ns1"
		cases := []struct {
			name, body, field string
			status            int
		}{
			{"negative maximum", `{"metadata":{"name":"q"},"spec":{"object_limits":{"virtual_host":{"maximum":-1}}}}`, `spec.object_limits[\"virtual_host\"].maximum`, 400},
			{"fractional int32", `{"metadata":{"name":"q"},"spec":{"object_limits":{"virtual_host":{"maximum":1.5}}}}`, `spec.object_limits[\"virtual_host\"].maximum`, 400},
			{"malformed key", `{"metadata":{"name":"q"},"spec":{"resource_limits":{"9bad key":{"maximum":1}}}}`, `spec.resource_limits[\"9bad key\"]`, 400},
			{"unknown rate unit", `{"metadata":{"name":"q"},"spec":{"api_limits":{"a.b":{"rate":1,"unit":"per-fortnight"}}}}`, "unit", 400},
			{"missing name", `{"metadata":{},"spec":{}}`, "metadata.name", 400},
			{"not JSON", `{"metadata": `, "body", 400},
			{"wrong type", `{"metadata":{"name":"q","labels":"env=prod"}}`, "metadata.labels", 400},
			{"unknown field", `{"metadata":{"name":"q"},"spek":{}}`, "spek", 400},
			{"too large", `{"metadata":{"name":"q","description":"` + strings.Repeat("x", 2<<20) + `"}}`, "", 413},
		}
		for _, c := range cases {
			r := s.do("POST", ns+"/quotas", tok, c.body)
			if r.Status != c.status || !strings.Contains(string(r.Body), c.field) {
				t.Errorf("%s: status %d body %s; want %d naming %s", c.name, r.Status, r.Body, c.status, c.field)
			}
		}
		r := s.do("GET", ns+"/quotas", tok, nil)
		if !strings.Contains(string(r.Body), `"items":[]`) {
			t.Fatalf("bad input stored something: %s", r.Body)
		}
		for _, b := range []string{`{"objects":{"x1":1.5}}`, `{"objects":{"x1":"one"}}`, `{"resources":{"vcpu":0.0000001}}`, `{"apis":{"a.b":-1}}`, `{}`} {
			if r := s.do("POST", ns+"/quota/reserve", tok, b); r.Status != 400 {
				t.Errorf("reserve %s: %d %s", b, r.Status, r.Body)
			}
		}
		expect(t, s.do("GET", "/api/web/namespaces/Not_A_Label/quotas", tok, nil), 400)
	})
}

// TestAuthAndTenancy: 401 without a valid token, 403 for a forbidden role,
// and 404 (never the data) for another tenant's objects.
func TestAuthAndTenancy(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, s *server) {
		admin := token(t, s.dbURL, "acme", "admin", "")
		viewer := token(t, s.dbURL, "acme", "viewer", "")
		editorNS2 := token(t, s.dbURL, "acme", "editor", "ns2")
		other := token(t, s.dbURL, "globex", "admin", "")
		const q = "/api/web/namespaces/ns1/quotas"
		expect(t, s.do("POST", q, admin, `{"metadata":{"name":"q1"}}`), 200)

		for _, h := range []string{"", "APIToken", "APIToken nope", "Bearer " + admin} {
			r := s.do("GET", q, "", nil, "Authorization", h)
			expect(t, r, 401)
			if !strings.Contains(string(r.Body), `"code":"UNAUTHENTICATED"`) {
				t.Fatalf("401 body: %s", r.Body)
			}
		}
		expect(t, s.do("GET", q+"/q1", viewer, nil), 200)
		expect(t, s.do("POST", q, viewer, `{"metadata":{"name":"q2"}}`), 403)
		expect(t, s.do("DELETE", q+"/q1", viewer, nil), 403)
		expect(t, s.do("POST", q, editorNS2, `{"metadata":{"name":"q2"}}`), 403)
		expect(t, s.do("POST", "/api/web/namespaces/ns2/quotas", editorNS2, `{"metadata":{"name":"q2"}}`), 200)

		r := s.do("GET", q+"/q1", other, nil)
		expect(t, r, 404)
		expect(t, s.do("DELETE", q+"/q1", other, nil), 404)
		expect(t, s.do("PUT", q+"/q1", other, `{"metadata":{"name":"q1"}}`), 404)
		if r := s.do("GET", q, other, nil); strings.Contains(string(r.Body), "q1") {
			t.Fatalf("another tenant's list leaks: %s", r.Body)
		}
		expect(t, s.do("GET", q+"/q1", admin, nil), 200)
	})
}

// TestConcurrentReservationsOverHTTP: 200 concurrent reservations of 1
// against a limit of 50 (a system quota, which raises the plan's 5 for the
// whole tenant) admit exactly 50, with an Idempotency-Key retry counted once.
func TestConcurrentReservationsOverHTTP(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, s *server) {
		tok := token(t, s.dbURL, "acme", "editor", "")
		expect(t, s.do("POST", "/api/web/namespaces/system/quotas", tok, `{"metadata":{"name":"q"},"spec":{"object_limits":{"http_loadbalancer":{"maximum":50}}}}`), 200)
		statuses := make(chan int, 200)
		var wg sync.WaitGroup
		for i := 0; i < 200; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses <- s.do("POST", "/api/web/namespaces/ns1/quota/reserve", tok, `{"objects":{"http_loadbalancer":1}}`).Status
			}()
		}
		wg.Wait()
		close(statuses)
		count := map[int]int{}
		for st := range statuses {
			count[st]++
		}
		if count[200] != 50 || count[429] != 150 {
			t.Fatalf("statuses %v; want 50×200 and 150×429", count)
		}
		r := s.do("POST", "/api/web/namespaces/ns1/quota/reserve", tok, `{"objects":{"http_loadbalancer":1}}`)
		expect(t, r, 429)
		if !strings.Contains(string(r.Body), `"limit":"50","current":"50","requested":"1"`) {
			t.Fatalf("429 body must say limit, current and requested: %s", r.Body)
		}
		// Release 10, then one keyed request retried 5 times counts once.
		expect(t, s.do("POST", "/api/web/namespaces/ns1/quota/reserve", tok, `{"objects":{"http_loadbalancer":-10}}`), 200)
		for i := 0; i < 5; i++ {
			r := s.do("POST", "/api/web/namespaces/ns1/quota/reserve", tok, `{"objects":{"http_loadbalancer":3}}`, "Idempotency-Key", "order-42")
			expect(t, r, 200)
			if !strings.Contains(string(r.Body), `"http_loadbalancer":43`) {
				t.Fatalf("retry %d: %s", i, r.Body)
			}
		}
		u := s.do("GET", "/api/web/namespaces/ns1/quota/usage", tok, nil)
		if !strings.Contains(string(u.Body), `"usage":{"current":43}`) {
			t.Fatalf("usage after retries: %s", u.Body)
		}
	})
}

// TestOpsEndpointsAndShutdown: health, readiness, metrics, and SIGTERM
// exiting 0.
func TestOpsEndpointsAndShutdown(t *testing.T) {
	t.Parallel()
	s := start(t, "sqlite")
	tok := token(t, s.dbURL, "acme", "admin", "")
	expect(t, s.do("GET", "/readyz", "", nil), 200)
	expect(t, s.do("GET", "/api/web/namespaces/ns1/quota/usage", tok, nil), 200)
	m := s.do("GET", "/metrics", "", nil)
	expect(t, m, 200)
	for _, want := range []string{`billingd_http_requests_total{route="ves.io.schema.quota.CustomAPI.GetQuotaUsage",status="200"} 1`, "go_sql_open_connections", "billingd_http_request_duration_seconds_bucket"} {
		if !strings.Contains(string(m.Body), want) {
			t.Fatalf("metrics lack %q", want)
		}
	}
	if strings.Contains(s.logs.String(), tok) {
		t.Fatal("a token appears in the log")
	}
	if !strings.Contains(s.logs.String(), "tenant=acme") {
		t.Fatalf("request log lacks the tenant:\n%s", s.logs.String())
	}
	expect(t, s.do("GET", "/api/web/nothing", tok, nil), 404)
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := <-s.exited; err != nil {
		t.Fatalf("billingd exited with %v after SIGTERM; want status 0", err)
	}
	s.exited <- nil

}
