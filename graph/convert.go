package graph

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/billingd/billingd/domain/audit"
	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/invoice"
	"github.com/billingd/billingd/domain/labels"
	"github.com/billingd/billingd/domain/payment"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/domain/subscription"
	"github.com/billingd/billingd/domain/text"
	"github.com/billingd/billingd/domain/usage"
	"github.com/billingd/billingd/graph/model"
	// Aliased: this package's decimal() maps quota amounts.
	shopdecimal "github.com/shopspring/decimal"
)

// This file is the one mapping between GraphQL models and domain types.
// Lists on the wire are sorted by key so answers are stable; inputs arrive as
// lists (GraphQL has no maps) and become maps, where a repeated key is an
// input error rather than a silent last-one-wins.

// maxPageSize bounds `first`. With it, the depth limit and the complexity
// limit (which counts fields), the size of any answer is bounded.
const maxPageSize = 100

// --- pagination ---

// encodeCursor makes the opaque cursor of a name (of a namespace, or of a
// quota inside its namespace).
func encodeCursor(name string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(name))
}

// decodeCursor returns the name inside an `after` cursor ("" for none).
func decodeCursor(field string, after *string) (string, error) {
	if after == nil || *after == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(*after)
	// A cursor names a stored object: NUL or invalid UTF-8 inside it is
	// forged and would reach SQL (PostgreSQL refuses NUL in text: a 500).
	if err != nil || len(b) == 0 || text.Problem(string(b)) != "" {
		return "", fieldError(field, "is not a cursor returned by this API")
	}
	return string(b), nil
}

// pageSize returns `first`, or def when it was sent as null.
func pageSize(field string, first *int32, def int) (int, error) {
	if first == nil {
		return def, nil
	}
	if *first < 1 || *first > maxPageSize {
		return 0, fieldError(field, fmt.Sprintf("must be between 1 and %d", maxPageSize))
	}
	return int(*first), nil
}

// window is a Relay page request: `first` items after `after`, or `last`
// items before `before` (cursors decoded to the names they hold).
type window struct {
	first, last   int
	after, before string
	backward      bool
}

// pageWindow reads the four Relay arguments: first/after page forward,
// last/before backward; both sizes at once is INVALID_ARGUMENT, and none
// pages forward by def.
func pageWindow(first *int32, after *string, last *int32, before *string, def int) (window, error) {
	var w window
	var f errs.Fields
	if first != nil && last != nil {
		f.Add("last", "cannot be combined with first: page forward with first/after or backward with last/before")
	}
	var err error
	if w.after, err = decodeCursor("after", after); err != nil {
		f = append(f, errs.As(err).Fields...)
	}
	if w.before, err = decodeCursor("before", before); err != nil {
		f = append(f, errs.As(err).Fields...)
	}
	if w.first, err = pageSize("first", first, def); err != nil {
		f = append(f, errs.As(err).Fields...)
	}
	if last != nil {
		w.backward = true
		if w.last, err = pageSize("last", last, def); err != nil {
			f = append(f, errs.As(err).Fields...)
		}
	}
	return w, f.Err()
}

// cut narrows the items [lo, hi) left by the cursors of a list of n items
// to the page, and says where the page sits in the whole list.
func (w window) cut(lo, hi, n int) (int, int, *model.PageInfo) {
	if w.backward {
		if hi-lo > w.last {
			lo = hi - w.last
		}
	} else if hi-lo > w.first {
		hi = lo + w.first
	}
	return lo, hi, &model.PageInfo{HasPreviousPage: lo > 0, HasNextPage: hi < n}
}

// setEnds fills the start and end cursors of a page of n edges.
func setEnds(p *model.PageInfo, n int, cursor func(int) string) {
	if n == 0 {
		return
	}
	start, end := cursor(0), cursor(n-1)
	p.StartCursor, p.EndCursor = &start, &end
}

func namespaceModel(name string) *model.Namespace {
	return &model.Namespace{ID: globalID(nodeNamespace, name), Name: name}
}

// optString is null for "": the schema answers absent values as null.
func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// limitSource maps the layer of a limit; "" (no limit) is null.
func limitSource(s string) *model.QuotaLimitSource {
	var m model.QuotaLimitSource
	switch s {
	case quota.SourcePlan:
		m = model.QuotaLimitSourcePlan
	case quota.SourceSystem:
		m = model.QuotaLimitSourceSystem
	case quota.SourceNamespace:
		m = model.QuotaLimitSourceNamespace
	default:
		return nil
	}
	return &m
}

