package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/graph"
	"github.com/billingd/billingd/internal/app"
)

// newFuzzHarness is the harness for a fuzz test: the whole graph as serve
// builds it (internal/app) on a SQLite file, kept for the whole fuzz
// process (newHarness takes a *testing.T, and a fuzz target has only its
// *testing.F before the inputs start).
func newFuzzHarness(f *testing.F) *harness {
	f.Helper()
	ctx := context.Background()
	a, err := app.New(ctx, app.Config{DatabaseURL: "sqlite:" + f.TempDir() + "/fz.db", Migrate: true,
		Logger: slog.New(slog.DiscardHandler), Clock: kernel.SystemClock{}})
	if err != nil {
		f.Fatalf("app: %v", err)
	}
	f.Cleanup(func() { _ = a.Close() })
	return harnessOf(a)
}

// lockedBuffer collects the handler's log, so a failure can show the stack
// of a resolver panic.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) take() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.b.String()
	l.b.Reset()
	return s
}

// FuzzGraphQL sends arbitrary operations and variables to the GraphQL
// handler over the real services, as a tenant admin: seeded with the
// mutations createQuota, reserveQuota, recordUsage, createPaymentMethod and
// initiatePlanTransition. No input may panic a resolver or answer INTERNAL,
// and every answer is JSON.
func FuzzGraphQL(f *testing.F) {
	seeds := []struct{ q, vars string }{
		{`mutation($in: CreateQuotaInput!) { createQuota(input: $in) { name namespace spec { objectLimits { key maximum } } } }`,
			`{"in":{"namespace":"ns1","name":"q1","labels":[{"key":"env","value":"prod"}],"spec":{"objectLimits":[{"key":"http_loadbalancer","maximum":3}],"resourceLimits":[{"key":"vcpu","maximum":"2.5"}],"apiLimits":[{"key":"a.b","rate":1,"burst":2,"unit":"per-second"}]}}}`},
		{`mutation { createQuota(input: {namespace: "ns1", name: "q2", spec: {objectLimits: [{key: "http_loadbalancer", maximum: 2147483648}]}}) { name } }`, `{}`},
		{`mutation($in: ReserveQuotaInput!) { reserveQuota(input: $in) { replayed objects { key current } resources { key current } } }`,
			`{"in":{"namespace":"ns1","objects":[{"key":"http_loadbalancer","amount":"1"}],"resources":[{"key":"vcpu","amount":"0.5"}]}}`},
		{`mutation { reserveQuota(input: {namespace: "shop", resources: [{key: "vcpu", amount: "1e3"}]}) { replayed } }`, `null`},
		{`mutation($ns: String!, $ev: [UsageEventInput!]!) { recordUsage(namespace: $ns, events: $ev) { accepted duplicates rejected { index id reason } } }`,
			`{"ns":"ns1","ev":[{"id":"e1","usageType":"http_requests","objectName":"lb","quantity":"12","unitName":"request","timestamp":"2026-11-26T10:00:00Z"},{"id":"e2","usageType":"u","objectName":"o","quantity":"-1","unitName":"x","timestamp":"2026-11-26T10:00:00.5+01:00"}]}`},
		{`mutation($in: CreatePaymentMethodInput!) { createPaymentMethod(input: $in) { name role contact { city } } }`,
			`{"in":{"token":"tok-fz-1","role":"PAYMENT_METHOD_ROLE_PRIMARY","contact":{"contactType":"BILLING","address1":"1 Main St","city":"Paris","country":"FR"}}}`},
		{`mutation($in: InitiatePlanTransitionInput!) { initiatePlanTransition(input: $in) { id state targetPlan } }`,
			`{"in":{"newPlan":"individual","paymentProviderToken":"pp-fz","subscribeAddons":["f5xc_content_delivery_network_standard"],"idempotencyKey":"k1"}}`},
		{`mutation($in: InitiatePlanTransitionInput!) { initiatePlanTransition(input: $in) { id state } }`, `{"in":{"newPlan":"free","deletionReason":"7"}}`},
		// Hostile input (issue 10): a fragment bomb, a fragment cycle, many
		// __schema, NUL bytes and invalid UTF-8 in names, arguments and
		// variables.
		{graph.FragmentBomb(26), `{}`},
		{`{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }`, ``},
		{`{ a: __schema { types { name } } b: __schema { types { name } } }`, ``},
		{"{ namespace(name: \"a\u0000b\") { name quota(name: \"q\\u0000\") { name } } }", ``},
		{`query($n: String!) { namespace(name: $n) { name } }`, `{"n":"a\u0000b"}`},
		{"{ namespace(name: \"\xff\xfe\") { name } }", ``},
		{`query($n: String!) { namespace(name: $n) { name } }`, "{\"n\":\"u-\xff\"}"},
		{"{ na\x00me }", ``},
		{`{ namespaces(after: "AA") { edges { node { name } } } }`, ``},
		{`mutation($ns: String!, $ev: [UsageEventInput!]!) { recordUsage(namespace: $ns, events: $ev) { accepted rejected { index reason } } }`,
			`{"ns":"ns1","ev":[{"id":"u-\u0000","usageType":"http_requests","objectName":"lb\u0000","quantity":"1","unitName":"request","timestamp":"2026-11-26T10:00:00Z"}]}`},
	}
	for _, s := range seeds {
		f.Add(s.q, []byte(s.vars))
	}
	h := newFuzzHarness(f)
	ctx := context.Background()
	secret, _, err := h.ten.CreateToken(ctx, tenancy.Operator(""), tenancy.CreateTokenInput{Tenant: "fuzzgql", Role: tenancy.RoleAdmin})
	if err != nil {
		f.Fatalf("create token: %v", err)
	}
	p, err := h.ten.Authenticate(ctx, "APIToken "+secret)
	if err != nil {
		f.Fatalf("authenticate: %v", err)
	}
	logs := &lockedBuffer{}
	srv := h.handler(&p, graph.Config{Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelError}))})
	f.Fuzz(func(t *testing.T, query string, vars []byte) {
		q, _ := json.Marshal(query)
		body := append([]byte(`{"query":`), q...)
		if len(bytes.TrimSpace(vars)) > 0 {
			body = append(append(append(body, `,"variables":`...), vars...), '}')
		} else {
			body = append(body, '}')
		}
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		out := w.Body.Bytes()
		if !json.Valid(out) {
			t.Fatalf("body %s: status %d, answer is not JSON: %q", body, w.Code, out)
		}
		var res struct {
			Errors []gqlError `json:"errors"`
		}
		_ = json.Unmarshal(out, &res)
		for _, e := range res.Errors {
			if e.Extensions.Code == graph.CodeOf(errs.Internal) {
				t.Fatalf("body %s: INTERNAL error %+v\nlog:\n%s", body, e, logs.take())
			}
		}
		if w.Code >= 500 {
			t.Fatalf("body %s: status %d: %s\nlog:\n%s", body, w.Code, out, logs.take())
		}
		logs.take()
	})
}
