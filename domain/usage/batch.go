package usage

import (
	"context"
	"slices"
	"time"

	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/tenancy"
)

// UsageByNamespaces is UsageDetails for many namespaces of the caller's
// tenant at once, for the GraphQL dataloaders: it authorizes a read of every
// namespace, then reads the plan once and the rollups of all of them with
// one Rollups query, whatever their number. The answer has an entry for
// every namespace asked (an empty slice when it has no usage); each entry is
// exactly what UsageDetails(ctx, ns, from, to) answers but for HourlyQuery,
// left empty: GraphQL has no field for the token, and signing it was an HMAC
// and a JSON document per item. As there, the system namespace stands for
// the whole tenant.
func (s *Service) UsageByNamespaces(ctx context.Context, p tenancy.Principal, nss []string, from, to time.Time) (map[string][]UsageItem, error) {
	out, err := s.UsageByRanges(ctx, p, nss, []Window{{From: from, To: to}})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// UsageByRanges is UsageByNamespaces of every range of ranges (the i-th
// answers ranges[i]): the plan once and the hourly rollups of the union of
// the ranges with one Rollups query, each range's answer built from its
// hours, so the statements do not grow with the ranges.
func (s *Service) UsageByRanges(ctx context.Context, p tenancy.Principal, nss []string, ranges []Window) ([]map[string][]UsageItem, error) {
	ctx = kernel.AllowStaleReads(ctx) // a report: a standby within its bound may answer
	bs, err := s.prefetch(ctx, p, nss, ranges, func(ctx context.Context, tenantID string, scope []string, norm []Window) ([][]Rollup, error) {
		from, to := norm[0].From, norm[0].To
		for _, r := range norm {
			from, to = kernel.Earlier(from, r.From), kernel.Later(to, r.To)
		}
		rows, err := s.c.Repo.Rollups(ctx, tenantID, scope, from, to)
		if err != nil {
			return nil, err
		}
		out := make([][]Rollup, len(norm))
		for i, r := range norm {
			if r.From.Equal(from) && r.To.Equal(to) {
				out[i] = rows
				continue
			}
			for _, row := range rows {
				if h := row.Hour; !h.Before(r.From) && h.Before(r.To) {
					out[i] = append(out[i], row)
				}
			}
		}
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	return s.itemsOf(p, bs, false)
}

// UsageTotalsByRanges is UsageByRanges without the hourly breakdowns (each
// item's Hourly is nil): the database sums each object's hours, so a month
// of 50 namespaces reads one row per object instead of one per object and
// hour. Quantities and order are those of UsageByRanges. The plan
// is read once, and the objects' sums of every range with one query
// (ObjectTotals), which the database makes per range: reading the hourly
// rows of the ranges' union instead would ship every object's hours, what
// these totals exist to avoid.
func (s *Service) UsageTotalsByRanges(ctx context.Context, p tenancy.Principal, nss []string, ranges []Window) ([]map[string][]UsageItem, error) {
	ctx = kernel.AllowStaleReads(ctx) // a report: a standby within its bound may answer
	bs, err := s.prefetch(ctx, p, nss, ranges, s.c.Repo.ObjectTotals)
	if err != nil {
		return nil, err
	}
	return s.itemsOf(p, bs, true)
}

// itemsOf builds every namespace's usage items of each batch (one per
// range); totals drops the hourly breakdowns.
func (s *Service) itemsOf(p tenancy.Principal, bs []*batch, totals bool) ([]map[string][]UsageItem, error) {
	out := make([]map[string][]UsageItem, len(bs))
	for i, b := range bs {
		out[i] = map[string][]UsageItem{}
		if b == nil {
			continue
		}
		for _, ns := range b.nss {
			scope, err := reportScope(p, ns)
			if err != nil {
				return nil, err
			}
			items := s.usageItems(b.plan, b.from, b.to, b.rowsOf(scope))
			if totals {
				for j := range items {
					items[j].Hourly = nil
				}
			}
			if items == nil {
				items = []UsageItem{}
			}
			out[i][ns] = items
		}
	}
	return out, nil
}

// CostByNamespaces is CurrentUsage for many namespaces at once, with the same
// guarantees as UsageByNamespaces: the statements of the range are read once
// for all of them, and per namespace the answer is exactly what CurrentUsage
// answers.
func (s *Service) CostByNamespaces(ctx context.Context, p tenancy.Principal, nss []string, from, to time.Time) (map[string]Cost, error) {
	out, err := s.CostByRanges(ctx, p, nss, []Window{{From: from, To: to}})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// CostByRanges is CostByNamespaces of every range of ranges (the i-th
// answers ranges[i], zero times taking reportRange's defaults) with a
// number of statements that does not grow with the ranges: the statements
// of every range's month windows are one Statements call, and the
// namespaces' shares of all of them one read (windowShares). Per namespace
// and range the answer is exactly what CurrentUsage answers.
func (s *Service) CostByRanges(ctx context.Context, p tenancy.Principal, nss []string, ranges []Window) ([]map[string]Cost, error) {
	return s.costByRanges(ctx, p, nss, ranges, nil)
}

// costByRanges is CostByRanges; have, when not nil, are hourly rows of
// every namespace the caller read already (windowShares).
func (s *Service) costByRanges(ctx context.Context, p tenancy.Principal, nss []string, ranges []Window, have *hourRows) ([]map[string]Cost, error) {
	ctx = kernel.AllowStaleReads(ctx) // a report: a standby within its bound may answer
	scopes := map[string][]string{}
	for _, ns := range nss {
		scope, err := reportScope(p, ns)
		if err != nil {
			return nil, err
		}
		scopes[ns] = scope
	}
	norm, err := s.reportRanges(ranges)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]Cost, len(ranges))
	for i := range out {
		out[i] = map[string]Cost{}
	}
	if len(scopes) == 0 || len(ranges) == 0 {
		return out, nil
	}
	var named []string
	for _, ns := range nss {
		if scopes[ns] != nil && !slices.Contains(named, ns) {
			named = append(named, ns)
		}
	}
	ctx = readingShares(ctx, len(named) > 0 && have == nil)
	stss, err := s.rangeStatements(ctx, p, norm)
	if err != nil {
		return nil, err
	}
	// The namespaces' shares of every statement come from one read,
	// however many namespaces and ranges are asked.
	var sh map[windowKey]map[string]map[string]share
	if len(named) > 0 {
		var all []Statement
		for _, sts := range stss {
			all = append(all, sts...)
		}
		if sh, err = s.windowShares(ctx, p, all, have); err != nil {
			return nil, err
		}
	}
	for i, sts := range stss {
		from, to := norm[i].From, norm[i].To
		for ns, scope := range scopes {
			if scope == nil {
				if out[i][ns], err = s.costOf(ctx, p, sts, nil, from, to); err != nil {
					return nil, err
				}
			}
		}
		if len(named) > 0 {
			per, err := s.namespaceCostsOf(sh, sts, named, from, to)
			if err != nil {
				return nil, err
			}
			for ns, c := range per {
				out[i][ns] = c
			}
		}
	}
	return out, nil
}

// rangesReader reads the rows of scope's rollups (or sums of them) of
// each range of norm (normalised by reportRange), one slice per range.
type rangesReader func(ctx context.Context, tenantID string, scope []string, norm []Window) ([][]Rollup, error)

// batch is what prefetch read for a batch of namespaces over one range:
// the tenant's plan and the rollups of all of them. The report methods of
// report.go build each namespace's answer from it (usageItems, cost), so
// the batch reuses their logic without another statement.
type batch struct {
	plan plan.Plan
	// nss are the namespaces asked, deduplicated, in first-seen order.
	nss      []string
	from, to time.Time
	rows     []Rollup
}

// rowsOf returns the rows of scope (all rows when scope is nil, the system
// namespace's report), in the repository's order.
func (b *batch) rowsOf(scope []string) []Rollup {
	if scope == nil {
		return b.rows
	}
	var out []Rollup
	for _, row := range b.rows {
		if slices.Contains(scope, row.Namespace) {
			out = append(out, row)
		}
	}
	return out
}

// prefetch authorizes the caller on every namespace, resolves each report
// range (normalised as report.go does), and fetches the plan once and the
// rollups of all the namespaces over every range with read. The i-th batch
// answers ranges[i]; all are nil when there was nothing to fetch.
func (s *Service) prefetch(ctx context.Context, p tenancy.Principal, nss []string, ranges []Window, read rangesReader) ([]*batch, error) {
	if err := p.OnTenant(); err != nil {
		return nil, err
	}
	uniq := make([]string, 0, len(nss))
	wholeTenant := false
	for _, ns := range nss {
		if slices.Contains(uniq, ns) {
			continue
		}
		scope, err := reportScope(p, ns)
		if err != nil {
			return nil, err
		}
		wholeTenant = wholeTenant || scope == nil
		uniq = append(uniq, ns)
	}
	norm, err := s.reportRanges(ranges)
	if err != nil {
		return nil, err
	}
	out := make([]*batch, len(ranges))
	if len(uniq) == 0 || len(ranges) == 0 {
		return out, nil
	}
	pl, err := s.c.Plans.PlanOf(ctx, p)
	if err != nil {
		return nil, err
	}
	scope := uniq
	if wholeTenant {
		scope = nil // system covers every namespace; one query still fetches all
	}
	rows, err := read(ctx, p.TenantID, scope, norm)
	if err != nil {
		return nil, err
	}
	for i, r := range norm {
		out[i] = &batch{plan: pl, nss: uniq, from: r.From, to: r.To, rows: rows[i]}
	}
	return out, nil
}

// reportRanges is reportRange of each range: the report's defaults and
// checks, one window per range.
func (s *Service) reportRanges(ranges []Window) ([]Window, error) {
	out := make([]Window, len(ranges))
	for i, r := range ranges {
		from, to, err := s.reportRange(r.From, r.To)
		if err != nil {
			return nil, err
		}
		out[i] = Window{From: from, To: to}
	}
	return out, nil
}
