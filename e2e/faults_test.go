package e2e

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/adapters/store/storetest"
	"github.com/shopspring/decimal"
)

// crashBatches builds the fixed batches the crash test sends: every batch has
// its own events plus a few shared ones (same id, same content) that other
// batches send too, so concurrent batches overlap. It returns the batches and
// the expected quantity per distinct id.
func crashBatches(n, size, shared int, base time.Time) ([][]byte, map[string]decimal.Decimal) {
	want := map[string]decimal.Decimal{}
	mk := func(id string, i int) map[string]any {
		q := decimal.New(int64(i%97+1), -int32(i%4)) // 1 .. 97 with 0 to 3 decimals
		want[id] = q
		ts := base.Add(-time.Duration(i%3) * time.Hour).Add(time.Duration(i%3600) * time.Second)
		return map[string]any{"id": id, "usage_type": "http_requests", "object_name": fmt.Sprintf("lb-%d", i%4),
			"quantity": q.String(), "unit_name": "request", "timestamp": ts.Format(time.RFC3339)}
	}
	out := make([][]byte, n)
	for b := 0; b < n; b++ {
		evs := make([]map[string]any, 0, size+shared)
		for i := 0; i < size; i++ {
			evs = append(evs, mk(fmt.Sprintf("b%03d-e%04d", b, i), b*size+i))
		}
		for j := 0; j < shared; j++ {
			k := (b + j) % (2 * shared)
			evs = append(evs, mk(fmt.Sprintf("shared-%03d", k), 1_000_000+k))
		}
		out[b], _ = json.Marshal(evs)
	}
	return out, want
}