// utilization is used / max × 100 rounded half-up to 2 decimals (exact:
// both are integer millionths); null without a limit, 100 for a limit of 0.
func utilization(used quota.Amount, max *quota.Amount) *model.Decimal {
	if max == nil {
		return nil
	}
	var d model.Decimal
	if *max <= 0 {
		d = "100"
	} else {
		d = model.Decimal(shopdecimal.NewFromInt(int64(used)).Mul(shopdecimal.NewFromInt(100)).DivRound(shopdecimal.NewFromInt(int64(*max)), 2).String())
	}
	return &d
}

// namespaceConnection turns names (up to first+1 of them, fetched to learn
// whether a next page exists) into one page.
func namespaceConnection(names []string, first int, after bool) *model.NamespaceConnection {
	more := len(names) > first
	if more {
		names = names[:first]
	}
	c := &model.NamespaceConnection{Edges: make([]model.NamespaceEdge, len(names)), PageInfo: &model.PageInfo{HasNextPage: more, HasPreviousPage: after}}
	for i, n := range names {
		c.Edges[i] = model.NamespaceEdge{Cursor: encodeCursor(n), Node: namespaceModel(n)}
	}
	setEnds(c.PageInfo, len(c.Edges), func(i int) string { return c.Edges[i].Cursor })
	return c
}

// quotaConnection pages quotas (in name order, as the repository returns
// them) in memory: the loader fetched the whole namespace in the same query
// as every other namespace, so paging in SQL would only add statements,
// and paging backward costs nothing.
func quotaConnection(qs []quota.Quota, w window) *model.QuotaConnection {
	lo, hi := 0, len(qs)
	if w.after != "" {
		lo = sort.Search(len(qs), func(i int) bool { return qs[i].Name > w.after })
	}
	if w.before != "" {
		hi = sort.Search(len(qs), func(i int) bool { return qs[i].Name >= w.before })
	}
	if hi < lo {
		hi = lo
	}
	lo, hi, info := w.cut(lo, hi, len(qs))
	c := &model.QuotaConnection{Edges: make([]model.QuotaEdge, 0, hi-lo), PageInfo: info, TotalCount: int32(len(qs))}
	for _, q := range qs[lo:hi] {
		c.Edges = append(c.Edges, model.QuotaEdge{Cursor: encodeCursor(q.Name), Node: quotaToModel(q)})
	}
	setEnds(info, len(c.Edges), func(i int) string { return c.Edges[i].Cursor })
	return c
}

// findQuota returns the quota called name among qs (sorted by name), or nil.
func findQuota(qs []quota.Quota, name string) *model.Quota {
	i := sort.Search(len(qs), func(i int) bool { return qs[i].Name >= name })
	if i < len(qs) && qs[i].Name == name {
		return quotaToModel(qs[i])
	}
	return nil
}

// --- domain to model ---

func quotaToModel(q quota.Quota) *model.Quota {
	m := &model.Quota{
		ID:   globalID(nodeQuota, q.Namespace, q.Name),
		Name: q.Name, Namespace: q.Namespace, UID: q.UID,
		Labels: []model.Label{}, Annotations: []model.Annotation{},
		Description: optString(q.Description), Disabled: q.Disable,
		ResourceVersion: strconv.FormatInt(q.ResourceVersion, 10),
		CreatedAt:       q.CreatedAt.UTC(), ModifiedAt: q.ModifiedAt.UTC(),
		Spec: specToModel(q.Spec),
	}
	for _, k := range sortedKeys(q.Labels) {
		m.Labels = append(m.Labels, model.Label{Key: k, Value: q.Labels[k]})
	}
	for _, k := range sortedKeys(q.Annotations) {
		m.Annotations = append(m.Annotations, model.Annotation{Key: k, Value: q.Annotations[k]})
	}
	return m
}

