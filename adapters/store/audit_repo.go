package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/billingd/billingd/domain/audit"
	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/uptrace/bun"
)

// AuditRepo appends and reads the audit log.
type AuditRepo struct {
	db    *DB
	clock kernel.Clock
}

// NewAuditRepo returns the audit repository.
func NewAuditRepo(db *DB, clock kernel.Clock) *AuditRepo { return &AuditRepo{db, clock} }

var (
	_ kernel.Auditor   = (*AuditRepo)(nil)
	_ audit.Repository = (*AuditRepo)(nil)
)

// Record appends r in the caller's transaction, numbered by the tenant's
// counter row (locked until commit, so numbers follow commit order).
func (r *AuditRepo) Record(ctx context.Context, rec kernel.AuditRecord) error {
	enc := func(v any) (sql.NullString, error) {
		if v == nil {
			return sql.NullString{}, nil
		}
		b, err := json.Marshal(v)
		return sql.NullString{String: string(b), Valid: true}, err
	}
	before, err := enc(rec.Before)
	if err != nil {
		return errs.Wrap(errs.Internal, err, "encode audit record")
	}
	after, err := enc(rec.After)
	if err != nil {
		return errs.Wrap(errs.Internal, err, "encode audit record")
	}
	db := r.db.idb(ctx)
	var seq int64
	if err := db.NewRaw(`INSERT INTO audit_seqs (tenant_id, last) VALUES (?, 1)
		ON CONFLICT (tenant_id) DO UPDATE SET last = audit_seqs.last + 1 RETURNING last`, rec.TenantID).Scan(ctx, &seq); err != nil {
		return translate(err)
	}
	_, err = db.NewRaw(`INSERT INTO audit_log (tenant_id, seq, at, actor, action, namespace, object, before, after)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		rec.TenantID, seq, r.clock.Now().UTC().Truncate(time.Microsecond), rec.Actor, rec.Action, rec.Namespace, rec.Object,
		before, after).Exec(ctx)
	return translate(err)
}

// auditRow is one audit_log row as List and Search read it.
type auditRow struct {
	Seq       int64          `bun:"seq"`
	At        time.Time      `bun:"at"`
	Actor     string         `bun:"actor"`
	Action    string         `bun:"action"`
	Namespace string         `bun:"namespace"`
	Object    string         `bun:"object"`
	Before    sql.NullString `bun:"before"`
	After     sql.NullString `bun:"after"`
}

func auditEntries(rows []auditRow) []audit.Entry {
	out := make([]audit.Entry, len(rows))
	for i, x := range rows {
		out[i] = audit.Entry{Seq: x.Seq, At: x.At.UTC(), Actor: x.Actor, Action: x.Action, Namespace: x.Namespace,
			Object: x.Object, Before: x.Before.String, After: x.After.String}
	}
	return out
}

// List reads a tenant's records after a sequence number, oldest first.
func (r *AuditRepo) List(ctx context.Context, tenantID string, afterSeq int64, limit int) ([]audit.Entry, error) {
	var rows []auditRow
	err := r.db.idb(ctx).NewRaw(`SELECT seq, at, actor, action, namespace, object, before, after FROM audit_log
		WHERE tenant_id = ? AND seq > ? ORDER BY seq LIMIT ?`, tenantID, afterSeq, limit).Scan(ctx, &rows)
	if err != nil {
		return nil, translate(err)
	}
	return auditEntries(rows), nil
}

// Search reads a tenant's records matching f, newest first, in one query
// (the primary key (tenant_id, seq) serves the order and the cursor).
func (r *AuditRepo) Search(ctx context.Context, tenantID string, f audit.Filter) ([]audit.Entry, error) {
	q := r.db.idb(ctx).NewSelect().TableExpr("audit_log").
		Column("seq", "at", "actor", "action", "namespace", "object", "before", "after").
		Where("tenant_id = ?", tenantID)
	if f.BeforeSeq > 0 {
		q = q.Where("seq < ?", f.BeforeSeq)
	}
	if len(f.Actions) > 0 {
		q = q.Where("action IN (?)", bun.List(f.Actions))
	}
	if f.Namespace != "" {
		q = q.Where("namespace = ?", f.Namespace)
	}
	if !f.From.IsZero() {
		q = q.Where("at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("at < ?", f.To.UTC())
	}
	var rows []auditRow
	if err := q.OrderExpr("seq DESC").Limit(int64(f.Limit)).Scan(ctx, &rows); err != nil {
		return nil, translate(err)
	}
	return auditEntries(rows), nil
}
