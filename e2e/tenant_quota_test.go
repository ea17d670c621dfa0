package e2e

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// TestTenantQuotaOverHTTP: the system namespace is the tenant (issue 9 item
// 2). A limit of 10 load balancers in "system" with 7 already used admits
// exactly 3 of 60 concurrent reservations spread over 10 namespaces, and
// system/quota/usage, which exporters and XC's tools read as the tenant's
// quota, reports the tenant-wide 10. A namespace's own quota object adds a
// cap of its own.
func TestTenantQuotaOverHTTP(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, s *server) {
		tok := token(t, s.dbURL, "acme", "admin", "")
		expect(t, s.do("POST", "/api/web/namespaces/system/quotas", tok,
			`{"metadata":{"name":"tenant"},"spec":{"object_limits":{"http_loadbalancer":{"maximum":10}}}}`), 200)
		nss := make([]string, 10)
		for i := range nss {
			nss[i] = fmt.Sprintf("team-%02d", i)
		}
		for i, n := range []int{3, 2, 2} { // 7 used
			expect(t, s.do("POST", "/api/web/namespaces/"+nss[i]+"/quota/reserve", tok, fmt.Sprintf(`{"objects":{"http_loadbalancer":%d}}`, n)), 200)
		}

		start := make(chan struct{})
		statuses := make(chan int, 60)
		var wg sync.WaitGroup
		for i := range 60 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				statuses <- s.do("POST", "/api/web/namespaces/"+nss[i%10]+"/quota/reserve", tok, `{"objects":{"http_loadbalancer":1}}`).Status
			}()
		}
		close(start)
		wg.Wait()
		close(statuses)
		count := map[int]int{}
		for st := range statuses {
			count[st]++
		}
		if count[200] != 3 || count[429] != 57 {
			t.Fatalf("statuses %v; want 3×200 and 57×429", count)
		}

		r := s.do("POST", "/api/web/namespaces/team-09/quota/reserve", tok, `{"objects":{"http_loadbalancer":1}}`)
		expect(t, r, 429)
		if !strings.Contains(string(r.Body), `"scope":"tenant","limit":"10","current":"10","requested":"1"`) {
			t.Fatalf("429 body must name the tenant-wide limit: %s", r.Body)
		}

		// system/quota/usage is the tenant's: the sum over every namespace.
		objects := func(ns string) map[string]any {
			r := s.do("GET", "/api/web/namespaces/"+ns+"/quota/usage", tok, nil)
			expect(t, r, 200)
			return r.JSON(t)["objects"].(map[string]any)["http_loadbalancer"].(map[string]any)
		}
		lb := objects("system")
		if cur := lb["usage"].(map[string]any)["current"]; cur != 10.0 || lb["limit"].(map[string]any)["maximum"] != 10.0 {
			t.Fatalf("system/quota/usage http_loadbalancer = %v, want current 10 of 10", lb)
		}
		sum := 0.0
		for _, ns := range nss {
			it := objects(ns)
			sum += it["usage"].(map[string]any)["current"].(float64)
			if it["limit"].(map[string]any)["maximum"] != 10.0 {
				t.Fatalf("%s limit %v, want the tenant's 10", ns, it["limit"])
			}
		}
		if sum != 10 {
			t.Fatalf("namespaces hold %v load balancers, the tenant 10", sum)
		}

		// Released anywhere, admitted anywhere; a namespace cap holds too.
		expect(t, s.do("POST", "/api/web/namespaces/team-00/quota/reserve", tok, `{"objects":{"http_loadbalancer":-2}}`), 200)
		expect(t, s.do("POST", "/api/web/namespaces/capped/quotas", tok,
			`{"metadata":{"name":"cap"},"spec":{"object_limits":{"http_loadbalancer":{"maximum":1}}}}`), 200)
		expect(t, s.do("POST", "/api/web/namespaces/capped/quota/reserve", tok, `{"objects":{"http_loadbalancer":1}}`), 200)
		r = s.do("POST", "/api/web/namespaces/capped/quota/reserve", tok, `{"objects":{"http_loadbalancer":1}}`)
		expect(t, r, 429)
		if !strings.Contains(string(r.Body), `"scope":"namespace","limit":"1","current":"1"`) {
			t.Fatalf("429 body must name the namespace's cap: %s", r.Body)
		}
		expect(t, s.do("POST", "/api/web/namespaces/team-05/quota/reserve", tok, `{"objects":{"http_loadbalancer":1}}`), 200)
		if cur := objects("system")["usage"].(map[string]any)["current"]; cur != 10.0 {
			t.Fatalf("tenant usage %v, want 10", cur)
		}
	})
}
