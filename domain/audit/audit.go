// Package audit reads the append-only audit log that every other service
// writes through kernel.Auditor in the same transaction as its change.
package audit

import (
	"context"
	"fmt"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/domain/text"
)

// Entry is one stored audit record.
type Entry struct {
	Seq       int64
	At        time.Time
	Actor     string
	Action    string
	Namespace string
	Object    string
	Before    string // JSON, empty when the object did not exist before
	After     string // JSON, empty when the object no longer exists
}

// Repository reads a tenant's audit log.
type Repository interface {
	// List reads the records after a sequence number, oldest first.
	List(ctx context.Context, tenantID string, afterSeq int64, limit int) ([]Entry, error)
	// Search reads the records matching f, newest first, with one query.
	Search(ctx context.Context, tenantID string, f Filter) ([]Entry, error)
}

// Filter selects audit records for Search: every field set must match.
type Filter struct {
	// BeforeSeq keeps records older than this sequence number (0: none).
	BeforeSeq int64
	// Actions keeps records whose action is one of these (empty: all).
	Actions []string
	// Namespace keeps records of this namespace ("": all).
	Namespace string
	// From and To keep records with From <= At < To (zero: unbounded).
	From, To time.Time
	// Limit is the most records returned, 1 to 500.
	Limit int
}

// MaxActions bounds Filter.Actions.
const MaxActions = 50

// Service lets admins read their tenant's audit log.
type Service struct{ repo Repository }

// Config wires a Service; every field is required.
type Config struct {
	Repo Repository
}

// NewService returns the audit reader.
func NewService(c Config) (*Service, error) {
	if c.Repo == nil {
		return nil, fmt.Errorf("audit.NewService: Repo required")
	}
	return &Service{repo: c.Repo}, nil
}

// List returns up to limit entries after afterSeq. Only admins may read it:
// it shows every change of the tenant, in every namespace.
func (s *Service) List(ctx context.Context, p tenancy.Principal, afterSeq int64, limit int) ([]Entry, error) {
	if err := p.OnTenant(); err != nil {
		return nil, err
	}
	if err := p.Authorize(tenancy.Admin, tenancy.SystemNamespace); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	return s.repo.List(ctx, p.TenantID, afterSeq, limit)
}

// Search returns the records matching f, newest first (admins only, as
// List). A bad filter is Invalid, naming the field.
func (s *Service) Search(ctx context.Context, p tenancy.Principal, f Filter) ([]Entry, error) {
	if err := p.OnTenant(); err != nil {
		return nil, err
	}
	if err := p.Authorize(tenancy.Admin, tenancy.SystemNamespace); err != nil {
		return nil, err
	}
	var bad errs.Fields
	if f.Limit < 1 || f.Limit > 500 {
		bad.Add("limit", "must be between 1 and 500")
	}
	if len(f.Actions) > MaxActions {
		bad.Add("actions", "may name at most %d actions", MaxActions)
	}
	for i, a := range f.Actions {
		if pr := text.Problem(a); pr != "" || a == "" || len(a) > 128 {
			bad.Add(fmt.Sprintf("actions[%d]", i), "must be an action name such as \"quota.replace\"")
		}
	}
	if f.Namespace != "" && !tenancy.ValidName(f.Namespace) {
		bad.Add("namespace", "must be a DNS-1035 label")
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		bad.Add("to", "must be after from")
	}
	if f.BeforeSeq < 0 {
		bad.Add("before", "is not a record of this log")
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	return s.repo.Search(ctx, p.TenantID, f)
}
