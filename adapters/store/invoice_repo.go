package store

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/invoice"
	"github.com/billingd/billingd/domain/payment"
	"github.com/billingd/billingd/domain/subscription"
	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
)

type invoiceRow struct {
	bun.BaseModel `bun:"table:invoices"`
	TenantID      string    `bun:"tenant_id,pk"`
	Name          string    `bun:"name,pk"`
	Number        int64     `bun:"number"`
	PeriodStart   time.Time `bun:"period_start"`
	PeriodEnd     time.Time `bun:"period_end"`
	Status        string    `bun:"status"`
	Currency      string    `bun:"currency"`
	PlanName      string    `bun:"plan_name"`
	TenantName    string    `bun:"tenant_name"`
	AmountCents   int64     `bun:"amount_cents"`
	IssuedAt      time.Time `bun:"issued_at"`
	DueAt         time.Time `bun:"due_at"`
	// The parties as JSON (partyJSON), frozen at issue; '{}' on invoices
	// issued before they were recorded.
	Issuer           string `bun:"issuer"`
	BillTo           string `bun:"bill_to"`
	TaxName          string `bun:"tax_name"`
	TaxJurisdiction  string `bun:"tax_jurisdiction"`
	TaxPercent       string `bun:"tax_percent"`
	TaxReverseCharge bool   `bun:"tax_reverse_charge"`
	TaxCents         int64  `bun:"tax_cents"`
}

// partyJSON is the stored form of an invoice party.
type partyJSON struct {
	Name    string   `json:"name,omitempty"`
	Address []string `json:"address,omitempty"`
	Country string   `json:"country,omitempty"`
	Region  string   `json:"region,omitempty"`
	TaxID   string   `json:"tax_id,omitempty"`
	Contact string   `json:"contact,omitempty"`
}

func partyText(p invoice.Party) (string, error) {
	b, err := json.Marshal(partyJSON(p))
	if err != nil {
		return "", errs.Wrap(errs.Internal, err, "encode invoice party")
	}
	return string(b), nil
}

func partyOf(invoiceName, s string) (invoice.Party, error) {
	var p partyJSON
	if s == "" {
		return invoice.Party{}, nil
	}
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		return invoice.Party{}, errs.Wrap(errs.Internal, err, "stored invoice %s: bad party %q", invoiceName, s)
	}
	return invoice.Party(p), nil
}

type invoiceLineRow struct {
	bun.BaseModel `bun:"table:invoice_lines"`
	TenantID      string `bun:"tenant_id,pk"`
	Invoice       string `bun:"invoice,pk"`
	Seq           int    `bun:"seq,pk"`
	Kind          string `bun:"kind"`
	Description   string `bun:"description"`
	UsageType     string `bun:"usage_type"`
	ForPeriod     string `bun:"for_period"`
	Quantity      string `bun:"quantity"`
	Unit          string `bun:"unit"`
	Billable      string `bun:"billable"`
	BillableUnit  string `bun:"billable_unit"`
	UnitPrice     string `bun:"unit_price"`
	AmountCents   int64  `bun:"amount_cents"`
}

type statusChangeRow struct {
	bun.BaseModel `bun:"table:invoice_status_changes"`
	TenantID      string    `bun:"tenant_id,pk"`
	Invoice       string    `bun:"invoice,pk"`
	ToStatus      string    `bun:"to_status,pk"`
	FromStatus    string    `bun:"from_status"`
	At            time.Time `bun:"at"`
	Actor         string    `bun:"actor"`
}

// InvoiceRepo implements invoice.Repository.
type InvoiceRepo struct{ db *DB }

// NewInvoiceRepo returns the invoice repository.
func NewInvoiceRepo(db *DB) *InvoiceRepo { return &InvoiceRepo{db} }

var _ invoice.Repository = (*InvoiceRepo)(nil)

