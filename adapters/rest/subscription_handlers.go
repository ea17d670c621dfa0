package rest

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/subscription"
)

// initiatePlanTransition is op 10. The namespace is ignored (transitions are
// tenant-wide); an Idempotency-Key header replays the first answer.
func (a *api) initiatePlanTransition(_ http.ResponseWriter, r *http.Request) (any, error) {
	var req initiateTransitionRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	in := subscription.InitiateInput{NewPlan: req.NewPlan, IdempotencyKey: r.Header.Get("Idempotency-Key")}
	if p := req.Payload; p != nil {
		var f errs.Fields
		in.Payload = subscription.Payload{PaymentProviderToken: p.PaymentProviderToken, Domain: p.Domain,
			SubscribeAddons: p.SubscribeAddonServices, UnsubscribeAddons: p.UnsubscribeAddonServices,
			CreateSupportTicket: p.CreateSupportTicket, SupportTicketInfo: p.SupportTicketInfo, DeletionFeedback: p.DeletionFeedback,
			BillingAddress: contactFromWire("payload.billing_address", p.BillingAddress, &f),
			PaymentAddress: contactFromWire("payload.payment_address", p.PaymentAddress, &f)}
		if p.DeletionReason != "" {
			v, err := deletionReasons.parse("payload.deletion_reason", string(p.DeletionReason))
			if err != nil {
				return nil, err
			}
			in.Payload.DeletionReason = v
		}
		if err := f.Err(); err != nil {
			return nil, err
		}
	}
	res, err := a.Subscriptions.Initiate(r.Context(), caller(r), in)
	if err != nil {
		return nil, err
	}
	return initiateTransitionResponse{ID: res.ID, RequiresManualApproval: res.RequiresManualApproval}, nil
}

func contactFromWire(field string, c *contactWire, f *errs.Fields) *subscription.Contact {
	if c == nil {
		return nil
	}
	out := &subscription.Contact{Address1: c.Address1, Address2: c.Address2, City: c.City, Country: c.Country, County: c.County,
		PhoneNumber: c.PhoneNumber, State: c.State, StateCode: c.StateCode, ZipCode: c.ZipCode}
	if c.ContactType != "" {
		v, err := contactTypes.parse(field+".contact_type", string(c.ContactType))
		if err != nil {
			*f = append(*f, err.(*errs.Error).Fields...)
		}
		out.ContactType = v
	}
	return out
}

// getPlanTransition is op 9: public (no token), only the state.
func (a *api) getPlanTransition(_ http.ResponseWriter, r *http.Request) (any, error) {
	id, err := queryValue(r, "id")
	if err != nil {
		return nil, err
	}
	st, err := a.Subscriptions.TransitionState(r.Context(), caller(r), id)
	if err != nil {
		return nil, err
	}
	return getTransitionResponse{State: string(st)}, nil
}

// listSubscriptions is op 18; the namespace is ignored (subscriptions are
// tenant-wide).
func (a *api) listSubscriptions(_ http.ResponseWriter, r *http.Request) (any, error) {
	raw, err := queryValue(r, "current")
	if err != nil {
		return nil, err
	}
	current, err := parseBool("current", raw)
	if err != nil {
		return nil, err
	}
	vs, err := a.Subscriptions.ListSubscriptions(r.Context(), caller(r), current)
	if err != nil {
		return nil, err
	}
	resp := listSubscriptionsResponse{Subscriptions: make([]subscriptionWire, 0, len(vs))}
	for _, v := range vs {
		resp.Subscriptions = append(resp.Subscriptions, subscriptionToWire(v))
	}
	return resp, nil
}

// addonChoice decodes the addon_choice one-of of ops 19 and 20: exactly one
// of the 13 add-on keys, set to {}.
func addonChoice(r *http.Request) (string, error) {
	var body map[string]json.RawMessage
	if err := decodeBody(r, &body); err != nil {
		return "", err
	}
	known := plan.AddonNames()
	var chosen []string
	for _, k := range slices.Sorted(maps.Keys(body)) {
		v := bytes.TrimSpace(body[k])
		switch {
		case k == "":
			// The key "" has no name to point at.
			return "", bodyError("addon_choice", "unknown field \"\"; want exactly one of %s", strings.Join(known, ", "))
		case !slices.Contains(known, k):
			return "", bodyError(k, "unknown field; want exactly one of %s", strings.Join(known, ", "))
		case bytes.Equal(v, []byte("null")):
			continue
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(v, &obj); err != nil || len(obj) != 0 {
			return "", bodyError(k, "must be {} (schemaEmpty)")
		}
		chosen = append(chosen, k)
	}
	switch len(chosen) {
	case 1:
		return chosen[0], nil
	case 0:
		return "", bodyError("addon_choice", "set exactly one add-on key to {}, e.g. {\"f5xc_waap_standard\": {}}")
	}
	return "", bodyError("addon_choice", "set exactly one add-on key, not %d (%s)", len(chosen), strings.Join(chosen, ", "))
}

// subscribeAddon is op 19. Subscribing twice is a no-op.
func (a *api) subscribeAddon(_ http.ResponseWriter, r *http.Request) (any, error) {
	name, err := addonChoice(r)
	if err != nil {
		return nil, err
	}
	if err := a.Subscriptions.Subscribe(r.Context(), caller(r), name); err != nil {
		return nil, err
	}
	return empty{}, nil
}

// unsubscribeAddon is op 20. Unsubscribing what is not subscribed is a no-op.
func (a *api) unsubscribeAddon(_ http.ResponseWriter, r *http.Request) (any, error) {
	name, err := addonChoice(r)
	if err != nil {
		return nil, err
	}
	if err := a.Subscriptions.Unsubscribe(r.Context(), caller(r), name); err != nil {
		return nil, err
	}
	return empty{}, nil
}
