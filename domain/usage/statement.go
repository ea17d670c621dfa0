package usage

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/money"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/shopspring/decimal"
)

// Statement is what a tenant is billed for a window of one UTC calendar
// month, as invoice lines become report lines: non-usage lines (flat
// price, add-ons, late-usage adjustments, tax) are Fixed.
type Statement struct {
	// From and To are the window priced: the whole month when the statement
	// is the month's invoice (issued, or running).
	From, To time.Time
	Currency string
	Lines    []CostLine
	// TotalCents is the sum of the lines: the invoice's amount, tax included.
	TotalCents int64
}

// StatementSource gives the statements every money report shows, so that
// current_usage, monthly_usage, GraphQL cost and the invoices are one
// computation (invoice.Service implements it).
type StatementSource interface {
	// Statement returns the tenant's statement of [from, to), a window
	// inside one calendar month: the issued invoice when the window is an
	// issued month, the running invoice when it is the running month from
	// its start up to now or later, else the same pricing over the window.
	// p is the caller of the report, authorized by it: the statement is
	// shown whole only to a tenant-wide reader, a namespace reader gets
	// its share (costOf).
	Statement(ctx context.Context, p tenancy.Principal, from, to time.Time) (Statement, error)
	// Statements is Statement of many windows at once (the i-th answers
	// windows[i], each exactly what Statement answers for it), with a
	// number of reads that does not grow with the windows: the series
	// price all their buckets with one call.
	Statements(ctx context.Context, p tenancy.Principal, windows []Window) ([]Statement, error)
}

// Window is a range [From, To) of whole hours: a report's range, a series'
// bucket, a read's range, or the part of one calendar month a statement
// prices.
type Window struct{ From, To time.Time }

