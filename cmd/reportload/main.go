// Command reportload measures report latency: N workers each send one request
// at a time (closed loop) to a running billingd over loopback HTTP for a
// duration, and it prints requests/s and the latency percentiles. Every answer
// must be 200, or the run fails.
package main

import (
	"bytes"
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
	token := flag.String("token", "", "API token")
	path := flag.String("path", "/api/web/namespaces/system/current_usage", "request path")
	method := flag.String("method", "POST", "HTTP method")
	body := flag.String("body", "", "request body (JSON)")
	workers := flag.Int("workers", 4, "concurrent clients, one request in flight each")
	dur := flag.Duration("duration", 20*time.Second, "how long to send")
	label := flag.String("label", "", "name printed with the figures")
	flag.Parse()
	u, err := url.Parse(*target)
	if err != nil {
		fail(err)
	}
	// A load generator pointed at someone else's server is an attack.
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		fail(fmt.Errorf("--target %s is not a loopback address", *target))
	}
	if *token == "" {
		fail(fmt.Errorf("--token is required"))
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *workers}, Timeout: 30 * time.Second}
	one := func() (time.Duration, error) {
		req, err := http.NewRequest(*method, *target+*path, bytes.NewBufferString(*body))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Authorization", "APIToken "+*token)
		req.Header.Set("Content-Type", "application/json")
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		d := time.Since(t0)
		if resp.StatusCode != 200 {
			return 0, fmt.Errorf("%s %s: %d %s", *method, *path, resp.StatusCode, b)
		}
		return d, nil
	}
	// One warm-up request: the first pays for connections and caches.
	if _, err := one(); err != nil {
		fail(err)
	}
	var mu sync.Mutex
	var lat []time.Duration
	var firstErr error
	deadline := time.Now().Add(*dur)
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < *workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for time.Now().Before(deadline) {
				d, err := one()
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
				mine = append(mine, d)
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	el := time.Since(start)
	if firstErr != nil {
		fail(firstErr)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	fmt.Printf("%s: %d requests in %s by %d workers (closed loop): %.0f req/s; latency p50 %s p95 %s p99 %s max %s\n",
		*label, len(lat), el.Round(time.Millisecond), *workers, float64(len(lat))/el.Seconds(),
		pct(lat, 0.50), pct(lat, 0.95), pct(lat, 0.99), pct(lat, 1))
}

func pct(l []time.Duration, p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	i := int(float64(len(l))*p+0.5) - 1
	i = max(0, min(i, len(l)-1))
	return l[i].Round(10 * time.Microsecond)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "reportload:", err)
	os.Exit(1)
}
