package quota

import (
	"context"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/domain/text"
)

// Repository stores quota objects and usage counters. Every method is scoped
// to one tenant: a key of another tenant is simply not found.
type Repository interface {
	// OneTripReserver is the one-round-trip reservation, where the database
	// offers it (LimitsVersion's ok says whether it does).
	OneTripReserver
	// Create stores a new quota; an existing name is a Conflict.
	Create(ctx context.Context, q Quota) error
	Get(ctx context.Context, tenantID, ns, name string) (Quota, error)
	// Update loads the quota, lets fn change it and stores the result with a
	// new resource version, all under a row lock.
	Update(ctx context.Context, tenantID, ns, name string, fn func(*Quota) error) error
	Delete(ctx context.Context, tenantID, ns, name string) error
	// ListByNamespaces returns the quotas of all the given namespaces in one
	// query, ordered by namespace then name.
	ListByNamespaces(ctx context.Context, tenantID string, nss []string) ([]Quota, error)
	// Counters returns the usage counters of the given namespaces in one query.
	Counters(ctx context.Context, tenantID string, nss []string) ([]Counter, error)
	// TenantTotals returns the tenant-wide counters (Namespace TenantWide):
	// the sum of each key over every namespace, in one query.
	TenantTotals(ctx context.Context, tenantID string) ([]Counter, error)
	// Apply adds each delta to the namespace's counter and to the
	// tenant-wide counter of its key. A positive delta is applied only when
	// the namespace's counter stays within Max and the tenant's within
	// TenantMax; otherwise it is returned in rejected (with the level that
	// refused it) and the caller rolls the transaction back. A release
	// takes from the tenant-wide counter what it took from the namespace's:
	// neither goes below zero. after holds the namespace's counter of every
	// applied key and, at least when ns is "system" (whose answer is the
	// tenant's), the tenant-wide one (Namespace TenantWide). Concurrent Applies must
	// never pass a limit, at either level.
	Apply(ctx context.Context, tenantID, ns string, deltas []Delta) (after []Counter, rejected []Rejection, err error)
	// LockLimits holds the tenant's limits lock until the transaction in ctx
	// ends (outside a transaction it is an error). Reservations take it shared,
	// before they read the effective limits, and still run in parallel; a
	// change of the plan layer takes it exclusive, before it reads the
	// counters, so it waits for every reservation that read the old limits and
	// no reservation reads them again until it commits.
	LockLimits(ctx context.Context, tenantID string, exclusive bool) error
}

// Delta is one change to a key's counters, with the limits they must respect.
type Delta struct {
	Class  Class
	Key    string
	Amount Amount
	// Max caps the namespace's counter, TenantMax the tenant-wide one.
	Max, TenantMax *Amount
	// AtCapacity says Max is MaxCounter, the largest countable amount, and
	// not a limit of the key: going over it is a bad request, not a quota
	// decision. TenantAtCapacity says the same of TenantMax.
	AtCapacity, TenantAtCapacity bool
}

// Rejection is a delta that did not fit, and where.
type Rejection struct {
	Delta
	// Tenant says the tenant-wide counter refused it (against TenantMax);
	// otherwise the namespace's did (against Max).
	Tenant bool
	// Current is the usage of the counter that refused it.
	Current Amount
}

// Limit is the limit that refused the delta.
func (r Rejection) Limit() Amount {
	if r.Tenant {
		return *r.TenantMax
	}
	return *r.Max
}

// overCapacity says the limit that refused the delta is MaxCounter.
func (r Rejection) overCapacity() bool {
	if r.Tenant {
		return r.TenantAtCapacity
	}
	return r.AtCapacity
}

// DefaultQuotaSource gives the default quota of a tenant's current plan, the
// lowest layer of the effective limits. Nil means no plan layer.
type DefaultQuotaSource interface {
	// DefaultQuota is the default quota of the plan of the tenant p acts on.
	DefaultQuota(ctx context.Context, p tenancy.Principal) (Spec, error)
}

// RateLimiter is a set of token buckets keyed by string: in process memory
// for one replica, or in a store shared by every replica (Redis).
type RateLimiter interface {
	// Take takes n tokens from the bucket key (limited by l) or none. When it
	// took them, undo gives them back; retryAfter says when n would fit. now
	// is the service clock's instant; a shared store may use its own clock
	// instead, so that every replica reads one. err means the buckets could
	// not be read: nothing was taken and the caller must not admit the
	// request (a limit is never passed because its store is down).
	Take(ctx context.Context, key string, l RateLimit, n int, now time.Time) (undo func(), ok bool, retryAfter time.Duration, err error)
}

// CreateInput is a new quota object.
type CreateInput struct {
	Namespace   string
	Name        string
	Labels      map[string]string
	Annotations map[string]string
	Description string
	Disable     bool
	Spec        Spec
}

// Validate reports every bad field at once.
func (in CreateInput) Validate() error {
	var f errs.Fields
	ValidateMeta(in.Name, in.Namespace, in.Description, in.Labels, in.Annotations, &f)
	in.Spec.Validate("spec", &f)
	return f.Err()
}

// ReplaceInput replaces the metadata and spec of an existing quota.
type ReplaceInput struct {
	CreateInput
	// ResourceVersion, when set, must equal the stored version.
	ResourceVersion string
}

