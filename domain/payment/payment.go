// Package payment is the payment-method context: the provider tokens a
// tenant pays with, their roles (at most one primary and one secondary per
// tenant) and the rules for changing them.
//
// Payment methods are tenant-wide. The F5 paths carry a namespace, which
// billingd accepts and ignores: every method is stored under the tenant.
package payment

import (
	"fmt"
	"sort"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/billingd/billingd/domain/errs"
)

// Role is the role of a payment method; its values are the wire enum names.
type Role string

// The stored roles. PAYMENT_METHOD_ROLE_UNKNOWN is never stored: on create it
// means "no role" and becomes RoleNormal.
const (
	RolePrimary   Role = "PAYMENT_METHOD_ROLE_PRIMARY"
	RoleSecondary Role = "PAYMENT_METHOD_ROLE_SECONDARY"
	RoleNormal    Role = "PAYMENT_METHOD_ROLE_NORMAL"
)

// ContactType says what a contact is used for; its values are the wire names.
type ContactType string

// The contact types of contactContactType; MAILING is the default.
const (
	ContactMailing ContactType = "MAILING"
	ContactBilling ContactType = "BILLING"
	ContactPayment ContactType = "PAYMENT"
)

// Contact is contactGlobalSpecType: an address attached to a payment method,
// plus the customer's tax id (VAT number), which invoices print and which
// decides reverse charge. The F5 schema has no tax id: it is set through
// GraphQL only.
type Contact struct {
	Address1, Address2, City, State, StateCode, County, Country, ZipCode, PhoneNumber string
	ContactType                                                                       ContactType
	TaxID                                                                             string
}

// PaymentMethod is one stored payment method of a tenant.
type PaymentMethod struct {
	TenantID string
	// Name is "payment-method-N", N from a per-tenant counter that never
	// goes back, so a deleted name is never given to a new method.
	Name      string
	Seq       int64
	Token     string
	Role      Role
	Contact   Contact
	CreatedAt time.Time
}

// NameFor is the generated name of the tenant's n-th payment method.
func NameFor(n int64) string { return fmt.Sprintf("payment-method-%d", n) }

// Change is a role change of ops 4-6.
type Change int

// The role changes.
const (
	MakePrimary Change = iota + 1
	MakeSecondary
	SwapPrimary
)

func (c Change) String() string {
	switch c {
	case MakePrimary:
		return "primary"
	case MakeSecondary:
		return "secondary"
	case SwapPrimary:
		return "swap-primary"
	}
	return "unknown"
}

// NextRoles computes the roles of every method after change is applied to the
// method called name; ms must be every method of one tenant. The rules keep at
// most one primary and one secondary:
//
//   - MakePrimary: no-op when name is primary. Otherwise name becomes primary,
//     the old primary (if any) becomes NORMAL, and when name was the secondary
//     there is then no secondary (API.md §8).
//   - MakeSecondary: the mirror image: the old secondary becomes NORMAL, and
//     when name was the primary there is then no primary.
//   - SwapPrimary: name becomes primary and "every other becomes secondary",
//     which with three or more methods would break the one-secondary rule. So
//     exactly one other method becomes secondary: the old primary, else the
//     old secondary, else the oldest other method (lowest number); all the
//     rest become NORMAL. With two methods this is exactly the upstream rule.
//
// An unknown name is NotFound.
func NextRoles(ms []PaymentMethod, name string, change Change) (map[string]Role, error) {
	roles := make(map[string]Role, len(ms))
	var target *PaymentMethod
	var primary, secondary string
	for i := range ms {
		m := &ms[i]
		roles[m.Name] = m.Role
		switch m.Role {
		case RolePrimary:
			primary = m.Name
		case RoleSecondary:
			secondary = m.Name
		}
		if m.Name == name {
			target = m
		}
	}
	if target == nil {
		return nil, NotFound(name)
	}
	switch change {
	case MakePrimary:
		if primary != "" && primary != name {
			roles[primary] = RoleNormal
		}
		roles[name] = RolePrimary
	case MakeSecondary:
		if secondary != "" && secondary != name {
			roles[secondary] = RoleNormal
		}
		roles[name] = RoleSecondary
	case SwapPrimary:
		next := ""
		switch {
		case primary != "" && primary != name:
			next = primary
		case secondary != "" && secondary != name:
			next = secondary
		default:
			others := make([]PaymentMethod, 0, len(ms))
			for _, m := range ms {
				if m.Name != name {
					others = append(others, m)
				}
			}
			sort.Slice(others, func(i, j int) bool { return others[i].Seq < others[j].Seq })
			if len(others) > 0 {
				next = others[0].Name
			}
		}
		for n := range roles {
			roles[n] = RoleNormal
		}
		roles[name] = RolePrimary
		if next != "" {
			roles[next] = RoleSecondary
		}
	default:
		return nil, errs.New(errs.Internal, "unknown role change %d", change)
	}
	return roles, nil
}

// CheckRoles reports a broken invariant: more than one primary or secondary.
func CheckRoles(roles map[string]Role) error {
	var p, s []string
	for n, r := range roles {
		switch r {
		case RolePrimary:
			p = append(p, n)
		case RoleSecondary:
			s = append(s, n)
		}
	}
	if len(p) > 1 || len(s) > 1 {
		sort.Strings(p)
		sort.Strings(s)
		return errs.New(errs.Internal, "payment method roles broken: primaries %v, secondaries %v", p, s)
	}
	return nil
}

// NotFound is the error for an unknown payment method name.
func NotFound(name string) error {
	return errs.New(errs.NotFound, "payment method %q not found", name)
}

// LooksLikeCardNumber reports whether s is a raw card number: nothing but
// digits and separators, 13 to 19 digits once the separators are removed,
// passing the Luhn check. A separator is any character that is neither a
// letter nor a digit (space, tab, dot, dash, slash, underscore, a Unicode
// space or an invisible format character): people and programs group card
// digits in every way, and each grouping is still card data. A letter makes
// s a provider token (tok_4111..., pm_...), which may well hold digits.
func LooksLikeCardNumber(s string) bool {
	digits := make([]byte, 0, 19)
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			if len(digits) == 19 {
				return false
			}
			digits = append(digits, byte(r))
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == utf8.RuneError:
			// Letters, digits of other scripts and bytes that are not
			// UTF-8 make s something other than a typed card number.
			return false
		}
	}
	return len(digits) >= 13 && luhn(digits)
}

// luhn reports whether the ASCII digits d pass the Luhn check.
func luhn(d []byte) bool {
	sum := 0
	for i := len(d) - 1; i >= 0; i-- {
		n := int(d[i] - '0')
		if (len(d)-1-i)%2 == 1 {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	return sum%10 == 0
}
