package quota

import "sort"

// Layer is one source of limits, lowest priority first: the plan's default
// quota, then the system namespace, then the namespace itself.
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

// Counter is the current usage of one key in one namespace.
type Counter struct {
	Namespace string
	Class     Class
	Key       string
	Used      Amount
}

// Item is one line of a quota report: the effective limit (if any) and the
// current usage of a key.
type Item struct {
	Class       Class
	Key         string
	DisplayName string
	// Max is the object or resource limit; nil when the key has none.
	Max *Amount
	// Rate is the API rate limit; nil when the key has none.
	Rate    *RateLimit
	Current Amount
}

// Report is the effective limits and usage of one namespace.
type Report struct {
	Namespace string
	Limits    Spec
	Items     map[Class][]Item
}

// BuildReport joins limits and counters: every limited key appears, and so
// does every counted key without a limit (it is unlimited but still counted).
func BuildReport(ns string, limits Spec, counters []Counter) Report {
	used := map[Class]map[string]Amount{Objects: {}, Resources: {}, APIs: {}}
	for _, c := range counters {
		if m, ok := used[c.Class]; ok {
			m[c.Key] = c.Used
		}
	}
	items := map[Class]map[string]*Item{Objects: {}, Resources: {}, APIs: {}}
	get := func(c Class, k string) *Item {
		it, ok := items[c][k]
		if !ok {
			it = &Item{Class: c, Key: k, DisplayName: DisplayName(c, k), Current: used[c][k]}
			items[c][k] = it
		}
		return it
	}
	for k, v := range limits.ObjectLimits {
		m := Units(int64(v.Maximum))
		get(Objects, k).Max = &m
	}
	for k, v := range limits.ResourceLimits {
		m := AmountFromFloat(v.Maximum)
		get(Resources, k).Max = &m
	}
	for k, v := range limits.APILimits {
		r := v
		get(APIs, k).Rate = &r
	}
	for c, m := range used {
		for k := range m {
			get(c, k)
		}
	}
	rep := Report{Namespace: ns, Limits: limits, Items: map[Class][]Item{}}
	for c, m := range items {
		list := make([]Item, 0, len(m))
		for _, it := range m {
			list = append(list, *it)
		}
		sort.Slice(list, func(i, j int) bool { return list[i].Key < list[j].Key })
		rep.Items[c] = list
	}
	return rep
}
