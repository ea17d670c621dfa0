package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/adapters/store/storetest"
	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/domain/subscription"
	"github.com/billingd/billingd/domain/tenancy"
)

const lbKey = "http_loadbalancer"

func lbs(n int64) map[string]quota.Amount { return map[string]quota.Amount{lbKey: quota.Units(n)} }

// item returns the report line of key in class, or fails.
func item(t *testing.T, rep quota.Report, c quota.Class, key string) quota.Item {
	t.Helper()
	for _, it := range rep.Items[c] {
		if it.Key == key {
			return it
		}
	}
	t.Fatalf("%s has no %s/%s line: %+v", rep.Namespace, c, key, rep.Items[c])
	return quota.Item{}
}

// wantExceeded checks a QuotaExceeded error with one detail.
func wantExceeded(t *testing.T, err error, scope, limit, current string) {
	t.Helper()
	wantKind(t, err, errs.QuotaExceeded)
	ex := errs.As(err).Details.([]quota.Exceeded)
	if len(ex) != 1 || ex[0].Scope != scope || ex[0].Limit != limit || ex[0].Current != current {
		t.Fatalf("exceeded = %+v, want scope %s, limit %s, current %s", ex, scope, limit, current)
	}
}

func createQuota(t *testing.T, qs *quota.Service, ctx context.Context, ns, name string, spec quota.Spec) {
	t.Helper()
	if _, err := qs.Create(ctx, tenancy.FromContext(ctx), quota.CreateInput{Namespace: ns, Name: name, Spec: spec}); err != nil {
		t.Fatal(err)
	}
}

