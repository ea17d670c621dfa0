package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/billingd/billingd/adapters/ratelimit"
	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/domain/audit"
	"github.com/billingd/billingd/domain/invoice"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/payment"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/domain/subscription"
	"github.com/billingd/billingd/domain/tenancy"
	metering "github.com/billingd/billingd/domain/usage"
)

// app is every service wired to one database.
type app struct {
	db       *store.DB
	clock    kernel.Clock
	tenancy  *tenancy.Service
	quotas   *quota.Service
	plans    *plan.Service
	subs     *subscription.Service
	usage    *metering.Service
	payments *payment.Service
	invoices *invoice.Service
	audit    *audit.Service
	// quotaLimits holds the quota service's api_limits buckets: in memory
	// unless serve moves them to Redis (--redis-url) before serving.
	quotaLimits *quotaLimiter
}

// quotaLimiter lets serve choose where the quota buckets live after the
// services are wired (it is set once, before any request).
type quotaLimiter struct{ quota.RateLimiter }

// openApp opens the database, migrates it unless told not to, and wires the
// services. The caller closes app.db.
func openApp(ctx context.Context, flags dbFlags, migrate bool, maxConns int, log *slog.Logger) (*app, error) {
	// One clock for the whole process: the store, every service and the
	// HTTP layer read time from it, so --clock-start moves all of them.
	clk, err := kernel.ClockFromStart(flags.clockStart)
	if err != nil {
		return nil, usageError{"--clock-start: " + err.Error()}
	}
	if kernel.IsSimulated(clk) {
		log.Warn("simulated clock in force: every date this process records or compares is simulated; never use it in production",
			"clock_start", flags.clockStart, "now", clk.Now().Format(time.RFC3339))
	}
	db, err := store.Open(ctx, flags.url, store.Options{Logger: log, MaxOpenConns: maxConns, Clock: clk})
	if err != nil {
		return nil, err
	}
	if migrate {
		applied, err := db.Migrate(ctx)
		if err != nil {
			db.Close()
			return nil, err
		}
		if len(applied) > 0 {
			log.Info("applied migrations", "dialect", db.Dialect(), "migrations", applied)
		}
	}
	ten := store.NewTenancyRepo(db, clk)
	// Every service writes its changes' audit records in the same
	// transaction as the change.
	aud := store.NewAuditRepo(db, clk)
	cat, err := loadCatalog(ctx, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	plans, err := plan.NewService(plan.Config{Repo: store.NewPlanRepo(db), Catalog: cat})
	if err != nil {
		db.Close()
		return nil, err
	}
	// The tenant's plan is the lowest layer of every namespace's limits.
	limits := &quotaLimiter{ratelimit.New()}
	qs, err := quota.NewService(quota.Config{
		Repo: store.NewQuotaRepo(db), Tx: db, Clock: clk, Namespaces: ten,
		Idempotency: store.NewIdempotencyRepo(db, clk), Limiter: limits, Plans: plans, Audit: aud,
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	// Transitions check a downgrade against quota usage, so they come after
	// the quota service (which uses plans as its lowest layer).
	subs, err := subscription.NewService(subscription.Config{Plans: plans, PlanRepo: store.NewPlanRepo(db), Repo: store.NewSubscriptionRepo(db),
		Tx: db, Idempotency: store.NewIdempotencyRepo(db, clk), Quotas: qs, Audit: aud, Clock: clk})
	if err != nil {
		db.Close()
		return nil, err
	}
	// The report-token key is per installation, so every replica accepts the
	// tokens another one issued.
	key, err := db.InstallSecret(ctx, "usage-report-token")
	if err != nil {
		db.Close()
		return nil, err
	}
	us, err := metering.NewService(metering.Config{Repo: store.NewUsageRepo(db), Tx: db, Clock: clk, Plans: plans, TokenKey: key, Namespaces: ten, Audit: aud})
	if err != nil {
		db.Close()
		return nil, err
	}
	// Payment methods ask the plan whether deleting the primary is allowed.
	pay, err := payment.NewService(payment.Config{Repo: store.NewPaymentRepo(db), Tx: db, Clock: clk, Plans: plans, Audit: aud})
	if err != nil {
		db.Close()
		return nil, err
	}
	auditLog, err := audit.NewService(aud)
	if err != nil {
		db.Close()
		return nil, err
	}
	tens := tenancy.NewService(ten, db, clk)
	tens.SetAuditor(aud)
	// A revocation (here or by the CLI) reaches every serve process on the
	// database at once (PostgreSQL NOTIFY; nothing on SQLite).
	tens.AnnounceRevocations(store.NewRevocations(db, log))
	// API certificates (mutual TLS) are credentials like tokens; the
	// installation CA that signs them is created on first use.
	tens.EnableCertificates(store.NewCertificateRepo(db, clk))
	// Invoices price usage through the usage service, so their lines are
	// the numbers current_usage gives.
	invs, err := newInvoiceService(db, clk, plans, us, aud)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &app{db: db, clock: clk, tenancy: tens, quotas: qs, plans: plans, subs: subs, usage: us, payments: pay, audit: auditLog, invoices: invs, quotaLimits: limits}, nil
}
