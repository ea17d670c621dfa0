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
	"github.com/billingd/billingd/adapters/ratelimit"
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
// BILLINGD_TEST_DATABASE_URL is set (required under CI=true).
func forEachStore(t *testing.T, fn func(t *testing.T, h *harness)) {
	t.Helper()
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			fn(t, newHarness(t, storetest.URL(t, d)))
		})
	}
}

func newHarness(t *testing.T, url string) *harness {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, url, store.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	// Wired as internal/app does, except that the quota service has no plan
	// layer (noPlanLayer), the invoices no bill-to contacts and the tenancy,
	// usage and payment services no audit log: the quota tests assert exact limit lists, which the
	// plan's default quota would fill with every key of the catalog.
	clk := kernel.SystemClock{}
	// Token creation and revocation leave no audit records here, so the
	// audit log tests see only the records of what they test.
	ten, err := tenancy.NewService(tenancy.Config{Repo: store.NewTenancyRepo(db, clk), Tx: db, Clock: clk, Audit: nopAuditor{},
		Certificates: store.NewCertificateRepo(db, clk), Revocations: store.NewRevocations(db, nil)})
	if err != nil {
		t.Fatalf("tenancy service: %v", err)
	}
	cat, err := catalog.Builtin()
	if err != nil {
		t.Fatalf("catalog: %v", err)
	}
	plans, err := plan.NewService(plan.Config{Repo: store.NewPlanRepo(db), Catalog: cat})
	if err != nil {
		t.Fatalf("plan service: %v", err)
	}
	qs, err := quota.NewService(quota.Config{
		Repo: store.NewQuotaRepo(db), Tx: db, Clock: clk,
		Namespaces:  store.NewTenancyRepo(db, clk),
		Idempotency: store.NewIdempotencyRepo(db, clk),
		Limiter:     ratelimit.New(),
		Plans:       noPlanLayer{},
		Audit:       store.NewAuditRepo(db, clk),
	})
	if err != nil {
		t.Fatalf("quota service: %v", err)
	}
	key, err := db.InstallSecret(ctx, "usage-report-token")
	if err != nil {
		t.Fatalf("usage token key: %v", err)
	}
	us, err := usage.NewService(usage.Config{Repo: store.NewUsageRepo(db), Tx: db, Clock: clk, Plans: plans, TokenKey: key,
		Namespaces: store.NewTenancyRepo(db, clk), Audit: nopAuditor{}})
	if err != nil {
		t.Fatalf("usage service: %v", err)
	}
	// Transitions check a downgrade against quota usage, as in app.go.
	subs, err := subscription.NewService(subscription.Config{Plans: plans, PlanRepo: store.NewPlanRepo(db), Repo: store.NewSubscriptionRepo(db), Tx: db,
		Idempotency: store.NewIdempotencyRepo(db, clk), Quotas: qs, Audit: store.NewAuditRepo(db, clk), Clock: clk})
	if err != nil {
		t.Fatalf("subscription service: %v", err)
	}
	pay, err := payment.NewService(payment.Config{Repo: store.NewPaymentRepo(db), Tx: db, Clock: clk, Plans: plans, Audit: nopAuditor{}})
	if err != nil {
		t.Fatalf("payment service: %v", err)
	}
	aud, err := audit.NewService(audit.Config{Repo: store.NewAuditRepo(db, clk)})
	if err != nil {
		t.Fatalf("audit service: %v", err)
	}
	h := &harness{db: db, qs: qs, ten: ten, plans: plans, subs: subs, us: us, pay: pay, audit: aud}
	h.inv = h.invoices(t, clk)
	return h
}

// invoices is an invoice service over the harness's store and services that
// reads the time from clk (tests move it past a month's end to close it).
func (h *harness) invoices(t *testing.T, clk kernel.Clock) *invoice.Service {
	t.Helper()
	s, err := invoice.NewService(invoice.Config{Repo: store.NewInvoiceRepo(h.db), Tx: h.db, Clock: clk, Plans: h.plans,
		Usage: h.us, Subscriptions: store.NewSubscriptionRepo(h.db), Renderer: fakeRenderer{}, Contacts: noContacts{}, Audit: store.NewAuditRepo(h.db, clk)})
	if err != nil {
		t.Fatalf("invoice service: %v", err)
	}
	return s
}

// fakeRenderer stands in for the PDF renderer, which GraphQL never calls.
type fakeRenderer struct{}

func (fakeRenderer) Render(inv invoice.Invoice) ([]byte, error) { return []byte(inv.Name), nil }

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

// nopAuditor drops audit records.
type nopAuditor struct{}

func (nopAuditor) Record(context.Context, kernel.AuditRecord) error { return nil }

// noPlanLayer is a plan layer of quota limits without a limit.
type noPlanLayer struct{}

func (noPlanLayer) DefaultQuota(context.Context, tenancy.Principal) (quota.Spec, error) {
	return quota.Spec{}, nil
}

// noContacts knows no tenant's billing contact.
type noContacts struct{}

func (noContacts) BillingContact(context.Context, string) (invoice.Party, bool, error) {
	return invoice.Party{}, false, nil
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
func operatorOn(id string) tenancy.Principal {
	p, err := tenancy.Operator("").ActingOn(id)
	if err != nil {
		panic(err)
	}
	return p
}
