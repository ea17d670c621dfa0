package store_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/adapters/store/storetest"
	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/domain/subscription"
	"github.com/billingd/billingd/domain/tenancy"
)

// lifecycleFixture wires plans, quotas and the lifecycle as serve does.
type lifecycleFixture struct {
	*fixture
	plans  *plan.Service
	subs   *subscription.Service
	quotas *quota.Service
	repo   *store.SubscriptionRepo
}

func newLifecycleFixture(t *testing.T, db *store.DB) *lifecycleFixture {
	t.Helper()
	f := newFixture(t, db)
	a := f.app(t)
	return &lifecycleFixture{fixture: f, plans: a.Plans, subs: a.Subscriptions, quotas: a.Quotas, repo: store.NewSubscriptionRepo(db)}
}

func (f *lifecycleFixture) state(t *testing.T, id string) subscription.TransitionState {
	t.Helper()
	st, err := f.subs.TransitionState(context.Background(), tenancy.FromContext(context.Background()), id)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func (f *lifecycleFixture) plan(t *testing.T, ctx context.Context) string {
	t.Helper()
	p, err := f.plans.CurrentPlan(ctx, tenancy.FromContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	return p.Name
}

var teamPayload = subscription.Payload{PaymentProviderToken: "tok_visa", Domain: "globex.example",
	BillingAddress: &subscription.Contact{Address1: "1 Main St", City: "Springfield", Country: "US"}}

// TestTransitionContract walks upgrade, idempotent retry, a downgrade
// refused for quota, add-ons and the periods they leave, on every dialect.
func TestTransitionContract(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newLifecycleFixture(t, db)
		acme := f.as(t, "acme", tenancy.RoleAdmin, "")
		viewer := f.as(t, "acme", tenancy.RoleViewer, "")
		acmeID := principal(t, acme).TenantID
		f.clock.Advance(time.Hour)

		_, err := f.subs.Initiate(viewer, tenancy.FromContext(viewer), subscription.InitiateInput{NewPlan: "individual", Payload: subscription.Payload{PaymentProviderToken: "tok"}})
		wantKind(t, err, errs.Forbidden)
		_, err = f.subs.Initiate(acme, tenancy.FromContext(acme), subscription.InitiateInput{NewPlan: "individual"})
		wantKind(t, err, errs.Invalid)
		_, err = f.subs.Initiate(acme, tenancy.FromContext(acme), subscription.InitiateInput{NewPlan: "organization"})
		wantKind(t, err, errs.Invalid) // free cannot go to organization

		// Upgrade with an Idempotency-Key; the retry replays the answer.
		in := subscription.InitiateInput{NewPlan: "individual", IdempotencyKey: "k1",
			Payload: subscription.Payload{PaymentProviderToken: "tok", SubscribeAddons: []string{"f5xc_waap_standard"}}}
		res, err := f.subs.Initiate(acme, tenancy.FromContext(acme), in)
		if err != nil || res.RequiresManualApproval || res.Replayed {
			t.Fatalf("initiate: %+v %v", res, err)
		}
		if st := f.state(t, res.ID); st != subscription.StateFinished {
			t.Fatalf("state %s", st)
		}
		again, err := f.subs.Initiate(acme, tenancy.FromContext(acme), in)
		if err != nil || again.ID != res.ID || !again.Replayed {
			t.Fatalf("retry: %+v %v", again, err)
		}
		in.Payload.PaymentProviderToken = "tok_other"
		_, err = f.subs.Initiate(acme, tenancy.FromContext(acme), in)
		wantKind(t, err, errs.Conflict) // same key, other request
		if got := f.plan(t, acme); got != "individual" {
			t.Fatalf("plan %q after upgrade", got)
		}
		tr, err := f.subs.GetTransition(acme, tenancy.FromContext(acme), res.ID)
		if err != nil || tr.OldPlan != "free" || tr.NewPlan != "individual" || tr.Payload.PaymentProviderToken == "tok" {
			t.Fatalf("stored transition: %+v %v", tr, err)
		}
		changes, err := f.repo.PlanChanges(context.Background(), acmeID)
		if err != nil || len(changes) != 1 || changes[0].OldPlan != "free" || changes[0].NewPlan != "individual" || !changes[0].At.Equal(t0.Add(time.Hour)) {
			t.Fatalf("plan changes: %+v %v", changes, err)
		}
		subs, err := f.subs.ListSubscriptions(acme, tenancy.FromContext(acme), false)
		if err != nil || len(subs) != 3 {
			t.Fatalf("subscriptions: %+v %v", subs, err)
		}
		if s := subs[0]; s.Name != "free" || s.Open() || !s.Start.Equal(t0) || !s.End.Equal(t0.Add(time.Hour)) {
			t.Fatalf("free subscription: %+v", s)
		}
		for _, s := range subs[1:] {
			if !s.Open() || !s.Start.Equal(t0.Add(time.Hour)) || len(s.Periods) != 1 {
				t.Fatalf("new subscription: %+v", s)
			}
		}
		if cur, _ := f.subs.ListSubscriptions(acme, tenancy.FromContext(acme), true); len(cur) != 2 {
			t.Fatalf("current subscriptions: %+v", cur)
		}
		// The new plan's default quota is the plan layer now.
		if lim, err := f.quotas.Limits(acme, tenancy.FromContext(acme), "staging"); err != nil || lim.ObjectLimits["http_loadbalancer"].Maximum != 25 {
			t.Fatalf("limits after upgrade: %+v %v", lim.ObjectLimits["http_loadbalancer"], err)
		}

		// Downgrade refused: 6 load balancers do not fit free's 5.
		f.clock.Advance(time.Hour)
		if _, err := f.quotas.Reserve(acme, tenancy.FromContext(acme), quota.ReserveInput{Namespace: "staging", Objects: map[string]quota.Amount{"http_loadbalancer": quota.Units(6)}}); err != nil {
			t.Fatal(err)
		}
		down, err := f.subs.Initiate(acme, tenancy.FromContext(acme), subscription.InitiateInput{NewPlan: "free"})
		if err != nil {
			t.Fatal(err)
		}
		tr, err = f.subs.GetTransition(acme, tenancy.FromContext(acme), down.ID)
		if err != nil || tr.State != subscription.StateFailed || !strings.Contains(tr.FailureReason, "objects/http_loadbalancer") {
			t.Fatalf("downgrade: %+v %v", tr, err)
		}
		if got := f.plan(t, acme); got != "individual" {
			t.Fatalf("plan %q after a refused downgrade", got)
		}
		_, err = f.subs.Approve(context.Background(), tenancy.Operator(""), down.ID, true)
		wantKind(t, err, errs.Conflict) // not waiting for approval

		// Add-ons on individual.
		if err := f.subs.Subscribe(acme, tenancy.FromContext(acme), "f5xc_waap_standard"); err != nil { // already subscribed: no-op
			t.Fatal(err)
		}
		wantKind(t, f.subs.Subscribe(acme, tenancy.FromContext(acme), "f5xc_waap_advanced"), errs.Forbidden)
		wantKind(t, f.subs.Subscribe(acme, tenancy.FromContext(acme), "f5xc_synthetic_monitoring_standard"), errs.Forbidden) // included
		wantKind(t, f.subs.Subscribe(acme, tenancy.FromContext(acme), "nope"), errs.Invalid)
		wantKind(t, f.subs.Subscribe(viewer, tenancy.FromContext(viewer), "f5xc_waap_standard"), errs.Forbidden)
		if err := f.subs.Subscribe(acme, tenancy.FromContext(acme), "f5xc_content_delivery_network_standard"); err != nil {
			t.Fatal(err)
		}
		if err := f.subs.Unsubscribe(acme, tenancy.FromContext(acme), "f5xc_waap_standard"); err != nil {
			t.Fatal(err)
		}
		if err := f.subs.Unsubscribe(acme, tenancy.FromContext(acme), "f5xc_waap_standard"); err != nil { // not subscribed: no-op
			t.Fatal(err)
		}
		wantKind(t, f.subs.Unsubscribe(acme, tenancy.FromContext(acme), "f5xc_waap_advanced"), errs.Forbidden)
		cur, err := f.subs.ListSubscriptions(acme, tenancy.FromContext(acme), true)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, s := range cur {
			names = append(names, s.Name)
		}
		if strings.Join(names, ",") != "individual,f5xc_content_delivery_network_standard" {
			t.Fatalf("current subscriptions %v", names)
		}

		f.clock.Advance(time.Hour)
		wantKind(t, func() error {
			_, err := f.subs.Initiate(acme, tenancy.FromContext(acme), subscription.InitiateInput{NewPlan: "team"})
			return err
		}(), errs.Invalid)
		if st, err := f.subs.TransitionState(context.Background(), tenancy.FromContext(context.Background()), "not-a-uuid"); err == nil || errs.KindOf(err) != errs.NotFound {
			t.Fatalf("malformed id: %v %v", st, err)
		}
		if _, err := f.subs.TransitionState(context.Background(), tenancy.FromContext(context.Background()), "6f1c1b4e-5d43-4a57-9d3e-3f1f7a0e9b11"); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("unknown id: %v", err)
		}
	})
}

