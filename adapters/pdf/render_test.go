package pdf_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/billingd/billingd/adapters/pdf"
	"github.com/billingd/billingd/domain/invoice"
	lpdf "github.com/ledongthuc/pdf"
	"github.com/shopspring/decimal"
)

func sample() invoice.Invoice {
	p, _ := invoice.ParsePeriod("2026-10")
	issued := time.Date(2026, 11, 1, 1, 5, 0, 0, time.UTC)
	lines := []invoice.Line{
		{Kind: invoice.KindPlan, Description: "Team plan", ForPeriod: "2026-10", Quantity: decimal.NewFromInt(1), Unit: "month",
			Billable: decimal.NewFromInt(1), BillableUnit: "month", UnitPrice: decimal.RequireFromString("99"), AmountCents: 9900},
		{Kind: invoice.KindProration, Description: "Charge: plan organization from 14 October 2026, 09:00 UTC to the end of 31 October 2026 (17.62 of 31 days)",
			ForPeriod: "2026-10", Quantity: decimal.RequireFromString("0.5685"), Unit: "month", Billable: decimal.RequireFromString("0.5685"),
			BillableUnit: "month", UnitPrice: decimal.RequireFromString("2499"), AmountCents: 142061},
		{Kind: invoice.KindUsage, Description: "HTTP requests", UsageType: "http_requests", ForPeriod: "2026-10", Quantity: decimal.NewFromInt(3200000),
			Unit: "request", Billable: decimal.NewFromInt(4), BillableUnit: "million requests", UnitPrice: decimal.RequireFromString("0.5"), AmountCents: 200},
		{Kind: invoice.KindAdjustment, Description: "Late usage for 2026-09: HTTP requests", UsageType: "http_requests", ForPeriod: "2026-09",
			Quantity: decimal.NewFromInt(-5), Unit: "request", Billable: decimal.Zero, BillableUnit: "million requests", UnitPrice: decimal.RequireFromString("0.5"), AmountCents: -50},
	}
	return invoice.Invoice{TenantID: "t1", TenantName: "acme", Name: "inv-000007", Number: 7, Period: p, Status: invoice.StatusIssued,
		Currency: "USD", PlanName: "team", IssuedAt: issued, DueAt: issued.AddDate(0, 0, 30), Lines: lines,
		Issuer: invoice.Party{Name: "Example Networks Inc.", Address: []string{"500 Market Street", "San Francisco, CA 94105", "United States"},
			Country: "US", TaxID: "US 12-3456789", Contact: "billing@example.net"},
		BillTo: invoice.Party{Name: "acme", Address: []string{"1 rue de la Paix", "75002 Paris", "FR"}, Country: "FR"},
		Tax:    invoice.Tax{Name: "VAT", Jurisdiction: "FR", Percent: decimal.NewFromInt(20), AmountCents: 30422},
		// 9900 + 142061 + 200 - 50 = 152111; VAT 20 % = 30422.2 → 30422.
		AmountCents: 152111 + 30422}
}

// Text extracts the text of a PDF with a Go parser.
func text(t *testing.T, doc []byte) string {
	t.Helper()
	rd, err := lpdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatalf("not a PDF a parser can open: %v", err)
	}
	var b strings.Builder
	for i := 1; i <= rd.NumPage(); i++ {
		p := rd.Page(i)
		if p.V.IsNull() {
			continue
		}
		s, err := p.GetPlainText(nil)
		if err != nil {
			t.Fatalf("page %d: %v", i, err)
		}
		b.WriteString(s)
	}
	return b.String()
}

