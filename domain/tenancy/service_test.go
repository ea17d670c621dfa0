package tenancy

import (
	"context"
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

func (r *countingRepo) RevokeToken(_ context.Context, _, id string) error {
	for h, p := range r.tokens {
		if p.TokenID == id {
			delete(r.tokens, h)
		}
	}
	return nil
}

// inlineTx runs fn without a database transaction.
type inlineTx struct{}

func (inlineTx) InTx(ctx context.Context, fn func(context.Context) error) error { return fn(ctx) }

func TestAuthenticationCache(t *testing.T) {
	t.Parallel()
	clk := kernel.NewFixedClock(time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC))
	repo := &countingRepo{tokens: map[string]Principal{HashToken("s1"): {TenantID: "t1", TokenID: "k1", Role: RoleAdmin}}}
	s := NewService(repo, inlineTx{}, clk)
	s.CacheAuthentications(time.Second)
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
	if err := s.RevokeToken(ctx, "acme", "k1"); err != nil {
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