// TestOneTransitionInFlight races 20 initiates of a manual-approval plan:
// exactly one is stored, the others are Conflicts; then reject and approve.
func TestOneTransitionInFlight(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newLifecycleFixture(t, db)
		globex := f.as(t, "globex", tenancy.RoleAdmin, "")
		other := f.as(t, "initech", tenancy.RoleAdmin, "")
		f.clock.Advance(time.Hour)
		if _, err := f.subs.Initiate(globex, tenancy.FromContext(globex), subscription.InitiateInput{NewPlan: "team", Payload: teamPayload}); err != nil {
			t.Fatal(err)
		}
		if got := f.plan(t, globex); got != "team" {
			t.Fatalf("plan %q", got)
		}
		f.clock.Advance(time.Hour)
		const n = 20
		var wg sync.WaitGroup
		var mu sync.Mutex
		var ids []string
		conflicts := 0
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := f.subs.Initiate(globex, tenancy.FromContext(globex), subscription.InitiateInput{NewPlan: "organization"})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ids = append(ids, res.ID)
					if !res.RequiresManualApproval {
						t.Error("organization needs manual approval")
					}
				case errs.KindOf(err) == errs.Conflict:
					conflicts++
				default:
					t.Errorf("initiate: %v", err)
				}
			}()
		}
		wg.Wait()
		if len(ids) != 1 || conflicts != n-1 {
			t.Fatalf("%d stored, %d conflicts; want 1 and %d", len(ids), conflicts, n-1)
		}
		id := ids[0]
		if st := f.state(t, id); st != subscription.StateWaitingForApproval {
			t.Fatalf("state %s", st)
		}
		// Deciding is for operators: no tenant admin may, its own or not.
		for _, c := range []context.Context{globex, other} {
			_, err := f.subs.Approve(c, tenancy.FromContext(c), id, false)
			wantKind(t, err, errs.Forbidden)
			_, err = f.subs.Reject(c, tenancy.FromContext(c), id, "mine")
			wantKind(t, err, errs.Forbidden)
		}
		if st := f.state(t, id); st != subscription.StateWaitingForApproval {
			t.Fatalf("state %s after refused decisions", st)
		}
		osecret, otok, err := f.ten.CreateOperatorToken(context.Background(), tenancy.Operator(""))
		if err != nil {
			t.Fatal(err)
		}
		op, err := f.ten.Authenticate(context.Background(), "APIToken "+osecret)
		if err != nil {
			t.Fatal(err)
		}
		opOn := func(tenant string) context.Context {
			t.Helper()
			p, err := f.ten.ActOnTenant(context.Background(), op, tenant)
			if err != nil {
				t.Fatal(err)
			}
			return tenancy.WithPrincipal(context.Background(), p)
		}
		// An operator acting on another tenant finds nothing of it.
		_, err = f.subs.Approve(opOn("initech"), tenancy.FromContext(opOn("initech")), id, false)
		wantKind(t, err, errs.NotFound)
		tr, err := f.subs.Reject(opOn("globex"), tenancy.FromContext(opOn("globex")), id, "no contract yet")
		if err != nil || tr.State != subscription.StateFailed || !strings.Contains(tr.FailureReason, "no contract yet") || tr.DecidedBy != "operator:"+otok.ID {
			t.Fatalf("reject: %+v %v", tr, err)
		}
		// Without a tenant named, the id alone finds it.
		_, err = f.subs.Reject(tenancy.WithPrincipal(context.Background(), op), tenancy.FromContext(tenancy.WithPrincipal(context.Background(), op)), id, "again")
		wantKind(t, err, errs.Conflict)

		res, err := f.subs.Initiate(globex, tenancy.FromContext(globex), subscription.InitiateInput{NewPlan: "organization"})
		if err != nil {
			t.Fatal(err)
		}
		if got := f.plan(t, globex); got != "team" {
			t.Fatalf("plan %q while waiting", got)
		}
		f.clock.Advance(time.Hour)
		tr, err = f.subs.Approve(context.Background(), tenancy.Operator(""), res.ID, false)
		if err != nil || tr.State != subscription.StateFinished || tr.DecidedBy != "operator" || tr.OldPlan != "team" {
			t.Fatalf("approve: %+v %v", tr, err)
		}
		if got := f.plan(t, globex); got != "organization" {
			t.Fatalf("plan %q after approval", got)
		}
		// Nothing in flight any more: a new transition is accepted.
		if _, err := f.subs.Initiate(globex, tenancy.FromContext(globex), subscription.InitiateInput{NewPlan: "team", Payload: teamPayload, IdempotencyKey: "k"}); err != nil {
			t.Fatal(err)
		}
		subs, err := f.subs.ListSubscriptions(globex, tenancy.FromContext(globex), false)
		if err != nil {
			t.Fatal(err)
		}
		var plans []string
		for _, s := range subs {
			plans = append(plans, s.Name)
		}
		if strings.Join(plans, ",") != "free,team,organization,team" {
			t.Fatalf("plan subscriptions %v", plans)
		}
	})
}
