package graph

import (
	"testing"
	"time"

	"github.com/billingd/billingd/domain/invoice"
	"github.com/billingd/billingd/graph/model"
)

// TestInvoiceCursorSurvivesIssue: a cursor taken on the running invoice
// still pages the same way once that month is issued (its name changes
// from inv-pending-YYYY-MM to inv-NNNNNN; the cursor is the period), and
// the invoice's global id stays the same.
func TestInvoiceCursorSurvivesIssue(t *testing.T) {
	t.Parallel()
	nov, oct, sep := invoice.PeriodOf(time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC)), invoice.PeriodOf(time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)),
		invoice.PeriodOf(time.Date(2026, 9, 5, 0, 0, 0, 0, time.UTC))
	before := []invoice.Invoice{
		{Name: invoice.PendingName(nov), Period: nov, Status: invoice.StatusPending},
		{Name: invoice.NameFor(2), Period: oct, Status: invoice.StatusIssued},
		{Name: invoice.NameFor(1), Period: sep, Status: invoice.StatusIssued},
	}
	page, _, err := invoicePage(before, window{first: 1})
	if err != nil || len(page) != 1 {
		t.Fatalf("first page: %v %v", page, err)
	}
	conn := invoiceConnection(page, &model.PageInfo{}, len(before))
	cursor, id := conn.Edges[0].Cursor, conn.Edges[0].Node.ID
	after, err := decodeCursor("after", &cursor)
	if err != nil {
		t.Fatal(err)
	}
	// November is issued; December runs.
	dec := invoice.PeriodOf(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	issued := []invoice.Invoice{
		{Name: invoice.PendingName(dec), Period: dec, Status: invoice.StatusPending},
		{Name: invoice.NameFor(3), Period: nov, Status: invoice.StatusIssued},
		before[1], before[2],
	}
	next, info, err := invoicePage(issued, window{first: 10, after: after})
	if err != nil || len(next) != 2 || next[0].Name != invoice.NameFor(2) || info.HasNextPage || !info.HasPreviousPage {
		t.Fatalf("after the issued invoice's cursor: %v %+v %v", next, info, err)
	}
	if got := invoiceToModel(issued[1]).ID; got != id {
		t.Fatalf("the issued invoice's id %s differs from the running one's %s", got, id)
	}
	if _, _, err := invoicePage(issued, window{first: 1, after: "1999-01"}); err == nil {
		t.Fatal("a cursor of no invoice was accepted")
	}
}