// TestTenantWideQuotaContract: limits in "system" bind the sum over every
// namespace, a namespace's own object adds a cap of its own, both are
// checked by one reservation, releases take from both counters what they
// took, and "system" reports the tenant.
func TestTenantWideQuotaContract(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		admin := f.as(t, "acme", tenancy.RoleAdmin, "")
		createQuota(t, f.quotas, admin, "system", "tenant", quota.Spec{ObjectLimits: map[string]quota.ObjectLimit{lbKey: {Maximum: 10}}})
		createQuota(t, f.quotas, admin, "ns1", "cap", quota.Spec{ObjectLimits: map[string]quota.ObjectLimit{lbKey: {Maximum: 3}}})
		// A namespace object above the tenant's limit cannot loosen it.
		createQuota(t, f.quotas, admin, "ns2", "loose", quota.Spec{ObjectLimits: map[string]quota.ObjectLimit{lbKey: {Maximum: 50}}})

		if _, err := f.quotas.Reserve(admin, tenancy.FromContext(admin), quota.ReserveInput{Namespace: "ns1", Objects: lbs(3)}); err != nil {
			t.Fatal(err)
		}
		_, err := f.quotas.Reserve(admin, tenancy.FromContext(admin), quota.ReserveInput{Namespace: "ns1", Objects: lbs(1)})
		wantExceeded(t, err, quota.ScopeNamespace, "3", "3")
		res, err := f.quotas.Reserve(admin, tenancy.FromContext(admin), quota.ReserveInput{Namespace: "ns2", Objects: lbs(7)})
		if err != nil || res.Objects[lbKey] != quota.Units(7) {
			t.Fatalf("ns2: %+v %v", res, err)
		}
		// 3 + 7 = the tenant's 10: any namespace is refused now, "system" too.
		for _, ns := range []string{"ns2", "ns3", "system"} {
			_, err = f.quotas.Reserve(admin, tenancy.FromContext(admin), quota.ReserveInput{Namespace: ns, Objects: lbs(1)})
			wantExceeded(t, err, quota.ScopeTenant, "10", "10")
		}

		rep, err := f.quotas.UsageByNamespaces(admin, tenancy.FromContext(admin), []string{"system", "ns1", "ns2", "ns3"})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]struct{ max, cur int64 }{"system": {10, 10}, "ns1": {3, 3}, "ns2": {10, 7}, "ns3": {10, 0}}
		for ns, w := range want {
			it := item(t, rep[ns], quota.Objects, lbKey)
			if *it.Max != quota.Units(w.max) || it.Current != quota.Units(w.cur) || *it.TenantMax != quota.Units(10) || it.TenantCurrent != quota.Units(10) {
				t.Errorf("%s: limit %s current %s, tenant limit %s current %s; want %d/%d and 10/10", ns, it.Max, it.Current, it.TenantMax, it.TenantCurrent, w.max, w.cur)
			}
		}

		// A release bigger than the namespace's usage takes only what the
		// namespace had from the tenant: 3, not 50.
		res, err = f.quotas.Reserve(admin, tenancy.FromContext(admin), quota.ReserveInput{Namespace: "ns1", Objects: lbs(-50)})
		if err != nil || res.Objects[lbKey] != 0 {
			t.Fatalf("release: %+v %v", res, err)
		}
		// A release in a namespace that never reserved takes nothing.
		if _, err := f.quotas.Reserve(admin, tenancy.FromContext(admin), quota.ReserveInput{Namespace: "ns4", Objects: lbs(-5)}); err != nil {
			t.Fatal(err)
		}
		sys, _ := f.quotas.Usage(admin, tenancy.FromContext(admin), "system")
		if it := item(t, sys, quota.Objects, lbKey); it.Current != quota.Units(7) {
			t.Fatalf("tenant after releases: %s, want 7", it.Current)
		}
		// "system" answers a reservation with the tenant's counters.
		res, err = f.quotas.Reserve(admin, tenancy.FromContext(admin), quota.ReserveInput{Namespace: "system", Objects: lbs(2)})
		if err != nil || res.Objects[lbKey] != quota.Units(9) {
			t.Fatalf("system reservation: %+v %v", res, err)
		}

		// All or nothing over both levels: a key that fits and one over the
		// tenant's limit move nothing, at either level.
		createQuota(t, f.quotas, admin, "system", "pools", quota.Spec{ResourceLimits: map[string]quota.ResourceLimit{"vcpu": {Maximum: 4}}})
		_, err = f.quotas.Reserve(admin, tenancy.FromContext(admin), quota.ReserveInput{Namespace: "ns3", Objects: lbs(1),
			Resources: map[string]quota.Amount{"vcpu": mustAmount(t, "4.5")}})
		wantKind(t, err, errs.QuotaExceeded)
		ex := errs.As(err).Details.([]quota.Exceeded)
		if len(ex) != 1 || ex[0].Key != "vcpu" || ex[0].Scope != quota.ScopeTenant || ex[0].Limit != "4" || ex[0].Current != "0" {
			t.Fatalf("exceeded = %+v", ex)
		}
		rep, _ = f.quotas.UsageByNamespaces(admin, tenancy.FromContext(admin), []string{"system", "ns3"})
		if it := item(t, rep["ns3"], quota.Objects, lbKey); it.Current != 0 || it.TenantCurrent != quota.Units(9) {
			t.Fatalf("ns3 moved after a refused reservation: %+v", it)
		}
		if it := item(t, rep["system"], quota.Resources, "vcpu"); it.Current != 0 {
			t.Fatalf("vcpu moved after a refused reservation: %+v", it)
		}

		// Another tenant has its own totals.
		other := f.as(t, "globex", tenancy.RoleAdmin, "")
		if _, err := f.quotas.Reserve(other, tenancy.FromContext(other), quota.ReserveInput{Namespace: "ns1", Objects: lbs(20)}); err != nil {
			t.Fatal(err)
		}
		sys, _ = f.quotas.Usage(admin, tenancy.FromContext(admin), "system")
		if it := item(t, sys, quota.Objects, lbKey); it.Current != quota.Units(9) {
			t.Fatalf("acme's total moved with globex's usage: %s", it.Current)
		}
	})
}

