// Package kernel holds the few ports every bounded context shares: the clock
// and the transaction runner. It has no business rules of its own.
package kernel

import (
	"context"
)

// TxRunner runs fn inside one database transaction. Repositories called with
// the ctx passed to fn take part in that transaction; fn's error rolls it back.
type TxRunner interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// IdempotencyStore remembers the answer to a request sent with an
// Idempotency-Key. Claim runs inside the caller's transaction and relies on a
// unique constraint, so two concurrent retries cannot both do the work.
type IdempotencyStore interface {
	// Claim records (tenant, scope, key) for a request whose body hashes to
	// requestHash. When the key was already used it returns the stored answer
	// and found=true; a different requestHash under the same key is a Conflict.
	Claim(ctx context.Context, tenantID, scope, key, requestHash string) (answer []byte, found bool, err error)
	// Complete stores the answer of a claimed key, in the same transaction.
	Complete(ctx context.Context, tenantID, scope, key string, answer []byte) error
}
