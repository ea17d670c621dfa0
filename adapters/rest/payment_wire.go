package rest

import (
	"encoding/json"
	"strings"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/payment"
)

var (
	paymentMethodRoles  = newEnumTable("PAYMENT_METHOD_ROLE_UNKNOWN", "PAYMENT_METHOD_ROLE_PRIMARY", "PAYMENT_METHOD_ROLE_SECONDARY", "PAYMENT_METHOD_ROLE_NORMAL")
	paymentContactTypes = newEnumTable("MAILING", "BILLING", "PAYMENT")
)

// createPaymentMethodRequest is payment_methodCreatePaymentMethodRequest.
// Enums are raw so both their names and their numbers are accepted.
type createPaymentMethodRequest struct {
	Namespace string              `json:"namespace,omitempty"`
	Token     string              `json:"token,omitempty"`
	Role      json.RawMessage     `json:"role,omitempty"`
	Contact   *paymentContactWire `json:"contact,omitempty"`
}

// paymentContactWire is contactGlobalSpecType.
type paymentContactWire struct {
	Address1    string          `json:"address1,omitempty"`
	Address2    string          `json:"address2,omitempty"`
	City        string          `json:"city,omitempty"`
	State       string          `json:"state,omitempty"`
	StateCode   string          `json:"state_code,omitempty"`
	County      string          `json:"county,omitempty"`
	Country     string          `json:"country,omitempty"`
	ZipCode     string          `json:"zip_code,omitempty"`
	PhoneNumber string          `json:"phone_number,omitempty"`
	ContactType json.RawMessage `json:"contact_type,omitempty"`
}

// createPaymentMethodResponse is payment_methodCreatePaymentMethodResponse.
type createPaymentMethodResponse struct {
	Name string `json:"name"`
}

// paymentMethodRoleRequest is PaymentMethodPrimaryReq, …SecondaryReq and
// …RoleSwapReq: the path overwrites both fields, so they are only accepted.
type paymentMethodRoleRequest struct {
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name,omitempty"`
}

// rawEnum reads a JSON enum value (a name string or a number) through t;
// absent or null is the default (first) value.
func rawEnum(t enumTable, field string, raw json.RawMessage, f *errs.Fields) string {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return t.names[0]
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(raw, &s); err != nil {
			f.Add(field, "is not a JSON string or number")
			return ""
		}
	}
	v, err := t.parse(field, s)
	if err != nil {
		f.Add(field, "%s", errs.As(err).Fields[0].Problem)
	}
	return v
}

// input maps the wire request to the domain input. UNKNOWN (or no role)
// means a method with no role: NORMAL.
func (req createPaymentMethodRequest) input() (payment.CreateInput, error) {
	var f errs.Fields
	in := payment.CreateInput{Token: req.Token}
	if role := rawEnum(paymentMethodRoles, "role", req.Role, &f); role != paymentMethodRoles.names[0] {
		in.Role = payment.Role(role)
	}
	if c := req.Contact; c != nil {
		in.Contact = payment.Contact{Address1: c.Address1, Address2: c.Address2, City: c.City, State: c.State, StateCode: c.StateCode,
			County: c.County, Country: c.Country, ZipCode: c.ZipCode, PhoneNumber: c.PhoneNumber,
			ContactType: payment.ContactType(rawEnum(paymentContactTypes, "contact.contact_type", c.ContactType, &f))}
	}
	if len(f) > 0 {
		// Report the domain's problems too, so every bad field is named at once.
		if err := in.Validate(); err != nil {
			for _, fe := range errs.As(err).Fields {
				if fe.Field != "role" && fe.Field != "contact.contact_type" {
					f = append(f, fe)
				}
			}
		}
		return in, f.Err()
	}
	return in, nil
}
