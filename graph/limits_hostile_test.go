package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/client"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/graph"
)

// introspectionQuery is the full schema query graphql-js 17 sends by
// default (typeDepth 9), with typeDepth levels of ofType.
func introspectionQuery(typeDepth int) string {
	typeRef := "kind name"
	for range typeDepth {
		typeRef = "kind name ofType { " + typeRef + " }"
	}
	return `query IntrospectionQuery {
  __schema {
    queryType { name kind } mutationType { name kind } subscriptionType { name kind }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type { ` + typeRef + ` }`
}

// post sends body to srv as a JSON POST and returns the status and the
// decoded errors.
func post(t *testing.T, srv http.Handler, body string) (int, []gqlError, string) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return serve(t, srv, r)
}

func serve(t *testing.T, srv http.Handler, r *http.Request) (int, []gqlError, string) {
	t.Helper()
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, r)
	var res struct {
		Errors []gqlError `json:"errors"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil {
		t.Fatalf("answer is not JSON (%v): %d %.300s", err, w.Code, w.Body.String())
	}
	return w.Code, res.Errors, w.Body.String()
}

func query(q string) string {
	b, _ := json.Marshal(map[string]string{"query": q})
	return string(b)
}

// TestFragmentBomb: issue 10, item 1. The 26-level bomb (2^26 fields, which
// took 20-25 s) is refused by the expanded field count, and so is a 70-level
// one, whose count would overflow an int without saturation.
func TestFragmentBomb(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite:"+t.TempDir()+"/x.db")
	p := h.caller(t, tenancy.RoleViewer, "")
	c := h.client(p)
	var resp map[string]any
	for _, levels := range []int{26, 70} {
		e := wantCode(t, c.Post(graph.FragmentBomb(levels), &resp), graph.CodeTooManyFields)
		if !strings.Contains(e.Message, "1000 fields") {
			t.Fatalf("%d levels: message = %q", levels, e.Message)
		}
	}
	// A small bomb within the limits still runs (gqlgen merges the fields).
	mustPost(t, c, graph.FragmentBomb(5), &resp)

	// A fragment cycle is refused before validation walks it.
	status, errs, body := post(t, h.handler(&p, graph.Config{}), query(`{ ...A } fragment A on Query { ...B } fragment B on Query { __typename ...A }`))
	if status != http.StatusOK || len(errs) == 0 || errs[0].Extensions.Code != "GRAPHQL_VALIDATION_FAILED" || !strings.Contains(errs[0].Message, "cycle") {
		t.Fatalf("fragment cycle: %d %.300s", status, body)
	}
	// An unused fragment is measured too: gqlgen validates it all the same.
	wantCode(t, c.Post(`{ __typename } fragment U on Query {`+strings.Repeat(" __typename", 101)+` }`, &resp), graph.CodeTooManyFields)
}

// TestQuerySizeLimits: tokens, fields (in all and side by side) and
// aliases each have a limit, named with its value in the error.
func TestQuerySizeLimits(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite:"+t.TempDir()+"/x.db")
	p := h.caller(t, tenancy.RoleAdmin, "")
	var resp map[string]any

	// Tokens: `{ __typename ... }` has n+2 tokens; comments are not tokens.
	c := client.New(h.handler(&p, graph.Config{MaxTokens: 50}))
	typenames := func(n int) string { return "{" + strings.Repeat(" __typename", n) + " }" }
	mustPost(t, c, typenames(48), &resp)
	mustPost(t, c, "# "+strings.Repeat("x", 500)+"\n"+typenames(48), &resp)
	e := wantCode(t, c.Post(typenames(49), &resp), graph.CodeQueryTooLarge)
	if !strings.Contains(e.Message, "50 tokens") {
		t.Fatalf("message = %q", e.Message)
	}
	// The default is 10,000.
	e = wantCode(t, h.client(p).Post(`{ namespace(name: "shop") { name } }`+strings.Repeat(" fragment X on Query { __typename }", 2000), &resp), graph.CodeQueryTooLarge)
	if !strings.Contains(e.Message, "10000 tokens") {
		t.Fatalf("message = %q", e.Message)
	}

	// Fields, counted after fragment expansion: F has 3, spread 4 times.
	c = client.New(h.handler(&p, graph.Config{MaxFields: 12}))
	frag := ` fragment F on Namespace { name quotaUsage { __typename } }`
	mustPost(t, c, `{ a: namespace(name: "shop") { ...F } b: namespace(name: "shop") { ...F } }`+frag, &resp) // 2 + 2*3
	e = wantCode(t, c.Post(`{ a: namespace(name: "shop") { ...F ...F } b: namespace(name: "shop") { ...F ...F } c: namespace(name: "shop") { name } }`+frag, &resp), graph.CodeTooManyFields)
	if !strings.Contains(e.Message, "12 fields") {
		t.Fatalf("message = %q", e.Message)
	}

	// Fields side by side in one selection set.
	c = client.New(h.handler(&p, graph.Config{MaxFieldsPerSet: 3}))
	mustPost(t, c, `{ namespace(name: "shop") { name n: name ...on Namespace { m: name } } }`, &resp)
	e = wantCode(t, c.Post(`{ namespace(name: "shop") { name ...G ...G ...G } } fragment G on Namespace { n: name }`, &resp), graph.CodeTooManyFields)
	if !strings.Contains(e.Message, "3 fields side by side") {
		t.Fatalf("message = %q", e.Message)
	}
	// The default is 100.
	wantCode(t, h.client(p).Post(typenames(101), &resp), graph.CodeTooManyFields)

	// Aliases, counted after fragment expansion.
	c = client.New(h.handler(&p, graph.Config{MaxAliases: 3}))
	mustPost(t, c, `{ a: __typename b: __typename namespace(name: "shop") { n: name } }`, &resp)
	e = wantCode(t, c.Post(`{ ...A ...A } fragment A on Query { a: __typename b: __typename }`, &resp), graph.CodeTooManyAliases)
	if !strings.Contains(e.Message, "3 aliased fields") {
		t.Fatalf("message = %q", e.Message)
	}
}

// TestIntrospectionLimits: issue 10, item 2. At most one __schema per
// request, wherever it hides, and introspection counts toward complexity.
func TestIntrospectionLimits(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite:"+t.TempDir()+"/x.db")
	p := h.caller(t, tenancy.RoleViewer, "")
	c := client.New(h.handler(&p, graph.Config{Introspection: true}))
	var resp map[string]any

	// The standard introspection query passes every default limit.
	mustPost(t, c, introspectionQuery(9), &resp)

	sel := `{ types { fields { type { ofType { name } } } } }`
	for name, q := range map[string]string{
		"aliases":          `{ a: __schema ` + sel + ` b: __schema ` + sel + ` }`,
		"fragment twice":   `{ ...S ...S } fragment S on Query { __schema ` + sel + ` }`,
		"inline fragments": `{ ... on Query { __schema ` + sel + ` } s: __schema { queryType { name } } }`,
	} {
		t.Run(name, func(t *testing.T) {
			e := wantCode(t, c.Post(q, &resp), graph.CodeIntrospectionLimit)
			if !strings.Contains(e.Message, "at most 1") {
				t.Fatalf("message = %q", e.Message)
			}
		})
	}
	// Issue 10's 300 aliases: refused before anything runs, with no data.
	var b strings.Builder
	b.WriteString("{")
	for i := range 300 {
		fmt.Fprintf(&b, " s%d: __schema %s", i, sel)
	}
	b.WriteString(" }")
	code, errs, body := post(t, h.handler(&p, graph.Config{Introspection: true}), query(b.String()))
	if len(errs) == 0 || errs[0].Extensions.Code == "" || strings.Contains(body, `"types"`) {
		t.Fatalf("300 __schema: %d %.300s", code, body)
	}
	if len(body) > 2000 {
		t.Fatalf("300 __schema: answer of %d bytes", len(body))
	}

	// __type costs like any field (gqlgen skipped introspection).
	small := client.New(h.handler(&p, graph.Config{MaxComplexity: 5, Introspection: true}))
	mustPost(t, small, `{ __type(name: "Query") { name kind } }`, &resp)
	wantCode(t, small.Post(`{ __type(name: "Query") { name kind fields { name type { name } } } }`, &resp), "COMPLEXITY_LIMIT_EXCEEDED")
}

// TestReportFieldCosts: issue 10, item 8 (GraphQL side). Report fields cost
// what they cost: 20 aliases of monthlyUsage (which held SQLite for 12 s)
// are refused, 4 are served; ranged reports cost 100 each.
func TestReportFieldCosts(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite:"+t.TempDir()+"/x.db")
	p := h.caller(t, tenancy.RoleAdmin, "")
	c := h.client(p)
	var resp map[string]any
	aliases := func(n int, field string) string {
		var b strings.Builder
		b.WriteString("{")
		for i := range n {
			fmt.Fprintf(&b, " r%d: %s", i, strings.ReplaceAll(field, "$i", fmt.Sprintf("%02d", i+1)))
		}
		return b.String() + " }"
	}
	e := wantCode(t, c.Post(aliases(20, `monthlyUsage { from amountCents }`), &resp), "COMPLEXITY_LIMIT_EXCEEDED")
	if !strings.Contains(e.Message, "complexity 4040") || !strings.Contains(e.Message, "limit of 1000") {
		t.Fatalf("message = %q", e.Message)
	}
	mustPost(t, c, aliases(4, `monthlyUsage { from amountCents }`), &resp)

	// Ten distinct ranges of one namespace's usage: 10 * (100 + 2) + 1.
	ranged := `namespace(name: "system") { usage(from: "2025-$i-01T00:00:00Z", to: "2025-$i-02T00:00:00Z") { items { quantity } } }`
	mustPost(t, c, aliases(9, ranged), &resp)
	wantCode(t, c.Post(aliases(10, ranged), &resp), "COMPLEXITY_LIMIT_EXCEEDED")
	wantCode(t, c.Post(aliases(10, `usageSummary { quantity }`), &resp), "COMPLEXITY_LIMIT_EXCEEDED")
	// One range asked in many places is one report: 30 aliases of the same
	// range pass (100 + 30 × (2 + 2) + 30).
	mustPost(t, c, aliases(30, `namespace(name: "system") { usage(from: "2025-01-01T00:00:00Z", to: "2025-01-02T00:00:00Z") { items { quantity } } }`), &resp)
	// A page prices each namespace: usage and cost of 100 namespaces over
	// one range cost 2 × (100 + 100 × 2) plus their fields, within 1000;
	// three distinct ranges over 100 namespaces do not fit.
	page := `namespaces(first: 100) { edges { node { name usage(from: "2025-$i-01T00:00:00Z", to: "2025-$i-02T00:00:00Z") { items { quantity } } cost(from: "2025-01-01T00:00:00Z", to: "2025-01-02T00:00:00Z") { totalCents } } } }`
	mustPost(t, c, aliases(1, page), &resp)
	e = wantCode(t, c.Post(aliases(3, page), &resp), "COMPLEXITY_LIMIT_EXCEEDED")
	if !strings.Contains(e.Message, "complexity 1") {
		t.Fatalf("message = %q", e.Message)
	}

	// A range that is not a time is the caller's error, not an internal one
	// (it also escapes the report's price, but fails before any report).
	for _, from := range []string{`"2025-13-01T00:00:00Z"`, `5`} {
		e := wantCode(t, c.Post(`{ namespace(name: "system") { usage(from: `+from+`) { items { quantity } } } }`, &resp), "INVALID_ARGUMENT")
		if len(e.Extensions.Fields) != 1 || !strings.Contains(e.Extensions.Fields[0].Problem, "RFC 3339") {
			t.Fatalf("from %s: %+v", from, e)
		}
	}
}

// TestTransportErrors: issue 10, item 10 (GraphQL side). Every error the
// transport answers carries extensions.code, and none echoes the request.
func TestTransportErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite:"+t.TempDir()+"/x.db")
	p := h.caller(t, tenancy.RoleAdmin, "")
	srv := h.handler(&p, graph.Config{})
	const marker = "SECRET_MARKER"
	req := func(method, target, ctype, body string) *http.Request {
		r := httptest.NewRequest(method, target, strings.NewReader(body))
		if ctype != "" {
			r.Header.Set("Content-Type", ctype)
		}
		return r
	}
	accept := func(r *http.Request) *http.Request {
		r.Header.Set("Accept", graph.ResponseMediaType+", application/json;q=0.9")
		return r
	}
	get := func(rawQuery string) *http.Request {
		return httptest.NewRequest(http.MethodGet, "/graphql?"+rawQuery, nil)
	}
	long := strings.Repeat("x", 100_000)
	cases := []struct {
		name   string
		r      *http.Request
		status int
		code   string
		says   string
	}{
		{"bad JSON", req("POST", "/graphql", "application/json", `{"query": "{ __typename }", `+marker), 400, "INVALID_ARGUMENT", "invalid JSON at byte"},
		{"query not a string", req("POST", "/graphql", "application/json", `{"query": 5, "x": "`+marker+`"}`), 400, "INVALID_ARGUMENT", `"query" must be a string`},
		{"variables not an object", req("POST", "/graphql", "application/json", `{"query": "{ __typename }", "variables": "`+marker+`"}`), 400, "INVALID_ARGUMENT", `"variables" must be an object`},
		{"empty body", req("POST", "/graphql", "application/json", ""), 400, "INVALID_ARGUMENT", "empty"},
		{"wrong content type", req("POST", "/graphql", "text/plain", query("{ __typename }")), 415, graph.CodeUnsupportedMediaType, "application/json"},
		{"no content type", req("POST", "/graphql", "", query("{ __typename }")), 415, graph.CodeUnsupportedMediaType, "application/json"},
		{"PUT", req("PUT", "/graphql", "application/json", query("{ __typename }")), 405, graph.CodeMethodNotAllowed, "GET, POST and OPTIONS"},
		{"GET bad escape", get("query=%zz" + marker), 400, "INVALID_ARGUMENT", "malformed"},
		{"GET bad variables", get("query=" + url.QueryEscape("{ __typename }") + "&variables=" + url.QueryEscape("{"+marker)), 400, "INVALID_ARGUMENT", "variables parameter"},
		{"GET mutation", get("query=" + url.QueryEscape(`mutation { deleteQuota(namespace: "shop", name: "`+marker+`") { deletedId } }`)), 405, graph.CodeMethodNotAllowed, "POST"},
		{"too large", req("POST", "/graphql", "application/json", `{"query": "`+marker+strings.Repeat(" ", 2<<20)+`{ __typename }"}`), 413, "PAYLOAD_TOO_LARGE", "1048576 bytes"},
		// GraphQL-over-HTTP: a legacy (application/json) client gets 200
		// with the errors, one accepting the GraphQL response type 400.
		{"parse error", req("POST", "/graphql", "application/json", query(`{ namespace(name: "shop") { name } } `+marker+long)), 200, "GRAPHQL_PARSE_FAILED", "Unexpected Name"},
		{"unknown field", req("POST", "/graphql", "application/json", query(`{ `+marker+long+` }`)), 200, "GRAPHQL_VALIDATION_FAILED", "Cannot query field"},
		{"parse error, modern", accept(req("POST", "/graphql", "application/json", query(`{ namespace`))), 400, "GRAPHQL_PARSE_FAILED", "Expected"},
		{"unknown field, modern", accept(req("POST", "/graphql", "application/json", query(`{ nope }`))), 400, "GRAPHQL_VALIDATION_FAILED", "Cannot query field"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, errs, body := serve(t, srv, tc.r)
			if code != tc.status || len(errs) == 0 {
				t.Fatalf("status %d, want %d: %.300s", code, tc.status, body)
			}
			e := errs[0]
			if e.Extensions.Code != tc.code || !strings.Contains(e.Message, tc.says) {
				t.Fatalf("error %+v, want code %s saying %q", e, tc.code, tc.says)
			}
			if strings.Contains(body, marker) && tc.name != "parse error" && tc.name != "unknown field" {
				t.Fatalf("the answer echoes the request: %.300s", body)
			}
			if len(body) > 1000 {
				t.Fatalf("answer of %d bytes: %.300s", len(body), body)
			}
			if strings.Contains(tc.name, "modern") && !strings.HasPrefix(tc.r.Header.Get("Accept"), graph.ResponseMediaType) {
				t.Fatal("a modern case without the Accept header")
			}
		})
	}
}

// TestValidationStopsWithTheRequest: a request whose context has ended is
// not validated (nobody waits for the answer).
func TestValidationStopsWithTheRequest(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite:"+t.TempDir()+"/x.db")
	p := h.caller(t, tenancy.RoleAdmin, "")
	srv := h.handler(&p, graph.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(query(graph.FragmentBomb(9)))).WithContext(ctx)
	r.Header.Set("Content-Type", "application/json")
	_, errs, body := serve(t, srv, r)
	if len(errs) == 0 || errs[0].Extensions.Code != "UNAVAILABLE" || !strings.Contains(errs[0].Message, "cancelled") {
		t.Fatalf("cancelled request: %.300s", body)
	}
}