// invoiceFromRows is the one place a stored invoice becomes a domain value.
// lines nil means "not loaded".
func invoiceFromRows(r invoiceRow, lines []invoiceLineRow) (invoice.Invoice, error) {
	inv := invoice.Invoice{TenantID: r.TenantID, TenantName: r.TenantName, Name: r.Name, Number: r.Number,
		Period: invoice.PeriodOf(r.PeriodStart), Status: invoice.Status(r.Status), Currency: r.Currency, PlanName: r.PlanName,
		IssuedAt: r.IssuedAt.UTC(), DueAt: r.DueAt.UTC(), AmountCents: r.AmountCents,
		Tax: invoice.Tax{Name: r.TaxName, Jurisdiction: r.TaxJurisdiction, ReverseCharge: r.TaxReverseCharge, AmountCents: r.TaxCents}}
	var err error
	if inv.Issuer, err = partyOf(r.Name, r.Issuer); err != nil {
		return invoice.Invoice{}, err
	}
	if inv.BillTo, err = partyOf(r.Name, r.BillTo); err != nil {
		return invoice.Invoice{}, err
	}
	if inv.Tax.Percent, err = decimal.NewFromString(cmp.Or(r.TaxPercent, "0")); err != nil {
		return invoice.Invoice{}, errs.Wrap(errs.Internal, err, "stored invoice %s: bad tax percent %q", r.Name, r.TaxPercent)
	}
	if lines != nil {
		inv.Lines = make([]invoice.Line, 0, len(lines))
	}
	ls, err := linesFromRows(lines)
	if err != nil {
		return invoice.Invoice{}, err
	}
	inv.Lines = append(inv.Lines, ls...)
	return invoice.Rebuild(inv)
}

// linesFromRows turns stored lines into domain lines, in order.
func linesFromRows(lines []invoiceLineRow) ([]invoice.Line, error) {
	out := make([]invoice.Line, 0, len(lines))
	for _, l := range lines {
		var ds [3]decimal.Decimal
		for i, s := range []string{l.Quantity, l.Billable, l.UnitPrice} {
			d, err := decimal.NewFromString(s)
			if err != nil {
				return nil, errs.Wrap(errs.Internal, err, "stored invoice line %s/%d: bad number %q", l.Invoice, l.Seq, s)
			}
			ds[i] = d
		}
		out = append(out, invoice.Line{Kind: invoice.LineKind(l.Kind), Description: l.Description, UsageType: l.UsageType,
			ForPeriod: l.ForPeriod, Quantity: ds[0], Unit: l.Unit, Billable: ds[1], BillableUnit: l.BillableUnit, UnitPrice: ds[2],
			AmountCents: l.AmountCents})
	}
	return out, nil
}

// Tenants implements invoice.Repository.
func (r *InvoiceRepo) Tenants(ctx context.Context, before time.Time) ([]invoice.Tenant, error) {
	var out []invoice.Tenant
	err := r.db.idb(ctx).NewRaw(`SELECT id, name, created_at FROM tenants WHERE created_at < ? ORDER BY id`, before.UTC()).Scan(ctx, &out)
	return out, translate(err)
}

// Tenant implements invoice.Repository.
func (r *InvoiceRepo) Tenant(ctx context.Context, tenantID string) (invoice.Tenant, error) {
	if r.db.memoOn(ctx) {
		t, found, err := r.db.memoTenant(ctx, tenantID)
		if err == nil && !found {
			err = errs.New(errs.NotFound, "tenant not found")
		}
		if err != nil {
			return invoice.Tenant{}, err
		}
		return invoice.Tenant{ID: t.ID, Name: t.Name, CreatedAt: t.CreatedAt.UTC()}, nil
	}
	var t []invoice.Tenant
	if err := r.db.idb(ctx).NewRaw(`SELECT id, name, created_at FROM tenants WHERE id = ?`, tenantID).Scan(ctx, &t); err != nil {
		return invoice.Tenant{}, translate(err)
	}
	if len(t) == 0 {
		return invoice.Tenant{}, errs.New(errs.NotFound, "tenant not found")
	}
	t[0].CreatedAt = t[0].CreatedAt.UTC()
	return t[0], nil
}

func (r *InvoiceRepo) bump(ctx context.Context, tenantID string, by int64) (int64, error) {
	var n int64
	err := r.db.idb(ctx).NewRaw(`INSERT INTO invoice_counters (tenant_id, last_number) VALUES (?, ?)
ON CONFLICT (tenant_id) DO UPDATE SET last_number = invoice_counters.last_number + ? RETURNING last_number`, tenantID, by, by).Scan(ctx, &n)
	return n, translate(err)
}

