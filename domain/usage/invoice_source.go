package usage

import (
	"context"
	"time"

	"github.com/billingd/billingd/domain/plan"
)

// CostForTenant prices the whole tenant's usage of [from, to) exactly as
// CurrentUsage does for the system namespace (flat price lines included),
// for trusted callers that act without a tenant token (invoice closing).
// pl is the plan to price at; nil means the tenant's current plan. from and
// to must already be whole UTC hours (calendar months are).
func (s *Service) CostForTenant(ctx context.Context, tenantID string, pl *plan.Plan, from, to time.Time) (Cost, error) {
	from, to = from.UTC(), to.UTC()
	if err := checkSpan(from, to, "from", "to"); err != nil {
		return Cost{}, err
	}
	var p plan.Plan
	if pl != nil {
		p = *pl
	} else {
		var err error
		if p, err = s.c.Plans.PlanOf(ctx, tenantID); err != nil {
			return Cost{}, err
		}
	}
	rows, err := s.c.Repo.Rollups(ctx, tenantID, nil, from, to)
	if err != nil {
		return Cost{}, err
	}
	cur := s.c.Plans.Catalog().Currency
	c := Cost{From: from, To: to, Currency: cur, Lines: priceLines(p, cur, sumByType(rows), from, to, true)}
	c.TotalCents = addCents(totalOf(c.Lines), -c.DiscountCents)
	return c, nil
}
