package subscription

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/domain/text"
	"github.com/google/uuid"
)

// TransitionState is plan_transitionState (API.md §12), by its wire name.
type TransitionState string

// The states of a plan transition. CREATING and WAITING_FOR_APPROVAL are "in
// flight": a tenant has at most one such transition.
const (
	StateCreating           TransitionState = "STATE_CREATING"
	StateFailed             TransitionState = "STATE_FAILED"
	StateFinished           TransitionState = "STATE_FINISHED"
	StateWaitingForApproval TransitionState = "STATE_WAITING_FOR_APPROVAL"
)

// InFlight reports whether the state still blocks another transition.
func (s TransitionState) InFlight() bool { return s == StateCreating || s == StateWaitingForApproval }

// Contact is schemacontactGlobalSpecType.
type Contact struct {
	Address1    string `json:"address1,omitempty"`
	Address2    string `json:"address2,omitempty"`
	City        string `json:"city,omitempty"`
	ContactType string `json:"contact_type,omitempty"`
	Country     string `json:"country,omitempty"`
	County      string `json:"county,omitempty"`
	PhoneNumber string `json:"phone_number,omitempty"`
	State       string `json:"state,omitempty"`
	StateCode   string `json:"state_code,omitempty"`
	ZipCode     string `json:"zip_code,omitempty"`
	// TaxID is the customer's tax id (VAT number) printed on its invoices;
	// the F5 schema has none, so only GraphQL sets it.
	TaxID string `json:"tax_id,omitempty"`
}

// Payload is plan_transitionTransitionPayload without the two backend-set ids.
type Payload struct {
	PaymentProviderToken string   `json:"payment_provider_token,omitempty"`
	PaymentAddress       *Contact `json:"payment_address,omitempty"`
	BillingAddress       *Contact `json:"billing_address,omitempty"`
	Domain               string   `json:"domain,omitempty"`
	SubscribeAddons      []string `json:"subscribe_addon_services,omitempty"`
	UnsubscribeAddons    []string `json:"unsubscribe_addon_services,omitempty"`
	CreateSupportTicket  bool     `json:"create_support_ticket,omitempty"`
	SupportTicketInfo    string   `json:"support_ticket_info,omitempty"`
	DeletionReason       string   `json:"deletion_reason,omitempty"`
	DeletionFeedback     string   `json:"deletion_feedback,omitempty"`
}

