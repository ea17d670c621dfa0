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
		{Kind: invoice.KindUsage, Description: "HTTP requests", UsageType: "http_requests", ForPeriod: "2026-10", Quantity: decimal.NewFromInt(3200000),
			Unit: "request", Billable: decimal.NewFromInt(4), BillableUnit: "million requests", UnitPrice: decimal.RequireFromString("0.5"), AmountCents: 200},
		{Kind: invoice.KindAdjustment, Description: "Late usage for 2026-09: HTTP requests", UsageType: "http_requests", ForPeriod: "2026-09",
			Quantity: decimal.NewFromInt(-5), Unit: "request", Billable: decimal.Zero, BillableUnit: "million requests", UnitPrice: decimal.RequireFromString("0.5"), AmountCents: -50},
	}
	return invoice.Invoice{TenantID: "t1", TenantName: "acme", Name: "inv-000007", Number: 7, Period: p, Status: invoice.StatusIssued,
		Currency: "USD", PlanName: "team", IssuedAt: issued, DueAt: issued.AddDate(0, 0, 30), Lines: lines, AmountCents: 10050}
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
	r := pdf.Renderer{Issuer: "billingd test"}
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
	for _, want := range []string{"inv-000007", "acme", "2026-10", "STATUS_ISSUED", "100.50 USD", "Late usage for 2026-09", "-0.50", "99.00", "2026-12-01"} {
		if !strings.Contains(got, want) {
			t.Errorf("PDF text lacks %q:\n%s", want, got)
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
		for _, want := range []string{"Invoice inv-000007", "100.50 USD", "Invoice number: 7"} {
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
