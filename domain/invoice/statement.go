package invoice

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/money"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/subscription"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/domain/usage"
	"github.com/shopspring/decimal"
)

// stint is a stretch of time a tenant spent on one plan: [from, to), to
// zero while it lasts. The first stint starts when the tenant was created.
// Its flat price is due from trialEnd on.
type stint struct {
	plan     plan.Plan
	from, to time.Time
	trialEnd time.Time
}

// timeline returns the tenant's stints from its plan changes (oldest
// first): before the first change the tenant was on that change's old plan
// since its creation, after the last it is on cur.
func timeline(cat *plan.Catalog, cur plan.Plan, changes []subscription.PlanChange, created time.Time) ([]stint, error) {
	var out []stint
	from := created.UTC()
	for _, c := range changes {
		pl := cur
		if c.OldPlan != cur.Name {
			var ok bool
			if pl, ok = cat.Plan(c.OldPlan); !ok {
				return nil, errs.New(errs.Internal, "tenant %s was on plan %q, which the catalog no longer has", c.TenantID, c.OldPlan)
			}
		}
		at := c.At.UTC()
		out = append(out, stint{plan: pl, from: from, to: at, trialEnd: subscription.TrialEnd(from, pl)})
		from = at
	}
	return append(out, stint{plan: cur, from: from, trialEnd: subscription.TrialEnd(from, cur)}), nil
}

// usageSpans cuts [from, to) (whole hours) into the spans of the plans in
// force: an hour of usage is priced at the plan in force at its start, so
// a change at 10:30 prices the 10:00 hour at the old plan and the 11:00
// hour at the new one. Usage before the tenant's first stint (late events
// of before its creation) is priced at its first plan.
func usageSpans(stints []stint, from, to time.Time) []usage.Span {
	var out []usage.Span
	for i, st := range stints {
		a, b := from, to
		if i > 0 {
			a = kernel.Later(a, ceilHour(st.from))
		}
		if !st.to.IsZero() {
			b = kernel.Earlier(b, ceilHour(st.to))
		}
		if a.Before(b) {
			out = append(out, usage.Span{Plan: st.plan, From: a, To: b})
		}
	}
	return out
}

func ceilHour(t time.Time) time.Time {
	if h := t.Truncate(time.Hour); !h.Equal(t) {
		return h.Add(time.Hour)
	}
	return t
}

// interval is a stretch [from, to) of a period something was billed for.
type interval struct{ from, to time.Time }

// proratedLine charges monthly price (cents) for the intervals of period p
// (inside it, not overlapping), prorated to the second and rounded once:
// price × seconds / seconds of p, half-up. name is what is charged ("Team
// plan"); the description adds the time when it is not the whole period.
func proratedLine(kind LineKind, name string, price int64, p Period, ivs []interval) (Line, error) {
	var secs int64
	for _, iv := range ivs {
		secs += int64(iv.to.Sub(iv.from) / time.Second)
	}
	length := int64(p.End().Sub(p.Start()) / time.Second)
	amount, err := money.Cents(name+" for "+p.String(), decimal.NewFromInt(price).Mul(decimal.NewFromInt(secs)).Div(decimal.NewFromInt(length)))
	if err != nil {
		return Line{}, err
	}
	share := decimal.NewFromInt(secs).DivRound(decimal.NewFromInt(length), 4)
	desc := name
	if secs != length {
		days := decimal.NewFromInt(secs).Div(decimal.NewFromInt(86400)).StringFixedBank(2)
		of := fmt.Sprintf("(%s of %d days)", days, length/86400)
		if len(ivs) == 1 {
			desc += fmt.Sprintf(" from %s %s %s", PlainTime(ivs[0].from), Until(ivs[0].to), of)
		} else {
			desc += fmt.Sprintf(", %d stretches in %s %s", len(ivs), p.Start().Format("January 2006"), of)
		}
	}
	return Line{Kind: kind, Description: desc, ForPeriod: p.String(), Quantity: share, Unit: "month", Billable: share,
		BillableUnit: "month", UnitPrice: decimal.New(price, -2), AmountCents: amount}, nil
}

// clip returns [a, b) ∩ [from, to), b zero meaning open.
func clip(a, b, from, to time.Time) (interval, bool) {
	iv := interval{kernel.Later(a, from), to}
	if !b.IsZero() {
		iv.to = kernel.Earlier(b, to)
	}
	return iv, iv.from.Before(iv.to)
}