// Transition is one request to move a tenant to another plan.
type Transition struct {
	TenantID               string
	ID                     string // uuid
	OldPlan                string // the plan when it was processed; empty while CREATING
	NewPlan                string
	State                  TransitionState
	RequiresManualApproval bool
	// Payload is kept without the payment token: the payment methods own
	// cards; a transition only needs to know one was given.
	Payload       Payload
	FailureReason string
	// DecidedBy is who approved or rejected it: "operator:ID" (an operator
	// token) or "operator" (the command line).
	DecidedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// InitiateInput is InitiatePlanTransition: the namespace is ignored.
type InitiateInput struct {
	NewPlan        string
	Payload        Payload
	IdempotencyKey string
}

// InitiateResult is plan_transitionInitiatePlanTransitionRsp.
type InitiateResult struct {
	ID                     string `json:"id"`
	RequiresManualApproval bool   `json:"requires_manual_approval,omitempty"`
	// Replayed is true when the answer came from an earlier request with the
	// same Idempotency-Key.
	Replayed bool `json:"-"`
}

// Validate reports every bad field against the catalog at once: the target
// plan exists, the payload has what its transition flow requires, and the
// add-on lists name add-ons the target allows.
func (in InitiateInput) Validate(cat *plan.Catalog) error {
	var f errs.Fields
	if len(in.IdempotencyKey) > 255 {
		f.Add("Idempotency-Key", "must be at most 255 characters")
	}
	in.checkText(&f)
	if in.NewPlan == "" {
		f.Add("new_plan", "is required: the name of the target plan")
		return f.Err()
	}
	target, ok := cat.Plan(in.NewPlan)
	if !ok {
		f.Add("new_plan", "%q is not a plan of the catalog", in.NewPlan)
		return f.Err()
	}
	p := in.Payload
	for _, rf := range target.TransitionFlow.RequiredFields {
		switch rf {
		case plan.TransitionRequiredFieldPaymentToken:
			if strings.TrimSpace(p.PaymentProviderToken) == "" {
				f.Add("payload.payment_provider_token", "plan %q requires a payment provider token", target.Name)
			}
		case plan.TransitionRequiredFieldDomain:
			if strings.TrimSpace(p.Domain) == "" {
				f.Add("payload.domain", "plan %q requires the tenant's domain", target.Name)
			}
		case plan.TransitionRequiredFieldContacts:
			if p.BillingAddress == nil {
				f.Add("payload.billing_address", "plan %q requires billing contacts (address1, city, country)", target.Name)
				break
			}
			for _, c := range []struct{ name, v string }{{"address1", p.BillingAddress.Address1}, {"city", p.BillingAddress.City}, {"country", p.BillingAddress.Country}} {
				if strings.TrimSpace(c.v) == "" {
					f.Add("payload.billing_address."+c.name, "is required by plan %q", target.Name)
				}
			}
		}
	}
	known := plan.AddonNames()
	check := func(field string, names []string, mustAllow bool) {
		seen := map[string]bool{}
		for i, n := range names {
			at := fmt.Sprintf("%s[%d]", field, i)
			switch {
			case !slices.Contains(known, n):
				f.Add(at, "%q is not an add-on service; want one of %s", n, strings.Join(known, ", "))
			case seen[n]:
				f.Add(at, "%q is listed twice", n)
			case mustAllow && !target.AllowsAddon(n):
				f.Add(at, "plan %q does not allow add-on %q; allowed: %s", target.Name, n, listOrNone(target.AllowedAddons))
			}
			seen[n] = true
		}
	}
	check("payload.subscribe_addon_services", p.SubscribeAddons, true)
	check("payload.unsubscribe_addon_services", p.UnsubscribeAddons, false)
	for _, n := range p.SubscribeAddons {
		if slices.Contains(p.UnsubscribeAddons, n) {
			f.Add("payload.unsubscribe_addon_services", "%q is also in subscribe_addon_services", n)
		}
	}
	return f.Err()
}

func listOrNone(ss []string) string {
	if len(ss) == 0 {
		return "none"
	}
	return strings.Join(ss, ", ")
}

func (s *Service) now() time.Time { return s.c.Clock.Now().UTC().Truncate(time.Microsecond) }

const initiateScope = "plan_transition.initiate"

// Initiate starts a plan transition for the caller's tenant (admin only).
// Without manual approval it is processed at once, in the same transaction:
// the answer's transition is FINISHED or FAILED by the time it is returned.
func (s *Service) Initiate(ctx context.Context, p tenancy.Principal, in InitiateInput) (InitiateResult, error) {
	if err := p.OnTenant(); err != nil {
		return InitiateResult{}, err
	}
	if err := p.Authorize(tenancy.Admin, tenancy.SystemNamespace); err != nil {
		return InitiateResult{}, err
	}
	if err := in.Validate(s.c.Plans.Catalog()); err != nil {
		return InitiateResult{}, err
	}
	target, _ := s.c.Plans.Catalog().Plan(in.NewPlan)
	var res InitiateResult
	err := s.c.Tx.InTx(ctx, func(ctx context.Context) error {
		res = InitiateResult{}
		if in.IdempotencyKey != "" {
			answer, found, err := s.c.Idempotency.Claim(ctx, p.TenantID, initiateScope, in.IdempotencyKey, initiateHash(in))
			if err != nil {
				return err
			}
			if found {
				res.Replayed = true
				return json.Unmarshal(answer, &res)
			}
		}
		now := s.now()
		payload := in.Payload
		if payload.PaymentProviderToken != "" {
			payload.PaymentProviderToken = "provided"
		}
		t := Transition{TenantID: p.TenantID, ID: uuid.NewString(), NewPlan: target.Name, State: StateCreating,
			RequiresManualApproval: target.TransitionFlow.RequiresManualApproval, Payload: payload, CreatedAt: now, UpdatedAt: now}
		// The insert comes first: it waits for a concurrent initiate of the
		// same tenant (unique index on in-flight rows), so the plan read
		// below sees what that one committed.
		if err := s.c.Repo.InsertTransition(ctx, t); err != nil {
			return err
		}
		cur, err := s.c.Plans.PlanOf(ctx, p)
		if err != nil {
			return err
		}
		if !cur.CanTransitionTo(target.Name) {
			return &errs.Error{Kind: errs.Invalid, Message: "invalid request", Fields: []errs.FieldError{{Field: "new_plan",
				Problem: fmt.Sprintf("the tenant is on plan %q, which cannot move to %q; allowed: %s", cur.Name, target.Name, listOrNone(cur.AllowedTransitions))}}}
		}
		t.OldPlan = cur.Name
		if t.RequiresManualApproval {
			t.State = StateWaitingForApproval
			if err := s.c.Repo.UpdateTransition(ctx, t, StateCreating); err != nil {
				return err
			}
		} else if err := s.process(ctx, p, t, false); err != nil {
			return err
		}
		res = InitiateResult{ID: t.ID, RequiresManualApproval: t.RequiresManualApproval}
		stored, err := s.c.Repo.GetTransition(ctx, p.TenantID, t.ID)
		if err != nil {
			return err
		}
		if err := s.audit(ctx, p.TenantID, p.Actor(), "plan_transition.initiate", t.ID, map[string]string{"plan": cur.Name}, stored); err != nil {
			return err
		}
		if in.IdempotencyKey != "" {
			answer, err := json.Marshal(res)
			if err != nil {
				return errs.Wrap(errs.Internal, err, "encode transition answer")
			}
			return s.c.Idempotency.Complete(ctx, p.TenantID, initiateScope, in.IdempotencyKey, answer)
		}
		return nil
	})
	if err != nil {
		return InitiateResult{}, err
	}
	return res, nil
}

func initiateHash(in InitiateInput) string {
	b, _ := json.Marshal(struct {
		Plan    string
		Payload Payload
	}{in.NewPlan, in.Payload})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// process takes a CREATING transition to FINISHED or FAILED, inside the
// caller's transaction. A FAILED outcome is a normal result, not an error.
// p is who processes it (the initiating admin, or the approving operator):
// the plan and quota reads act for p on the transition's tenant.
func (s *Service) process(ctx context.Context, p tenancy.Principal, t Transition, force bool) error {
	now := s.now()
	t.UpdatedAt = now
	on, err := p.ActingOn(t.TenantID)
	if err != nil {
		return err
	}
	target, ok := s.c.Plans.Catalog().Plan(t.NewPlan)
	cur, err := s.c.Plans.PlanOf(ctx, on)
	if err != nil {
		return err
	}
	t.OldPlan = cur.Name
	switch {
	case !ok:
		t.State, t.FailureReason = StateFailed, fmt.Sprintf("plan %q is no longer in the catalog", t.NewPlan)
	case !cur.CanTransitionTo(target.Name):
		t.State, t.FailureReason = StateFailed, fmt.Sprintf("the tenant is on plan %q, which cannot move to %q", cur.Name, target.Name)
	}
	if t.State == StateCreating && !force {
		// Misfits locks the tenant's limits against reservations until this
		// transaction ends, so no reservation made under the old plan's limits
		// can land between its check and the switch below.
		mis, err := s.c.Quotas.Misfits(ctx, on, target.DefaultQuota)
		if err != nil {
			return err
		}
		if len(mis) > 0 {
			parts := make([]string, len(mis))
			for i, m := range mis {
				parts[i] = m.String()
			}
			t.State = StateFailed
			t.FailureReason = fmt.Sprintf("the default quota of plan %q does not fit current usage: %s", target.Name, strings.Join(parts, "; "))
		}
	}
	if t.State == StateCreating {
		if err := s.switchPlan(ctx, t, cur, target, now); err != nil {
			return err
		}
		t.State = StateFinished
	}
	return s.c.Repo.UpdateTransition(ctx, t, StateCreating)
}

// switchPlan moves the tenant from cur to target at now: the plan record,
// the plan subscription (closed and reopened), the add-ons of the payload
// and the ones the new plan does not allow (closed), and the change record.
func (s *Service) switchPlan(ctx context.Context, t Transition, cur, target plan.Plan, now time.Time) error {
	if err := s.ensurePlanSubscription(ctx, t.TenantID, cur, now); err != nil {
		return err
	}
	if _, err := s.c.Repo.CloseSubscription(ctx, t.TenantID, KindPlan, "", now); err != nil {
		return err
	}
	if _, err := s.c.Repo.OpenSubscription(ctx, Subscription{TenantID: t.TenantID, ID: uuid.NewString(), Kind: KindPlan, Name: target.Name, Start: now}); err != nil {
		return err
	}
	if err := s.c.PlanRepo.SetPlan(ctx, TenantPlan{TenantID: t.TenantID, PlanName: target.Name, Since: now}); err != nil {
		return err
	}
	subs, err := s.c.Repo.Subscriptions(ctx, t.TenantID)
	if err != nil {
		return err
	}
	for _, sub := range subs {
		if sub.Kind == KindAddon && sub.Open() && (slices.Contains(t.Payload.UnsubscribeAddons, sub.Name) || !target.AllowsAddon(sub.Name)) {
			if _, err := s.c.Repo.CloseSubscription(ctx, t.TenantID, KindAddon, sub.Name, now); err != nil {
				return err
			}
		}
	}
	for _, n := range t.Payload.SubscribeAddons {
		if _, err := s.c.Repo.OpenSubscription(ctx, Subscription{TenantID: t.TenantID, ID: uuid.NewString(), Kind: KindAddon, Name: n, Start: now}); err != nil {
			return err
		}
	}
	return s.c.Repo.RecordChange(ctx, PlanChange{TenantID: t.TenantID, ID: uuid.NewString(), TransitionID: t.ID, OldPlan: cur.Name, NewPlan: target.Name, At: now})
}

// ensurePlanSubscription creates the tenant's first plan subscription
// lazily (to its current plan, from the tenant's creation), and follows a
// plan an operator assigned directly (closing the stale one at now).
func (s *Service) ensurePlanSubscription(ctx context.Context, tenantID string, cur plan.Plan, now time.Time) error {
	subs, err := s.c.Repo.Subscriptions(ctx, tenantID)
	if err != nil {
		return err
	}
	open := openPlan(subs)
	switch {
	case open == nil:
		start, err := s.c.Repo.TenantCreatedAt(ctx, tenantID)
		if err != nil {
			return err
		}
		start = start.UTC().Truncate(time.Microsecond)
		if start.After(now) {
			start = now
		}
		_, err = s.c.Repo.OpenSubscription(ctx, Subscription{TenantID: tenantID, ID: uuid.NewString(), Kind: KindPlan, Name: cur.Name, Start: start})
		return err
	case open.Name != cur.Name:
		if _, err := s.c.Repo.CloseSubscription(ctx, tenantID, KindPlan, "", now); err != nil {
			return err
		}
		if _, err := s.c.Repo.OpenSubscription(ctx, Subscription{TenantID: tenantID, ID: uuid.NewString(), Kind: KindPlan, Name: cur.Name, Start: now}); err != nil {
			return err
		}
		return s.c.Repo.RecordChange(ctx, PlanChange{TenantID: tenantID, ID: uuid.NewString(), OldPlan: open.Name, NewPlan: cur.Name, At: now})
	}
	return nil
}

// Approve approves a transition that waits for approval and processes it
// at once. Approval is an operator decision: a tenant's tokens, even an
// admin's, are Forbidden (a tenant must not approve its own move). An
// operator that named a tenant finds the transition in that tenant only;
// one that named none finds it by id alone. force skips the downgrade
// check against current quota usage.
func (s *Service) Approve(ctx context.Context, p tenancy.Principal, id string, force bool) (Transition, error) {
	if err := operator(p, "approving a plan transition"); err != nil {
		return Transition{}, err
	}
	return s.decide(ctx, p.TenantID, id, p.Actor(), func(ctx context.Context, t Transition) error {
		return s.process(ctx, p, t, force)
	})
}

// Reject ends a transition that waits for approval as FAILED with reason;
// like Approve it is for operators only.
func (s *Service) Reject(ctx context.Context, p tenancy.Principal, id, reason string) (Transition, error) {
	if err := operator(p, "rejecting a plan transition"); err != nil {
		return Transition{}, err
	}
	if err := text.Err("reason", reason); err != nil {
		return Transition{}, err
	}
	return s.decide(ctx, p.TenantID, id, p.Actor(), s.rejectFn(reason))
}

// operator checks that p is an operator, with or without a tenant named
// (the command line's Operator names none: it finds transitions by id).
func operator(p tenancy.Principal, decision string) error {
	if err := p.Caller(); err != nil {
		return err
	}
	return p.RequireOperator(decision)
}

func (s *Service) rejectFn(reason string) func(context.Context, Transition) error {
	return func(ctx context.Context, t Transition) error {
		t.State, t.UpdatedAt = StateFailed, s.now()
		t.FailureReason = "rejected by " + t.DecidedBy
		if r := strings.TrimSpace(reason); r != "" {
			t.FailureReason += ": " + r
		}
		return s.c.Repo.UpdateTransition(ctx, t, StateCreating)
	}
}

// admin checks that p is an admin of the tenant it acts on.
func admin(p tenancy.Principal) error {
	if err := p.OnTenant(); err != nil {
		return err
	}
	return p.Authorize(tenancy.Admin, tenancy.SystemNamespace)
}

// decide claims a WAITING_FOR_APPROVAL transition (back to CREATING, a
// conditional update, so two deciders cannot both win), runs fn and returns
// the transition as stored. tenantID empty finds it by id alone.
func (s *Service) decide(ctx context.Context, tenantID, id, by string, fn func(context.Context, Transition) error) (Transition, error) {
	if _, err := uuid.Parse(id); err != nil {
		return Transition{}, errs.New(errs.NotFound, "plan transition %q not found", id)
	}
	var out Transition
	err := s.c.Tx.InTx(ctx, func(ctx context.Context) error {
		t, err := s.load(ctx, tenantID, id)
		if err != nil {
			return err
		}
		if t.State != StateWaitingForApproval {
			return errs.New(errs.Conflict, "plan transition %s is %s; only one waiting for approval can be approved or rejected", id, t.State)
		}
		t.DecidedBy = by
		t.State, t.UpdatedAt = StateCreating, s.now()
		if err := s.c.Repo.UpdateTransition(ctx, t, StateWaitingForApproval); err != nil {
			return err
		}
		if err := fn(ctx, t); err != nil {
			return err
		}
		if out, err = s.load(ctx, tenantID, id); err != nil {
			return err
		}
		return s.audit(ctx, out.TenantID, by, "plan_transition.decide", id, map[string]string{"state": string(StateWaitingForApproval)}, out)
	})
	return out, err
}

func (s *Service) audit(ctx context.Context, tenantID, actor, action, object string, before, after any) error {
	return kernel.Audit(ctx, s.c.Audit, kernel.AuditRecord{TenantID: tenantID, Actor: actor, Action: action,
		Namespace: tenancy.SystemNamespace, Object: object, Before: before, After: after})
}

func (s *Service) load(ctx context.Context, tenantID, id string) (Transition, error) {
	if tenantID == "" {
		return s.c.Repo.TransitionByID(ctx, id)
	}
	return s.c.Repo.GetTransition(ctx, tenantID, id)
}

// TransitionState is GetPlanTransition: anyone who knows the id may read
// the state, and only the state. An unknown or malformed id is NotFound.
func (s *Service) TransitionState(ctx context.Context, p tenancy.Principal, id string) (TransitionState, error) {
	if _, err := uuid.Parse(id); err != nil {
		return "", errs.New(errs.NotFound, "plan transition %q not found", id)
	}
	t, err := s.c.Repo.TransitionByID(ctx, id)
	if err != nil {
		return "", err
	}
	return t.State, nil
}

// GetTransition returns a transition of the caller's tenant in full (for
// GraphQL and tests). Any role may read it.
func (s *Service) GetTransition(ctx context.Context, p tenancy.Principal, id string) (Transition, error) {
	if err := p.OnTenant(); err != nil {
		return Transition{}, err
	}
	if err := p.Authorize(tenancy.Read, tenancy.SystemNamespace); err != nil {
		return Transition{}, err
	}
	if _, err := uuid.Parse(id); err != nil {
		return Transition{}, errs.New(errs.NotFound, "plan transition %q not found", id)
	}
	return s.c.Repo.GetTransition(ctx, p.TenantID, id)
}

// MaxTransitionList bounds ListTransitions.
const MaxTransitionList = 100

// ListTransitions returns the caller's tenant's transitions, newest first,
// at most limit (1 to MaxTransitionList), only those in state when it is
// not "". Any role may read them, as GetTransition.
func (s *Service) ListTransitions(ctx context.Context, p tenancy.Principal, state TransitionState, limit int) ([]Transition, error) {
	if err := p.OnTenant(); err != nil {
		return nil, err
	}
	if err := p.Authorize(tenancy.Read, tenancy.SystemNamespace); err != nil {
		return nil, err
	}
	if limit < 1 || limit > MaxTransitionList {
		var f errs.Fields
		f.Add("first", "must be between 1 and %d", MaxTransitionList)
		return nil, f.Err()
	}
	return s.c.Repo.ListTransitions(ctx, p.TenantID, state, limit)
}
