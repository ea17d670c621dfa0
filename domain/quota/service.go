package quota

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/labels"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/domain/text"
	"github.com/google/uuid"
)

// NamespaceRegistry records namespaces as they are first used.
type NamespaceRegistry interface {
	EnsureNamespace(ctx context.Context, tenantID, ns string) error
}

// Config wires a Service; every field is required.
type Config struct {
	Repo        Repository
	Tx          kernel.TxRunner
	Clock       kernel.Clock
	Namespaces  NamespaceRegistry
	Idempotency kernel.IdempotencyStore
	Limiter     RateLimiter
	// Plans supplies the plan layer of the effective limits.
	Plans DefaultQuotaSource
	// Audit records every change of a quota object (reservations are not
	// audited: they are high-volume counter moves, visible in quota/usage).
	Audit kernel.Auditor
}

// Service is the quota use cases. Every method authorizes the principal it
// is given before it touches anything.
type Service struct {
	c Config
	// limits caches the effective limits of one-trip reservations.
	limits limitsCache
	// recorded remembers the namespaces ("tenant\x00ns") whose record a
	// one-trip reservation has written (or found), so it writes it once.
	recorded sync.Map
}

// NewService checks the wiring and returns the service.
func NewService(c Config) (*Service, error) {
	var d kernel.Deps
	d.Need("Repo", c.Repo != nil)
	d.Need("Tx", c.Tx != nil)
	d.Need("Clock", c.Clock != nil)
	d.Need("Namespaces", c.Namespaces != nil)
	d.Need("Idempotency", c.Idempotency != nil)
	d.Need("Limiter", c.Limiter != nil)
	d.Need("Plans", c.Plans != nil)
	d.Need("Audit", c.Audit != nil)
	if err := d.Err("quota.NewService"); err != nil {
		return nil, err
	}
	return &Service{c: c}, nil
}

func authorize(p tenancy.Principal, a tenancy.Action, ns string) error {
	if err := p.OnTenant(); err != nil {
		return err
	}
	if !tenancy.ValidName(ns) {
		return &errs.Error{Kind: errs.Invalid, Message: "invalid request", Fields: []errs.FieldError{{Field: "namespace", Problem: "must be a DNS-1035 label"}}}
	}
	return p.Authorize(a, ns)
}

// Create stores a new quota object and returns it as stored.
func (s *Service) Create(ctx context.Context, p tenancy.Principal, in CreateInput) (Quota, error) {
	err := authorize(p, tenancy.Write, in.Namespace)
	if err != nil {
		return Quota{}, err
	}
	if err := in.Validate(); err != nil {
		return Quota{}, err
	}
	// Microseconds: what both databases keep, so Create answers what Get will.
	now := s.c.Clock.Now().Truncate(time.Microsecond)
	q := Quota{
		TenantID: p.TenantID, Namespace: in.Namespace, Name: in.Name, UID: uuid.NewString(),
		Labels: in.Labels, Annotations: in.Annotations, Description: in.Description, Disable: in.Disable,
		Spec: in.Spec, ResourceVersion: 1, CreatedAt: now, ModifiedAt: now,
		CreatorClass: "billingd", CreatorID: creatorID(p),
	}
	err = s.c.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.c.Namespaces.EnsureNamespace(ctx, p.TenantID, in.Namespace); err != nil {
			return err
		}
		if err := s.c.Repo.Create(ctx, q); err != nil {
			return err
		}
		return s.audit(ctx, p, "quota.create", in.Namespace, in.Name, nil, q)
	})
	return q, err
}

// creatorID names the credential that created an object in its
// system_metadata: "cert:<id>" for an API certificate, "token:<id>" for a
// token.
func creatorID(p tenancy.Principal) string {
	if p.Certificate {
		return "cert:" + p.TokenID
	}
	return "token:" + p.TokenID
}

func (s *Service) audit(ctx context.Context, p tenancy.Principal, action, ns, name string, before, after any) error {
	return kernel.Audit(ctx, s.c.Audit, kernel.AuditRecord{TenantID: p.TenantID, Actor: p.Actor(), Action: action,
		Namespace: ns, Object: name, Before: before, After: after})
}

