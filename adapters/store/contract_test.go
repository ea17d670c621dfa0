package store_test

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/billingd/billingd/adapters/ratelimit"
	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/adapters/store/storetest"
	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/invoice"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/labels"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/domain/subscription"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/internal/app"
)

var t0 = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

// fixture wires the real services on one database, as serve does.
type fixture struct {
	db     *store.DB
	ten    *tenancy.Service
	quotas *quota.Service
	clock  *kernel.FixedClock
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	clk := kernel.NewFixedClock(t0)
	tr := store.NewTenancyRepo(db, clk)
	qs, err := quota.NewService(quota.Config{Repo: store.NewQuotaRepo(db), Tx: db, Clock: clk, Namespaces: tr,
		Idempotency: store.NewIdempotencyRepo(db, clk), Limiter: ratelimit.New(), Plans: noPlanLayer{}, Audit: store.NewAuditRepo(db, clk)})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{db: db, ten: newTenancy(t, db, clk, nopAuditor{}), quotas: qs, clock: clk}
}

// newTenancy wires the tenancy service as serve does, with aud as its
// auditor (the fixture's drops the records, so that the audit tests see
// only the records of the operations they test).
func newTenancy(t *testing.T, db *store.DB, clk kernel.Clock, aud kernel.Auditor) *tenancy.Service {
	t.Helper()
	s, err := tenancy.NewService(tenancy.Config{Repo: store.NewTenancyRepo(db, clk), Tx: db, Clock: clk, Audit: aud,
		Certificates: store.NewCertificateRepo(db, clk), Revocations: store.NewRevocations(db, nil)})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// nopAuditor drops audit records.
type nopAuditor struct{}

func (nopAuditor) Record(context.Context, kernel.AuditRecord) error { return nil }

// noPlanLayer is a plan layer of quota limits without a limit: the
// fixture's quota limits are its quota objects alone.
type noPlanLayer struct{}

func (noPlanLayer) DefaultQuota(context.Context, tenancy.Principal) (quota.Spec, error) {
	return quota.Spec{}, nil
}

// noContacts knows no tenant's billing contact.
type noContacts struct{}

func (noContacts) BillingContact(context.Context, string) (invoice.Party, bool, error) {
	return invoice.Party{}, false, nil
}

// app builds the whole graph as serve does (internal/app) on the
// fixture's database and clock.
func (f *fixture) app(t *testing.T) *app.App {
	t.Helper()
	a, err := app.New(context.Background(), app.Config{Store: f.db, Logger: slog.New(slog.DiscardHandler), Clock: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// noQuotaFit stands in for the quota service where no transition runs (a
// call would panic).
type noQuotaFit struct{ subscription.QuotaFit }

func newSubscriptions(t *testing.T, db *store.DB, clk kernel.Clock, plans *plan.Service, qs subscription.QuotaFit) *subscription.Service {
	t.Helper()
	subs, err := subscription.NewService(subscription.Config{Plans: plans, PlanRepo: store.NewPlanRepo(db), Repo: store.NewSubscriptionRepo(db),
		Tx: db, Idempotency: store.NewIdempotencyRepo(db, clk), Quotas: qs, Audit: store.NewAuditRepo(db, clk), Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	return subs
}

// as returns a context acting as a new token of tenant with role and namespace.
func (f *fixture) as(t *testing.T, tenant string, role tenancy.Role, ns string) context.Context {
	t.Helper()
	ctx := context.Background()
	secret, _, err := f.ten.CreateToken(ctx, tenancy.Operator(""), tenancy.CreateTokenInput{Tenant: tenant, Role: role, Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.ten.Authenticate(ctx, "APIToken "+secret)
	if err != nil {
		t.Fatal(err)
	}
	return tenancy.WithPrincipal(ctx, p)
}

func wantKind(t *testing.T, err error, k errs.Kind) {
	t.Helper()
	if errs.KindOf(err) != k || err == nil {
		t.Fatalf("want %s error, got %v", k, err)
	}
}

func TestTenancyContract(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		secret, tok, err := f.ten.CreateToken(ctx, tenancy.Operator(""), tenancy.CreateTokenInput{Tenant: "acme", Role: tenancy.RoleViewer, Namespace: "ns1"})
		if err != nil {
			t.Fatal(err)
		}
		p, err := f.ten.Authenticate(ctx, "APIToken "+secret)
		if err != nil || p.TenantName != "acme" || p.Role != tenancy.RoleViewer || p.Namespace != "ns1" || p.TokenID != tok.ID {
			t.Fatalf("authenticate: %+v %v", p, err)
		}
		// Same tenant name: same tenant.
		_, tok2, err := f.ten.CreateToken(ctx, tenancy.Operator(""), tenancy.CreateTokenInput{Tenant: "acme", Role: tenancy.RoleAdmin})
		if err != nil || tok2.TenantID != tok.TenantID {
			t.Fatalf("second token: %+v %v", tok2, err)
		}
		for _, h := range []string{"", "APIToken", "Bearer " + secret, "APIToken " + secret + "x", "APIToken  "} {
			_, err := f.ten.Authenticate(ctx, h)
			wantKind(t, err, errs.Unauthenticated)
		}
		toks, err := f.ten.ListTokens(ctx, tenancy.Operator(""), "acme")
		if err != nil || len(toks) != 2 || toks[0].Hash != "" {
			t.Fatalf("list: %+v %v", toks, err)
		}
		if err := f.ten.RevokeToken(ctx, tenancy.Operator(""), "acme", tok.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.ten.Authenticate(ctx, "APIToken "+secret)
		wantKind(t, err, errs.Unauthenticated)
		wantKind(t, f.ten.RevokeToken(ctx, tenancy.Operator(""), "other", tok2.ID), errs.NotFound)

		// Operator tokens: no tenant, hashed, listed and revoked apart.
		has, err := f.ten.HasTokens(ctx, tenancy.Operator(""))
		if err != nil || !has {
			t.Fatalf("has tokens: %v %v", has, err)
		}
		osecret, otok, err := f.ten.CreateOperatorToken(ctx, tenancy.Operator(""))
		if err != nil {
			t.Fatal(err)
		}
		op, err := f.ten.Authenticate(ctx, "APIToken "+osecret)
		if err != nil || !op.Operator || op.TenantID != "" || op.TokenID != otok.ID || op.Role != tenancy.RoleAdmin {
			t.Fatalf("operator authenticate: %+v %v", op, err)
		}
		var stored string
		if err := db.SQL().QueryRowContext(ctx, "SELECT hash FROM operator_tokens").Scan(&stored); err != nil || stored != tenancy.HashToken(osecret) {
			t.Fatalf("stored: %v %v", stored, err)
		}
		on, err := f.ten.ActOnTenant(ctx, op, "acme")
		if err != nil || on.TenantID != tok.TenantID || !on.Operator {
			t.Fatalf("act on acme: %+v %v", on, err)
		}
		_, err = f.ten.ActOnTenant(ctx, op, "nobody")
		wantKind(t, err, errs.NotFound)
		if toks, err := f.ten.ListTokens(ctx, tenancy.Operator(""), "acme"); err != nil || len(toks) != 2 {
			t.Fatalf("an operator token is no tenant's: %+v %v", toks, err)
		}
		otoks, err := f.ten.ListOperatorTokens(ctx, tenancy.Operator(""))
		if err != nil || len(otoks) != 1 || otoks[0].ID != otok.ID || !otoks[0].Operator || otoks[0].RevokedAt != nil {
			t.Fatalf("list operator tokens: %+v %v", otoks, err)
		}
		wantKind(t, f.ten.RevokeOperatorToken(ctx, tenancy.Operator(""), tok2.ID), errs.NotFound) // a tenant token
		if err := f.ten.RevokeOperatorToken(ctx, tenancy.Operator(""), otok.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.ten.Authenticate(ctx, "APIToken "+osecret)
		wantKind(t, err, errs.Unauthenticated)
		wantKind(t, f.ten.RevokeOperatorToken(ctx, tenancy.Operator(""), otok.ID), errs.NotFound)
		if otoks, err := f.ten.ListOperatorTokens(ctx, tenancy.Operator("")); err != nil || len(otoks) != 1 || otoks[0].RevokedAt == nil {
			t.Fatalf("revoked operator token: %+v %v", otoks, err)
		}

		// Namespaces page by name.
		actx := f.as(t, "acme", tenancy.RoleAdmin, "")
		for _, ns := range []string{"b", "a", "c"} {
			if err := store.NewTenancyRepo(f.db, f.clock).EnsureNamespace(ctx, tok.TenantID, ns); err != nil {
				t.Fatal(err)
			}
		}
		page, err := f.ten.ListNamespaces(actx, tenancy.FromContext(actx), "", 2)
		if err != nil || len(page) != 2 || page[0] != "a" || page[1] != "b" {
			t.Fatalf("page 1: %v %v", page, err)
		}
		page, _ = f.ten.ListNamespaces(actx, tenancy.FromContext(actx), "b", 10)
		if len(page) != 3 || page[0] != "c" || page[1] != "ns1" || page[2] != "system" {
			t.Fatalf("page 2: %v", page)
		}
	})
}

func sampleInput(ns, name string) quota.CreateInput {
	return quota.CreateInput{Namespace: ns, Name: name, Labels: map[string]string{"env": "prod"},
		Annotations: map[string]string{"owner": "platform"}, Description: "caps",
		Spec: quota.Spec{
			ObjectLimits:   map[string]quota.ObjectLimit{"http_loadbalancer": {Maximum: 10}},
			ResourceLimits: map[string]quota.ResourceLimit{"vcpu": {Maximum: 2.5}},
			APILimits:      map[string]quota.RateLimit{"ves.io.schema.x.API.Create": {Rate: 5, Burst: 5, Unit: "per-second"}},
		}}
}

func TestQuotaContract(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		admin := f.as(t, "acme", tenancy.RoleAdmin, "")
		q, err := f.quotas.Create(admin, tenancy.FromContext(admin), sampleInput("ns1", "q1"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.quotas.Create(admin, tenancy.FromContext(admin), sampleInput("ns1", "q1"))
		wantKind(t, err, errs.Conflict)

		got, err := f.quotas.Get(admin, tenancy.FromContext(admin), "ns1", "q1")
		if err != nil || got.UID != q.UID || got.Spec.ResourceLimits["vcpu"].Maximum != 2.5 || got.Labels["env"] != "prod" ||
			!got.CreatedAt.Equal(q.CreatedAt) || got.ResourceVersion != 1 {
			t.Fatalf("get: %+v %v", got, err)
		}

		// Another tenant sees nothing and changes nothing.
		other := f.as(t, "globex", tenancy.RoleAdmin, "")
		_, err = f.quotas.Get(other, tenancy.FromContext(other), "ns1", "q1")
		wantKind(t, err, errs.NotFound)
		wantKind(t, f.quotas.Delete(other, tenancy.FromContext(other), quota.DeleteInput{Namespace: "ns1", Name: "q1"}), errs.NotFound)
		wantKind(t, f.quotas.Replace(other, tenancy.FromContext(other), quota.ReplaceInput{CreateInput: sampleInput("ns1", "q1")}), errs.NotFound)
		if l, _ := f.quotas.List(other, tenancy.FromContext(other), "ns1", labels.Selector{}); len(l) != 0 {
			t.Fatalf("other tenant lists %v", l)
		}

		// Replace with the right version bumps it; a stale one is a Conflict.
		in := quota.ReplaceInput{CreateInput: sampleInput("ns1", "q1"), ResourceVersion: "1"}
		in.Description = "changed"
		if err := f.quotas.Replace(admin, tenancy.FromContext(admin), in); err != nil {
			t.Fatal(err)
		}
		wantKind(t, f.quotas.Replace(admin, tenancy.FromContext(admin), in), errs.Conflict)
		got, _ = f.quotas.Get(admin, tenancy.FromContext(admin), "ns1", "q1")
		if got.Description != "changed" || got.ResourceVersion != 2 || got.UID != q.UID {
			t.Fatalf("after replace: %+v", got)
		}

		// Roles: a viewer reads, cannot write; an editor of ns2 cannot touch ns1.
		viewer := f.as(t, "acme", tenancy.RoleViewer, "")
		if _, err := f.quotas.Get(viewer, tenancy.FromContext(viewer), "ns1", "q1"); err != nil {
			t.Fatal(err)
		}
		_, err = f.quotas.Create(viewer, tenancy.FromContext(viewer), sampleInput("ns1", "q2"))
		wantKind(t, err, errs.Forbidden)
		editor2 := f.as(t, "acme", tenancy.RoleEditor, "ns2")
		_, err = f.quotas.Create(editor2, tenancy.FromContext(editor2), sampleInput("ns1", "q2"))
		wantKind(t, err, errs.Forbidden)
		if _, err := f.quotas.Create(editor2, tenancy.FromContext(editor2), sampleInput("ns2", "q2")); err != nil {
			t.Fatal(err)
		}

		// Label selector and batch listing.
		sel, _ := labels.Parse("env in (prod, staging)")
		byNS, err := f.quotas.ListByNamespaces(admin, tenancy.FromContext(admin), []string{"ns1", "ns2", "ns3"}, sel)
		if err != nil || len(byNS["ns1"]) != 1 || len(byNS["ns2"]) != 1 || len(byNS["ns3"]) != 0 {
			t.Fatalf("by namespaces: %v %v", byNS, err)
		}
		sel, _ = labels.Parse("env!=prod")
		if l, _ := f.quotas.List(admin, tenancy.FromContext(admin), "ns1", sel); len(l) != 0 {
			t.Fatalf("env!=prod matched %v", l)
		}

		if err := f.quotas.Delete(admin, tenancy.FromContext(admin), quota.DeleteInput{Namespace: "ns1", Name: "q1"}); err != nil {
			t.Fatal(err)
		}
		wantKind(t, f.quotas.Delete(admin, tenancy.FromContext(admin), quota.DeleteInput{Namespace: "ns1", Name: "q1"}), errs.NotFound)
	})
}

func TestEffectiveLimits(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		admin := f.as(t, "acme", tenancy.RoleAdmin, "")
		sys := quota.CreateInput{Namespace: "system", Name: "tenant-caps", Spec: quota.Spec{
			ObjectLimits: map[string]quota.ObjectLimit{"http_loadbalancer": {Maximum: 10}, "origin_pool": {Maximum: 4}}}}
		nsq := quota.CreateInput{Namespace: "ns1", Name: "ns-caps", Spec: quota.Spec{
			ObjectLimits: map[string]quota.ObjectLimit{"http_loadbalancer": {Maximum: 3}}}}
		off := quota.CreateInput{Namespace: "ns1", Name: "disabled", Disable: true, Spec: quota.Spec{
			ObjectLimits: map[string]quota.ObjectLimit{"origin_pool": {Maximum: 1}}}}
		for _, in := range []quota.CreateInput{sys, nsq, off} {
			if _, err := f.quotas.Create(admin, tenancy.FromContext(admin), in); err != nil {
				t.Fatal(err)
			}
		}
		lim, err := f.quotas.Limits(admin, tenancy.FromContext(admin), "ns1")
		if err != nil {
			t.Fatal(err)
		}
		if lim.ObjectLimits["http_loadbalancer"].Maximum != 3 || lim.ObjectLimits["origin_pool"].Maximum != 4 {
			t.Fatalf("effective limits: %+v", lim.ObjectLimits)
		}
		lim, _ = f.quotas.Limits(admin, tenancy.FromContext(admin), "ns2")
		if lim.ObjectLimits["http_loadbalancer"].Maximum != 10 {
			t.Fatalf("ns2 should inherit system: %+v", lim.ObjectLimits)
		}
	})
}

func TestReserveAllOrNothing(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		admin := f.as(t, "acme", tenancy.RoleAdmin, "")
		if _, err := f.quotas.Create(admin, tenancy.FromContext(admin), sampleInput("ns1", "q1")); err != nil {
			t.Fatal(err)
		}
		res, err := f.quotas.Reserve(admin, tenancy.FromContext(admin), quota.ReserveInput{Namespace: "ns1",
			Objects:   map[string]quota.Amount{"http_loadbalancer": quota.Units(9), "unlimited_kind": quota.Units(100)},
			Resources: map[string]quota.Amount{"vcpu": mustAmount(t, "2.4")}})
		if err != nil || res.Objects["http_loadbalancer"] != quota.Units(9) || res.Resources["vcpu"].String() != "2.4" {
			t.Fatalf("reserve: %+v %v", res, err)
		}
		// Over the limit on one key: nothing moves, and the error says which.
		_, err = f.quotas.Reserve(admin, tenancy.FromContext(admin), quota.ReserveInput{Namespace: "ns1",
			Objects:   map[string]quota.Amount{"http_loadbalancer": quota.Units(1), "unlimited_kind": quota.Units(1)},
			Resources: map[string]quota.Amount{"vcpu": mustAmount(t, "0.2")}})
		wantKind(t, err, errs.QuotaExceeded)
		ex := errs.As(err).Details.([]quota.Exceeded)
		if len(ex) != 1 || ex[0].Key != "vcpu" || ex[0].Limit != "2.5" || ex[0].Current != "2.4" || ex[0].Requested != "0.2" {
			t.Fatalf("exceeded: %+v", ex)
		}
		rep, _ := f.quotas.Usage(admin, tenancy.FromContext(admin), "ns1")
		for _, it := range rep.Items[quota.Objects] {
			if it.Key == "http_loadbalancer" && it.Current != quota.Units(9) || it.Key == "unlimited_kind" && (it.Current != quota.Units(100) || it.Max != nil) {
				t.Fatalf("usage moved after a refused reservation: %+v", it)
			}
		}
		// Releases never go below zero.
		res, err = f.quotas.Reserve(admin, tenancy.FromContext(admin), quota.ReserveInput{Namespace: "ns1", Objects: map[string]quota.Amount{"http_loadbalancer": quota.Units(-50)}})
		if err != nil || res.Objects["http_loadbalancer"] != 0 {
			t.Fatalf("release: %+v %v", res, err)
		}
		// Idempotency: a retry counts once; another body under the key is a Conflict.
		in := quota.ReserveInput{Namespace: "ns1", Objects: map[string]quota.Amount{"http_loadbalancer": quota.Units(2)}, IdempotencyKey: "k1"}
		for i := 0; i < 3; i++ {
			res, err = f.quotas.Reserve(admin, tenancy.FromContext(admin), in)
			if err != nil || res.Objects["http_loadbalancer"] != quota.Units(2) {
				t.Fatalf("retry %d: %+v %v", i, res, err)
			}
		}
		in.Objects["http_loadbalancer"] = quota.Units(3)
		_, err = f.quotas.Reserve(admin, tenancy.FromContext(admin), in)
		wantKind(t, err, errs.Conflict)
		// A viewer cannot reserve.
		_, err = f.quotas.Reserve(f.as(t, "acme", tenancy.RoleViewer, ""), tenancy.FromContext(f.as(t, "acme", tenancy.RoleViewer, "")), quota.ReserveInput{Namespace: "ns1", Objects: map[string]quota.Amount{"x1": 1}})
		wantKind(t, err, errs.Forbidden)
	})
}

func TestReserveRateLimit(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		admin := f.as(t, "acme", tenancy.RoleAdmin, "")
		if _, err := f.quotas.Create(admin, tenancy.FromContext(admin), sampleInput("ns1", "q1")); err != nil {
			t.Fatal(err)
		}
		api := map[string]quota.Amount{"ves.io.schema.x.API.Create": quota.Units(1)}
		for i := 0; i < 5; i++ { // burst 5
			if _, err := f.quotas.Reserve(admin, tenancy.FromContext(admin), quota.ReserveInput{Namespace: "ns1", APIs: api}); err != nil {
				t.Fatalf("call %d: %v", i, err)
			}
		}
		_, err := f.quotas.Reserve(admin, tenancy.FromContext(admin), quota.ReserveInput{Namespace: "ns1", APIs: api})
		wantKind(t, err, errs.QuotaExceeded)
		f.clock.Advance(time.Second) // 5 per second refills the bucket
		if _, err := f.quotas.Reserve(admin, tenancy.FromContext(admin), quota.ReserveInput{Namespace: "ns1", APIs: api}); err != nil {
			t.Fatal(err)
		}
		rep, _ := f.quotas.Usage(admin, tenancy.FromContext(admin), "ns1")
		if it := rep.Items[quota.APIs][0]; it.Current != quota.Units(6) || it.Rate == nil {
			t.Fatalf("api usage: %+v", it)
		}
	})
}

// TestConcurrentReservationsNeverOvershoot is the enforcement guarantee:
// 200 concurrent reservations of 1 against a limit of 50 admit exactly 50.
func TestConcurrentReservationsNeverOvershoot(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		admin := f.as(t, "acme", tenancy.RoleAdmin, "")
		in := sampleInput("ns1", "q1")
		in.Spec.ObjectLimits["http_loadbalancer"] = quota.ObjectLimit{Maximum: 50}
		if _, err := f.quotas.Create(admin, tenancy.FromContext(admin), in); err != nil {
			t.Fatal(err)
		}
		var ok, refused, other atomic.Int64
		var wg sync.WaitGroup
		for i := 0; i < 200; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := f.quotas.Reserve(admin, tenancy.FromContext(admin), quota.ReserveInput{Namespace: "ns1", Objects: map[string]quota.Amount{"http_loadbalancer": quota.Units(1)}})
				switch {
				case err == nil:
					ok.Add(1)
				case errs.Is(err, errs.QuotaExceeded):
					refused.Add(1)
				default:
					other.Add(1)
					t.Errorf("unexpected error: %v", err)
				}
			}()
		}
		wg.Wait()
		if ok.Load() != 50 || refused.Load() != 150 || other.Load() != 0 {
			t.Fatalf("admitted %d, refused %d, failed %d; want 50/150/0", ok.Load(), refused.Load(), other.Load())
		}
		rep, _ := f.quotas.Usage(admin, tenancy.FromContext(admin), "ns1")
		for _, it := range rep.Items[quota.Objects] {
			if it.Key == "http_loadbalancer" && it.Current != quota.Units(50) {
				t.Fatalf("stored usage %s, want 50", it.Current)
			}
		}
	})
}

func mustAmount(t *testing.T, s string) quota.Amount {
	a, ok := quota.ParseAmount(s)
	if !ok {
		t.Fatalf("bad amount %q", s)
	}
	return a
}

func TestInstallSecretIsStable(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		a, err := db.InstallSecret(context.Background(), "report-token")
		if err != nil || len(a) != 32 {
			t.Fatalf("secret: %x %v", a, err)
		}
		b, _ := db.InstallSecret(context.Background(), "report-token")
		c, _ := db.InstallSecret(context.Background(), "other")
		if string(a) != string(b) || string(a) == string(c) {
			t.Fatal("a secret must be stable per name and differ between names")
		}
	})
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