func TestRenderIsDeterministicAndReadable(t *testing.T) {
	t.Parallel()
	r := pdf.Renderer{}
	a, err := r.Render(sample())
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // a clock-dependent field would now differ
	b, err := r.Render(sample())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("the same invoice rendered different bytes")
	}
	if !bytes.HasPrefix(a, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", a[:16])
	}
	got := text(t, a)
	for _, want := range []string{
		// Parties.
		"Example Networks Inc.", "500 Market Street", "San Francisco, CA 94105", "Tax ID: US 12-3456789", "billing@example.net",
		"BILL TO", "acme", "1 rue de la Paix", "75002 Paris",
		// Numbering and dates, status in words.
		"INVOICE", "inv-000007", "Issued", "1 November 2026", "1 December 2026", "1 October 2026 to 31 October 2026",
		// Every line: quantities with units, unit prices with currency and unit, amounts.
		"Team plan", "1 month", "$99.00 per month", "$99.00",
		// Wrapped, not cut: every word of the long description is there.
		"Charge: plan organization from 14 October 2026,", "09:00 UTC to the end of 31 October 2026 (17.62 of", "31 days)",
		"0.5685 months", "$2,499.00 per month", "$1,420.61",
		"HTTP requests", "3,200,000 requests metered", "4 million requests", "$0.50 per million requests", "$2.00",
		// An adjustment with no whole billable unit moved shows its real,
		// signed quantity, never "0 million requests" beside -$0.50.
		"Late usage for 2026-09: HTTP requests", "-5 requests metered", "-5 requests", "-$0.50",
		// Totals.
		"Subtotal", "$1,521.11", "VAT FR 20 %", "$304.22", "Total due (USD)", "$1,825.33",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("PDF text lacks %q:\n%s", want, got)
		}
	}
	for _, gone := range []string{"STATUS_ISSUED", "...", "Reverse charge", "0 million requests"} {
		if strings.Contains(got, gone) {
			t.Errorf("PDF text has %q:\n%s", gone, got)
		}
	}
	// pdftotext, when installed, must read it too (CI machines may lack it).
	if path, err := exec.LookPath("pdftotext"); err == nil {
		f := filepath.Join(t.TempDir(), "inv.pdf")
		if err := os.WriteFile(f, a, 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(path, "-layout", f, "-").CombinedOutput()
		if err != nil {
			t.Fatalf("pdftotext: %v\n%s", err, out)
		}
		for _, want := range []string{"INVOICE", "Invoice number inv-000007", "Total due (USD) $1,825.33", "Status Issued"} {
			if !strings.Contains(strings.Join(strings.Fields(string(out)), " "), want) {
				t.Errorf("pdftotext output lacks %q:\n%s", want, out)
			}
		}
	} else {
		t.Log("pdftotext not installed; checked with the Go parser only")
	}

	// A pending invoice (no issue date, no number) renders deterministically too.
	p := sample()
	p.Name, p.Number, p.Status, p.IssuedAt, p.DueAt = "inv-pending-2026-10", 0, invoice.StatusPending, time.Time{}, time.Time{}
	c1, err1 := r.Render(p)
	c2, err2 := r.Render(p)
	if err1 != nil || err2 != nil || !bytes.Equal(c1, c2) {
		t.Fatalf("pending render: %v %v equal=%v", err1, err2, bytes.Equal(c1, c2))
	}
}

// TestRenderReverseChargeAndDefaults: a reverse-charged invoice prints 0 %,
// the legal note and the customer's tax id; an invoice issued before
// parties were recorded names the fallback issuer and says it has no
// billing address; many lines flow onto more pages, each under the table header.
func TestRenderReverseChargeAndDefaults(t *testing.T) {
	t.Parallel()
	inv := sample()
	inv.BillTo.TaxID = "FR12345678901"
	inv.Tax = invoice.Tax{Name: "VAT", Jurisdiction: "FR", Percent: decimal.Zero, ReverseCharge: true}
	inv.AmountCents = 152111
	doc, err := pdf.Renderer{}.Render(inv)
	if err != nil {
		t.Fatal(err)
	}
	got := text(t, doc)
	for _, want := range []string{"VAT FR 0 % (reverse charge)", "$0.00", "Total due (USD)", "$1,521.11", "Tax ID: FR12345678901",
		"Reverse charge: VAT to be accounted for by the recipient. Customer tax id: FR12345678901."} {
		if !strings.Contains(got, want) {
			t.Errorf("reverse-charge PDF lacks %q:\n%s", want, got)
		}
	}

	old := sample()
	old.Issuer, old.BillTo, old.Tax, old.AmountCents = invoice.Party{}, invoice.Party{}, invoice.Tax{}, 152111
	for range 60 {
		old.Lines = append(old.Lines, old.Lines[2])
		old.AmountCents += 200
	}
	doc, err = pdf.Renderer{Issuer: "billingd"}.Render(old)
	if err != nil {
		t.Fatal(err)
	}
	got = text(t, doc)
	for _, want := range []string{"billingd", "acme", "No billing address on record", "Tax (no tax rate for the billing country)", "$1,641.11",
		"page 1 of 4", "page 4 of 4"} {
		if !strings.Contains(got, want) {
			t.Errorf("old invoice PDF lacks %q:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "Description"); n != 4 {
		t.Errorf("the table header is printed %d times over 4 pages", n)
	}
	// Every one of the 64 lines is there, none lost at a page break.
	if n := strings.Count(got, "3,200,000 requests metered"); n != 61 {
		t.Errorf("%d usage lines printed, want 61", n)
	}
}

func TestFormats(t *testing.T) {
	t.Parallel()
	for got, want := range map[string]string{
		pdf.Money(123456789, "USD"): "$1,234,567.89",
		pdf.Money(-50, "USD"):       "-$0.50",
		pdf.Money(100000, "EUR"):    "€1,000.00",
		pdf.Money(5, "CHF"):         "0.05 CHF",
		pdf.UnitPrice(decimal.RequireFromString("0.5"), "USD", "million requests"): "$0.50 per million requests",
		pdf.UnitPrice(decimal.RequireFromString("0.0035"), "USD", "GB"):            "$0.0035 per GB",
		pdf.UnitPrice(decimal.RequireFromString("2499"), "USD", "month"):           "$2,499.00 per month",
		pdf.Quantity(decimal.NewFromInt(1), "month"):                               "1 month",
		pdf.Quantity(decimal.RequireFromString("0.5"), "month"):                    "0.5 months",
		pdf.Quantity(decimal.NewFromInt(1234567), "byte"):                          "1,234,567 bytes",
		pdf.Quantity(decimal.NewFromInt(-3), "GB"):                                 "-3 GB",
		pdf.Quantity(decimal.NewFromInt(4), "million requests"):                    "4 million requests",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}
