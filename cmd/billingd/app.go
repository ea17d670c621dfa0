package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/internal/app"
)

// cli is the principal of every command run on the server's machine: an
// operator, whose audit actor is "operator". Commands hold database access
// and so no token; they pass this principal to the services like an HTTP
// handler passes its caller's, and act on a tenant through
// Tenancy.OperatorPrincipal. It is the only principal the commands make.
var cli = tenancy.Operator(tenancy.OperatorActor)

// serverPrincipal is the principal of serve's own start-up questions (the
// installation CA for its TLS listener, whether any token exists).
var serverPrincipal = tenancy.System("serve")

// processClock is the one clock of the process: the store, every service
// and the HTTP layer read time from it, so --clock-start moves all of them.
func processClock(flags dbFlags, log *slog.Logger) (kernel.Clock, error) {
	clk, err := kernel.ClockFromStart(flags.clockStart)
	if err != nil {
		return nil, usageError{"--clock-start: " + err.Error()}
	}
	if kernel.IsSimulated(clk) {
		log.Warn("simulated clock in force: every date this process records or compares is simulated; never use it in production",
			"clock_start", flags.clockStart, "now", clk.Now().Format(time.RFC3339))
	}
	return clk, nil
}

// appConfig is the app.Config of a command: its database, on the process
// clock, migrated first.
func appConfig(flags dbFlags, maxConns int, log *slog.Logger) (app.Config, error) {
	clk, err := processClock(flags, log)
	if err != nil {
		return app.Config{}, err
	}
	return app.Config{DatabaseURL: flags.url, MaxOpenConns: maxConns, Migrate: true, Logger: log, Clock: clk}, nil
}

// openApp builds the whole graph for a CLI command (internal/app). The
// caller closes it.
func openApp(ctx context.Context, flags dbFlags, maxConns int, log *slog.Logger) (*app.App, error) {
	c, err := appConfig(flags, maxConns, log)
	if err != nil {
		return nil, err
	}
	return app.New(ctx, c)
}
