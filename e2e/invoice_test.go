package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/adapters/store/storetest"
	"github.com/billingd/billingd/internal/spectest"
	lpdf "github.com/ledongthuc/pdf"
)

const (
	invoiceListTmpl = "/api/web/namespaces/{namespace}/usage/invoices/custom_list"
	invoicePDFTmpl  = "/api/web/namespaces/{namespace}/usage/invoice_pdf"
)

// backdate makes the tenant of tok older than the months the test bills
// (a tenant is invoiced only for periods that ended after it was created)
// and widens its late-arrival window so events of two months ago are accepted.
func backdate(t *testing.T, dbURL, tok string, since time.Time) {
	t.Helper()
	withTenant(t, dbURL, tok, func(ctx context.Context, db *store.DB, tenantID string) {
		if _, err := db.SQL().ExecContext(ctx, `UPDATE tenants SET created_at = $1 WHERE id = $2`, since.UTC(), tenantID); err != nil {
			t.Fatal(err)
		}
		if err := store.NewUsageRepo(db).SetLateWindow(ctx, tenantID, 120*24*time.Hour); err != nil {
			t.Fatal(err)
		}
	})
}

// billingdErr runs a CLI command and returns its output and error.
func billingdErr(dbURL string, args ...string) (string, error) {
	cmd := exec.Command(binary, append(args, "--database-url", dbURL)...)
	cmd.Env = clockEnv(dbURL)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

type invoiceItem struct {
	Name        string `json:"name"`
	PeriodStart string `json:"period_start"`
	PeriodEnd   string `json:"period_end"`
	Amount      string `json:"amount"`
	Currency    string `json:"currency"`
	Status      string `json:"status"`
	Active      bool   `json:"active"`
}

// pdfText extracts a PDF's text with a Go PDF parser.
func pdfText(t *testing.T, doc []byte) string {
	t.Helper()
	rd, err := lpdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatalf("the PDF does not open: %v", err)
	}
	var b strings.Builder
	for i := 1; i <= rd.NumPage(); i++ {
		s, err := rd.Page(i).GetPlainText(nil)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(s)
	}
	return b.String()
}

