package e2e

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/billingd/billingd/internal/spectest"
)

// The tests of this file call billingd the way F5's own clients do (issue
// 9): a Prometheus exporter reading quota/usage, F5's Go SDK reading a quota
// in its response formats and replacing it, namespace listing, and proto3
// JSON request bodies.

const (
	quotaUsageTmpl = "/api/web/namespaces/{namespace}/quota/usage"
	quotaGetTmpl   = "/api/web/namespaces/{namespace}/quotas/{name}"
	quotaPutTmpl   = "/api/web/namespaces/{metadata.namespace}/quotas/{metadata.name}"
	quotaPostTmpl  = "/api/web/namespaces/{metadata.namespace}/quotas"
)

// decodeAny unmarshals a JSON answer into generic values, as a client that
// reads fields without a schema does.
func decodeAny(t *testing.T, r response) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("answer is not a JSON object: %v\n%s", err, r.Body)
	}
	return m
}

// exporterSeries reads quota/usage as a Prometheus exporter does: for each
// key of objects, resources and apis, usage.current and limit.maximum as
// numbers; a key whose usage.current is missing or not a number is skipped
// (and reported here, since it is the bug of issue 9).
func exporterSeries(t *testing.T, body map[string]any) (current, maximum map[string]float64) {
	t.Helper()
	current, maximum = map[string]float64{}, map[string]float64{}
	for _, class := range []string{"objects", "resources", "apis", "quota_usage", "float_quota_usage"} {
		items, ok := body[class].(map[string]any)
		if !ok {
			t.Fatalf("%s is %T, want an object", class, body[class])
		}
		for key, v := range items {
			item, _ := v.(map[string]any)
			usage, _ := item["usage"].(map[string]any)
			cur, ok := usage["current"].(float64)
			if !ok {
				t.Errorf("%s[%q] has no numeric usage.current: %v", class, key, item)
				continue
			}
			if _, ok := item["display_name"].(string); !ok {
				t.Errorf("%s[%q] has no display_name string: %v", class, key, item)
			}
			current[class+"/"+key] = cur
			if limit, ok := item["limit"].(map[string]any); ok {
				if m, ok := limit["maximum"].(float64); ok {
					maximum[class+"/"+key] = m
				}
			}
		}
	}
	return current, maximum
}

// TestQuotaUsageLikeAnExporter reads system/quota/usage as a public XC
// exporter does: every key of every map carries a numeric usage.current,
// 0 included, so the exporter exports every series; after a reservation is
// released back to 0 the series reads 0 again (utilisation 0 %), not a
// stale value from a missing field.
func TestQuotaUsageLikeAnExporter(t *testing.T) {
	t.Parallel()
	spec := spectest.Load(t)
	forEachDialect(t, func(t *testing.T, s *server) {
		admin := token(t, s.dbURL, "acme", "admin", "")
		read := func() (map[string]float64, map[string]float64) {
			t.Helper()
			r := s.do("GET", nsPath(quotaUsageTmpl, "system"), admin, nil)
			expect(t, r, 200)
			spec.ValidateResponse(t, "GET", quotaUsageTmpl, r.Body)
			return exporterSeries(t, decodeAny(t, r))
		}
		cur, maxes := read()
		if len(cur) < 20 || cur["objects/dns_zone"] != 0 || maxes["objects/dns_zone"] <= 0 {
			t.Fatalf("fresh tenant: %d series, dns_zone current %v of %v", len(cur), cur["objects/dns_zone"], maxes["objects/dns_zone"])
		}
		for k, v := range cur {
			if v != 0 {
				t.Errorf("fresh tenant: %s = %v, want 0", k, v)
			}
		}
		n := len(cur)

		limit := maxes["objects/dns_zone"]
		expect(t, s.do("POST", "/api/web/namespaces/system/quota/reserve", admin, fmt.Sprintf(`{"objects":{"dns_zone":%v}}`, limit)), 200)
		cur, _ = read()
		if got := cur["objects/dns_zone"] / limit; got != 1 || cur["quota_usage/DNS Zone"] != limit {
			t.Fatalf("after reserving the whole limit: utilisation %v, legacy current %v", got, cur["quota_usage/DNS Zone"])
		}
		expect(t, s.do("POST", "/api/web/namespaces/system/quota/reserve", admin, fmt.Sprintf(`{"objects":{"dns_zone":-%v}}`, limit)), 200)
		cur, _ = read()
		if len(cur) != n {
			t.Fatalf("after the release the exporter reads %d series, before %d", len(cur), n)
		}
		if cur["objects/dns_zone"] != 0 || cur["quota_usage/DNS Zone"] != 0 {
			t.Fatalf("after the release dns_zone reads %v (legacy %v), want 0: a stale gauge", cur["objects/dns_zone"], cur["quota_usage/DNS Zone"])
		}
	})
}

