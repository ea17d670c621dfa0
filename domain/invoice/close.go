package invoice

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/money"
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

// compute builds tenant t's invoice for the whole period p as of now
// (computeWindow), for on, a principal acting on t.
func (s *Service) compute(ctx context.Context, on tenancy.Principal, t Tenant, p Period) (Invoice, error) {
	inv, _, err := s.computeWindow(ctx, on, t, p, p.Start(), p.End(), true)
	return inv, err
}

// computeWindow is the one pricing computation of a tenant and a window
// [from, to) of period p, behind invoices and every money report:
//
//   - the flat price of each plan the tenant was on, for its time on it in
//     the window past the plan's trial (flatLines);
//   - usage, each hour at the plan in force at its start, one line per plan
//     and usage type (usage.Service.PricedUsage);
//   - add-ons, for the time subscribed (addonLines);
//   - with withAdjustments (a whole invoice), the late usage of earlier
//     issued periods (adjustments);
//   - the tax on the subtotal, rounded once.
//
// Every line is rounded once, every sum is checked (money), and no line is
// negative, so neither is the invoice. PlanName is the plan in force at the
// window's end. It also returns the priced usage lines, STATUS_NO_DATA
// ones included, for reports.
func (s *Service) computeWindow(ctx context.Context, on tenancy.Principal, t Tenant, p Period, from, to time.Time, withAdjustments bool) (Invoice, []usage.CostLine, error) {
	invs, priced, err := s.computeWindows(ctx, on, t, []window{{per: p, from: from, to: to, adjust: withAdjustments}}, nil)
	if err != nil {
		return Invoice{}, nil, err
	}
	return invs[0], priced[0], nil
}

// window is one window [from, to) of period per that computeWindows
// prices, with the late-usage adjustments of a whole invoice when adjust.
type window struct {
	per      Period
	from, to time.Time
	adjust   bool
}

// computeWindows is computeWindow of every window of ws at once (the i-th
// answers ws[i]): the tenant's plan, plan changes, subscriptions, billing
// contact and, when a window has adjustments, its issued invoices are read
// once, and every window's usage (and every adjusted period's) is priced
// by one PricedUsage call, so the reads do not grow with the windows. Each
// window's invoice is then invoiceOf, a pure function of what was read:
// the same figures as computing the window alone. issued, when not nil,
// are the tenant's invoices already read (Repository.Since of at least the
// AdjustmentHorizon months before every adjusted window), else they are
// read here.
func (s *Service) computeWindows(ctx context.Context, on tenancy.Principal, t Tenant, ws []window, issued []Invoice) ([]Invoice, [][]usage.CostLine, error) {
	cur, err := s.c.Plans.PlanOf(ctx, on)
	if err != nil {
		return nil, nil, err
	}
	changes, err := s.c.Subscriptions.PlanChanges(ctx, t.ID)
	if err != nil {
		return nil, nil, err
	}
	cat := s.c.Plans.Catalog()
	stints, err := timeline(cat, cur, changes, t.CreatedAt)
	if err != nil {
		return nil, nil, err
	}
	subs, err := s.c.Subscriptions.Subscriptions(ctx, t.ID)
	if err != nil {
		return nil, nil, err
	}
	billTo, err := s.billTo(ctx, t)
	if err != nil {
		return nil, nil, err
	}
	var since time.Time // the earliest period an adjustment may look at
	for _, w := range ws {
		if w.adjust {
			if h := w.per.Start().AddDate(0, -AdjustmentHorizon, 0); since.IsZero() || h.Before(since) {
				since = h
			}
		}
	}
	if !since.IsZero() && issued == nil {
		if issued, err = s.c.Repo.Since(ctx, t.ID, since); err != nil {
			return nil, nil, err
		}
	}
	// One pricing of every window's spans, then of every adjusted
	// period's: the i-th set is window i's usage.
	sets := make([][]usage.Span, len(ws), len(ws)+1)
	for i, w := range ws {
		sets[i] = usageSpans(stints, w.from, w.to)
	}
	adjs := make([]adjustmentPlan, len(ws))
	firsts := make([]int, len(ws))
	for i, w := range ws {
		if !w.adjust {
			continue
		}
		adjs[i] = planAdjustments(issued, w.per)
		firsts[i] = len(sets)
		for _, inv := range adjs[i].periods {
			sets = append(sets, usageSpans(stints, inv.Period.Start(), inv.Period.End()))
		}
	}
	pricedSets, err := s.c.Usage.PricedUsage(ctx, on, sets...)
	if err != nil {
		return nil, nil, err
	}
	invs := make([]Invoice, len(ws))
	for i, w := range ws {
		var adj []Line
		if w.adjust {
			adj = adjs[i].lines(pricedSets[firsts[i] : firsts[i]+len(adjs[i].periods)])
		}
		if invs[i], err = s.invoiceOf(t, cur, stints, subs, billTo, w, pricedSets[i], adj); err != nil {
			return nil, nil, err
		}
	}
	return invs, pricedSets[:len(ws)], nil
}