// TestInvoicesEndToEnd closes a month with the CLI, lists invoices and
// downloads a PDF over REST, sends a late event for the closed month and
// finds it as an adjustment on the next invoice, changes statuses through
// the CLI, and lets a second replica's scheduler close a month by itself.
func TestInvoicesEndToEnd(t *testing.T) {
	t.Parallel()
	spec := spectest.Load(t)
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			s := startOn(t, storetest.URL(t, d), "--no-invoice-scheduler", "--rate-limit", "0")
			now := s.now()
			m0 := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
			m1, m2 := m0.AddDate(0, -1, 0), m0.AddDate(0, -2, 0)
			p1, p2 := m1.Format("2006-01"), m2.Format("2006-01")

			admin := token(t, s.dbURL, "acme", "admin", "")
			viewer := token(t, s.dbURL, "acme", "viewer", "")
			shopViewer := token(t, s.dbURL, "acme", "viewer", "shop")
			other := token(t, s.dbURL, "globex", "admin", "")
			putOnPlan(t, s, admin, "team")
			backdate(t, s.dbURL, admin, m2.AddDate(0, -1, 0))
			ingest := func(evs ...map[string]any) {
				t.Helper()
				acc, _, rej := ingestCounts(t, s.do("POST", eventsPath, admin, evs, "Content-Type", "application/json"))
				if acc != len(evs) || len(rej) != 0 {
					t.Fatalf("ingest: accepted %d, rejected %v", acc, rej)
				}
			}
			// Team plan: 99.00 a month, 0.50 per whole million requests.
			ingest(event("m2-a", "http_requests", "request", "1500000", m2.Add(15*24*time.Hour)),
				event("m1-a", "http_requests", "request", "2000000", m1.Add(10*24*time.Hour)))

			out := billingd(t, s.dbURL, "invoices", "close", "--period", p2)
			if !strings.Contains(out, "issued inv-000001 for tenant acme: 99.50 USD") || !strings.Contains(out, "1 issued") {
				t.Fatalf("close %s: %s", p2, out)
			}
			if out = billingd(t, s.dbURL, "invoices", "close", "--period", p2); !strings.Contains(out, "0 issued, 1 already issued") {
				t.Fatalf("close %s again: %s", p2, out)
			}
			if out, err := billingdErr(s.dbURL, "invoices", "close", "--period", m0.Format("2006-01")); err == nil || !strings.Contains(out, "still running") {
				t.Fatalf("closing the running month: %v %s", err, out)
			}

			list := func(tok string) []invoiceItem {
				t.Helper()
				r := s.do("GET", nsPath(invoiceListTmpl, "system")+"?limit=10", tok, nil)
				expect(t, r, 200)
				spec.ValidateResponse(t, "GET", invoiceListTmpl, r.Body)
				var l struct{ Invoices []invoiceItem }
				if err := json.Unmarshal(r.Body, &l); err != nil {
					t.Fatal(err)
				}
				return l.Invoices
			}
			l := list(viewer)
			if len(l) != 2 || !l[0].Active || l[0].Status != "STATUS_PENDING" || l[0].PeriodStart != m0.Format(time.RFC3339) ||
				l[1].Name != "inv-000001" || l[1].Amount != "9950" || l[1].Currency != "USD" || l[1].Status != "STATUS_ISSUED" || l[1].Active ||
				l[1].PeriodStart != m2.Format(time.RFC3339) || l[1].PeriodEnd != m1.Format(time.RFC3339) {
				t.Fatalf("list: %+v", l)
			}
			expect(t, s.do("GET", nsPath(invoiceListTmpl, "shop")+"?limit=1", shopViewer, nil), 403)
			expect(t, s.do("GET", nsPath(invoiceListTmpl, "system")+"?limit=x", viewer, nil), 400)
			if l := list(other); len(l) != 1 || !l[0].Active {
				t.Fatalf("globex sees: %+v", l)
			}

			pdfOf := func(tok, name string) []byte {
				t.Helper()
				r := s.do("GET", nsPath(invoicePDFTmpl, "ignored")+"?name="+name, tok, nil)
				expect(t, r, 200)
				spec.ValidateResponse(t, "GET", invoicePDFTmpl, r.Body)
				var p struct{ PDF []byte }
				if err := json.Unmarshal(r.Body, &p); err != nil || !bytes.HasPrefix(p.PDF, []byte("%PDF-")) {
					t.Fatalf("pdf answer: %v %.80s", err, r.Body)
				}
				return p.PDF
			}
			doc := pdfOf(viewer, "inv-000001")
			if again := pdfOf(admin, "inv-000001"); !bytes.Equal(doc, again) {
				t.Fatal("the same invoice rendered different bytes")
			}
			text := pdfText(t, doc)
			for _, want := range []string{"inv-000001", "acme", m2.Format("2 January 2006"), "Issued", "$99.50", "HTTP Load Balancer Requests"} {
				if !strings.Contains(text, want) {
					t.Fatalf("PDF text lacks %q:\n%s", want, text)
				}
			}
			pdfOf(viewer, l[0].Name) // the running invoice renders too
			expect(t, s.do("GET", nsPath(invoicePDFTmpl, "system")+"?name=inv-000099", viewer, nil), 404)
			expect(t, s.do("GET", nsPath(invoicePDFTmpl, "system")+"?name=inv-000001", other, nil), 404)
			expect(t, s.do("GET", nsPath(invoicePDFTmpl, "system"), viewer, nil), 400)

			// A late event for the issued month: the issued invoice stays,
			// the next one carries it as an adjustment (2.5M → 2 billable: +0.50).
			ingest(event("m2-late", "http_requests", "request", "1000000", m2.Add(16*24*time.Hour)))
			out = billingd(t, s.dbURL, "invoices", "close", "--period", p1)
			if !strings.Contains(out, "issued inv-000002 for tenant acme: 100.50 USD") {
				t.Fatalf("close %s: %s", p1, out)
			}
			// current_usage of the issued month is the issued invoice, to the
			// cent: its late-usage adjustment is a fixed line (issue 11).
			r := s.do("POST", nsPath(currentUsageTmpl, "system"), viewer, map[string]string{"from": m1.Format(time.RFC3339), "to": m0.Format(time.RFC3339)})
			expect(t, r, 200)
			var cu currentUsageResp
			if err := json.Unmarshal(r.Body, &cu); err != nil || cu.TotalCost != "10050" {
				t.Fatalf("current_usage of %s: %s", p1, r.Body)
			}
			text = pdfText(t, pdfOf(viewer, "inv-000002"))
			for _, want := range []string{"inv-000002", "Late usage for " + p2 + ": HTTP Load Balancer", "$100.50", "0.50"} {
				if !strings.Contains(text, want) {
					t.Fatalf("PDF of %s lacks %q:\n%s", p1, want, text)
				}
			}
			if l = list(viewer); len(l) != 3 || l[1].Name != "inv-000002" || l[1].Amount != "10050" || l[2].Amount != "9950" {
				t.Fatalf("list after the late event: %+v", l)
			}

			// Status changes through the CLI, with an audit trail.
			if out = billingd(t, s.dbURL, "invoices", "set-status", "inv-000001", "PAID", "--tenant", "acme", "--actor", "finance@acme"); !strings.Contains(out, "STATUS_PAID") {
				t.Fatalf("set-status: %s", out)
			}
			if out, err := billingdErr(s.dbURL, "invoices", "set-status", "inv-000001", "OVERDUE", "--tenant", "acme"); err == nil || !strings.Contains(out, "cannot become OVERDUE") {
				t.Fatalf("PAID → OVERDUE: %v %s", err, out)
			}
			out = billingd(t, s.dbURL, "invoices", "show", "inv-000001", "--tenant", "acme")
			if !strings.Contains(out, "STATUS_ISSUED -> STATUS_PAID  by finance@acme") || !strings.Contains(out, "STATUS_PENDING -> STATUS_ISSUED  by close") {
				t.Fatalf("show: %s", out)
			}
			if l = list(viewer); l[2].Status != "STATUS_PAID" {
				t.Fatalf("paid invoice listed as %+v", l[2])
			}

			// A second replica with the scheduler on closes the previous
			// month for a tenant nobody closed it for, and nothing twice.
			newcomer := token(t, s.dbURL, "initech", "admin", "")
			putOnPlan(t, s, newcomer, "team")
			backdate(t, s.dbURL, newcomer, m2)
			// The scheduler closes a month an hour after it ends: in that
			// first hour the replica runs on a clock just past it.
			at := s.now()
			if due := m0.Add(time.Hour + time.Second); at.Before(due) {
				at = due
			}
			startOnAt(t, s.dbURL, at, "--rate-limit", "0", "--invoice-scheduler-interval", "200ms")
			deadline := time.Now().Add(20 * time.Second)
			for {
				if l := list(newcomer); len(l) == 2 && l[1].Name == "inv-000001" && l[1].PeriodStart == m1.Format(time.RFC3339) && l[1].Amount == "9900" {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the scheduler did not close %s for initech: %+v", p1, list(newcomer))
				}
				time.Sleep(100 * time.Millisecond)
			}
			if l = list(viewer); len(l) != 3 {
				t.Fatalf("acme after the scheduler: %+v", l)
			}
		})
	}
}