// TestQuotaGetResponseFormats walks every response_format of the quota GET,
// by name and by number, and F5's SDK flow: read resource_version from the
// body, replace with it, and have a stale one refused.
func TestQuotaGetResponseFormats(t *testing.T) {
	t.Parallel()
	spec := spectest.Load(t)
	s := start(t, "sqlite")
	admin := token(t, s.dbURL, "acme", "admin", "")
	expect(t, s.do("POST", "/api/web/namespaces/staging/quotas", admin,
		`{"metadata":{"name":"caps","labels":{"env":"prod"}},"spec":{"object_limits":{"http_loadbalancer":{"maximum":12}}}}`), 200)
	path := "/api/web/namespaces/staging/quotas/caps"

	get := func(format string) (map[string]any, response) {
		t.Helper()
		p := path
		if format != "" {
			p += "?response_format=" + format
		}
		r := s.do("GET", p, admin, nil)
		expect(t, r, 200)
		spec.ValidateResponse(t, "GET", quotaGetTmpl, r.Body)
		return decodeAny(t, r), r
	}
	objectForm := []string{"deleted_referred_objects", "disabled_referred_objects", "metadata", "referring_objects", "resource_version", "spec", "status", "system_metadata"}
	for _, c := range []struct {
		formats []string
		keys    []string
	}{
		{[]string{"", "0", "GET_RSP_FORMAT_DEFAULT", "4", "GET_RSP_FORMAT_READ"}, objectForm},
		{[]string{"1", "GET_RSP_FORMAT_FOR_CREATE"}, []string{"create_form"}},
		{[]string{"2", "GET_RSP_FORMAT_FOR_REPLACE"}, []string{"replace_form"}},
		{[]string{"3", "GET_RSP_FORMAT_STATUS"}, []string{"status"}},
		{[]string{"5", "GET_RSP_FORMAT_REFERRING_OBJECTS"}, []string{"referring_objects"}},
		{[]string{"6", "GET_RSP_FORMAT_BROKEN_REFERENCES"}, []string{"deleted_referred_objects", "disabled_referred_objects"}},
	} {
		for _, f := range c.formats {
			body, r := get(f)
			if got := slices.Sorted(maps.Keys(body)); !slices.Equal(got, c.keys) {
				t.Errorf("response_format=%q: keys %v, want %v", f, got, c.keys)
			}
			for _, k := range []string{"status", "referring_objects", "deleted_referred_objects", "disabled_referred_objects"} {
				if v, ok := body[k]; ok {
					if l, isList := v.([]any); !isList || len(l) != 0 {
						t.Errorf("response_format=%q: %s is %v, want []", f, k, v)
					}
				}
			}
			if rv, ok := body["resource_version"]; ok && `"`+rv.(string)+`"` != r.Header.Get("ETag") {
				t.Errorf("response_format=%q: resource_version %v, ETag %s", f, rv, r.Header.Get("ETag"))
			}
		}
	}
	body, _ := get("GET_RSP_FORMAT_FOR_CREATE")
	cf := body["create_form"].(map[string]any)
	if md := cf["metadata"].(map[string]any); md["name"] != "" || md["namespace"] != "staging" || md["labels"].(map[string]any)["env"] != "prod" {
		t.Errorf("create_form metadata %v: want a blank name and the rest of the object", md)
	}
	// The create form, named anew, creates a copy.
	cf["metadata"].(map[string]any)["name"] = "caps-copy"
	copyBody, _ := json.Marshal(cf)
	spec.ValidateRequest(t, "POST", quotaPostTmpl, copyBody)
	expect(t, s.do("POST", "/api/web/namespaces/staging/quotas", admin, copyBody), 200)

	// F5's SDK: get the replace form (or the version from the default
	// form), change it, send it back with its resource_version.
	body, _ = get("2")
	rf := body["replace_form"].(map[string]any)
	if rf["resource_version"] != "1" {
		t.Fatalf("replace_form resource_version %v, want \"1\"", rf["resource_version"])
	}
	rf["spec"].(map[string]any)["object_limits"].(map[string]any)["http_loadbalancer"] = map[string]any{"maximum": 20}
	replace, _ := json.Marshal(rf)
	spec.ValidateRequest(t, "PUT", quotaPutTmpl, replace)
	expect(t, s.do("PUT", path, admin, replace), 200)
	if body, _ = get(""); body["resource_version"] != "2" {
		t.Fatalf("resource_version after the replace: %v", body["resource_version"])
	}
	expect(t, s.do("PUT", path, admin, replace), 409) // resource_version 1 is stale now

	for _, bad := range []string{"7", "-1", "GET_RSP_FORMAT_NOPE"} {
		if r := s.do("GET", path+"?response_format="+bad, admin, nil); r.Status != 400 || !strings.Contains(string(r.Body), "response_format") {
			t.Errorf("response_format=%s: %d %s, want 400 naming response_format", bad, r.Status, r.Body)
		}
	}
}

