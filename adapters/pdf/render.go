// Package pdf renders invoices as PDF documents with go-pdf/fpdf (pure Go).
// Rendering is deterministic: the same invoice always gives the same bytes,
// because every date in the document comes from the invoice and fpdf writes
// no random file identifier.
package pdf

import (
	"bytes"
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/billingd/billingd/domain/invoice"
	"github.com/go-pdf/fpdf"
)

// Renderer implements invoice.Renderer.
type Renderer struct {
	// Issuer names the issuer of invoices that recorded none (those issued
	// before invoices carried their parties).
	Issuer string
}

var _ invoice.Renderer = Renderer{}

// epoch dates a document that has no issue date yet (the running invoice),
// so it too renders the same bytes every time.
var epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

const (
	left, right = 15.0, 195.0 // page margins in mm (A4 is 210 wide)
	bottom      = 275.0       // lowest y a table row may reach before a page break
	lineH       = 4.6         // height of one line of 9 pt text
)

// cols are the widths of the lines table in mm: description, quantity,
// unit price, amount (180 in all).
var cols = [4]float64{78, 34, 42, 26}

// Render draws inv on A4 pages: the parties, the invoice's dates and
// numbers, one row per line (every cell wraps rather than being cut), the
// totals (subtotal, tax, total) and the notes the tax and status call for.
func (r Renderer) Render(inv invoice.Invoice) ([]byte, error) {
	f := fpdf.New("P", "mm", "A4", "")
	created := inv.IssuedAt
	if created.IsZero() {
		created = inv.Period.Start()
		if created.IsZero() {
			created = epoch
		}
	}
	issuer := inv.Issuer
	if issuer.Name == "" {
		issuer.Name = cmp.Or(r.Issuer, "billingd")
	}
	f.SetCreationDate(created.UTC())
	f.SetModificationDate(created.UTC())
	f.SetCatalogSort(true)
	f.SetCompression(true)
	f.SetProducer("billingd", false)
	f.SetTitle("Invoice "+inv.Name, true)
	f.SetAuthor(issuer.Name, true)
	f.SetMargins(left, 14, 210-right)
	f.SetAutoPageBreak(false, 0)
	tr := f.UnicodeTranslatorFromDescriptor("") // core fonts are cp1252
	f.AliasNbPages("{nb}")
	f.SetFooterFunc(func() {
		f.SetY(-12)
		f.SetFont("Helvetica", "I", 8)
		f.SetTextColor(110, 110, 110)
		f.CellFormat(0, 5, tr(fmt.Sprintf("%s - %s - page %d of {nb}", issuer.Name, inv.Name, f.PageNo())), "", 0, "C", false, 0, "")
		f.SetTextColor(0, 0, 0)
	})
	f.AddPage()
	d := doc{f: f, tr: tr}

	// Issuer (left) and the document's title (right).
	top := f.GetY()
	f.SetFont("Helvetica", "B", 13)
	f.SetXY(left, top)
	f.MultiCell(100, 6, tr(issuer.Name), "", "L", false)
	f.SetFont("Helvetica", "", 9)
	for _, l := range partyLines(issuer) {
		f.SetX(left)
		f.MultiCell(100, lineH, tr(l), "", "L", false)
	}
	yIssuer := f.GetY()
	f.SetXY(120, top)
	f.SetFont("Helvetica", "B", 22)
	f.CellFormat(right-120, 10, "INVOICE", "", 2, "R", false, 0, "")
	f.SetFont("Helvetica", "", 10)
	f.CellFormat(right-120, 5, tr(inv.Name), "", 2, "R", false, 0, "")
	f.SetFont("Helvetica", "B", 10)
	f.CellFormat(right-120, 6, tr(inv.Status.Words()), "", 2, "R", false, 0, "")
	f.SetY(max(yIssuer, f.GetY()) + 6)

	// Bill to (left) and the dates (right).
	top = f.GetY()
	f.SetFont("Helvetica", "B", 9)
	f.SetTextColor(110, 110, 110)
	f.CellFormat(90, lineH, "BILL TO", "", 2, "L", false, 0, "")
	f.SetTextColor(0, 0, 0)
	f.SetFont("Helvetica", "B", 10)
	f.MultiCell(90, 5, tr(cmp.Or(inv.BillTo.Name, inv.TenantName)), "", "L", false)
	f.SetFont("Helvetica", "", 9)
	billTo := partyLines(inv.BillTo)
	if inv.BillTo.IsZero() || (len(inv.BillTo.Address) == 0 && inv.BillTo.TaxID == "") {
		billTo = append(billTo, "No billing address on record")
	}
	for _, l := range billTo {
		f.SetX(left)
		f.MultiCell(90, lineH, tr(l), "", "L", false)
	}
	yBill := f.GetY()
	number, issued, due := "not issued yet", "not issued yet", "-"
	if inv.Number > 0 {
		number = inv.Name
	}
	if !inv.IssuedAt.IsZero() {
		issued, due = longDate(inv.IssuedAt), longDate(inv.DueAt)
	}
	period := "-"
	if !inv.Period.IsZero() {
		period = fmt.Sprintf("%s to %s", longDate(inv.Period.Start()), longDate(inv.Period.End().AddDate(0, 0, -1)))
	}
	f.SetY(top)
	for _, kv := range [][2]string{
		{"Invoice number", number},
		{"Issue date", issued},
		{"Due date", due},
		{"Service period", period},
		{"Plan", inv.PlanName},
		{"Status", inv.Status.Words()},
		{"Currency", inv.Currency},
	} {
		f.SetX(110)
		f.SetFont("Helvetica", "B", 9)
		f.CellFormat(28, lineH+0.4, tr(kv[0]), "", 0, "L", false, 0, "")
		f.SetFont("Helvetica", "", 9)
		f.CellFormat(right-138, lineH+0.4, tr(kv[1]), "", 1, "R", false, 0, "")
	}
	f.SetY(max(yBill, f.GetY()) + 7)

	// The lines.
	d.header()
	for _, l := range inv.Lines {
		desc := l.Description
		if (l.Kind == invoice.KindUsage || l.Kind == invoice.KindAdjustment) && l.Unit != "" {
			desc += "\n" + Quantity(l.Quantity, l.Unit) + " metered"
		}
		qty, price := Quantity(l.Billable, l.BillableUnit), "-"
		if !l.UnitPrice.IsZero() || l.Kind != invoice.KindAdjustment {
			price = UnitPrice(l.UnitPrice, inv.Currency, l.BillableUnit)
		}
		if l.Kind == invoice.KindAdjustment && l.Billable.IsZero() && l.AmountCents != 0 {
			// No whole billable unit moved, yet the amount did (an invoice
			// of an earlier release repriced): "0 million requests" beside
			// -$0.50 reads as a mistake. Show the metered quantity that
			// changed, signed, and no unit price it would not multiply to.
			qty, price = Quantity(l.Quantity, l.Unit), "-"
		}
		d.row([4]string{desc, qty, price, Money(l.AmountCents, inv.Currency)})
	}
	if len(inv.Lines) == 0 {
		d.row([4]string{"Nothing billed in this period", "", "", Money(0, inv.Currency)})
	}

	// Totals.
	if f.GetY()+4*6+10 > bottom {
		f.AddPage()
	}
	f.SetDrawColor(0, 0, 0)
	f.Line(left, f.GetY(), right, f.GetY())
	f.Ln(2)
	taxLabel := "Tax (no tax rate for the billing country)"
	switch t := inv.Tax; {
	case t.ReverseCharge:
		taxLabel = fmt.Sprintf("%s 0 %% (reverse charge)", t.Label())
	case t.Name != "":
		taxLabel = fmt.Sprintf("%s %s %%", t.Label(), t.Percent.String())
	}
	w := cols[0] + cols[1] + cols[2]
	for _, row := range []struct {
		label, amount string
		bold          bool
	}{
		{"Subtotal", Money(inv.SubtotalCents(), inv.Currency), false},
		{taxLabel, Money(inv.Tax.AmountCents, inv.Currency), false},
		{"Total due (" + inv.Currency + ")", Money(inv.AmountCents, inv.Currency), true},
	} {
		style, size := "", 10.0
		if row.bold {
			style, size = "B", 12
		}
		f.SetFont("Helvetica", style, size)
		f.CellFormat(w, 6.5, tr(row.label), "", 0, "R", false, 0, "")
		f.CellFormat(cols[3], 6.5, tr(row.amount), "", 1, "R", false, 0, "")
	}
	f.Ln(5)

	// Notes.
	var notes []string
	if n := inv.Tax.Note(); n != "" {
		note := n + "."
		if inv.BillTo.TaxID != "" {
			note += " Customer tax id: " + inv.BillTo.TaxID + "."
		}
		notes = append(notes, note)
	}
	if inv.Status == invoice.StatusPending {
		notes = append(notes, "This is the running invoice of the current period: amounts may still change. It is issued, numbered and final once the period closes.")
	} else {
		notes = append(notes, "Issued invoices never change. Usage of this period that arrives after issue is billed as an adjustment line on a later invoice.")
	}
	if !inv.DueAt.IsZero() && inv.Status == invoice.StatusIssued {
		notes = append(notes, fmt.Sprintf("Please pay %s by %s, quoting %s.", Money(inv.AmountCents, inv.Currency), longDate(inv.DueAt), inv.Name))
	}
	f.SetFont("Helvetica", "", 8.5)
	for _, n := range notes {
		lines := f.SplitText(tr(n), right-left)
		if f.GetY()+float64(len(lines))*4.2 > bottom+8 {
			f.AddPage()
		}
		f.MultiCell(0, 4.2, tr(n), "", "L", false)
		f.Ln(1)
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

// doc draws the lines table.
type doc struct {
	f  *fpdf.Fpdf
	tr func(string) string
}

func (d doc) header() {
	f := d.f
	f.SetFont("Helvetica", "B", 9)
	f.SetFillColor(235, 235, 235)
	f.SetX(left)
	for i, h := range []string{"Description", "Quantity", "Unit price", "Amount"} {
		align := "R"
		if i == 0 {
			align = "L"
		}
		f.CellFormat(cols[i], 7, h, "", 0, align, true, 0, "")
	}
	f.Ln(-1)
	f.Ln(1)
}

// row draws one table row; each cell wraps to its width and the row is as
// tall as its tallest cell. A row that does not fit goes to a new page,
// under the table header again.
func (d doc) row(cells [4]string) {
	f := d.f
	f.SetFont("Helvetica", "", 9)
	var wrapped [4][]string
	n := 1
	for i, c := range cells {
		for _, para := range strings.Split(d.tr(c), "\n") {
			wrapped[i] = append(wrapped[i], f.SplitText(para, cols[i]-2)...)
		}
		n = max(n, len(wrapped[i]))
	}
	h := float64(n)*lineH + 2
	if f.GetY()+h > bottom {
		f.AddPage()
		d.header()
	}
	y, x := f.GetY(), left
	for i := range cells {
		align := "R"
		if i == 0 {
			align = "L"
		}
		for j, l := range wrapped[i] {
			if i == 0 && j > 0 && strings.HasSuffix(l, " metered") {
				f.SetTextColor(100, 100, 100)
			}
			f.SetXY(x, y+float64(j)*lineH)
			f.CellFormat(cols[i], lineH, l, "", 0, align, false, 0, "")
			f.SetTextColor(0, 0, 0)
		}
		x += cols[i]
	}
	f.SetDrawColor(220, 220, 220)
	f.Line(left, y+h-0.5, right, y+h-0.5)
	f.SetXY(left, y+h)
}

// partyLines are the printed lines of a party below its name.
func partyLines(p invoice.Party) []string {
	out := append([]string(nil), p.Address...)
	if p.TaxID != "" {
		out = append(out, "Tax ID: "+p.TaxID)
	}
	if p.Contact != "" {
		out = append(out, p.Contact)
	}
	return out
}

// longDate is a date as a person reads it: "1 December 2026".
func longDate(t time.Time) string { return t.UTC().Format("2 January 2006") }
