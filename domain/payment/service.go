package payment

import (
	"context"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/tenancy"
)

// Config wires a Service; every field is required.
type Config struct {
	Repo  Repository
	Tx    kernel.TxRunner
	Clock kernel.Clock
	Plans PlanSource
	// Audit records every change (never the provider token).
	Audit kernel.Auditor
}

// Service is the payment-method use cases. Writes need the admin role and
// reads any role; both are checked against the system namespace, since
// payment methods belong to the whole tenant (a token restricted to one
// namespace cannot see them).
type Service struct{ c Config }

// NewService checks the wiring and returns the service.
func NewService(c Config) (*Service, error) {
	var d kernel.Deps
	d.Need("Repo", c.Repo != nil)
	d.Need("Tx", c.Tx != nil)
	d.Need("Clock", c.Clock != nil)
	d.Need("Plans", c.Plans != nil)
	d.Need("Audit", c.Audit != nil)
	if err := d.Err("payment.NewService"); err != nil {
		return nil, err
	}
	return &Service{c: c}, nil
}

func authorize(p tenancy.Principal, a tenancy.Action) error {
	if err := p.OnTenant(); err != nil {
		return err
	}
	return p.Authorize(a, tenancy.SystemNamespace)
}

// Create stores a new payment method and returns it. A PRIMARY or SECONDARY
// role is applied exactly as MakePrimary / MakeSecondary would be on the new
// method, so the method holding that role before becomes NORMAL.
func (s *Service) Create(ctx context.Context, p tenancy.Principal, in CreateInput) (PaymentMethod, error) {
	err := authorize(p, tenancy.Admin)
	if err != nil {
		return PaymentMethod{}, err
	}
	if err := in.Validate(); err != nil {
		return PaymentMethod{}, err
	}
	if in.Contact.ContactType == "" {
		in.Contact.ContactType = ContactMailing
	}
	var m PaymentMethod
	err = s.c.Tx.InTx(ctx, func(ctx context.Context) error {
		// The counter row is locked first: it serialises creates of one
		// tenant even when it has no methods yet to lock.
		seq, err := s.c.Repo.NextSeq(ctx, p.TenantID)
		if err != nil {
			return err
		}
		ms, err := s.c.Repo.LockTenant(ctx, p.TenantID)
		if err != nil {
			return err
		}
		m = PaymentMethod{TenantID: p.TenantID, Name: NameFor(seq), Seq: seq, Token: in.Token, Role: RoleNormal,
			Contact: in.Contact, CreatedAt: s.c.Clock.Now().Truncate(time.Microsecond)}
		if err := s.c.Repo.Insert(ctx, m); err != nil {
			return err
		}
		var change Change
		switch in.Role {
		case RolePrimary:
			change = MakePrimary
		case RoleSecondary:
			change = MakeSecondary
		default:
			return s.audit(ctx, p, "payment_method.create", m.Name, nil, roleView([]PaymentMethod{m}, nil))
		}
		roles, err := s.apply(ctx, p, append(ms, m), m.Name, change)
		m.Role = roles[m.Name]
		if err != nil {
			return err
		}
		return s.audit(ctx, p, "payment_method.create", m.Name, nil, roleView(append(ms, m), roles))
	})
	if err != nil {
		return PaymentMethod{}, err
	}
	return m, nil
}

// withLockedMethods runs fn for an admin caller in one transaction that
// holds the tenant's payment methods, ms.
func (s *Service) withLockedMethods(ctx context.Context, p tenancy.Principal, fn func(ctx context.Context, p tenancy.Principal, ms []PaymentMethod) error) error {
	err := authorize(p, tenancy.Admin)
	if err != nil {
		return err
	}
	return s.c.Tx.InTx(ctx, func(ctx context.Context) error {
		ms, err := s.c.Repo.LockTenant(ctx, p.TenantID)
		if err != nil {
			return err
		}
		return fn(ctx, p, ms)
	})
}

// ChangeRole is ops 4 (primary), 5 (secondary) and 6 (swap-primary); see
// NextRoles for the rules. It runs in one transaction that holds the
// tenant's methods, so concurrent changes apply one after the other. On a
// paid plan a change that leaves no primary (making the primary secondary)
// is a Conflict, as deleting the primary is.
func (s *Service) ChangeRole(ctx context.Context, p tenancy.Principal, name string, change Change) error {
	return s.withLockedMethods(ctx, p, func(ctx context.Context, p tenancy.Principal, ms []PaymentMethod) error {
		roles, err := s.apply(ctx, p, ms, name, change)
		if err != nil {
			return err
		}
		return s.audit(ctx, p, "payment_method.role", name, roleView(ms, nil), roleView(ms, roles))
	})
}

