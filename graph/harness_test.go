package graph_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"testing"

	"github.com/99designs/gqlgen/client"
	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/adapters/store/storetest"
	"github.com/billingd/billingd/catalog"
	"github.com/billingd/billingd/domain/audit"
	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/invoice"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/payment"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/domain/subscription"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/domain/usage"
	"github.com/billingd/billingd/graph"
	"github.com/billingd/billingd/internal/app"
)

// harness is a real store and the real domain services, on a fresh database
// per test: an SQLite file, or a PostgreSQL database cloned from the migrated
// template (storetest), so no test sees another's rows or migrations.
type harness struct {
	db    *store.DB
	qs    *quota.Service
	ten   *tenancy.Service
	plans *plan.Service
	subs  *subscription.Service
	us    *usage.Service
	pay   *payment.Service
	inv   *invoice.Service
	audit *audit.Service
}

// forEachStore runs fn against SQLite, and against PostgreSQL when
// BILLINGD_TEST_DATABASE_URL is set (required under CI=true), on a harness
// built with opts.
func forEachStore(t *testing.T, fn func(t *testing.T, h *harness), opts ...func(*app.Config)) {
	t.Helper()
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			fn(t, newHarness(t, storetest.URL(t, d), opts...))
		})
	}
}

// newHarness builds the whole graph as serve builds it (internal/app) on
// the database at url, with the built-in catalog minus its plans' default
// quotas: the plan layer of quota limits is empty, so the quota tests'
// exact limit lists are their quota objects alone (as adapters/store's
// quota fixture does). opts change the app's Config after that
// (withPlanQuotas).
func newHarness(t *testing.T, url string, opts ...func(*app.Config)) *harness {
	t.Helper()
	cat, err := catalog.Builtin()
	if err != nil {
		t.Fatalf("catalog: %v", err)
	}
	for i := range cat.Plans {
		cat.Plans[i].DefaultQuota = quota.Spec{}
	}
	c := app.Config{DatabaseURL: url, Migrate: true, Logger: slog.New(slog.DiscardHandler), Clock: kernel.SystemClock{}, Catalog: cat}
	for _, o := range opts {
		o(&c)
	}
	a, err := app.New(context.Background(), c)
	if err != nil {
		t.Fatalf("app: %v", err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return harnessOf(a)
}

// withPlanQuotas builds the harness on the catalog in force, as serve does:
// the built-in plans with their default quotas.
func withPlanQuotas(c *app.Config) { c.Catalog = nil }

// harnessOf is the harness over a's services.
func harnessOf(a *app.App) *harness {
	return &harness{db: a.DB, qs: a.Quotas, ten: a.Tenancy, plans: a.Plans, subs: a.Subscriptions, us: a.Usage, pay: a.Payments,
		inv: a.Invoices, audit: a.Audit}
}

// caller creates a tenant of its own with a token of role, bound to ns when
// ns is set, and returns the authenticated principal.
func (h *harness) caller(t *testing.T, role tenancy.Role, ns string) tenancy.Principal {
	t.Helper()
	ctx := context.Background()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	secret, _, err := h.ten.CreateToken(ctx, tenancy.Operator(""), tenancy.CreateTokenInput{Tenant: "t" + hex.EncodeToString(b), Role: role, Namespace: ns})
	if err != nil {
		t.Fatalf("create token: %v", err)
	}
	p, err := h.ten.Authenticate(ctx, "APIToken "+secret)
	if err != nil {
		t.Fatalf("authenticate: %v", err)
	}
	return p
}

// sameTenant returns another principal of p's tenant with a different role
// or namespace binding.
func (h *harness) sameTenant(t *testing.T, p tenancy.Principal, role tenancy.Role, ns string) tenancy.Principal {
	t.Helper()
	ctx := context.Background()
	secret, _, err := h.ten.CreateToken(ctx, tenancy.Operator(""), tenancy.CreateTokenInput{Tenant: p.TenantName, Role: role, Namespace: ns})
	if err != nil {
		t.Fatalf("create token: %v", err)
	}
	q, err := h.ten.Authenticate(ctx, "APIToken "+secret)
	if err != nil {
		t.Fatalf("authenticate: %v", err)
	}
	return q
}

// handler is graph.NewHandler over the harness's services, behind the
// principal middleware.
func (h *harness) handler(p *tenancy.Principal, cfg graph.Config) http.Handler {
	if cfg.Quotas == nil {
		cfg.Quotas = h.qs
	}
	if cfg.Tenancy == nil {
		cfg.Tenancy = h.ten
	}
	if cfg.Plans == nil {
		cfg.Plans = h.plans
	}
	if cfg.Subscriptions == nil {
		cfg.Subscriptions = h.subs
	}
	if cfg.Usage == nil {
		cfg.Usage = h.us
	}
	if cfg.Payments == nil {
		cfg.Payments = h.pay
	}
	if cfg.Invoices == nil {
		cfg.Invoices = h.inv
	}
	if cfg.Audit == nil {
		cfg.Audit = h.audit
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	h2, err := graph.NewHandler(cfg)
	if err != nil {
		panic(err) // every service is set above
	}
	return withPrincipal(p, h2)
}

// withPrincipal stands in for the HTTP auth middleware: it puts p (when set)
// into every request's context.
func withPrincipal(p *tenancy.Principal, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p != nil {
			r = r.WithContext(tenancy.WithPrincipal(r.Context(), *p))
		}
		next.ServeHTTP(w, r)
	})
}

func (h *harness) client(p tenancy.Principal) *client.Client {
	return client.New(h.handler(&p, graph.Config{}))
}

// ctx is a context carrying p, for setting data up through the services.
func asCaller(p tenancy.Principal) context.Context {
	return tenancy.WithPrincipal(context.Background(), p)
}

// gqlError is one entry of a response's "errors".
type gqlError struct {
	Message    string `json:"message"`
	Path       []any  `json:"path"`
	Extensions struct {
		Code    string            `json:"code"`
		Fields  []errs.FieldError `json:"fields"`
		Details []quota.Exceeded  `json:"details"`
	} `json:"extensions"`
}

// errorsOf decodes the GraphQL errors that client.Post returned.
func errorsOf(t *testing.T, err error) []gqlError {
	t.Helper()
	var raw client.RawJsonError
	if !errors.As(err, &raw) {
		t.Fatalf("want GraphQL errors, got %v", err)
	}
	var out []gqlError
	if err := json.Unmarshal(raw.RawMessage, &out); err != nil {
		t.Fatalf("decode errors %s: %v", raw.RawMessage, err)
	}
	if len(out) == 0 {
		t.Fatalf("want at least one error")
	}
	return out
}

// wantCode asserts that err is GraphQL errors whose first has code.
func wantCode(t *testing.T, err error, code string) gqlError {
	t.Helper()
	es := errorsOf(t, err)
	if es[0].Extensions.Code != code {
		t.Fatalf("code = %q, want %q (errors: %+v)", es[0].Extensions.Code, code, es)
	}
	return es[0]
}

func mustPost(t *testing.T, c *client.Client, q string, resp any, opts ...client.Option) {
	t.Helper()
	if err := c.Post(q, resp, opts...); err != nil {
		t.Fatalf("post %s: %v", q, err)
	}
}

// userError is one entry of a mutation payload's userErrors.
type userError struct {
	Field   *string `json:"field"`
	Message string  `json:"message"`
	Code    string  `json:"code"`
}

// wantUserError posts the mutation q, which must select `userErrors
// { field message code }` on its payloads, and asserts that some payload
// answered user errors whose first has code; it returns them.
func wantUserError(t *testing.T, c *client.Client, q, code string, opts ...client.Option) []userError {
	t.Helper()
	var raw map[string]any
	mustPost(t, c, q, &raw, opts...)
	b, _ := json.Marshal(raw)
	var resp map[string]*struct {
		UserErrors []userError `json:"userErrors"`
	}
	if err := json.Unmarshal(b, &resp); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	for _, p := range resp {
		if p != nil && len(p.UserErrors) > 0 {
			if p.UserErrors[0].Code != code {
				t.Fatalf("user error code = %q, want %q (%+v)", p.UserErrors[0].Code, code, p.UserErrors)
			}
			return p.UserErrors
		}
	}
	t.Fatalf("no user errors in %+v", resp)
	return nil
}

// operatorOn is an operator of the command line acting on tenant id, for
// the operator-only set-up steps of the tests (AssignPlan).
// teamAdmin is an admin of a new tenant on the team plan (usage priced).
func (h *harness) teamAdmin(t *testing.T) tenancy.Principal {
	t.Helper()
	p := h.caller(t, tenancy.RoleAdmin, "")
	if err := h.subs.AssignPlan(context.Background(), operatorOn(p.TenantID), "team"); err != nil {
		t.Fatal(err)
	}
	return p
}

func operatorOn(id string) tenancy.Principal {
	p, err := tenancy.Operator("").ActingOn(id)
	if err != nil {
		panic(err)
	}
	return p
}
