package invoice

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/subscription"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/domain/usage"
	"github.com/shopspring/decimal"
)

// AdjustmentHorizon is how far back closing looks for issued periods whose
// usage grew after issue: the longest late-arrival window a tenant may set
// (400 days) plus a month.
const AdjustmentHorizon = 14 // months

// pending computes the running invoice of the tenant on acts on (the
// current month).
func (s *Service) pending(ctx context.Context, on tenancy.Principal) (Invoice, error) {
	t, err := s.c.Repo.Tenant(ctx, on.TenantID)
	if err != nil {
		return Invoice{}, err
	}
	p := PeriodOf(s.now())
	inv, err := s.compute(ctx, on, t, p)
	if err != nil {
		return Invoice{}, err
	}
	inv.Name, inv.Status = PendingName(p), StatusPending
	return inv, nil
}

// compute builds the lines of tenant t's invoice for p as of now: the flat
// price of the plan in force at the period's start, proration lines for the
// plan changes inside the period, priced usage (the very lines current_usage
// gives for the month), add-ons, and adjustments for usage of earlier issued
// periods that arrived after their issue.
//
// Usage is priced at one plan for the whole period: the plan in force at
// its end (for the running period, the current plan), that is the plan in
// force when the period is priced. The invoice's PlanName is that plan, so
// late-usage adjustments reprice at it too. Usage is not split at the
// instants of plan changes. on is the caller acting on tenant t, for the
// plan and usage services.
func (s *Service) compute(ctx context.Context, on tenancy.Principal, t Tenant, p Period) (Invoice, error) {
	cur, err := s.c.Plans.PlanOf(ctx, on)
	if err != nil {
		return Invoice{}, err
	}
	changes, err := s.c.Subscriptions.PlanChanges(ctx, t.ID)
	if err != nil {
		return Invoice{}, err
	}
	cat := s.c.Plans.Catalog()
	first, err := planAt(cat, cur, changes, p.Start(), false)
	if err != nil {
		return Invoice{}, err
	}
	pl, err := planAt(cat, cur, changes, p.End(), true)
	if err != nil {
		return Invoice{}, err
	}
	// One query prices both: the usage plan's rate card with the flat price
	// of the plan in force at the period's start.
	priced := pl
	priced.Name, priced.Title, priced.FlatPriceCents, priced.RenewalPeriodUnit = first.Name, first.Title, first.FlatPriceCents, first.RenewalPeriodUnit
	cost, err := s.c.Usage.CostForTenant(ctx, on, &priced, p.Start(), p.End())
	if err != nil {
		return Invoice{}, err
	}
	inv := Invoice{TenantID: t.ID, TenantName: t.Name, Period: p, Currency: cost.Currency, PlanName: pl.Name}
	for _, l := range cost.Lines {
		if l.Fixed {
			if line, ok := lineOf(priced, l, p, KindUsage); ok {
				inv.Lines = append(inv.Lines, line)
			}
		}
	}
	pro, err := prorationLines(cat, changes, p)
	if err != nil {
		return Invoice{}, err
	}
	inv.Lines = append(inv.Lines, pro...)
	for _, l := range cost.Lines {
		if !l.Fixed {
			if line, ok := lineOf(priced, l, p, KindUsage); ok {
				inv.Lines = append(inv.Lines, line)
			}
		}
	}
	addons, err := s.addonLines(ctx, t.ID, p)
	if err != nil {
		return Invoice{}, err
	}
	inv.Lines = append(inv.Lines, addons...)
	adj, err := s.adjustments(ctx, on, p)
	if err != nil {
		return Invoice{}, err
	}
	inv.Lines = append(inv.Lines, adj...)
	if inv.BillTo, err = s.billTo(ctx, t); err != nil {
		return Invoice{}, err
	}
	inv.Issuer = s.c.Issuer.Party
	sub := Total(inv.Lines)
	inv.Tax = TaxOf(cat, inv.BillTo, inv.Issuer.Country, sub)
	inv.AmountCents = sub + inv.Tax.AmountCents
	return inv, nil
}

