package usage

import (
	"context"
	"slices"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/tenancy"
)

// UsageByNamespaces is UsageDetails for many namespaces of the caller's
// tenant at once, for the GraphQL dataloaders: it authorizes a read of every
// namespace, then reads the plan once and the rollups of all of them with
// one Rollups query, whatever their number. The answer has an entry for
// every namespace asked (an empty slice when it has no usage); each entry is
// exactly what UsageDetails(ctx, ns, from, to) answers. As there, the system
// namespace stands for the whole tenant.
func (s *Service) UsageByNamespaces(ctx context.Context, nss []string, from, to time.Time) (map[string][]UsageItem, error) {
	ctx = kernel.AllowStaleReads(ctx) // a report: a standby within its bound may answer
	view, nss, from, to, err := s.prefetch(ctx, nss, from, to)
	if err != nil || view == nil {
		return map[string][]UsageItem{}, err
	}
	out := make(map[string][]UsageItem, len(nss))
	for _, ns := range nss {
		items, err := view.UsageDetails(ctx, ns, from, to)
		if err != nil {
			return nil, err
		}
		if items == nil {
			items = []UsageItem{}
		}
		out[ns] = items
	}
	return out, nil
}

// CostByNamespaces is CurrentUsage for many namespaces at once, with the same
// guarantees as UsageByNamespaces: one plan lookup and one Rollups query for
// all of them, and per namespace exactly what CurrentUsage answers.
func (s *Service) CostByNamespaces(ctx context.Context, nss []string, from, to time.Time) (map[string]Cost, error) {
	ctx = kernel.AllowStaleReads(ctx) // a report: a standby within its bound may answer
	view, nss, from, to, err := s.prefetch(ctx, nss, from, to)
	if err != nil || view == nil {
		return map[string]Cost{}, err
	}
	out := make(map[string]Cost, len(nss))
	for _, ns := range nss {
		c, err := view.CurrentUsage(ctx, ns, from, to)
		if err != nil {
			return nil, err
		}
		out[ns] = c
	}
	return out, nil
}

// prefetch authorizes the caller on every namespace, resolves the report
// range once, and fetches the plan and the rollups of all the namespaces.
// It returns a view of s whose repository and plan source answer from what
// was fetched, so the report methods of report.go build each namespace's
// answer without another statement: the batch reuses their logic instead of
// copying it. The namespaces come back deduplicated, in first-seen order, and
// from/to normalised (so report.go's own normalisation leaves them as they
// are). A nil view means there was nothing to fetch.
func (s *Service) prefetch(ctx context.Context, nss []string, from, to time.Time) (*Service, []string, time.Time, time.Time, error) {
	var zero time.Time
	p, err := tenancy.PrincipalFrom(ctx)
	if err != nil {
		return nil, nil, zero, zero, err
	}
	uniq := make([]string, 0, len(nss))
	wholeTenant := false
	for _, ns := range nss {
		if slices.Contains(uniq, ns) {
			continue
		}
		_, scope, err := s.reportScope(ctx, ns)
		if err != nil {
			return nil, nil, zero, zero, err
		}
		wholeTenant = wholeTenant || scope == nil
		uniq = append(uniq, ns)
	}
	if from, to, err = s.reportRange(from, to); err != nil {
		return nil, nil, zero, zero, err
	}
	if len(uniq) == 0 {
		return nil, uniq, from, to, nil
	}
	pl, err := s.c.Plans.PlanOf(ctx, p.TenantID)
	if err != nil {
		return nil, nil, zero, zero, err
	}
	scope := uniq
	if wholeTenant {
		scope = nil // system covers every namespace; one query still fetches all
	}
	rows, err := s.c.Repo.Rollups(ctx, p.TenantID, scope, from, to)
	if err != nil {
		return nil, nil, zero, zero, err
	}
	view := &Service{c: s.c}
	view.c.Repo = &prefetchedRepo{Repository: s.c.Repo, tenantID: p.TenantID, from: from, to: to, rows: rows}
	view.c.Plans = fixedPlan{PlanSource: s.c.Plans, tenantID: p.TenantID, plan: pl}
	return view, uniq, from, to, nil
}

// prefetchedRepo answers Rollups from rows fetched once for a batch. Only the
// tenant and range it was fetched for can be answered; anything else is a
// bug of the batch code and fails rather than silently querying again. The
// other methods are the real repository's (the reports of a batch never
// call them).
type prefetchedRepo struct {
	Repository
	tenantID string
	from, to time.Time
	rows     []Rollup
}

// Rollups returns the prefetched rows of nss (all rows when nss is nil), in
// the repository's order.
func (r *prefetchedRepo) Rollups(_ context.Context, tenantID string, nss []string, from, to time.Time) ([]Rollup, error) {
	if tenantID != r.tenantID || !from.Equal(r.from) || !to.Equal(r.to) {
		return nil, errs.New(errs.Internal, "batched usage report asked for rows it did not fetch")
	}
	if nss == nil {
		return r.rows, nil
	}
	var out []Rollup
	for _, row := range r.rows {
		if slices.Contains(nss, row.Namespace) {
			out = append(out, row)
		}
	}
	return out, nil
}

// TypeTotals returns the prefetched rows (Rollups): the batch sums them
// itself.
func (r *prefetchedRepo) TypeTotals(ctx context.Context, tenantID string, nss []string, from, to time.Time) ([]Rollup, error) {
	return r.Rollups(ctx, tenantID, nss, from, to)
}

// fixedPlan answers PlanOf with the plan read once for a batch.
type fixedPlan struct {
	PlanSource
	tenantID string
	plan     plan.Plan
}

// PlanOf returns the prefetched plan of the batch's tenant.
func (f fixedPlan) PlanOf(ctx context.Context, tenantID string) (plan.Plan, error) {
	if tenantID != f.tenantID {
		return f.PlanSource.PlanOf(ctx, tenantID)
	}
	return f.plan, nil
}