// Replace replaces metadata and spec of an existing quota. The name cannot
// change, and a stale ResourceVersion is a Conflict.
func (s *Service) Replace(ctx context.Context, p tenancy.Principal, in ReplaceInput) error {
	err := authorize(p, tenancy.Write, in.Namespace)
	if err != nil {
		return err
	}
	if err := in.Validate(); err != nil {
		return err
	}
	return s.c.Tx.InTx(ctx, func(ctx context.Context) error {
		var before, after Quota
		err := s.c.Repo.Update(ctx, p.TenantID, in.Namespace, in.Name, func(q *Quota) error {
			if in.ResourceVersion != "" && in.ResourceVersion != strconv.FormatInt(q.ResourceVersion, 10) {
				return errs.New(errs.Conflict, "resource_version %q is not the stored version %d; read the quota again and retry", in.ResourceVersion, q.ResourceVersion)
			}
			before = *q
			q.Labels, q.Annotations, q.Description, q.Disable, q.Spec = in.Labels, in.Annotations, in.Description, in.Disable, in.Spec
			q.ModifiedAt = s.c.Clock.Now().Truncate(time.Microsecond)
			after = *q
			after.ResourceVersion++ // what Update stores
			return nil
		})
		if err != nil {
			return err
		}
		return s.audit(ctx, p, "quota.replace", in.Namespace, in.Name, before, after)
	})
}

// Get returns one quota.
func (s *Service) Get(ctx context.Context, p tenancy.Principal, ns, name string) (Quota, error) {
	err := authorize(p, tenancy.Read, ns)
	if err != nil {
		return Quota{}, err
	}
	if err := text.Err("name", name); err != nil {
		return Quota{}, err
	}
	return s.c.Repo.Get(ctx, p.TenantID, ns, name)
}

// List returns the quotas of a namespace that match the selector.
func (s *Service) List(ctx context.Context, p tenancy.Principal, ns string, sel labels.Selector) ([]Quota, error) {
	byNS, err := s.ListByNamespaces(ctx, p, []string{ns}, sel)
	return byNS[ns], err
}

// ListByNamespaces returns the quotas of several namespaces with one query,
// for dataloaders. Namespaces the caller may not read are an error.
func (s *Service) ListByNamespaces(ctx context.Context, p tenancy.Principal, nss []string, sel labels.Selector) (map[string][]Quota, error) {
	err := authorizeAll(p, nss)
	if err != nil {
		return nil, err
	}
	qs, err := s.c.Repo.ListByNamespaces(ctx, p.TenantID, nss)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]Quota, len(nss))
	for _, q := range qs {
		if sel.Matches(q.Labels) {
			out[q.Namespace] = append(out[q.Namespace], q)
		}
	}
	return out, nil
}

func authorizeAll(p tenancy.Principal, nss []string) error {
	if len(nss) == 0 {
		return p.OnTenant()
	}
	for _, ns := range nss {
		if err := authorize(p, tenancy.Read, ns); err != nil {
			return err
		}
	}
	return nil
}

// Delete removes a quota. Nothing in billingd refers to a quota object, so
// FailIfReferred never stops a delete; it is accepted for compatibility.
func (s *Service) Delete(ctx context.Context, p tenancy.Principal, in DeleteInput) error {
	err := authorize(p, tenancy.Write, in.Namespace)
	if err != nil {
		return err
	}
	if err := text.Err("name", in.Name); err != nil {
		return err
	}
	return s.c.Tx.InTx(ctx, func(ctx context.Context) error {
		before, err := s.c.Repo.Get(ctx, p.TenantID, in.Namespace, in.Name)
		if err != nil {
			return err
		}
		if err := s.c.Repo.Delete(ctx, p.TenantID, in.Namespace, in.Name); err != nil {
			return err
		}
		return s.audit(ctx, p, "quota.delete", in.Namespace, in.Name, before, nil)
	})
}

