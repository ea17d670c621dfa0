package spectest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// fakeTB records failures instead of failing the test, so a test can prove
// that a bad body is rejected. It embeds the real TB for everything else
// (Helper, Logf, ...). Fatalf does not stop the goroutine: the helpers under
// test return after calling it.
type fakeTB struct {
	testing.TB
	mu   sync.Mutex
	msgs []string
}

func (f *fakeTB) record(msg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.msgs = append(f.msgs, msg)
}

func (f *fakeTB) Errorf(format string, args ...any) { f.record(fmt.Sprintf(format, args...)) }
func (f *fakeTB) Fatalf(format string, args ...any) { f.record(fmt.Sprintf(format, args...)) }
func (f *fakeTB) Error(args ...any)                 { f.record(fmt.Sprint(args...)) }
func (f *fakeTB) Fatal(args ...any)                 { f.record(fmt.Sprint(args...)) }
func (f *fakeTB) Failed() bool                      { return len(f.messages()) > 0 }

func (f *fakeTB) messages() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.msgs...)
}

// mustFail runs check against a fakeTB and fails t unless check reported a
// failure containing every one of wants.
func mustFail(t *testing.T, check func(tb testing.TB), wants ...string) {
	t.Helper()
	f := &fakeTB{TB: t}
	check(f)
	msgs := f.messages()
	if len(msgs) == 0 {
		t.Fatalf("check passed, want a failure mentioning %q", wants)
	}
	all := strings.Join(msgs, "\n")
	for _, w := range wants {
		if !strings.Contains(all, w) {
			t.Errorf("failure message does not mention %q:\n%s", w, all)
		}
	}
}

const (
	pathCreate    = "/api/web/namespaces/{metadata.namespace}/quotas"
	pathReplace   = "/api/web/namespaces/{metadata.namespace}/quotas/{metadata.name}"
	pathUsage     = "/api/web/namespaces/{namespace}/quota/usage"
	pathLimits    = "/api/web/namespaces/{namespace}/quota/limits"
	pathQuota     = "/api/web/namespaces/{namespace}/quotas/{name}"
	pathInvoices  = "/api/web/namespaces/{namespace}/usage/invoices/custom_list"
	pathSummary   = "/api/data/namespaces/system/billing/usage_summary"
	pathSubscribe = "/api/web/namespaces/system/addon/subscribe"
	pathPlans     = "/api/web/namespaces/system/usage_plans/current"
)

const createResponse = `{
  "metadata": {"name": "example-quota", "namespace": "system",
               "labels": {"env": "prod"}, "annotations": {"owner": "platform-team"},
               "description": "tenant caps", "disable": false},
  "system_metadata": {"uid": "0b7e1c59-8a1f-4c1e-9d0e-2f1d3c4b5a69",
                      "creation_timestamp": "2026-01-02T03:04:05Z",
                      "creator_class": "prism", "creator_id": "admin@acmecorp.com",
                      "tenant": "acme", "finalizers": [], "object_index": 7,
                      "labels": {"ves.io/soft-deleted": "false"}},
  "spec": {
    "object_limits":   {"virtual_host": {"maximum": 12}},
    "resource_limits": {"some_resource": {"maximum": 2.5}},
    "api_limits":      {"ves.io.schema.advertise_policy.API.Create": {"rate": 100, "burst": 100, "unit": "per-second"}}
  }
}`

const usageResponse = `{
  "objects": {"http_loadbalancer": {"limit": {"maximum": 10}, "usage": {"current": 3}, "display_name": "HTTP Load Balancer"}},
  "resources": {"vcpu": {"limit": {"maximum": 2.5}, "usage": {"current": 0.5}, "description": "vCPUs"}},
  "apis": {"ves.io.schema.quota.API.Create": {"api_limit": {"rate": 10, "burst": 20, "unit": "per-second"}}},
  "quota_usage": {"HTTP Load Balancer": {"limit": {"maximum": 10}, "usage": {"current": 3}, "display_name": "HTTP Load Balancer"}},
  "float_quota_usage": {"vcpu": {"limit": {"maximum": 2.5}, "usage": {"current": -1}}},
  "api_limits": {"ves.io.schema.quota.API.Create": {"rate": 10, "burst": 20, "unit": "per-second"}}
}`