// TestPlanDefaultBindsTheTenant: the plan's default quota (free: 5 load
// balancers) limits the sum over namespaces, and a downgrade compares the
// new plan's default quota with that sum.
func TestPlanDefaultBindsTheTenant(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newLifecycleFixture(t, db)
		acme := f.as(t, "acme", tenancy.RoleAdmin, "")
		for _, ns := range []string{"ns1", "ns2"} {
			if _, err := f.quotas.Reserve(acme, tenancy.FromContext(acme), quota.ReserveInput{Namespace: ns, Objects: lbs(2)}); err != nil {
				t.Fatal(err)
			}
		}
		_, err := f.quotas.Reserve(acme, tenancy.FromContext(acme), quota.ReserveInput{Namespace: "ns3", Objects: lbs(2)})
		wantExceeded(t, err, quota.ScopeTenant, "5", "4")
		if _, err := f.quotas.Reserve(acme, tenancy.FromContext(acme), quota.ReserveInput{Namespace: "ns3", Objects: lbs(1)}); err != nil {
			t.Fatal(err)
		}

		// Upgrade (25 load balancers), spread 6 over three namespaces (2
		// each, every one of them within free's 5), then try to go back.
		f.clock.Advance(time.Hour)
		up, err := f.subs.Initiate(acme, tenancy.FromContext(acme), subscription.InitiateInput{NewPlan: "individual", Payload: subscription.Payload{PaymentProviderToken: "tok"}})
		if err != nil || f.state(t, up.ID) != subscription.StateFinished {
			t.Fatalf("upgrade: %+v %v", up, err)
		}
		if _, err := f.quotas.Reserve(acme, tenancy.FromContext(acme), quota.ReserveInput{Namespace: "ns3", Objects: lbs(1)}); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Hour)
		down, err := f.subs.Initiate(acme, tenancy.FromContext(acme), subscription.InitiateInput{NewPlan: "free"})
		if err != nil {
			t.Fatal(err)
		}
		tr, err := f.subs.GetTransition(acme, tenancy.FromContext(acme), down.ID)
		if err != nil || tr.State != subscription.StateFailed || !strings.Contains(tr.FailureReason, "objects/http_loadbalancer tenant-wide (used 6, limit 5)") {
			t.Fatalf("downgrade: %+v %v", tr, err)
		}
		// One released anywhere: the sum fits, the downgrade finishes.
		if _, err := f.quotas.Reserve(acme, tenancy.FromContext(acme), quota.ReserveInput{Namespace: "ns1", Objects: lbs(-1)}); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Hour)
		down, err = f.subs.Initiate(acme, tenancy.FromContext(acme), subscription.InitiateInput{NewPlan: "free"})
		if err != nil {
			t.Fatal(err)
		}
		if tr, err := f.subs.GetTransition(acme, tenancy.FromContext(acme), down.ID); err != nil || tr.State != subscription.StateFinished {
			t.Fatalf("downgrade after a release: %+v %v", tr, err)
		}
	})
}

// TestSystemAPILimitsAreTenantBuckets: an api_limit in "system" is one token
// bucket for the tenant, shared by every namespace; a namespace's own
// api_limit is a bucket of its own on top.
func TestSystemAPILimitsAreTenantBuckets(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		admin := f.as(t, "acme", tenancy.RoleAdmin, "")
		const api = "ves.io.schema.x.API.Create"
		createQuota(t, f.quotas, admin, "system", "rate", quota.Spec{APILimits: map[string]quota.RateLimit{api: {Rate: 5, Burst: 5, Unit: "per-second"}}})
		createQuota(t, f.quotas, admin, "ns9", "rate", quota.Spec{APILimits: map[string]quota.RateLimit{api: {Rate: 1, Burst: 1, Unit: "per-second"}}})
		call := func(ns string) error {
			_, err := f.quotas.Reserve(admin, tenancy.FromContext(admin), quota.ReserveInput{Namespace: ns, APIs: map[string]quota.Amount{api: quota.Units(1)}})
			return err
		}
		for i := range 5 {
			if err := call(fmt.Sprintf("ns%d", i)); err != nil {
				t.Fatalf("call %d: %v", i, err)
			}
		}
		err := call("ns5")
		wantKind(t, err, errs.QuotaExceeded)
		if ex := errs.As(err).Details.([]quota.Exceeded); len(ex) != 1 || ex[0].Scope != quota.ScopeTenant || ex[0].RetryAfterSeconds <= 0 {
			t.Fatalf("exceeded = %+v", ex)
		}
		f.clock.Advance(time.Second) // the tenant's bucket refills to 5
		if err := call("ns9"); err != nil {
			t.Fatal(err)
		}
		err = call("ns9") // ns9's own bucket (burst 1) is empty; the tenant's is not
		wantKind(t, err, errs.QuotaExceeded)
		if ex := errs.As(err).Details.([]quota.Exceeded); len(ex) != 1 || ex[0].Scope != quota.ScopeNamespace {
			t.Fatalf("exceeded = %+v", ex)
		}
		// The refused call took nothing from the tenant's bucket: 4 remain.
		for i := range 4 {
			if err := call(fmt.Sprintf("ns%d", i)); err != nil {
				t.Fatalf("call %d after a refusal: %v", i, err)
			}
		}
		wantKind(t, call("ns0"), errs.QuotaExceeded)
		sys, _ := f.quotas.Usage(admin, tenancy.FromContext(admin), "system")
		if it := item(t, sys, quota.APIs, api); it.Current != quota.Units(10) || it.TenantRate == nil || it.TenantRate.Burst != 5 {
			t.Fatalf("system api usage: %+v", it)
		}
	})
}

