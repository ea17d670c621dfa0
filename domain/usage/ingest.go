package usage

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/domain/text"
	"github.com/shopspring/decimal"
)

// MaxBatch is the largest number of events one Ingest call accepts: one
// batch is one transaction, and a transaction that large is already a few
// megabytes of rows.
const MaxBatch = 10_000

// MaxIDLength bounds event IDs (they are part of a primary key).
const MaxIDLength = 255

// maxNameLength bounds the free-text key fields of an event, which end up in
// the rollups' primary key.
const maxNameLength = 255

// MaxQuantityDecimals is the precision quantities keep exactly; more digits
// would be silently lost by a NUMERIC column with a scale, so they are refused.
const MaxQuantityDecimals = 12

var maxQuantity = decimal.New(1, 24)

// MaxEventCents bounds what one event may cost at its rate: a billion
// currency units. An invoice line is bounded by money.MaxCents, a million
// times more, so overflowing it takes a million such events in a month, and
// even then pricing answers an error, never a wrapped or saturated amount.
const MaxEventCents int64 = 100_000_000_000

// MaxEventBillable bounds one event's quantity in billable units of its
// rate (a free rate costs nothing, but its quantities must stay printable
// and summable too).
const MaxEventBillable int64 = 1_000_000_000_000

// ReasonConflict is the rejection reason of an event whose ID was used
// before (in the database or earlier in the batch) with other content.
const ReasonConflict = "id already used with different content"

// Rejection is one event of a batch that was not stored, and why.
type Rejection struct {
	Index  int // position in the batch as sent
	ID     string
	Reason string
}

// IngestResult counts what happened to a batch. Accepted + Duplicates +
// len(Rejected) is the batch size.
type IngestResult struct {
	Accepted   int
	Duplicates int
	Rejected   []Rejection
}

// Ingest stores the valid events of a batch in namespace ns exactly once, and
// adds them to their hourly rollups in the same transaction. Invalid events
// are reported and skipped; valid ones are kept. Repeats of an ID inside the
// batch are resolved here (the first wins), so the repository sees each ID
// once.
func (s *Service) Ingest(ctx context.Context, p tenancy.Principal, ns string, events []Event) (IngestResult, error) {
	if err := p.OnTenant(); err != nil {
		return IngestResult{}, err
	}
	if !tenancy.ValidName(ns) {
		return IngestResult{}, &errs.Error{Kind: errs.Invalid, Message: "invalid request", Fields: []errs.FieldError{{Field: "namespace", Problem: "must be a DNS-1035 label"}}}
	}
	if err := p.Authorize(tenancy.Write, ns); err != nil {
		return IngestResult{}, err
	}
	if len(events) > MaxBatch {
		return IngestResult{}, &errs.Error{Kind: errs.Invalid, Message: "invalid request", Fields: []errs.FieldError{{Field: "body",
			Problem: fmt.Sprintf("a batch holds at most %d events, got %d; split it", MaxBatch, len(events))}}}
	}
	res := IngestResult{Rejected: []Rejection{}}
	if len(events) == 0 {
		return res, nil
	}
	pl, err := s.c.Plans.PlanOf(ctx, p)
	if err != nil {
		return IngestResult{}, err
	}
	late, err := s.c.Repo.LateWindow(ctx, p.TenantID)
	if err != nil {
		return IngestResult{}, err
	}
	now := s.c.Clock.Now()

	// valid holds the first occurrence of every valid ID; at[i] is its index
	// in the batch, for rejections of conflicts found by the database.
	valid := make([]Event, 0, len(events))
	at := make([]int, 0, len(events))
	first := make(map[string]int, len(events)) // ID -> position in valid
	for i, e := range events {
		e.Namespace = ns
		e.Timestamp = e.Timestamp.UTC().Truncate(time.Microsecond) // what both databases keep
		if reasons := validate(e, pl, now, late); len(reasons) > 0 {
			res.Rejected = append(res.Rejected, Rejection{Index: i, ID: e.ID, Reason: strings.Join(reasons, "; ")})
			continue
		}
		e.Quantity = normalize(e.Quantity)
		if j, ok := first[e.ID]; ok {
			// Hashed only for a repeated ID: the repository hashes every
			// event anyway, to store it.
			if valid[j].ContentHash() == e.ContentHash() {
				res.Duplicates++
			} else {
				res.Rejected = append(res.Rejected, Rejection{Index: i, ID: e.ID, Reason: ReasonConflict})
			}
			continue
		}
		first[e.ID] = len(valid)
		valid = append(valid, e)
		at = append(at, i)
	}
	if len(valid) > 0 {
		outs, err := s.storeEvents(ctx, p.TenantID, ns, valid)
		if err != nil {
			return IngestResult{}, err
		}
		for k, o := range outs {
			switch o {
			case Accepted:
				res.Accepted++
			case Duplicate:
				res.Duplicates++
			default:
				res.Rejected = append(res.Rejected, Rejection{Index: at[k], ID: valid[k].ID, Reason: ReasonConflict})
			}
		}
	}
	sortRejections(res.Rejected)
	return res, nil
}

