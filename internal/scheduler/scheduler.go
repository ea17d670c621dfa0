// Package scheduler is the server's periodic work: closing each finished
// month (invoices) and marking invoices past due OVERDUE. The rules (when a
// month is due, what closing does) are the invoice service's; this package
// only holds the loop, so the domain keeps no tickers or goroutines.
package scheduler

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/billingd/billingd/domain/invoice"
	"github.com/billingd/billingd/domain/tenancy"
)

// Principal is who the scheduler's work runs as: the server itself, an
// operator whose audit actor is "scheduler" (the invoices it marks overdue
// record it).
var Principal = tenancy.System("scheduler")

// Invoices is what the scheduler asks of the invoice service.
type Invoices interface {
	// CloseDue closes the previous month once delay has passed since it ended.
	CloseDue(ctx context.Context, p tenancy.Principal, delay time.Duration) (invoice.Period, invoice.CloseResult, bool, error)
	// MarkOverdue marks issued invoices past their due date OVERDUE.
	MarkOverdue(ctx context.Context, p tenancy.Principal) (int, error)
}

// Lock makes a pass exclusive across the processes sharing a database
// (store.AdvisoryLock on PostgreSQL).
type Lock interface {
	// TryLock takes the lock without waiting; held is false when another
	// process has it. release must be called once held is true.
	TryLock(ctx context.Context) (release func(), held bool, err error)
}

// Config tunes Run.
type Config struct {
	Invoices Invoices
	// Lock, when set, is held for each pass: with several replicas one
	// runs the pass and the others skip it, so each month is closed (its
	// invoices issued) by exactly one of them. Nil runs every pass.
	Lock Lock
	// Interval between passes (default 5 minutes).
	Interval time.Duration
	// Delay after a month ends before it is closed (default invoice.CloseDelay).
	Delay time.Duration
	// Logger receives what each pass did; nil discards it.
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.Interval <= 0 {
		c.Interval = 5 * time.Minute
	}
	if c.Delay <= 0 {
		c.Delay = invoice.CloseDelay
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Run makes a pass at once, then every Interval until ctx ends. Several
// replicas may run it together: with a Lock one of them makes each pass;
// without one (or if the lock's session dies mid-pass) CloseDue and
// MarkOverdue are still safe against each other, but the invoices of a
// month may then be issued by several replicas, a few tenants each.
func Run(ctx context.Context, c Config) {
	c = c.withDefaults()
	Every(ctx, c.Interval, func(ctx context.Context) { Pass(ctx, c) })
}

// Every calls pass at once, then every interval until ctx ends.
func Every(ctx context.Context, interval time.Duration, pass func(ctx context.Context)) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		pass(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Locked calls pass while holding lock (nil: always calls it), and skips
// it when another process holds the lock or the lock cannot be read (the
// database is likely unreachable; the next pass tries again). name is the
// lock's in the logs.
func Locked(ctx context.Context, lock Lock, name string, log *slog.Logger, pass func()) {
	if lock != nil {
		release, held, err := lock.TryLock(ctx)
		switch {
		case err != nil:
			if !errors.Is(err, context.Canceled) {
				log.Error(name+" lock unavailable; pass skipped", "err", err)
			}
			return
		case !held:
			log.Debug(name + " pass skipped: another process holds the " + name + " lock")
			return
		}
		defer release()
	}
	pass()
}

// Pass is one pass of Run: close the previous month if due, then mark
// overdue invoices. Failures are logged and retried by the next pass. With
// a Lock held by another process it does nothing (the holder is making
// the pass); a lock that cannot be read skips the pass too (the database
// is likely unreachable, and the next pass tries again).
func Pass(ctx context.Context, c Config) {
	c = c.withDefaults()
	Locked(ctx, c.Lock, "scheduler", c.Logger, func() { closeAndMarkOverdue(ctx, c) })
}

func closeAndMarkOverdue(ctx context.Context, c Config) {
	log := c.Logger
	p, res, due, err := c.Invoices.CloseDue(ctx, Principal, c.Delay)
	switch {
	case err != nil && !errors.Is(err, context.Canceled):
		log.Error("invoice close failed", "period", p.String(), "err", err)
	case due && len(res.Issued) > 0:
		log.Info("invoices issued", "period", p.String(), "issued", len(res.Issued), "already", res.Already)
	default:
		log.Debug("scheduler pass", "period", p.String(), "due", due, "already", res.Already)
	}
	if n, err := c.Invoices.MarkOverdue(ctx, Principal); err != nil && !errors.Is(err, context.Canceled) {
		log.Error("marking overdue invoices failed", "err", err)
	} else if n > 0 {
		log.Info("invoices overdue", "count", n)
	}
}
