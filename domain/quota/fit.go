package quota

import (
	"context"
	"fmt"
	"sort"

	"github.com/billingd/billingd/domain/tenancy"
)

// Misfit is one tenant-wide counter over the limit it would have.
type Misfit struct {
	// Namespace is "system": the limits a plan sets bind the tenant-wide
	// sum, which "system" reports.
	Namespace string
	Class     Class
	Key       string
	Used      Amount
	Limit     Amount
}

// String names the misfit for a failure reason, e.g.
// `objects/http_loadbalancer tenant-wide (used 6, limit 5)`.
func (m Misfit) String() string {
	return fmt.Sprintf("%s/%s tenant-wide (used %s, limit %s)", m.Class, m.Key, m.Used, m.Limit)
}

// Misfits returns the object and resource keys whose tenant-wide usage would
// be over the tenant-wide limit if planSpec were the plan layer: the quota
// objects of "system" stay above the plan, exactly as the limits are built
// (see Levels). The namespaces' own caps do not depend on the plan, so a plan
// change cannot break them. API counters are rates, not stock, so they
// always fit. p is the caller the plan transition flow acts for (an admin
// initiating, or an operator approving, acting on the transition's tenant);
// it runs two queries: the tenant-wide totals, then
// the quota objects of "system".
//
// Misfits must run inside the transaction that switches the plan: it first
// takes the tenant's limits lock exclusively (see Repository.LockLimits), so
// the totals it reads include every reservation made under the old limits
// and no reservation can add to them until that transaction ends.
func (s *Service) Misfits(ctx context.Context, p tenancy.Principal, planSpec Spec) ([]Misfit, error) {
	if err := p.OnTenant(); err != nil {
		return nil, err
	}
	// The counters are tenant-wide: a credential bound to one namespace
	// may not learn them.
	if err := p.Authorize(tenancy.Read, tenancy.SystemNamespace); err != nil {
		return nil, err
	}
	tenantID := p.TenantID
	if err := s.c.Repo.LockLimits(ctx, tenantID, true); err != nil {
		return nil, err
	}
	totals, err := s.c.Repo.TenantTotals(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	inUse := false
	for _, c := range totals {
		inUse = inUse || (c.Used > 0 && c.Class != APIs)
	}
	if !inUse {
		return nil, nil
	}
	qs, err := s.c.Repo.ListByNamespaces(ctx, tenantID, []string{tenancy.SystemNamespace})
	if err != nil {
		return nil, err
	}
	return misfits(planSpec, qs, totals), nil
}

// misfits is the pure part of Misfits: totals are the tenant-wide counters.
func misfits(planSpec Spec, qs []Quota, totals []Counter) []Misfit {
	lim := tenantLevels(planSpec, enabledSpecs(qs)).Tenant
	var out []Misfit
	for _, c := range totals {
		if c.Used <= 0 {
			continue
		}
		max, ok := lim.maxOf(c.Class, c.Key)
		if !ok {
			continue
		}
		if c.Used > max {
			out = append(out, Misfit{Namespace: tenancy.SystemNamespace, Class: c.Class, Key: c.Key, Used: c.Used, Limit: max})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Class != b.Class {
			return a.Class < b.Class
		}
		return a.Key < b.Key
	})
	return out
}
