package rest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

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

// roleAuth authenticates "APIToken <role>" as that role of tenant t1.
type roleAuth struct{}

func (roleAuth) Authenticate(_ context.Context, header string) (tenancy.Principal, error) {
	role, err := tenancy.ParseRole(strings.TrimPrefix(header, "APIToken "))
	if err != nil {
		return tenancy.Principal{}, errs.New(errs.Unauthenticated, "bad token")
	}
	return tenancy.Principal{TenantID: "t1", TenantName: "acme", TokenID: "tok", Role: role}, nil
}

func (roleAuth) ActOnTenant(_ context.Context, p tenancy.Principal, _ string) (tenancy.Principal, error) {
	return p, nil
}

// The quota service's ports are nil interfaces: every request of these
// tests must be answered before the service touches storage, and a call
// would panic (a 500, which fails the test).
type (
	noRepo            struct{ quota.Repository }
	noTx              struct{ kernel.TxRunner }
	noNamespaces      struct{ quota.NamespaceRegistry }
	noIdempotency     struct{ kernel.IdempotencyStore }
	noLimiter         struct{ quota.RateLimiter }
	noPlans           struct{ quota.DefaultQuotaSource }
	noAudit           struct{ kernel.Auditor }
	fixedClock        struct{}
	noNamespaceReader struct{ NamespaceReader }
)

func (fixedClock) Now() time.Time { return time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC) }

func hostileRouter(t *testing.T) http.Handler {
	t.Helper()
	qs, err := quota.NewService(quota.Config{Repo: noRepo{}, Tx: noTx{}, Clock: fixedClock{}, Namespaces: noNamespaces{},
		Idempotency: noIdempotency{}, Limiter: noLimiter{}, Plans: noPlans{}, Audit: noAudit{}})
	if err != nil {
		t.Fatal(err)
	}
	r := mux.NewRouter()
	// The other services are never reached: their zero values would panic.
	if err := Register(r, Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Auth: roleAuth{}, Quotas: qs,
		Plans: &plan.Service{}, Subscriptions: &subscription.Service{}, Usage: &usage.Service{}, Payments: &payment.Service{},
		Invoices: &invoice.Service{}, Namespaces: noNamespaceReader{}}); err != nil {
		t.Fatal(err)
	}
	return r
}

type answer struct {
	status int
	body   httpmw.ErrorBody
	raw    string
}

func send(t *testing.T, h http.Handler, method, target, role, body string, headers ...string) answer {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Authorization", "APIToken "+role)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	a := answer{status: rec.Code, raw: rec.Body.String()}
	_ = json.Unmarshal(rec.Body.Bytes(), &a.body)
	return a
}

func (a answer) names(field, problem string) bool {
	for _, f := range a.body.Fields {
		if f.Field == field && strings.Contains(f.Problem, problem) {
			return true
		}
	}
	return false
}

// TestReserveChecksRoleAndShapeBeforeParsing is the regression of the
// 18.8 s reservation: 800 keys of 1e999999 from a viewer. The role is
// checked before the body is read, the literals are bounded on their text,
// and the key count before any amount is converted.
func TestReserveChecksRoleAndShapeBeforeParsing(t *testing.T) {
	t.Parallel()
	h := hostileRouter(t)
	var b strings.Builder
	b.WriteString(`{"resources":{`)
	for i := 0; i < 800; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"k%d":1e999999`, i)
	}
	b.WriteString(`}}`)
	bomb := b.String()
	const path = "/api/web/namespaces/ns1/quota/reserve"

	start := time.Now()
	if a := send(t, h, "POST", path, "viewer", bomb); a.status != http.StatusForbidden {
		t.Fatalf("viewer: %d %s", a.status, a.raw)
	}
	a := send(t, h, "POST", path, "editor", bomb)
	if a.status != http.StatusBadRequest || !a.names(`resources["k0"]`, "exponent beyond ±30") {
		t.Fatalf("editor: %d %s", a.status, a.raw)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("two bomb requests took %s", d)
	}

	b.Reset()
	b.WriteString(`{"objects":{`)
	for i := 0; i <= quota.MaxReserveKeys; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"k%d":1`, i)
	}
	b.WriteString(`}}`)
	if a := send(t, h, "POST", path, "editor", b.String()); a.status != http.StatusBadRequest || !a.names("body", "at most 1000") {
		t.Fatalf("1001 keys: %d %s", a.status, a.raw)
	}
	if a := send(t, h, "POST", path, "editor", `{"resources":{"gpu":1000000000000.5}}`); a.status != http.StatusBadRequest ||
		!a.names(`resources["gpu"]`, "largest countable amount") {
		t.Fatalf("above MaxAmount: %d %s", a.status, a.raw)
	}
	if a := send(t, h, "POST", path, "editor", `{"objects":{"a":1}}`, "Idempotency-Key", "k\xff"); a.status != http.StatusBadRequest ||
		!a.names("Idempotency-Key", "UTF-8") {
		t.Fatalf("Idempotency-Key: %d %s", a.status, a.raw)
	}
}