type nsItem struct {
	Tenant    string            `json:"tenant"`
	Namespace *string           `json:"namespace"`
	Name      string            `json:"name"`
	UID       string            `json:"uid"`
	Labels    map[string]string `json:"labels"`
	Disabled  *bool             `json:"disabled"`
	Metadata  struct {
		Name string `json:"name"`
	} `json:"metadata"`
	SystemMetadata struct {
		UID               string `json:"uid"`
		Tenant            string `json:"tenant"`
		CreationTimestamp string `json:"creation_timestamp"`
	} `json:"system_metadata"`
}

// TestNamespaces lists and reads namespaces: a tenant sees the namespaces it
// used (a token's, a quota's, a reservation's, usage's), never another
// tenant's; a token bound to a namespace sees only that one; a namespace
// never used is 404. The exporter's readiness check is the list's 200.
func TestNamespaces(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, s *server) {
		admin := token(t, s.dbURL, "acme", "admin", "")
		viewer := token(t, s.dbURL, "acme", "viewer", "")
		prodEditor := token(t, s.dbURL, "acme", "editor", "prod")
		globex := token(t, s.dbURL, "globex", "admin", "")
		expect(t, s.do("POST", "/api/web/namespaces/staging/quotas", admin, `{"metadata":{"name":"q"}}`), 200)
		expect(t, s.do("POST", "/api/web/namespaces/blog/quota/reserve", globex, `{"objects":{"http_loadbalancer":1}}`), 200)
		expect(t, s.do("POST", "/api/web/namespaces/shop/usage/events", admin,
			[]any{event("ns-ev", "http_requests", "request", "1", s.now().AddDate(0, 0, -1))}), 200)

		list := func(tok, query string) []nsItem {
			t.Helper()
			r := s.do("GET", "/api/web/namespaces"+query, tok, nil)
			expect(t, r, 200)
			var l struct {
				Items  []nsItem `json:"items"`
				Errors []any    `json:"errors"`
			}
			if err := json.Unmarshal(r.Body, &l); err != nil || l.Items == nil || l.Errors == nil {
				t.Fatalf("list: %v %s", err, r.Body)
			}
			return l.Items
		}
		names := func(items []nsItem) string {
			var out []string
			for _, it := range items {
				out = append(out, it.Name)
			}
			return strings.Join(out, ",")
		}
		acme := list(admin, "")
		if got := names(acme); got != "prod,shop,staging,system" {
			t.Fatalf("acme's namespaces: %s", got)
		}
		uids := map[string]string{}
		for _, it := range acme {
			if it.Tenant != "acme" || it.Namespace == nil || *it.Namespace != "" || it.Disabled == nil || *it.Disabled || it.Labels == nil ||
				it.UID == "" || it.UID != it.SystemMetadata.UID || it.Metadata.Name != it.Name || it.SystemMetadata.Tenant != "acme" || it.SystemMetadata.CreationTimestamp == "" {
				t.Errorf("item %+v", it)
			}
			uids[it.Name] = it.UID
		}
		if got := names(list(viewer, "")); got != "prod,shop,staging,system" {
			t.Errorf("viewer sees %s", got)
		}
		if got := names(list(prodEditor, "")); got != "prod" {
			t.Errorf("the prod editor sees %s, want only prod", got)
		}
		gl := list(globex, "")
		if got := names(gl); got != "blog,system" {
			t.Errorf("globex sees %s", got)
		}
		for _, it := range gl {
			if it.UID == uids[it.Name] {
				t.Errorf("globex's %s has acme's uid %s", it.Name, it.UID)
			}
		}
		if got := list(admin, "?label_filter=env%3Dprod"); len(got) != 0 {
			t.Errorf("label_filter env=prod matches %s; namespaces have no labels", names(got))
		}
		if got := names(list(admin, "?label_filter=%21env")); got != "prod,shop,staging,system" {
			t.Errorf("label_filter !env matches %s", got)
		}
		expect(t, s.do("GET", "/api/web/namespaces", "", nil), 401)
		expect(t, s.do("GET", "/api/web/namespaces?label_filter=%3D%3D", admin, nil), 400)

		getNS := func(tok, name string, status int) map[string]any {
			t.Helper()
			r := s.do("GET", "/api/web/namespaces/"+name, tok, nil)
			expect(t, r, status)
			return decodeAny(t, r)
		}
		ns := getNS(viewer, "staging", 200)
		md, sm := ns["metadata"].(map[string]any), ns["system_metadata"].(map[string]any)
		if md["name"] != "staging" || md["namespace"] != "" || sm["uid"] != uids["staging"] || sm["tenant"] != "acme" {
			t.Errorf("staging: %v", ns)
		}
		getNS(prodEditor, "prod", 200)
		getNS(prodEditor, "staging", 403)
		getNS(admin, "blog", 404)     // globex's
		getNS(globex, "staging", 404) // acme's
		getNS(admin, "never-used", 404)
		getNS(admin, "Bad_Name", 400)
	})
}

