package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billingd/billingd/adapters/redisrate/redistest"
	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/adapters/store/storetest"
	"github.com/billingd/billingd/domain/subscription"
)

// These tests run several `billingd serve` processes on one PostgreSQL
// database (and one Redis), as replicas behind a load balancer would: the
// limits they share, revocations they hear from each other, and the one
// scheduler among them (issue 16 items 1, 2 and 5).

// replicas starts n servers on dbURL with the same flags.
func replicas(t *testing.T, dbURL string, n int, flags ...string) []*server {
	t.Helper()
	out := make([]*server, n)
	for i := range out {
		out[i] = startOn(t, dbURL, flags...)
	}
	return out
}

// fanOut sends n requests, spread over the servers round robin and sent
// concurrently, and counts the answers by status. It returns how long
// they took together (an upper bound of the span any limiter saw).
func fanOut(t *testing.T, servers []*server, n int, send func(s *server) response) (map[int]int, []response, time.Duration) {
	t.Helper()
	var mu sync.Mutex
	statuses := map[int]int{}
	var answers []response
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		s := servers[i%len(servers)]
		wg.Go(func() {
			r := send(s)
			mu.Lock()
			statuses[r.Status]++
			answers = append(answers, r)
			mu.Unlock()
		})
	}
	wg.Wait()
	return statuses, answers, time.Since(start)
}

// TestReplicasShareRateLimits: three replicas with --redis-url hold one
// quota api_limit and one per-token limit together. 90 reservations
// against 20 a minute admit exactly 20 (in process memory each replica
// would admit 20: 60 in all); 130 requests of one token against a burst of
// 100 admit exactly 100.
func TestReplicasShareRateLimits(t *testing.T) {
	t.Parallel()
	dbURL := storetest.URL(t, store.Postgres)
	redisURL := redistest.URL(t)
	servers := replicas(t, dbURL, 3, "--redis-url", redisURL, "--redis-key-prefix", redistest.Prefix(t),
		"--no-invoice-scheduler", "--rate-limit", "0.001", "--rate-burst", "100")
	tok := token(t, dbURL, "acme", "admin", "")
	expect(t, servers[0].do("POST", "/api/web/namespaces/ns1/quotas", tok,
		`{"metadata":{"name":"q1"},"spec":{"api_limits":{"ves.io.schema.x.API.Create":{"rate":20,"burst":20,"unit":"per-minute"}}}}`), 200)

	statuses, answers, took := fanOut(t, servers, 90, func(s *server) response {
		return s.do("POST", "/api/web/namespaces/ns1/quota/reserve", tok, `{"apis":{"ves.io.schema.x.API.Create":1}}`)
	})
	// 20 a minute is one token back every 3 s: only a run slower than that
	// may see one more (Redis's clock is this machine's).
	extra := int(took / (3 * time.Second))
	t.Logf("90 reservations on 3 replicas in %v: %v", took.Round(time.Millisecond), statuses)
	if statuses[200] < 20 || statuses[200] > 20+extra || statuses[200]+statuses[429] != 90 {
		t.Fatalf("statuses %v in %v; want exactly 20 admitted (at most %d more for the time it took) and the rest 429", statuses, took, extra)
	}
	for _, r := range answers {
		if r.Status == 429 {
			if ra, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 60 {
				t.Fatalf("429 without a Retry-After in [1, 60]: %q %s", r.Header.Get("Retry-After"), r.Body)
			}
			break
		}
	}
	// The counter agrees on every replica: 20 API calls reserved.
	for i, s := range servers {
		r := s.do("GET", "/api/web/namespaces/ns1/quota/usage", tok, nil)
		expect(t, r, 200)
		if !strings.Contains(string(r.Body), fmt.Sprintf(`"current":%d`, statuses[200])) {
			t.Fatalf("replica %d: quota usage does not show %d reserved: %s", i, statuses[200], r.Body)
		}
	}

	// The per-token limit (burst 100, refilled once in 1000 s): another
	// token's 130 requests over the three replicas get exactly 100 through.
	other := token(t, dbURL, "acme", "viewer", "")
	statuses, _, _ = fanOut(t, servers, 130, func(s *server) response {
		return s.do("GET", "/api/web/namespaces/ns1/quotas/q1", other, nil)
	})
	if statuses[200] != 100 || statuses[429] != 30 {
		t.Fatalf("per-token limit over 3 replicas: %v; want 100 × 200 and 30 × 429", statuses)
	}
}

// metricSample reads one sample (a name with its labels, if any) of the
// server's /metrics; ok is false when it is absent.
func metricSample(t *testing.T, s *server, sample string) (v float64, ok bool) {
	t.Helper()
	r := s.do("GET", "/metrics", "", nil)
	expect(t, r, 200)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(sample) + ` (\S+)$`).FindSubmatch(r.Body)
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatal(err)
	}
	return v, true
}

// metricValue reads one sample of the server's /metrics (-1 when absent).
func metricValue(t *testing.T, s *server, sample string) float64 {
	t.Helper()
	if v, ok := metricSample(t, s, sample); ok {
		return v
	}
	return -1
}