func TestValidBodiesPass(t *testing.T) {
	t.Parallel()
	s := Load(t)
	tests := []struct {
		name  string
		check func(tb testing.TB)
	}{
		{"quota create response", func(tb testing.TB) { s.ValidateResponse(tb, "POST", pathCreate, []byte(createResponse)) }},
		{"quota create request", func(tb testing.TB) {
			s.ValidateRequest(tb, "POST", pathCreate, []byte(`{"metadata": {"name": "q", "namespace": "system"}, "spec": {"object_limits": {"virtual_host": {"maximum": 12}}}}`))
		}},
		{"quota replace response is {}", func(tb testing.TB) { s.ValidateResponse(tb, "PUT", pathReplace, []byte(`{}`)) }},
		{"quota usage", func(tb testing.TB) { s.ValidateResponse(tb, "GET", pathUsage, []byte(usageResponse)) }},
		{"quota usage, lowercase method", func(tb testing.TB) { s.ValidateResponse(tb, "get", pathUsage, []byte(`{}`)) }},
		{"quota limits", func(tb testing.TB) {
			s.ValidateResponse(tb, "GET", pathLimits, []byte(`{"objects": {"virtual_host": {"limit": {"maximum": 12}, "display_name": "Virtual Host"}},
				"quota_usage": {"Virtual Host": {"limit": {"maximum": 12}}}}`))
		}},
		{"quota delete with empty body", func(tb testing.TB) { s.ValidateRequest(tb, "DELETE", pathQuota, nil) }},
		{"quota get with the hidden resource_version", func(tb testing.TB) {
			s.ValidateResponse(tb, "GET", pathQuota, []byte(`{"resource_version": "3", "metadata": {"name": "q"},
				"replace_form": {"metadata": {"name": "q"}, "resource_version": "3"}}`))
		}},
		{"quota delete body", func(tb testing.TB) {
			s.ValidateRequest(tb, "DELETE", pathQuota, []byte(`{"namespace": "ns1", "name": "q", "fail_if_referred": true}`))
		}},
		{"invoices with int64 as string", func(tb testing.TB) {
			s.ValidateResponse(tb, "GET", pathInvoices, []byte(`{"invoices": [{"name": "inv-1", "period_start": "2026-01-01T00:00:00Z",
				"amount": "500", "currency": "USD", "status": "STATUS_PAID", "active": false}]}`))
		}},
		{"usage summary from the merged file", func(tb testing.TB) {
			s.ValidateResponse(tb, "POST", pathSummary, []byte(`{"usage_summary_items": [{"name": "Anycast Public Virtual IP",
				"service": "f5xc-securemesh-advanced",
				"usage_metric_data": {"unit": "hour", "metric_value": {"timestamp": 1767225600.5, "value": "20"}},
				"billing_metric_data": {"unit": "VIPs", "value": "0.83"}}]}`))
		}},
		{"usage summary request", func(tb testing.TB) {
			s.ValidateRequest(tb, "POST", pathSummary, []byte(`{"start_time": "1767225600", "end_time": "2026-01-02T00:00:00Z"}`))
		}},
		{"subscribe one-of", func(tb testing.TB) {
			s.ValidateRequest(tb, "POST", pathSubscribe, []byte(`{"f5xc_waap_standard": {}}`))
		}},
		{"plan with default quota and apigw limits", func(tb testing.TB) {
			s.ValidateResponse(tb, "GET", pathPlans, []byte(`{"locale": "en-us", "plans": [{"name": "free-p25-v2", "current": true,
				"default_quota": {"object_limits": {"virtual_host": {"maximum": 5}},
					"apigw_limits": {"ves.io.schema.quota.API.Create": {"unit": "MINUTE", "total_number": 10, "leaky_bucket": {}}}}}]}`))
		}},
		{"named item schema", func(tb testing.TB) {
			s.ValidateSchema(tb, "quotaQuotaUsageItemType", []byte(`{"limit": {"maximum": 10}, "usage": {"current": 3}}`))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := &fakeTB{TB: t}
			tt.check(f)
			if msgs := f.messages(); len(msgs) > 0 {
				t.Errorf("valid body rejected:\n%s", strings.Join(msgs, "\n"))
			}
		})
	}
}

