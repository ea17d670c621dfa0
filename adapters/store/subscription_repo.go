package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/subscription"
	"github.com/uptrace/bun"
)

type planTransitionRow struct {
	bun.BaseModel          `bun:"table:plan_transitions"`
	TenantID               string    `bun:"tenant_id,pk"`
	ID                     string    `bun:"id,pk"`
	OldPlan                string    `bun:"old_plan"`
	NewPlan                string    `bun:"new_plan"`
	State                  string    `bun:"state"`
	RequiresManualApproval bool      `bun:"requires_manual_approval"`
	Payload                string    `bun:"payload"`
	FailureReason          string    `bun:"failure_reason"`
	DecidedBy              string    `bun:"decided_by"`
	CreatedAt              time.Time `bun:"created_at"`
	UpdatedAt              time.Time `bun:"updated_at"`
}

type subscriptionRow struct {
	bun.BaseModel `bun:"table:subscriptions"`
	TenantID      string    `bun:"tenant_id,pk"`
	ID            string    `bun:"id,pk"`
	Kind          string    `bun:"kind"`
	Name          string    `bun:"name"`
	StartedAt     time.Time `bun:"started_at"`
	EndedAt       time.Time `bun:"ended_at,nullzero"`
}

type subscriptionChangeRow struct {
	bun.BaseModel `bun:"table:subscription_changes"`
	TenantID      string    `bun:"tenant_id,pk"`
	ID            string    `bun:"id,pk"`
	TransitionID  string    `bun:"transition_id"`
	OldPlan       string    `bun:"old_plan"`
	NewPlan       string    `bun:"new_plan"`
	ChangedAt     time.Time `bun:"changed_at"`
}

// SubscriptionRepo implements subscription.LifecycleRepository.
type SubscriptionRepo struct{ db *DB }

// NewSubscriptionRepo returns the repository of plan transitions,
// subscriptions and plan changes.
func NewSubscriptionRepo(db *DB) *SubscriptionRepo { return &SubscriptionRepo{db: db} }

var _ subscription.LifecycleRepository = (*SubscriptionRepo)(nil)

func transitionToRow(t subscription.Transition) (*planTransitionRow, error) {
	payload, err := json.Marshal(t.Payload)
	if err != nil {
		return nil, errs.Wrap(errs.Internal, err, "encode transition payload")
	}
	return &planTransitionRow{TenantID: t.TenantID, ID: t.ID, OldPlan: t.OldPlan, NewPlan: t.NewPlan, State: string(t.State),
		RequiresManualApproval: t.RequiresManualApproval, Payload: string(payload), FailureReason: t.FailureReason,
		DecidedBy: t.DecidedBy, CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC()}, nil
}