// usageState reads the stored events and rollups and checks the invariant
// that must hold after any crash: every hourly rollup equals the sum and the
// count of its events exactly. It returns the stored quantity per event id.
func usageState(t *testing.T, dbURL string) map[string]decimal.Decimal {
	t.Helper()
	pool := sqlOf(t, dbURL)
	defer pool.Close()
	cast := ""
	var opts *sql.TxOptions
	if strings.HasPrefix(dbURL, "postgres") {
		cast = "::text"
		// Both reads in one snapshot: a transaction of the killed server may
		// still commit between two separate statements.
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	db, err := pool.BeginTx(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Rollback() //nolint:errcheck
	type key struct{ tenant, ns, ut, obj, dep, con, hour string }
	type agg struct {
		q decimal.Decimal
		n int64
	}
	fromEvents := map[key]*agg{}
	stored := map[string]decimal.Decimal{}
	rows, err := db.Query(`SELECT tenant_id, event_id, namespace, usage_type, object_name, deployment, container, ts, quantity` + cast + ` FROM usage_events`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k key
		var id, q string
		var ts time.Time
		if err := rows.Scan(&k.tenant, &id, &k.ns, &k.ut, &k.obj, &k.dep, &k.con, &ts, &q); err != nil {
			t.Fatal(err)
		}
		k.hour = ts.UTC().Truncate(time.Hour).Format(time.RFC3339)
		d := decimal.RequireFromString(q)
		if _, dup := stored[id]; dup {
			t.Fatalf("event %s stored twice", id)
		}
		stored[id] = d
		if a := fromEvents[k]; a != nil {
			a.q, a.n = a.q.Add(d), a.n+1
		} else {
			fromEvents[k] = &agg{d, 1}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	hourly := `SELECT tenant_id, namespace, usage_type, object_name, deployment, container, hour, quantity, events FROM usage_hourly`
	if cast != "" {
		// PostgreSQL shards a rollup key over several rows: the key's value
		// is their sum.
		hourly = `SELECT tenant_id, namespace, usage_type, object_name, deployment, container, hour, sum(quantity)::text, sum(events)::bigint
			FROM usage_hourly GROUP BY tenant_id, namespace, usage_type, object_name, deployment, container, hour`
	}
	rows, err = db.Query(hourly)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var k key
		var q string
		var n int64
		var hour time.Time
		if err := rows.Scan(&k.tenant, &k.ns, &k.ut, &k.obj, &k.dep, &k.con, &hour, &q, &n); err != nil {
			t.Fatal(err)
		}
		k.hour = hour.UTC().Format(time.RFC3339)
		a := fromEvents[k]
		if a == nil {
			t.Fatalf("rollup %+v (%s, %d events) has no events", k, q, n)
		}
		if !a.q.Equal(decimal.RequireFromString(q)) || a.n != n {
			t.Fatalf("rollup %+v holds %s over %d events, its events sum to %s over %d: a batch was half-applied", k, q, n, a.q, a.n)
		}
		seen++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if seen != len(fromEvents) {
		t.Fatalf("%d rollups for %d (namespace, type, object, hour) groups of events", seen, len(fromEvents))
	}
	return stored
}

// waitBackendsGone waits until no other session is connected to the database:
// the backends of a killed server finish their statement (and may commit a
// transaction whose COMMIT was already sent) before they notice the client
// is gone.
func waitBackendsGone(t *testing.T, db *sql.DB) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Logf("%d sessions still connected to the database", n)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCrashDuringIngestion kills the server with SIGKILL while concurrent
// clients send overlapping batches, restarts it on the same database, retries
// every batch, and checks that nothing was lost, doubled or half-applied.
func TestCrashDuringIngestion(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			dbURL := storetest.URL(t, d)
			tok := token(t, dbURL, "acme", "editor", "")
			s := startOn(t, dbURL, loadFlags()...)
			const nBatches, size, shared = 48, 250, 10
			batches, want := crashBatches(nBatches, size, shared, s.now().Add(-time.Hour).Truncate(time.Hour))

			c := newFaultClient(s.base, tok, 30*time.Second)
			var answered atomic.Int64
			next := make(chan int, nBatches)
			for i := range batches {
				next <- i
			}
			close(next)
			var wg sync.WaitGroup
			var mu sync.Mutex
			var bad []string
			for w := 0; w < 8; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range next {
						st, body, err := c.do("POST", eventsPath, batches[i], "Content-Type", "application/json")
						if err != nil {
							continue // killed under it: retried below
						}
						if st != 200 {
							mu.Lock()
							bad = append(bad, fmt.Sprintf("batch %d: %d %s", i, st, body))
							mu.Unlock()
							continue
						}
						answered.Add(1)
					}
				}()
			}
			// Kill once a third of the batches were answered: others are in flight.
			deadline := time.Now().Add(30 * time.Second)
			for answered.Load() < nBatches/3 && time.Now().Before(deadline) {
				time.Sleep(2 * time.Millisecond)
			}
			if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			<-s.exited
			wg.Wait()
			if d == store.Postgres {
				waitBackendsGone(t, sqlOf(t, dbURL))
			}
			if len(bad) > 0 {
				t.Fatalf("answers other than 200 before the crash:\n%s", strings.Join(bad, "\n"))
			}
			before := usageState(t, dbURL) // the invariant holds right after the crash
			t.Logf("%s: killed after %d of %d batches answered; %d of %d events stored", d, answered.Load(), nBatches, len(before), len(want))
			if len(before) >= len(want) {
				t.Logf("every event was stored before the kill: the crash did not land mid-ingestion")
			}

			// Restart and retry every batch, answered or not.
			s2 := startOn(t, dbURL, loadFlags()...)
			c2 := newFaultClient(s2.base, tok, 30*time.Second)
			var accepted atomic.Int64
			next2 := make(chan int, nBatches)
			for i := range batches {
				next2 <- i
			}
			close(next2)
			for w := 0; w < 8; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range next2 {
						st, body, err := c2.do("POST", eventsPath, batches[i], "Content-Type", "application/json")
						var r struct {
							Accepted, Duplicates int
							Rejected             []any
						}
						if err == nil && st == 200 {
							err = json.Unmarshal(body, &r)
						}
						mu.Lock()
						switch {
						case err != nil || st != 200:
							bad = append(bad, fmt.Sprintf("retry of batch %d: %d %v %s", i, st, err, body))
						case r.Accepted+r.Duplicates != size+shared || len(r.Rejected) != 0:
							bad = append(bad, fmt.Sprintf("retry of batch %d: %s", i, body))
						}
						mu.Unlock()
						accepted.Add(int64(r.Accepted))
					}
				}()
			}
			wg.Wait()
			if len(bad) > 0 {
				t.Fatalf("retries:\n%s", strings.Join(bad, "\n"))
			}
			after := usageState(t, dbURL)
			if len(after) != len(want) {
				t.Fatalf("%d events stored, %d distinct ids sent", len(after), len(want))
			}
			if got := int(accepted.Load()); got != len(want)-len(before) {
				t.Fatalf("the retries accepted %d events, %d were missing", got, len(want)-len(before))
			}
			var total, wantTotal decimal.Decimal
			for id, q := range want {
				if !after[id].Equal(q) {
					t.Fatalf("event %s: stored %s, sent %s", id, after[id], q)
				}
				wantTotal = wantTotal.Add(q)
			}
			for _, q := range after {
				total = total.Add(q)
			}
			if !total.Equal(wantTotal) {
				t.Fatalf("stored total %s, sent %s", total, wantTotal)
			}
		})
	}
}

