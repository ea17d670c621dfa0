package store

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/payment"
	"github.com/uptrace/bun"
)

type paymentMethodRow struct {
	bun.BaseModel `bun:"table:payment_methods"`
	TenantID      string    `bun:"tenant_id,pk"`
	Name          string    `bun:"name,pk"`
	Seq           int64     `bun:"seq"`
	Token         string    `bun:"token"`
	Role          string    `bun:"role"`
	Contact       string    `bun:"contact"`
	CreatedAt     time.Time `bun:"created_at"`
}

// contactJSON is the stored contact; its names are the wire names.
type contactJSON struct {
	Address1    string `json:"address1,omitempty"`
	Address2    string `json:"address2,omitempty"`
	City        string `json:"city,omitempty"`
	State       string `json:"state,omitempty"`
	StateCode   string `json:"state_code,omitempty"`
	County      string `json:"county,omitempty"`
	Country     string `json:"country,omitempty"`
	ZipCode     string `json:"zip_code,omitempty"`
	PhoneNumber string `json:"phone_number,omitempty"`
	ContactType string `json:"contact_type,omitempty"`
	TaxID       string `json:"tax_id,omitempty"`
}

func paymentToRow(m payment.PaymentMethod) (paymentMethodRow, error) {
	c := m.Contact
	b, err := json.Marshal(contactJSON{c.Address1, c.Address2, c.City, c.State, c.StateCode, c.County, c.Country, c.ZipCode, c.PhoneNumber, string(c.ContactType), c.TaxID})
	if err != nil {
		return paymentMethodRow{}, errs.Wrap(errs.Internal, err, "encode contact")
	}
	return paymentMethodRow{TenantID: m.TenantID, Name: m.Name, Seq: m.Seq, Token: m.Token, Role: string(m.Role), Contact: string(b), CreatedAt: m.CreatedAt.UTC()}, nil
}

// paymentFromRow is the one place a stored payment method becomes a domain value.
func paymentFromRow(r paymentMethodRow) (payment.PaymentMethod, error) {
	var c contactJSON
	if err := json.Unmarshal([]byte(r.Contact), &c); err != nil {
		return payment.PaymentMethod{}, errs.Wrap(errs.Internal, err, "decode stored contact")
	}
	return payment.PaymentMethod{TenantID: r.TenantID, Name: r.Name, Seq: r.Seq, Token: r.Token, Role: payment.Role(r.Role), CreatedAt: r.CreatedAt.UTC(),
		Contact: payment.Contact{Address1: c.Address1, Address2: c.Address2, City: c.City, State: c.State, StateCode: c.StateCode, County: c.County,
			Country: c.Country, ZipCode: c.ZipCode, PhoneNumber: c.PhoneNumber, ContactType: payment.ContactType(c.ContactType), TaxID: c.TaxID}}, nil
}

// PaymentRepo implements payment.Repository.
type PaymentRepo struct{ db *DB }

// NewPaymentRepo returns the payment-method repository.
func NewPaymentRepo(db *DB) *PaymentRepo { return &PaymentRepo{db} }

var _ payment.Repository = (*PaymentRepo)(nil)

// bumpSeq upserts the tenant's counter row, adding by (0 or 1), and returns
// the counter. On PostgreSQL the upsert locks that row until the transaction
// ends, which makes it the per-tenant lock of every payment-method writer,
// also for a tenant with no method rows yet to lock.
func (r *PaymentRepo) bumpSeq(ctx context.Context, tenantID string, by int64) (int64, error) {
	var n int64
	err := r.db.idb(ctx).NewRaw(`INSERT INTO payment_method_seqs (tenant_id, last_seq) VALUES (?, ?)
ON CONFLICT (tenant_id) DO UPDATE SET last_seq = payment_method_seqs.last_seq + ? RETURNING last_seq`, tenantID, by, by).Scan(ctx, &n)
	return n, translate(err)
}