// TestReplicasRedisDown: with Redis unreachable, quota API limits refuse
// with 503 and Retry-After (never admit past a limit), the per-token limit
// lets requests through, both failures are counted in /metrics, and the
// same process recovers when Redis is back.
func TestReplicasRedisDown(t *testing.T) {
	t.Parallel()
	dbURL := storetest.URL(t, store.Postgres)
	redisURL := redistest.URL(t)
	target := strings.TrimPrefix(redisURL, "redis://")
	target, db, _ := strings.Cut(target, "/")
	if strings.Contains(target, "@") {
		t.Skip("the proxy test needs a Redis URL without credentials")
	}
	px := redistest.NewProxy(t, target)
	s := startOn(t, dbURL, "--redis-url", "redis://"+px.Addr+"/"+db, "--redis-key-prefix", redistest.Prefix(t),
		"--no-invoice-scheduler", "--rate-limit", "0.001", "--rate-burst", "1000")
	tok := token(t, dbURL, "acme", "admin", "")
	expect(t, s.do("POST", "/api/web/namespaces/ns1/quotas", tok,
		`{"metadata":{"name":"q1"},"spec":{"api_limits":{"ves.io.schema.x.API.Create":{"rate":3,"burst":3,"unit":"per-hour"}}}}`), 200)
	reserve := func() response {
		return s.do("POST", "/api/web/namespaces/ns1/quota/reserve", tok, `{"apis":{"ves.io.schema.x.API.Create":1}}`)
	}
	expect(t, reserve(), 200)

	px.Down()
	for range 3 {
		r := reserve()
		expect(t, r, 503)
		if r.Header.Get("Retry-After") == "" || errorCode(t, r) != "UNAVAILABLE" {
			t.Fatalf("503 without Retry-After or UNAVAILABLE: %v %s", r.Header, r.Body)
		}
	}
	// The per-token limit cannot be read either: requests go through.
	for range 3 {
		expect(t, s.do("GET", "/api/web/namespaces/ns1/quotas/q1", tok, nil), 200)
	}
	if q, tk := metricValue(t, s, `billingd_redis_limiter_errors_total{limiter="quota"}`), metricValue(t, s, `billingd_redis_limiter_errors_total{limiter="token"}`); q < 3 || tk < 3 {
		t.Fatalf("failures counted: quota %v, token %v; want at least 3 each", q, tk)
	}
	if !strings.Contains(s.logs.String(), "redis rate limits unreachable") {
		t.Fatalf("no log line for the outage:\n%s", s.logs.String())
	}

	// Back on the same address: the running process recovers, and the
	// refused reservations took nothing (2 of 3 left).
	px.Up()
	var r response
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if r = reserve(); r.Status != 503 || time.Now().After(deadline) {
			break
		}
	}
	expect(t, r, 200)
	expect(t, reserve(), 200)
	expect(t, reserve(), 429)
	if !strings.Contains(s.logs.String(), "redis rate limits reachable again") {
		t.Fatalf("no log line for the recovery:\n%s", s.logs.String())
	}
}

// tokenID is the id of the only token of tenant (from `token list`).
func tokenID(t *testing.T, dbURL, tenant string) string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(billingd(t, dbURL, "token", "list", "--tenant", tenant)), "\n")
	fields := strings.Fields(lines[len(lines)-1])
	if len(lines) != 2 || len(fields) == 0 {
		t.Fatalf("token list: want a header and one token:\n%s", strings.Join(lines, "\n"))
	}
	return fields[0]
}

// TestReplicasRevocation: two replicas cache authentications for an hour;
// `billingd token revoke` (a third process) makes both answer 401 at once
// (PostgreSQL NOTIFY), long before the cache would expire.
func TestReplicasRevocation(t *testing.T) {
	t.Parallel()
	dbURL := storetest.URL(t, store.Postgres)
	servers := replicas(t, dbURL, 2, "--auth-cache-ttl", "1h", "--no-invoice-scheduler")
	tok := token(t, dbURL, "acme", "admin", "")
	id := tokenID(t, dbURL, "acme")
	for _, s := range servers {
		expect(t, s.do("GET", "/api/web/namespaces/ns1/quotas", tok, nil), 200)
	}
	billingd(t, dbURL, "token", "revoke", "--tenant", "acme", "--id", id)
	revoked := time.Now()
	for i, s := range servers {
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			r := s.do("GET", "/api/web/namespaces/ns1/quotas", tok, nil)
			if r.Status == 401 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("replica %d still answers %d ten seconds after the revocation (auth cache 1h)", i, r.Status)
			}
		}
		t.Logf("replica %d answers 401 %v after the revocation returned", i, time.Since(revoked).Round(time.Millisecond))
	}
}

