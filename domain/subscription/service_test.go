package subscription_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/domain/subscription"
	"github.com/billingd/billingd/domain/tenancy"
)

// memRepo is an in-memory plan.Repository and subscription.Repository.
type memRepo map[string]string

func (m memRepo) CurrentPlanName(_ context.Context, tenantID string) (string, bool, error) {
	n, ok := m[tenantID]
	return n, ok, nil
}

func (m memRepo) SetPlan(_ context.Context, tp subscription.TenantPlan) error {
	m[tp.TenantID] = tp.PlanName
	return nil
}

// The lifecycle dependencies AssignPlan does not use: any call panics.
type (
	noLifecycle struct {
		subscription.LifecycleRepository
	}
	noTx          struct{ kernel.TxRunner }
	noIdempotency struct{ kernel.IdempotencyStore }
	noQuotas      struct{ subscription.QuotaFit }
	noAudit       struct{ kernel.Auditor }
)

var testCatalog = &plan.Catalog{Plans: []plan.Plan{
	{Name: "free", PlanType: plan.PlanTypeFree, DefaultQuota: quota.Spec{ObjectLimits: map[string]quota.ObjectLimit{"user": {Maximum: 1}}}},
	{Name: "team", PlanType: plan.PlanTypeTeam, DefaultQuota: quota.Spec{ObjectLimits: map[string]quota.ObjectLimit{"user": {Maximum: 50}}}},
}}

func TestAssignPlan(t *testing.T) {
	t.Parallel()
	repo := memRepo{}
	plans, err := plan.NewService(plan.Config{Repo: repo, Catalog: testCatalog})
	if err != nil {
		t.Fatal(err)
	}
	s, err := subscription.NewService(subscription.Config{Plans: plans, PlanRepo: repo, Repo: noLifecycle{}, Tx: noTx{},
		Idempotency: noIdempotency{}, Quotas: noQuotas{}, Audit: noAudit{}, Clock: kernel.NewFixedClock(time.Unix(0, 0))})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	op, err := tenancy.Operator("").ActingOn("t1")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AssignPlan(ctx, op, "nope"); errs.KindOf(err) != errs.Invalid {
		t.Fatalf("unknown plan: %v", err)
	}
	admin := tenancy.Principal{TenantID: "t1", TokenID: "tok", Role: tenancy.RoleAdmin}
	if err := s.AssignPlan(ctx, admin, "team"); errs.KindOf(err) != errs.Forbidden {
		t.Fatalf("a tenant's admin assigned itself a plan: %v", err)
	}
	if err := s.AssignPlan(ctx, op, "team"); err != nil {
		t.Fatal(err)
	}
	if q, err := plans.DefaultQuota(ctx, op); err != nil || q.ObjectLimits["user"].Maximum != 50 {
		t.Fatalf("team default: %+v %v", q, err)
	}
}

func TestNewServiceNamesMissingDependencies(t *testing.T) {
	t.Parallel()
	_, err := subscription.NewService(subscription.Config{Clock: kernel.NewFixedClock(time.Unix(0, 0))})
	if err == nil {
		t.Fatal("an empty config must be refused")
	}
	for _, name := range []string{"Plans", "PlanRepo", "Repo", "Tx", "Idempotency", "Quotas", "Audit"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
	if strings.Contains(err.Error(), "Clock") {
		t.Errorf("error %q names Clock, which was given", err)
	}
}