// TestHostileRequestsAre400NamingTheField: NUL bytes, invalid UTF-8,
// repeated keys and parameters, a seventh decimal and oversized maps are
// refused at the edge with a 400 that names the field; none reaches storage.
func TestHostileRequestsAre400NamingTheField(t *testing.T) {
	t.Parallel()
	h := hostileRouter(t)
	labels := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"l%d":"v"`, i)
		}
		return b.String()
	}
	limits := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"k%d":{"maximum":1}`, i)
		}
		return b.String()
	}
	const quotas = "/api/web/namespaces/ns1/quotas"
	for _, c := range []struct {
		name, method, target, body, field, problem string
	}{
		{"NUL in the path", "GET", quotas + "/a%00b", "", "name", "NUL"},
		{"invalid UTF-8 in the path", "GET", quotas + "/u-%ff", "", "name", "UTF-8"},
		{"NUL in a query value", "GET", "/api/web/namespaces/ns1/usage/invoice_pdf?name=%00", "", "name", "NUL"},
		{"invalid UTF-8 in a query value", "GET", quotas + "?label_filter=%fe", "", "label_filter", "UTF-8"},
		{"repeated label_filter", "GET", quotas + "?label_filter=env%3Dprod&label_filter=tier", "", "label_filter", "given 2 times"},
		{"repeated response_format", "GET", quotas + "/q?response_format=0&response_format=1", "", "response_format", "given 2 times"},
		{"NUL in the description", "POST", quotas, `{"metadata":{"name":"q","description":"a\u0000b"}}`, "metadata.description", "NUL"},
		{"invalid UTF-8 in the description", "POST", quotas, "{\"metadata\":{\"name\":\"q\",\"description\":\"a\xffb\"}}", "metadata.description", "UTF-8"},
		{"unpaired surrogate", "POST", quotas, `{"metadata":{"name":"q","description":"\ud800"}}`, "metadata.description", "UTF-8"},
		{"NUL in a label value", "POST", quotas, `{"metadata":{"name":"q","labels":{"env":"\u0000"}}}`, `metadata.labels["env"]`, "NUL"},
		{"NUL in a payment token", "POST", "/api/web/namespaces/ns1/billing/payment_methods", `{"token":"tok\u0000"}`, "token", "NUL"},
		{"duplicate key", "POST", quotas, `{"metadata":{"name":"a","name":"b"}}`, "metadata.name", "given twice"},
		{"duplicate key spelled with an escape", "POST", quotas, `{"metadata":{"name":"a","n\u0061me":"b"}}`, "metadata.name", "given twice"},
		{"duplicate limit key", "POST", quotas, `{"metadata":{"name":"q"},"spec":{"object_limits":{"lb":{"maximum":1},"lb":{"maximum":9}}}}`, `spec.object_limits["lb"]`, "given twice"},
		{"seventh decimal of a resource maximum", "POST", quotas, `{"metadata":{"name":"q"},"spec":{"resource_limits":{"vcpu":{"maximum":2.0000001}}}}`, `spec.resource_limits["vcpu"].maximum`, "more than 6 decimals"},
		{"exponent bomb in a resource maximum", "POST", quotas, `{"metadata":{"name":"q"},"spec":{"resource_limits":{"vcpu":{"maximum":1e999999}}}}`, `spec.resource_limits["vcpu"].maximum`, "exponent"},
		{"resource maximum as a string that holds no number", "PUT", quotas + "/q", `{"spec":{"resource_limits":{"vcpu":{"maximum":"two"}}}}`, `spec.resource_limits["vcpu"].maximum`, "not a number"},
		{"seventh decimal of a resource maximum sent as a string", "PUT", quotas + "/q", `{"spec":{"resource_limits":{"vcpu":{"maximum":"2.0000001"}}}}`, `spec.resource_limits["vcpu"].maximum`, "more than 6 decimals"},
		{"object maximum as a string that holds no integer", "POST", quotas, `{"metadata":{"name":"q"},"spec":{"object_limits":{"lb":{"maximum":"12.5"}}}}`, `spec.object_limits["lb"].maximum`, "int32"},
		{"object maximum beyond int32", "POST", quotas, `{"metadata":{"name":"q"},"spec":{"object_limits":{"lb":{"maximum":"2147483648"}}}}`, `spec.object_limits["lb"].maximum`, "int32"},
		{"rate as a string exponent bomb", "POST", quotas, `{"metadata":{"name":"q"},"spec":{"api_limits":{"a.b":{"rate":"1e999999999"}}}}`, `spec.api_limits["a.b"].rate`, "int32"},
		{"20,000 labels", "POST", quotas, `{"metadata":{"name":"q","labels":{` + labels(20000) + `}}}`, "metadata.labels", "more than 1024 members"},
		{"65 labels", "POST", quotas, `{"metadata":{"name":"q","labels":{` + labels(quota.MaxLabels+1) + `}}}`, "metadata.labels", "at most 64"},
		{"257 object limits", "POST", quotas, `{"metadata":{"name":"q"},"spec":{"object_limits":{` + limits(quota.MaxLimitKeys+1) + `}}}`, "spec.object_limits", "at most 256"},
		{"deep nesting", "POST", quotas, strings.Repeat(`{"a":`, 100) + "1" + strings.Repeat("}", 100), strings.Repeat("a.", 32) + "a", "nested deeper than 32"},
	} {
		a := send(t, h, c.method, c.target, "admin", c.body)
		if a.status != http.StatusBadRequest || a.body.Code != "INVALID_ARGUMENT" || !a.names(c.field, c.problem) {
			t.Errorf("%s: %d %s; want 400 naming %s (%s)", c.name, a.status, a.raw, c.field, c.problem)
		}
	}
	// A clean body with the same shapes still gets past the edge (to the
	// service, whose namespace check stops it before the storage this test
	// does not have).
	if a := send(t, h, "POST", "/api/web/namespaces/NS/quotas", "admin", `{"metadata":{"name":"q","description":"ünï ✓ \ud83d\ude00"},"spec":{"resource_limits":{"vcpu":{"maximum":2.000001}}}}`); a.status != http.StatusBadRequest || !a.names("namespace", "DNS-1035") || len(a.body.Fields) != 1 {
		t.Fatalf("clean body: %d %s", a.status, a.raw)
	}
}