// TestProto3JSONInput sends request bodies the way proto3 JSON allows, as
// F5's SDK may: int32 and int64 fields as JSON strings, integral numbers in
// other notations, enums by number; unknown fields stay a 400 naming them.
func TestProto3JSONInput(t *testing.T) {
	t.Parallel()
	spec := spectest.Load(t)
	s := start(t, "sqlite")
	admin := token(t, s.dbURL, "acme", "admin", "")

	r := s.do("POST", "/api/web/namespaces/staging/quotas", admin, `{"metadata":{"name":"strs"},"spec":{
		"object_limits":{"http_loadbalancer":{"maximum":"12"},"origin_pool":{"maximum":1.2e1}},
		"resource_limits":{"vcpu":{"maximum":"2.5"}},
		"api_limits":{"ves.io.schema.advertise_policy.API.Create":{"rate":"100","burst":"50","unit":"per-second"}}}}`)
	expect(t, r, 200)
	spec.ValidateResponse(t, "POST", quotaPostTmpl, r.Body)
	var created struct {
		Spec struct {
			ObjectLimits   map[string]struct{ Maximum json.Number } `json:"object_limits"`
			ResourceLimits map[string]struct{ Maximum json.Number } `json:"resource_limits"`
			APILimits      map[string]struct {
				Rate, Burst json.Number
			} `json:"api_limits"`
		} `json:"spec"`
	}
	dec := json.NewDecoder(strings.NewReader(string(r.Body)))
	dec.UseNumber()
	if err := dec.Decode(&created); err != nil {
		t.Fatal(err)
	}
	api := created.Spec.APILimits["ves.io.schema.advertise_policy.API.Create"]
	if created.Spec.ObjectLimits["http_loadbalancer"].Maximum != "12" || created.Spec.ObjectLimits["origin_pool"].Maximum != "12" ||
		created.Spec.ResourceLimits["vcpu"].Maximum != "2.5" || api.Rate != "100" || api.Burst != "50" {
		t.Fatalf("string ints not read as numbers (or not written back as numbers): %s", r.Body)
	}

	// Enums by number: a payment method's role and contact type, a plan
	// transition's deletion reason and contact type, response_format.
	expect(t, s.do("POST", "/api/web/namespaces/system/billing/payment_methods", admin, `{"token":"tok-1","role":1,"contact":{"contact_type":2}}`), 200)
	g := s.do("POST", "/graphql", admin, `{"query":"{ paymentMethods { name role contact { contactType } } }"}`, "Content-Type", "application/json")
	expect(t, g, 200)
	if !strings.Contains(string(g.Body), `"role":"PRIMARY"`) || !strings.Contains(string(g.Body), `"contactType":"PAYMENT"`) {
		t.Fatalf("enum numbers 1 and 2 not read as PRIMARY and PAYMENT: %s", g.Body)
	}
	// (Enum numbers are proto3 JSON that the spec's string enums do not
	// model, so these requests are not checked against the spec.)
	r = s.do("POST", "/api/web/namespaces/system/billing/plan_transition", admin,
		`{"new_plan":"individual","payload":{"payment_provider_token":"tok_visa","billing_address":{"city":"Seattle","contact_type":1}}}`)
	expect(t, r, 200)
	spec.ValidateResponse(t, "POST", initiateTmpl, r.Body)
	if r = s.do("POST", "/api/web/namespaces/system/billing/plan_transition", admin, `{"new_plan":"free","payload":{"deletion_reason":9}}`); r.Status != 400 ||
		!strings.Contains(string(r.Body), `"field":"payload.deletion_reason"`) {
		t.Fatalf("deletion_reason 9: %d %s, want 400 naming payload.deletion_reason", r.Status, r.Body)
	}
	expect(t, s.do("POST", "/api/web/namespaces/system/billing/plan_transition", admin, `{"new_plan":"free","payload":{"deletion_reason":2,"deletion_feedback":"done"}}`), 200)

	for _, c := range []struct{ name, body, field, problem string }{
		{"unknown top-level field", `{"metadata":{"name":"u1"},"specs":{}}`, "specs", "unknown field"},
		{"unknown field in a limit", `{"metadata":{"name":"u2"},"spec":{"object_limits":{"vh":{"maximum":"1","max":2}}}}`, "max", "unknown field"},
		{"unknown field in a rate limit", `{"metadata":{"name":"u3"},"spec":{"api_limits":{"a.b":{"rate":"1","per":"second"}}}}`, "per", "unknown field"},
		{"a string that holds no number", `{"metadata":{"name":"u4"},"spec":{"object_limits":{"vh":{"maximum":"twelve"}}}}`, `spec.object_limits[\"vh\"].maximum`, "int32"},
		{"a fraction in a string", `{"metadata":{"name":"u5"},"spec":{"object_limits":{"vh":{"maximum":"1.5"}}}}`, `spec.object_limits[\"vh\"].maximum`, "int32"},
		{"beyond int32 in a string", `{"metadata":{"name":"u6"},"spec":{"api_limits":{"a.b":{"burst":"4294967296"}}}}`, `spec.api_limits[\"a.b\"].burst`, "int32"},
		{"an enum number out of range", ``, "role", "numbers 0-3"},
	} {
		path, body := "/api/web/namespaces/staging/quotas", c.body
		if c.body == "" {
			path, body = "/api/web/namespaces/system/billing/payment_methods", `{"token":"tok-2","role":9}`
		}
		r := s.do("POST", path, admin, body)
		if r.Status != 400 || !strings.Contains(string(r.Body), `"field":"`+c.field+`"`) || !strings.Contains(string(r.Body), c.problem) {
			t.Errorf("%s: %d %s; want 400 naming %s (%s)", c.name, r.Status, r.Body, c.field, c.problem)
		}
	}
}
