package invoice

import (
	"context"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/tenancy"
)

// MaxList caps custom_list?limit (and is its default).
const MaxList = 1000

// Config wires a Service; every field but Issuer is required.
type Config struct {
	Repo          Repository
	Tx            kernel.TxRunner
	Clock         kernel.Clock
	Plans         PlanSource
	Usage         UsageSource
	Subscriptions SubscriptionSource
	Renderer      Renderer
	// Contacts gives the bill-to party of each invoice; a tenant without
	// one is addressed by its name alone.
	Contacts ContactSource
	// Issuer is who issues the invoices; the zero value means DefaultIssuer.
	Issuer Issuer
	// Audit gets an "invoice.issue" record for each issued
	// invoice and an "invoice.status" record for each status change, in
	// the same transaction as the change.
	Audit kernel.Auditor
}

// Service is the invoice use cases. Every method authorizes the principal
// it is given first; setting statuses, closing months and marking invoices
// overdue are for operators (the CLI's Operator, the scheduler's System).
type Service struct{ c Config }

// NewService checks the wiring and returns the service.
func NewService(c Config) (*Service, error) {
	var d kernel.Deps
	d.Need("Repo", c.Repo != nil)
	d.Need("Tx", c.Tx != nil)
	d.Need("Clock", c.Clock != nil)
	d.Need("Plans", c.Plans != nil)
	d.Need("Usage", c.Usage != nil)
	d.Need("Subscriptions", c.Subscriptions != nil)
	d.Need("Renderer", c.Renderer != nil)
	d.Need("Contacts", c.Contacts != nil)
	d.Need("Audit", c.Audit != nil)
	if err := d.Err("invoice.NewService"); err != nil {
		return nil, err
	}
	// The zero Issuer is DefaultIssuer; an empty prefix is DefaultPrefix.
	iss := c.Issuer
	if iss.IsZero() && iss.NumberPrefix == "" {
		iss = DefaultIssuer()
	}
	if f := iss.Validate(); len(f) > 0 {
		return nil, f.Err()
	}
	if iss.NumberPrefix == "" {
		iss.NumberPrefix = DefaultPrefix
	}
	c.Issuer = iss
	return &Service{c: c}, nil
}

// Issuer returns the issuer of the invoices issued from now on.
func (s *Service) Issuer() Issuer { return s.c.Issuer }

func (s *Service) now() time.Time { return s.c.Clock.Now().UTC().Truncate(time.Microsecond) }

// reader authorizes a tenant-wide read: invoices belong to the tenant, so a
// token limited to one namespace may not read them.
func reader(p tenancy.Principal) error {
	if err := p.OnTenant(); err != nil {
		return err
	}
	return p.Authorize(tenancy.Read, tenancy.SystemNamespace)
}

// List is op 3: the running invoice first, then the issued ones, newest
// period first, at most limit in all (limit <= 0 means MaxList).
func (s *Service) List(ctx context.Context, p tenancy.Principal, limit int) ([]Invoice, error) {
	if err := reader(p); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > MaxList {
		limit = MaxList
	}
	pending, err := s.pending(ctx, p)
	if err != nil {
		return nil, err
	}
	issued, err := s.c.Repo.List(ctx, p.TenantID, limit)
	if err != nil {
		return nil, err
	}
	out := append([]Invoice{pending}, issued...)
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// Get returns an invoice of the caller's tenant with its lines: the running
// one by its pending name, or an issued one. Unknown → NotFound.
func (s *Service) Get(ctx context.Context, p tenancy.Principal, name string) (Invoice, error) {
	if err := reader(p); err != nil {
		return Invoice{}, err
	}
	return s.get(ctx, p, name)
}

func (s *Service) get(ctx context.Context, on tenancy.Principal, name string) (Invoice, error) {
	if name == "" {
		return Invoice{}, (errs.Fields{{Field: "name", Problem: "is required"}}).Err()
	}
	if name == PendingName(PeriodOf(s.now())) {
		return s.pending(ctx, on)
	}
	return s.c.Repo.Get(ctx, on.TenantID, name)
}

// LinesOf returns the lines of the caller's tenant's invoices of the given
// names, by name, with one read of the issued ones' lines (the running
// invoice, by its pending name, is computed). Unknown names, and invoices
// with no lines, are left out.
func (s *Service) LinesOf(ctx context.Context, p tenancy.Principal, names []string) (map[string][]Line, error) {
	if err := reader(p); err != nil {
		return nil, err
	}
	pendingName := PendingName(PeriodOf(s.now()))
	issued := make([]string, 0, len(names))
	out := make(map[string][]Line, len(names))
	for _, n := range names {
		if n == pendingName {
			if _, done := out[n]; done {
				continue
			}
			inv, err := s.pending(ctx, p)
			if err != nil {
				return nil, err
			}
			out[n] = inv.Lines
			continue
		}
		issued = append(issued, n)
	}
	if len(issued) == 0 {
		return out, nil
	}
	lines, err := s.c.Repo.Lines(ctx, p.TenantID, issued)
	if err != nil {
		return nil, err
	}
	for n, ls := range lines {
		out[n] = ls
	}
	return out, nil
}

// PDF is op 2: the invoice rendered as a PDF document.
func (s *Service) PDF(ctx context.Context, p tenancy.Principal, name string) ([]byte, error) {
	inv, err := s.Get(ctx, p, name)
	if err != nil {
		return nil, err
	}
	return s.c.Renderer.Render(inv)
}

// StatusChanges returns the audit trail of an issued invoice of the caller's tenant.
func (s *Service) StatusChanges(ctx context.Context, p tenancy.Principal, name string) ([]StatusChange, error) {
	if err := reader(p); err != nil {
		return nil, err
	}
	if _, err := s.c.Repo.Get(ctx, p.TenantID, name); err != nil {
		return nil, err
	}
	return s.c.Repo.StatusChanges(ctx, p.TenantID, name)
}

// StatusChangesOf returns the audit trails of the caller's invoices called
// names with one read, each oldest first (for a page of invoices); names
// without changes (the running invoice, an unknown name) have no entry.
func (s *Service) StatusChangesOf(ctx context.Context, p tenancy.Principal, names []string) (map[string][]StatusChange, error) {
	if err := reader(p); err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return map[string][]StatusChange{}, nil
	}
	return s.c.Repo.StatusChangesOf(ctx, p.TenantID, names)
}