// LockTenant implements invoice.Repository: the no-op upsert locks the
// counter row until the transaction ends (also for a tenant that has no row
// yet), where the database needs row locks (see dialect.rowLock).
func (r *InvoiceRepo) LockTenant(ctx context.Context, tenantID string) error {
	return r.db.dialect.rowLock(func() error {
		_, err := r.bump(ctx, tenantID, 0)
		return err
	})
}

// NextNumber implements invoice.Repository.
func (r *InvoiceRepo) NextNumber(ctx context.Context, tenantID string) (int64, error) {
	return r.bump(ctx, tenantID, 1)
}

// Insert implements invoice.Repository.
func (r *InvoiceRepo) Insert(ctx context.Context, inv invoice.Invoice, first invoice.StatusChange) error {
	return r.db.InTx(ctx, func(ctx context.Context) error {
		db := r.db.idb(ctx)
		row := invoiceRow{TenantID: inv.TenantID, Name: inv.Name, Number: inv.Number, PeriodStart: inv.Period.Start(), PeriodEnd: inv.Period.End(),
			Status: string(inv.Status), Currency: inv.Currency, PlanName: inv.PlanName, TenantName: inv.TenantName, AmountCents: inv.AmountCents,
			IssuedAt: inv.IssuedAt.UTC(), DueAt: inv.DueAt.UTC(), TaxName: inv.Tax.Name, TaxJurisdiction: inv.Tax.Jurisdiction,
			TaxPercent: inv.Tax.Percent.String(), TaxReverseCharge: inv.Tax.ReverseCharge, TaxCents: inv.Tax.AmountCents}
		var err error
		if row.Issuer, err = partyText(inv.Issuer); err != nil {
			return err
		}
		if row.BillTo, err = partyText(inv.BillTo); err != nil {
			return err
		}
		if _, err := db.NewInsert().Model(&row).Exec(ctx); err != nil {
			return translate(err)
		}
		if len(inv.Lines) > 0 {
			lines := make([]invoiceLineRow, len(inv.Lines))
			for i, l := range inv.Lines {
				lines[i] = invoiceLineRow{TenantID: inv.TenantID, Invoice: inv.Name, Seq: i + 1, Kind: string(l.Kind), Description: l.Description,
					UsageType: l.UsageType, ForPeriod: l.ForPeriod, Quantity: l.Quantity.String(), Unit: l.Unit, Billable: l.Billable.String(),
					BillableUnit: l.BillableUnit, UnitPrice: l.UnitPrice.String(), AmountCents: l.AmountCents}
			}
			if _, err := db.NewInsert().Model(&lines).Exec(ctx); err != nil {
				return translate(err)
			}
		}
		return r.appendChange(ctx, first)
	})
}

func (r *InvoiceRepo) appendChange(ctx context.Context, c invoice.StatusChange) error {
	row := statusChangeRow{TenantID: c.TenantID, Invoice: c.Invoice, ToStatus: string(c.To), FromStatus: string(c.From), At: c.At.UTC(), Actor: c.Actor}
	_, err := r.db.idb(ctx).NewInsert().Model(&row).Exec(ctx)
	return translate(err)
}

// ByPeriod implements invoice.Repository.
func (r *InvoiceRepo) ByPeriod(ctx context.Context, tenantID string, p invoice.Period) (invoice.Invoice, bool, error) {
	if r.db.memoOn(ctx) {
		m, err := r.db.memoInvoices(ctx, tenantID)
		if err != nil {
			return invoice.Invoice{}, false, err
		}
		for _, row := range m.rows {
			if row.PeriodStart.Equal(p.Start()) {
				inv, err := invoiceFromRows(row, nil)
				return inv, err == nil, err
			}
		}
		return invoice.Invoice{}, false, nil
	}
	var rows []invoiceRow
	if err := r.db.idb(ctx).NewSelect().Model(&rows).Where("tenant_id = ? AND period_start = ?", tenantID, p.Start()).Scan(ctx); err != nil {
		return invoice.Invoice{}, false, translate(err)
	}
	if len(rows) == 0 {
		return invoice.Invoice{}, false, nil
	}
	inv, err := invoiceFromRows(rows[0], nil)
	return inv, err == nil, err
}

