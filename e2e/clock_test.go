package e2e

import (
	"encoding/json"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/billingd/billingd/adapters/store/storetest"
)

// stop ends the server (SIGTERM, drained) so that another one can start on
// its database at another instant. The test's cleanup then finds it ended.
func (s *server) stop() {
	s.t.Helper()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.exited:
		s.exited <- err
	case <-time.After(15 * time.Second):
		s.t.Fatalf("billingd did not stop on SIGTERM\n%s", s.logs.String())
	}
}

// TestSimulatedYearEnd runs one tenant across the 2026 → 2027 year end on
// simulated clocks: usage posted late on 31 December is December's, the
// default report range of 1 January covers January only, the scheduler
// closes December exactly once across a restart at the hour it becomes
// due, and a late December event becomes an adjustment in January.
func TestSimulatedYearEnd(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			dbURL := storetest.URL(t, d)
			at := func(s string) time.Time {
				v, err := time.Parse(time.RFC3339, s)
				if err != nil {
					t.Fatal(err)
				}
				return v
			}
			quiet := []string{"--no-invoice-scheduler", "--rate-limit", "0"}

			// 31 December, 23:00.
			s := startOnAt(t, dbURL, at("2026-12-31T23:00:00Z"), quiet...)
			r := s.do("GET", "/readyz", "", nil)
			expect(t, r, 200)
			if !strings.Contains(string(r.Body), `"simulated":true`) || !strings.Contains(string(r.Body), `"start":"2026-12-31T23:00:00Z"`) {
				t.Fatalf("/readyz does not show the simulated clock: %s", r.Body)
			}
			if !strings.Contains(s.logs.String(), "level=WARN msg=\"simulated clock in force") {
				t.Fatalf("no WARN line for the simulated clock:\n%s", s.logs.String())
			}
			if now := s.now(); now.Before(at("2026-12-31T23:00:00Z")) || now.After(at("2026-12-31T23:10:00Z")) {
				t.Fatalf("server now %v, want just after 2026-12-31T23:00Z", now)
			}
			admin := token(t, dbURL, "acme", "admin", "")
			viewer := token(t, dbURL, "acme", "viewer", "")
			putOnPlan(t, s, admin, "team")
			post := func(s *server, evs ...map[string]any) response {
				t.Helper()
				return s.do("POST", "/api/web/namespaces/prod/usage/events", admin, evs, "Content-Type", "application/json")
			}
			acc, _, rej := ingestCounts(t, post(s,
				event("ye-1", "http_requests", "request", "1000000", at("2026-12-31T22:30:00Z")),
				// More than 5 minutes ahead of the simulated now: refused.
				event("ye-future", "http_requests", "request", "1", at("2027-01-01T00:00:00Z"))))
			if acc != 1 || len(rej) != 1 || !strings.Contains(string(mustJSON(t, rej)), "ye-future") {
				t.Fatalf("accepted %d, rejected %v; want ye-1 accepted and ye-future refused as in the future", acc, rej)
			}
			s.stop()

			// 1 January, 00:05: December is last month.
			s = startOnAt(t, dbURL, at("2027-01-01T00:05:00Z"), quiet...)
			r = s.do("POST", nsPath(monthlyUsageTmpl, "system"), viewer, nil)
			expect(t, r, 200)
			var monthly struct {
				Items []struct {
					Amount string `json:"amount"`
					Start  string `json:"start_timestamp"`
				} `json:"monthly_usage_items"`
			}
			if err := json.Unmarshal(r.Body, &monthly); err != nil {
				t.Fatal(err)
			}
			december := -1
			for i, m := range monthly.Items {
				if m.Start == "2026-12-01T00:00:00Z" {
					december = i
				}
			}
			if december < 0 || cents(t, monthly.Items[december].Amount) < 50 {
				t.Fatalf("monthly_usage at 2027-01-01T00:05Z does not list December with its usage: %s", r.Body)
			}
			requests := func(body any) calculatedItem {
				t.Helper()
				r := s.do("POST", nsPath(currentUsageTmpl, "system"), viewer, body)
				expect(t, r, 200)
				var c currentUsageResp
				if err := json.Unmarshal(r.Body, &c); err != nil {
					t.Fatal(err)
				}
				for _, it := range c.UsageItems {
					if !it.Fixed && len(it.MetricLabels) > 0 && it.MetricLabels[0] == "http_requests" {
						return it
					}
				}
				t.Fatalf("no http_requests line: %s", r.Body)
				return calculatedItem{}
			}
			if it := requests(nil); it.Quantity != 0 || cents(t, it.Amount) != 0 {
				t.Fatalf("the default current_usage range (January so far) shows December's event: %+v", it)
			}
			if it := requests(map[string]string{"from": "2026-12-01T00:00:00Z", "to": "2027-01-01T00:00:00Z"}); it.Quantity != 1000000 {
				t.Fatalf("December's current_usage lacks the 22:30 event: %+v", it)
			}
			r = s.do("POST", nsPath(usageDetailsTmpl, "system"), viewer, nil)
			expect(t, r, 200)
			if strings.Contains(string(r.Body), `"lb-1"`) {
				t.Fatalf("the default usage_details range shows December's object: %s", r.Body)
			}
			s.stop()

			// 00:59:58: the scheduler closes December at 01:00 (an hour
			// after the month ends), once; a restart after that issues
			// nothing more.
			list := func(s *server) []invoiceItem {
				t.Helper()
				r := s.do("GET", nsPath(invoiceListTmpl, "system")+"?limit=10", viewer, nil)
				expect(t, r, 200)
				var l struct{ Invoices []invoiceItem }
				if err := json.Unmarshal(r.Body, &l); err != nil {
					t.Fatal(err)
				}
				return l.Invoices
			}
			issuedDecember := func(l []invoiceItem) (n int) {
				for _, inv := range l {
					if inv.PeriodStart == "2026-12-01T00:00:00Z" && !inv.Active {
						n++
					}
				}
				return n
			}
			sched := []string{"--rate-limit", "0", "--invoice-scheduler-interval", "200ms"}
			s = startOnAt(t, dbURL, at("2027-01-01T00:59:58Z"), sched...)
			if n := issuedDecember(list(s)); n != 0 {
				t.Fatalf("December issued before it was due: %+v", list(s))
			}
			for deadline := time.Now().Add(20 * time.Second); issuedDecember(list(s)) == 0; time.Sleep(100 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("the scheduler did not close December by %v: %+v", s.now(), list(s))
				}
			}
			s.stop()
			s = startOnAt(t, dbURL, at("2027-01-01T01:00:30Z"), sched...)
			time.Sleep(time.Second) // five scheduler passes
			l := list(s)
			if issuedDecember(l) != 1 {
				t.Fatalf("December issued %d times across the restart: %+v", issuedDecember(l), l)
			}

			// A December event arriving after December's invoice: the
			// issued invoice stays, January's running invoice adjusts.
			before := l
			acc, _, rej = ingestCounts(t, post(s, event("ye-late", "http_requests", "request", "1000000", at("2026-12-31T23:30:00Z"))))
			if acc != 1 {
				t.Fatalf("late December event refused: %v", rej)
			}
			after := list(s)
			var decBefore, decAfter, janAfter string
			for _, inv := range before {
				if inv.PeriodStart == "2026-12-01T00:00:00Z" {
					decBefore = inv.Amount
				}
			}
			for _, inv := range after {
				switch inv.PeriodStart {
				case "2026-12-01T00:00:00Z":
					decAfter = inv.Amount
				case "2027-01-01T00:00:00Z":
					janAfter = inv.Name
				}
			}
			if decAfter != decBefore {
				t.Fatalf("the issued December invoice changed: %s → %s", decBefore, decAfter)
			}
			if janAfter == "" {
				t.Fatalf("no running January invoice: %+v", after)
			}
			r = s.do("GET", nsPath(invoicePDFTmpl, "system")+"?name="+janAfter, viewer, nil)
			expect(t, r, 200)
			var p struct{ PDF []byte }
			if err := json.Unmarshal(r.Body, &p); err != nil {
				t.Fatal(err)
			}
			if text := pdfText(t, p.PDF); !strings.Contains(text, "Late usage for 2026-12") {
				t.Fatalf("January's running invoice has no adjustment for December's late event:\n%s", text)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