// TestDatabaseOutage stops a private PostgreSQL cluster under a running
// billingd: every answer must be a prompt 503 (never a 500, never a hang),
// /readyz goes red, and when the cluster is back everything recovers without
// restarting billingd.
func TestDatabaseOutage(t *testing.T) {
	t.Parallel()
	pg := newPGCluster(t)
	dbURL := pg.CreateDB("billingd")
	tok := token(t, dbURL, "acme", "admin", "")
	// A short request timeout keeps the frozen phase short.
	s := startOn(t, dbURL, loadFlags("--request-timeout", "3s")...)
	const ns = "/api/web/namespaces/prod"
	expect(t, s.do("POST", "/api/web/namespaces/system/quotas", tok, `{"metadata":{"name":"caps"},"spec":{"object_limits":{"http_loadbalancer":{"maximum":1000000}}}}`), 200)

	const maxWait = 15 * time.Second
	c := newFaultClient(s.base, tok, maxWait+5*time.Second)
	ts := s.now().Add(-time.Hour).Truncate(time.Second)
	type result struct {
		phase  string
		op     string
		status int
		err    error
		took   time.Duration
		body   string
	}
	var phase atomic.Value
	phase.Store("up")
	var stop atomic.Bool
	var mu sync.Mutex
	var results []result
	var seq atomic.Int64
	ops := []struct {
		name string
		req  func() (int, []byte, error)
	}{
		{"usage", func() (int, []byte, error) { return c.do("GET", ns+"/quota/usage", nil) }},
		{"reserve", func() (int, []byte, error) {
			return c.do("POST", ns+"/quota/reserve", []byte(`{"objects":{"http_loadbalancer":1}}`), "Idempotency-Key", fmt.Sprintf("k-%d", seq.Add(1)))
		}},
		{"events", func() (int, []byte, error) {
			b, _ := json.Marshal([]any{event(fmt.Sprintf("o-%d", seq.Add(1)), "http_requests", "request", "1", ts)})
			return c.do("POST", eventsPath, b, "Content-Type", "application/json")
		}},
		{"list", func() (int, []byte, error) { return c.do("GET", ns+"/quotas", nil) }},
		{"graphql", func() (int, []byte, error) {
			return c.do("POST", "/graphql", []byte(`{"query":"{ namespace(name: \"prod\") { quotas { edges { node { name } } } } }"}`), "Content-Type", "application/json")
		}},
	}
	var wg sync.WaitGroup
	for _, op := range ops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				p := phase.Load().(string)
				t0 := time.Now()
				st, body, err := op.req()
				r := result{p, op.name, st, err, time.Since(t0), string(body)}
				if p2 := phase.Load().(string); p2 != p {
					r.phase = p + "→" + p2 // straddled a transition: only the hang and 500 checks apply
				}
				mu.Lock()
				results = append(results, r)
				mu.Unlock()
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}
	ready := func() int {
		st, _, err := c.do("GET", "/readyz", nil)
		if err != nil {
			return 0
		}
		return st
	}

	// recoverAfter runs restore and measures how long until /readyz and a
	// request that reads the database answer 200 again.
	recoverAfter := func(restore func()) (readyAfter, okAfter time.Duration) {
		t0 := time.Now()
		restore()
		restored := time.Since(t0)
		for time.Since(t0) < 30*time.Second && (readyAfter == 0 || okAfter == 0) {
			if readyAfter == 0 && ready() == 200 {
				readyAfter = time.Since(t0)
			}
			if st, _, err := c.do("GET", ns+"/quota/usage", nil); okAfter == 0 && err == nil && st == 200 {
				okAfter = time.Since(t0)
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Logf("%s: restored in %v; /readyz 200 after %v, first 200 on quota/usage after %v",
			phase.Load(), restored.Round(time.Millisecond), readyAfter.Round(time.Millisecond), okAfter.Round(time.Millisecond))
		return readyAfter, okAfter
	}

	time.Sleep(1500 * time.Millisecond)
	phase.Store("stopping")
	pg.Stop()
	phase.Store("down")
	time.Sleep(4 * time.Second)
	if st := ready(); st != 503 {
		t.Errorf("/readyz with the database down: %d, want 503", st)
	}
	phase.Store("starting")
	if r, o := recoverAfter(pg.Start); r == 0 || o == 0 || o > 10*time.Second {
		t.Errorf("billingd did not recover within 10 s of the database coming back (ready after %v, ok after %v)", r, o)
	}
	phase.Store("recovered")
	time.Sleep(1500 * time.Millisecond)

	// A wedged database (every process stopped: connections open, nothing
	// answers) must not hang requests past billingd's request timeout.
	t.Cleanup(pg.Thaw)
	pg.Freeze()
	phase.Store("frozen")
	t1 := time.Now()
	if st := ready(); st != 503 {
		t.Errorf("/readyz with the database frozen: %d after %v, want 503", st, time.Since(t1))
	}
	time.Sleep(5 * time.Second)
	phase.Store("thawing")
	if r, o := recoverAfter(pg.Thaw); r == 0 || o == 0 || o > 10*time.Second {
		t.Errorf("billingd did not recover within 10 s of the database thawing (ready after %v, ok after %v)", r, o)
	}
	phase.Store("recovered again")
	time.Sleep(1500 * time.Millisecond)
	stop.Store(true)
	wg.Wait()

	down := func(p string) bool { return p == "down" || p == "frozen" }
	counts := map[string]int{}
	var longest time.Duration
	for _, r := range results {
		key := fmt.Sprintf("%s %s %d", r.phase, r.op, r.status)
		if r.err != nil {
			key = fmt.Sprintf("%s %s error", r.phase, r.op)
		}
		counts[key]++
		longest = max(longest, r.took)
		switch {
		case r.err != nil:
			t.Errorf("%s during %s: transport error after %v: %v", r.op, r.phase, r.took, r.err)
		case r.took > maxWait:
			t.Errorf("%s during %s: answered %d after %v (a hang)", r.op, r.phase, r.status, r.took)
		case r.status >= 500 && r.status != 503:
			t.Errorf("%s during %s: %d %s", r.op, r.phase, r.status, r.body)
		case (r.phase == "up" || r.phase == "recovered" || r.phase == "recovered again") && r.status != 200:
			t.Errorf("%s with the database up: %d %s", r.op, r.status, r.body)
		case down(r.phase) && r.op == "graphql" && r.status == 200 && !strings.Contains(r.body, `"code":"UNAVAILABLE"`):
			// GraphQL answers 200 with typed errors once past authentication
			// (an auth-cache hit); the error must still say UNAVAILABLE.
			t.Errorf("graphql with the database down: %s", r.body)
		case down(r.phase) && r.status != 503 && (r.op != "graphql" || r.status != 200):
			t.Errorf("%s with the database down: %d %s", r.op, r.status, r.body)
		case down(r.phase) && r.op != "graphql" && !strings.Contains(r.body, `"code"`):
			t.Errorf("%s with the database down: 503 without the error body: %s", r.op, r.body)
		}
	}
	var keys []string
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "  %s: %d\n", k, counts[k])
	}
	t.Logf("answers by phase (longest %v):\n%s", longest.Round(time.Millisecond), b.String())
	if counts["down usage 503"] == 0 || counts["down reserve 503"] == 0 || counts["frozen usage 503"] == 0 {
		t.Errorf("no 503 seen while the database was down or frozen")
	}
}

