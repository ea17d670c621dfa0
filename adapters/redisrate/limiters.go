package redisrate

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/billingd/billingd/domain/quota"
	"github.com/prometheus/client_golang/prometheus"
)

// refundTimeout bounds giving tokens back after a failed reservation. It
// runs on a context of its own: the request's may be the reason it failed.
const refundTimeout = time.Second

// Health counts failed limit checks by limiter ("quota", "token") in
// billingd_redis_limiter_errors_total and logs when checks start and stop
// failing (once per change, not per request).
type Health struct {
	log    *slog.Logger
	errors *prometheus.CounterVec
	down   atomic.Bool
}

// NewHealth registers the counter with reg (nil: register h itself later,
// it is a prometheus.Collector).
func NewHealth(reg prometheus.Registerer, log *slog.Logger) (*Health, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &Health{log: log, errors: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "billingd_redis_limiter_errors_total",
		Help: "Rate-limit checks that Redis did not answer, by limiter: quota (the request was refused with 503) and token (the request was let through).",
	}, []string{"limiter"})}
	for _, l := range []string{"quota", "token"} {
		h.errors.WithLabelValues(l)
	}
	if reg != nil {
		if err := reg.Register(h.errors); err != nil {
			return nil, err
		}
	}
	return h, nil
}

func (h *Health) failed(limiter string, err error) {
	h.errors.WithLabelValues(limiter).Inc()
	if !h.down.Swap(true) {
		h.log.Error("redis rate limits unreachable: quota API limits refuse with 503, the per-token limit lets requests through", "limiter", limiter, "err", err)
	}
}

func (h *Health) ok() {
	if h.down.Load() && h.down.Swap(false) {
		h.log.Info("redis rate limits reachable again")
	}
}

// QuotaBuckets implements quota.RateLimiter with GCRA buckets in Redis.
type QuotaBuckets struct {
	g *GCRA
	h *Health
}

var _ quota.RateLimiter = (*QuotaBuckets)(nil)

// NewQuotaBuckets keeps quota api_limits buckets in g.
func NewQuotaBuckets(g *GCRA, h *Health) *QuotaBuckets { return &QuotaBuckets{g: g, h: h} }

func quotaLimit(l quota.RateLimit) Limit {
	burst := int(l.Burst)
	if burst == 0 {
		// F5 lets burst default to the rate (as adapters/ratelimit does).
		burst = int(l.Rate)
	}
	return Limit{Rate: float64(l.Rate), Period: l.Period(), Burst: burst}
}

// Take takes n tokens from the bucket key or none. now is ignored: the
// bucket is judged by Redis's clock, the one every replica shares (see
// gcra). An unreachable Redis is an error, which the quota service turns
// into a refusal: a limit is never passed because it could not be read.
func (q *QuotaBuckets) Take(ctx context.Context, key string, l quota.RateLimit, n int, _ time.Time) (func(), bool, time.Duration, error) {
	lim := quotaLimit(l)
	if lim.Rate <= 0 || lim.Burst <= 0 {
		// A zero rate admits nothing, as a zero-burst bucket would.
		return nil, false, 0, nil
	}
	ok, retry, err := q.g.Take(ctx, "quota:"+key, lim, n)
	if err != nil {
		q.h.failed("quota", err)
		return nil, false, 0, err
	}
	q.h.ok()
	if !ok {
		return nil, false, retry, nil
	}
	undo := func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refundTimeout)
		defer cancel()
		if err := q.g.Refund(rctx, "quota:"+key, lim, n); err != nil {
			// The tokens stay taken until the bucket refills: an error on
			// the caller's side, never an admission past the limit.
			q.h.failed("quota", err)
		}
	}
	return undo, true, 0, nil
}

// TokenBuckets implements httpmw.SharedRate: the per-token request limit in
// Redis.
type TokenBuckets struct {
	g *GCRA
	h *Health
}

// NewTokenBuckets keeps per-token buckets in g.
func NewTokenBuckets(g *GCRA, h *Health) *TokenBuckets { return &TokenBuckets{g: g, h: h} }

// Allow takes one request from key's bucket (perSecond a second, burst at
// once). err means Redis did not answer; it is counted here and the
// caller lets the request through.
func (t *TokenBuckets) Allow(ctx context.Context, key string, perSecond float64, burst int) (bool, time.Duration, error) {
	ok, retry, err := t.g.Take(ctx, "token:"+key, Limit{Rate: perSecond, Period: time.Second, Burst: burst}, 1)
	if err != nil {
		t.h.failed("token", err)
		return false, 0, err
	}
	t.h.ok()
	return ok, retry, nil
}

// Describe implements prometheus.Collector (the error counter).
func (h *Health) Describe(ch chan<- *prometheus.Desc) { h.errors.Describe(ch) }

// Collect implements prometheus.Collector.
func (h *Health) Collect(ch chan<- prometheus.Metric) { h.errors.Collect(ch) }
