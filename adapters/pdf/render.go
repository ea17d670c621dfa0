// Package pdf renders invoices as PDF documents with go-pdf/fpdf (pure Go).
// Rendering is deterministic: the same invoice always gives the same bytes,
// because every date in the document comes from the invoice and fpdf writes
// no random file identifier.
package pdf

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/billingd/billingd/domain/invoice"
	"github.com/go-pdf/fpdf"
	"github.com/shopspring/decimal"
)

// Renderer implements invoice.Renderer.
type Renderer struct {
	// Issuer is printed at the top of every invoice.
	Issuer string
}

var _ invoice.Renderer = Renderer{}

// epoch dates a document that has no issue date yet (the running invoice),
// so it too renders the same bytes every time.
var epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// column widths in mm: description, quantity, unit price, amount (A4 minus margins).
var cols = [4]float64{86, 40, 32, 32}

// Render draws inv on A4 pages.
func (r Renderer) Render(inv invoice.Invoice) ([]byte, error) {
	f := fpdf.New("P", "mm", "A4", "")
	created := inv.IssuedAt
	if created.IsZero() {
		created = inv.Period.Start()
		if created.IsZero() {
			created = epoch
		}
	}
	f.SetCreationDate(created.UTC())
	f.SetModificationDate(created.UTC())
	f.SetCatalogSort(true)
	f.SetCompression(true)
	f.SetProducer("billingd", false)
	f.SetTitle("Invoice "+inv.Name, false)
	f.SetAuthor(cmpOr(r.Issuer, "billingd"), false)
	f.SetMargins(10, 12, 10)
	f.SetAutoPageBreak(true, 15)
	tr := f.UnicodeTranslatorFromDescriptor("") // core fonts are cp1252
	f.AliasNbPages("{nb}")
	f.SetFooterFunc(func() {
		f.SetY(-12)
		f.SetFont("Helvetica", "I", 8)
		f.CellFormat(0, 5, tr(fmt.Sprintf("%s - page %d of {nb}", inv.Name, f.PageNo())), "", 0, "C", false, 0, "")
	})
	f.AddPage()

	f.SetFont("Helvetica", "B", 18)
	f.CellFormat(0, 10, tr("Invoice "+inv.Name), "", 1, "L", false, 0, "")
	f.SetFont("Helvetica", "", 10)
	if r.Issuer != "" {
		f.CellFormat(0, 5, tr(r.Issuer), "", 1, "L", false, 0, "")
	}
	f.Ln(3)
	number := "not issued yet"
	if inv.Number > 0 {
		number = fmt.Sprintf("%d", inv.Number)
	}
	issued, due := "not issued yet (running invoice, amounts may change)", "-"
	if !inv.IssuedAt.IsZero() {
		issued, due = inv.IssuedAt.UTC().Format("2006-01-02"), inv.DueAt.UTC().Format("2006-01-02")
	}
	period := "-"
	if !inv.Period.IsZero() {
		period = fmt.Sprintf("%s (%s to %s, UTC)", inv.Period, inv.Period.Start().Format("2006-01-02"), inv.Period.End().AddDate(0, 0, -1).Format("2006-01-02"))
	}
	for _, kv := range [][2]string{
		{"Tenant", inv.TenantName},
		{"Invoice number", number},
		{"Period", period},
		{"Status", string(inv.Status)},
		{"Plan", inv.PlanName},
		{"Issue date", issued},
		{"Due date", due},
		{"Currency", inv.Currency},
	} {
		f.SetFont("Helvetica", "B", 10)
		f.CellFormat(35, 6, tr(kv[0]+":"), "", 0, "L", false, 0, "")
		f.SetFont("Helvetica", "", 10)
		f.CellFormat(0, 6, tr(kv[1]), "", 1, "L", false, 0, "")
	}
	f.Ln(4)

	header := func() {
		f.SetFont("Helvetica", "B", 9)
		f.SetFillColor(230, 230, 230)
		for i, h := range []string{"Description", "Quantity", "Unit price", "Amount"} {
			align := "R"
			if i == 0 {
				align = "L"
			}
			f.CellFormat(cols[i], 7, h, "B", 0, align, true, 0, "")
		}
		f.Ln(-1)
		f.SetFont("Helvetica", "", 9)
	}
	header()
	for _, l := range inv.Lines {
		if f.GetY() > 265 {
			f.AddPage()
			header()
		}
		desc := l.Description
		if l.Kind == invoice.KindUsage || l.Kind == invoice.KindAdjustment {
			desc += fmt.Sprintf(" [%s %s]", l.Quantity.String(), l.Unit)
		}
		cells := []string{desc, qty(l.Billable, l.BillableUnit), price(l.UnitPrice), money(l.AmountCents)}
		for i, c := range cells {
			align := "R"
			if i == 0 {
				align = "L"
			}
			f.CellFormat(cols[i], 6, fit(f, tr(c), cols[i]-2), "", 0, align, false, 0, "")
		}
		f.Ln(-1)
	}
	f.Line(10, f.GetY(), 200, f.GetY())
	f.Ln(2)
	f.SetFont("Helvetica", "B", 11)
	f.CellFormat(cols[0]+cols[1]+cols[2], 7, "Total", "", 0, "R", false, 0, "")
	f.CellFormat(cols[3], 7, tr(money(inv.AmountCents)+" "+inv.Currency), "", 1, "R", false, 0, "")
	f.SetFont("Helvetica", "", 9)
	f.Ln(4)
	if inv.Status == invoice.StatusPending {
		f.MultiCell(0, 5, tr("This is the running invoice of the current period; it is issued, numbered and final once the period closes."), "", "L", false)
	} else {
		f.MultiCell(0, 5, tr("Issued invoices never change. Usage of this period that arrives after issue is billed as an adjustment line on a later invoice."), "", "L", false)
	}
	if err := f.Error(); err != nil {
		return nil, fmt.Errorf("render invoice %s: %w", inv.Name, err)
	}
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, fmt.Errorf("render invoice %s: %w", inv.Name, err)
	}
	return buf.Bytes(), nil
}

// money formats cents as a decimal amount with two places.
func money(cents int64) string { return decimal.New(cents, -2).StringFixed(2) }

func price(d decimal.Decimal) string {
	if d.IsZero() {
		return "-"
	}
	s := d.String()
	if d.Exponent() > -2 {
		s = d.StringFixed(2)
	}
	return s
}

func qty(d decimal.Decimal, unit string) string {
	return strings.TrimSpace(d.String() + " " + unit)
}

// fit shortens s with "..." until it is at most w mm wide.
func fit(f *fpdf.Fpdf, s string, w float64) string {
	if f.GetStringWidth(s) <= w {
		return s
	}
	for len(s) > 0 && f.GetStringWidth(s+"...") > w {
		s = s[:len(s)-1]
	}
	return s + "..."
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