// TestGracefulShutdownUnderLoad sends SIGTERM while reservations (with
// Idempotency-Keys) and ingestion batches are in flight: no request gets a
// 5xx, the process exits 0, and after a restart the stored totals equal
// exactly the work that was answered 200.
func TestGracefulShutdownUnderLoad(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			dbURL := storetest.URL(t, d)
			tok := token(t, dbURL, "acme", "admin", "")
			s := startOn(t, dbURL, loadFlags()...)
			const ns = "/api/web/namespaces/prod"
			expect(t, s.do("POST", "/api/web/namespaces/system/quotas", tok, `{"metadata":{"name":"caps"},"spec":{"object_limits":{"http_loadbalancer":{"maximum":1000000}}}}`), 200)
			c := newFaultClient(s.base, tok, 30*time.Second)
			ts := s.now().Add(-time.Hour).Truncate(time.Second)

			var reserved, events, answered, afterTerm atomic.Int64
			var termed atomic.Bool
			var mu sync.Mutex
			var bad []string
			var stop atomic.Bool
			var wg sync.WaitGroup
			for w := 0; w < 8; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; !stop.Load(); i++ {
						var st int
						var body []byte
						var err error
						if w%2 == 0 {
							st, body, err = c.do("POST", ns+"/quota/reserve", []byte(`{"objects":{"http_loadbalancer":1}}`), "Idempotency-Key", fmt.Sprintf("w%d-%d", w, i))
							if err == nil && st == 200 {
								reserved.Add(1)
							}
						} else {
							evs := make([]any, 50)
							for j := range evs {
								evs[j] = event(fmt.Sprintf("w%d-%d-%d", w, i, j), "http_requests", "request", "1", ts)
							}
							b, _ := json.Marshal(evs)
							st, body, err = c.do("POST", eventsPath, b, "Content-Type", "application/json")
							if err == nil && st == 200 {
								var r struct{ Accepted int }
								_ = json.Unmarshal(body, &r)
								if r.Accepted != 50 {
									mu.Lock()
									bad = append(bad, fmt.Sprintf("batch accepted %d of 50: %s", r.Accepted, body))
									mu.Unlock()
								}
								events.Add(int64(r.Accepted))
							}
						}
						switch {
						case err != nil:
							// Refused once the listener closed: never sent, so nothing to count.
							if stop.Load() || !strings.Contains(err.Error(), "refused") {
								time.Sleep(5 * time.Millisecond)
							}
						case st == 200:
							answered.Add(1)
							if termed.Load() {
								afterTerm.Add(1)
							}
						default:
							mu.Lock()
							bad = append(bad, fmt.Sprintf("%d %s", st, body))
							mu.Unlock()
						}
					}
				}()
			}
			deadline := time.Now().Add(30 * time.Second)
			for answered.Load() < 100 && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			termed.Store(true)
			if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-s.exited:
				if err != nil {
					t.Errorf("billingd after SIGTERM: %v, want exit status 0", err)
				}
			case <-time.After(40 * time.Second):
				t.Fatal("billingd did not exit within 40 s of SIGTERM")
			}
			stop.Store(true)
			wg.Wait()
			if len(bad) > 0 {
				t.Fatalf("answers other than 200:\n%s", strings.Join(bad, "\n"))
			}
			if !strings.Contains(s.logs.String(), "stopped") {
				t.Errorf("no clean stop in the log:\n%s", s.logs.String())
			}

			s2 := startOn(t, dbURL, loadFlags()...)
			r := s2.do("GET", ns+"/quota/usage", tok, nil)
			expect(t, r, 200)
			cur := r.JSON(t)["objects"].(map[string]any)["http_loadbalancer"].(map[string]any)["usage"].(map[string]any)["current"].(float64)
			stored := usageState(t, dbURL)
			t.Logf("%s: %d reservations and %d events answered 200; %d requests in flight at SIGTERM were finished and answered 200",
				d, reserved.Load(), events.Load(), afterTerm.Load())
			if int64(cur) != reserved.Load() {
				t.Errorf("quota usage %v after restart, %d reservations answered 200", cur, reserved.Load())
			}
			if int64(len(stored)) != events.Load() {
				t.Errorf("%d events stored, %d answered 200", len(stored), events.Load())
			}
		})
	}
}

