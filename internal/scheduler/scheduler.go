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
)

// Invoices is what the scheduler asks of the invoice service.
type Invoices interface {
	// CloseDue closes the previous month once delay has passed since it ended.
	CloseDue(ctx context.Context, delay time.Duration) (invoice.Period, invoice.CloseResult, bool, error)
	// MarkOverdue marks issued invoices past their due date OVERDUE.
	MarkOverdue(ctx context.Context) (int, error)
}

// Config tunes Run.
type Config struct {
	Invoices Invoices
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
// replicas may run it together: CloseDue and MarkOverdue are safe against
// each other.
func Run(ctx context.Context, c Config) {
	c = c.withDefaults()
	tick := time.NewTicker(c.Interval)
	defer tick.Stop()
	for {
		Pass(ctx, c)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Pass is one pass of Run: close the previous month if due, then mark
// overdue invoices. Failures are logged and retried by the next pass.
func Pass(ctx context.Context, c Config) {
	c = c.withDefaults()
	log := c.Logger
	p, res, due, err := c.Invoices.CloseDue(ctx, c.Delay)
	switch {
	case err != nil && !errors.Is(err, context.Canceled):
		log.Error("invoice close failed", "period", p.String(), "err", err)
	case due && len(res.Issued) > 0:
		log.Info("invoices issued", "period", p.String(), "issued", len(res.Issued), "already", res.Already)
	}
	if n, err := c.Invoices.MarkOverdue(ctx); err != nil && !errors.Is(err, context.Canceled) {
		log.Error("marking overdue invoices failed", "err", err)
	} else if n > 0 {
		log.Info("invoices overdue", "count", n)
	}
}
