package graph

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
	"strings"
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

// namespaceConnection turns names (up to first+1 of them, fetched to learn
// whether a next page exists) into one page.
func namespaceConnection(names []string, first int) *model.NamespaceConnection {
	more := len(names) > first
	if more {
		names = names[:first]
	}
	c := &model.NamespaceConnection{Edges: make([]model.NamespaceEdge, len(names)), PageInfo: &model.PageInfo{HasNextPage: more}}
	for i, n := range names {
		c.Edges[i] = model.NamespaceEdge{Cursor: encodeCursor(n), Node: &model.Namespace{Name: n}}
	}
	if len(names) > 0 {
		end := encodeCursor(names[len(names)-1])
		c.PageInfo.EndCursor = &end
	}
	return c
}

// quotaConnection pages quotas (in name order, as the repository returns
// them) in memory: the loader fetched the whole namespace in the same query
// as every other namespace, so paging in SQL would only add statements.
func quotaConnection(qs []quota.Quota, after string, first int) *model.QuotaConnection {
	start := sort.Search(len(qs), func(i int) bool { return qs[i].Name > after })
	page := qs[start:]
	more := len(page) > first
	if more {
		page = page[:first]
	}
	c := &model.QuotaConnection{Edges: make([]model.QuotaEdge, len(page)), PageInfo: &model.PageInfo{HasNextPage: more}, TotalCount: int64(len(qs))}
	for i, q := range page {
		c.Edges[i] = model.QuotaEdge{Cursor: encodeCursor(q.Name), Node: quotaToModel(q)}
	}
	if len(page) > 0 {
		end := encodeCursor(page[len(page)-1].Name)
		c.PageInfo.EndCursor = &end
	}
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
		Name: q.Name, Namespace: q.Namespace, UID: q.UID,
		Labels: []model.Label{}, Annotations: []model.Annotation{},
		Description: q.Description, Disabled: q.Disable,
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
		m.APILimits = append(m.APILimits, model.APILimit{Key: k, Rate: l.Rate, Burst: l.Burst, Unit: unitName(l.Unit)})
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
			Limit: optDecimal(it.Max), RateLimit: rateLimit(it.Rate),
			TenantCurrent: decimal(it.TenantCurrent), TenantLimit: optDecimal(it.TenantMax), TenantRateLimit: rateLimit(it.TenantRate)}
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
	return &model.RateLimit{Rate: r.Rate, Burst: r.Burst, Unit: unitName(r.Unit)}
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

