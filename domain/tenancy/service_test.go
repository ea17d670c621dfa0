package tenancy

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/kernel"
)

// countingRepo is an in-memory Repository that counts token lookups.
type countingRepo struct {
	Repository
	lookups int
	tokens  map[string]Principal
}

func (r *countingRepo) PrincipalByTokenHash(_ context.Context, h string) (Principal, error) {
	r.lookups++
	if p, ok := r.tokens[h]; ok {
		return p, nil
	}
	return Principal{}, errs.New(errs.NotFound, "no token")
}

// ListTokens lists nothing: the revocation's audit record needs no token.
func (r *countingRepo) ListTokens(context.Context, string) ([]Token, error) { return nil, nil }

func (r *countingRepo) RevokeToken(_ context.Context, _, id string) error {
	for h, p := range r.tokens {
		if p.TokenID == id {
			delete(r.tokens, h)
		}
	}
	return nil
}

// newService is NewService with stand-ins for the dependencies c leaves
// out: no transaction, an auditor and an announcer that drop everything,
// and no certificate store (a certificate call panics).
func newService(t *testing.T, c Config) *Service {
	t.Helper()
	if c.Tx == nil {
		c.Tx = inlineTx{}
	}
	if c.Audit == nil {
		c.Audit = nopAuditor{}
	}
	if c.Revocations == nil {
		c.Revocations = nopAnnouncer{}
	}
	if c.Certificates == nil {
		c.Certificates = noCertificates{}
	}
	s, err := NewService(c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type (
	nopAuditor     struct{}
	nopAnnouncer   struct{}
	noCertificates struct{ CertificateRepository }
)

func (nopAuditor) Record(context.Context, kernel.AuditRecord) error { return nil }
func (nopAnnouncer) AnnounceRevocation(string)                      {}

func TestNewServiceNamesMissingDependencies(t *testing.T) {
	t.Parallel()
	_, err := NewService(Config{Tx: inlineTx{}, Clock: kernel.NewFixedClock(time.Unix(0, 0))})
	if err == nil {
		t.Fatal("missing dependencies accepted")
	}
	for _, name := range []string{"Repo", "Audit", "Certificates", "Revocations"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("%q does not name %s", err, name)
		}
	}
}

// inlineTx runs fn without a database transaction.
type inlineTx struct{}

func (inlineTx) InTx(ctx context.Context, fn func(context.Context) error) error { return fn(ctx) }

func TestAuthenticationCache(t *testing.T) {
	t.Parallel()
	clk := kernel.NewFixedClock(time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC))
	repo := &countingRepo{tokens: map[string]Principal{HashToken("s1"): {TenantID: "t1", TokenID: "k1", Role: RoleAdmin}}}
	s := newService(t, Config{Repo: repo, Clock: clk, AuthCacheTTL: time.Second})
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if _, err := s.Authenticate(ctx, "APIToken s1"); err != nil {
			t.Fatal(err)
		}
	}
	if repo.lookups != 1 {
		t.Fatalf("lookups %d, want 1 within the TTL", repo.lookups)
	}
	clk.Advance(1100 * time.Millisecond)
	_, _ = s.Authenticate(ctx, "APIToken s1")
	if repo.lookups != 2 {
		t.Fatalf("lookups %d, want 2 after the TTL", repo.lookups)
	}
	// Failures are never cached, and a revocation here applies at once.
	for i := 0; i < 2; i++ {
		if _, err := s.Authenticate(ctx, "APIToken nope"); !errs.Is(err, errs.Unauthenticated) {
			t.Fatalf("unknown token: %v", err)
		}
	}
	if err := s.RevokeToken(ctx, Operator(""), "acme", "k1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, "APIToken s1"); !errs.Is(err, errs.Unauthenticated) {
		t.Fatalf("revoked token still accepted: %v", err)
	}
}

