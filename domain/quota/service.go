package quota

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
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

// Config wires a Service.
type Config struct {
	Repo        Repository
	Tx          kernel.TxRunner
	Clock       kernel.Clock
	Namespaces  NamespaceRegistry
	Idempotency kernel.IdempotencyStore
	Limiter     RateLimiter
	// Plans supplies the plan layer of the effective limits; may be nil.
	Plans DefaultQuotaSource
	// Audit records every change of a quota object (reservations are not
	// audited: they are high-volume counter moves, visible in quota/usage).
	Audit kernel.Auditor
}

// Service is the quota use cases. Every method authorizes the caller found
// in ctx before it touches anything.
type Service struct{ c Config }

// NewService checks the wiring and returns the service.
func NewService(c Config) (*Service, error) {
	if c.Repo == nil || c.Tx == nil || c.Clock == nil || c.Namespaces == nil || c.Idempotency == nil || c.Limiter == nil {
		return nil, fmt.Errorf("quota.NewService: Repo, Tx, Clock, Namespaces, Idempotency and Limiter are required")
	}
	return &Service{c: c}, nil
}

func authorize(ctx context.Context, a tenancy.Action, ns string) (tenancy.Principal, error) {
	p, err := tenancy.PrincipalFrom(ctx)
	if err != nil {
		return p, err
	}
	if !tenancy.ValidName(ns) {
		return p, &errs.Error{Kind: errs.Invalid, Message: "invalid request", Fields: []errs.FieldError{{Field: "namespace", Problem: "must be a DNS-1035 label"}}}
	}
	return p, p.Authorize(a, ns)
}