// flatLines charges each plan's flat price for the time of [from, to)
// (inside p) the tenant spent on it past its trial and since its creation:
// one line per plan, its stints summed, prorated to the second and rounded
// once.
func flatLines(stints []stint, p Period, from, to time.Time) ([]Line, error) {
	var names []string
	ivs := map[string][]interval{}
	prices := map[string]plan.Plan{}
	for _, st := range stints {
		if st.plan.FlatPriceCents <= 0 {
			continue
		}
		if iv, ok := clip(kernel.Later(st.from, st.trialEnd), st.to, from, to); ok {
			if _, seen := ivs[st.plan.Name]; !seen {
				names = append(names, st.plan.Name)
			}
			ivs[st.plan.Name] = append(ivs[st.plan.Name], iv)
			prices[st.plan.Name] = st.plan
		}
	}
	out := make([]Line, 0, len(names))
	for _, n := range names {
		pl := prices[n]
		l, err := proratedLine(KindPlan, cmp.Or(pl.Title, pl.Name)+" plan", int64(pl.FlatPriceCents), p, ivs[n])
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// addonLinesOf charges each add-on of subs (tenant tenantID's
// subscriptions) its monthly price for the time of [from, to) (inside p)
// it was subscribed: all its subscriptions summed (re-subscribing every few
// minutes costs what staying subscribed costs), prorated to the second and
// rounded once.
func addonLinesOf(cat *plan.Catalog, tenantID string, subs []subscription.Subscription, p Period, from, to time.Time) ([]Line, error) {
	var names []string
	ivs := map[string][]interval{}
	for _, sub := range subs {
		if sub.Kind != subscription.KindAddon {
			continue
		}
		if iv, ok := clip(sub.Start.UTC(), sub.End.UTC(), from, to); ok {
			if _, seen := ivs[sub.Name]; !seen {
				names = append(names, sub.Name)
			}
			ivs[sub.Name] = append(ivs[sub.Name], iv)
		}
	}
	out := make([]Line, 0, len(names))
	for _, n := range names {
		a, ok := cat.Addon(n)
		if !ok {
			return nil, errs.New(errs.Internal, "tenant %s is subscribed to add-on %q, which the catalog no longer has", tenantID, n)
		}
		l, err := proratedLine(KindAddon, "Add-on "+cmp.Or(a.DisplayName, a.Name), a.MonthlyPriceCents, p, ivs[n])
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// Statement implements usage.StatementSource: the tenant's statement of
// [from, to), inside one calendar month (Statements of that one window).
func (s *Service) Statement(ctx context.Context, p tenancy.Principal, from, to time.Time) (usage.Statement, error) {
	sts, err := s.Statements(ctx, p, []usage.Window{{From: from, To: to}})
	if err != nil {
		return usage.Statement{}, err
	}
	return sts[0], nil
}

// Statements implements usage.StatementSource: the tenant's statement of
// each window (the i-th answers windows[i]), each inside one calendar
// month. A window that is a whole issued month is the issued invoice, as
// issued; the running month from its start up to now or later is the
// running invoice; any other window is priced by the same computation over
// the window alone (no late-usage adjustment: they belong to a whole
// invoice). The reads are a fixed number whatever the windows: the issued
// invoices once, then computeWindows for every window left. p is the
// caller of a usage report, which authorized it on what the report
// answers: the whole statement for a tenant-wide reader, a namespace's
// share for a namespace's (see usage.StatementSource); it must act on a
// tenant.
func (s *Service) Statements(ctx context.Context, p tenancy.Principal, windows []usage.Window) ([]usage.Statement, error) {
	if err := p.OnTenant(); err != nil {
		return nil, err
	}
	tenantID := p.TenantID
	now := s.now()
	ws := make([]window, len(windows))
	var firstWhole time.Time
	for i, w := range windows {
		from, to := w.From.UTC(), w.To.UTC()
		per := PeriodOf(from)
		if to.After(per.End()) || !from.Before(to) {
			return nil, errs.New(errs.Internal, "statement window %s..%s is not inside one month", from, to)
		}
		whole := from.Equal(per.Start()) && (to.Equal(per.End()) || (PeriodOf(now) == per && !to.Before(now)))
		if whole {
			from, to = per.Start(), per.End()
			if firstWhole.IsZero() || from.Before(firstWhole) {
				firstWhole = from
			}
		}
		ws[i] = window{per: per, from: from, to: to, adjust: whole}
	}
	// The issued invoices of the whole windows and of the adjustment
	// horizon before them, with one read.
	issued := map[string]Invoice{}
	var since []Invoice
	if !firstWhole.IsZero() {
		var err error
		if since, err = s.c.Repo.Since(ctx, tenantID, firstWhole.AddDate(0, -AdjustmentHorizon, 0)); err != nil {
			return nil, err
		}
		if since == nil {
			since = []Invoice{} // read: none
		}
		for _, inv := range since {
			issued[inv.Period.String()] = inv
		}
	}
	out := make([]usage.Statement, len(ws))
	var todo []int
	for i, w := range ws {
		if inv, ok := issued[w.per.String()]; ok && w.adjust {
			out[i] = statementOf(inv, s.issuedUsageLines(inv))
			continue
		}
		todo = append(todo, i)
	}
	if len(todo) == 0 {
		return out, nil
	}
	t, err := s.c.Repo.Tenant(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	left := make([]window, len(todo))
	for k, i := range todo {
		left[k] = ws[i]
	}
	invs, priced, err := s.computeWindows(ctx, p, t, left, since)
	if err != nil {
		return nil, err
	}
	for k, i := range todo {
		st := statementOf(invs[k], priced[k])
		st.From, st.To = ws[i].from, ws[i].to
		out[i] = st
	}
	return out, nil
}

// statementOf turns an invoice into report lines: priced are its usage
// lines as report lines, STATUS_NO_DATA ones included (the priced lines it
// was computed from, or issuedUsageLines), after its plan line; every other
// line and the tax are fixed lines. The lines add up to its amount.
func statementOf(inv Invoice, priced []usage.CostLine) usage.Statement {
	st := usage.Statement{From: inv.Period.Start(), To: inv.Period.End(), Currency: inv.Currency, TotalCents: inv.AmountCents}
	usageDone := false
	for _, l := range inv.Lines {
		if l.Kind == KindUsage {
			continue // priced has them
		}
		if !usageDone && l.Kind != KindPlan {
			st.Lines, usageDone = append(st.Lines, priced...), true
		}
		st.Lines = append(st.Lines, fixedLine(inv, l.Description, l.Quantity, l.Unit, l.Billable.Ceil().IntPart(), l.BillableUnit, l.AmountCents))
	}
	if !usageDone {
		st.Lines = append(st.Lines, priced...)
	}
	if inv.Tax.Label() != "" || inv.Tax.AmountCents != 0 {
		name := fmt.Sprintf("%s %s%%", cmp.Or(inv.Tax.Label(), "Tax"), inv.Tax.Percent.String())
		if n := inv.Tax.Note(); n != "" {
			name += " (" + n + ")"
		}
		st.Lines = append(st.Lines, fixedLine(inv, name, decimal.NewFromInt(1), "", 1, "", inv.Tax.AmountCents))
	}
	return st
}

// issuedUsageLines are the usage lines of the issued invoice inv as report
// lines, with the STATUS_NO_DATA lines a report lists (an invoice leaves
// them out): each rate of inv's plan with no usage line, in rate card order
// among the plan's lines, as PricedUsage lists them. A plan the catalog no
// longer has lists none.
func (s *Service) issuedUsageLines(inv Invoice) []usage.CostLine {
	from, to := inv.Period.Start(), inv.Period.End()
	pl, _ := s.c.Plans.Catalog().Plan(inv.PlanName)
	used := map[string]bool{}
	for _, l := range inv.Lines {
		if l.Kind == KindUsage {
			used[l.UsageType] = true
		}
	}
	var pending []usage.CostLine // no-data lines, in rate card order
	pos := map[string]int{}
	for i, r := range pl.RateCard {
		pos[r.MetricLabel] = i
		if !used[r.MetricLabel] {
			pending = append(pending, usage.NoDataLine(r, pl.Name, inv.Currency, from, to))
		}
	}
	out := []usage.CostLine{}
	for _, l := range inv.Lines {
		if l.Kind != KindUsage {
			continue
		}
		if ofLastPlan(l.Description, pl.Name) {
			// the no-data lines of rates before this one come first
			k, ok := pos[l.UsageType]
			if !ok {
				k = len(pl.RateCard) // unpriced usage follows every rate
			}
			for len(pending) > 0 && pos[pending[0].MetricLabels[0]] < k {
				out, pending = append(out, pending[0]), pending[1:]
			}
		}
		out = append(out, usage.CostLine{UsageType: l.Description, MetricLabels: []string{l.UsageType}, Quantity: l.Quantity,
			UnitName: l.Unit, Billable: l.Billable.IntPart(), UnitNameBillable: l.BillableUnit, AmountCents: l.AmountCents,
			Currency: inv.Currency, Start: from, End: to, Status: usageStatus(l), Plan: inv.PlanName, UnitPrice: l.UnitPrice})
	}
	return append(out, pending...)
}

// ofLastPlan tells whether a usage line described desc was priced at the
// invoice's plan: PricedUsage names the plan only when a month has several.
func ofLastPlan(desc, planName string) bool {
	_, at, ok := usage.SplitAtPlan(desc)
	return !ok || at == planName
}

func usageStatus(l Line) usage.LineStatus {
	if l.BillableUnit == "" {
		return usage.StatusNotMeasured // a usage type the plan did not price
	}
	return usage.StatusActive
}

func fixedLine(inv Invoice, desc string, qty decimal.Decimal, unit string, billable int64, billableUnit string, cents int64) usage.CostLine {
	return usage.CostLine{UsageType: desc, Quantity: qty, UnitName: unit, Billable: billable, UnitNameBillable: billableUnit,
		AmountCents: cents, Currency: inv.Currency, Start: inv.Period.Start(), End: inv.Period.End(), Fixed: true, Status: usage.StatusActive}
}