// AuthorizeIngest says whether the caller may ingest into namespace ns. A
// transport calls it before it decodes a batch (up to megabytes), so a
// caller without the right costs nothing; Ingest checks again.
func (s *Service) AuthorizeIngest(ctx context.Context, p tenancy.Principal, ns string) error {
	if err := p.OnTenant(); err != nil {
		return err
	}
	if !tenancy.ValidName(ns) {
		return &errs.Error{Kind: errs.Invalid, Message: "invalid request", Fields: []errs.FieldError{{Field: "namespace", Problem: "must be a DNS-1035 label"}}}
	}
	return p.Authorize(tenancy.Write, ns)
}

// validate returns every problem of one event, so a client fixes them at once.
func validate(e Event, pl plan.Plan, now time.Time, late time.Duration) []string {
	var r []string
	switch {
	case e.ID == "":
		r = append(r, "id is required")
	case len(e.ID) > MaxIDLength:
		r = append(r, fmt.Sprintf("id is longer than %d bytes", MaxIDLength))
	}
	if e.UsageType == "" {
		r = append(r, "usage_type is required")
	} else if rate, ok := pl.Rate(e.UsageType); !ok {
		r = append(r, fmt.Sprintf("unknown usage type %q: not on the rate card of plan %s", e.UsageType, pl.Name))
	} else if e.UnitName != rate.UnitName {
		r = append(r, fmt.Sprintf("unit_name %q does not match the rate card: %s is metered in %q", e.UnitName, e.UsageType, rate.UnitName))
	} else if p := tooLargeForOneEvent(e.Quantity, rate); p != "" {
		r = append(r, p)
	}
	if e.ObjectName == "" {
		r = append(r, "object_name is required")
	}
	for _, f := range []struct{ name, v string }{{"usage_type", e.UsageType}, {"object_name", e.ObjectName}, {"unit_name", e.UnitName}, {"deployment", e.Deployment}, {"container", e.Container}} {
		if len(f.v) > maxNameLength {
			r = append(r, fmt.Sprintf("%s is longer than %d bytes", f.name, maxNameLength))
		}
	}
	// Every string is a key of the events or rollups table: a NUL fails the
	// whole transaction on PostgreSQL, and invalid UTF-8 is not text.
	for _, f := range []struct{ name, v string }{{"id", e.ID}, {"usage_type", e.UsageType}, {"object_name", e.ObjectName}, {"unit_name", e.UnitName}, {"deployment", e.Deployment}, {"container", e.Container}} {
		if p := text.Problem(f.v); p != "" {
			r = append(r, f.name+" "+p)
		}
	}
	if e.Quantity.IsNegative() {
		r = append(r, "quantity must be >= 0")
	}
	if !e.Quantity.Equal(e.Quantity.Truncate(MaxQuantityDecimals)) {
		r = append(r, fmt.Sprintf("quantity has more than %d decimals", MaxQuantityDecimals))
	}
	if e.Quantity.GreaterThanOrEqual(maxQuantity) {
		// Both databases would keep it exactly, but a 25-digit quantity is a
		// client bug, not usage.
		r = append(r, "quantity is too large")
	}
	switch {
	case e.Timestamp.IsZero():
		r = append(r, "timestamp is required")
	case e.Timestamp.After(now.Add(FutureTolerance)):
		r = append(r, fmt.Sprintf("timestamp is more than %s in the future", FutureTolerance))
	case e.Timestamp.Before(now.Add(-late)):
		r = append(r, fmt.Sprintf("timestamp is older than the late-arrival window of %s", late))
	}
	return r
}