// unitName shows the unit the domain applies when none was stored.
func unitName(u string) string {
	if u == "" {
		return "per-second"
	}
	return u
}

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
		s.APILimits[l.Key] = quota.RateLimit{Rate: l.Rate, Burst: l.Burst, Unit: deref(l.Unit)}
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
		out[i] = usage.Event{ID: e.ID, UsageType: e.UsageType, ObjectName: e.ObjectName, Quantity: q, UnitName: e.UnitName,
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

// namespaceUsageToModel maps UsageDetails items; their hourly breakdowns,
// flattened in item order, are the hourly list.
func namespaceUsageToModel(items []usage.UsageItem) *model.NamespaceUsage {
	m := &model.NamespaceUsage{Items: make([]model.UsageItem, len(items)), Hourly: []model.UsageHour{}}
	for i, it := range items {
		m.Items[i] = model.UsageItem{Namespace: it.Namespace, ObjectName: it.ObjectName, UsageType: it.UsageType, MetricLabel: it.MetricLabel,
			UnitName: it.UnitName, Quantity: exact(it.Quantity), Start: it.Start.UTC(), End: it.End.UTC()}
		for _, h := range it.Hourly {
			m.Hourly = append(m.Hourly, model.UsageHour{Namespace: it.Namespace, ObjectName: it.ObjectName, UsageType: it.UsageType,
				MetricLabel: it.MetricLabel, UnitName: h.UnitName, Quantity: exact(h.Quantity), Start: h.Start.UTC(), End: h.End.UTC(),
				Deployment: h.Deployment, Container: h.Container})
		}
	}
	return m
}

func costToModel(c usage.Cost) *model.Cost {
	m := &model.Cost{From: c.From.UTC(), To: c.To.UTC(), Lines: make([]model.CostLine, len(c.Lines)), DiscountCents: c.DiscountCents,
		TotalCents: c.TotalCents, Currency: c.Currency}
	for i, l := range c.Lines {
		labels := l.MetricLabels
		if labels == nil {
			labels = []string{}
		}
		m.Lines[i] = model.CostLine{UsageType: l.UsageType, MetricLabels: labels, Quantity: exact(l.Quantity), UnitName: l.UnitName,
			QuantityBillable: l.Billable, UnitNameBillable: l.UnitNameBillable, AmountCents: l.AmountCents, Currency: l.Currency,
			Start: l.Start.UTC(), End: l.End.UTC(), Fixed: l.Fixed, Status: l.Status.String()}
	}
	return m
}

func monthsToModel(ms []usage.MonthTotal) []model.MonthlyUsage {
	out := make([]model.MonthlyUsage, len(ms))
	for i, x := range ms {
		out[i] = model.MonthlyUsage{Start: x.Start.UTC(), End: x.End.UTC(), AmountCents: x.AmountCents, Currency: x.Currency}
	}
	return out
}

func summaryToModel(items []usage.SummaryItem) []model.UsageSummaryItem {
	out := make([]model.UsageSummaryItem, len(items))
	for i, x := range items {
		out[i] = model.UsageSummaryItem{Name: x.Name, Service: x.Service, UsageType: x.UsageType, Unit: x.Unit, Quantity: exact(x.Quantity),
			Timestamp: x.Timestamp.UTC(), BillableUnit: x.BillableUnit, BillableValue: model.Decimal(x.BillableValue)}
	}
	return out
}

// planToModel maps a catalog plan; currency is the catalog's.
func planToModel(pl plan.Plan, currency string, current bool, state subscription.PlanState) *model.Plan {
	if state == "" {
		state = subscription.PlanStateUnspecified
	}
	m := &model.Plan{
		Name: pl.Name, Title: pl.Title, Subtitle: pl.Subtitle, Description: pl.Description,
		TenantType: string(pl.TenantType), PlanType: string(pl.PlanType), FlatPriceCents: int64(pl.FlatPriceCents), Currency: currency,
		RenewalPeriodUnit: string(pl.RenewalPeriodUnit), TrialPeriod: pl.TrialPeriod, TrialPeriodUnit: string(pl.TrialPeriodUnit),
		TransitionFlow: &model.TransitionFlow{Method: string(pl.TransitionFlow.Method), RequiredFields: []string{},
			RequiresManualApproval: pl.TransitionFlow.RequiresManualApproval},
		DefaultQuota:   specToModel(pl.DefaultQuota),
		IncludedAddons: append([]string{}, pl.IncludedAddons...),
		AllowedAddons:  append([]string{}, pl.AllowedAddons...),
		RateCard:       make([]model.Rate, len(pl.RateCard)),
		Current:        current,
		State:          string(state),
	}
	for _, f := range pl.TransitionFlow.RequiredFields {
		m.TransitionFlow.RequiredFields = append(m.TransitionFlow.RequiredFields, string(f))
	}
	for i, r := range pl.RateCard {
		m.RateCard[i] = model.Rate{MetricLabel: r.MetricLabel, DisplayName: r.DisplayName, Service: r.Service, UnitName: r.UnitName,
			UnitNameBillable: r.UnitNameBillable, UnitsPerBillable: exact(r.UnitsPerBillable), PricePerBillable: exact(r.PricePerBillable)}
	}
	return m
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
		ContactType: payment.ContactType(strOrEmpty(c.ContactType)), TaxID: strOrEmpty(c.TaxID),
	}
}

// paymentMethodInput maps createPaymentMethod's input; the service validates it.
func paymentMethodInput(in model.CreatePaymentMethodInput) payment.CreateInput {
	return payment.CreateInput{Token: in.Token, Role: payment.Role(strOrEmpty(in.Role)), Contact: contactInput(in.Contact)}
}

// paymentMethodToModel maps a method; the service blanked the token for
// callers who may not see it, and blank becomes null.
func paymentMethodToModel(m payment.PaymentMethod) *model.PaymentMethod {
	c := m.Contact
	out := &model.PaymentMethod{Name: m.Name, Role: string(m.Role), CreatedAt: m.CreatedAt.UTC(), Contact: &model.Contact{
		ContactType: string(c.ContactType), Address1: c.Address1, Address2: c.Address2, City: c.City, State: c.State,
		StateCode: c.StateCode, County: c.County, Country: c.Country, ZipCode: c.ZipCode, PhoneNumber: c.PhoneNumber, TaxID: c.TaxID,
	}}
	if m.Token != "" {
		tok := m.Token
		out.Token = &tok
	}
	return out
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
	out := &model.PlanTransition{
		ID: t.ID, State: string(t.State), TargetPlan: t.NewPlan, RequiresManualApproval: t.RequiresManualApproval,
		FailureReason: t.FailureReason, DecidedBy: t.DecidedBy,
		SubscribeAddons:   append([]string{}, t.Payload.SubscribeAddons...),
		UnsubscribeAddons: append([]string{}, t.Payload.UnsubscribeAddons...),
		CreatedAt:         t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC(),
	}
	if t.OldPlan != "" {
		from := t.OldPlan
		out.FromPlan = &from
	}
	return out
}