// invoiceOf is the invoice of tenant t (on plan cur, its stints and
// subscriptions subs, billed to billTo) for window w, from the window's
// priced usage lines and its late-usage adjustment lines: no read.
func (s *Service) invoiceOf(t Tenant, cur plan.Plan, stints []stint, subs []subscription.Subscription, billTo Party, w window, priced []usage.CostLine, adj []Line) (Invoice, error) {
	cat := s.c.Plans.Catalog()
	p, to := w.per, w.to
	inv := Invoice{TenantID: t.ID, TenantName: t.Name, Period: p, Currency: cat.Currency, PlanName: cur.Name}
	for _, st := range stints {
		if st.from.Before(to) {
			inv.PlanName = st.plan.Name
		}
	}
	var err error
	if inv.Lines, err = flatLines(stints, p, w.from, to); err != nil {
		return Invoice{}, err
	}
	for _, l := range priced {
		if line, ok := lineOf(l, p, KindUsage); ok {
			inv.Lines = append(inv.Lines, line)
		}
	}
	addons, err := addonLinesOf(cat, t.ID, subs, p, w.from, to)
	if err != nil {
		return Invoice{}, err
	}
	inv.Lines = append(inv.Lines, addons...)
	inv.Lines = append(inv.Lines, adj...)
	inv.BillTo = billTo
	inv.Issuer = s.c.Issuer.Party
	sub, err := subtotal(inv.Lines)
	if err != nil {
		return Invoice{}, err
	}
	inv.Tax = TaxOf(cat, inv.BillTo, inv.Issuer.Country, sub)
	if inv.AmountCents, err = money.Add("invoice total", sub, inv.Tax.AmountCents); err != nil {
		return Invoice{}, err
	}
	return inv, nil
}