// TestConcurrentQuotaReplace sends 20 replaces with the same If-Match at once:
// exactly one wins, the others get 409, and the stored object is the winner's.
func TestConcurrentQuotaReplace(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, s *server) {
		tok := token(t, s.dbURL, "acme", "admin", "")
		const q = "/api/web/namespaces/prod/quotas/caps"
		expect(t, s.do("POST", "/api/web/namespaces/prod/quotas", tok, `{"metadata":{"name":"caps"},"spec":{"object_limits":{"http_loadbalancer":{"maximum":1}}}}`), 200)
		r := s.do("GET", q, tok, nil)
		expect(t, r, 200)
		etag := r.Header.Get("ETag")
		if etag == "" {
			t.Fatal("GET gave no ETag")
		}
		c := newFaultClient(s.base, tok, 30*time.Second)
		const n = 20
		statuses := make([]int, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				body := fmt.Sprintf(`{"metadata":{"name":"caps"},"spec":{"object_limits":{"http_loadbalancer":{"maximum":%d}}}}`, 100+i)
				st, b, err := c.do("PUT", q, []byte(body), "If-Match", etag)
				if err != nil {
					t.Error(err)
				}
				if st != 200 && st != 409 {
					t.Errorf("replace %d: %d %s", i, st, b)
				}
				statuses[i] = st
			}()
		}
		close(start)
		wg.Wait()
		winner := -1
		for i, st := range statuses {
			if st == 200 {
				if winner >= 0 {
					t.Fatalf("replaces %d and %d both won: %v", winner, i, statuses)
				}
				winner = i
			}
		}
		if winner < 0 {
			t.Fatalf("no replace won: %v", statuses)
		}
		r = s.do("GET", q, tok, nil)
		if !strings.Contains(string(r.Body), fmt.Sprintf(`"maximum":%d`, 100+winner)) {
			t.Fatalf("stored object is not the winner's (%d): %s", 100+winner, r.Body)
		}
	})
}