// roleView is what the audit log keeps of payment methods: names and roles,
// never the provider token or the contact. roles overrides stored roles.
func roleView(ms []PaymentMethod, roles map[string]Role) map[string]Role {
	v := make(map[string]Role, len(ms))
	for _, m := range ms {
		v[m.Name] = m.Role
		if r, ok := roles[m.Name]; ok {
			v[m.Name] = r
		}
	}
	return v
}

func (s *Service) audit(ctx context.Context, p tenancy.Principal, action, name string, before, after any) error {
	return kernel.Audit(ctx, s.c.Audit, kernel.AuditRecord{TenantID: p.TenantID, Actor: p.Actor(), Action: action,
		Namespace: tenancy.SystemNamespace, Object: name, Before: before, After: after})
}

// apply computes the new roles and stores the ones that differ.
func (s *Service) apply(ctx context.Context, p tenancy.Principal, ms []PaymentMethod, name string, change Change) (map[string]Role, error) {
	roles, err := NextRoles(ms, name, change)
	if err != nil {
		return nil, err
	}
	if err := CheckRoles(roles); err != nil {
		return nil, err
	}
	// Demoting the primary without naming another one would leave a paid
	// plan with nothing to charge, exactly like deleting it; and once
	// demoted it could be deleted freely. So it is refused the same way.
	for _, m := range ms {
		if m.Role == RolePrimary && roles[m.Name] != RolePrimary && !hasRole(roles, RolePrimary) {
			if pl, paid, err := s.paidPlan(ctx, p); err != nil {
				return nil, err
			} else if paid {
				return nil, errs.New(errs.Conflict, "payment method %q is the primary one and plan %q is paid: it cannot become %s while no other method is primary; make another method primary (or swap-primary, or move to a free plan) first",
					m.Name, pl.Name, roles[m.Name])
			}
		}
	}
	diff := map[string]Role{}
	for _, m := range ms {
		if roles[m.Name] != m.Role {
			diff[m.Name] = roles[m.Name]
		}
	}
	if len(diff) == 0 {
		return roles, nil
	}
	return roles, s.c.Repo.SetRoles(ctx, p.TenantID, diff)
}

// Delete removes a payment method. The primary method cannot go while the
// tenant's current plan is paid: the next invoice would have nothing to
// charge. Deleting the primary leaves no primary; the secondary is not
// promoted (the tenant chooses with op 4).
func (s *Service) Delete(ctx context.Context, p tenancy.Principal, name string) error {
	return s.withLockedMethods(ctx, p, func(ctx context.Context, p tenancy.Principal, ms []PaymentMethod) error {
		var found *PaymentMethod
		for i := range ms {
			if ms[i].Name == name {
				found = &ms[i]
			}
		}
		if found == nil {
			return NotFound(name)
		}
		if found.Role == RolePrimary {
			pl, paid, err := s.paidPlan(ctx, p)
			if err != nil {
				return err
			}
			if paid {
				return errs.New(errs.Conflict, "payment method %q is the primary one and plan %q is paid: make another method primary (or move to a free plan) before deleting it", name, pl.Name)
			}
		}
		if err := s.c.Repo.Delete(ctx, p.TenantID, name); err != nil {
			return err
		}
		return s.audit(ctx, p, "payment_method.delete", name, roleView([]PaymentMethod{*found}, nil), nil)
	})
}

// paidPlan returns the tenant's current plan and whether it is charged:
// such a plan needs a primary payment method.
func (s *Service) paidPlan(ctx context.Context, p tenancy.Principal) (plan.Plan, bool, error) {
	pl, err := s.c.Plans.PlanOf(ctx, p)
	if err != nil {
		return plan.Plan{}, false, err
	}
	return pl, pl.FlatPriceCents > 0 && !pl.BillingDisabled, nil
}

func hasRole(roles map[string]Role, r Role) bool {
	for _, x := range roles {
		if x == r {
			return true
		}
	}
	return false
}

// List returns the tenant's payment methods ordered by number. Any role may
// list them; the provider token is shown to admins only.
func (s *Service) List(ctx context.Context, p tenancy.Principal) ([]PaymentMethod, error) {
	err := authorize(p, tenancy.Read)
	if err != nil {
		return nil, err
	}
	ms, err := s.c.Repo.List(ctx, p.TenantID)
	if err != nil {
		return nil, err
	}
	if p.Authorize(tenancy.Admin, tenancy.SystemNamespace) != nil {
		for i := range ms {
			ms[i].Token = ""
		}
	}
	return ms, nil
}