// TestTenantLimitUnderConcurrency is the enforcement guarantee of the
// tenant-wide limit: 60 concurrent reservations of 1, spread over 10
// namespaces, against a tenant limit of 10 with 7 already used, admit
// exactly 3, and the counters agree afterwards.
func TestTenantLimitUnderConcurrency(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		admin := f.as(t, "acme", tenancy.RoleAdmin, "")
		createQuota(t, f.quotas, admin, "system", "tenant", quota.Spec{ObjectLimits: map[string]quota.ObjectLimit{lbKey: {Maximum: 10}}})
		nss := make([]string, 10)
		for i := range nss {
			nss[i] = fmt.Sprintf("team-%02d", i)
		}
		for i, n := range []int64{3, 2, 2} { // 7 used, in three namespaces
			if _, err := f.quotas.Reserve(admin, tenancy.FromContext(admin), quota.ReserveInput{Namespace: nss[i], Objects: lbs(n)}); err != nil {
				t.Fatal(err)
			}
		}
		start := make(chan struct{})
		var ok, refused atomic.Int64
		var wg sync.WaitGroup
		for i := range 60 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := f.quotas.Reserve(admin, tenancy.FromContext(admin), quota.ReserveInput{Namespace: nss[i%10], Objects: lbs(1)})
				switch {
				case err == nil:
					ok.Add(1)
				case errs.Is(err, errs.QuotaExceeded):
					refused.Add(1)
				default:
					t.Errorf("unexpected error: %v", err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if ok.Load() != 3 || refused.Load() != 57 {
			t.Fatalf("admitted %d, refused %d; want 3 and 57", ok.Load(), refused.Load())
		}
		rep, err := f.quotas.UsageByNamespaces(admin, tenancy.FromContext(admin), append([]string{"system"}, nss...))
		if err != nil {
			t.Fatal(err)
		}
		var sum quota.Amount
		for _, ns := range nss {
			sum += item(t, rep[ns], quota.Objects, lbKey).Current
		}
		if tenant := item(t, rep["system"], quota.Objects, lbKey).Current; tenant != quota.Units(10) || sum != tenant {
			t.Fatalf("tenant counter %s, namespaces sum to %s; want 10 both", tenant, sum)
		}
	})
}

