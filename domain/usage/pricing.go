package usage

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/money"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/tenancy"
)

// Span is one range [From, To) of whole UTC hours priced at Plan: the plan
// in force during those hours.
type Span struct {
	Plan     plan.Plan
	From, To time.Time
}

// Pricer prices usage from the rollups at the rates of plans. It stands
// apart from Service so that the graph has no cycle: the invoices price
// through a Pricer, and the Service's money reports read the invoices'
// statements (Config.Statements).
type Pricer struct {
	repo  Repository
	plans PlanSource
}

// NewPricer returns the pricer of repo's usage at plans' catalog.
func NewPricer(repo Repository, plans PlanSource) (*Pricer, error) {
	var d kernel.Deps
	d.Need("Repo", repo != nil)
	d.Need("Plans", plans != nil)
	if err := d.Err("usage.NewPricer"); err != nil {
		return nil, err
	}
	return &Pricer{repo: repo, plans: plans}, nil
}

// PricedUsage prices the whole tenant's usage of each set of spans (the
// i-th answer prices sets[i]) with one read of the usage, whatever the
// number of sets: each hour is priced at the plan of the span containing it
// (the plan in force when the usage happened). Usage is summed per plan and
// usage type over every span of that plan in the set, then priced once, so
// each line is rounded once: one line per (plan, usage type) with usage, in
// span order then rate card order. The rates of the set's last plan with no
// usage at all follow as STATUS_NO_DATA lines (reports list them; invoices
// leave them out), and usage a plan does not price as STATUS_NOT_MEASURED
// (amount 0). When a set has more than one plan, descriptions name it. An
// amount beyond money.MaxCents is an error, never a saturated figure.
//
// p acts on the tenant. It is priced whole for the invoices, which show it
// to tenant-wide readers only, and for a namespace's report, which shows
// that namespace's share (usage reports authorize p on what they answer).
func (s *Pricer) PricedUsage(ctx context.Context, p tenancy.Principal, sets ...[]Span) ([][]CostLine, error) {
	if err := p.OnTenant(); err != nil {
		return nil, err
	}
	// Pricing needs each usage type's quantity per span (an hour belongs to
	// the plan of its span), not per object or hour: the per-type sums of
	// every distinct span of every set, read at once.
	var ranges []Window
	at := map[Window]int{}
	for _, spans := range sets {
		for _, sp := range spans {
			if err := checkSpan(sp.From, sp.To, "from", "to"); err != nil {
				return nil, err
			}
			r := Window{From: sp.From.UTC(), To: sp.To.UTC()}
			if _, ok := at[r]; !ok && r.From.Before(r.To) {
				at[r] = len(ranges)
				ranges = append(ranges, r)
			}
		}
	}
	out := make([][]CostLine, len(sets))
	if len(ranges) == 0 {
		return out, nil
	}
	totals, err := s.repo.RangeTotals(ctx, p.TenantID, ranges)
	if err != nil {
		return nil, err
	}
	for i, spans := range sets {
		if out[i], err = s.priceSpans(spans, func(sp Span) []Rollup {
			return totals[at[Window{From: sp.From.UTC(), To: sp.To.UTC()}]]
		}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// priceSpans is PricedUsage of one set of spans; sums gives a span's
// sums per usage type and unit.
func (s *Pricer) priceSpans(spans []Span, sums func(Span) []Rollup) ([]CostLine, error) {
	cur := s.plans.Catalog().Currency
	type group struct {
		plan     plan.Plan
		from, to time.Time
		rows     []Rollup
	}
	var groups []*group
	for _, sp := range spans {
		from, to := sp.From.UTC(), sp.To.UTC()
		if !from.Before(to) {
			continue
		}
		i := slices.IndexFunc(groups, func(g *group) bool { return g.plan.Name == sp.Plan.Name })
		if i < 0 {
			groups = append(groups, &group{plan: sp.Plan, from: from, to: to})
			i = len(groups) - 1
		}
		g := groups[i]
		g.from, g.to = kernel.Earlier(g.from, from), kernel.Later(g.to, to)
		g.rows = append(g.rows, sums(sp)...)
	}
	if len(groups) == 0 {
		return nil, nil
	}
	last := spans[len(spans)-1].Plan.Name
	used := map[string]bool{}
	for _, g := range groups {
		for _, r := range g.rows {
			used[r.UsageType] = true
		}
	}
	var lines []CostLine
	for _, g := range groups {
		sums := map[string]typeSum{}
		ordered := sumByType(g.rows)
		for _, t := range ordered {
			sums[t.UsageType] = t
		}
		for _, r := range g.plan.RateCard {
			l := NoDataLine(r, g.plan.Name, cur, g.from, g.to)
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
				if len(groups) > 1 {
					l.UsageType = AtPlan(l.UsageType, g.plan.Name)
				}
			case g.plan.Name != last || used[r.MetricLabel]:
				continue // listed where it was used, or as no data under the last plan
			}
			lines = append(lines, l)
		}
		for _, t := range ordered {
			if _, ok := sums[t.UsageType]; ok {
				lines = append(lines, CostLine{UsageType: t.UsageType, MetricLabels: []string{t.UsageType}, Quantity: t.Quantity,
					UnitName: t.UnitName, Currency: cur, Start: g.from, End: g.to, Status: StatusNotMeasured, Plan: g.plan.Name})
			}
		}
	}
	return lines, nil
}

// NoDataLine is the report line of rate r of plan pl when [from, to) has no
// usage of its type: listed with zero values, as the legacy reports do.
func NoDataLine(r plan.Rate, pl, currency string, from, to time.Time) CostLine {
	return CostLine{UsageType: cmp.Or(r.DisplayName, r.MetricLabel), MetricLabels: []string{r.MetricLabel}, UnitName: r.UnitName,
		UnitNameBillable: r.UnitNameBillable, Currency: currency, Start: from, End: to, Status: StatusNoData,
		Plan: pl, UnitPrice: r.PricePerBillable}
}

// atPlan joins a usage line's name and the plan that priced it, as a month
// priced at several plans names its lines ("vCPU Hours at plan team").
// Invoices store that name as the line's description, so the stored
// invoices are read back with SplitAtPlan: the two are the one place the
// convention is written.
const atPlan = " at plan "

// AtPlan returns name qualified by planName.
func AtPlan(name, planName string) string { return name + atPlan + planName }

// SplitAtPlan splits a name made by AtPlan into the usage line's name and
// the plan; a name without a plan comes back whole with ok false.
func SplitAtPlan(name string) (base, planName string, ok bool) {
	i := strings.LastIndex(name, atPlan)
	if i < 0 {
		return name, "", false
	}
	return name[:i], name[i+len(atPlan):], true
}
