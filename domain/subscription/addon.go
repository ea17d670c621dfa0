package subscription

import (
	"context"
	"slices"
	"strings"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/google/uuid"
)

func validAddon(name string) error {
	if known := plan.AddonNames(); !slices.Contains(known, name) {
		return &errs.Error{Kind: errs.Invalid, Message: "invalid request", Fields: []errs.FieldError{{Field: "addon",
			Problem: name + " is not an add-on service; want one of " + strings.Join(known, ", ")}}}
	}
	return nil
}

// notAllowed is the 403 of an add-on the current plan does not offer.
func notAllowed(pl plan.Plan, name string) error {
	if pl.IncludesAddon(name) {
		return errs.New(errs.Forbidden, "add-on %s is included with plan %q; there is nothing to subscribe to", name, pl.Name)
	}
	return errs.New(errs.Forbidden, "plan %q does not allow add-on %s; allowed: %s", pl.Name, name, listOrNone(pl.AllowedAddons))
}

// inAddonTx is the shared preamble of Subscribe and Unsubscribe: the
// caller must be an admin and name a valid add-on; then fn runs in one
// transaction.
func (s *Service) inAddonTx(ctx context.Context, p tenancy.Principal, name string, fn func(ctx context.Context, p tenancy.Principal) error) error {
	if err := admin(p); err != nil {
		return err
	}
	if err := validAddon(name); err != nil {
		return err
	}
	return s.c.Tx.InTx(ctx, func(ctx context.Context) error {
		return fn(ctx, p)
	})
}

// Subscribe subscribes the caller's tenant (admin only) to an add-on its
// plan allows, from now on. Subscribing to an add-on already subscribed is a
// no-op: the running subscription goes on.
func (s *Service) Subscribe(ctx context.Context, p tenancy.Principal, name string) error {
	return s.inAddonTx(ctx, p, name, func(ctx context.Context, p tenancy.Principal) error {
		pl, err := s.c.Plans.PlanOf(ctx, p)
		if err != nil {
			return err
		}
		if !pl.AllowsAddon(name) {
			return notAllowed(pl, name)
		}
		opened, err := s.c.Repo.OpenSubscription(ctx, Subscription{TenantID: p.TenantID, ID: uuid.NewString(), Kind: KindAddon, Name: name, Start: s.now()})
		if err != nil || !opened {
			return err
		}
		return s.audit(ctx, p.TenantID, p.Actor(), "addon.subscribe", name, nil, map[string]bool{"subscribed": true})
	})
}

// Unsubscribe ends the tenant's subscription to an add-on now (admin only).
// Unsubscribing from an add-on that is not subscribed is a no-op when the
// plan allows it, and Forbidden (with the reason) when it does not.
func (s *Service) Unsubscribe(ctx context.Context, p tenancy.Principal, name string) error {
	return s.inAddonTx(ctx, p, name, func(ctx context.Context, p tenancy.Principal) error {
		closed, err := s.c.Repo.CloseSubscription(ctx, p.TenantID, KindAddon, name, s.now())
		if err != nil {
			return err
		}
		if closed {
			return s.audit(ctx, p.TenantID, p.Actor(), "addon.unsubscribe", name, map[string]bool{"subscribed": true}, nil)
		}
		pl, err := s.c.Plans.PlanOf(ctx, p)
		if err != nil {
			return err
		}
		if !pl.AllowsAddon(name) {
			return notAllowed(pl, name)
		}
		return nil
	})
}
