package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/billingd/billingd/adapters/store/storetest"
	"github.com/billingd/billingd/internal/spectest"
)

// TestInvoiceDocument issues invoices a finance team accepts (issue 17):
// the issuer comes from --invoice-issuer (same file for serve and the CLI),
// the bill-to from the tenant's billing contact, frozen at issue; VAT is
// charged on the subtotal for a French customer and reverse-charged for
// one with a VAT number; the REST amount and GraphQL totalCents are the
// total with tax, GraphQL shows subtotal and tax; the PDF's text holds the
// parties, every line and the totals. A bad issuer file stops both serve
// and the CLI with every problem at its line and column.
func TestInvoiceDocument(t *testing.T) {
	t.Parallel()
	spec := spectest.Load(t)
	dir := t.TempDir()
	issuerFile := filepath.Join(dir, "issuer.json")
	if err := os.WriteFile(issuerFile, []byte(`{
  "name": "Example Networks Inc.",
  "address": ["500 Market Street", "San Francisco, CA 94105", "United States"],
  "country": "US",
  "tax_id": "US 12-3456789",
  "contact": "billing@example.net",
  "invoice_number_prefix": "EXN-"
}`), 0o600); err != nil {
		t.Fatal(err)
	}
	badFile := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(badFile, []byte("{\n  \"name\": \"\",\n  \"invoice_number_prefix\": \"inv-pending-\",\n  \"fax\": \"none\"\n}"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			s := startOn(t, storetest.URL(t, d), "--no-invoice-scheduler", "--rate-limit", "0", "--invoice-issuer", issuerFile)
			now := s.now()
			m0 := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
			m1 := m0.AddDate(0, -1, 0)
			p1 := m1.Format("2006-01")

			acme := token(t, s.dbURL, "acme", "admin", "")
			globex := token(t, s.dbURL, "globex", "admin", "")
			gql := func(tok, query string) map[string]any {
				t.Helper()
				body, _ := json.Marshal(map[string]string{"query": query})
				r := s.do("POST", "/graphql", tok, body, "Content-Type", "application/json")
				expect(t, r, 200)
				var out struct {
					Data   map[string]any
					Errors []any
				}
				if err := json.Unmarshal(r.Body, &out); err != nil || len(out.Errors) > 0 {
					t.Fatalf("graphql %s: %v %s", query, err, r.Body)
				}
				return out.Data
			}
			contact := func(tok, tokName, fields string) {
				t.Helper()
				data := gql(tok, fmt.Sprintf(`mutation { createPaymentMethod(input: {token: %q, role: PRIMARY, contact: {contactType: BILLING, %s}}) { paymentMethod { name } userErrors { field message code } } }`, tokName, fields))
				if ue := data["createPaymentMethod"].(map[string]any)["userErrors"].([]any); len(ue) != 0 {
					t.Fatalf("createPaymentMethod: %v", ue)
				}
			}
			for _, tok := range []string{acme, globex} {
				putOnPlan(t, s, tok, "team")
				backdate(t, s.dbURL, tok, m1.AddDate(0, -1, 0))
			}
			contact(acme, "tok_acme_1", `address1: "1 rue de la Paix", zipCode: "75002", city: "Paris", country: "FR", phoneNumber: "+33 1 23 45 67 89"`)
			contact(globex, "tok_globex_1", `address1: "8 avenue de l'Opéra", zipCode: "75001", city: "Paris", country: "FR", taxId: "FR 12 345678901"`)
			// Team: 99.00 a month and 0.50 per whole million requests.
			acc, _, rej := ingestCounts(t, s.do("POST", eventsPath, acme, []map[string]any{
				event("d1", "http_requests", "request", "2000000", m1.Add(10*24*time.Hour))}, "Content-Type", "application/json"))
			if acc != 1 || len(rej) != 0 {
				t.Fatalf("ingest: %d %v", acc, rej)
			}

			// The CLI needs the issuer too; a bad file is refused with every problem located.
			out, err := billingdErr(s.dbURL, "invoices", "close", "--period", p1, "--invoice-issuer", badFile)
			for _, want := range []string{"bad.json:2:3: name: is required", "bad.json:3:3: invoice_number_prefix:", "bad.json:4:3: fax: unknown field"} {
				if err == nil || !strings.Contains(out, want) {
					t.Fatalf("close with a bad issuer: %v, output lacks %q:\n%s", err, want, out)
				}
			}
			out = billingd(t, s.dbURL, "invoices", "close", "--period", p1, "--invoice-issuer", issuerFile)
			// acme: 99.00 + 2 × 0.50 = 100.00, VAT 20 % = 20.00. globex: reverse charge.
			for _, want := range []string{"issued EXN-000001 for tenant acme: 120.00 USD", "issued EXN-000001 for tenant globex: 99.00 USD", "2 issued"} {
				if !strings.Contains(out, want) {
					t.Fatalf("close output lacks %q:\n%s", want, out)
				}
			}

			// The REST list's amount is the total with tax.
			r := s.do("GET", nsPath(invoiceListTmpl, "system")+"?limit=5", acme, nil)
			expect(t, r, 200)
			spec.ValidateResponse(t, "GET", invoiceListTmpl, r.Body)
			var l struct{ Invoices []invoiceItem }
			if err := json.Unmarshal(r.Body, &l); err != nil || len(l.Invoices) != 2 || l.Invoices[1].Name != "EXN-000001" || l.Invoices[1].Amount != "12000" {
				t.Fatalf("list: %v %s", err, r.Body)
			}
			// GraphQL: the same total, with subtotal and tax.
			data := gql(acme, `{ invoices(first: 5) { edges { node { name status totalCents subtotalCents taxCents taxPercent taxName taxNote } } } }`)
			edges := data["invoices"].(map[string]any)["edges"].([]any)
			issued := edges[1].(map[string]any)["node"].(map[string]any)
			if issued["name"] != "EXN-000001" || issued["totalCents"] != "12000" && issued["totalCents"] != float64(12000) {
				t.Fatalf("graphql invoice: %v", issued)
			}
			if fmt.Sprint(issued["subtotalCents"], " ", issued["taxCents"], " ", issued["taxPercent"], " ", issued["taxName"], " ", issued["taxNote"]) != "10000 2000 20 VAT FR <nil>" {
				t.Fatalf("graphql tax figures: %v", issued)
			}
			gdata := gql(globex, `{ invoices(first: 5) { edges { node { totalCents subtotalCents taxCents taxNote } } } }`)
			gi := gdata["invoices"].(map[string]any)["edges"].([]any)[1].(map[string]any)["node"].(map[string]any)
			if fmt.Sprint(gi["totalCents"], " ", gi["subtotalCents"], " ", gi["taxCents"], " ", gi["taxNote"]) != "9900 9900 0 Reverse charge: VAT to be accounted for by the recipient" {
				t.Fatalf("globex graphql: %v", gi)
			}

			pdfOf := func(tok, name string) string {
				t.Helper()
				r := s.do("GET", nsPath(invoicePDFTmpl, "system")+"?name="+name, tok, nil)
				expect(t, r, 200)
				var p struct{ PDF []byte }
				if err := json.Unmarshal(r.Body, &p); err != nil || !bytes.HasPrefix(p.PDF, []byte("%PDF-")) {
					t.Fatalf("pdf: %v %.80s", err, r.Body)
				}
				if dir := os.Getenv("BILLINGD_E2E_PDF_DIR"); dir != "" { // to look at it: pdftoppm -png
					_ = os.WriteFile(filepath.Join(dir, string(d)+"-"+name+".pdf"), p.PDF, 0o600)
				}
				return pdfText(t, p.PDF)
			}
			text := pdfOf(acme, "EXN-000001")
			issueDay, dueDay := now.Format("2 January 2006"), now.AddDate(0, 0, 30).Format("2 January 2006")
			for _, want := range []string{
				"Example Networks Inc.", "500 Market Street", "San Francisco, CA 94105", "Tax ID: US 12-3456789", "billing@example.net",
				"BILL TO", "acme", "1 rue de la Paix", "75002 Paris", "FR", "+33 1 23 45 67 89",
				"INVOICE", "EXN-000001", "Issued", "Issue date", issueDay, "Due date", dueDay,
				m1.Format("2 January 2006") + " to " + m0.AddDate(0, 0, -1).Format("2 January 2006"),
				"Team plan", "1 month", "$99.00 per month", "$99.00",
				"HTTP Load Balancer Requests", "2,000,000 requests metered", "2 million requests", "$0.50 per million requests", "$1.00",
				"Subtotal", "$100.00", "VAT FR 20 %", "$20.00", "Total due (USD)", "$120.00",
			} {
				if !strings.Contains(text, want) {
					t.Fatalf("PDF of EXN-000001 lacks %q:\n%s", want, text)
				}
			}
			if strings.Contains(text, "STATUS_") || strings.Contains(text, "...") {
				t.Fatalf("PDF has an enum name or a cut text:\n%s", text)
			}
			text = pdfOf(globex, "EXN-000001")
			for _, want := range []string{"8 avenue de l'Opéra", "Tax ID: FR 12 345678901", "VAT FR 0 % (reverse charge)", "$0.00", "$99.00",
				"Reverse charge: VAT to be accounted for by the recipient"} {
				if !strings.Contains(text, want) {
					t.Fatalf("PDF of globex's invoice lacks %q:\n%s", want, text)
				}
			}

			// The bill-to is frozen at issue: a new primary contact in Texas
			// changes the running invoice (Texas sales tax), not the issued one.
			contact(acme, "tok_acme_2", `address1: "1 Congress Ave", city: "Austin", stateCode: "TX", zipCode: "78701", country: "US"`)
			if text = pdfOf(acme, "EXN-000001"); !strings.Contains(text, "75002 Paris") || strings.Contains(text, "Austin") || !strings.Contains(text, "$120.00") {
				t.Fatalf("the issued invoice changed with the contact:\n%s", text)
			}
			pending := "inv-pending-" + m0.Format("2006-01")
			if text = pdfOf(acme, pending); !strings.Contains(text, "Austin") || !strings.Contains(text, "Sales tax US-TX 6.25 %") || !strings.Contains(text, "Pending") {
				t.Fatalf("the running invoice does not bill the new contact:\n%s", text)
			}

			// serve refuses a bad issuer file before opening anything.
			if out, err := billingdErr(s.dbURL, "serve", "--addr", "127.0.0.1:0", "--invoice-issuer", badFile); err == nil || !strings.Contains(out, "bad.json:2:3: name: is required") {
				t.Fatalf("serve with a bad issuer: %v\n%s", err, out)
			}
		})
	}
}
