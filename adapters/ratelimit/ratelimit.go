// Package ratelimit implements quota.RateLimiter with golang.org/x/time/rate
// token buckets held in process memory. With several replicas each keeps its
// own buckets, so a tenant could get up to N times its rate across N replicas:
// serve --redis-url shares them instead (adapters/redisrate).
package ratelimit

import (
	"context"
	"sync"
	"time"

	"github.com/billingd/billingd/domain/quota"
	"golang.org/x/time/rate"
)

// Buckets is a concurrency-safe set of token buckets keyed by string.
type Buckets struct {
	mu sync.Mutex
	m  map[string]*bucket
}

type bucket struct {
	lim  *rate.Limiter
	conf quota.RateLimit
	used time.Time
}

// maxBuckets bounds memory: past it, buckets idle for an hour are dropped
// (an idle bucket is full anyway, so dropping it changes nothing).
const maxBuckets = 100_000

// New returns an empty set of buckets.
func New() *Buckets { return &Buckets{m: map[string]*bucket{}} }

var _ quota.RateLimiter = (*Buckets)(nil)

// Take takes n tokens at now (the service clock's instant) or none. A
// changed limit is applied to the existing bucket, keeping the tokens it
// has. Memory cannot be unreachable, so it never fails.
func (b *Buckets) Take(_ context.Context, key string, l quota.RateLimit, n int, now time.Time) (func(), bool, time.Duration, error) {
	every := rate.Limit(float64(l.Rate) / l.Period().Seconds())
	burst := int(l.Burst)
	if burst == 0 {
		// F5 lets burst default to the rate; a zero burst would admit nothing.
		burst = int(l.Rate)
	}
	b.mu.Lock()
	bk, ok := b.m[key]
	if !ok {
		if len(b.m) >= maxBuckets {
			b.evict(now)
		}
		bk = &bucket{lim: rate.NewLimiter(every, burst), conf: l}
		b.m[key] = bk
	} else if bk.conf != l {
		bk.lim.SetLimitAt(now, every)
		bk.lim.SetBurstAt(now, burst)
		bk.conf = l
	}
	bk.used = now
	b.mu.Unlock()

	if n > burst {
		return nil, false, 0, nil
	}
	r := bk.lim.ReserveN(now, n)
	if !r.OK() {
		return nil, false, 0, nil
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return nil, false, d, nil
	}
	return func() { r.CancelAt(now) }, true, 0, nil
}

func (b *Buckets) evict(now time.Time) {
	for k, bk := range b.m {
		if now.Sub(bk.used) > time.Hour {
			delete(b.m, k)
		}
	}
}
