package quota

import (
	"sort"

	"github.com/billingd/billingd/domain/tenancy"
)

// Layer is one source of limits, lowest priority first: the plan's default
// quota, then the system namespace (together the tenant-wide level, see
// Levels); a namespace's own objects are a level of their own.
type Layer struct {
	Source string // "plan", "system" or the namespace name
	Specs  []Spec
}

// Effective merges layers: a key set by a later layer replaces the same key of
// an earlier one. Inside one layer, when several enabled quota objects set the
// same key, the most restrictive value wins, so adding an object can only
// tighten a namespace, never loosen it by accident.
func Effective(layers ...Layer) Spec {
	out := Spec{ObjectLimits: map[string]ObjectLimit{}, ResourceLimits: map[string]ResourceLimit{}, APILimits: map[string]RateLimit{}}
	for _, l := range layers {
		lay := Spec{ObjectLimits: map[string]ObjectLimit{}, ResourceLimits: map[string]ResourceLimit{}, APILimits: map[string]RateLimit{}}
		for _, s := range l.Specs {
			for k, v := range s.ObjectLimits {
				if cur, ok := lay.ObjectLimits[k]; !ok || v.Maximum < cur.Maximum {
					lay.ObjectLimits[k] = v
				}
			}
			for k, v := range s.ResourceLimits {
				if cur, ok := lay.ResourceLimits[k]; !ok || v.Maximum < cur.Maximum {
					lay.ResourceLimits[k] = v
				}
			}
			for k, v := range s.APILimits {
				if cur, ok := lay.APILimits[k]; !ok || tighter(v, cur) {
					lay.APILimits[k] = v
				}
			}
		}
		for k, v := range lay.ObjectLimits {
			out.ObjectLimits[k] = v
		}
		for k, v := range lay.ResourceLimits {
			out.ResourceLimits[k] = v
		}
		for k, v := range lay.APILimits {
			out.APILimits[k] = v
		}
	}
	return out
}

// tighter compares two rate limits by tokens per second, then burst.
func tighter(a, b RateLimit) bool {
	ra := float64(a.Rate) / a.Period().Seconds()
	rb := float64(b.Rate) / b.Period().Seconds()
	if ra != rb {
		return ra < rb
	}
	return a.Burst < b.Burst
}

// Levels are the two limits a reservation in a namespace must respect, both
// at once.
type Levels struct {
	// Tenant binds the tenant-wide sum of usage over all namespaces: the
	// plan's default quota, then the enabled quota objects of "system" (the
	// system namespace is the tenant, as F5's own tools read it).
	Tenant Spec
	// Namespace binds the namespace's own usage: its enabled quota objects.
	// It is empty for "system", whose objects are the tenant's.
	Namespace Spec
	// System is what the enabled quota objects of "system" set on their
	// own, so a report can tell a tenant-wide limit of the plan from one of
	// "system" (see Item.Source).
	System Spec
}

// The layers a limit comes from (Item.Source, Item.TenantSource).
const (
	SourcePlan      = "plan"
	SourceSystem    = "system"
	SourceNamespace = "namespace"
)

// tenantSource is the layer of the tenant-wide limit of key k of class c.
func (l Levels) tenantSource(c Class, k string) string {
	if l.System.has(c, k) {
		return SourceSystem
	}
	return SourcePlan
}

// source is the layer of the binding limit of key k of class c: the
// namespace's own when it sets one no looser than the tenant's (Binding
// keeps the tighter; on a tie the namespace's own cap is named).
func (l Levels) source(c Class, k string) string {
	if l.Namespace.has(c, k) && (!l.Tenant.has(c, k) || l.Namespace.noLooser(c, k, l.Tenant)) {
		return SourceNamespace
	}
	return l.tenantSource(c, k)
}

// noLooser reports whether s's limit on key k of class c is what Binding
// keeps when o sets one too: tighter than o's (Effective's test), or the
// same. Both must set one.
func (s Spec) noLooser(c Class, k string, o Spec) bool {
	switch c {
	case Objects:
		return s.ObjectLimits[k].Maximum <= o.ObjectLimits[k].Maximum
	case Resources:
		return s.ResourceLimits[k].Maximum <= o.ResourceLimits[k].Maximum
	}
	return tighter(s.APILimits[k], o.APILimits[k]) || s.APILimits[k] == o.APILimits[k]
}

// has reports whether s sets a limit on key k of class c.
func (s Spec) has(c Class, k string) bool {
	switch c {
	case Objects:
		_, ok := s.ObjectLimits[k]
		return ok
	case Resources:
		_, ok := s.ResourceLimits[k]
		return ok
	}
	_, ok := s.APILimits[k]
	return ok
}

// LevelsOf builds the levels of namespace ns from the plan's default quota
// and the enabled quota specs of each namespace (specs must hold "system"'s).
func LevelsOf(ns string, planSpec Spec, specs map[string][]Spec) Levels {
	return tenantLevels(planSpec, specs).of(ns, specs)
}

// tenantLevels is the part of every namespace's Levels that is the
// tenant's (Tenant and System), computed once for many namespaces.
func tenantLevels(planSpec Spec, specs map[string][]Spec) Levels {
	return Levels{Tenant: Effective(Layer{Source: SourcePlan, Specs: []Spec{planSpec}}, Layer{Source: SourceSystem, Specs: specs[tenancy.SystemNamespace]}),
		System: Effective(Layer{Source: SourceSystem, Specs: specs[tenancy.SystemNamespace]})}
}

