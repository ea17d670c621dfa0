package tenancy

import (
	"context"
	"testing"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/kernel"
)

// bus delivers announced revocations to other services, as LISTEN/NOTIFY
// does between processes.
type bus struct {
	announced []string
	to        []*Service
}

func (b *bus) AnnounceRevocation(id string) {
	b.announced = append(b.announced, id)
	for _, s := range b.to {
		s.ForgetRevoked(id)
	}
}

// TestRevocationReachesOtherProcesses: two services (two replicas) on one
// repository cache a token for an hour; a revocation through one drops it
// from the other's cache at once, not when the hour is over.
func TestRevocationReachesOtherProcesses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := kernel.NewFixedClock(time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC))
	repo := &countingRepo{tokens: map[string]Principal{
		HashToken("s1"): {TenantID: "t1", TokenID: "k1", Role: RoleAdmin},
		HashToken("s2"): {TenantID: "t1", TokenID: "k2", Role: RoleAdmin}}}
	a := newService(t, Config{Repo: repo, Clock: clk, AuthCacheTTL: time.Hour})
	toA := &bus{to: []*Service{a}}
	b := newService(t, Config{Repo: repo, Clock: clk, AuthCacheTTL: time.Hour, Revocations: toA})
	for _, s := range []*Service{a, b} {
		for _, secret := range []string{"s1", "s2"} {
			if _, err := s.Authenticate(ctx, "APIToken "+secret); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := b.RevokeToken(ctx, Operator(""), "acme", "k1"); err != nil {
		t.Fatal(err)
	}
	if len(toA.announced) != 1 || toA.announced[0] != "k1" {
		t.Fatalf("announced %v, want [k1]", toA.announced)
	}
	if _, err := a.Authenticate(ctx, "APIToken s1"); errs.KindOf(err) != errs.Unauthenticated {
		t.Fatalf("revoked token still accepted by the other process: %v", err)
	}
	// k2 stays cached on a: no lookup for it.
	before := repo.lookups
	if _, err := a.Authenticate(ctx, "APIToken s2"); err != nil || repo.lookups != before {
		t.Fatalf("k2: err %v, lookups %d → %d; want a cache hit", err, before, repo.lookups)
	}
	// What a learns from the bus it does not announce again (a has no
	// announcer here; b's bus saw one announcement only).
	a.ForgetRevoked("k2")
	if len(toA.announced) != 1 {
		t.Fatalf("ForgetRevoked announced: %v", toA.announced)
	}
	// ForgetCached empties the cache: the next request reads the repository.
	if _, err := b.Authenticate(ctx, "APIToken s2"); err != nil {
		t.Fatal(err)
	}
	before = repo.lookups
	b.ForgetCached()
	if _, err := b.Authenticate(ctx, "APIToken s2"); err != nil || repo.lookups != before+1 {
		t.Fatalf("after ForgetCached: err %v, lookups %d → %d; want one lookup", err, before, repo.lookups)
	}
}