func TestIfMatchVersion(t *testing.T) {
	t.Parallel()
	for h, want := range map[string]string{`*`: "", ` * `: "", `"7"`: "7", `W/"7"`: "7", `7`: "7", ``: ""} {
		if got := ifMatchVersion(h); got != want {
			t.Errorf("ifMatchVersion(%q) = %q, want %q", h, got, want)
		}
	}
}

func TestCheckJSON(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in, path, problem string
	}{
		{`{"a":1,"b":[1,2,{"c":"d"}],"e":null,"f":true,"g":-0.5e-3}`, "", ""},
		{`{"a":"\ud83d\ude00 \u00e9 \n \" \\ \/"}`, "", ""},
		{`{"a":1,"a":2}`, "a", "given twice"},
		{`{"a":{"x":1},"b":{"x":1}}`, "", ""},
		{`{"b":[{"id":"x","id":"y"}]}`, "b[0].id", "given twice"},
		{`{"labels":{"k-1":"v","k-1":"w"}}`, `labels["k-1"]`, "given twice"},
		{`{"a":"\u0000"}`, "a", "NUL"},
		{`{"\u0000":1}`, `["\x00"]`, "NUL"},
		{"{\"a\":\"\xff\"}", "a", "UTF-8"},
		{"{\"\xfe\":1}", `["\xfe"]`, "UTF-8"},
		{`{"a":"\udc00"}`, "a", "surrogate"},
		{`{"a":"\ud800x"}`, "a", "surrogate"},
		{`{"a":1e31}`, "a", "exponent"},
		{`{"a":1E-0031}`, "a", "exponent"},
		{`{"a":1e000030}`, "", ""},
		{`{"a":` + strings.Repeat("9", 41) + `}`, "a", "significant digits"},
		{`{"a":0.` + strings.Repeat("0", 60) + `1}`, "", ""},
		{`[` + strings.Repeat("1,", 1024) + `1]`, "", "more than 1024 elements"},
		// Syntax errors are left to encoding/json, which names the byte.
		{`{"a":1,"b"`, "", ""}, {`{"a" 1}`, "", ""}, {`{"a":tru}`, "", ""}, {"\"a\x01\"", "", ""}, {`{"a":"\x"}`, "", ""},
	} {
		p := checkJSON([]byte(c.in), maxJSONMembers)
		switch {
		case c.problem == "" && p != nil:
			t.Errorf("%s: unexpected problem %+v", c.in, p)
		case c.problem != "" && (p == nil || p.path != c.path || !strings.Contains(p.problem, c.problem)):
			t.Errorf("%.60s: got %+v, want %s: %s", c.in, p, c.path, c.problem)
		}
	}
}

