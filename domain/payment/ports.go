package payment

import (
	"context"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/domain/text"
)

// Repository stores payment methods. Every method takes the transaction from
// ctx; the role-changing ones must run inside Service's InTx.
type Repository interface {
	// LockTenant returns every payment method of the tenant, ordered by
	// number, and keeps other writers of the tenant's methods out until the
	// transaction ends (PostgreSQL: row locks; SQLite: its one connection).
	LockTenant(ctx context.Context, tenantID string) ([]PaymentMethod, error)
	// NextSeq returns the tenant's next payment-method number; numbers are
	// never reused.
	NextSeq(ctx context.Context, tenantID string) (int64, error)
	// Insert stores a new method; a duplicate name or a second primary or
	// secondary is a Conflict.
	Insert(ctx context.Context, m PaymentMethod) error
	// SetRoles changes the roles of the named methods in an order that never
	// has two primaries or two secondaries at once.
	SetRoles(ctx context.Context, tenantID string, roles map[string]Role) error
	// Delete removes a method; an unknown name is NotFound.
	Delete(ctx context.Context, tenantID, name string) error
	// List returns the tenant's methods ordered by number, without locking.
	List(ctx context.Context, tenantID string) ([]PaymentMethod, error)
}

// PlanSource tells which plan a tenant is on (plan.Service).
type PlanSource interface {
	PlanOf(ctx context.Context, p tenancy.Principal) (plan.Plan, error)
}

// Limits on stored strings, so a client cannot store megabytes per method.
const (
	maxTokenLen   = 512
	maxContactLen = 256
)

// CreateInput is op 7. Role "" (UNKNOWN on the wire) means NORMAL.
type CreateInput struct {
	Token   string
	Role    Role
	Contact Contact
}

// Validate reports every bad field at once. A token that looks like a raw
// card number is refused: billingd stores provider tokens, never card data.
func (in CreateInput) Validate() error {
	var f errs.Fields
	switch {
	case in.Token == "":
		f.Add("token", "is required: the payment provider's token for the card (e.g. tok-123456)")
	case LooksLikeCardNumber(in.Token):
		f.Add("token", "looks like a raw card number; send the payment provider's token instead, card numbers are never stored")
	case len(in.Token) > maxTokenLen:
		f.Add("token", "is longer than %d bytes", maxTokenLen)
	default:
		text.Check(&f, "token", in.Token)
	}
	switch in.Role {
	case "", RolePrimary, RoleSecondary, RoleNormal:
	default:
		f.Add("role", "%q is not a payment method role", in.Role)
	}
	switch in.Contact.ContactType {
	case "", ContactMailing, ContactBilling, ContactPayment:
	default:
		f.Add("contact.contact_type", "%q is not a contact type", in.Contact.ContactType)
	}
	c := in.Contact
	for _, x := range []struct{ field, v string }{
		{"contact.address1", c.Address1}, {"contact.address2", c.Address2}, {"contact.city", c.City},
		{"contact.state", c.State}, {"contact.state_code", c.StateCode}, {"contact.county", c.County},
		{"contact.country", c.Country}, {"contact.zip_code", c.ZipCode}, {"contact.phone_number", c.PhoneNumber},
		{"contact.tax_id", c.TaxID},
	} {
		if len(x.v) > maxContactLen {
			f.Add(x.field, "is longer than %d bytes", maxContactLen)
		} else {
			text.Check(&f, x.field, x.v)
		}
	}
	return f.Err()
}