// Limits returns the binding limits of a namespace (see Levels.Binding).
func (s *Service) Limits(ctx context.Context, p tenancy.Principal, ns string) (Spec, error) {
	r, err := s.Usage(ctx, p, ns)
	return r.Limits, err
}

// Usage returns the limits and current usage of a namespace and of the
// tenant; for "system" both are the tenant's.
func (s *Service) Usage(ctx context.Context, p tenancy.Principal, ns string) (Report, error) {
	m, err := s.UsageByNamespaces(ctx, p, []string{ns})
	return m[ns], err
}

// UsageByNamespaces builds the reports of several namespaces with a constant
// number of queries: one for the plan, one for quota objects, one for the
// namespaces' counters and one for the tenant-wide totals.
func (s *Service) UsageByNamespaces(ctx context.Context, p tenancy.Principal, nss []string) (map[string]Report, error) {
	err := authorizeAll(p, nss)
	if err != nil {
		return nil, err
	}
	levels, err := s.levels(ctx, p, nss)
	if err != nil {
		return nil, err
	}
	counters, err := s.c.Repo.Counters(ctx, p.TenantID, nss)
	if err != nil {
		return nil, err
	}
	totals, err := s.c.Repo.TenantTotals(ctx, p.TenantID)
	if err != nil {
		return nil, err
	}
	byNS := map[string][]Counter{}
	for _, c := range counters {
		byNS[c.Namespace] = append(byNS[c.Namespace], c)
	}
	out := make(map[string]Report, len(nss))
	for _, ns := range nss {
		out[ns] = BuildReport(ns, levels[ns], byNS[ns], totals)
	}
	return out, nil
}

// levels computes the limits of each namespace: the tenant-wide level (plan
// default, then enabled quotas in system) and the namespace's own (its
// enabled quotas).
func (s *Service) levels(ctx context.Context, p tenancy.Principal, nss []string) (map[string]Levels, error) {
	planSpec, err := s.c.Plans.DefaultQuota(ctx, p)
	if err != nil {
		return nil, err
	}
	want := append([]string{tenancy.SystemNamespace}, nss...)
	qs, err := s.c.Repo.ListByNamespaces(ctx, p.TenantID, uniq(want))
	if err != nil {
		return nil, err
	}
	specs := enabledSpecs(qs)
	tenant := tenantLevels(planSpec, specs)
	out := make(map[string]Levels, len(nss))
	for _, ns := range nss {
		out[ns] = tenant.of(ns, specs)
	}
	return out, nil
}

// enabledSpecs groups the specs of the enabled quotas by namespace.
func enabledSpecs(qs []Quota) map[string][]Spec {
	specs := map[string][]Spec{}
	for _, q := range qs {
		if !q.Disable {
			specs[q.Namespace] = append(specs[q.Namespace], q.Spec)
		}
	}
	return specs
}