// billTo is the customer party of tenant t's invoice: its name and its
// billing contact as known now.
func (s *Service) billTo(ctx context.Context, t Tenant) (Party, error) {
	var p Party
	c, found, err := s.c.Contacts.BillingContact(ctx, t.ID)
	if err != nil {
		return Party{}, err
	}
	if found {
		p = c
	}
	p.Name = t.Name
	return p, nil
}

// PlainTime writes an instant as a person reads it: "1 December 2026,
// 02:16 UTC", or "1 December 2026" at midnight.
func PlainTime(t time.Time) string {
	t = t.UTC()
	if t.Equal(t.Truncate(24 * time.Hour)) {
		return t.Format("2 January 2006")
	}
	if t.Second() != 0 || t.Nanosecond() != 0 {
		return t.Format("2 January 2006, 15:04:05 UTC")
	}
	return t.Format("2 January 2006, 15:04 UTC")
}

// Until writes the end of a span that stops at instant end (excluded):
// "to the end of 31 December 2026" when end is a midnight, else "to 17
// December 2026, 10:00 UTC".
func Until(end time.Time) string {
	end = end.UTC()
	if end.Equal(end.Truncate(24 * time.Hour)) {
		return "to the end of " + end.AddDate(0, 0, -1).Format("2 January 2006")
	}
	return "to " + PlainTime(end)
}

// planAt returns the plan in force at instant at (before: just before it),
// from the plan changes (oldest first): the old plan of the first change
// after at (at or after at when before), else the current plan cur. A
// change at the very first instant of a month is thus in force for the
// whole month, which bills the new plan with no proration.
func planAt(cat *plan.Catalog, cur plan.Plan, changes []subscription.PlanChange, at time.Time, before bool) (plan.Plan, error) {
	for _, c := range changes {
		if c.At.After(at) || (before && c.At.Equal(at)) {
			if c.OldPlan == cur.Name {
				return cur, nil
			}
			pl, ok := cat.Plan(c.OldPlan)
			if !ok {
				return plan.Plan{}, errs.New(errs.Internal, "tenant %s was on plan %q, which the catalog no longer has", c.TenantID, c.OldPlan)
			}
			return pl, nil
		}
	}
	return cur, nil
}

// prorationLines returns, for each plan change at an instant t strictly
// inside p, a credit for the old plan's flat price and a charge for the new
// one's, each for the share (end of p − t) / (length of p) of the month,
// rounded half-up to the cent (away from zero for the credit, so a credit
// and a charge of the same price cancel exactly). A plan with no flat price
// gives no line: it would be 0.00.
func prorationLines(cat *plan.Catalog, changes []subscription.PlanChange, p Period) ([]Line, error) {
	var out []Line
	length := p.End().Sub(p.Start())
	days := decimal.NewFromInt(int64(length / (24 * time.Hour)))
	for _, c := range changes {
		if !c.At.After(p.Start()) || !c.At.Before(p.End()) {
			continue
		}
		rest := p.End().Sub(c.At)
		share := decimal.NewFromInt(int64(rest)).Div(decimal.NewFromInt(int64(length)))
		restDays := decimal.NewFromInt(int64(rest)).Div(decimal.NewFromInt(int64(24 * time.Hour)))
		span := fmt.Sprintf("from %s %s (%s of %s days)", PlainTime(c.At), Until(p.End()),
			restDays.StringFixedBank(2), days.String())
		for _, side := range []struct {
			name, verb string
			sign       int64
		}{{c.OldPlan, "Credit", -1}, {c.NewPlan, "Charge", 1}} {
			pl, ok := cat.Plan(side.name)
			if !ok {
				return nil, errs.New(errs.Internal, "tenant %s changed plan %q → %q, which the catalog no longer has", c.TenantID, c.OldPlan, c.NewPlan)
			}
			if pl.FlatPriceCents == 0 {
				continue
			}
			price := decimal.NewFromInt(int64(pl.FlatPriceCents))
			// Exact: rest × price / length, rounded once.
			amount := decimal.NewFromInt(int64(rest)).Mul(price).DivRound(decimal.NewFromInt(int64(length)), 0).IntPart() * side.sign
			qty := share.Round(4).Mul(decimal.NewFromInt(side.sign))
			out = append(out, Line{Kind: KindProration, Description: fmt.Sprintf("%s: plan %s %s", side.verb, pl.Name, span),
				ForPeriod: p.String(), Quantity: qty, Unit: "month", Billable: qty, BillableUnit: "month",
				UnitPrice: price.Shift(-2), AmountCents: amount})
		}
	}
	return out, nil
}

