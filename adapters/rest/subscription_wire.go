package rest

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/billingd/billingd/domain/subscription"
)

var (
	deletionReasons = newEnumTable("REASON_UNKNOWN", "REASON_SWITCH_TO_FREE_PLAN", "REASON_NO_LONGER_NEEDED", "REASON_NOT_JUSTIFY_COSTS", "REASON_DIFFICULT_TO_USE")
	contactTypes    = newEnumTable("MAILING", "BILLING", "PAYMENT")
)

// enumValue is a proto3 JSON enum on input: its name or its number.
type enumValue string

// UnmarshalJSON keeps the raw name or number; the handler checks it against
// the enum table so the error names the field.
func (e *enumValue) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*e = ""
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*e = enumValue(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*e = enumValue(n.String())
	return nil
}

// initiateTransitionRequest is plan_transitionInitiatePlanTransitionReq.
type initiateTransitionRequest struct {
	Namespace string                 `json:"namespace"`
	NewPlan   string                 `json:"new_plan"`
	Payload   *transitionPayloadWire `json:"payload"`
}

// transitionPayloadWire is plan_transitionTransitionPayload.
type transitionPayloadWire struct {
	BillingAddress           *contactWire `json:"billing_address"`
	BillingProviderAccountID string       `json:"billing_provider_account_id"`
	CreateSupportTicket      bool         `json:"create_support_ticket"`
	DeletionFeedback         string       `json:"deletion_feedback"`
	DeletionReason           enumValue    `json:"deletion_reason"`
	Domain                   string       `json:"domain"`
	PaymentAddress           *contactWire `json:"payment_address"`
	PaymentProviderToken     string       `json:"payment_provider_token"`
	SubscribeAddonServices   []string     `json:"subscribe_addon_services"`
	SupportTicketInfo        string       `json:"support_ticket_info"`
	TPSubscriptionID         string       `json:"tp_subscription_id"`
	UnsubscribeAddonServices []string     `json:"unsubscribe_addon_services"`
}

// contactWire is schemacontactGlobalSpecType.
type contactWire struct {
	Address1    string    `json:"address1"`
	Address2    string    `json:"address2"`
	City        string    `json:"city"`
	ContactType enumValue `json:"contact_type"`
	Country     string    `json:"country"`
	County      string    `json:"county"`
	PhoneNumber string    `json:"phone_number"`
	State       string    `json:"state"`
	StateCode   string    `json:"state_code"`
	ZipCode     string    `json:"zip_code"`
}

// initiateTransitionResponse is plan_transitionInitiatePlanTransitionRsp.
type initiateTransitionResponse struct {
	ID                     string `json:"id"`
	RequiresManualApproval bool   `json:"requires_manual_approval"`
}

// getTransitionResponse is plan_transitionGetPlanTransitionRsp.
type getTransitionResponse struct {
	State string `json:"state"`
}

// listSubscriptionsResponse is subscriptionListSubscriptionsRsp.
type listSubscriptionsResponse struct {
	Subscriptions []subscriptionWire `json:"subscriptions"`
}

// subscriptionWire is subscriptionSubscriptionType. Zero values are
// written (API.md §1); the dates are google.protobuf.Timestamp messages,
// absent (not "") when unset, as cancellation_date of an open subscription.
type subscriptionWire struct {
	Name                       string       `json:"name"`
	PlanName                   string       `json:"plan_name"`
	PlanObjectName             string       `json:"plan_object_name"`
	StartDate                  string       `json:"start_date,omitempty"`
	CancellationDate           string       `json:"cancellation_date,omitempty"`
	LastBillingPeriodStartDate string       `json:"last_billing_period_start_date,omitempty"`
	LastBillingPeriodEndDate   string       `json:"last_billing_period_end_date,omitempty"`
	Current                    bool         `json:"current"`
	Cancelled                  bool         `json:"cancelled"`
	PreviousBillingPeriods     []periodWire `json:"previous_billing_periods"`
}

// periodWire is subscriptionPeriod. The invoice links stay empty: invoices
// are found through the invoice list, not through periods.
type periodWire struct {
	UID               string   `json:"uid"`
	StartDate         string   `json:"start_date,omitempty"`
	EndDate           string   `json:"end_date,omitempty"`
	InternalStartDate string   `json:"internal_start_date,omitempty"`
	InternalEndDate   string   `json:"internal_end_date,omitempty"`
	Trial             bool     `json:"trial"`
	Invoices          []string `json:"invoices"`
	PendingInvoice    []string `json:"pending_invoice"`
	ClosedInvoice     []string `json:"closed_invoice"`
}

// subscriptionToWire maps a subscription: the name is sub-<uuid>; plan_name
// is the plan title (or add-on display name), plan_object_name the catalog
// name. The running (or final) period is last_billing_period_*, the ones
// before it are previous_billing_periods.
func subscriptionToWire(v subscription.SubscriptionView) subscriptionWire {
	w := subscriptionWire{Name: "sub-" + v.ID, PlanName: v.Title, PlanObjectName: v.Name, StartDate: ts(v.Start),
		CancellationDate: ts(v.End), Current: v.Current(), Cancelled: !v.Open(), PreviousBillingPeriods: []periodWire{}}
	if n := len(v.Periods); n > 0 {
		last := v.Periods[n-1]
		w.LastBillingPeriodStartDate, w.LastBillingPeriodEndDate = ts(last.Start), ts(last.End)
		for _, p := range v.Periods[:n-1] {
			w.PreviousBillingPeriods = append(w.PreviousBillingPeriods, periodWire{UID: p.UID, StartDate: ts(p.Start), EndDate: ts(p.End),
				InternalStartDate: ts(p.InternalStart), InternalEndDate: ts(p.InternalEnd), Trial: p.Trial,
				Invoices: []string{}, PendingInvoice: []string{}, ClosedInvoice: []string{}})
		}
	}
	return w
}

func parseBool(field, raw string) (bool, error) {
	if raw == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(raw)
	if err != nil {
		return false, bodyError(field, "%q is not a boolean (true or false)", raw)
	}
	return b, nil
}