func specToModel(s quota.Spec) *model.QuotaSpec {
	m := &model.QuotaSpec{ObjectLimits: []model.ObjectLimit{}, ResourceLimits: []model.ResourceLimit{}, APILimits: []model.APILimit{}}
	for _, k := range sortedKeys(s.ObjectLimits) {
		m.ObjectLimits = append(m.ObjectLimits, model.ObjectLimit{Key: k, Maximum: s.ObjectLimits[k].Maximum})
	}
	for _, k := range sortedKeys(s.ResourceLimits) {
		// Resource limits are stored as doubles (the legacy wire type); the
		// nearest millionth is the exact value the reservation enforces.
		max := quota.AmountFromFloat(s.ResourceLimits[k].Maximum)
		m.ResourceLimits = append(m.ResourceLimits, model.ResourceLimit{Key: k, Maximum: decimal(max)})
	}
	for _, k := range sortedKeys(s.APILimits) {
		l := s.APILimits[k]
		m.APILimits = append(m.APILimits, model.APILimit{Key: k, Rate: l.Rate, Burst: l.Burst, Unit: rateUnit(l.Unit)})
	}
	return m
}

func usageToModel(r quota.Report) *model.QuotaUsage {
	return &model.QuotaUsage{
		Objects:   usageItems(r.Items[quota.Objects]),
		Resources: usageItems(r.Items[quota.Resources]),
		Apis:      usageItems(r.Items[quota.APIs]),
	}
}

// usageItems maps report lines, which BuildReport already sorted by key.
func usageItems(items []quota.Item) []model.QuotaUsageItem {
	out := make([]model.QuotaUsageItem, len(items))
	for i, it := range items {
		out[i] = model.QuotaUsageItem{Key: it.Key, DisplayName: it.DisplayName, Current: decimal(it.Current),
			Limit: optDecimal(it.Max), RateLimit: rateLimit(it.Rate), LimitSource: limitSource(it.Source),
			UtilizationPercent: utilization(it.Current, it.Max),
			TenantCurrent:      decimal(it.TenantCurrent), TenantLimit: optDecimal(it.TenantMax), TenantRateLimit: rateLimit(it.TenantRate),
			TenantLimitSource: limitSource(it.TenantSource), TenantUtilizationPercent: utilization(it.TenantCurrent, it.TenantMax)}
	}
	return out
}

// optDecimal maps an optional limit; nil stays nil (unlimited).
func optDecimal(a *quota.Amount) *model.Decimal {
	if a == nil {
		return nil
	}
	d := decimal(*a)
	return &d
}

// rateLimit maps an optional rate limit; nil stays nil (none).
func rateLimit(r *quota.RateLimit) *model.RateLimit {
	if r == nil {
		return nil
	}
	return &model.RateLimit{Rate: r.Rate, Burst: r.Burst, Unit: rateUnit(r.Unit)}
}

func reserveResultToModel(r quota.ReserveResult) *model.ReserveQuotaResult {
	return &model.ReserveQuotaResult{
		Objects:   counters(r.Objects),
		Resources: counters(r.Resources),
		Apis:      counters(r.APIs),
		Replayed:  r.Replayed,
	}
}

func counters(m map[string]quota.Amount) []model.QuotaCounter {
	out := make([]model.QuotaCounter, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, model.QuotaCounter{Key: k, Current: decimal(m[k])})
	}
	return out
}

func decimal(a quota.Amount) model.Decimal { return model.Decimal(a.String()) }

// --- model to domain ---

// createInput maps the createQuota input; the service validates the rest.
func createInput(in model.CreateQuotaInput) (quota.CreateInput, error) {
	var f errs.Fields
	out := quota.CreateInput{
		Namespace:   in.Namespace,
		Name:        in.Name,
		Labels:      labelMap("input.labels", in.Labels, &f),
		Annotations: annotationMap("input.annotations", in.Annotations, &f),
		Description: deref(in.Description),
		Disable:     in.Disabled != nil && *in.Disabled,
		Spec:        specInput("input.spec", in.Spec, &f),
	}
	return out, f.Err()
}

// replaceInput maps the replaceQuota input: the same content as a create,
// plus the optional optimistic-concurrency version.
func replaceInput(in model.ReplaceQuotaInput) (quota.ReplaceInput, error) {
	c, err := createInput(model.CreateQuotaInput{
		Namespace: in.Namespace, Name: in.Name, Labels: in.Labels, Annotations: in.Annotations,
		Description: in.Description, Disabled: in.Disabled, Spec: in.Spec,
	})
	return quota.ReplaceInput{CreateInput: c, ResourceVersion: deref(in.ResourceVersion)}, err
}