// SetStatus moves an issued invoice of the tenant the caller acts on to
// status to. Marking invoices paid or cancelled is an operator decision: a
// tenant's own tokens, even an admin's, are Forbidden. The operator is the
// actor of the audit entry ("operator:<token id>" for an operator token,
// the command line's actor for its Operator).
func (s *Service) SetStatus(ctx context.Context, p tenancy.Principal, name string, to Status) (Invoice, error) {
	if err := p.OnTenant(); err != nil {
		return Invoice{}, err
	}
	if err := p.RequireOperator("changing an invoice's status"); err != nil {
		return Invoice{}, err
	}
	tenantID, actor := p.TenantID, p.Actor()
	var inv Invoice
	err := s.c.Tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		if inv, err = s.get(ctx, p, name); err != nil {
			return err
		}
		if !CanMove(inv.Status, to) {
			return errs.New(errs.Conflict, "invoice %s is %s and cannot become %s; allowed from %s: %v", name, inv.Status, to, inv.Status, transitions[inv.Status])
		}
		c := StatusChange{TenantID: tenantID, Invoice: inv.Name, At: s.now(), Actor: actor, From: inv.Status, To: to}
		if err := s.c.Repo.SetStatus(ctx, c); err != nil {
			return err
		}
		inv.Status = to
		return s.auditStatus(ctx, c)
	})
	return inv, err
}

// auditStatus appends the status change c to the append-only audit log.
func (s *Service) auditStatus(ctx context.Context, c StatusChange) error {
	return kernel.Audit(ctx, s.c.Audit, kernel.AuditRecord{TenantID: c.TenantID, Actor: c.Actor, Action: "invoice.status",
		Namespace: tenancy.SystemNamespace, Object: c.Invoice,
		Before: map[string]string{"status": string(c.From)}, After: map[string]string{"status": string(c.To)}})
}

// auditIssue appends the issue of inv (by actor) to the append-only audit log.
func (s *Service) auditIssue(ctx context.Context, inv Invoice, actor string) error {
	return kernel.Audit(ctx, s.c.Audit, kernel.AuditRecord{TenantID: inv.TenantID, Actor: actor, Action: "invoice.issue",
		Namespace: tenancy.SystemNamespace, Object: inv.Name, After: map[string]any{
			"number": inv.Number, "period": inv.Period.String(), "status": string(inv.Status), "plan": inv.PlanName,
			"currency": inv.Currency, "amount_cents": inv.AmountCents, "subtotal_cents": inv.SubtotalCents(),
			"tax_cents": inv.Tax.AmountCents, "tax_percent": inv.Tax.Percent.String(), "lines": len(inv.Lines),
			"issued_at": inv.IssuedAt.Format(time.RFC3339Nano), "due_at": inv.DueAt.Format(time.RFC3339Nano)}})
}

// MarkOverdue moves every ISSUED invoice past its due date to OVERDUE, as
// p's actor (the scheduler's System("scheduler")), and returns how many
// moved. It is an operator's work over every tenant. An invoice paid
// meanwhile (a Conflict) is skipped.
func (s *Service) MarkOverdue(ctx context.Context, p tenancy.Principal) (int, error) {
	if err := p.Caller(); err != nil {
		return 0, err
	}
	if err := p.RequireOperator("marking invoices overdue"); err != nil {
		return 0, err
	}
	now := s.now()
	due, err := s.c.Repo.PastDue(ctx, now)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, inv := range due {
		err := s.c.Tx.InTx(ctx, func(ctx context.Context) error {
			c := StatusChange{TenantID: inv.TenantID, Invoice: inv.Name, At: now, Actor: p.Actor(), From: StatusIssued, To: StatusOverdue}
			if err := s.c.Repo.SetStatus(ctx, c); err != nil {
				return err
			}
			return s.auditStatus(ctx, c)
		})
		switch {
		case err == nil:
			n++
		case errs.Is(err, errs.Conflict):
		default:
			return n, err
		}
	}
	return n, nil
}