func TestInvalidBodiesFail(t *testing.T) {
	t.Parallel()
	s := Load(t)
	tests := []struct {
		name  string
		check func(tb testing.TB)
		wants []string // substrings of the failure: JSON path, reason, body
	}{
		{"unknown top-level field", func(tb testing.TB) {
			s.ValidateResponse(tb, "POST", pathCreate, []byte(`{"metadata": {"name": "q"}, "specs": {}}`))
		}, []string{`/: property "specs" is unsupported`, `body: {"metadata"`, "schema quotaCreateResponse"}},
		{"unknown nested field", func(tb testing.TB) {
			s.ValidateResponse(tb, "POST", pathCreate, []byte(`{"metadata": {"name": "q", "uid": "x"}}`))
		}, []string{`/metadata: property "uid" is unsupported`}},
		{"int64 sent as a number", func(tb testing.TB) {
			s.ValidateResponse(tb, "GET", pathInvoices, []byte(`{"invoices": [{"name": "inv-1", "amount": 5}]}`))
		}, []string{`/invoices/0/amount: value must be a string`}},
		{"hidden resource_version is a string", func(tb testing.TB) {
			s.ValidateResponse(tb, "GET", pathQuota, []byte(`{"resource_version": 3}`))
		}, []string{`/resource_version: value must be a string`}},
		{"misspelt field inside a map value", func(tb testing.TB) {
			s.ValidateResponse(tb, "GET", pathUsage, []byte(`{"objects": {"http_loadbalancer": {"limit": {"maximum": 10}, "usage": {"number": 3}}}}`))
		}, []string{`/objects/http_loadbalancer/usage: property "number" is unsupported`}},
		{"wrong type inside a map value", func(tb testing.TB) {
			s.ValidateResponse(tb, "GET", pathUsage, []byte(`{"objects": {"vh": {"limit": {"maximum": "10"}}}}`))
		}, []string{`/objects/vh/limit/maximum: value must be a number`}},
		{"int32 map value given a fraction", func(tb testing.TB) {
			s.ValidateResponse(tb, "GET", pathUsage, []byte(`{"quota_usage": {"VH": {"limit": {"maximum": 2.5}}}}`))
		}, []string{`/quota_usage/VH/limit/maximum: value must be an integer`}},
		{"limits map uses limit item type (no usage)", func(tb testing.TB) {
			s.ValidateResponse(tb, "GET", pathLimits, []byte(`{"objects": {"vh": {"limit": {"maximum": 1}, "usage": {"current": 0}}}}`))
		}, []string{`/objects/vh: property "usage" is unsupported`}},
		{"spec map value with unknown field", func(tb testing.TB) {
			s.ValidateRequest(tb, "POST", pathCreate, []byte(`{"metadata": {"name": "q"}, "spec": {"api_limits": {"x.API.Create": {"rate": 1, "per": "second"}}}}`))
		}, []string{`/spec/api_limits/x.API.Create: property "per" is unsupported`}},
		{"bad enum value", func(tb testing.TB) {
			s.ValidateResponse(tb, "GET", pathInvoices, []byte(`{"invoices": [{"status": "PAID"}]}`))
		}, []string{`/invoices/0/status: value is not one of the allowed values`}},
		{"unknown field under an allOf-wrapped ref (merged file)", func(tb testing.TB) {
			s.ValidateResponse(tb, "POST", pathSummary, []byte(`{"usage_summary_items": [{"billing_metric_data": {"unit": "VIPs", "amount": "1"}}]}`))
		}, []string{`/usage_summary_items/0/billing_metric_data: property "amount" is unsupported`}},
		{"field inside an empty message", func(tb testing.TB) {
			s.ValidateRequest(tb, "POST", pathSubscribe, []byte(`{"f5xc_waap_standard": {"enabled": true}}`))
		}, []string{`/f5xc_waap_standard: property "enabled" is unsupported`}},
		{"field in an empty response", func(tb testing.TB) { s.ValidateResponse(tb, "PUT", pathReplace, []byte(`{"ok": true}`)) },
			[]string{`property "ok" is unsupported`}},
		{"not JSON", func(tb testing.TB) { s.ValidateResponse(tb, "GET", pathUsage, []byte(`{"objects": `)) },
			[]string{"not valid JSON"}},
		{"named schema", func(tb testing.TB) {
			s.ValidateSchema(tb, "quotaQuotaUsageItemType", []byte(`{"usage": {"number": 3}}`))
		},
			[]string{`/usage: property "number" is unsupported`}},
		{"unknown path", func(tb testing.TB) {
			s.ValidateResponse(tb, "GET", "/api/web/namespaces/system/quota/usage", []byte(`{}`))
		},
			[]string{`no path "/api/web/namespaces/system/quota/usage"`}},
		{"unknown method", func(tb testing.TB) { s.ValidateResponse(tb, "PATCH", pathUsage, []byte(`{}`)) },
			[]string{"has no PATCH operation"}},
		{"no request body", func(tb testing.TB) { s.ValidateRequest(tb, "GET", pathUsage, []byte(`{}`)) },
			[]string{"has no application/json request body"}},
		{"unknown schema", func(tb testing.TB) { s.ValidateSchema(tb, "quotaNope", []byte(`{}`)) },
			[]string{`no component schema "quotaNope"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mustFail(t, tt.check, tt.wants...)
		})
	}
}

// TestFailureListsEveryProblem checks that one call reports all violations,
// each with its path, and clips a big body to 2 KB.
func TestFailureListsEveryProblem(t *testing.T) {
	t.Parallel()
	s := Load(t)
	body := `{"objects": {"a": {"usage": {"number": 1}}, "b": {"limit": {"max": 1}}}, "pad": "` + strings.Repeat("x", 5000) + `"}`
	mustFail(t, func(tb testing.TB) { s.ValidateResponse(tb, "GET", pathUsage, []byte(body)) },
		`/objects/a/usage: property "number" is unsupported`,
		`/objects/b/limit: property "max" is unsupported`,
		`/: property "pad" is unsupported`,
		fmt.Sprintf("(%d bytes, truncated)", len(body)),
	)
	f := &fakeTB{TB: t}
	s.ValidateResponse(f, "GET", pathUsage, []byte(body))
	if msgs := f.messages(); len(msgs) != 1 || len(msgs[0]) > 3000 {
		t.Errorf("want one message of at most ~2 KB of body, got %d messages, %d bytes", len(msgs), len(strings.Join(msgs, "")))
	}
}

// TestLoadedSpecs checks the union: every documented operation is present and
// comes from the raw file except usage_summary, and the schema union holds
// the 107 schemas API.md §0 counts.
func TestLoadedSpecs(t *testing.T) {
	t.Parallel()
	s := Load(t)
	if n := len(s.doc.Components.Schemas); n != 107 {
		t.Errorf("%d component schemas, want 107", n)
	}
	ops := 0
	for path, item := range s.doc.Paths.Map() {
		for method := range item.Operations() {
			ops++
			src := s.source[method+" "+path]
			wantMerged := path == pathSummary
			if (src == mergedFile) != wantMerged {
				t.Errorf("%s %s comes from %s", method, path, src)
			}
		}
	}
	if n := s.doc.Paths.Len(); n != 25 || ops != 26 {
		t.Errorf("%d paths, %d operations; want 25, 26", n, ops)
	}
}

// TestSchemasAdjusted checks that no enrichment constraint survives and that
// every message is closed, over every component schema and its descendants.
func TestSchemasAdjusted(t *testing.T) {
	t.Parallel()
	s := Load(t)
	seen := map[*openapi3.Schema]bool{}
	var check func(where string, r *openapi3.SchemaRef)
	check = func(where string, r *openapi3.SchemaRef) {
		if r == nil || r.Value == nil || seen[r.Value] {
			return
		}
		v := r.Value
		seen[v] = true
		if v.MinLength != 0 || v.MaxLength != nil || v.Pattern != "" || v.Min != nil || v.Max != nil {
			t.Errorf("%s keeps an enrichment constraint", where)
		}
		if v.Type.Is(openapi3.TypeString) && v.Format != "" {
			t.Errorf("%s keeps string format %q", where, v.Format)
		}
		for k := range v.Extensions {
			if strings.HasPrefix(k, "x-f5xc-") {
				t.Errorf("%s keeps extension %s", where, k)
			}
		}
		if len(v.Properties) > 0 && (v.AdditionalProperties.Has == nil || *v.AdditionalProperties.Has) {
			t.Errorf("%s has properties but is not closed", where)
		}
		for name, p := range v.Properties {
			check(where+"."+name, p)
		}
		check(where+"[]", v.Items)
		check(where+"{}", v.AdditionalProperties.Schema)
		for _, x := range v.AllOf {
			check(where+"&", x)
		}
	}
	for name, r := range s.doc.Components.Schemas {
		check(name, r)
	}
	// int64 money stays a JSON string (proto3 JSON), so the type check holds.
	amount := s.doc.Components.Schemas["invoiceInvoiceType"].Value.Properties["amount"].Value
	if !amount.Type.Is(openapi3.TypeString) {
		t.Errorf("invoice amount type %v, want string", amount.Type)
	}
	// Bare maps stay open.
	labels := s.doc.Components.Schemas["schemaObjectGetMetaType"].Value.Properties["labels"].Value
	if labels.AdditionalProperties.Has != nil {
		t.Errorf("metadata.labels was closed")
	}
}

// TestInt64FieldsAreStrings checks, in the files as published, that the int64
// fields API.md §13 lists are typed string/int64 (proto3 JSON), and that the
// loaded schema still checks the string type after formats were stripped.
func TestInt64FieldsAreStrings(t *testing.T) {
	t.Parallel()
	s := Load(t)
	dir, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string][]string{
		"invoiceInvoiceType":        {"amount"},
		"usageCalculatedUsageItem":  {"amount", "quantity_billable"},
		"usageMonthlyUsageType":     {"amount"},
		"usageListCurrentUsageResp": {"total_cost", "discount"},
	}
	raw := map[string]any{}
	for _, f := range rawFiles {
		doc, err := readJSON(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range asMap(asMap(doc["components"])["schemas"]) {
			raw[k] = v
		}
	}
	for schema, props := range fields {
		for _, p := range props {
			spec := asMap(asMap(asMap(raw[schema])["properties"])[p])
			if spec["type"] != "string" || spec["format"] != "int64" {
				t.Errorf("%s.%s in the raw spec is %v/%v, want string/int64", schema, p, spec["type"], spec["format"])
			}
			if got := s.doc.Components.Schemas[schema].Value.Properties[p].Value.Type; !got.Is(openapi3.TypeString) {
				t.Errorf("%s.%s loaded as %v, want string", schema, p, got)
			}
		}
	}
}

// TestDir covers the $BILLINGD_SPEC_DIR override (no t.Parallel: Setenv).
func TestDir(t *testing.T) {
	real, err := Dir()
	if err != nil {
		t.Skipf("no spec folder here: %v", err)
	}
	if _, err := os.Stat(filepath.Join(real, mergedFile)); err != nil {
		t.Fatalf("Dir() = %s without %s", real, mergedFile)
	}
	t.Setenv(EnvDir, real)
	if got, err := Dir(); err != nil || got != real {
		t.Errorf("Dir() with $%s = %q, %v", EnvDir, got, err)
	}
	t.Setenv(EnvDir, filepath.Join(t.TempDir(), "missing"))
	if _, err := Dir(); err == nil {
		t.Errorf("Dir() accepted a missing $%s", EnvDir)
	}
}
