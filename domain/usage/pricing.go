package usage

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/money"
	"github.com/billingd/billingd/domain/plan"
)

// Span is one range [From, To) of whole UTC hours priced at Plan: the plan
// in force during those hours.
type Span struct {
	Plan     plan.Plan
	From, To time.Time
}

// PricedUsage prices the whole tenant's usage of the spans, each hour at
// the plan of the span containing it (the plan in force when the usage
// happened). Usage is summed per plan and usage type over every span of
// that plan, then priced once, so each line is rounded once: one line per
// (plan, usage type) with usage, in span order then rate card order. The
// rates of the last span's plan with no usage at all follow as
// STATUS_NO_DATA lines (reports list them; invoices leave them out), and
// usage a plan does not price as STATUS_NOT_MEASURED (amount 0). Lines
// carry the plan's name in Plan; when the spans have more than one plan the
// description names it too. It is for trusted callers (invoices), who
// authorized the tenant already. An amount beyond money.MaxCents is an
// error, never a saturated figure.
func (s *Service) PricedUsage(ctx context.Context, tenantID string, spans []Span) ([]CostLine, error) {
	if len(spans) == 0 {
		return nil, nil
	}
	cur := s.c.Plans.Catalog().Currency
	type group struct {
		plan     plan.Plan
		from, to time.Time
		sums     []typeSum
	}
	var groups []*group
	for _, sp := range spans {
		from, to := sp.From.UTC(), sp.To.UTC()
		if err := checkSpan(from, to, "from", "to"); err != nil {
			return nil, err
		}
		if !from.Before(to) {
			continue
		}
		i := slices.IndexFunc(groups, func(g *group) bool { return g.plan.Name == sp.Plan.Name })
		if i < 0 {
			groups = append(groups, &group{plan: sp.Plan, from: from, to: to})
			i = len(groups) - 1
		}
		g := groups[i]
		g.from, g.to = minTime(g.from, from), maxTime(g.to, to)
		rows, err := s.c.Repo.TypeTotals(ctx, tenantID, nil, from, to)
		if err != nil {
			return nil, err
		}
		g.sums = sumByType(append(sumRows(g.sums), rows...))
	}
	if len(groups) == 0 {
		return nil, nil
	}
	last := spans[len(spans)-1].Plan
	used := map[string]bool{}
	for _, g := range groups {
		for _, t := range g.sums {
			used[t.UsageType] = true
		}
	}
	var lines []CostLine
	for gi, g := range groups {
		lastGroup := g.plan.Name == last.Name && gi == slices.IndexFunc(groups, func(x *group) bool { return x.plan.Name == last.Name })
		sums := map[string]typeSum{}
		for _, t := range g.sums {
			sums[t.UsageType] = t
		}
		for _, r := range g.plan.RateCard {
			l := CostLine{UsageType: cmp.Or(r.DisplayName, r.MetricLabel), MetricLabels: []string{r.MetricLabel}, UnitName: r.UnitName,
				UnitNameBillable: r.UnitNameBillable, Currency: cur, Start: g.from, End: g.to, Status: StatusNoData,
				Plan: g.plan.Name, UnitPrice: r.PricePerBillable}
			t, ok := sums[r.MetricLabel]
			switch {
			case ok:
				pr := r.Price(t.Quantity)
				if pr.AmountCents > money.MaxCents {
					return nil, errs.New(errs.Invalid, "usage %s of %s %s prices beyond the largest amount billingd bills (%d cents) at plan %s",
						r.MetricLabel, t.Quantity, r.UnitName, money.MaxCents, g.plan.Name)
				}
				l.Quantity, l.Billable, l.AmountCents, l.Status = pr.Quantity, pr.Billable, pr.AmountCents, StatusActive
				delete(sums, r.MetricLabel)
			case !lastGroup || used[r.MetricLabel]:
				continue // unused here, and listed where it was used or as no data
			}
			if len(groups) > 1 && l.Status == StatusActive {
				l.UsageType += " at plan " + g.plan.Name
			}
			lines = append(lines, l)
		}
		for _, t := range g.sums {
			if _, ok := sums[t.UsageType]; ok {
				lines = append(lines, CostLine{UsageType: t.UsageType, MetricLabels: []string{t.UsageType}, Quantity: t.Quantity,
					UnitName: t.UnitName, Currency: cur, Start: g.from, End: g.to, Status: StatusNotMeasured, Plan: g.plan.Name})
			}
		}
	}
	return lines, nil
}

// sumRows turns sums back into rows, so a group's sums can be summed with
// another span's rows.
func sumRows(sums []typeSum) []Rollup {
	out := make([]Rollup, len(sums))
	for i, t := range sums {
		out[i] = Rollup{RollupKey: RollupKey{UsageType: t.UsageType}, UnitName: t.UnitName, Quantity: t.Quantity}
	}
	return out
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