// TestTenantCountersMigration: migration 15 carries the counters written by
// the previous release (per namespace only) forward into tenant-wide totals,
// capping a sum past the largest countable amount, and the limits bind them.
func TestTenantCountersMigration(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := openThrough(ctx, t, d, "20261126000014")
			// What the previous release wrote: tenants, namespaces' counters.
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := db.SQL().ExecContext(ctx, rebind(d, q), args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			for _, id := range []string{"t1", "t2"} {
				exec(`INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)`, id, id+"-name", t0)
			}
			row := func(tenant, ns, class, key string, used int64) {
				exec(`INSERT INTO quota_counters (tenant_id, namespace, class, key, used) VALUES (?, ?, ?, ?, ?)`, tenant, ns, class, key, used)
			}
			row("t1", "system", "objects", lbKey, int64(quota.Units(2)))
			row("t1", "ns1", "objects", lbKey, int64(quota.Units(3)))
			row("t1", "ns2", "objects", lbKey, int64(quota.Units(2)))
			row("t1", "ns1", "resources", "vcpu", 1_250_000)
			row("t1", "ns2", "resources", "vcpu", 500_000)
			row("t1", "ns1", "apis", "x.API.Get", int64(quota.Units(40)))
			row("t2", "ns1", "objects", lbKey, int64(quota.Units(9)))
			// Ten counters at the largest countable amount overflow an int64
			// when summed: the total is capped at MaxCounter.
			for i := range 10 {
				row("t2", fmt.Sprintf("big%d", i), "resources", "gpu", int64(quota.MaxCounter))
			}
			applied, err := db.Migrate(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(applied) == 0 || !strings.HasPrefix(applied[0], "20261126000015_") {
				t.Fatalf("applied %v, want migration 15 first", applied)
			}
			repo := store.NewQuotaRepo(db)
			want := map[string]map[string]quota.Amount{
				"t1": {"objects/" + lbKey: quota.Units(7), "resources/vcpu": 1_750_000, "apis/x.API.Get": quota.Units(40)},
				"t2": {"objects/" + lbKey: quota.Units(9), "resources/gpu": quota.MaxCounter},
			}
			for tenant, w := range want {
				totals, err := repo.TenantTotals(ctx, tenant)
				if err != nil {
					t.Fatal(err)
				}
				got := map[string]quota.Amount{}
				for _, c := range totals {
					if c.Namespace != quota.TenantWide {
						t.Fatalf("total with namespace %q", c.Namespace)
					}
					got[string(c.Class)+"/"+c.Key] = c.Used
				}
				if fmt.Sprint(got) != fmt.Sprint(w) {
					t.Fatalf("%s totals %v, want %v", tenant, got, w)
				}
			}

			// The carried totals are what the tenant-wide limit binds.
			f := newFixture(t, db)
			tok, _, err := f.ten.CreateToken(ctx, tenancy.Operator(""), tenancy.CreateTokenInput{Tenant: "t1-name", Role: tenancy.RoleAdmin})
			if err != nil {
				t.Fatal(err)
			}
			p, err := f.ten.Authenticate(ctx, "APIToken "+tok)
			if err != nil {
				t.Fatal(err)
			}
			admin := tenancy.WithPrincipal(ctx, p)
			createQuota(t, f.quotas, admin, "system", "tenant", quota.Spec{ObjectLimits: map[string]quota.ObjectLimit{lbKey: {Maximum: 8}}})
			if _, err := f.quotas.Reserve(admin, tenancy.FromContext(admin), quota.ReserveInput{Namespace: "ns3", Objects: lbs(1)}); err != nil {
				t.Fatal(err)
			}
			_, err = f.quotas.Reserve(admin, tenancy.FromContext(admin), quota.ReserveInput{Namespace: "ns3", Objects: lbs(1)})
			wantExceeded(t, err, quota.ScopeTenant, "8", "8")
			sys, _ := f.quotas.Usage(admin, tenancy.FromContext(admin), "system")
			if it := item(t, sys, quota.Objects, lbKey); it.Current != quota.Units(8) {
				t.Fatalf("system current %s, want 8", it.Current)
			}
		})
	}
}

// rebind turns ? placeholders into PostgreSQL's $n for database/sql.
func rebind(d store.Dialect, q string) string {
	if d != store.Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// TestQuotaCreatorNamesTheCredential: system_metadata.creator_id says which
// kind of credential created a quota: "cert:<id>" or "token:<id>".
func TestQuotaCreatorNamesTheCredential(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		admin := f.as(t, "acme", tenancy.RoleAdmin, "")
		p := principal(t, admin)
		q, err := f.quotas.Create(admin, tenancy.FromContext(admin), quota.CreateInput{Namespace: "ns1", Name: "by-token"})
		if err != nil || q.CreatorID != "token:"+p.TokenID {
			t.Fatalf("token: %q %v", q.CreatorID, err)
		}
		p.Certificate = true
		q, err = f.quotas.Create(tenancy.WithPrincipal(context.Background(), p), tenancy.FromContext(tenancy.WithPrincipal(context.Background(), p)), quota.CreateInput{Namespace: "ns1", Name: "by-cert"})
		if err != nil || q.CreatorID != "cert:"+p.TokenID {
			t.Fatalf("certificate: %q %v", q.CreatorID, err)
		}
		if got, _ := f.quotas.Get(admin, tenancy.FromContext(admin), "ns1", "by-cert"); got.CreatorID != "cert:"+p.TokenID {
			t.Fatalf("stored creator %q", got.CreatorID)
		}
	})
}