// lineOf turns a priced usage line into an invoice line; lines with no
// usage (STATUS_NO_DATA) are left out, they bill nothing.
func lineOf(pl plan.Plan, l usage.CostLine, p Period, kind LineKind) (Line, bool) {
	if l.Fixed {
		return Line{Kind: KindPlan, Description: l.UsageType, ForPeriod: p.String(), Quantity: l.Quantity, Unit: l.UnitName,
			Billable: decimal.NewFromInt(l.Billable), BillableUnit: l.UnitNameBillable,
			UnitPrice: decimal.New(l.AmountCents, -2), AmountCents: l.AmountCents}, true
	}
	if l.Status == usage.StatusNoData || len(l.MetricLabels) == 0 {
		return Line{}, false
	}
	line := Line{Kind: kind, Description: l.UsageType, UsageType: l.MetricLabels[0], ForPeriod: p.String(),
		Quantity: l.Quantity, Unit: l.UnitName, Billable: decimal.NewFromInt(l.Billable), BillableUnit: l.UnitNameBillable,
		AmountCents: l.AmountCents}
	if r, ok := pl.Rate(line.UsageType); ok {
		line.UnitPrice = r.PricePerBillable
	}
	return line, true
}

// addonLines charges each add-on subscription that overlaps p its monthly
// price, prorated to the part of the month it covered (rounded half-up to
// the cent).
func (s *Service) addonLines(ctx context.Context, tenantID string, p Period) ([]Line, error) {
	subs, err := s.c.Subscriptions.Subscriptions(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	cat := s.c.Plans.Catalog()
	var out []Line
	month := decimal.NewFromInt(int64(p.End().Sub(p.Start())))
	for _, sub := range subs {
		if sub.Kind != subscription.KindAddon {
			continue
		}
		from, to := maxTime(sub.Start, p.Start()), p.End()
		if !sub.Open() {
			to = minTime(sub.End, p.End())
		}
		if !from.Before(to) {
			continue
		}
		a, ok := cat.Addon(sub.Name)
		if !ok {
			return nil, errs.New(errs.Internal, "tenant %s is subscribed to add-on %q, which the catalog no longer has", tenantID, sub.Name)
		}
		share := decimal.NewFromInt(int64(to.Sub(from))).Div(month)
		desc := "Add-on " + cmp.Or(a.DisplayName, a.Name)
		if share.LessThan(decimal.NewFromInt(1)) {
			desc += fmt.Sprintf(", from %s %s", PlainTime(from), Until(to))
		}
		amount := share.Mul(decimal.NewFromInt(a.MonthlyPriceCents)).Round(0).IntPart()
		out = append(out, Line{Kind: KindAddon, Description: desc, ForPeriod: p.String(), Quantity: share.Round(4), Unit: "month",
			Billable: share.Round(4), BillableUnit: "month", UnitPrice: decimal.New(a.MonthlyPriceCents, -2), AmountCents: amount})
	}
	return out, nil
}

// billed is what issued invoices charged for one usage type of one period.
type billed struct {
	qty, billable decimal.Decimal
	amount        int64
}

// adjustments prices again, as of now, the usage of every issued period
// before p (at the plan its invoice was priced at) and returns one
// adjustment line per usage type whose usage differs from what issued
// invoices (the period's own and earlier adjustments) billed for it.
func (s *Service) adjustments(ctx context.Context, on tenancy.Principal, p Period) ([]Line, error) {
	tenantID := on.TenantID
	invs, err := s.c.Repo.Since(ctx, tenantID, p.Start().AddDate(0, -AdjustmentHorizon, 0))
	if err != nil {
		return nil, err
	}
	got := map[string]map[string]*billed{} // period → usage type → billed
	var periods []Invoice
	for _, inv := range invs {
		if !inv.Period.Start().Before(p.Start()) {
			continue
		}
		if inv.Lines != nil {
			periods = append(periods, inv)
		}
		for _, l := range inv.Lines {
			if l.Kind != KindUsage && l.Kind != KindAdjustment {
				continue
			}
			m := got[l.ForPeriod]
			if m == nil {
				m = map[string]*billed{}
				got[l.ForPeriod] = m
			}
			b := m[l.UsageType]
			if b == nil {
				b = &billed{}
				m[l.UsageType] = b
			}
			b.qty, b.billable, b.amount = b.qty.Add(l.Quantity), b.billable.Add(l.Billable), b.amount+l.AmountCents
		}
	}
	cat := s.c.Plans.Catalog()
	// One read of the usage of every issued period, whatever their number.
	spans := make([]usage.Span, len(periods))
	plans := make([]plan.Plan, len(periods))
	for i, inv := range periods {
		pl, ok := cat.Plan(inv.PlanName)
		if !ok {
			if pl, err = s.c.Plans.PlanOf(ctx, on); err != nil {
				return nil, err
			}
		}
		plans[i], spans[i] = pl, usage.Span{Plan: pl, From: inv.Period.Start(), To: inv.Period.End()}
	}
	costs, err := s.c.Usage.CostsForTenant(ctx, on, spans)
	if err != nil {
		return nil, err
	}
	var out []Line
	for i, inv := range periods {
		pl, cost := plans[i], costs[i]
		now := map[string]Line{}
		for _, l := range cost.Lines {
			if line, ok := lineOf(pl, l, inv.Period, KindAdjustment); ok && line.Kind == KindAdjustment {
				now[line.UsageType] = line
			}
		}
		types := make([]string, 0, len(now))
		for ut := range now {
			types = append(types, ut)
		}
		for ut := range got[inv.Period.String()] {
			if _, ok := now[ut]; !ok {
				types = append(types, ut)
			}
		}
		slices.Sort(types)
		for _, ut := range types {
			cur, b := now[ut], got[inv.Period.String()][ut]
			if b == nil {
				b = &billed{}
			}
			dq, da := cur.Quantity.Sub(b.qty), cur.AmountCents-b.amount
			if dq.IsZero() && da == 0 {
				continue
			}
			desc := cmp.Or(cur.Description, ut)
			out = append(out, Line{Kind: KindAdjustment, Description: "Late usage for " + inv.Period.String() + ": " + desc,
				UsageType: ut, ForPeriod: inv.Period.String(), Quantity: dq, Unit: cur.Unit, Billable: cur.Billable.Sub(b.billable),
				BillableUnit: cur.BillableUnit, UnitPrice: cur.UnitPrice, AmountCents: da})
		}
	}
	return out, nil
}

// CloseResult tells what a Close did.
type CloseResult struct {
	Period Period
	// Issued are the invoices issued now.
	Issued []Invoice
	// Already counts tenants whose invoice of the period was issued before.
	Already int
	// Empty counts tenants with nothing to bill (no plan price, usage or add-on).
	Empty int
}

// Close issues the invoices of a finished period, one transaction per
// tenant: under the tenant's lock, an invoice that exists already is left as
// it is, else the lines are computed, the next number is taken and the
// invoice is stored ISSUED, due InvoiceDueDays after issue. Running it again,
// or on several replicas at once, issues nothing twice. A tenant that fails
// is reported in the error while the others are still closed. Closing is
// an operator's work (the command line, or the scheduler as System); the
// issued invoices record "close" as their actor, the step that issued them.
func (s *Service) Close(ctx context.Context, by tenancy.Principal, p Period) (CloseResult, error) {
	if err := by.Caller(); err != nil {
		return CloseResult{Period: p}, err
	}
	if err := by.RequireOperator("closing a month"); err != nil {
		return CloseResult{Period: p}, err
	}
	res := CloseResult{Period: p}
	now := s.now()
	if p.End().After(now) {
		return res, (errs.Fields{{Field: "period", Problem: fmt.Sprintf("%s is still running; it can be closed from %s", p, p.End().Format(time.RFC3339))}}).Err()
	}
	tenants, err := s.c.Repo.Tenants(ctx, p.End())
	if err != nil {
		return res, err
	}
	var failed []error
	for _, t := range tenants {
		var issued *Invoice
		err := s.c.Tx.InTx(ctx, func(ctx context.Context) error {
			if err := s.c.Repo.LockTenant(ctx, t.ID); err != nil {
				return err
			}
			if _, found, err := s.c.Repo.ByPeriod(ctx, t.ID, p); err != nil || found {
				if found {
					res.Already++
				}
				return err
			}
			on, err := by.ActingOn(t.ID)
			if err != nil {
				return err
			}
			inv, err := s.compute(ctx, on, t, p)
			if err != nil {
				return err
			}
			if len(inv.Lines) == 0 {
				res.Empty++
				return nil
			}
			pl, err := s.c.Plans.PlanOf(ctx, on)
			if err != nil {
				return err
			}
			if inv.Number, err = s.c.Repo.NextNumber(ctx, t.ID); err != nil {
				return err
			}
			inv.Name, inv.Status, inv.IssuedAt = s.c.Issuer.NameFor(inv.Number), StatusIssued, now
			inv.DueAt = now.AddDate(0, 0, pl.InvoiceDueDays)
			if err := s.c.Repo.Insert(ctx, inv, StatusChange{TenantID: t.ID, Invoice: inv.Name, At: now, Actor: "close", From: StatusPending, To: StatusIssued}); err != nil {
				return err
			}
			if err := s.auditIssue(ctx, inv, "close"); err != nil {
				return err
			}
			issued = &inv
			return nil
		})
		switch {
		case err == nil:
			if issued != nil {
				res.Issued = append(res.Issued, *issued)
			}
		case errs.Is(err, errs.Conflict):
			// Another closer won the unique (tenant, period) race.
			res.Already++
		default:
			// One tenant's failure (say, a plan the catalog lost) must not
			// hold back the others; the next run retries it.
			failed = append(failed, fmt.Errorf("close %s for tenant %s: %w", p, t.Name, err))
		}
	}
	return res, errors.Join(failed...)
}

// CloseDelay is how long after a month ends it is closed by default, so
// events of its last minutes that are in flight are counted in it rather
// than as next month's adjustments.
const CloseDelay = time.Hour

// CloseDue closes the month before the clock's, once delay has passed since
// it ended; due is false (and nothing is done) before that. Several replicas
// may call it at once: Close is safe against itself. The loop that calls it
// periodically is the server's (internal/scheduler), not the domain's.
func (s *Service) CloseDue(ctx context.Context, by tenancy.Principal, delay time.Duration) (p Period, res CloseResult, due bool, err error) {
	now := s.now()
	p = PeriodOf(now).Prev()
	if now.Before(p.End().Add(delay)) {
		return p, CloseResult{}, false, nil
	}
	res, err = s.Close(ctx, by, p)
	return p, res, true, err
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