func uniq(ss []string) []string {
	seen := map[string]bool{}
	out := ss[:0:0]
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

const reserveScope = "quota.reserve"

// AuthorizeReserve says whether the caller may reserve in namespace ns. A
// transport calls it before it parses the amounts of a request, so a caller
// without the right never makes billingd do that work; Reserve checks again.
func (s *Service) AuthorizeReserve(ctx context.Context, p tenancy.Principal, ns string) error {
	return authorize(p, tenancy.Write, ns)
}

// Reserve applies every delta of in atomically or none of them. Positive
// deltas must fit both levels of limits: the namespace's own (its quota
// objects) and the tenant-wide one (plan default and "system" objects,
// against the sum over every namespace). API deltas must also fit the rate
// limits' token buckets: the tenant's, shared by every namespace, and the
// namespace's own. Over a limit it returns a QuotaExceeded error whose
// Details is []Exceeded.
func (s *Service) Reserve(ctx context.Context, p tenancy.Principal, in ReserveInput) (ReserveResult, error) {
	err := authorize(p, tenancy.Write, in.Namespace)
	if err != nil {
		return ReserveResult{}, err
	}
	if err := in.Validate(); err != nil {
		return ReserveResult{}, err
	}
	// Where the repository can, the whole reservation (the Idempotency-Key's
	// claim and answer included) is one database round trip.
	if res, done, err := s.reserveOneTrip(ctx, p, in, s.c.Repo); done {
		return res, err
	}
	var res ReserveResult
	var undos []func()
	err = s.c.Tx.InTx(ctx, func(ctx context.Context) error {
		undos = undos[:0]
		if in.IdempotencyKey != "" {
			answer, found, err := s.c.Idempotency.Claim(ctx, p.TenantID, reserveScope, in.IdempotencyKey, requestHash(in))
			if err != nil {
				return err
			}
			if found {
				res.Replayed = true
				return json.Unmarshal(answer, &res)
			}
		}
		// Shared with other reservations, exclusive against a plan switch
		// (see Misfits): the limits read below stay the tenant's limits
		// until this transaction commits.
		if err := s.c.Repo.LockLimits(ctx, p.TenantID, false); err != nil {
			return err
		}
		lv, err := s.levels(ctx, p, []string{in.Namespace})
		if err != nil {
			return err
		}
		levels := lv[in.Namespace]
		exceeded, taken, err := s.takeRates(ctx, p, in, levels)
		undos = taken
		if err != nil {
			return err
		}
		// Recorded before the counters are touched, so the counter row locks
		// are held for as short a time as possible.
		if err := s.c.Namespaces.EnsureNamespace(ctx, p.TenantID, in.Namespace); err != nil {
			return err
		}
		after, rejected, err := s.c.Repo.Apply(ctx, p.TenantID, in.Namespace, buildDeltas(in, levels))
		if err != nil {
			return err
		}
		if len(rejected) > 0 || len(exceeded) > 0 {
			return refusal(in.Namespace, rejected, exceeded)
		}
		res = resultOf(in.Namespace, after)
		if in.IdempotencyKey != "" {
			answer, err := json.Marshal(res)
			if err != nil {
				return errs.Wrap(errs.Internal, err, "encode reservation")
			}
			return s.c.Idempotency.Complete(ctx, p.TenantID, reserveScope, in.IdempotencyKey, answer)
		}
		return nil
	})
	if err != nil {
		// Tokens taken from the rate buckets go back when nothing was reserved.
		for _, u := range undos {
			u()
		}
		return ReserveResult{}, err
	}
	return res, nil
}

// reserveOneTrip is Reserve in one database round trip once the
// namespace's limits are cached (see OneTripReserver): the rate buckets,
// then ReserveOnce, which claims the Idempotency-Key, moves the counters
// and stores the answer. done is false when the transactional path must decide
// instead: the repository has none, a rate limit refused (the refusal lists
// the counters too, which only the transaction reads without committing),
// or the limits kept changing.
func (s *Service) reserveOneTrip(ctx context.Context, p tenancy.Principal, in ReserveInput, ot OneTripReserver) (res ReserveResult, done bool, err error) {
	for range 3 {
		e, ok, err := s.cachedLevels(ctx, ot, p, in.Namespace)
		if err != nil || !ok {
			return ReserveResult{}, err != nil, err
		}
		exceeded, undos, err := s.takeRates(ctx, p, in, e.levels)
		undo := func() {
			for _, u := range undos {
				u()
			}
		}
		if err != nil || len(exceeded) > 0 {
			undo()
			return ReserveResult{}, err != nil, err
		}
		// The namespace's record goes in the same statement the first time
		// this process reserves there, and never again.
		var nsCreated *time.Time
		nsKey := p.TenantID + "\x00" + in.Namespace
		if _, known := s.recorded.Load(nsKey); !known {
			now := s.c.Clock.Now()
			nsCreated = &now
		}
		trip := OneTrip{Version: e.version, Deltas: buildDeltas(in, e.levels), NamespaceCreated: nsCreated}
		if in.IdempotencyKey != "" {
			trip.Key = &OneTripKey{Scope: reserveScope, Key: in.IdempotencyKey, RequestHash: requestHash(in), At: s.c.Clock.Now()}
		}
		r, err := ot.ReserveOnce(ctx, p.TenantID, in.Namespace, trip)
		switch {
		case err != nil:
			undo()
			return ReserveResult{}, true, err
		case r.Replayed:
			// An earlier request's answer: it took what it took; this one
			// takes nothing, from the rate buckets neither.
			undo()
			var res ReserveResult
			if err := json.Unmarshal(r.Answer, &res); err != nil {
				return ReserveResult{}, true, errs.Wrap(errs.Internal, err, "decode stored reservation")
			}
			res.Replayed = true
			return res, true, nil
		case r.Stale:
			undo()
			s.limits.drop(p.TenantID, in.Namespace)
		case len(r.Rejected) > 0:
			undo()
			return ReserveResult{}, true, refusal(in.Namespace, r.Rejected, nil)
		default:
			s.recorded.Store(nsKey, struct{}{})
			return resultOf(in.Namespace, r.After), true, nil
		}
	}
	return ReserveResult{}, false, nil
}

// takeRates takes the API deltas of in from the rate limits' token
// buckets: the tenant's, shared by every namespace, then the namespace's.
// exceeded lists the refused keys; undos give back what was taken.
func (s *Service) takeRates(ctx context.Context, p tenancy.Principal, in ReserveInput, levels Levels) (exceeded []Exceeded, undos []func(), err error) {
	for _, k := range sortedKeys(in.APIs) {
		if in.APIs[k] == 0 {
			continue
		}
		n := int(in.APIs[k] / AmountScale)
		buckets := []struct {
			scope, ns string
			spec      Spec
		}{{ScopeTenant, TenantWide, levels.Tenant}, {ScopeNamespace, in.Namespace, levels.Namespace}}
		for _, b := range buckets {
			rl, ok := b.spec.APILimits[k]
			if !ok {
				continue
			}
			bucket := p.TenantID + "\x00" + b.ns + "\x00" + k
			undo, ok, retry, err := s.c.Limiter.Take(ctx, bucket, rl, n, s.c.Clock.Now())
			if err != nil {
				// Refused rather than admitted: a limit must hold even when
				// its store is unreachable. Retry-After says to try again soon.
				return nil, undos, &errs.Error{Kind: errs.Unavailable, Cause: err, RetryAfter: time.Second,
					Message: fmt.Sprintf("the rate limit of API %q cannot be checked right now; nothing was reserved, retry shortly", k)}
			}
			if ok {
				undos = append(undos, undo)
				continue
			}
			exceeded = append(exceeded, Exceeded{Class: APIs, Key: k, Scope: b.scope, Limit: fmt.Sprintf("%d %s, burst %d", rl.Rate, unitName(rl), rl.Burst),
				Current: "rate limited", Requested: in.APIs[k].String(), RetryAfterSeconds: retry.Seconds()})
			// One refusal per key: the tenant's bucket is checked first and
			// a refused call takes nothing from the namespace's.
			break
		}
	}
	return exceeded, undos, nil
}

// refusal is the error of a reservation that does not fit: a bad request
// when a counter would pass its capacity, else QuotaExceeded listing every
// refused key.
func refusal(ns string, rejected []Rejection, exceeded []Exceeded) error {
	if err := overCapacity(rejected); err != nil {
		return err
	}
	for _, r := range rejected {
		scope := ScopeNamespace
		if r.Tenant {
			scope = ScopeTenant
		}
		exceeded = append(exceeded, Exceeded{Class: r.Class, Key: r.Key, Scope: scope, Limit: r.Limit().String(),
			Current: r.Current.String(), Requested: r.Amount.String()})
	}
	sort.SliceStable(exceeded, func(i, j int) bool {
		if exceeded[i].Class != exceeded[j].Class {
			return exceeded[i].Class < exceeded[j].Class
		}
		return exceeded[i].Key < exceeded[j].Key
	})
	var retry time.Duration
	for _, x := range exceeded {
		retry = max(retry, time.Duration(x.RetryAfterSeconds*float64(time.Second)))
	}
	return &errs.Error{Kind: errs.QuotaExceeded, Message: fmt.Sprintf("reservation does not fit the quota of namespace %q or of the tenant; nothing was reserved", ns),
		Details: exceeded, RetryAfter: retry}
}

// resultOf is the answer of an applied reservation: the namespace's
// counters after it, or the tenant's when the namespace is "system" (the
// tenant, as its quota/usage answers).
func resultOf(ns string, after []Counter) ReserveResult {
	want := ns
	if want == tenancy.SystemNamespace {
		want = TenantWide
	}
	res := ReserveResult{Objects: map[string]Amount{}, Resources: map[string]Amount{}, APIs: map[string]Amount{}}
	for _, c := range after {
		if c.Namespace != want {
			continue
		}
		switch c.Class {
		case Objects:
			res.Objects[c.Key] = c.Used
		case Resources:
			res.Resources[c.Key] = c.Used
		case APIs:
			res.APIs[c.Key] = c.Used
		}
	}
	return res
}

// overCapacity is the error of the rejected deltas that would take a counter
// past MaxCounter, or nil when every rejection is a quota decision. It is a
// bad request (400), not QuotaExceeded (429): no limit was hit and waiting
// does not help; only a release (a negative delta) makes room.
func overCapacity(rejected []Rejection) error {
	var f errs.Fields
	for _, r := range rejected {
		if r.overCapacity() {
			where := "usage"
			if r.Tenant {
				where = "tenant-wide usage"
			}
			f.Add(fmt.Sprintf("%s[%q]", r.Class, r.Key), "%s %s + %s would pass %d, the largest countable amount; nothing was reserved",
				where, r.Current, r.Amount, int64(MaxAmount))
		}
	}
	return f.Err()
}

func unitName(r RateLimit) string {
	if r.Unit == "" {
		return "per-second"
	}
	return r.Unit
}

// buildDeltas turns the input into counter changes in a fixed order (class,
// then key), so concurrent reservations lock rows in the same order and
// cannot deadlock.
//
// Every delta gets a Max and a TenantMax: a key without a limit at a level
// is still capped at MaxCounter there, so a counter can never pass what an
// int64 column holds (the database would fail the update with an overflow,
// a 500).
func buildDeltas(in ReserveInput, lv Levels) []Delta {
	var ds []Delta
	capped := func(c Class, k string, amount Amount) Delta {
		d := Delta{Class: c, Key: k, Amount: amount}
		nsLimit, ok := lv.Namespace.maxOf(c, k)
		if !ok || nsLimit > MaxCounter {
			nsLimit, d.AtCapacity = MaxCounter, true
		}
		tLimit, ok := lv.Tenant.maxOf(c, k)
		if !ok || tLimit > MaxCounter {
			tLimit, d.TenantAtCapacity = MaxCounter, true
		}
		d.Max, d.TenantMax = &nsLimit, &tLimit
		return d
	}
	for _, k := range sortedKeys(in.Objects) {
		ds = append(ds, capped(Objects, k, in.Objects[k]))
	}
	for _, k := range sortedKeys(in.Resources) {
		ds = append(ds, capped(Resources, k, in.Resources[k]))
	}
	for _, k := range sortedKeys(in.APIs) {
		// API limits are rates (token buckets), not a ceiling of the count:
		// maxOf finds none, so both levels cap at MaxCounter.
		ds = append(ds, capped(APIs, k, in.APIs[k]))
	}
	sort.SliceStable(ds, func(i, j int) bool {
		if ds[i].Class != ds[j].Class {
			return ds[i].Class < ds[j].Class
		}
		return ds[i].Key < ds[j].Key
	})
	return ds
}

func requestHash(in ReserveInput) string {
	b, _ := json.Marshal(struct {
		NS                 string
		Objects, Resources map[string]Amount
		APIs               map[string]Amount
	}{in.Namespace, in.Objects, in.Resources, in.APIs})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