// DeleteInput deletes a quota.
type DeleteInput struct {
	Namespace      string
	Name           string
	FailIfReferred bool
}

// ReserveInput asks for usage deltas in one namespace; all or nothing.
type ReserveInput struct {
	Namespace      string
	Objects        map[string]Amount
	Resources      map[string]Amount
	APIs           map[string]Amount
	IdempotencyKey string
}

// MaxReserveKeys is the most keys (all classes together) one reservation
// may name; a transport checks it before it parses any amount.
const MaxReserveKeys = 1000

// Validate reports every bad field at once.
func (in ReserveInput) Validate() error {
	var f errs.Fields
	if len(in.Objects)+len(in.Resources)+len(in.APIs) == 0 {
		f.Add("objects", "at least one of objects, resources or apis must name a key")
	}
	if n := len(in.Objects) + len(in.Resources) + len(in.APIs); n > MaxReserveKeys {
		f.Add("objects", "at most %d keys per reservation, got %d", MaxReserveKeys, n)
		return f.Err()
	}
	text.Check(&f, "Idempotency-Key", in.IdempotencyKey)
	check := func(field string, m map[string]Amount, whole, nonNegative bool) {
		for _, k := range sortedKeys(m) {
			p := field + "[\"" + k + "\"]"
			if !validKey(k) {
				f.Add(p, "key must be 1-512 characters matching ^[a-zA-Z][a-zA-Z0-9-._]*[a-zA-Z0-9]$")
			}
			if whole && m[k]%AmountScale != 0 {
				f.Add(p, "must be a whole number")
			}
			if nonNegative && m[k] < 0 {
				f.Add(p, "must not be negative (API calls cannot be given back)")
			}
			if m[k] > MaxCounter || m[k] < -MaxCounter {
				f.Add(p, "must be at most %d in magnitude, the largest countable amount", int64(MaxAmount))
			}
		}
	}
	check("objects", in.Objects, true, false)
	check("resources", in.Resources, false, false)
	check("apis", in.APIs, true, true)
	if len(in.IdempotencyKey) > 255 {
		f.Add("Idempotency-Key", "must be at most 255 characters")
	}
	return f.Err()
}

// Exceeded describes one key a reservation could not fit.
type Exceeded struct {
	Class Class  `json:"class"`
	Key   string `json:"key"`
	// Scope says which limit refused: ScopeTenant (the tenant-wide sum, set
	// by the plan and "system") or ScopeNamespace (the namespace's own).
	Scope     string `json:"scope"`
	Limit     string `json:"limit"`
	Current   string `json:"current"`
	Requested string `json:"requested"`
	// RetryAfterSeconds is set for API rate limits.
	RetryAfterSeconds float64 `json:"retry_after_seconds,omitempty"`
}

// The scopes of an Exceeded.
const (
	ScopeTenant    = "tenant"
	ScopeNamespace = "namespace"
)

// ReserveResult is the usage after a reservation, per class and key: the
// namespace's counters, or the tenant's when the namespace is "system".
type ReserveResult struct {
	Objects   map[string]Amount `json:"objects,omitempty"`
	Resources map[string]Amount `json:"resources,omitempty"`
	APIs      map[string]Amount `json:"apis,omitempty"`
	// Replayed is true when the answer came from an earlier request with the
	// same Idempotency-Key.
	Replayed bool `json:"-"`
}

// OneTripReserver is the part of a Repository that applies a whole
// reservation in one database round trip, outside any transaction
// (PostgreSQL; elsewhere LimitsVersion answers ok false). The service
// caches the effective limits of a namespace together with the tenant's
// limits version, a number the database bumps with every change of the
// tenant's quota objects or plan, whichever process makes it; a reservation
// names the version it computed its limits from and is applied only if that
// is still the version.
type OneTripReserver interface {
	// LimitsVersion returns the tenant's limits version; ok is false when
	// this repository has no one-trip reservation (the caller then uses
	// Apply in a transaction).
	LimitsVersion(ctx context.Context, tenantID string) (version int64, ok bool, err error)
	// ReserveOnce is the Idempotency-Key's claim, LockLimits (shared), Apply
	// and the key's answer in a transaction of its own (or in the caller's,
	// when ctx carries one), committed when nothing is rejected, all in one
	// round trip.
	ReserveOnce(ctx context.Context, tenantID, ns string, r OneTrip) (OneTripResult, error)
}

// OneTrip is what ReserveOnce applies.
type OneTrip struct {
	// Version is the limits version Deltas' limits were computed from.
	Version int64
	Deltas  []Delta
	// NamespaceCreated, when set, records the namespace as
	// NamespaceRegistry.EnsureNamespace does (created then).
	NamespaceCreated *time.Time
	// Key, when set, is claimed first and given the answer.
	Key *OneTripKey
}

// OneTripKey is an Idempotency-Key as kernel.IdempotencyStore keeps it.
type OneTripKey struct {
	Scope, Key, RequestHash string
	At                      time.Time
}

// OneTripResult is what ReserveOnce did.
type OneTripResult struct {
	After    []Counter
	Rejected []Rejection
	// Stale says the limits version was not Version: nothing was applied.
	Stale bool
	// Replayed says the key was claimed before: nothing was applied and
	// Answer is the stored answer (a request hash that differs, or an
	// answer not stored yet, is a Conflict error instead).
	Replayed bool
	Answer   []byte
}
