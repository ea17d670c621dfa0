package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/billingd/billingd/adapters/httpmw"
	"github.com/billingd/billingd/adapters/redisrate"
	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/internal/app"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// This file is what serve needs to run as one of several replicas behind a
// load balancer: rate limits shared in Redis (--redis-url), revocations
// heard from the other replicas (PostgreSQL LISTEN), and the scheduler's
// lock (see serve.go).

// sharedLimits is serve --redis-url: the quota api_limits buckets and the
// per-token request buckets, in Redis for every replica. A nil
// *sharedLimits keeps them in process memory.
type sharedLimits struct {
	client *redis.Client
	health *redisrate.Health
	quota  *redisrate.QuotaBuckets
	token  *redisrate.TokenBuckets
}

// openSharedLimits connects to Redis at url ("" for none). An unreachable
// Redis does not stop the start: quota API limits answer 503 and the
// per-token limit lets requests through until it answers, without a
// restart. A malformed URL does.
func openSharedLimits(ctx context.Context, url, prefix string, log *slog.Logger) (*sharedLimits, error) {
	if url == "" {
		return nil, nil
	}
	client, err := redisrate.Open(url)
	if err != nil {
		return nil, usageError{err.Error()}
	}
	h, err := redisrate.NewHealth(nil, log)
	if err != nil {
		client.Close()
		return nil, err
	}
	g := redisrate.New(client, prefix)
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := client.Ping(pctx).Err(); err != nil {
		log.Warn("redis unreachable at start: quota API limits answer 503 and the per-token limit lets requests through until it answers", "err", err)
	} else {
		log.Info("rate limits shared in redis", "prefix", prefix)
	}
	return &sharedLimits{client: client, health: h, quota: redisrate.NewQuotaBuckets(g, h), token: redisrate.NewTokenBuckets(g, h)}, nil
}

// tokens is where the per-token buckets live: Redis, or nil for memory.
func (s *sharedLimits) tokens() httpmw.SharedRate {
	if s == nil {
		return nil
	}
	return s.token
}

// register exports the Redis error counter.
func (s *sharedLimits) register(reg prometheus.Registerer) error {
	if s == nil {
		return nil
	}
	return reg.Register(s.health)
}

func (s *sharedLimits) close() {
	if s != nil {
		_ = s.client.Close()
	}
}

// listenRevocations drops from a's authentication cache every credential
// another process revokes (PostgreSQL; nothing on SQLite, where the cache
// TTL bounds it). stop ends the listener and waits for it.
func listenRevocations(ctx context.Context, a *app.App, log *slog.Logger) (stop func()) {
	lctx, cancel := context.WithCancel(ctx)
	wait := store.NewRevocations(a.DB, log).Listen(lctx, a.Tenancy.ForgetRevoked, a.Tenancy.ForgetCached)
	return func() { cancel(); wait() }
}