// transitionFromRow is the one place a stored transition is rebuilt.
func transitionFromRow(r planTransitionRow) (subscription.Transition, error) {
	t := subscription.Transition{TenantID: r.TenantID, ID: r.ID, OldPlan: r.OldPlan, NewPlan: r.NewPlan,
		State: subscription.TransitionState(r.State), RequiresManualApproval: r.RequiresManualApproval,
		FailureReason: r.FailureReason, DecidedBy: r.DecidedBy, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if err := json.Unmarshal([]byte(r.Payload), &t.Payload); err != nil {
		return t, errs.Wrap(errs.Internal, err, "decode transition payload")
	}
	return t, nil
}

// InsertTransition implements subscription.LifecycleRepository. The partial
// unique index on in-flight rows turns a second transition into a Conflict.
func (r *SubscriptionRepo) InsertTransition(ctx context.Context, t subscription.Transition) error {
	row, err := transitionToRow(t)
	if err != nil {
		return err
	}
	_, err = r.db.idb(ctx).NewInsert().Model(row).Exec(ctx)
	if err = translate(err); errs.KindOf(err) == errs.Conflict {
		return errs.Wrap(errs.Conflict, err, "another plan transition of this tenant is in flight (creating or waiting for approval); wait for it to finish")
	}
	return err
}

// UpdateTransition implements subscription.LifecycleRepository with one
// conditional update.
func (r *SubscriptionRepo) UpdateTransition(ctx context.Context, t subscription.Transition, from subscription.TransitionState) error {
	row, err := transitionToRow(t)
	if err != nil {
		return err
	}
	res, err := r.db.idb(ctx).NewUpdate().Model(row).
		Column("old_plan", "state", "payload", "failure_reason", "decided_by", "updated_at").
		WherePK().Where("state = ?", string(from)).Exec(ctx)
	if err != nil {
		return translate(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.New(errs.Conflict, "plan transition %s changed concurrently; read it again", t.ID)
	}
	return nil
}

// GetTransition implements subscription.LifecycleRepository.
func (r *SubscriptionRepo) GetTransition(ctx context.Context, tenantID, id string) (subscription.Transition, error) {
	if r.db.memoOn(ctx) {
		rows, err := r.db.memoTransitions(ctx, tenantID)
		if err != nil {
			return subscription.Transition{}, err
		}
		for _, row := range rows {
			if row.ID == id {
				return transitionFromRow(row)
			}
		}
		return subscription.Transition{}, errs.New(errs.NotFound, "plan transition %q not found", id)
	}
	return r.getTransition(ctx, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("tenant_id = ?", tenantID).Where("id = ?", id)
	}, id)
}

// WaitingTransition implements subscription.LifecycleRepository with one
// query (the in-flight index covers it).
func (r *SubscriptionRepo) WaitingTransition(ctx context.Context, tenantID string) (subscription.Transition, bool, error) {
	if r.db.memoOn(ctx) {
		rows, err := r.db.memoTransitions(ctx, tenantID)
		if err != nil {
			return subscription.Transition{}, false, err
		}
		for _, row := range rows {
			if row.State == string(subscription.StateWaitingForApproval) {
				t, err := transitionFromRow(row)
				return t, err == nil, err
			}
		}
		return subscription.Transition{}, false, nil
	}
	t, err := r.getTransition(ctx, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("tenant_id = ?", tenantID).Where("state = ?", string(subscription.StateWaitingForApproval)).Limit(1)
	}, "")
	if errs.Is(err, errs.NotFound) {
		return subscription.Transition{}, false, nil
	}
	return t, err == nil, err
}

