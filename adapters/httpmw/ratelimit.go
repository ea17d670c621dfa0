package httpmw

import (
	"context"
	"log/slog"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/tenancy"
	"golang.org/x/time/rate"
)

// maxRateBuckets bounds the limiter's memory even when more tokens than
// that are active at once; past it the buckets start over (every caller gets
// a full burst again), which errs on the caller's side, never on a refusal.
const maxRateBuckets = 100_000

// TokenLimiter is the per-token request rate limit: a token bucket per API
// token id, shared by REST and GraphQL. A nil *TokenLimiter limits nothing.
//
// The buckets are in process memory unless they are shared: held in a
// store every replica reads (Redis). Memory stays bounded: a bucket that has not
// been used for as long as it takes to refill completely is in the same
// state as a new one, so sweeping it out changes no decision.
type TokenLimiter struct {
	limit rate.Limit
	burst int
	// idle is how long an unused bucket takes to refill completely.
	idle time.Duration
	now  func() time.Time
	// shared, when set, holds the buckets instead of this process.
	shared SharedRate

	mu        sync.Mutex
	buckets   map[string]*tokenBucket
	lastSweep time.Time
}

type tokenBucket struct {
	lim  *rate.Limiter
	last time.Time
}

// NewTokenLimiter allows perSecond requests a second per token, by clock,
// up to burst at once (burst <= 0 means twice perSecond, at least 1).
// perSecond <= 0 turns the limit off and returns nil. shared, when not nil,
// holds the buckets instead of this process. When it fails the request is
// let through: this limit protects the service from floods, and refusing
// every caller while Redis is down would be the outage it is there to
// prevent. (Quota API limits, which are what a tenant pays for, refuse
// instead.)
func NewTokenLimiter(clock kernel.Clock, perSecond float64, burst int, shared SharedRate) *TokenLimiter {
	if perSecond <= 0 || math.IsNaN(perSecond) || math.IsInf(perSecond, 0) {
		return nil
	}
	if burst <= 0 {
		burst = max(1, int(math.Ceil(2*perSecond)))
	}
	idle := time.Duration(float64(burst) / perSecond * float64(time.Second))
	return &TokenLimiter{
		limit: rate.Limit(perSecond), burst: burst, idle: max(idle, time.Second),
		now: clock.Now, shared: shared, buckets: map[string]*tokenBucket{},
	}
}

// SharedRate is a set of request buckets held outside the process, so that
// replicas behind a load balancer hold one limit together.
type SharedRate interface {
	// Allow takes one request from key's bucket (perSecond a second, burst
	// at once) or says how long until one would be allowed. err means the
	// store did not answer (the implementation counts it).
	Allow(ctx context.Context, key string, perSecond float64, burst int) (ok bool, retryAfter time.Duration, err error)
}

// Allow takes one request from key's bucket. When the bucket is empty it
// takes nothing and says how long until a request would be allowed.
func (l *TokenLimiter) Allow(ctx context.Context, key string) (ok bool, retryAfter time.Duration) {
	if l == nil {
		return true, 0
	}
	if l.shared != nil {
		ok, wait, err := l.shared.Allow(ctx, key, float64(l.limit), l.burst)
		if err != nil {
			return true, 0
		}
		return ok, wait
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= maxRateBuckets {
			l.buckets = map[string]*tokenBucket{}
		}
		b = &tokenBucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.buckets[key] = b
	}
	b.last = now
	r := b.lim.ReserveN(now, 1)
	if !r.OK() {
		return false, time.Second
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// sweep drops the buckets idle long enough to be full again, at most once
// per idle period so the cost is amortised. l.mu is held.
func (l *TokenLimiter) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < l.idle {
		return
	}
	l.lastSweep = now
	for k, b := range l.buckets {
		if now.Sub(b.last) >= l.idle {
			delete(l.buckets, k)
		}
	}
}

// Len is the number of buckets held (for tests and metrics).
func (l *TokenLimiter) Len() int {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// rateLimited is the details of a 429 from the limiter.
type rateLimited struct {
	Limit             string  `json:"limit"`
	RequestsPerSecond float64 `json:"requests_per_second"`
	Burst             int     `json:"burst"`
	RetryAfterSeconds float64 `json:"retry_after_seconds"`
}

// Wrap refuses requests over the caller's rate with 429 RATE_LIMITED and a
// Retry-After header. It must run inside RequireAuth: the bucket is the
// token's id from the authenticated principal. A nil limiter returns h.
func (l *TokenLimiter) Wrap(log *slog.Logger, h http.Handler) http.Handler {
	if l == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// CallerFrom: an operator that named no tenant is limited too.
		p, err := tenancy.CallerFrom(r.Context())
		if err != nil {
			WriteError(w, r, log, err)
			return
		}
		key := p.TokenID
		if key == "" {
			key = "tenant:" + p.TenantID
		}
		if ok, wait := l.Allow(r.Context(), key); !ok {
			secs := math.Ceil(wait.Seconds()*1000) / 1000
			e := errs.New(errs.RateLimited, "request rate limit exceeded: this API token may send %g requests per second (bursts of %d); retry after %gs", float64(l.limit), l.burst, secs)
			e.Details = rateLimited{Limit: "requests_per_token", RequestsPerSecond: float64(l.limit), Burst: l.burst, RetryAfterSeconds: secs}
			e.RetryAfter = wait
			WriteError(w, r, log, e)
			return
		}
		h.ServeHTTP(w, r)
	})
}
