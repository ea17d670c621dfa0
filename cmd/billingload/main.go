// Command billingload drives a running billingd over HTTP and reports
// throughput and latency percentiles. It only targets loopback addresses and
// stops by itself after --duration.
//
//	billingload --target http://127.0.0.1:8080 --token TOKEN --scenario reserve --concurrency 64 --duration 10s
//	billingload --target ... --token ... --scenario usage --rate 1000 --duration 10s
//	billingload --target ... --token ... --scenario mixed --rate 500 --duration 60s
//
// The mixed scenario is an open-loop weighted mix of usage ingestion batches,
// quota reservations (+1/-1 pairs), every REST read and the nested GraphQL
// query; it prints count, throughput and p50/p95/p99 per operation and every
// unexpected status, then checks the stored usage totals and reservation
// counters against what the 200 answers acknowledged. Any 5xx or mismatch
// makes the exit status 1.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"sync"
	"time"
)

func main() {
	target := flag.String("target", "http://127.0.0.1:8080", "billingd base URL (loopback only)")
	token := flag.String("token", os.Getenv("BILLINGD_TOKEN"), "API token (env BILLINGD_TOKEN)")
	scenario := flag.String("scenario", "reserve", "reserve (closed loop, max throughput), usage (open loop at --rate), graphql (closed loop) or mixed (open loop at --rate, verified)")
	conc := flag.Int("concurrency", 64, "workers for closed-loop scenarios")
	rate := flag.Int("rate", 1000, "requests per second for the usage and mixed scenarios")
	dur := flag.Duration("duration", 10*time.Second, "how long to run")
	ns := flag.String("namespace", "bench", "namespace to use (prefix, with --namespaces > 1)")
	spread := flag.Int("namespaces", 1, "reserve: spread workers over this many namespaces (1 = every worker on the same counter row)")
	mix := flag.String("mix", "ingest=2,reserve=40,read=52,graphql=6", "mixed: relative weights of the operations (the read share is split evenly over every REST read)")
	mixNS := flag.Int("mix-namespaces", 20, "mixed: namespaces PREFIX-0.. the requests are spread over (PREFIX is --namespace)")
	minBatch := flag.Int("batch-min", 100, "mixed: fewest events in an ingestion batch")
	maxBatch := flag.Int("batch-max", 1000, "mixed: most events in an ingestion batch")
	flag.StringVar(&graphQLQueryFile, "graphql-query", "", "graphql: a file holding the query to send (default: the nested namespaces query)")
	flag.Parse()
	mixed = mixedConfig{target: *target, token: *token, prefix: *ns, namespaces: *mixNS, rate: *rate, dur: *dur, mix: *mix, minBatch: *minBatch, maxBatch: *maxBatch}
	if err := run(*target, *token, *scenario, *ns, *conc, *rate, *spread, *dur); err != nil {
		fmt.Fprintln(os.Stderr, "billingload:", err)
		os.Exit(1)
	}
}

// mixed is the configuration of the mixed scenario.
var mixed mixedConfig

// graphQLQueryFile is the graphql scenario's query file ("": the nested
// namespaces query).
var graphQLQueryFile string

// result is what one scenario measured.
type result struct {
	mu        sync.Mutex
	latencies []time.Duration
	statuses  map[int]int
}

func (r *result) add(d time.Duration, status int) {
	r.mu.Lock()
	r.latencies = append(r.latencies, d)
	r.statuses[status]++
	r.mu.Unlock()
}

func (r *result) report(name string, elapsed time.Duration) {
	sort.Slice(r.latencies, func(i, j int) bool { return r.latencies[i] < r.latencies[j] })
	pct := func(p float64) time.Duration {
		if len(r.latencies) == 0 {
			return 0
		}
		return r.latencies[int(float64(len(r.latencies)-1)*p)]
	}
	fmt.Printf("%-8s requests=%d elapsed=%s throughput=%.0f/s p50=%s p95=%s p99=%s max=%s statuses=%v\n",
		name, len(r.latencies), elapsed.Round(time.Millisecond), float64(len(r.latencies))/elapsed.Seconds(),
		pct(0.50), pct(0.95), pct(0.99), pct(1), r.statuses)
}

func run(target, token, scenario, ns string, conc, rate, spread int, dur time.Duration) error {
	u, err := url.Parse(target)
	if err != nil {
		return err
	}
	ips, err := net.LookupIP(u.Hostname())
	if err != nil || len(ips) == 0 {
		return fmt.Errorf("target %s is not a loopback address; billingload only loads local servers", target)
	}
	for _, ip := range ips {
		if !ip.IsLoopback() {
			return fmt.Errorf("target %s is not a loopback address; billingload only loads local servers", target)
		}
	}
	if token == "" {
		return fmt.Errorf("--token is required")
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc + rate/10 + 16, MaxConnsPerHost: 0}, Timeout: 10 * time.Second}
	do := func(method, path, body string) (int, error) {
		req, _ := http.NewRequest(method, target+path, bytes.NewBufferString(body))
		req.Header.Set("Authorization", "APIToken "+token)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	// Set up: a tenant-wide quota (in system, inherited by every namespace)
	// with a high limit, so reservations measure the enforcement path, not
	// refusals.
	_, _ = do("DELETE", "/api/web/namespaces/system/quotas/bench", "")
	if st, err := do("POST", "/api/web/namespaces/system/quotas", `{"metadata":{"name":"bench"},"spec":{"object_limits":{"http_loadbalancer":{"maximum":2000000000}},"resource_limits":{"vcpu":{"maximum":1000000000}}}}`); err != nil || st != 200 {
		return fmt.Errorf("create bench quota: status %d, %v", st, err)
	}
	if scenario == "mixed" {
		return runMixed(mixed)
	}
	gqlBody := `{"query":"{ namespaces(first: 50) { edges { node { name quotas { edges { node { name } } } quotaUsage { objects { key current } } } } } }"}`
	if graphQLQueryFile != "" {
		q, err := os.ReadFile(graphQLQueryFile)
		if err != nil {
			return err
		}
		b, _ := json.Marshal(map[string]string{"query": string(q)})
		gqlBody = string(b)
	}
	res := &result{statuses: map[int]int{}}
	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	switch scenario {
	case "reserve", "graphql":
		for i := 0; i < conc; i++ {
			path, body := fmt.Sprintf("/api/web/namespaces/%s-%d/quota/reserve", ns, i%max(spread, 1)), `{"objects":{"http_loadbalancer":1},"resources":{"vcpu":0.5}}`
			if scenario == "graphql" {
				path, body = "/graphql", gqlBody
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil {
					t := time.Now()
					st, err := do("POST", path, body)
					if err != nil && ctx.Err() != nil {
						return
					}
					res.add(time.Since(t), st)
				}
			}()
		}
	case "usage":
		// Open loop: request i is due at start + i/rate whatever the answers
		// do, so slow answers show up as latency, not as a lower rate.
		interval := time.Second / time.Duration(rate)
		for i := 0; ctx.Err() == nil; i++ {
			time.Sleep(time.Until(start.Add(time.Duration(i) * interval)))
			wg.Add(1)
			go func() {
				defer wg.Done()
				t := time.Now()
				st, _ := do("GET", "/api/web/namespaces/"+ns+"-0/quota/usage", "")
				res.add(time.Since(t), st)
			}()
		}
	default:
		return fmt.Errorf("unknown scenario %q", scenario)
	}
	wg.Wait()
	res.report(scenario, time.Since(start))
	return nil
}