func TestAuthorize(t *testing.T) {
	t.Parallel()
	cases := []struct {
		p    Principal
		a    Action
		ns   string
		want bool
	}{
		{Principal{Role: RoleViewer}, Read, "ns1", true},
		{Principal{Role: RoleViewer}, Write, "ns1", false},
		{Principal{Role: RoleEditor}, Write, "ns1", true},
		{Principal{Role: RoleEditor}, Admin, "ns1", false},
		{Principal{Role: RoleEditor, Namespace: "ns2"}, Write, "ns1", false},
		{Principal{Role: RoleEditor, Namespace: "ns2"}, Read, "ns1", false},
		{Principal{Role: RoleEditor, Namespace: "ns2"}, Write, "ns2", true},
		{Principal{Role: RoleAdmin}, Admin, "system", true},
	}
	for _, c := range cases {
		err := c.p.Authorize(c.a, c.ns)
		if (err == nil) != c.want {
			t.Errorf("%+v %v %s: %v", c.p, c.a, c.ns, err)
		}
		if err != nil && !errs.Is(err, errs.Forbidden) {
			t.Errorf("want Forbidden, got %v", err)
		}
	}
}

// operatorRepo adds tenants and operator tokens to countingRepo.
type operatorRepo struct {
	countingRepo
	tenants map[string]Tenant
	ops     []Token
}

func (r *operatorRepo) TenantByName(_ context.Context, name string) (Tenant, error) {
	if t, ok := r.tenants[name]; ok {
		return t, nil
	}
	return Tenant{}, errs.New(errs.NotFound, "tenant %q not found", name)
}

func (r *operatorRepo) CreateOperatorToken(_ context.Context, t Token) error {
	r.ops = append(r.ops, t)
	r.tokens[t.Hash] = Principal{TokenID: t.ID, Role: RoleAdmin, Operator: true}
	return nil
}

func (r *operatorRepo) RevokeOperatorToken(ctx context.Context, id string) error {
	return r.RevokeToken(ctx, "", id)
}

func TestOperatorTokens(t *testing.T) {
	t.Parallel()
	clk := kernel.NewFixedClock(time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC))
	repo := &operatorRepo{countingRepo: countingRepo{tokens: map[string]Principal{
		HashToken("acme-admin"): {TenantID: "t1", TenantName: "acme", TokenID: "k1", Role: RoleAdmin}}},
		tenants: map[string]Tenant{"acme": {ID: "t1", Name: "acme"}, "globex": {ID: "t2", Name: "globex"}}}
	s := newService(t, Config{Repo: repo, Clock: clk, AuthCacheTTL: time.Minute})
	ctx := context.Background()

	secret, tok, err := s.CreateOperatorToken(ctx, Operator(""))
	if err != nil || !tok.Operator || tok.TenantID != "" || !strings.HasPrefix(secret, "bdo_") {
		t.Fatalf("create: %q %+v %v", secret, tok, err)
	}
	if repo.ops[0].Hash != HashToken(secret) || strings.Contains(repo.ops[0].Hash, secret) {
		t.Fatal("only the hash of the secret is stored")
	}
	op, err := s.Authenticate(ctx, "APIToken "+secret)
	if err != nil || !op.Operator || op.TenantID != "" {
		t.Fatalf("authenticate: %+v %v", op, err)
	}
	if got := op.Actor(); got != "operator:"+tok.ID {
		t.Fatalf("actor %q", got)
	}

	// Without a tenant, an operator reaches only what CallerFrom serves.
	octx := WithPrincipal(ctx, op)
	if _, err := CallerFrom(octx); err != nil {
		t.Fatal(err)
	}
	if _, err := PrincipalFrom(octx); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), TenantHeader) {
		t.Fatalf("tenant-scoped without a tenant: %v", err)
	}
	if _, err := CallerFrom(ctx); !errs.Is(err, errs.Unauthenticated) {
		t.Fatalf("no caller: %v", err)
	}

	// Naming a tenant makes the operator its admin; unknown or bad names fail.
	on, err := s.ActOnTenant(ctx, op, "globex")
	if err != nil || on.TenantID != "t2" || on.Role != RoleAdmin || !on.Operator || on.Authorize(Admin, "system") != nil {
		t.Fatalf("act on globex: %+v %v", on, err)
	}
	if p, err := PrincipalFrom(WithPrincipal(ctx, on)); err != nil || p.TenantID != "t2" {
		t.Fatalf("principal: %+v %v", p, err)
	}
	if _, err := s.ActOnTenant(ctx, op, "initech"); !errs.Is(err, errs.NotFound) {
		t.Fatalf("unknown tenant: %v", err)
	}
	if _, err := s.ActOnTenant(ctx, op, "Bad Name"); !errs.Is(err, errs.Invalid) {
		t.Fatalf("bad tenant name: %v", err)
	}
	if _, ok := repo.tenants["initech"]; ok {
		t.Fatal("naming a tenant must not create it")
	}

	// A tenant token may name its own tenant only, and is never an operator.
	admin, err := s.Authenticate(ctx, "APIToken acme-admin")
	if err != nil {
		t.Fatal(err)
	}
	if p, err := s.ActOnTenant(ctx, admin, "acme"); err != nil || p != admin {
		t.Fatalf("own tenant: %+v %v", p, err)
	}
	if _, err := s.ActOnTenant(ctx, admin, "globex"); !errs.Is(err, errs.Forbidden) {
		t.Fatalf("tenant token naming another tenant: %v", err)
	}
	if err := admin.RequireOperator("approving a plan transition"); !errs.Is(err, errs.Forbidden) || !strings.Contains(err.Error(), "operator decision") {
		t.Fatalf("admin is no operator: %v", err)
	}
	if err := on.RequireOperator("approving a plan transition"); err != nil {
		t.Fatal(err)
	}
	if got := (Principal{TenantID: "t1", Role: RoleAdmin, Operator: true}).Actor(); got != OperatorActor {
		t.Fatalf("command-line actor %q", got)
	}

	// Revocation applies at once, even to a cached authentication.
	if err := s.RevokeOperatorToken(ctx, Operator(""), tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, "APIToken "+secret); !errs.Is(err, errs.Unauthenticated) {
		t.Fatalf("revoked operator token accepted: %v", err)
	}
}