// tooLargeForOneEvent says why quantity q is more than one event may bill
// at rate, or "" when it is not: beyond MaxEventBillable billable units, or
// costing more than MaxEventCents.
func tooLargeForOneEvent(q decimal.Decimal, rate plan.Rate) string {
	if q.Sign() <= 0 || q.GreaterThanOrEqual(maxQuantity) {
		return "" // refused (or not) by the quantity checks
	}
	pr := rate.Price(q)
	switch {
	case pr.Billable > MaxEventBillable:
		return fmt.Sprintf("quantity %s is too large: one event may bill at most %d %s", q, MaxEventBillable, rate.UnitNameBillable)
	case pr.AmountCents > MaxEventCents:
		return fmt.Sprintf("quantity %s is too large: one event may cost at most %d cents at its rate of %s per %s", q,
			MaxEventCents, rate.PricePerBillable, rate.UnitNameBillable)
	}
	return ""
}

// normalize drops trailing zeros, so 1.50 and 1.5 are the same content.
func normalize(d decimal.Decimal) decimal.Decimal {
	s := d.String() // String trims trailing zeros
	n, err := decimal.NewFromString(s)
	if err != nil {
		return d
	}
	return n
}

func sortRejections(rs []Rejection) {
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Index < rs[j].Index })
}

// SetLateWindow changes how old an event of the caller's tenant may be when
// it arrives. It is a tenant-wide setting, so it needs the admin role.
func (s *Service) SetLateWindow(ctx context.Context, p tenancy.Principal, d time.Duration) error {
	if err := p.OnTenant(); err != nil {
		return err
	}
	if err := p.Authorize(tenancy.Admin, tenancy.SystemNamespace); err != nil {
		return err
	}
	if d < time.Hour || d > 400*24*time.Hour {
		return &errs.Error{Kind: errs.Invalid, Message: "invalid request", Fields: []errs.FieldError{{Field: "late_window",
			Problem: "must be between 1 hour and 400 days"}}}
	}
	return s.c.Tx.InTx(ctx, func(ctx context.Context) error {
		before, err := s.c.Repo.LateWindow(ctx, p.TenantID)
		if err != nil {
			return err
		}
		if err := s.c.Repo.SetLateWindow(ctx, p.TenantID, d.Truncate(time.Second)); err != nil {
			return err
		}
		return kernel.Audit(ctx, s.c.Audit, kernel.AuditRecord{TenantID: p.TenantID, Actor: p.Actor(), Action: "usage.late_window",
			Namespace: tenancy.SystemNamespace, Object: "late_window", Before: before.String(), After: d.Truncate(time.Second).String()})
	})
}

// LateWindow returns the caller's tenant late-arrival window.
func (s *Service) LateWindow(ctx context.Context, p tenancy.Principal) (time.Duration, error) {
	if err := p.OnTenant(); err != nil {
		return 0, err
	}
	return s.c.Repo.LateWindow(ctx, p.TenantID)
}