// statements returns the tenant's statements of [from, to), one per
// calendar month the range touches.
func (s *Service) statements(ctx context.Context, p tenancy.Principal, from, to time.Time) ([]Statement, error) {
	out, err := s.rangeStatements(ctx, p, []Window{{From: from, To: to}})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// rangeStatements is statements of each range (the i-th answers
// ranges[i]) with one Statements call for the distinct month windows of
// all of them: a series of 744 hours costs the reads of one window.
func (s *Service) rangeStatements(ctx context.Context, p tenancy.Principal, ranges []Window) ([][]Statement, error) {
	idx := map[windowKey]int{}
	var windows []Window
	parts := make([][]int, len(ranges))
	for i, r := range ranges {
		for start := r.From.UTC(); start.Before(r.To); {
			end := kernel.Earlier(monthStart(start).AddDate(0, 1, 0), r.To.UTC())
			k := windowKey{start.UnixNano(), end.UnixNano()}
			j, ok := idx[k]
			if !ok {
				j = len(windows)
				idx[k] = j
				windows = append(windows, Window{From: start, To: end})
			}
			parts[i] = append(parts[i], j)
			start = end
		}
	}
	out := make([][]Statement, len(ranges))
	if len(windows) == 0 {
		return out, nil
	}
	sts, err := s.c.Statements.Statements(ctx, p, windows)
	if err != nil {
		return nil, err
	}
	for i, js := range parts {
		for _, j := range js {
			out[i] = append(out[i], sts[j])
		}
	}
	return out, nil
}

// costOver is the report of scope (nil: the whole tenant, else one
// namespace) over [from, to): its statements, and a namespace's share of
// them.
func (s *Service) costOver(ctx context.Context, p tenancy.Principal, scope []string, from, to time.Time) (Cost, error) {
	ctx = readingShares(ctx, scope != nil)
	sts, err := s.statements(ctx, p, from, to)
	if err != nil {
		return Cost{}, err
	}
	return s.costOf(ctx, p, sts, scope, from, to)
}

// readingShares marks ctx (WithNamespaceShares) when shares is true: the
// caller prices statements and then reads every namespace's sums of their
// windows (windowShares, with no rows at hand), which pricing those
// windows sums too, so a repository may read both at once. A window in
// which the plan changed is priced by its spans, so there the two reads
// stay apart.
func readingShares(ctx context.Context, shares bool) context.Context {
	if !shares {
		return ctx
	}
	return WithNamespaceShares(ctx)
}

// costOf is the report of scope (nil: the whole tenant, else one
// namespace) built from the statements: the tenant gets every line; a
// namespace its share of each usage type (see namespaceCosts).
func (s *Service) costOf(ctx context.Context, p tenancy.Principal, sts []Statement, scope []string, from, to time.Time) (Cost, error) {
	if scope != nil {
		per, err := s.namespaceCosts(ctx, p, sts, scope, from, to)
		return per[scope[0]], err
	}
	c := Cost{From: from, To: to, Currency: s.c.Plans.Catalog().Currency}
	for _, st := range sts {
		c.Lines = append(c.Lines, st.Lines...)
	}
	return c, c.total()
}

// total sets TotalCents, the sum of the lines less the discount, checked,
// and stamps the usage lines with c's range, not their statement's: the
// running month's amounts are its whole pending invoice, yet its usage
// lines of a range ending now keep ending now, as the previous release
// answered (its fixed lines, the month's prices, span the month).
func (c *Cost) total() error {
	for i := range c.Lines {
		if l := &c.Lines[i]; !l.Fixed {
			l.Start, l.End = kernel.Later(l.Start, c.From), kernel.Earlier(l.End, c.To)
		}
	}
	var t int64
	for _, l := range c.Lines {
		var err error
		if t, err = money.Add("report total", t, l.AmountCents); err != nil {
			return err
		}
	}
	c.TotalCents = t - c.DiscountCents
	return nil
}

// namespaceCosts returns the report of each namespace of nss. Each usage
// type's amount (and billable units) on a tenant's statement is shared
// among all its namespaces in proportion to their quantity of it in the
// statement's window, by largest remainder (ties to the smaller namespace
// name), so the namespaces' figures add up exactly to the tenant's usage
// lines whatever the rounding. A namespace has no fixed line. The window's
// rollups are read once per statement, whatever the number of namespaces.
func (s *Service) namespaceCosts(ctx context.Context, p tenancy.Principal, sts []Statement, nss []string, from, to time.Time) (map[string]Cost, error) {
	sh, err := s.windowShares(ctx, p, sts, nil)
	if err != nil {
		return nil, err
	}
	return s.namespaceCostsOf(sh, sts, nss, from, to)
}

// windowKey identifies a statement's window.
type windowKey struct{ from, to int64 }

func windowOf(st Statement) windowKey { return windowKey{st.From.UnixNano(), st.To.UnixNano()} }

// windowShares returns the namespaces' shares of each distinct window of
// sts (allocate). When have holds the hourly rows of every namespace over
// a range (a series read them), the windows inside it are summed from
// those; every other window's per-namespace sums are read with one query
// (NamespaceTotals: whole days from the daily rollups), so the statements
// do not grow with the windows.
func (s *Service) windowShares(ctx context.Context, p tenancy.Principal, sts []Statement, have *hourRows) (map[windowKey]map[string]map[string]share, error) {
	out := map[windowKey]map[string]map[string]share{}
	var read []Window
	var readSts []Statement
	for _, st := range sts {
		if _, ok := out[windowOf(st)]; ok {
			continue
		}
		out[windowOf(st)] = nil
		if have == nil || st.From.Before(have.from) || st.To.After(have.to) {
			read = append(read, Window{From: st.From, To: st.To})
			readSts = append(readSts, st)
			continue
		}
		rows := have.sorted()
		lo, _ := slices.BinarySearchFunc(rows, st.From, func(r Rollup, t time.Time) int { return r.Hour.Compare(t) })
		hi, _ := slices.BinarySearchFunc(rows, st.To, func(r Rollup, t time.Time) int { return r.Hour.Compare(t) })
		out[windowOf(st)] = allocate(st.Lines, rows[lo:hi])
	}
	if len(read) == 0 {
		return out, nil
	}
	sums, err := s.c.Repo.NamespaceTotals(ctx, p.TenantID, nil, read)
	if err != nil {
		return nil, err
	}
	for i, st := range readSts {
		out[windowOf(st)] = allocate(st.Lines, sums[i])
	}
	return out, nil
}

// hourRows are the hourly rows of every namespace of the tenant over
// [from, to) (Rollups, or TypeHours by namespace), for windowShares.
type hourRows struct {
	from, to time.Time
	rows     []Rollup
	byHour   []Rollup // rows sorted by hour, made once
}

// sorted returns the rows sorted by hour, without changing rows (the
// repository's slice may be shared).
func (h *hourRows) sorted() []Rollup {
	if h.byHour == nil {
		h.byHour = slices.Clone(h.rows)
		slices.SortStableFunc(h.byHour, func(a, b Rollup) int { return a.Hour.Compare(b.Hour) })
	}
	return h.byHour
}

// namespaceCostsOf is namespaceCosts from the windows' shares: no read.
func (s *Service) namespaceCostsOf(sh map[windowKey]map[string]map[string]share, sts []Statement, nss []string, from, to time.Time) (map[string]Cost, error) {
	out := make(map[string]Cost, len(nss))
	for _, ns := range nss {
		out[ns] = Cost{From: from, To: to, Currency: s.c.Plans.Catalog().Currency}
	}
	for _, st := range sts {
		shares := sh[windowOf(st)]
		for _, ns := range nss {
			c := out[ns]
			c.Lines = append(c.Lines, namespaceLines(st, shares, ns)...)
			out[ns] = c
		}
	}
	for ns, c := range out {
		if err := c.total(); err != nil {
			return nil, err
		}
		out[ns] = c
	}
	return out, nil
}

// namespaceLines is ns's part of st: one line per usage type of st, in
// st's order (a type priced at several plans is one line).
func namespaceLines(st Statement, shares map[string]map[string]share, ns string) []CostLine {
	var out []CostLine
	for _, l := range st.Lines {
		if l.Fixed || len(l.MetricLabels) == 0 {
			continue
		}
		ut := l.MetricLabels[0]
		if slices.ContainsFunc(out, func(o CostLine) bool { return o.MetricLabels[0] == ut }) {
			continue
		}
		sh := shares[ut][ns]
		if sh.qty.IsZero() && l.Status == StatusNotMeasured {
			continue // usage no rate prices, none of it here
		}
		nl := CostLine{UsageType: strings.TrimSuffix(l.UsageType, atPlan+l.Plan), MetricLabels: []string{ut}, UnitName: l.UnitName,
			UnitNameBillable: l.UnitNameBillable, Currency: l.Currency, Start: st.From, End: st.To, Status: StatusNoData,
			Plan: l.Plan, UnitPrice: l.UnitPrice, Quantity: sh.qty, Billable: sh.billable, AmountCents: sh.cents}
		if !sh.qty.IsZero() {
			nl.Status = StatusActive
			if l.Status == StatusNotMeasured {
				nl.Status = StatusNotMeasured
			}
		}
		out = append(out, nl)
	}
	return out
}

// share is one namespace's part of a usage type.
type share struct {
	qty      decimal.Decimal
	billable int64
	cents    int64
}

// allocate shares each usage type's amount and billable units on lines
// among the namespaces of rows, in proportion to their quantities: each
// gets the floor of its exact share, and the units left go one each to the
// largest remainders. Types with no quantity in rows share nothing.
func allocate(lines []CostLine, rows []Rollup) map[string]map[string]share {
	type total struct{ cents, billable int64 }
	totals := map[string]*total{}
	for _, l := range lines {
		if l.Fixed || len(l.MetricLabels) == 0 {
			continue
		}
		t := totals[l.MetricLabels[0]]
		if t == nil {
			t = &total{}
			totals[l.MetricLabels[0]] = t
		}
		t.cents += l.AmountCents
		t.billable += l.Billable
	}
	qty := map[string]map[string]decimal.Decimal{} // type → namespace → quantity
	for _, r := range rows {
		m := qty[r.UsageType]
		if m == nil {
			m = map[string]decimal.Decimal{}
			qty[r.UsageType] = m
		}
		m[r.Namespace] = m[r.Namespace].Add(r.Quantity)
	}
	out := map[string]map[string]share{}
	for ut, m := range qty {
		t := totals[ut]
		if t == nil {
			t = &total{}
		}
		nss := make([]string, 0, len(m))
		sum := decimal.Zero
		for ns, q := range m {
			nss = append(nss, ns)
			sum = sum.Add(q)
		}
		slices.Sort(nss)
		res := map[string]share{}
		for _, ns := range nss {
			res[ns] = share{qty: m[ns]}
		}
		if sum.Sign() > 0 {
			cents := largestRemainder(t.cents, nss, m, sum)
			billable := largestRemainder(t.billable, nss, m, sum)
			for i, ns := range nss {
				res[ns] = share{qty: m[ns], cents: cents[i], billable: billable[i]}
			}
		}
		out[ut] = res
	}
	return out
}

// largestRemainder splits amount among nss in proportion to q (summing to
// sum > 0): floors first, then one unit each to the largest remainders,
// ties to the earlier namespace (nss is sorted), so the parts add up to
// amount exactly and the split is deterministic.
func largestRemainder(amount int64, nss []string, q map[string]decimal.Decimal, sum decimal.Decimal) []int64 {
	parts := make([]int64, len(nss))
	rems := make([]decimal.Decimal, len(nss))
	left := amount
	a := decimal.NewFromInt(amount)
	for i, ns := range nss {
		exact := a.Mul(q[ns]).Div(sum)
		// Div keeps 16 digits after the point: remainders compare at that
		// precision, the floors are exact for any amount within MaxCents.
		fl := exact.Floor()
		parts[i], rems[i] = fl.IntPart(), exact.Sub(fl)
		left -= parts[i]
	}
	order := make([]int, len(nss))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int { return cmp.Or(rems[y].Cmp(rems[x]), x-y) })
	for k := 0; left > 0 && len(order) > 0; k = (k + 1) % len(order) {
		parts[order[k]]++
		left--
	}
	return parts
}
