package redisrate

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/billingd/billingd/adapters/redisrate/redistest"
	"github.com/billingd/billingd/domain/quota"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"
)

func client(t *testing.T, url string) *redis.Client {
	t.Helper()
	c, err := Open(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func newGCRA(t *testing.T) (*GCRA, *redis.Client, string) {
	t.Helper()
	c := client(t, redistest.URL(t))
	p := redistest.Prefix(t)
	return New(c, p), c, p
}

func TestGCRABurstThenRefusal(t *testing.T) {
	t.Parallel()
	g, c, prefix := newGCRA(t)
	ctx := context.Background()
	l := Limit{Rate: 5, Period: time.Minute, Burst: 5} // one token every 12s
	for i := range 5 {
		if ok, _, err := g.Take(ctx, "k", l, 1); err != nil || !ok {
			t.Fatalf("take %d of the burst: ok=%v err=%v", i, ok, err)
		}
	}
	ok, retry, err := g.Take(ctx, "k", l, 1)
	if err != nil || ok || retry <= 0 || retry > 12*time.Second {
		t.Fatalf("6th take: ok=%v retry=%v err=%v; want refused, retry in (0, 12s]", ok, retry, err)
	}
	// A refusal takes nothing: the bucket is where the burst left it.
	if ok, _, _ := g.Take(ctx, "k", l, 1); ok {
		t.Fatal("7th take admitted")
	}
	// The key expires when the bucket would be full again (5 × 12s).
	ttl, err := c.PTTL(ctx, prefix+"k").Result()
	if err != nil || ttl <= 0 || ttl > time.Minute {
		t.Fatalf("key TTL %v (%v), want in (0, 1m]", ttl, err)
	}
	// Other keys and other prefixes are other buckets.
	if ok, _, _ := g.Take(ctx, "other", l, 5); !ok {
		t.Fatal("another key refused")
	}
	if ok, _, _ := New(c, redistest.Prefix(t)).Take(ctx, "k", l, 5); !ok {
		t.Fatal("the same key under another prefix refused")
	}
	// More than the burst never fits: no retry time is promised.
	if ok, retry, err := g.Take(ctx, "big", l, 6); ok || retry != 0 || err != nil {
		t.Fatalf("n > burst: ok=%v retry=%v err=%v", ok, retry, err)
	}
	if _, _, err := g.Take(ctx, "bad", Limit{Rate: 0, Period: time.Second, Burst: 1}, 1); err == nil {
		t.Fatal("a zero rate must be refused as an invalid limit")
	}
}

func TestGCRARefund(t *testing.T) {
	t.Parallel()
	g, c, prefix := newGCRA(t)
	ctx := context.Background()
	l := Limit{Rate: 10, Period: time.Hour, Burst: 10}
	if ok, _, err := g.Take(ctx, "k", l, 10); err != nil || !ok {
		t.Fatalf("take the whole burst: %v %v", ok, err)
	}
	if err := g.Refund(ctx, "k", l, 3); err != nil {
		t.Fatal(err)
	}
	if ok, _, _ := g.Take(ctx, "k", l, 3); !ok {
		t.Fatal("3 refunded tokens not available")
	}
	if ok, _, _ := g.Take(ctx, "k", l, 1); ok {
		t.Fatal("more than the refund available")
	}
	// A refund never fills past the burst, and a full bucket holds no key.
	if err := g.Refund(ctx, "k", l, 100); err != nil {
		t.Fatal(err)
	}
	if n, err := c.Exists(ctx, prefix+"k").Result(); err != nil || n != 0 {
		t.Fatalf("a full bucket's key still exists (%d, %v)", n, err)
	}
	if ok, _, _ := g.Take(ctx, "k", l, 10); !ok {
		t.Fatal("full bucket refused its burst")
	}
	if ok, _, _ := g.Take(ctx, "k", l, 1); ok {
		t.Fatal("refund filled past the burst")
	}
}

// TestGCRARefills waits the retry time Redis gave (Redis's clock runs on
// this machine), after which one token must be back, and only one.
func TestGCRARefills(t *testing.T) {
	t.Parallel()
	g, _, _ := newGCRA(t)
	ctx := context.Background()
	l := Limit{Rate: 20, Period: time.Second, Burst: 1}
	if ok, _, _ := g.Take(ctx, "k", l, 1); !ok {
		t.Fatal("first take refused")
	}
	ok, retry, err := g.Take(ctx, "k", l, 1)
	if ok || err != nil || retry <= 0 {
		t.Fatalf("second take: ok=%v retry=%v err=%v", ok, retry, err)
	}
	time.Sleep(retry)
	if ok, _, err := g.Take(ctx, "k", l, 1); !ok || err != nil {
		t.Fatalf("no token back after the retry time: %v", err)
	}
}

// TestGCRAReplicasShareOneLimit: three clients (three replicas) taking 90
// times at once from a bucket of 20 an hour admit exactly 20: the script
// is atomic in Redis.
func TestGCRAReplicasShareOneLimit(t *testing.T) {
	t.Parallel()
	url := redistest.URL(t)
	prefix := redistest.Prefix(t)
	l := Limit{Rate: 20, Period: time.Hour, Burst: 20}
	var admitted, failed atomic.Int64
	var wg sync.WaitGroup
	for range 3 {
		g := New(client(t, url), prefix)
		for range 30 {
			wg.Go(func() {
				ok, _, err := g.Take(context.Background(), "shared", l, 1)
				switch {
				case err != nil:
					failed.Add(1)
				case ok:
					admitted.Add(1)
				}
			})
		}
	}
	wg.Wait()
	if admitted.Load() != 20 || failed.Load() != 0 {
		t.Fatalf("admitted %d of 90 (%d errors), want exactly 20", admitted.Load(), failed.Load())
	}
}

func TestQuotaLimitUnits(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   quota.RateLimit
		want Limit
	}{
		{quota.RateLimit{Rate: 20, Burst: 0, Unit: "per-minute"}, Limit{Rate: 20, Period: time.Minute, Burst: 20}},
		{quota.RateLimit{Rate: 5, Burst: 7}, Limit{Rate: 5, Period: time.Second, Burst: 7}},
		{quota.RateLimit{Rate: 100, Burst: 10, Unit: "per-hour"}, Limit{Rate: 100, Period: time.Hour, Burst: 10}},
	} {
		if got := quotaLimit(c.in); got != c.want {
			t.Errorf("%+v: got %+v, want %+v", c.in, got, c.want)
		}
	}
}

// TestUnreachableRedis: quota buckets fail (the service refuses), token
// buckets fail (the limiter lets through), both are counted, and the same
// client works again once Redis is back.
func TestUnreachableRedis(t *testing.T) {
	t.Parallel()
	url := redistest.URL(t)
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	px := redistest.NewProxy(t, opt.Addr)
	opt.Addr = px.Addr
	c := newClient(opt)
	t.Cleanup(func() { c.Close() })
	reg := prometheus.NewRegistry()
	h, err := NewHealth(reg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	g := New(c, redistest.Prefix(t))
	qb, tb := NewQuotaBuckets(g, h), NewTokenBuckets(g, h)
	ctx := context.Background()
	rl := quota.RateLimit{Rate: 2, Burst: 2, Unit: "per-hour"}

	undo, ok, _, err := qb.Take(ctx, "q", rl, 1, time.Time{})
	if err != nil || !ok {
		t.Fatalf("take through the proxy: %v %v", ok, err)
	}
	undo() // gives it back: 2 fit again below

	px.Down()
	if _, ok, _, err := qb.Take(ctx, "q", rl, 1, time.Time{}); err == nil || ok {
		t.Fatalf("quota take with Redis unreachable: ok=%v err=%v, want an error", ok, err)
	}
	if _, _, err := tb.Allow(ctx, "tok", 10, 10); err == nil {
		t.Fatal("token allow with Redis unreachable: no error")
	}
	if q, tk := testutil.ToFloat64(h.errors.WithLabelValues("quota")), testutil.ToFloat64(h.errors.WithLabelValues("token")); q != 1 || tk != 1 {
		t.Fatalf("error counters quota=%v token=%v, want 1 and 1", q, tk)
	}

	px.Up() // the same address: the client is not rebuilt
	var lastErr error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if _, ok, _, lastErr = qb.Take(ctx, "q", rl, 2, time.Time{}); lastErr == nil {
			if !ok {
				t.Fatal("the undone token did not come back")
			}
			break
		}
	}
	if lastErr != nil {
		t.Fatalf("no recovery: %v", lastErr)
	}
	if _, ok, _, err := qb.Take(ctx, "q", rl, 1, time.Time{}); err != nil || ok {
		t.Fatalf("after recovery the limit must hold: ok=%v err=%v", ok, err)
	}
	if ok, _, err := tb.Allow(ctx, "tok", 10, 10); err != nil || !ok {
		t.Fatalf("token allow after recovery: %v %v", ok, err)
	}
	if h.down.Load() {
		t.Fatal("health still reports Redis down")
	}
}