// Get implements invoice.Repository.
func (r *InvoiceRepo) Get(ctx context.Context, tenantID, name string) (invoice.Invoice, error) {
	var rows []invoiceRow
	if r.db.memoOn(ctx) {
		m, err := r.db.memoInvoices(ctx, tenantID)
		if err != nil {
			return invoice.Invoice{}, err
		}
		for _, row := range m.rows {
			if row.Name == name {
				return invoiceFromRows(row, nonNilLines(m.lines[name]))
			}
		}
	} else if err := r.db.idb(ctx).NewSelect().Model(&rows).Where("tenant_id = ? AND name = ?", tenantID, name).Scan(ctx); err != nil {
		return invoice.Invoice{}, translate(err)
	}
	if len(rows) == 0 {
		return invoice.Invoice{}, errs.New(errs.NotFound, "invoice %q not found", name)
	}
	out, err := r.withLines(ctx, tenantID, rows)
	if err != nil {
		return invoice.Invoice{}, err
	}
	return out[0], nil
}

// loadLines reads the lines of the named invoices of one tenant with one
// query, by invoice name, in line order.
func (r *InvoiceRepo) loadLines(ctx context.Context, tenantID string, names []string) (map[string][]invoiceLineRow, error) {
	by := map[string][]invoiceLineRow{}
	if len(names) == 0 {
		return by, nil
	}
	if r.db.memoOn(ctx) {
		m, err := r.db.memoInvoices(ctx, tenantID)
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			if ls, ok := m.lines[name]; ok {
				by[name] = ls
			}
		}
		return by, nil
	}
	var lines []invoiceLineRow
	if err := r.db.idb(ctx).NewSelect().Model(&lines).Where("tenant_id = ? AND invoice IN (?)", tenantID, bun.List(names)).
		Order("invoice", "seq").Scan(ctx); err != nil {
		return nil, translate(err)
	}
	for _, l := range lines {
		by[l.Invoice] = append(by[l.Invoice], l)
	}
	return by, nil
}

