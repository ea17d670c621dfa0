package store

import (
	"context"
	"database/sql"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/kernel"
)

// IdempotencyRepo implements kernel.IdempotencyStore.
type IdempotencyRepo struct {
	db    *DB
	clock kernel.Clock
}

// NewIdempotencyRepo returns the idempotency-key store.
func NewIdempotencyRepo(db *DB, clock kernel.Clock) *IdempotencyRepo {
	return &IdempotencyRepo{db, clock}
}

var _ kernel.IdempotencyStore = (*IdempotencyRepo)(nil)

// Claim inserts the key or reads the answer stored under it. The insert runs
// in the caller's transaction; a concurrent twin waits on the primary key
// until the first commits, then sees its answer.
func (r *IdempotencyRepo) Claim(ctx context.Context, tenantID, scope, key, requestHash string) ([]byte, bool, error) {
	db := r.db.idb(ctx)
	res, err := db.NewRaw(`INSERT INTO idempotency_keys (tenant_id, scope, key, request_hash, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (tenant_id, scope, key) DO NOTHING`, tenantID, scope, key, requestHash, r.clock.Now()).Exec(ctx)
	if err != nil {
		return nil, false, translate(err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil, false, nil
	}
	var row struct {
		RequestHash string         `bun:"request_hash"`
		Answer      sql.NullString `bun:"answer"`
	}
	if err := db.NewRaw(`SELECT request_hash, answer FROM idempotency_keys WHERE tenant_id = ? AND scope = ? AND key = ?`,
		tenantID, scope, key).Scan(ctx, &row); err != nil {
		return nil, false, translate(err)
	}
	var answer *string
	if row.Answer.Valid {
		answer = &row.Answer.String
	}
	b, err := claimedAnswer(key, requestHash, row.RequestHash, answer)
	return b, err == nil, err
}

// claimedAnswer is the answer stored under a key claimed before (by
// Claim or quota_reserve_slots): a Conflict when it was claimed for another
// request (storedHash) or its answer is not stored yet (nil).
func claimedAnswer(key, requestHash, storedHash string, answer *string) ([]byte, error) {
	if storedHash != requestHash {
		return nil, errs.New(errs.Conflict, "Idempotency-Key %q was already used for a different request", key)
	}
	if answer == nil {
		return nil, errs.New(errs.Conflict, "a request with Idempotency-Key %q is still in progress", key)
	}
	return []byte(*answer), nil
}

// Complete stores the answer of a claimed key.
func (r *IdempotencyRepo) Complete(ctx context.Context, tenantID, scope, key string, answer []byte) error {
	_, err := r.db.idb(ctx).NewRaw(`UPDATE idempotency_keys SET answer = ? WHERE tenant_id = ? AND scope = ? AND key = ?`,
		string(answer), tenantID, scope, key).Exec(ctx)
	return translate(err)
}