func reserveInput(in model.ReserveQuotaInput) (quota.ReserveInput, error) {
	var f errs.Fields
	out := quota.ReserveInput{
		Namespace:      in.Namespace,
		Objects:        quantities("input.objects", in.Objects, &f),
		Resources:      quantities("input.resources", in.Resources, &f),
		APIs:           quantities("input.apis", in.Apis, &f),
		IdempotencyKey: deref(in.IdempotencyKey),
	}
	return out, f.Err()
}

func labelMap(field string, ls []model.LabelInput, f *errs.Fields) map[string]string {
	m := make(map[string]string, len(ls))
	for i, l := range ls {
		if _, dup := m[l.Key]; dup {
			f.Add(fmt.Sprintf("%s[%d].key", field, i), "repeats key %q", l.Key)
		}
		m[l.Key] = l.Value
	}
	return m
}

func annotationMap(field string, as []model.AnnotationInput, f *errs.Fields) map[string]string {
	m := make(map[string]string, len(as))
	for i, a := range as {
		if _, dup := m[a.Key]; dup {
			f.Add(fmt.Sprintf("%s[%d].key", field, i), "repeats key %q", a.Key)
		}
		m[a.Key] = a.Value
	}
	return m
}

func specInput(field string, in *model.QuotaSpecInput, f *errs.Fields) quota.Spec {
	s := quota.Spec{ObjectLimits: map[string]quota.ObjectLimit{}, ResourceLimits: map[string]quota.ResourceLimit{}, APILimits: map[string]quota.RateLimit{}}
	if in == nil {
		return s
	}
	for i, l := range in.ObjectLimits {
		if _, dup := s.ObjectLimits[l.Key]; dup {
			f.Add(fmt.Sprintf("%s.objectLimits[%d].key", field, i), "repeats key %q", l.Key)
		}
		s.ObjectLimits[l.Key] = quota.ObjectLimit{Maximum: l.Maximum}
	}
	for i, l := range in.ResourceLimits {
		p := fmt.Sprintf("%s.resourceLimits[%d]", field, i)
		if _, dup := s.ResourceLimits[l.Key]; dup {
			f.Add(p+".key", "repeats key %q", l.Key)
		}
		a, ok := quota.ParseAmount(string(l.Maximum))
		if !ok {
			f.Add(p+".maximum", "must have at most 6 decimals and be at most %d", int64(quota.MaxAmount))
		}
		// The domain stores resource limits as doubles; a value with at most
		// 6 decimals below MaxAmount survives the round trip exactly.
		s.ResourceLimits[l.Key] = quota.ResourceLimit{Maximum: a.Float64()}
	}
	for i, l := range in.APILimits {
		if _, dup := s.APILimits[l.Key]; dup {
			f.Add(fmt.Sprintf("%s.apiLimits[%d].key", field, i), "repeats key %q", l.Key)
		}
		s.APILimits[l.Key] = quota.RateLimit{Rate: l.Rate, Burst: l.Burst, Unit: rateUnitIn(l.Unit)}
	}
	return s
}

func quantities(field string, qs []model.QuantityInput, f *errs.Fields) map[string]quota.Amount {
	if len(qs) == 0 {
		return nil
	}
	m := make(map[string]quota.Amount, len(qs))
	for i, q := range qs {
		p := fmt.Sprintf("%s[%d]", field, i)
		if _, dup := m[q.Key]; dup {
			f.Add(p+".key", "repeats key %q", q.Key)
		}
		a, ok := quota.ParseAmount(string(q.Amount))
		if !ok {
			f.Add(p+".amount", "must have at most 6 decimals and be at most %d in magnitude", int64(quota.MaxAmount))
		}
		m[q.Key] = a
	}
	return m
}

// parseLabelFilter parses the labelFilter argument, naming the GraphQL
// argument in the error instead of the REST parameter the domain names.
func parseLabelFilter(s *string) (labels.Selector, error) {
	sel, err := labels.Parse(deref(s))
	if err == nil {
		return sel, nil
	}
	e := errs.As(err)
	if e.Kind != errs.Invalid {
		return sel, err
	}
	out := &errs.Error{Kind: errs.Invalid, Message: "invalid request", Cause: err}
	for _, fe := range e.Fields {
		out.Fields = append(out.Fields, errs.FieldError{Field: "labelFilter", Problem: fe.Problem})
	}
	return sel, out
}