// Lines implements invoice.Repository: one query for all names.
func (r *InvoiceRepo) Lines(ctx context.Context, tenantID string, names []string) (map[string][]invoice.Line, error) {
	by, err := r.loadLines(ctx, tenantID, names)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]invoice.Line, len(by))
	for name, rows := range by {
		if out[name], err = linesFromRows(rows); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// withLines loads the lines of rows (all of one tenant) with one query.
func (r *InvoiceRepo) withLines(ctx context.Context, tenantID string, rows []invoiceRow) ([]invoice.Invoice, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	names := make([]string, len(rows))
	for i, row := range rows {
		names[i] = row.Name
	}
	by, err := r.loadLines(ctx, tenantID, names)
	if err != nil {
		return nil, err
	}
	out := make([]invoice.Invoice, len(rows))
	for i, row := range rows {
		inv, err := invoiceFromRows(row, nonNilLines(by[row.Name]))
		if err != nil {
			return nil, err
		}
		out[i] = inv
	}
	return out, nil
}

// List implements invoice.Repository.
func (r *InvoiceRepo) List(ctx context.Context, tenantID string, limit int) ([]invoice.Invoice, error) {
	if r.db.memoOn(ctx) {
		m, err := r.db.memoInvoices(ctx, tenantID)
		if err != nil {
			return nil, err
		}
		rows := m.rows
		if limit > 0 && len(rows) > limit {
			rows = rows[:limit]
		}
		return r.fromRows(rows)
	}
	var rows []invoiceRow
	if err := r.db.idb(ctx).NewSelect().Model(&rows).Where("tenant_id = ?", tenantID).Order("period_start DESC").Limit(int64(limit)).Scan(ctx); err != nil {
		return nil, translate(err)
	}
	return r.fromRows(rows)
}

func (r *InvoiceRepo) fromRows(rows []invoiceRow) ([]invoice.Invoice, error) {
	out := make([]invoice.Invoice, 0, len(rows))
	for _, row := range rows {
		inv, err := invoiceFromRows(row, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, inv)
	}
	return out, nil
}

// Since implements invoice.Repository.
func (r *InvoiceRepo) Since(ctx context.Context, tenantID string, from time.Time) ([]invoice.Invoice, error) {
	var rows []invoiceRow
	if r.db.memoOn(ctx) {
		m, err := r.db.memoInvoices(ctx, tenantID)
		if err != nil {
			return nil, err
		}
		// The memo is newest first; Since answers oldest first.
		for _, row := range slices.Backward(m.rows) {
			if !row.PeriodStart.Before(from) {
				rows = append(rows, row)
			}
		}
		return r.withLines(ctx, tenantID, rows)
	}
	if err := r.db.idb(ctx).NewSelect().Model(&rows).Where("tenant_id = ? AND period_start >= ?", tenantID, from.UTC()).
		Order("period_start").Scan(ctx); err != nil {
		return nil, translate(err)
	}
	return r.withLines(ctx, tenantID, rows)
}

// SetStatus implements invoice.Repository: a conditional update on the
// stored status (so two concurrent changes cannot both win) and the audit
// entry, in one transaction.
func (r *InvoiceRepo) SetStatus(ctx context.Context, c invoice.StatusChange) error {
	return r.db.InTx(ctx, func(ctx context.Context) error {
		res, err := r.db.idb(ctx).NewUpdate().Table("invoices").Set("status = ?", string(c.To)).
			Where("tenant_id = ? AND name = ? AND status = ?", c.TenantID, c.Invoice, string(c.From)).Exec(ctx)
		if err != nil {
			return translate(err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return errs.New(errs.Conflict, "invoice %s is no longer %s", c.Invoice, c.From)
		}
		return r.appendChange(ctx, c)
	})
}

// StatusChangesOf implements invoice.Repository.
func (r *InvoiceRepo) StatusChangesOf(ctx context.Context, tenantID string, names []string) (map[string][]invoice.StatusChange, error) {
	var rows []statusChangeRow
	if r.db.memoOn(ctx) {
		by, err := r.db.memoStatusChanges(ctx, tenantID)
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			rows = append(rows, by[name]...)
		}
	} else if err := r.db.idb(ctx).NewSelect().Model(&rows).Where("tenant_id = ? AND invoice IN (?)", tenantID, bun.List(names)).
		Order("invoice", "at", "to_status").Scan(ctx); err != nil {
		return nil, translate(err)
	}
	out := map[string][]invoice.StatusChange{}
	for _, row := range rows {
		out[row.Invoice] = append(out[row.Invoice], invoice.StatusChange{TenantID: row.TenantID, Invoice: row.Invoice, At: row.At.UTC(),
			Actor: row.Actor, From: invoice.Status(row.FromStatus), To: invoice.Status(row.ToStatus)})
	}
	return out, nil
}

// StatusChanges implements invoice.Repository.
func (r *InvoiceRepo) StatusChanges(ctx context.Context, tenantID, name string) ([]invoice.StatusChange, error) {
	var rows []statusChangeRow
	if r.db.memoOn(ctx) {
		by, err := r.db.memoStatusChanges(ctx, tenantID)
		if err != nil {
			return nil, err
		}
		rows = by[name]
	} else if err := r.db.idb(ctx).NewSelect().Model(&rows).Where("tenant_id = ? AND invoice = ?", tenantID, name).Order("at", "to_status").Scan(ctx); err != nil {
		return nil, translate(err)
	}
	out := make([]invoice.StatusChange, len(rows))
	for i, row := range rows {
		out[i] = invoice.StatusChange{TenantID: row.TenantID, Invoice: row.Invoice, At: row.At.UTC(), Actor: row.Actor,
			From: invoice.Status(row.FromStatus), To: invoice.Status(row.ToStatus)}
	}
	return out, nil
}

// PastDue implements invoice.Repository.
func (r *InvoiceRepo) PastDue(ctx context.Context, t time.Time) ([]invoice.Invoice, error) {
	var rows []invoiceRow
	if err := r.db.idb(ctx).NewSelect().Model(&rows).Where("status = ? AND due_at < ?", string(invoice.StatusIssued), t.UTC()).
		Order("tenant_id", "name").Scan(ctx); err != nil {
		return nil, translate(err)
	}
	return r.fromRows(rows)
}

// BillingContact implements invoice.ContactSource. The tenant's billing
// contact is, in this order: the billing address of its latest finished
// plan transition that gave one; else the contact of type BILLING of a
// payment method (the primary first, then the newest); else the primary
// payment method's contact. A contact with no address, country or tax id
// counts as none.
func (r *InvoiceRepo) BillingContact(ctx context.Context, tenantID string) (invoice.Party, bool, error) {
	var payloads []string
	if r.db.memoOn(ctx) {
		ts, err := r.db.memoTransitions(ctx, tenantID)
		if err != nil {
			return invoice.Party{}, false, err
		}
		var finished []planTransitionRow
		for _, t := range ts {
			if t.State == string(subscription.StateFinished) {
				finished = append(finished, t)
			}
		}
		slices.SortStableFunc(finished, func(a, b planTransitionRow) int {
			return cmp.Or(b.UpdatedAt.Compare(a.UpdatedAt), cmp.Compare(a.ID, b.ID))
		})
		for _, t := range finished {
			payloads = append(payloads, t.Payload)
		}
	} else if err := r.db.idb(ctx).NewRaw(`SELECT payload FROM plan_transitions WHERE tenant_id = ? AND state = ? ORDER BY updated_at DESC, id`,
		tenantID, string(subscription.StateFinished)).Scan(ctx, &payloads); err != nil {
		return invoice.Party{}, false, translate(err)
	}
	for _, s := range payloads {
		var p subscription.Payload
		if err := json.Unmarshal([]byte(s), &p); err != nil {
			return invoice.Party{}, false, errs.Wrap(errs.Internal, err, "decode transition payload")
		}
		if c := p.BillingAddress; c != nil {
			if party := contactParty(c.Address1, c.Address2, c.ZipCode, c.City, c.County, c.State, c.StateCode, c.Country, c.PhoneNumber, c.TaxID); !party.IsZero() {
				return party, true, nil
			}
		}
	}
	methods, err := NewPaymentRepo(r.db).List(ctx, tenantID)
	if err != nil {
		return invoice.Party{}, false, err
	}
	var billingPrimary, billingAny, primary *payment.Contact
	for _, m := range slices.Backward(methods) { // the newest first
		c := m.Contact
		switch {
		case c.ContactType == payment.ContactBilling && m.Role == payment.RolePrimary:
			billingPrimary = &c
		case c.ContactType == payment.ContactBilling && billingAny == nil:
			billingAny = &c
		}
		if m.Role == payment.RolePrimary {
			primary = &c
		}
	}
	for _, c := range []*payment.Contact{billingPrimary, billingAny, primary} {
		if c == nil {
			continue
		}
		if party := contactParty(c.Address1, c.Address2, c.ZipCode, c.City, c.County, c.State, c.StateCode, c.Country, c.PhoneNumber, c.TaxID); !party.IsZero() {
			return party, true, nil
		}
	}
	return invoice.Party{}, false, nil
}

// contactParty lays a contact out as printed address lines: street lines,
// "zip city", "county, state", country. The region is the state code (or
// the state when it has none), which picks a regional tax rate.
func contactParty(address1, address2, zip, city, county, state, stateCode, country, phone, taxID string) invoice.Party {
	join := func(sep string, parts ...string) string {
		var keep []string
		for _, p := range parts {
			if p = strings.TrimSpace(p); p != "" {
				keep = append(keep, p)
			}
		}
		return strings.Join(keep, sep)
	}
	var lines []string
	for _, l := range []string{join(" ", address1), join(" ", address2), join(" ", zip, city), join(", ", county, state), join(" ", country)} {
		if l != "" {
			lines = append(lines, l)
		}
	}
	return invoice.Party{Address: lines, Country: strings.ToUpper(strings.TrimSpace(country)),
		Region: strings.ToUpper(strings.TrimSpace(cmp.Or(stateCode, state))), TaxID: strings.TrimSpace(taxID), Contact: strings.TrimSpace(phone)}
}

// nonNilLines is ls, or an empty list when nil: a loaded invoice without
// lines has an empty list (nil means "not loaded", see invoiceFromRows).
func nonNilLines(ls []invoiceLineRow) []invoiceLineRow {
	if ls == nil {
		return []invoiceLineRow{}
	}
	return ls
}