// Create stores a new quota object and returns it as stored.
func (s *Service) Create(ctx context.Context, in CreateInput) (Quota, error) {
	p, err := authorize(ctx, tenancy.Write, in.Namespace)
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
		CreatorClass: "billingd", CreatorID: "token:" + p.TokenID,
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

func (s *Service) audit(ctx context.Context, p tenancy.Principal, action, ns, name string, before, after any) error {
	return kernel.Audit(ctx, s.c.Audit, kernel.AuditRecord{TenantID: p.TenantID, Actor: p.Actor(), Action: action,
		Namespace: ns, Object: name, Before: before, After: after})
}

// Replace replaces metadata and spec of an existing quota. The name cannot
// change, and a stale ResourceVersion is a Conflict.
func (s *Service) Replace(ctx context.Context, in ReplaceInput) error {
	p, err := authorize(ctx, tenancy.Write, in.Namespace)
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
func (s *Service) Get(ctx context.Context, ns, name string) (Quota, error) {
	p, err := authorize(ctx, tenancy.Read, ns)
	if err != nil {
		return Quota{}, err
	}
	if err := text.Err("name", name); err != nil {
		return Quota{}, err
	}
	return s.c.Repo.Get(ctx, p.TenantID, ns, name)
}

// List returns the quotas of a namespace that match the selector.
func (s *Service) List(ctx context.Context, ns string, sel labels.Selector) ([]Quota, error) {
	byNS, err := s.ListByNamespaces(ctx, []string{ns}, sel)
	return byNS[ns], err
}

// ListByNamespaces returns the quotas of several namespaces with one query,
// for dataloaders. Namespaces the caller may not read are an error.
func (s *Service) ListByNamespaces(ctx context.Context, nss []string, sel labels.Selector) (map[string][]Quota, error) {
	p, err := authorizeAll(ctx, nss)
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

func authorizeAll(ctx context.Context, nss []string) (tenancy.Principal, error) {
	var p tenancy.Principal
	var err error
	if len(nss) == 0 {
		return tenancy.PrincipalFrom(ctx)
	}
	for _, ns := range nss {
		if p, err = authorize(ctx, tenancy.Read, ns); err != nil {
			return p, err
		}
	}
	return p, nil
}

// Delete removes a quota. Nothing in billingd refers to a quota object, so
// FailIfReferred never stops a delete; it is accepted for compatibility.
func (s *Service) Delete(ctx context.Context, in DeleteInput) error {
	p, err := authorize(ctx, tenancy.Write, in.Namespace)
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

// Limits returns the effective limits of a namespace.
func (s *Service) Limits(ctx context.Context, ns string) (Spec, error) {
	r, err := s.Usage(ctx, ns)
	return r.Limits, err
}

// Usage returns the effective limits and current usage of a namespace.
func (s *Service) Usage(ctx context.Context, ns string) (Report, error) {
	m, err := s.UsageByNamespaces(ctx, []string{ns})
	return m[ns], err
}

// UsageByNamespaces builds the reports of several namespaces with a constant
// number of queries: one for quota objects, one for counters, one for the plan.
func (s *Service) UsageByNamespaces(ctx context.Context, nss []string) (map[string]Report, error) {
	p, err := authorizeAll(ctx, nss)
	if err != nil {
		return nil, err
	}
	limits, err := s.effective(ctx, p.TenantID, nss)
	if err != nil {
		return nil, err
	}
	counters, err := s.c.Repo.Counters(ctx, p.TenantID, nss)
	if err != nil {
		return nil, err
	}
	byNS := map[string][]Counter{}
	for _, c := range counters {
		byNS[c.Namespace] = append(byNS[c.Namespace], c)
	}
	out := make(map[string]Report, len(nss))
	for _, ns := range nss {
		out[ns] = BuildReport(ns, limits[ns], byNS[ns])
	}
	return out, nil
}

// effective computes the effective limits of each namespace: plan default,
// then enabled quotas in system, then enabled quotas in the namespace.
func (s *Service) effective(ctx context.Context, tenantID string, nss []string) (map[string]Spec, error) {
	var planSpec Spec
	if s.c.Plans != nil {
		var err error
		if planSpec, err = s.c.Plans.DefaultQuota(ctx, tenantID); err != nil {
			return nil, err
		}
	}
	want := append([]string{tenancy.SystemNamespace}, nss...)
	qs, err := s.c.Repo.ListByNamespaces(ctx, tenantID, uniq(want))
	if err != nil {
		return nil, err
	}
	specs := map[string][]Spec{}
	for _, q := range qs {
		if !q.Disable {
			specs[q.Namespace] = append(specs[q.Namespace], q.Spec)
		}
	}
	out := make(map[string]Spec, len(nss))
	for _, ns := range nss {
		layers := []Layer{{Source: "plan", Specs: []Spec{planSpec}}, {Source: tenancy.SystemNamespace, Specs: specs[tenancy.SystemNamespace]}}
		if ns != tenancy.SystemNamespace {
			layers = append(layers, Layer{Source: ns, Specs: specs[ns]})
		}
		out[ns] = Effective(layers...)
	}
	return out, nil
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
func (s *Service) AuthorizeReserve(ctx context.Context, ns string) error {
	_, err := authorize(ctx, tenancy.Write, ns)
	return err
}

// Reserve applies every delta of in atomically or none of them. Positive
// deltas must fit inside the effective limits; API deltas must also fit the
// rate limit's token bucket. Over a limit it returns a QuotaExceeded error
// whose Details is []Exceeded.
func (s *Service) Reserve(ctx context.Context, in ReserveInput) (ReserveResult, error) {
	p, err := authorize(ctx, tenancy.Write, in.Namespace)
	if err != nil {
		return ReserveResult{}, err
	}
	if err := in.Validate(); err != nil {
		return ReserveResult{}, err
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
		lim, err := s.effective(ctx, p.TenantID, []string{in.Namespace})
		if err != nil {
			return err
		}
		limits := lim[in.Namespace]
		var exceeded []Exceeded
		for _, k := range sortedKeys(in.APIs) {
			rl, ok := limits.APILimits[k]
			if !ok || in.APIs[k] == 0 {
				continue
			}
			n := int(in.APIs[k] / AmountScale)
			bucket := p.TenantID + "\x00" + in.Namespace + "\x00" + k
			undo, ok, retry, err := s.c.Limiter.Take(ctx, bucket, rl, n, s.c.Clock.Now())
			if err != nil {
				// Refused rather than admitted: a limit must hold even when
				// its store is unreachable. Retry-After says to try again soon.
				return &errs.Error{Kind: errs.Unavailable, Cause: err, RetryAfter: time.Second,
					Message: fmt.Sprintf("the rate limit of API %q cannot be checked right now; nothing was reserved, retry shortly", k)}
			}
			if ok {
				undos = append(undos, undo)
				continue
			}
			exceeded = append(exceeded, Exceeded{Class: APIs, Key: k, Limit: fmt.Sprintf("%d %s, burst %d", rl.Rate, unitName(rl), rl.Burst),
				Current: "rate limited", Requested: in.APIs[k].String(), RetryAfterSeconds: retry.Seconds()})
		}
		// Recorded before the counters are touched, so the counter row locks
		// are held for as short a time as possible.
		if err := s.c.Namespaces.EnsureNamespace(ctx, p.TenantID, in.Namespace); err != nil {
			return err
		}
		deltas := buildDeltas(in, limits)
		after, rejected, err := s.c.Repo.Apply(ctx, p.TenantID, in.Namespace, deltas)
		if err != nil {
			return err
		}
		if len(rejected) > 0 || len(exceeded) > 0 {
			cur := map[string]Amount{}
			for _, c := range after {
				cur[string(c.Class)+"\x00"+c.Key] = c.Used
			}
			if err := overCapacity(rejected, cur); err != nil {
				return err
			}
			for _, d := range rejected {
				exceeded = append(exceeded, Exceeded{Class: d.Class, Key: d.Key, Limit: d.Max.String(),
					Current: cur[string(d.Class)+"\x00"+d.Key].String(), Requested: d.Amount.String()})
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
			return &errs.Error{Kind: errs.QuotaExceeded, Message: fmt.Sprintf("reservation does not fit the quota of namespace %q; nothing was reserved", in.Namespace),
				Details: exceeded, RetryAfter: retry}
		}
		res = ReserveResult{Objects: map[string]Amount{}, Resources: map[string]Amount{}, APIs: map[string]Amount{}}
		for _, c := range after {
			switch c.Class {
			case Objects:
				res.Objects[c.Key] = c.Used
			case Resources:
				res.Resources[c.Key] = c.Used
			case APIs:
				res.APIs[c.Key] = c.Used
			}
		}
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

// overCapacity is the error of the rejected deltas that would take a counter
// past MaxCounter, or nil when every rejection is a quota decision. It is a
// bad request (400), not QuotaExceeded (429): no limit was hit and waiting
// does not help; only a release (a negative delta) makes room.
func overCapacity(rejected []Delta, cur map[string]Amount) error {
	var f errs.Fields
	for _, d := range rejected {
		if d.AtCapacity {
			f.Add(fmt.Sprintf("%s[%q]", d.Class, d.Key), "usage %s + %s would pass %d, the largest countable amount; nothing was reserved",
				cur[string(d.Class)+"\x00"+d.Key], d.Amount, int64(MaxAmount))
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
// Every delta gets a Max: a key without a limit is still capped at
// MaxCounter, so a counter can never pass what an int64 column holds (the
// database would fail the update with an overflow, a 500).
func buildDeltas(in ReserveInput, limits Spec) []Delta {
	var ds []Delta
	capped := func(d Delta, limit Amount, ok bool) Delta {
		if !ok || limit > MaxCounter {
			limit, d.AtCapacity = MaxCounter, true
		}
		d.Max = &limit
		return d
	}
	for _, k := range sortedKeys(in.Objects) {
		l, ok := limits.ObjectLimits[k]
		ds = append(ds, capped(Delta{Class: Objects, Key: k, Amount: in.Objects[k]}, Units(int64(l.Maximum)), ok))
	}
	for _, k := range sortedKeys(in.Resources) {
		l, ok := limits.ResourceLimits[k]
		ds = append(ds, capped(Delta{Class: Resources, Key: k, Amount: in.Resources[k]}, AmountFromFloat(l.Maximum), ok))
	}
	for _, k := range sortedKeys(in.APIs) {
		// API limits are rates (token buckets), not a ceiling of the count.
		ds = append(ds, capped(Delta{Class: APIs, Key: k, Amount: in.APIs[k]}, 0, false))
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
