// Package invoice is the bounded context of invoices: the running (PENDING)
// invoice computed on read, the closing of a finished calendar month into
// ISSUED invoices that never change again, late-usage adjustments on the next
// invoice, and status changes with their audit trail.
package invoice

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/shopspring/decimal"
)

// Status is invoiceInvoiceStatus; the values are the proto enum names.
type Status string

// The statuses of an invoice (API.md §12).
const (
	StatusUnknown   Status = "STATUS_UNKNOWN"
	StatusIssued    Status = "STATUS_ISSUED"
	StatusPending   Status = "STATUS_PENDING"
	StatusPaid      Status = "STATUS_PAID"
	StatusRefunded  Status = "STATUS_REFUNDED"
	StatusCancelled Status = "STATUS_CANCELLED"
	StatusOverdue   Status = "OVERDUE"
)

// statusNumbers are the proto numbers, in order.
var statusNumbers = []Status{StatusUnknown, StatusIssued, StatusPending, StatusPaid, StatusRefunded, StatusCancelled, StatusOverdue}

// ParseStatus reads a status as its enum name, its name without the STATUS_
// prefix (PAID) or its proto number, case-insensitively.
func ParseStatus(s string) (Status, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	if n, err := strconv.Atoi(u); err == nil && n >= 0 && n < len(statusNumbers) {
		return statusNumbers[n], nil
	}
	for _, st := range statusNumbers {
		if string(st) == u || strings.TrimPrefix(string(st), "STATUS_") == u {
			return st, nil
		}
	}
	return "", (errs.Fields{{Field: "status", Problem: fmt.Sprintf("%q is not an invoice status; want PAID, OVERDUE, CANCELLED or REFUNDED", s)}}).Err()
}

// transitions are the status changes allowed after issue. Everything else is
// a Conflict: an issued invoice's history only moves forward.
var transitions = map[Status][]Status{
	StatusIssued:  {StatusPaid, StatusOverdue, StatusCancelled},
	StatusOverdue: {StatusPaid, StatusCancelled},
	StatusPaid:    {StatusRefunded},
}

// CanMove reports whether an invoice in status from may move to to.
func CanMove(from, to Status) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Period is one billing period: a calendar month in UTC.
type Period struct{ start time.Time }

// PeriodOf returns the month containing t.
func PeriodOf(t time.Time) Period {
	t = t.UTC()
	return Period{time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)}
}

// ParsePeriod reads YYYY-MM.
func ParsePeriod(s string) (Period, error) {
	t, err := time.Parse("2006-01", strings.TrimSpace(s))
	if err != nil || t.Year() < 1970 || t.Year() > 9998 {
		return Period{}, (errs.Fields{{Field: "period", Problem: fmt.Sprintf("%q is not a month written YYYY-MM", s)}}).Err()
	}
	return PeriodOf(t), nil
}

// Start is the first instant of the month.
func (p Period) Start() time.Time { return p.start }

// End is the first instant of the next month (the period is [Start, End)).
func (p Period) End() time.Time { return p.start.AddDate(0, 1, 0) }

// Prev is the month before.
func (p Period) Prev() Period { return Period{p.start.AddDate(0, -1, 0)} }

// String is YYYY-MM.
func (p Period) String() string { return p.start.Format("2006-01") }

// IsZero reports whether p was never set.
func (p Period) IsZero() bool { return p.start.IsZero() }

// LineKind says where an invoice line comes from.
type LineKind string

// The kinds of invoice lines.
const (
	KindPlan  LineKind = "plan"  // the plan's flat price for the period
	KindUsage LineKind = "usage" // priced metered usage of the period
	KindAddon LineKind = "addon" // an add-on's monthly price, prorated to the days subscribed
	// KindAdjustment is usage of an earlier, already issued period that
	// arrived after it was issued (ForPeriod names that period).
	KindAdjustment LineKind = "adjustment"
	// KindProration is a plan change inside the period (credit for the unused
	// part of the old plan, charge for the new one).
	KindProration LineKind = "proration"
)

// Line is one line of an invoice. Quantity and Unit are the metered
// quantity (what late-usage adjustments compare); Billable and BillableUnit
// what is charged, at UnitPrice (currency units) each.
type Line struct {
	Kind         LineKind
	Description  string
	UsageType    string // metric label of usage and adjustment lines
	ForPeriod    string // YYYY-MM the line bills
	Quantity     decimal.Decimal
	Unit         string
	Billable     decimal.Decimal
	BillableUnit string
	UnitPrice    decimal.Decimal
	AmountCents  int64
}

// Invoice is one invoice of a tenant for one period. An issued invoice's
// lines and amount never change; only its status moves (see CanMove).
type Invoice struct {
	TenantID   string
	TenantName string
	Name       string
	Number     int64 // 0 while pending: numbers are given at issue only
	Period     Period
	Status     Status
	Currency   string
	PlanName   string // the plan the period was priced at
	IssuedAt   time.Time
	DueAt      time.Time
	// Issuer and BillTo are the parties, frozen at issue; both are zero on
	// invoices issued before parties were recorded.
	Issuer Party
	BillTo Party
	Lines  []Line
	// Tax is charged on the subtotal (the sum of the lines), once.
	Tax Tax
	// AmountCents is the total due: the sum of the lines' amounts plus the
	// tax, exactly. It is the amount lists and reports show.
	AmountCents int64
}

// SubtotalCents is the amount before tax: the sum of the lines.
func (i Invoice) SubtotalCents() int64 { return i.AmountCents - i.Tax.AmountCents }

// Active reports whether the invoice is the running one (its amount may still change).
func (i Invoice) Active() bool { return i.Status == StatusPending }

// NameFor is the name of the invoice numbered n.
func NameFor(n int64) string { return fmt.Sprintf("inv-%06d", n) }

// PendingName is the name of the running invoice of p.
func PendingName(p Period) string { return "inv-pending-" + p.String() }

// Total sums the lines' amounts.
func Total(lines []Line) int64 {
	var t int64
	for _, l := range lines {
		t += l.AmountCents
	}
	return t
}

// Rebuild is the one way a stored invoice becomes a domain value: it checks
// the invariants a database row cannot (the amount is the sum of the lines
// plus the tax).
func Rebuild(inv Invoice) (Invoice, error) {
	if inv.Lines != nil && Total(inv.Lines)+inv.Tax.AmountCents != inv.AmountCents {
		return Invoice{}, errs.New(errs.Internal, "stored invoice %s of tenant %s: amount %d is not the sum of its lines %d plus tax %d",
			inv.Name, inv.TenantID, inv.AmountCents, Total(inv.Lines), inv.Tax.AmountCents)
	}
	if inv.Number <= 0 || inv.Period.IsZero() {
		return Invoice{}, errs.New(errs.Internal, "stored invoice %q of tenant %s has no number or period", inv.Name, inv.TenantID)
	}
	return inv, nil
}

// StatusChange is one entry of an invoice's audit trail.
type StatusChange struct {
	TenantID string
	Invoice  string
	At       time.Time
	Actor    string
	From, To Status
}

// Tenant is a tenant invoices are closed for.
type Tenant struct {
	ID, Name  string
	CreatedAt time.Time
}