// NextSeq implements payment.Repository.
func (r *PaymentRepo) NextSeq(ctx context.Context, tenantID string) (int64, error) {
	return r.bumpSeq(ctx, tenantID, 1)
}

// LockTenant implements payment.Repository: the counter row first (one lock
// per tenant, so writers never deadlock on row order), then the methods FOR
// UPDATE, where the database needs row locks (see dialect.rowLock).
func (r *PaymentRepo) LockTenant(ctx context.Context, tenantID string) ([]payment.PaymentMethod, error) {
	if err := r.db.dialect.rowLock(func() error {
		_, err := r.bumpSeq(ctx, tenantID, 0)
		return err
	}); err != nil {
		return nil, err
	}
	return r.list(ctx, tenantID, true)
}

// List implements payment.Repository.
func (r *PaymentRepo) List(ctx context.Context, tenantID string) ([]payment.PaymentMethod, error) {
	return r.list(ctx, tenantID, false)
}

func (r *PaymentRepo) list(ctx context.Context, tenantID string, lock bool) ([]payment.PaymentMethod, error) {
	var rows []paymentMethodRow
	if !lock && r.db.memoOn(ctx) {
		var err error
		if rows, err = r.db.memoPayments(ctx, tenantID); err != nil {
			return nil, err
		}
	} else {
		q := r.db.idb(ctx).NewSelect().Model(&rows).Where("tenant_id = ?", tenantID).Order("seq")
		if lock {
			q = r.db.dialect.forUpdate(q)
		}
		if err := q.Scan(ctx); err != nil {
			return nil, translate(err)
		}
	}
	out := make([]payment.PaymentMethod, 0, len(rows))
	for _, row := range rows {
		m, err := paymentFromRow(row)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// Insert implements payment.Repository.
func (r *PaymentRepo) Insert(ctx context.Context, m payment.PaymentMethod) error {
	row, err := paymentToRow(m)
	if err != nil {
		return err
	}
	_, err = r.db.idb(ctx).NewInsert().Model(&row).Exec(ctx)
	if errs.Is(translate(err), errs.Conflict) {
		return errs.Wrap(errs.Conflict, err, "payment method %q conflicts with an existing one (name, or a second %s)", m.Name, m.Role)
	}
	return translate(err)
}

// SetRoles implements payment.Repository. The partial unique indexes are
// checked row by row, so every changed method first becomes NORMAL and only
// then takes its new role: a swap never has two primaries in between.
func (r *PaymentRepo) SetRoles(ctx context.Context, tenantID string, roles map[string]payment.Role) error {
	if len(roles) == 0 {
		return nil
	}
	names := make([]string, 0, len(roles))
	for n := range roles {
		names = append(names, n)
	}
	sort.Strings(names)
	return r.db.InTx(ctx, func(ctx context.Context) error {
		db := r.db.idb(ctx)
		res, err := db.NewUpdate().Model((*paymentMethodRow)(nil)).Set("role = ?", string(payment.RoleNormal)).
			Where("tenant_id = ? AND name IN (?)", tenantID, bun.List(names)).Exec(ctx)
		if err != nil {
			return translate(err)
		}
		if n, _ := res.RowsAffected(); n != int64(len(names)) {
			return errs.New(errs.NotFound, "payment method not found among %v", names)
		}
		for _, n := range names {
			if roles[n] == payment.RoleNormal {
				continue
			}
			if _, err := db.NewUpdate().Model((*paymentMethodRow)(nil)).Set("role = ?", string(roles[n])).
				Where("tenant_id = ? AND name = ?", tenantID, n).Exec(ctx); err != nil {
				return translate(err)
			}
		}
		return nil
	})
}

// Delete implements payment.Repository.
func (r *PaymentRepo) Delete(ctx context.Context, tenantID, name string) error {
	res, err := r.db.idb(ctx).NewDelete().Model((*paymentMethodRow)(nil)).Where("tenant_id = ? AND name = ?", tenantID, name).Exec(ctx)
	if err != nil {
		return translate(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return payment.NotFound(name)
	}
	return nil
}