// fieldError is one bad input field, worded like errs.Fields.Err.
func fieldError(field, problem string) error {
	f := errs.Fields{{Field: field, Problem: problem}}
	return f.Err()
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// --- usage and plans ---

func timeOrZero(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

func strOrEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func exact(d shopdecimal.Decimal) model.Decimal { return model.Decimal(d.String()) }

// usageEvents maps recordUsage events; a quantity that is not a decimal is
// reported with its place (events[i].quantity), the rest the service checks.
func usageEvents(in []model.UsageEventInput) ([]usage.Event, error) {
	var f errs.Fields
	out := make([]usage.Event, len(in))
	for i, e := range in {
		q, err := shopdecimal.NewFromString(string(e.Quantity))
		if err != nil {
			f.Add(fmt.Sprintf("events[%d].quantity", i), "must be a decimal number such as \"12.5\"")
		}
		out[i] = usage.Event{ID: e.ID, UsageType: e.UsageType, ObjectName: e.ObjectName, Quantity: q, UnitName: e.Unit,
			Timestamp: e.Timestamp.UTC(), Deployment: strOrEmpty(e.Deployment), Container: strOrEmpty(e.Container)}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func recordResultToModel(r usage.IngestResult) *model.RecordUsageResult {
	m := &model.RecordUsageResult{Accepted: int32(r.Accepted), Duplicates: int32(r.Duplicates), Rejected: make([]model.UsageRejection, len(r.Rejected))}
	for i, x := range r.Rejected {
		m.Rejected[i] = model.UsageRejection{Index: int32(x.Index), ID: x.ID, Reason: x.Reason}
	}
	return m
}

// namespaceUsageToModel maps UsageDetails items over [from, to); their
// hourly breakdowns, flattened in item order, are the hourly list.
func namespaceUsageToModel(items []usage.UsageItem, from, to time.Time) *model.NamespaceUsage {
	m := &model.NamespaceUsage{From: from.UTC(), To: to.UTC(), Items: make([]model.UsageItem, len(items)), Hourly: []model.UsageHour{}}
	for i, it := range items {
		m.Items[i] = model.UsageItem{Namespace: it.Namespace, ObjectName: it.ObjectName, UsageType: it.MetricLabel, UsageTypeName: it.UsageType,
			Unit: it.UnitName, Quantity: exact(it.Quantity), From: it.Start.UTC(), To: it.End.UTC()}
		for _, h := range it.Hourly {
			m.Hourly = append(m.Hourly, model.UsageHour{Namespace: it.Namespace, ObjectName: it.ObjectName, UsageType: it.MetricLabel,
				UsageTypeName: it.UsageType, Unit: h.UnitName, Quantity: exact(h.Quantity), From: h.Start.UTC(), To: h.End.UTC(),
				Deployment: optString(h.Deployment), Container: optString(h.Container)})
		}
	}
	return m
}

func costToModel(c usage.Cost) *model.Cost {
	return &model.Cost{From: c.From.UTC(), To: c.To.UTC(), Lines: costLines(c.Lines), DiscountCents: c.DiscountCents,
		TotalCents: c.TotalCents, Currency: c.Currency}
}

// costLines maps priced lines. A fixed line has no usage type; a metered
// line prices one usage type (its first metric label), whose display name
// is the line's description.
func costLines(ls []usage.CostLine) []model.CostLine {
	out := make([]model.CostLine, len(ls))
	for i, l := range ls {
		m := model.CostLine{Description: l.UsageType, Quantity: exact(l.Quantity), Unit: l.UnitName,
			BillableQuantity: model.Decimal(strconv.FormatInt(l.Billable, 10)), BillableUnit: optString(l.UnitNameBillable),
			AmountCents: l.AmountCents, Currency: l.Currency, From: l.Start.UTC(), To: l.End.UTC(), Fixed: l.Fixed, Status: lineStatus(l.Status)}
		if !l.Fixed && len(l.MetricLabels) > 0 {
			m.UsageType, m.UsageTypeName = &l.MetricLabels[0], &ls[i].UsageType
		}
		out[i] = m
	}
	return out
}

func monthsToModel(ms []usage.MonthTotal) []model.MonthlyUsage {
	out := make([]model.MonthlyUsage, len(ms))
	for i, x := range ms {
		out[i] = model.MonthlyUsage{From: x.Start.UTC(), To: x.End.UTC(), AmountCents: x.AmountCents, Currency: x.Currency}
	}
	return out
}

func summaryToModel(items []usage.SummaryItem) []model.UsageSummaryItem {
	out := make([]model.UsageSummaryItem, len(items))
	for i, x := range items {
		out[i] = model.UsageSummaryItem{UsageType: x.UsageType, UsageTypeName: x.Name, Service: optString(x.Service), Unit: x.Unit,
			Quantity: exact(x.Quantity), From: x.Start.UTC(), To: x.Timestamp.UTC(), BillableUnit: x.BillableUnit,
			BillableQuantity: model.Decimal(x.BillableValue)}
	}
	return out
}

// planToModel maps a catalog plan; currency is the catalog's.
func planToModel(pl plan.Plan, currency string, current bool, state subscription.PlanState) *model.Plan {
	m := &model.Plan{
		ID:   globalID(nodePlan, pl.Name),
		Name: pl.Name, Title: pl.Title, Subtitle: optString(pl.Subtitle), Description: optString(pl.Description),
		TenantType: tenantType(pl.TenantType), PlanType: planType(pl.PlanType), FlatPriceCents: int64(pl.FlatPriceCents), Currency: currency,
		RenewalPeriodUnit: periodUnit(pl.RenewalPeriodUnit), TrialPeriod: pl.TrialPeriod,
		TransitionFlow: &model.TransitionFlow{Method: transitionMethod(pl.TransitionFlow.Method), RequiredFields: []model.TransitionRequiredField{},
			RequiresManualApproval: pl.TransitionFlow.RequiresManualApproval},
		DefaultQuota:   specToModel(pl.DefaultQuota),
		IncludedAddons: append([]string{}, pl.IncludedAddons...),
		AllowedAddons:  append([]string{}, pl.AllowedAddons...),
		RateCard:       make([]model.Rate, len(pl.RateCard)),
		Current:        current,
		State:          planState(state),
	}
	if pl.TrialPeriod > 0 {
		m.TrialPeriodUnit = periodUnit(pl.TrialPeriodUnit)
	}
	for _, f := range pl.TransitionFlow.RequiredFields {
		if rf, ok := requiredFields[f]; ok {
			m.TransitionFlow.RequiredFields = append(m.TransitionFlow.RequiredFields, rf)
		}
	}
	for i, r := range pl.RateCard {
		m.RateCard[i] = model.Rate{UsageType: r.MetricLabel, UsageTypeName: cmp.Or(r.DisplayName, r.MetricLabel), Service: optString(r.Service),
			Unit: r.UnitName, BillableUnit: r.UnitNameBillable, UnitsPerBillableUnit: exact(r.UnitsPerBillable), UnitPrice: exact(r.PricePerBillable)}
	}
	return m
}

// addonsToModel maps the add-on catalog for a tenant on plan cur that
// subscribes to the add-ons in subscribed.
func addonsToModel(cat *plan.Catalog, cur plan.Plan, subscribed map[string]bool) []model.Addon {
	out := make([]model.Addon, len(cat.Addons))
	for i, a := range cat.Addons {
		out[i] = model.Addon{ID: globalID(nodeAddon, a.Name), Name: a.Name, DisplayName: cmp.Or(a.DisplayName, a.Name),
			MonthlyPriceCents: a.MonthlyPriceCents, Currency: cat.Currency, Included: cur.IncludesAddon(a.Name),
			Allowed: cur.AllowsAddon(a.Name), Subscribed: subscribed[a.Name]}
	}
	return out
}

// --- payment methods, plan transitions, subscriptions, invoices ---

// contactInput maps an optional contact; nil is the zero contact.
func contactInput(c *model.ContactInput) payment.Contact {
	if c == nil {
		return payment.Contact{}
	}
	return payment.Contact{
		Address1: strOrEmpty(c.Address1), Address2: strOrEmpty(c.Address2), City: strOrEmpty(c.City),
		State: strOrEmpty(c.State), StateCode: strOrEmpty(c.StateCode), County: strOrEmpty(c.County),
		Country: strOrEmpty(c.Country), ZipCode: strOrEmpty(c.ZipCode), PhoneNumber: strOrEmpty(c.PhoneNumber),
		ContactType: contactTypeIn(c.ContactType), TaxID: strOrEmpty(c.TaxID),
	}
}

// paymentMethodInput maps createPaymentMethod's input; the service validates it.
func paymentMethodInput(in model.CreatePaymentMethodInput) payment.CreateInput {
	return payment.CreateInput{Token: in.Token, Role: paymentRoleIn(in.Role), Contact: contactInput(in.Contact)}
}

// paymentMethodToModel maps a method; the service blanked the token for
// callers who may not see it, and blank becomes null.
func paymentMethodToModel(m payment.PaymentMethod) *model.PaymentMethod {
	c := m.Contact
	return &model.PaymentMethod{ID: globalID(nodePayment, m.Name), Name: m.Name, Role: paymentRole(m.Role), Token: optString(m.Token),
		CreatedAt: m.CreatedAt.UTC(), Contact: &model.Contact{
			ContactType: contactType(c.ContactType), Address1: optString(c.Address1), Address2: optString(c.Address2), City: optString(c.City),
			State: optString(c.State), StateCode: optString(c.StateCode), County: optString(c.County), Country: optString(c.Country),
			ZipCode: optString(c.ZipCode), PhoneNumber: optString(c.PhoneNumber), TaxID: optString(c.TaxID),
		}}
}

func paymentMethodsToModel(ms []payment.PaymentMethod) []model.PaymentMethod {
	out := make([]model.PaymentMethod, len(ms))
	for i, m := range ms {
		out[i] = *paymentMethodToModel(m)
	}
	return out
}

// transitionContact maps an optional contact of a transition payload.
func transitionContact(c *model.ContactInput) *subscription.Contact {
	if c == nil {
		return nil
	}
	b := contactInput(c)
	return &subscription.Contact{
		Address1: b.Address1, Address2: b.Address2, City: b.City, ContactType: string(b.ContactType), Country: b.Country,
		County: b.County, PhoneNumber: b.PhoneNumber, State: b.State, StateCode: b.StateCode, ZipCode: b.ZipCode, TaxID: b.TaxID,
	}
}

// initiateInput maps initiatePlanTransition's input; the service validates
// it against the target plan's transition flow.
func initiateInput(in model.InitiatePlanTransitionInput) subscription.InitiateInput {
	return subscription.InitiateInput{
		NewPlan:        in.NewPlan,
		IdempotencyKey: strOrEmpty(in.IdempotencyKey),
		Payload: subscription.Payload{
			PaymentProviderToken: strOrEmpty(in.PaymentProviderToken),
			PaymentAddress:       transitionContact(in.PaymentAddress),
			BillingAddress:       transitionContact(in.BillingAddress),
			Domain:               strOrEmpty(in.Domain),
			SubscribeAddons:      in.SubscribeAddons,
			UnsubscribeAddons:    in.UnsubscribeAddons,
			CreateSupportTicket:  deref(in.CreateSupportTicket),
			SupportTicketInfo:    strOrEmpty(in.SupportTicketInfo),
			DeletionReason:       strOrEmpty(in.DeletionReason),
			DeletionFeedback:     strOrEmpty(in.DeletionFeedback),
		},
	}
}

func transitionToModel(t subscription.Transition) *model.PlanTransition {
	return &model.PlanTransition{
		ID: globalID(nodeTransition, t.ID), TransitionID: t.ID, State: transitionState(t.State), TargetPlan: t.NewPlan,
		RequiresManualApproval: t.RequiresManualApproval, FromPlan: optString(t.OldPlan),
		FailureReason: optString(t.FailureReason), DecidedBy: optString(t.DecidedBy),
		SubscribeAddons:   append([]string{}, t.Payload.SubscribeAddons...),
		UnsubscribeAddons: append([]string{}, t.Payload.UnsubscribeAddons...),
		CreatedAt:         t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC(),
	}
}

func transitionsToModel(ts []subscription.Transition) []model.PlanTransition {
	out := make([]model.PlanTransition, len(ts))
	for i, t := range ts {
		out[i] = *transitionToModel(t)
	}
	return out
}

func subscriptionsToModel(vs []subscription.SubscriptionView) []model.TenantSubscription {
	out := make([]model.TenantSubscription, len(vs))
	for i, v := range vs {
		s := model.TenantSubscription{ID: globalID(nodeSubscription, v.ID), SubscriptionID: v.ID, Kind: subscriptionKinds[v.Kind], Name: v.Name,
			Title: v.Title, From: v.Start.UTC(), Current: v.Current(), Periods: make([]model.SubscriptionPeriod, len(v.Periods))}
		if !v.Open() {
			end := v.End.UTC()
			s.To = &end
		}
		for j, p := range v.Periods {
			s.Periods[j] = model.SubscriptionPeriod{UID: p.UID, From: p.Start.UTC(), To: p.End.UTC(),
				BilledFrom: p.InternalStart.UTC(), BilledTo: p.InternalEnd.UTC(), Trial: p.Trial}
		}
		out[i] = s
	}
	return out
}

// invoiceConnection makes one page of invoices; the cursor is the
// invoice's period, which the running invoice keeps when it is issued.
func invoiceConnection(page []invoice.Invoice, info *model.PageInfo, total int) *model.InvoiceConnection {
	c := &model.InvoiceConnection{Edges: make([]model.InvoiceEdge, len(page)), PageInfo: info, TotalCount: int32(total)}
	for i, inv := range page {
		c.Edges[i] = model.InvoiceEdge{Cursor: encodeCursor(inv.Period.String()), Node: invoiceToModel(inv)}
	}
	setEnds(info, len(c.Edges), func(i int) string { return c.Edges[i].Cursor })
	return c
}

// invoicePDFPath is the REST route that answers an invoice's PDF.
const invoicePDFPath = "/api/web/namespaces/system/usage/invoice_pdf?name="

// invoiceToModel maps an invoice. Lines not read (nil) map to an empty list:
// the resolvers read them whenever they are selected.
func invoiceToModel(inv invoice.Invoice) *model.Invoice {
	out := &model.Invoice{
		ID:   globalID(nodeInvoice, inv.Period.String()),
		Name: inv.Name, Status: invoiceStatus(inv.Status), Active: inv.Active(), Period: inv.Period.String(),
		From: inv.Period.Start(), To: inv.Period.End(), Plan: inv.PlanName, Currency: inv.Currency,
		TotalCents: inv.AmountCents, SubtotalCents: inv.SubtotalCents(), TaxCents: inv.Tax.AmountCents,
		TaxPercent: exact(inv.Tax.Percent), TaxName: optString(inv.Tax.Label()), TaxNote: optString(inv.Tax.Note()),
		Lines:  make([]model.InvoiceLine, len(inv.Lines)),
		PDFURL: invoicePDFPath + url.QueryEscape(inv.Name),
	}
	if inv.Number > 0 {
		n := inv.Number
		out.Number = &n
	}
	if !inv.IssuedAt.IsZero() {
		t := inv.IssuedAt.UTC()
		out.IssuedAt = &t
	}
	if !inv.DueAt.IsZero() {
		t := inv.DueAt.UTC()
		out.DueAt = &t
	}
	for i, l := range inv.Lines {
		out.Lines[i] = model.InvoiceLine{Kind: lineKind(l.Kind), Description: l.Description, UsageType: optString(l.UsageType),
			ForPeriod: l.ForPeriod, Quantity: exact(l.Quantity), Unit: l.Unit, BillableQuantity: exact(l.Billable),
			BillableUnit: l.BillableUnit, UnitPrice: exact(l.UnitPrice), AmountCents: l.AmountCents}
	}
	return out
}

func statusChangesToModel(cs []invoice.StatusChange) []model.InvoiceStatusChange {
	out := make([]model.InvoiceStatusChange, len(cs))
	for i, c := range cs {
		out[i] = model.InvoiceStatusChange{At: c.At.UTC(), Actor: c.Actor, From: invoiceStatus(c.From), To: invoiceStatus(c.To)}
	}
	return out
}

func auditRecord(e audit.Entry) *model.AuditRecord {
	return &model.AuditRecord{ID: globalID(nodeAudit, strconv.FormatInt(e.Seq, 10)), Seq: e.Seq, At: e.At, Actor: e.Actor,
		Action: e.Action, Namespace: e.Namespace, Object: e.Object, Before: optString(e.Before), After: optString(e.After)}
}

// auditConnection turns up to first+1 records (newest first) into one page.
func auditConnection(entries []audit.Entry, first int, after bool) *model.AuditConnection {
	more := len(entries) > first
	if more {
		entries = entries[:first]
	}
	c := &model.AuditConnection{Edges: make([]model.AuditEdge, 0, len(entries)), PageInfo: &model.PageInfo{HasNextPage: more, HasPreviousPage: after}}
	for _, e := range entries {
		c.Edges = append(c.Edges, model.AuditEdge{Cursor: encodeCursor(strconv.FormatInt(e.Seq, 10)), Node: auditRecord(e)})
	}
	setEnds(c.PageInfo, len(c.Edges), func(i int) string { return c.Edges[i].Cursor })
	return c
}
