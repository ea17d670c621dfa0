// Package audit reads the append-only audit log that every other service
// writes through kernel.Auditor in the same transaction as its change.
package audit

import (
	"context"
	"fmt"
	"time"

	"github.com/billingd/billingd/domain/tenancy"
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

// Repository reads a tenant's audit log, oldest first, after a sequence number.
type Repository interface {
	List(ctx context.Context, tenantID string, afterSeq int64, limit int) ([]Entry, error)
}

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
