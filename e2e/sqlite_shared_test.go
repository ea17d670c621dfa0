package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/adapters/store/storetest"
)

// TestCLIAndServerShareSQLite runs `billingd usage import` and four
// concurrent `billingd invoices close` of one tenant against the server's
// SQLite file while clients reserve and read quota over HTTP. SQLite has one
// writer at a time: the commands and the server must queue for it (BEGIN
// IMMEDIATE, busy timeout), so no request gets a 503 and every command
// exits 0.
func TestCLIAndServerShareSQLite(t *testing.T) {
	t.Parallel()
	s := startOn(t, storetest.URL(t, store.SQLite), "--no-invoice-scheduler", "--rate-limit", "0")
	admin := token(t, s.dbURL, "acme", "admin", "")
	thisMonth := startOfMonth(s.now())
	lastMonth := thisMonth.AddDate(0, -1, 0)
	putOnPlan(t, s, admin, "team")
	backdate(t, s.dbURL, admin, lastMonth.AddDate(0, -1, 0))

	const events = 20000
	var c strings.Builder
	c.WriteString("id,usage_type,object_name,quantity,unit_name,timestamp,deployment,container\n")
	ts := lastMonth.Add(10 * 24 * time.Hour)
	for i := range events {
		fmt.Fprintf(&c, "imp-%d,http_requests,lb-%d,%d,request,%s,dep,\n", i, i%4, i+1, ts.Add(time.Duration(i%300)*time.Hour).Format(time.RFC3339))
	}
	csvPath := filepath.Join(t.TempDir(), "usage.csv")
	if err := os.WriteFile(csvPath, []byte(c.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	type result struct {
		what, out string
		err       error
	}
	results := make(chan result, 5)
	var commands sync.WaitGroup
	commands.Add(5)
	go func() {
		defer commands.Done()
		out, err := billingdErr(s.dbURL, "usage", "import", csvPath, "--tenant", "acme", "--namespace", "prod", "--batch", "500")
		results <- result{"usage import", out, err}
	}()
	for range 4 {
		go func() {
			defer commands.Done()
			out, err := billingdErr(s.dbURL, "invoices", "close", "--period", lastMonth.Format("2006-01"))
			results <- result{"invoices close", out, err}
		}()
	}
	done := make(chan struct{})
	go func() { commands.Wait(); close(done) }()

	// Clients keep reserving, releasing and reading until the commands end.
	var mu sync.Mutex
	statuses := map[int]int{}
	var firstBad string
	var clients sync.WaitGroup
	for range 4 {
		clients.Add(1)
		go func() {
			defer clients.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				for _, r := range []response{
					s.do("POST", "/api/web/namespaces/ns1/quota/reserve", admin, `{"objects":{"http_loadbalancer":1}}`),
					s.do("GET", "/api/web/namespaces/ns1/quota/usage", admin, nil),
					s.do("POST", "/api/web/namespaces/ns1/quota/reserve", admin, `{"objects":{"http_loadbalancer":-1}}`),
				} {
					mu.Lock()
					statuses[r.Status]++
					if r.Status != 200 && firstBad == "" {
						firstBad = fmt.Sprintf("%d %s", r.Status, r.Body)
					}
					mu.Unlock()
				}
			}
		}()
	}
	clients.Wait()
	close(results)

	issued := 0
	for r := range results {
		if r.err != nil {
			t.Errorf("%s beside the server failed: %v\n%s", r.what, r.err, r.out)
			continue
		}
		switch {
		case r.what == "usage import" && !strings.Contains(r.out, fmt.Sprintf("accepted %d, duplicates 0, rejected 0", events)):
			t.Errorf("usage import printed:\n%s", r.out)
		case r.what == "invoices close" && strings.Contains(r.out, ": 1 issued,"):
			issued++
		}
	}
	if issued != 1 {
		t.Errorf("%d of the 4 concurrent closes issued the tenant's invoice, want exactly 1", issued)
	}
	if len(statuses) != 1 || statuses[200] == 0 {
		t.Errorf("HTTP statuses beside the commands: %v; first other than 200: %s", statuses, firstBad)
	}
	t.Logf("HTTP requests beside the commands: %v", statuses)
}
