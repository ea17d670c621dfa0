package graph

import (
	"context"

	"github.com/billingd/billingd/domain/payment"
	"github.com/billingd/billingd/graph/model"
)

// The mutations' domain calls, each answering the model or the error that
// the resolver turns into user errors (payload.go).

func (r *Resolver) createQuota(ctx context.Context, input model.CreateQuotaInput) (*model.Quota, error) {
	in, err := createInput(input)
	if err != nil {
		return nil, err
	}
	q, err := r.quotas.Create(ctx, caller(ctx), in)
	if err != nil {
		return nil, err
	}
	return quotaToModel(q), nil
}

func (r *Resolver) replaceQuota(ctx context.Context, input model.ReplaceQuotaInput) (*model.Quota, error) {
	in, err := replaceInput(input)
	if err != nil {
		return nil, err
	}
	if err := r.quotas.Replace(ctx, caller(ctx), in); err != nil {
		return nil, err
	}
	// Replace does not return the stored quota; read it back so the caller
	// gets the new resourceVersion and modifiedAt.
	q, err := r.quotas.Get(ctx, caller(ctx), in.Namespace, in.Name)
	if err != nil {
		return nil, err
	}
	return quotaToModel(q), nil
}

func (r *Resolver) reserveQuota(ctx context.Context, input model.ReserveQuotaInput) (*model.ReserveQuotaResult, error) {
	in, err := reserveInput(input)
	if err != nil {
		return nil, err
	}
	res, err := r.quotas.Reserve(ctx, caller(ctx), in)
	if err != nil {
		return nil, err
	}
	return reserveResultToModel(res), nil
}

func (r *Resolver) recordUsage(ctx context.Context, namespace string, events []model.UsageEventInput) (*model.RecordUsageResult, error) {
	evs, err := usageEvents(events)
	if err != nil {
		return nil, err
	}
	res, err := r.usage.Ingest(ctx, caller(ctx), namespace, evs)
	if err != nil {
		return nil, err
	}
	return recordResultToModel(res), nil
}

// paymentPayload answers a payment-method mutation that failed.
func paymentPayload(err error) (*model.PaymentMethodPayload, error) {
	ue, err := userErrors(err)
	if err != nil {
		return nil, err
	}
	return &model.PaymentMethodPayload{UserErrors: ue}, nil
}

// paymentMethodsAfter answers a payment-method mutation that committed:
// every method (a change moves the roles of others too) and the one
// called name ("" after a delete).
func (r *Resolver) paymentMethodsAfter(ctx context.Context, name string) (*model.PaymentMethodPayload, error) {
	ms, err := r.payments.List(ctx, caller(ctx))
	if err != nil {
		// The change committed: a failed read-back is not the caller's
		// fault, so it is an error of this payload, never a user error.
		return nil, err
	}
	out := &model.PaymentMethodPayload{PaymentMethods: paymentMethodsToModel(ms), UserErrors: []model.UserError{}}
	for i := range out.PaymentMethods {
		if out.PaymentMethods[i].Name == name {
			out.PaymentMethod = &out.PaymentMethods[i]
		}
	}
	return out, nil
}

// changeRole applies a role change and answers every method afterwards.
func (r *Resolver) changeRole(ctx context.Context, name string, change payment.Change) (*model.PaymentMethodPayload, error) {
	if err := r.payments.ChangeRole(ctx, caller(ctx), name, change); err != nil {
		return paymentPayload(err)
	}
	return r.paymentMethodsAfter(ctx, name)
}

// transitionPayload runs a plan-transition mutation and answers its payload.
func transitionPayload(run func() (*model.PlanTransition, error)) (*model.PlanTransitionPayload, error) {
	t, err := run()
	ue, err := userErrors(err)
	if err != nil {
		return nil, err
	}
	if len(ue) > 0 {
		t = nil
	}
	return &model.PlanTransitionPayload{PlanTransition: t, UserErrors: ue}, nil
}

// addonPayload answers an add-on mutation whose change returned err.
func (r *Resolver) addonPayload(ctx context.Context, err error) (*model.AddonSubscriptionPayload, error) {
	if err != nil {
		ue, err := userErrors(err)
		if err != nil {
			return nil, err
		}
		return &model.AddonSubscriptionPayload{UserErrors: ue}, nil
	}
	subs, err := r.listSubscriptions(ctx, true)
	if err != nil {
		return nil, err
	}
	return &model.AddonSubscriptionPayload{Subscriptions: subs, UserErrors: []model.UserError{}}, nil
}
