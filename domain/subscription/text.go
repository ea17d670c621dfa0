package subscription

import (
	"strconv"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/text"
)

// checkText records every string of the input that could not be stored: a
// NUL or invalid UTF-8 fails the PostgreSQL write (a 500) or is silently
// replaced. REST refuses them at its edge; this covers every other caller
// (GraphQL, CLI).
func (in InitiateInput) checkText(f *errs.Fields) {
	text.Check(f, "Idempotency-Key", in.IdempotencyKey)
	text.Check(f, "new_plan", in.NewPlan)
	p := in.Payload
	for _, s := range []struct{ field, v string }{
		{"payload.payment_provider_token", p.PaymentProviderToken}, {"payload.domain", p.Domain},
		{"payload.support_ticket_info", p.SupportTicketInfo}, {"payload.deletion_reason", p.DeletionReason},
		{"payload.deletion_feedback", p.DeletionFeedback},
	} {
		text.Check(f, s.field, s.v)
	}
	for _, l := range []struct {
		field string
		names []string
	}{{"payload.subscribe_addon_services", p.SubscribeAddons}, {"payload.unsubscribe_addon_services", p.UnsubscribeAddons}} {
		for i, n := range l.names {
			text.Check(f, l.field+"["+strconv.Itoa(i)+"]", n)
		}
	}
	for _, c := range []struct {
		field string
		c     *Contact
	}{{"payload.billing_address", p.BillingAddress}, {"payload.payment_address", p.PaymentAddress}} {
		if c.c == nil {
			continue
		}
		for _, s := range []struct{ name, v string }{
			{"address1", c.c.Address1}, {"address2", c.c.Address2}, {"city", c.c.City}, {"contact_type", c.c.ContactType},
			{"country", c.c.Country}, {"county", c.c.County}, {"phone_number", c.c.PhoneNumber}, {"state", c.c.State},
			{"state_code", c.c.StateCode}, {"zip_code", c.c.ZipCode}, {"tax_id", c.c.TaxID},
		} {
			text.Check(f, c.field+"."+s.name, s.v)
		}
	}
}
