package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/subscription"
	"github.com/uptrace/bun"
)

type tenantPlanRow struct {
	bun.BaseModel `bun:"table:tenant_plans"`
	TenantID      string    `bun:"tenant_id,pk"`
	PlanName      string    `bun:"plan_name"`
	Since         time.Time `bun:"since"`
}

// PlanRepo implements plan.Repository (reads) and subscription.Repository
// (writes) over one table.
type PlanRepo struct{ db *DB }

var (
	_ plan.Repository         = (*PlanRepo)(nil)
	_ subscription.Repository = (*PlanRepo)(nil)
)

// NewPlanRepo returns the repository of tenants' current plans.
func NewPlanRepo(db *DB) *PlanRepo { return &PlanRepo{db: db} }

// CurrentPlanName implements plan.Repository.
func (r *PlanRepo) CurrentPlanName(ctx context.Context, tenantID string) (string, bool, error) {
	if r.db.memoOn(ctx) {
		t, found, err := r.db.memoTenant(ctx, tenantID)
		if err != nil || !found || !t.PlanName.Valid {
			return "", false, err
		}
		return t.PlanName.String, true, nil
	}
	var name string
	err := r.db.idb(ctx).NewSelect().Model((*tenantPlanRow)(nil)).Column("plan_name").
		Where("tenant_id = ?", tenantID).Scan(ctx, &name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, translate(err)
	}
	return name, true, nil
}

// SetPlan implements subscription.Repository with one upsert, so two
// concurrent changes cannot both insert: the later one wins.
func (r *PlanRepo) SetPlan(ctx context.Context, tp subscription.TenantPlan) error {
	row := &tenantPlanRow{TenantID: tp.TenantID, PlanName: tp.PlanName, Since: tp.Since.UTC()}
	_, err := r.db.idb(ctx).NewInsert().Model(row).
		On("CONFLICT (tenant_id) DO UPDATE").
		Set("plan_name = EXCLUDED.plan_name").
		Set("since = EXCLUDED.since").
		Exec(ctx)
	return translate(err)
}