// subtotal is the checked sum of the lines' amounts.
func subtotal(lines []Line) (int64, error) {
	amounts := make([]int64, len(lines))
	for i, l := range lines {
		amounts[i] = l.AmountCents
	}
	return money.Sum("invoice subtotal", amounts...)
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

// lineOf turns a priced usage line into an invoice line; lines with no
// usage (STATUS_NO_DATA) are left out, they bill nothing.
func lineOf(l usage.CostLine, p Period, kind LineKind) (Line, bool) {
	if l.Status == usage.StatusNoData || len(l.MetricLabels) == 0 {
		return Line{}, false
	}
	return Line{Kind: kind, Description: l.UsageType, UsageType: l.MetricLabels[0], ForPeriod: p.String(),
		Quantity: l.Quantity, Unit: l.UnitName, Billable: decimal.NewFromInt(l.Billable), BillableUnit: l.UnitNameBillable,
		UnitPrice: l.UnitPrice, AmountCents: l.AmountCents}, true
}

// billed is what issued invoices charged for one usage type of one
// period, or what it costs now.
type billed struct {
	qty, billable decimal.Decimal
	amount        int64
	line          Line // a line of the type, for its description and units
}

// adjustmentPlan is what the late-usage adjustments of a period need
// besides the usage: what issued invoices billed per period and usage type
// (got), and the issued periods to price again.
type adjustmentPlan struct {
	got     map[string]map[string]*billed // period → usage type → billed
	periods []Invoice
}

// planAdjustments is the adjustment plan of period p from the tenant's
// invoices (issued, at least those of the AdjustmentHorizon months before
// p): those of the horizon before p count, later ones do not.
func planAdjustments(invs []Invoice, p Period) adjustmentPlan {
	a := adjustmentPlan{got: map[string]map[string]*billed{}}
	horizon := p.Start().AddDate(0, -AdjustmentHorizon, 0)
	for _, inv := range invs {
		if !inv.Period.Start().Before(p.Start()) || inv.Period.Start().Before(horizon) {
			continue
		}
		if inv.Lines != nil {
			a.periods = append(a.periods, inv)
		}
		for _, l := range inv.Lines {
			if l.Kind == KindUsage || l.Kind == KindAdjustment {
				add(a.got, l.ForPeriod, l)
			}
		}
	}
	return a
}

// lines prices again, as of now, the usage of every issued period of the
// plan (pricedSets[i] is periods[i]'s usage priced as its invoice was,
// each hour at the plan then in force), and returns one adjustment line
// per usage type whose quantity grew since issued invoices (the period's
// own and earlier adjustments) billed it: the quantity that arrived late,
// and what it adds to the amount. An adjustment never credits: usage only
// grows and pricing only grows with it, and where a period issued by an
// earlier release was priced otherwise, the difference of pricing is not
// late usage.
func (a adjustmentPlan) lines(pricedSets [][]usage.CostLine) []Line {
	var out []Line
	for i, inv := range a.periods {
		priced := pricedSets[i]
		now := map[string]map[string]*billed{}
		for _, l := range priced {
			if line, ok := lineOf(l, inv.Period, KindAdjustment); ok {
				add(now, inv.Period.String(), line)
			}
		}
		was := a.got[inv.Period.String()]
		types := make([]string, 0, len(now[inv.Period.String()]))
		for ut := range now[inv.Period.String()] {
			types = append(types, ut)
		}
		slices.Sort(types)
		for _, ut := range types {
			cur, b := now[inv.Period.String()][ut], was[ut]
			if b == nil {
				b = &billed{}
			}
			dq := cur.qty.Sub(b.qty)
			if dq.Sign() <= 0 {
				continue
			}
			da := max(cur.amount-b.amount, 0)
			db := decimal.Max(cur.billable.Sub(b.billable), decimal.Zero)
			// One line per type, whatever plans priced it.
			desc, _, _ := usage.SplitAtPlan(cmp.Or(cur.line.Description, ut))
			out = append(out, Line{Kind: KindAdjustment, Description: "Late usage for " + inv.Period.String() + ": " + desc,
				UsageType: ut, ForPeriod: inv.Period.String(), Quantity: dq, Unit: cur.line.Unit, Billable: db,
				BillableUnit: cur.line.BillableUnit, UnitPrice: cur.line.UnitPrice, AmountCents: da})
		}
	}
	return out
}

// add sums line l into m[period][l.UsageType].
func add(m map[string]map[string]*billed, period string, l Line) {
	pm := m[period]
	if pm == nil {
		pm = map[string]*billed{}
		m[period] = pm
	}
	b := pm[l.UsageType]
	if b == nil {
		b = &billed{line: l}
		pm[l.UsageType] = b
	}
	b.qty, b.billable, b.amount = b.qty.Add(l.Quantity), b.billable.Add(l.Billable), b.amount+l.AmountCents
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
