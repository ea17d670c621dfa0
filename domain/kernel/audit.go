package kernel

import "context"

// AuditRecord is one change to a tenant's data: who made it, what it was,
// and the object before and after (nil when it did not exist). Before and
// After are encoded as JSON, so they must not hold secrets.
type AuditRecord struct {
	TenantID  string
	Actor     string // "token:<id>" with its role, or "operator" for CLI actions
	Action    string // e.g. "quota.replace"
	Namespace string
	Object    string
	Before    any
	After     any
}

// Auditor appends audit records. Record runs inside the caller's
// transaction, so a change and its record commit or roll back together.
type Auditor interface {
	Record(ctx context.Context, r AuditRecord) error
}

// Audit records r with a. Every service requires its Auditor (unit tests
// of other rules pass one that drops the records).
func Audit(ctx context.Context, a Auditor, r AuditRecord) error {
	return a.Record(ctx, r)
}
