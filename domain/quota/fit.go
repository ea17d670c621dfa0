package quota

import (
	"context"
	"fmt"
	"sort"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/tenancy"
)

// TenantCounterLister is the repository query Misfits needs: every usage
// counter of a tenant, whatever its namespace, in one statement. The store's
// quota repository implements it next to Repository.
type TenantCounterLister interface {
	TenantCounters(ctx context.Context, tenantID string) ([]Counter, error)
}

// Misfit is one counter over the limit it would have.
type Misfit struct {
	Namespace string
	Class     Class
	Key       string
	Used      Amount
	Limit     Amount
}

// String names the misfit for a failure reason, e.g.
// `objects/http_loadbalancer in "system" (used 6, limit 5)`.
func (m Misfit) String() string {
	return fmt.Sprintf("%s/%s in %q (used %s, limit %s)", m.Class, m.Key, m.Namespace, m.Used, m.Limit)
}

// Misfits returns the object and resource counters of the tenant that would
// be over their effective limits if planSpec were the plan layer: each
// namespace keeps its quota objects (system, then its own) above the plan,
// exactly as the effective limits are built. API counters are rates, not
// stock, so they always fit. It is for trusted callers (the plan transition
// flow has authorized an admin) and runs two queries: the counters, then
// the quota objects of the namespaces that have usage.
//
// Misfits must run inside the transaction that switches the plan: it first
// takes the tenant's limits lock exclusively (see Repository.LockLimits), so
// the counters it reads include every reservation made under the old limits
// and no reservation can add to them until that transaction ends.
func (s *Service) Misfits(ctx context.Context, tenantID string, planSpec Spec) ([]Misfit, error) {
	lister, ok := s.c.Repo.(TenantCounterLister)
	if !ok {
		return nil, errs.New(errs.Internal, "quota repository cannot list a tenant's counters")
	}
	if err := s.c.Repo.LockLimits(ctx, tenantID, true); err != nil {
		return nil, err
	}
	counters, err := lister.TenantCounters(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	nss := []string{tenancy.SystemNamespace}
	for _, c := range counters {
		if c.Used > 0 && c.Class != APIs {
			nss = append(nss, c.Namespace)
		}
	}
	if len(nss) == 1 {
		return nil, nil
	}
	qs, err := s.c.Repo.ListByNamespaces(ctx, tenantID, uniq(nss))
	if err != nil {
		return nil, err
	}
	return misfits(planSpec, qs, counters), nil
}

// misfits is the pure part of Misfits.
func misfits(planSpec Spec, qs []Quota, counters []Counter) []Misfit {
	specs := map[string][]Spec{}
	for _, q := range qs {
		if !q.Disable {
			specs[q.Namespace] = append(specs[q.Namespace], q.Spec)
		}
	}
	limits := map[string]Spec{}
	var out []Misfit
	for _, c := range counters {
		if c.Used <= 0 || c.Class == APIs {
			continue
		}
		lim, ok := limits[c.Namespace]
		if !ok {
			layers := []Layer{{Source: "plan", Specs: []Spec{planSpec}}, {Source: tenancy.SystemNamespace, Specs: specs[tenancy.SystemNamespace]}}
			if c.Namespace != tenancy.SystemNamespace {
				layers = append(layers, Layer{Source: c.Namespace, Specs: specs[c.Namespace]})
			}
			lim = Effective(layers...)
			limits[c.Namespace] = lim
		}
		var max Amount
		switch c.Class {
		case Objects:
			l, ok := lim.ObjectLimits[c.Key]
			if !ok {
				continue
			}
			max = Units(int64(l.Maximum))
		case Resources:
			l, ok := lim.ResourceLimits[c.Key]
			if !ok {
				continue
			}
			max = AmountFromFloat(l.Maximum)
		default:
			continue
		}
		if c.Used > max {
			out = append(out, Misfit{Namespace: c.Namespace, Class: c.Class, Key: c.Key, Used: c.Used, Limit: max})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		if a.Class != b.Class {
			return a.Class < b.Class
		}
		return a.Key < b.Key
	})
	return out
}
