// Package redisrate keeps rate limits in Redis, so that every billingd
// replica behind a load balancer draws from the same buckets: the quota
// service's api_limits (quota.RateLimiter) and the per-token request limit
// (httpmw.SharedRate).
//
// The algorithm is GCRA (the generic cell rate algorithm, as in
// redis-gcra and go-redis/redis_rate): a bucket is one key holding its
// theoretical arrival time (TAT), updated by one Lua script, so a decision
// is atomic across replicas and costs one round trip. Unlike redis_rate the
// script also gives tokens back (the quota service returns what it took
// when a reservation fails), which is why it is written here.
package redisrate

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultPrefix starts every key this package writes.
const DefaultPrefix = "billingd:"

// Open connects to rawURL (redis://[user:password@]host:port/db or
// rediss:// for TLS) with short timeouts: a limit check that waits for an
// unreachable Redis would hold every request, so it fails within about a
// second and the caller applies its rule for a failed check.
func Open(rawURL string) (*redis.Client, error) {
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("--redis-url: %w", err)
	}
	return newClient(opt), nil
}

func newClient(opt *redis.Options) *redis.Client {
	opt.DialTimeout = time.Second
	opt.ReadTimeout = 500 * time.Millisecond
	opt.WriteTimeout = 500 * time.Millisecond
	opt.PoolTimeout = time.Second
	// One try: a retried script could take tokens twice if the first
	// answer was lost, and a caller waiting for retries waits for nothing.
	opt.MaxRetries = -1
	opt.ContextTimeoutEnabled = true
	return redis.NewClient(opt)
}

// Limit is a GCRA bucket: Burst tokens at most, refilled at Rate per Period.
type Limit struct {
	Rate   float64
	Period time.Duration
	Burst  int
}

// interval is the emission interval in microseconds: the time one token
// takes to come back.
func (l Limit) interval() (float64, error) {
	if l.Rate <= 0 || l.Period <= 0 || l.Burst <= 0 || math.IsNaN(l.Rate) || math.IsInf(l.Rate, 0) {
		return 0, fmt.Errorf("redisrate: invalid limit %+v", l)
	}
	return float64(l.Period.Microseconds()) / l.Rate, nil
}

// gcra takes cost tokens (ARGV[3]) from the bucket KEYS[1] with emission
// interval ARGV[1] microseconds and burst ARGV[2], or none; a negative cost
// gives tokens back, never past a full bucket. It answers {1, 0} when it
// took them, else {0, microseconds until they would fit}.
//
// "Now" is Redis's TIME, not the caller's clock: every replica must judge
// a bucket by one clock, and the server holding the bucket is the only one
// they share. (A process on a simulated clock, --clock-start, therefore
// still refills its buckets at real time, which is what a rate is.)
//
// Times are microseconds since 1970 as Lua doubles: about 1.8e15, exact
// below 2^53 (9e15). The key expires when the bucket is full again, so an
// idle bucket costs no memory.
var gcra = redis.NewScript(`
if redis.replicate_commands then redis.replicate_commands() end
local key = KEYS[1]
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', key) or now) or now
if tat < now then tat = now end
local new_tat = tat + cost * interval
if cost > 0 then
  local allow_at = new_tat - burst * interval
  if allow_at > now then
    return {0, math.ceil(allow_at - now)}
  end
end
if new_tat > now then
  redis.call('SET', key, string.format('%.0f', new_tat), 'PX', math.ceil((new_tat - now) / 1000))
else
  redis.call('DEL', key)
end
return {1, 0}
`)

// GCRA is a set of GCRA buckets in Redis under one key prefix.
type GCRA struct {
	rdb    redis.Scripter
	prefix string
}

// New returns buckets kept in rdb under prefix (DefaultPrefix when empty).
// Installations (or tests) sharing one Redis use distinct prefixes.
func New(rdb redis.Scripter, prefix string) *GCRA {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return &GCRA{rdb: rdb, prefix: prefix}
}

// Take takes n tokens from bucket key, or none. When it took none,
// retryAfter says when n would fit (0 when n is more than the burst: it
// never will). err means Redis did not answer: nothing is known, and the
// caller decides whether to admit.
func (g *GCRA) Take(ctx context.Context, key string, l Limit, n int) (ok bool, retryAfter time.Duration, err error) {
	iv, err := l.interval()
	if err != nil {
		return false, 0, err
	}
	if n <= 0 {
		return true, 0, nil
	}
	if n > l.Burst {
		return false, 0, nil
	}
	return g.run(ctx, key, iv, l.Burst, n)
}

// Refund gives back n tokens taken from bucket key by Take.
func (g *GCRA) Refund(ctx context.Context, key string, l Limit, n int) error {
	iv, err := l.interval()
	if err != nil || n <= 0 {
		return err
	}
	_, _, err = g.run(ctx, key, iv, l.Burst, -n)
	return err
}

func (g *GCRA) run(ctx context.Context, key string, interval float64, burst, cost int) (bool, time.Duration, error) {
	v, err := gcra.Run(ctx, g.rdb, []string{g.prefix + key}, interval, burst, cost).Int64Slice()
	if err != nil {
		return false, 0, err
	}
	if len(v) != 2 {
		return false, 0, errors.New("redisrate: unexpected script answer")
	}
	return v[0] == 1, time.Duration(v[1]) * time.Microsecond, nil
}
