package subscription

import (
	"context"
	"time"

	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/google/uuid"
)

// MaxListedPeriods caps the billing periods listed per subscription (the
// most recent are kept): a daily plan running for years would otherwise
// answer thousands.
const MaxListedPeriods = 400

// Period is one billing period of a subscription (subscriptionPeriod).
// Start and End are the whole calendar period of the renewal unit (the
// provider's billing period); InternalStart and InternalEnd are the part of
// it the subscription covered (the source of truth for proration). The
// running period ends at its calendar end.
type Period struct {
	UID           string
	Start, End    time.Time
	InternalStart time.Time
	InternalEnd   time.Time
	Trial         bool
}

// SubscriptionView is a subscription with its billing periods, oldest first.
type SubscriptionView struct {
	Subscription
	// Title is the plan title or the add-on display name.
	Title   string
	Periods []Period
}

// Current reports whether the subscription is active.
func (v SubscriptionView) Current() bool { return v.Open() }

// periodStart returns the start of the calendar period of unit containing t
// (UTC; weeks start on Monday; unknown units are months).
func periodStart(t time.Time, unit plan.PeriodUnit) time.Time {
	t = t.UTC()
	y, m, d := t.Date()
	switch unit {
	case plan.PeriodDay:
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	case plan.PeriodWeek:
		day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		return day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
	case plan.PeriodYear:
		return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
}

func nextPeriod(t time.Time, unit plan.PeriodUnit) time.Time {
	switch unit {
	case plan.PeriodDay:
		return t.AddDate(0, 0, 1)
	case plan.PeriodWeek:
		return t.AddDate(0, 0, 7)
	case plan.PeriodYear:
		return t.AddDate(1, 0, 0)
	}
	return t.AddDate(0, 1, 0)
}

// TrialEnd returns when the trial of plan pl on a stint starting at start
// ends (start itself when the plan has none). Every stint on a plan with a
// trial starts with one: the subscription list shows it, and invoices and
// reports charge no flat price before it ends.
func TrialEnd(start time.Time, pl plan.Plan) time.Time {
	return trialEnd(start, pl.TrialPeriod, pl.TrialPeriodUnit)
}

// trialEnd returns when a trial of n units starting at start ends (start
// itself when there is none).
func trialEnd(start time.Time, n int32, unit plan.PeriodUnit) time.Time {
	if n <= 0 {
		return start
	}
	switch unit {
	case plan.PeriodDay:
		return start.AddDate(0, 0, int(n))
	case plan.PeriodWeek:
		return start.AddDate(0, 0, 7*int(n))
	case plan.PeriodYear:
		return start.AddDate(int(n), 0, 0)
	}
	return start.AddDate(0, int(n), 0)
}

// BillingPeriods splits a subscription into the calendar periods of unit it
// touches, up to its end or, while open, up to the period containing now.
// A period is a trial when it starts before trialUntil. UIDs are derived
// from the subscription id and the period start, so they are stable.
func BillingPeriods(sub Subscription, unit plan.PeriodUnit, trialUntil, now time.Time) []Period {
	last := sub.End
	if sub.Open() {
		last = now
		if last.Before(sub.Start) {
			last = sub.Start
		}
	} else if !sub.End.After(sub.Start) {
		return nil
	}
	ns, err := uuid.Parse(sub.ID)
	if err != nil {
		ns = uuid.NameSpaceOID
	}
	var out []Period
	for ps := periodStart(sub.Start, unit); ; {
		pe := nextPeriod(ps, unit)
		p := Period{Start: ps, End: pe, InternalStart: kernel.Later(ps, sub.Start), InternalEnd: pe}
		if !sub.Open() && sub.End.Before(pe) {
			p.InternalEnd = sub.End
		}
		p.Trial = p.InternalStart.Before(trialUntil)
		p.UID = uuid.NewSHA1(ns, []byte(p.InternalStart.Format(time.RFC3339Nano))).String()
		out = append(out, p)
		if len(out) > MaxListedPeriods {
			out = out[1:]
		}
		// Open: stop at the period containing now. Closed: at the one
		// containing the end (an end on a boundary belongs to the earlier).
		if (sub.Open() && !last.Before(ps) && last.Before(pe)) || (!sub.Open() && !last.After(pe)) {
			return out
		}
		ps = pe
	}
}

// ListSubscriptions returns the tenant's plan and add-on subscriptions with
// their billing periods, oldest first; currentOnly leaves out the ones that
// ended. Any role may read them. A tenant that never changed plan gets its
// first plan subscription here (lazily, from its creation), so the list is
// never empty.
func (s *Service) ListSubscriptions(ctx context.Context, p tenancy.Principal, currentOnly bool) ([]SubscriptionView, error) {
	if err := p.OnTenant(); err != nil {
		return nil, err
	}
	if err := p.Authorize(tenancy.Read, tenancy.SystemNamespace); err != nil {
		return nil, err
	}
	now := s.now()
	// A read first: the transaction (which may write) is only for a
	// tenant whose open plan subscription is missing or stale.
	cur, err := s.c.Plans.PlanOf(ctx, p)
	if err != nil {
		return nil, err
	}
	subs, err := s.c.Repo.Subscriptions(ctx, p.TenantID)
	if err != nil {
		return nil, err
	}
	if !followsPlan(subs, cur.Name) {
		err = s.c.Tx.InTx(ctx, func(ctx context.Context) error {
			cur, err := s.c.Plans.PlanOf(ctx, p)
			if err != nil {
				return err
			}
			if err := s.ensurePlanSubscription(ctx, p.TenantID, cur, now); err != nil {
				return err
			}
			subs, err = s.c.Repo.Subscriptions(ctx, p.TenantID)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	out := make([]SubscriptionView, 0, len(subs))
	for _, sub := range subs {
		if currentOnly && !sub.Open() {
			continue
		}
		out = append(out, s.view(sub, now))
	}
	return out, nil
}

func (s *Service) view(sub Subscription, now time.Time) SubscriptionView {
	v := SubscriptionView{Subscription: sub, Title: sub.Name}
	unit, trialUntil := plan.PeriodMonth, sub.Start
	if sub.Kind == KindPlan {
		if pl, ok := s.c.Plans.Catalog().Plan(sub.Name); ok {
			if pl.Title != "" {
				v.Title = pl.Title
			}
			if pl.RenewalPeriodUnit != "" && pl.RenewalPeriodUnit != plan.PeriodUnknown {
				unit = pl.RenewalPeriodUnit
			}
			trialUntil = trialEnd(sub.Start, pl.TrialPeriod, pl.TrialPeriodUnit)
		}
	} else if a, ok := s.c.Plans.Catalog().Addon(sub.Name); ok && a.DisplayName != "" {
		v.Title = a.DisplayName
	}
	v.Periods = BillingPeriods(sub, unit, trialUntil, now)
	return v
}

// followsPlan tells whether subs has an open plan subscription to the plan
// called planName, so that ensurePlanSubscription would change nothing.
func followsPlan(subs []Subscription, planName string) bool {
	open := openPlan(subs)
	return open != nil && open.Name == planName
}

// openPlan is the last open plan subscription of subs, nil when none is.
func openPlan(subs []Subscription) *Subscription {
	var open *Subscription
	for i := range subs {
		if subs[i].Kind == KindPlan && subs[i].Open() {
			open = &subs[i]
		}
	}
	return open
}