// TestCrashDuringInvoiceClosing kills `billingd invoices close` with SIGKILL
// in the middle of each of three months, runs it again, and checks that
// every tenant has one invoice per month, numbered 1, 2, 3 without gaps,
// each complete (its amount is the sum of its lines, its usage line the
// usage of that month).
func TestCrashDuringInvoiceClosing(t *testing.T) {
	t.Parallel()
	if out, _ := exec.Command(binary, "invoices", "close", "--help").CombinedOutput(); !strings.Contains(string(out), "-period") {
		t.Skip("this billingd has no `invoices close`")
	}
	dbURL := storetest.URL(t, store.Postgres) // skips without PostgreSQL, except under CI=true
	token(t, dbURL, "t000", "viewer", "")
	db := sqlOf(t, dbURL)
	const tenants = 40
	now := time.Now().UTC()
	thisMonth := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	months := []time.Time{thisMonth.AddDate(0, -3, 0), thisMonth.AddDate(0, -2, 0), thisMonth.AddDate(0, -1, 0)}
	// Tenants that existed for the whole year, each with usage in every month
	// (rollups written directly, at each level ingestion writes in one
	// transaction: the object's hour, its usage type's hour and day;
	// ingestion refuses events that old).
	mustExec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	mustExec(`INSERT INTO tenants (id, name, created_at) SELECT 'tid-' || lpad(i::text, 3, '0'), 't' || lpad(i::text, 3, '0'), now()
		FROM generate_series(1, $1::int - 1) AS i`, tenants)
	mustExec(`UPDATE tenants SET created_at = $1`, thisMonth.AddDate(-1, 0, 0))
	for m, start := range months {
		mustExec(`INSERT INTO usage_hourly (tenant_id, namespace, usage_type, object_name, deployment, container, hour, unit_name, quantity, events)
			SELECT id, 'prod', 'http_requests', 'lb-1', '', '', $1, 'request', (1000000 * ($2::int + 1))::numeric + length(name), 1 FROM tenants`,
			start.AddDate(0, 0, 4).Add(7*time.Hour), m)
		mustExec(`INSERT INTO usage_type_hourly (tenant_id, namespace, usage_type, hour, unit_name, quantity, events)
			SELECT tenant_id, namespace, usage_type, hour, unit_name, quantity, events FROM usage_hourly WHERE hour = $1`,
			start.AddDate(0, 0, 4).Add(7*time.Hour))
		mustExec(`INSERT INTO usage_type_daily (tenant_id, namespace, usage_type, day, unit_name, quantity, events)
			SELECT tenant_id, namespace, usage_type, $2, unit_name, quantity, events FROM usage_hourly WHERE hour = $1`,
			start.AddDate(0, 0, 4).Add(7*time.Hour), start.AddDate(0, 0, 4))
		mustExec(`INSERT INTO usage_object_daily (tenant_id, namespace, usage_type, object_name, day, unit_name, quantity, events)
			SELECT tenant_id, namespace, usage_type, object_name, $2, unit_name, quantity, events FROM usage_hourly WHERE hour = $1`,
			start.AddDate(0, 0, 4).Add(7*time.Hour), start.AddDate(0, 0, 4))
	}

	for m, start := range months {
		period := start.Format("2006-01")
		killAt := 1 + m*tenants/3 // early, a third in, two thirds in
		cmd := exec.Command(binary, "invoices", "close", "--period", period, "--database-url", dbURL)
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		var issued int
		killed := false
	poll:
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
			select {
			case err := <-done:
				t.Logf("%s: close finished before the kill (%v): %s", period, err, out.String())
				break poll
			default:
			}
			if err := db.QueryRow(`SELECT count(*) FROM invoices WHERE period_start = $1`, start).Scan(&issued); err != nil {
				t.Fatal(err)
			}
			if issued >= killAt {
				_ = cmd.Process.Signal(syscall.SIGKILL)
				<-done
				killed = true
				break
			}
			time.Sleep(time.Millisecond)
		}
		waitBackendsGone(t, db)
		if err := db.QueryRow(`SELECT count(*) FROM invoices WHERE period_start = $1`, start).Scan(&issued); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: killed=%v with %d of %d invoices issued", period, killed, issued, tenants)
		rerun := billingd(t, dbURL, "invoices", "close", "--period", period)
		if want := fmt.Sprintf("period %s: %d issued, %d already issued, 0 with nothing to bill", period, tenants-issued, issued); !strings.Contains(rerun, want) {
			t.Fatalf("rerun of close after the kill printed:\n%s\nwant %q", rerun, want)
		}
		if again := billingd(t, dbURL, "invoices", "close", "--period", period); !strings.Contains(again, fmt.Sprintf("0 issued, %d already issued", tenants)) {
			t.Fatalf("third close printed:\n%s", again)
		}
	}

	// Per tenant: numbers 1..3 in period order, one invoice per period.
	rows, err := db.Query(`SELECT t.name, i.number, i.period_start, i.amount_cents,
			(SELECT coalesce(sum(l.amount_cents), 0) FROM invoice_lines l WHERE l.tenant_id = i.tenant_id AND l.invoice = i.name),
			(SELECT coalesce(sum(l.quantity), 0)::text FROM invoice_lines l WHERE l.tenant_id = i.tenant_id AND l.invoice = i.name AND l.kind = 'usage')
		FROM invoices i JOIN tenants t ON t.id = i.tenant_id ORDER BY t.name, i.number`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string][]int64{}
	for rows.Next() {
		var name, qty string
		var number, amount, lines int64
		var ps time.Time
		if err := rows.Scan(&name, &number, &ps, &amount, &lines, &qty); err != nil {
			t.Fatal(err)
		}
		k := len(got[name])
		got[name] = append(got[name], number)
		if k >= len(months) || !ps.Equal(months[k]) {
			t.Fatalf("tenant %s: invoice %d is for %s, want the %d-th month in order %v", name, number, ps.UTC(), k+1, months)
		}
		if amount != lines {
			t.Errorf("tenant %s invoice %d: amount %d, its lines sum to %d", name, number, amount, lines)
		}
		if want := decimal.NewFromInt(int64(1000000*(k+1) + len(name))); !decimal.RequireFromString(qty).Equal(want) {
			t.Errorf("tenant %s invoice %d: usage %s, want %s", name, number, qty, want)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != tenants {
		t.Fatalf("%d tenants have invoices, want %d", len(got), tenants)
	}
	for name, ns := range got {
		if fmt.Sprint(ns) != "[1 2 3]" {
			t.Errorf("tenant %s: invoice numbers %v, want [1 2 3]", name, ns)
		}
	}
	var badCounters int
	if err := db.QueryRow(`SELECT count(*) FROM invoice_counters c WHERE c.last_number <> (SELECT count(*) FROM invoices i WHERE i.tenant_id = c.tenant_id)`).Scan(&badCounters); err != nil {
		t.Fatal(err)
	}
	if badCounters != 0 {
		t.Errorf("%d tenants' invoice counters disagree with their invoices", badCounters)
	}
}