// of is the levels of namespace ns: l's tenant part (shared, never
// changed) and ns's own enabled quota specs.
func (l Levels) of(ns string, specs map[string][]Spec) Levels {
	if ns == tenancy.SystemNamespace {
		l.Namespace = Effective()
	} else {
		l.Namespace = Effective(Layer{Source: ns, Specs: specs[ns]})
	}
	return l
}

// Binding is the most restrictive of both levels per key: the most the
// namespace could reach on its own, what its quota report shows as limit.
func (l Levels) Binding() Spec {
	return Effective(Layer{Specs: []Spec{l.Tenant, l.Namespace}})
}

// maxOf is the stock limit of key k of class c in s (object or resource);
// false when s sets none. API limits are rates, not a ceiling of the count.
func (s Spec) maxOf(c Class, k string) (Amount, bool) {
	switch c {
	case Objects:
		if l, ok := s.ObjectLimits[k]; ok {
			return Units(int64(l.Maximum)), true
		}
	case Resources:
		if l, ok := s.ResourceLimits[k]; ok {
			return AmountFromFloat(l.Maximum), true
		}
	}
	return 0, false
}

// TenantWide is the Namespace of a Counter that holds the tenant-wide total
// of its key (no namespace is named "").
const TenantWide = ""

// Counter is the current usage of one key in one namespace, or of the whole
// tenant when Namespace is TenantWide.
type Counter struct {
	Namespace string
	Class     Class
	Key       string
	Used      Amount
}

// Item is one line of a quota report: the limits (if any) and the current
// usage of a key, for the namespace and for the whole tenant.
type Item struct {
	Class       Class
	Key         string
	DisplayName string
	// Max is the binding object or resource limit of the namespace (the
	// tighter of its own cap and the tenant-wide limit); nil when the key
	// has none.
	Max *Amount
	// Rate is the binding API rate limit of the namespace; nil when none.
	Rate *RateLimit
	// Current is the namespace's usage; in "system" it is the tenant's.
	Current Amount
	// TenantMax is the tenant-wide limit of the key; nil when none.
	TenantMax *Amount
	// TenantRate is the tenant-wide API rate limit (one bucket shared by
	// every namespace); nil when none.
	TenantRate *RateLimit
	// TenantCurrent is the usage of the whole tenant.
	TenantCurrent Amount
	// Source is the layer of Max (or Rate): SourcePlan, SourceSystem or
	// SourceNamespace; "" when the key has no limit.
	Source string
	// TenantSource is the layer of TenantMax (or TenantRate): SourcePlan
	// or SourceSystem; "" when the key has no tenant-wide limit.
	TenantSource string
}

// Report is the limits and usage of one namespace.
type Report struct {
	Namespace string
	// Limits are the binding limits of the namespace (Levels.Binding).
	Limits Spec
	// TenantLimits are the tenant-wide limits (Levels.Tenant).
	TenantLimits Spec
	Items        map[Class][]Item
}

// BuildReport joins limits and counters: every limited key appears, and so
// does every key counted anywhere in the tenant (unlimited but still
// counted). counters are the namespace's; totals the tenant-wide ones. The
// "system" namespace reports the tenant: its Current is the tenant-wide
// total.
func BuildReport(ns string, lv Levels, counters, totals []Counter) Report {
	byKey := func(cs []Counter) map[Class]map[string]Amount {
		m := map[Class]map[string]Amount{Objects: {}, Resources: {}, APIs: {}}
		for _, c := range cs {
			if keys, ok := m[c.Class]; ok {
				keys[c.Key] = c.Used
			}
		}
		return m
	}
	used, tenant := byKey(counters), byKey(totals)
	if ns == tenancy.SystemNamespace {
		used = tenant
	}
	binding := lv.Binding()
	items := map[Class]map[string]*Item{Objects: {}, Resources: {}, APIs: {}}
	get := func(c Class, k string) *Item {
		it, ok := items[c][k]
		if !ok {
			it = &Item{Class: c, Key: k, DisplayName: DisplayName(c, k), Current: used[c][k], TenantCurrent: tenant[c][k]}
			items[c][k] = it
		}
		return it
	}
	objects := func(s Spec, set func(*Item, *Amount)) {
		for k, v := range s.ObjectLimits {
			m := Units(int64(v.Maximum))
			set(get(Objects, k), &m)
		}
		for k, v := range s.ResourceLimits {
			m := AmountFromFloat(v.Maximum)
			set(get(Resources, k), &m)
		}
	}
	objects(binding, func(it *Item, m *Amount) { it.Max = m })
	objects(lv.Tenant, func(it *Item, m *Amount) { it.TenantMax = m })
	for k, v := range binding.APILimits {
		r := v
		get(APIs, k).Rate = &r
	}
	for k, v := range lv.Tenant.APILimits {
		r := v
		get(APIs, k).TenantRate = &r
	}
	for _, m := range []map[Class]map[string]Amount{used, tenant} {
		for c, keys := range m {
			for k := range keys {
				get(c, k)
			}
		}
	}
	rep := Report{Namespace: ns, Limits: binding, TenantLimits: lv.Tenant, Items: map[Class][]Item{}}
	for c, m := range items {
		list := make([]Item, 0, len(m))
		for _, it := range m {
			if binding.has(c, it.Key) {
				it.Source = lv.source(c, it.Key)
			}
			if lv.Tenant.has(c, it.Key) {
				it.TenantSource = lv.tenantSource(c, it.Key)
			}
			list = append(list, *it)
		}
		sort.Slice(list, func(i, j int) bool { return list[i].Key < list[j].Key })
		rep.Items[c] = list
	}
	return rep
}
