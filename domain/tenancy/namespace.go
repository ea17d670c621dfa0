package tenancy

import (
	"context"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/google/uuid"
)

// Namespace is a namespace of a tenant. It comes into being when first used
// (a token bound to it, a quota object, a reservation, usage) and is never
// removed.
type Namespace struct {
	TenantID  string
	Name      string
	CreatedAt time.Time
}

// namespaceUIDSpace seeds the namespace uids (UUID version 5).
var namespaceUIDSpace = uuid.MustParse("0d6f5f0e-3f5b-5a55-9d4e-6e616d657370")

// UID is the namespace's stable identifier: a UUID derived from the tenant
// id and the name, so it never changes and differs between tenants that
// use the same name.
func (n Namespace) UID() string {
	return uuid.NewSHA1(namespaceUIDSpace, []byte(n.TenantID+"/"+n.Name)).String()
}

// maxNamespacePage bounds one page of NamespacePage.
const maxNamespacePage = 500

// NamespacePage pages the caller's namespaces by name, after the given
// name, at most limit (1-500) of them. A namespace-bound token sees only
// its own namespace.
func (s *Service) NamespacePage(ctx context.Context, p Principal, after string, limit int) ([]Namespace, error) {
	if err := p.OnTenant(); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > maxNamespacePage {
		return nil, errs.New(errs.Invalid, "a page holds 1 to %d namespaces", maxNamespacePage)
	}
	if p.Namespace != "" {
		if after != "" && after >= p.Namespace {
			return nil, nil
		}
		n, err := s.repo.GetNamespace(ctx, p.TenantID, p.Namespace)
		if errs.Is(err, errs.NotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return []Namespace{n}, nil
	}
	return s.repo.NamespacePage(ctx, p.TenantID, after, limit)
}

// Namespace returns the caller's namespace called name: Invalid for a name
// that is no DNS-1035 label, Forbidden for a token bound to another
// namespace, NotFound for one the tenant never used.
func (s *Service) Namespace(ctx context.Context, p Principal, name string) (Namespace, error) {
	if err := p.OnTenant(); err != nil {
		return Namespace{}, err
	}
	if !ValidName(name) {
		return Namespace{}, &errs.Error{Kind: errs.Invalid, Message: "invalid request", Fields: []errs.FieldError{{Field: "name", Problem: "must be a DNS-1035 label"}}}
	}
	if err := p.Authorize(Read, name); err != nil {
		return Namespace{}, err
	}
	return s.repo.GetNamespace(ctx, p.TenantID, name)
}