// ListTransitions implements subscription.LifecycleRepository.
func (r *SubscriptionRepo) ListTransitions(ctx context.Context, tenantID string, state subscription.TransitionState, limit int) ([]subscription.Transition, error) {
	var rows []planTransitionRow
	if r.db.memoOn(ctx) {
		all, err := r.db.memoTransitions(ctx, tenantID)
		if err != nil {
			return nil, err
		}
		for _, row := range all {
			if limit > 0 && len(rows) == limit {
				break
			}
			if state == "" || row.State == string(state) {
				rows = append(rows, row)
			}
		}
	} else {
		q := r.db.idb(ctx).NewSelect().Model((*planTransitionRow)(nil)).Where("tenant_id = ?", tenantID)
		if state != "" {
			q = q.Where("state = ?", string(state))
		}
		// created_at then id: transitions created in the same microsecond
		// keep one order.
		if err := q.OrderExpr("created_at DESC, id DESC").Limit(int64(limit)).Scan(ctx, &rows); err != nil {
			return nil, translate(err)
		}
	}
	out := make([]subscription.Transition, 0, len(rows))
	for _, row := range rows {
		t, err := transitionFromRow(row)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// TransitionByID implements subscription.LifecycleRepository.
func (r *SubscriptionRepo) TransitionByID(ctx context.Context, id string) (subscription.Transition, error) {
	return r.getTransition(ctx, func(q *bun.SelectQuery) *bun.SelectQuery { return q.Where("id = ?", id) }, id)
}

func (r *SubscriptionRepo) getTransition(ctx context.Context, where func(*bun.SelectQuery) *bun.SelectQuery, id string) (subscription.Transition, error) {
	var row planTransitionRow
	err := where(r.db.idb(ctx).NewSelect().Model(&row)).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return subscription.Transition{}, errs.New(errs.NotFound, "plan transition %q not found", id)
	}
	if err != nil {
		return subscription.Transition{}, translate(err)
	}
	return transitionFromRow(row)
}

// TenantCreatedAt implements subscription.LifecycleRepository.
func (r *SubscriptionRepo) TenantCreatedAt(ctx context.Context, tenantID string) (time.Time, error) {
	if r.db.memoOn(ctx) {
		t, found, err := r.db.memoTenant(ctx, tenantID)
		if err == nil && !found {
			err = errs.New(errs.NotFound, "tenant not found")
		}
		return t.CreatedAt.UTC(), err
	}
	var at time.Time
	err := r.db.idb(ctx).NewRaw("SELECT created_at FROM tenants WHERE id = ?", tenantID).Scan(ctx, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, errs.New(errs.NotFound, "tenant not found")
	}
	return at.UTC(), translate(err)
}

// Subscriptions implements subscription.LifecycleRepository.
func (r *SubscriptionRepo) Subscriptions(ctx context.Context, tenantID string) ([]subscription.Subscription, error) {
	var rows []subscriptionRow
	var err error
	if r.db.memoOn(ctx) {
		rows, err = r.db.memoSubscriptions(ctx, tenantID)
	} else {
		err = translate(r.db.idb(ctx).NewSelect().Model(&rows).Where("tenant_id = ?", tenantID).
			OrderExpr("started_at, kind DESC, name, id").Scan(ctx))
	}
	if err != nil {
		return nil, err
	}
	out := make([]subscription.Subscription, len(rows))
	for i, s := range rows {
		out[i] = subscription.Subscription{TenantID: s.TenantID, ID: s.ID, Kind: subscription.Kind(s.Kind), Name: s.Name, Start: s.StartedAt.UTC()}
		if !s.EndedAt.IsZero() {
			out[i].End = s.EndedAt.UTC()
		}
	}
	return out, nil
}

// OpenSubscription implements subscription.LifecycleRepository: the partial
// unique indexes on open rows make a second open subscription a no-op.
func (r *SubscriptionRepo) OpenSubscription(ctx context.Context, s subscription.Subscription) (bool, error) {
	row := &subscriptionRow{TenantID: s.TenantID, ID: s.ID, Kind: string(s.Kind), Name: s.Name, StartedAt: s.Start.UTC()}
	res, err := r.db.idb(ctx).NewInsert().Model(row).On("CONFLICT DO NOTHING").Exec(ctx)
	if err != nil {
		return false, translate(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// CloseSubscription implements subscription.LifecycleRepository.
func (r *SubscriptionRepo) CloseSubscription(ctx context.Context, tenantID string, kind subscription.Kind, name string, at time.Time) (bool, error) {
	q := r.db.idb(ctx).NewUpdate().Model((*subscriptionRow)(nil)).Set("ended_at = ?", at.UTC()).
		Where("tenant_id = ?", tenantID).Where("kind = ?", string(kind)).Where("ended_at IS NULL")
	if kind != subscription.KindPlan {
		q = q.Where("name = ?", name)
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return false, translate(err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// RecordChange implements subscription.LifecycleRepository.
func (r *SubscriptionRepo) RecordChange(ctx context.Context, c subscription.PlanChange) error {
	_, err := r.db.idb(ctx).NewInsert().Model(&subscriptionChangeRow{TenantID: c.TenantID, ID: c.ID, TransitionID: c.TransitionID,
		OldPlan: c.OldPlan, NewPlan: c.NewPlan, ChangedAt: c.At.UTC()}).Exec(ctx)
	return translate(err)
}

// PlanChanges returns the tenant's plan changes, oldest first (for the
// invoice work and tests).
func (r *SubscriptionRepo) PlanChanges(ctx context.Context, tenantID string) ([]subscription.PlanChange, error) {
	var rows []subscriptionChangeRow
	if r.db.memoOn(ctx) {
		var err error
		if rows, err = r.db.memoPlanChanges(ctx, tenantID); err != nil {
			return nil, err
		}
	} else if err := r.db.idb(ctx).NewSelect().Model(&rows).Where("tenant_id = ?", tenantID).OrderExpr("changed_at, id").Scan(ctx); err != nil {
		return nil, translate(err)
	}
	out := make([]subscription.PlanChange, len(rows))
	for i, c := range rows {
		out[i] = subscription.PlanChange{TenantID: c.TenantID, ID: c.ID, TransitionID: c.TransitionID, OldPlan: c.OldPlan, NewPlan: c.NewPlan, At: c.ChangedAt.UTC()}
	}
	return out, nil
}