func subscriptionsToModel(vs []subscription.SubscriptionView) []model.TenantSubscription {
	out := make([]model.TenantSubscription, len(vs))
	for i, v := range vs {
		s := model.TenantSubscription{ID: v.ID, Kind: strings.ToUpper(string(v.Kind)), Name: v.Name, Title: v.Title,
			Start: v.Start.UTC(), Current: v.Current(), Periods: make([]model.SubscriptionPeriod, len(v.Periods))}
		if !v.Open() {
			end := v.End.UTC()
			s.End = &end
		}
		for j, p := range v.Periods {
			s.Periods[j] = model.SubscriptionPeriod{UID: p.UID, Start: p.Start.UTC(), End: p.End.UTC(),
				InternalStart: p.InternalStart.UTC(), InternalEnd: p.InternalEnd.UTC(), Trial: p.Trial}
		}
		out[i] = s
	}
	return out
}

// invoiceConnection makes one page of invoices; the cursor is the invoice's name.
func invoiceConnection(page []invoice.Invoice, more bool) *model.InvoiceConnection {
	c := &model.InvoiceConnection{Edges: make([]model.InvoiceEdge, len(page)), PageInfo: &model.PageInfo{HasNextPage: more}}
	for i, inv := range page {
		c.Edges[i] = model.InvoiceEdge{Cursor: encodeCursor(inv.Name), Node: invoiceToModel(inv)}
	}
	if len(page) > 0 {
		end := c.Edges[len(page)-1].Cursor
		c.PageInfo.EndCursor = &end
	}
	return c
}

// invoiceToModel maps an invoice. Lines not read (nil) map to an empty list:
// the invoices resolver reads them whenever they are selected.
func invoiceToModel(inv invoice.Invoice) *model.Invoice {
	out := &model.Invoice{
		Name: inv.Name, Status: string(inv.Status), Active: inv.Active(), Period: inv.Period.String(),
		PeriodStart: inv.Period.Start(), PeriodEnd: inv.Period.End(), Plan: inv.PlanName, Currency: inv.Currency,
		TotalCents: inv.AmountCents, SubtotalCents: inv.SubtotalCents(), TaxCents: inv.Tax.AmountCents,
		TaxPercent: exact(inv.Tax.Percent), TaxName: inv.Tax.Label(), TaxNote: inv.Tax.Note(),
		Lines: make([]model.InvoiceLine, len(inv.Lines)),
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
		out.Lines[i] = model.InvoiceLine{Kind: string(l.Kind), Description: l.Description, UsageType: l.UsageType,
			ForPeriod: l.ForPeriod, Quantity: exact(l.Quantity), Unit: l.Unit, BillableQuantity: exact(l.Billable),
			BillableUnit: l.BillableUnit, UnitPrice: exact(l.UnitPrice), AmountCents: l.AmountCents}
	}
	return out
}

// auditConnection turns up to first+1 records into one page.
func auditConnection(entries []audit.Entry, first int) *model.AuditConnection {
	more := len(entries) > first
	if more {
		entries = entries[:first]
	}
	c := &model.AuditConnection{Edges: make([]model.AuditEdge, 0, len(entries)), PageInfo: &model.PageInfo{HasNextPage: more}}
	for _, e := range entries {
		cur := encodeCursor(strconv.FormatInt(e.Seq, 10))
		node := &model.AuditRecord{Seq: e.Seq, At: e.At, Actor: e.Actor, Action: e.Action, Namespace: e.Namespace, Object: e.Object}
		if e.Before != "" {
			node.Before = &e.Before
		}
		if e.After != "" {
			node.After = &e.After
		}
		c.Edges = append(c.Edges, model.AuditEdge{Cursor: cur, Node: node})
		c.PageInfo.EndCursor = &cur
	}
	return c
}