// TestTrustedPrincipals checks the principals the CLI and the scheduler
// pass, and how any principal acts on a tenant for another service.
func TestTrustedPrincipals(t *testing.T) {
	t.Parallel()
	if err := (Principal{}).Caller(); !errs.Is(err, errs.Unauthenticated) {
		t.Fatalf("nobody is a caller: %v", err)
	}
	cli, sched := Operator(""), System("scheduler")
	if cli.Actor() != OperatorActor || sched.Actor() != "scheduler" || Operator("ops@example.com").Actor() != "ops@example.com" {
		t.Fatalf("actors %q %q", cli.Actor(), sched.Actor())
	}
	if err := cli.OnTenant(); !errs.Is(err, errs.Invalid) {
		t.Fatalf("an operator naming no tenant acts on none: %v", err)
	}
	on, err := sched.ActingOn("t1")
	if err != nil || on.TenantID != "t1" || on.Role != RoleAdmin || on.OnTenant() != nil || on.RequireOperator("x") != nil || on.Actor() != "scheduler" {
		t.Fatalf("scheduler on t1: %+v %v", on, err)
	}
	viewer := Principal{TenantID: "t1", TokenID: "k", Role: RoleViewer, Namespace: "shop"}
	if p, err := viewer.ActingOn("t1"); err != nil || p != viewer {
		t.Fatalf("a tenant's credential acts on its own tenant unchanged: %+v %v", p, err)
	}
	if _, err := viewer.ActingOn("t2"); !errs.Is(err, errs.Forbidden) {
		t.Fatalf("a tenant's credential acted on another tenant: %v", err)
	}
	if _, err := (Principal{}).ActingOn("t1"); !errs.Is(err, errs.Unauthenticated) {
		t.Fatalf("nobody acted on a tenant: %v", err)
	}
}

// TestCredentialsAreOperatorWork checks that a tenant's own token, even an
// admin's, cannot mint or list credentials through the service.
func TestCredentialsAreOperatorWork(t *testing.T) {
	t.Parallel()
	s := newService(t, Config{Repo: &countingRepo{}, Clock: kernel.NewFixedClock(time.Unix(0, 0))})
	admin := Principal{TenantID: "t1", TenantName: "acme", TokenID: "k", Role: RoleAdmin}
	if _, _, err := s.CreateToken(context.Background(), admin, CreateTokenInput{Tenant: "acme", Role: RoleAdmin}); !errs.Is(err, errs.Forbidden) {
		t.Fatalf("a tenant's admin created a token: %v", err)
	}
	if _, err := s.ListTokens(context.Background(), admin, "acme"); !errs.Is(err, errs.Forbidden) {
		t.Fatalf("a tenant's admin listed tokens: %v", err)
	}
	if _, err := s.CertificateAuthority(context.Background(), admin); !errs.Is(err, errs.Forbidden) {
		t.Fatalf("a tenant's admin read the certificate authority: %v", err)
	}
}