// TestReplicasOneScheduler: three replicas start on simulated clocks just
// after December becomes due (2027-01-01T01:00Z, an hour after the month
// ends). While the test holds the scheduler's advisory lock every pass of
// every replica is skipped and nothing is issued, however long they are
// past due; once it lets go, exactly one replica issues December's
// invoices, one per tenant, and the others issue none.
func TestReplicasOneScheduler(t *testing.T) {
	t.Parallel()
	dbURL := storetest.URL(t, store.Postgres)
	const tenants = 8
	// The tenants exist (and pay for "organization", a plan without a trial,
	// so December bills its flat price) from mid-December.
	setSimClock(dbURL, time.Date(2026, 12, 15, 12, 0, 0, 0, time.UTC))
	toks := make([]string, tenants)
	for i := range toks {
		toks[i] = token(t, dbURL, fmt.Sprintf("tenant-%d", i), "admin", "")
		withTenant(t, dbURL, toks[i], func(ctx context.Context, db *store.DB, tenantID string) {
			if err := store.NewPlanRepo(db).SetPlan(ctx, subscription.TenantPlan{TenantID: tenantID, PlanName: "organization",
				Since: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
				t.Fatal(err)
			}
		})
	}
	// The test holds the lock the replicas' passes take.
	ctx := context.Background()
	holder, err := store.Open(ctx, dbURL, store.Options{MaxOpenConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	release, held, err := holder.AdvisoryLock("invoice-scheduler").TryLock(ctx)
	if err != nil || !held {
		t.Fatalf("taking the scheduler lock: held=%v err=%v", held, err)
	}
	defer func() {
		if release != nil {
			release()
		}
	}()

	due := time.Date(2027, 1, 1, 1, 0, 0, 0, time.UTC)
	servers := make([]*server, 3)
	for i := range servers {
		servers[i] = startOnAt(t, dbURL, due.Add(time.Second), "--invoice-scheduler-interval", "200ms", "--rate-limit", "0", "--log-level", "debug")
	}
	const skipped = "another process holds the scheduler lock"
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
		}
	}
	decemberIssued := func(tok string) int {
		r := servers[0].do("GET", nsPath(invoiceListTmpl, "system")+"?limit=10", tok, nil)
		expect(t, r, 200)
		n := 0
		for _, inv := range decodeInvoices(t, r) {
			if inv.PeriodStart == "2026-12-01T00:00:00Z" && !inv.Active {
				n++
			}
		}
		return n
	}
	issued := func() (n int) {
		for _, tk := range toks {
			n += decemberIssued(tk)
		}
		return n
	}
	// Every replica makes three passes, all past due, all skipped (a
	// replica that ignored the lock would issue meanwhile: that ends the
	// wait too, and fails below).
	waitFor("three skipped passes on every replica", func() bool {
		if issued() > 0 {
			return true
		}
		for _, s := range servers {
			if strings.Count(s.logs.String(), skipped) < 3 {
				return false
			}
		}
		return true
	})
	if n := issued(); n != 0 {
		t.Fatalf("%d December invoices issued while another process held the scheduler lock", n)
	}

	release()
	release = nil
	waitFor("December's invoices", func() bool { return issued() == tenants })
	// Every replica makes another pass after the one that issued, which
	// must issue nothing (the invoices exist).
	marks := make([]int, len(servers))
	for i, s := range servers {
		marks[i] = len(s.logs.String())
	}
	waitFor("a pass of every replica after the issue", func() bool {
		for i, s := range servers {
			// "scheduler pass" (nothing to do) or "scheduler pass skipped".
			if !strings.Contains(s.logs.String()[marks[i]:], "scheduler pass") {
				return false
			}
		}
		return true
	})
	issuers := 0
	issuedLine := regexp.MustCompile(`msg="invoices issued" period=2026-12 issued=(\d+)`)
	for i, s := range servers {
		logs := s.logs.String()
		if strings.Contains(logs, "invoice close failed") {
			t.Fatalf("replica %d: a close failed:\n%s", i, logs)
		}
		ms := issuedLine.FindAllStringSubmatch(logs, -1)
		if len(ms) == 0 {
			continue
		}
		issuers++
		total := 0
		for _, m := range ms {
			n, _ := strconv.Atoi(m[1])
			total += n
		}
		t.Logf("replica %d issued %d invoices in %d pass(es)", i, total, len(ms))
		if total != tenants {
			t.Fatalf("replica %d issued %d invoices, want all %d", i, total, tenants)
		}
	}
	if issuers != 1 {
		t.Fatalf("%d replicas issued December's invoices, want exactly 1", issuers)
	}
	for i, tk := range toks {
		if n := decemberIssued(tk); n != 1 {
			t.Fatalf("tenant-%d has %d December invoices", i, n)
		}
	}
}

// decodeInvoices reads an invoice list answer.
func decodeInvoices(t *testing.T, r response) []invoiceItem {
	t.Helper()
	var l struct{ Invoices []invoiceItem }
	if err := json.Unmarshal(r.Body, &l); err != nil {
		t.Fatalf("invoice list: %v\n%s", err, r.Body)
	}
	return l.Invoices
}