// TestDecodeEventsRejectsUnstorableEventsOnly: a NUL, invalid UTF-8 or a
// repeated key make that event a rejection naming the field; the valid
// events of the batch are kept. u-\xff and u-\xfe are no longer the same id.
func TestDecodeEventsRejectsUnstorableEventsOnly(t *testing.T) {
	t.Parallel()
	ev := func(id string) string {
		return `{"id":"` + id + `","usage_type":"http_requests","object_name":"lb","quantity":1,"unit_name":"request","timestamp":"2026-11-26T10:00:00Z"}`
	}
	body := "[" + strings.Join([]string{
		ev("ok-1"),
		ev(`a\u0000b`),
		ev("u-\xff"),
		ev("u-\xfe"),
		strings.Replace(ev("x"), `"object_name":"lb"`, `"object_name":"lb\u0000"`, 1),
		strings.Replace(ev("y"), `"deployment":"d"`, ``, 1)[:len(ev("y"))-1] + `,"container":"c\u0000"}`,
		strings.Replace(ev("z"), `"quantity":1`, `"quantity":1,"quantity":2`, 1),
		ev(`\ud83d\ude00`),
	}, ",") + "]"
	for _, ndjson := range []bool{false, true} {
		in := body
		if ndjson {
			in = strings.ReplaceAll(strings.Trim(body, "[]"), "},{", "}\n{")
		}
		b, err := decodeEvents([]byte(in), ndjson)
		if err != nil {
			t.Fatalf("ndjson=%v: %v", ndjson, err)
		}
		if len(b.events) != 2 || b.events[0].ID != "ok-1" || b.events[1].ID != "😀" || b.index[1] != 7 {
			t.Fatalf("ndjson=%v: events %+v", ndjson, b.events)
		}
		want := []struct {
			index  int
			reason string
		}{{1, "id must not contain a NUL"}, {2, "id must be valid UTF-8"}, {3, "id must be valid UTF-8"},
			{4, "object_name must not contain a NUL"}, {5, "container must not contain a NUL"}, {6, "quantity is given twice"}}
		if len(b.rejected) != len(want) {
			t.Fatalf("ndjson=%v: rejections %+v", ndjson, b.rejected)
		}
		for i, w := range want {
			if r := b.rejected[i]; r.Index != w.index || !strings.Contains(r.Reason, w.reason) {
				t.Errorf("ndjson=%v: rejection %d = %+v, want index %d %q", ndjson, i, r, w.index, w.reason)
			}
		}
	}
}
