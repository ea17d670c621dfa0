package usage

import (
	"context"
	"time"

	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/tenancy"
)

// CostForTenant prices the whole tenant's usage of [from, to) exactly as
// CurrentUsage does for the system namespace (flat price lines included),
// for the invoices of the tenant p acts on (its running invoice, read by the
// tenant; every tenant's closing, by an operator or the scheduler acting on
// it). It is a tenant-wide read. pl is the plan to price at; nil means the
// tenant's current plan. from and to must already be whole UTC hours
// (calendar months are).
func (s *Service) CostForTenant(ctx context.Context, p tenancy.Principal, pl *plan.Plan, from, to time.Time) (Cost, error) {
	if err := tenantWide(p); err != nil {
		return Cost{}, err
	}
	from, to = from.UTC(), to.UTC()
	if err := checkSpan(from, to, "from", "to"); err != nil {
		return Cost{}, err
	}
	var priced plan.Plan
	if pl != nil {
		priced = *pl
	} else {
		var err error
		if priced, err = s.c.Plans.PlanOf(ctx, p); err != nil {
			return Cost{}, err
		}
	}
	rows, err := s.c.Repo.Rollups(ctx, p.TenantID, nil, from, to)
	if err != nil {
		return Cost{}, err
	}
	cur := s.c.Plans.Catalog().Currency
	c := Cost{From: from, To: to, Currency: cur, Lines: priceLines(priced, cur, sumByType(rows), from, to, true)}
	c.TotalCents = addCents(totalOf(c.Lines), -c.DiscountCents)
	return c, nil
}

// Span is one range [From, To) of whole UTC hours to price at Plan.
type Span struct {
	Plan     plan.Plan
	From, To time.Time
}

// CostsForTenant is CostForTenant for several spans with one read of the
// usage (the range covering them all): the i-th cost prices spans[i].
func (s *Service) CostsForTenant(ctx context.Context, p tenancy.Principal, spans []Span) ([]Cost, error) {
	if err := tenantWide(p); err != nil {
		return nil, err
	}
	if len(spans) == 0 {
		return nil, nil
	}
	var from, to time.Time
	for i, sp := range spans {
		sp.From, sp.To = sp.From.UTC(), sp.To.UTC()
		if err := checkSpan(sp.From, sp.To, "from", "to"); err != nil {
			return nil, err
		}
		if i == 0 || sp.From.Before(from) {
			from = sp.From
		}
		if i == 0 || sp.To.After(to) {
			to = sp.To
		}
		spans[i] = sp
	}
	rows, err := s.c.Repo.Rollups(ctx, p.TenantID, nil, from, to)
	if err != nil {
		return nil, err
	}
	cur := s.c.Plans.Catalog().Currency
	out := make([]Cost, len(spans))
	for i, sp := range spans {
		var in []Rollup
		for _, r := range rows {
			if h := r.Hour.UTC(); !h.Before(sp.From) && h.Before(sp.To) {
				in = append(in, r)
			}
		}
		c := Cost{From: sp.From, To: sp.To, Currency: cur, Lines: priceLines(sp.Plan, cur, sumByType(in), sp.From, sp.To, true)}
		c.TotalCents = addCents(totalOf(c.Lines), -c.DiscountCents)
		out[i] = c
	}
	return out, nil
}

// tenantWide authorizes a read of the whole tenant p acts on: a credential
// bound to one namespace may not read the tenant's invoiced usage.
func tenantWide(p tenancy.Principal) error {
	if err := p.OnTenant(); err != nil {
		return err
	}
	return p.Authorize(tenancy.Read, tenancy.SystemNamespace)
}
