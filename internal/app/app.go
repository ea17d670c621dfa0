// Package app is the composition root: New builds the whole object graph of
// billingd once, in dependency order (store, services, what the HTTP
// handlers need), from one Config. serve, every CLI command and the test
// fixtures that need the real graph use it, so the wiring is read in one
// place.
package app

import (
	"bytes"
	"context"
	"log/slog"
	"time"

	"github.com/billingd/billingd/adapters/pdf"
	"github.com/billingd/billingd/adapters/ratelimit"
	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/catalog"
	"github.com/billingd/billingd/domain/audit"
	"github.com/billingd/billingd/domain/invoice"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/payment"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/domain/subscription"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/domain/usage"
)

// Config is what the graph is built from. Logger and Clock are required;
// the rest are options with the defaults their comments say.
type Config struct {
	// DatabaseURL is postgres://..., sqlite:PATH, or empty for
	// sqlite:./billingd.db.
	DatabaseURL string
	// Store, when set, is an open store to build on instead of opening
	// DatabaseURL (test fixtures that own their database); App.Close then
	// leaves it open for its opener to close.
	Store *store.DB
	// MaxOpenConns is the PostgreSQL pool size (0: the store's default).
	MaxOpenConns int
	// Migrate applies the migrations not yet applied before anything else.
	Migrate bool
	Logger  *slog.Logger
	// Clock is the one clock of the process: the store, every service and
	// the HTTP layer read time from it (tests pass a fixed one).
	Clock kernel.Clock
	// Catalog is the plan catalog; nil means the one in force in the
	// database ('billingd plans load'), else the built-in one.
	Catalog *plan.Catalog
	// Issuer issues the invoices; the zero value is invoice.DefaultIssuer.
	Issuer invoice.Issuer
	// AuthCacheTTL keeps successful token lookups that long (0: no cache).
	AuthCacheTTL time.Duration
	// QuotaLimiter holds the buckets of quota api_limits; nil keeps them in
	// this process's memory.
	QuotaLimiter quota.RateLimiter
	// Renderer renders invoice PDFs; nil is adapters/pdf.
	Renderer invoice.Renderer
}

// App is every service wired to one database.
type App struct {
	DB            *store.DB
	Clock         kernel.Clock
	Catalog       *plan.Catalog
	Tenancy       *tenancy.Service
	Plans         *plan.Service
	Quotas        *quota.Service
	Subscriptions *subscription.Service
	Usage         *usage.Service
	Payments      *payment.Service
	Invoices      *invoice.Service
	Audit         *audit.Service

	ownsDB bool
}

// New opens the database (migrating it when c.Migrate) and builds every
// service, each from a Config naming all its dependencies. On error
// nothing it opened stays open.
func New(ctx context.Context, c Config) (_ *App, err error) {
	var d kernel.Deps
	d.Need("Logger", c.Logger != nil)
	d.Need("Clock", c.Clock != nil)
	if err := d.Err("app.New"); err != nil {
		return nil, err
	}
	db, owned := c.Store, c.Store == nil
	if owned {
		if db, err = store.Open(ctx, c.DatabaseURL, store.Options{Logger: c.Logger, MaxOpenConns: c.MaxOpenConns, Clock: c.Clock}); err != nil {
			return nil, err
		}
		defer func() {
			if err != nil {
				db.Close()
			}
		}()
	}
	if c.Migrate {
		if err := Migrate(ctx, db, c.Logger); err != nil {
			return nil, err
		}
	}
	a := &App{DB: db, Clock: c.Clock, Catalog: c.Catalog, ownsDB: owned}
	if err := a.build(ctx, c); err != nil {
		return nil, err
	}
	return a, nil
}

// Migrate applies the migrations db lacks and logs which.
func Migrate(ctx context.Context, db *store.DB, log *slog.Logger) error {
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) > 0 {
		log.Info("applied migrations", "dialect", db.Dialect(), "migrations", applied)
	}
	return nil
}

// LoadCatalog returns the catalog in force: the last one 'billingd plans
// load' stored, else the built-in one.
func LoadCatalog(ctx context.Context, db *store.DB) (*plan.Catalog, error) {
	body, found, err := db.LatestCatalog(ctx)
	if err != nil {
		return nil, err
	}
	if !found {
		return catalog.Builtin()
	}
	return catalog.Load(bytes.NewReader(body), "stored catalog")
}

// build wires the services in dependency order: tenancy; plan ← quota ←
// subscription; usage and payment (over plan); invoice (over plan and
// usage); the audit log reader.
func (a *App) build(ctx context.Context, c Config) error {
	db, clk := a.DB, c.Clock
	if a.Catalog == nil {
		cat, err := LoadCatalog(ctx, db)
		if err != nil {
			return err
		}
		a.Catalog = cat
	}
	// Every service writes its changes' audit records in the same
	// transaction as the change.
	aud := store.NewAuditRepo(db, clk)
	ten := store.NewTenancyRepo(db, clk)
	idem := store.NewIdempotencyRepo(db, clk)
	plans, subs := store.NewPlanRepo(db), store.NewSubscriptionRepo(db)
	var err error
	// A revocation (here or by the CLI) reaches every serve process on the
	// database at once (PostgreSQL NOTIFY; nothing on SQLite). API
	// certificates (mutual TLS) are credentials like tokens; the
	// installation CA that signs them is created on first use.
	if a.Tenancy, err = tenancy.NewService(tenancy.Config{Repo: ten, Tx: db, Clock: clk, Audit: aud,
		Certificates: store.NewCertificateRepo(db, clk), Revocations: store.NewRevocations(db, c.Logger), AuthCacheTTL: c.AuthCacheTTL}); err != nil {
		return err
	}
	if a.Plans, err = plan.NewService(plan.Config{Repo: plans, Catalog: a.Catalog}); err != nil {
		return err
	}
	limiter := c.QuotaLimiter
	if limiter == nil {
		limiter = ratelimit.New()
	}
	// The tenant's plan is the lowest layer of every namespace's limits.
	if a.Quotas, err = quota.NewService(quota.Config{Repo: store.NewQuotaRepo(db), Tx: db, Clock: clk, Namespaces: ten,
		Idempotency: idem, Limiter: limiter, Plans: a.Plans, Audit: aud}); err != nil {
		return err
	}
	// Transitions check a downgrade against quota usage.
	if a.Subscriptions, err = subscription.NewService(subscription.Config{Plans: a.Plans, PlanRepo: plans,
		Repo: subs, Tx: db, Idempotency: idem, Quotas: a.Quotas, Audit: aud, Clock: clk}); err != nil {
		return err
	}
	// The report-token key is per installation, so every replica accepts the
	// tokens another one issued.
	key, err := db.InstallSecret(ctx, "usage-report-token")
	if err != nil {
		return err
	}
	// Payment methods ask the plan whether deleting the primary is allowed.
	if a.Payments, err = payment.NewService(payment.Config{Repo: store.NewPaymentRepo(db), Tx: db, Clock: clk, Plans: a.Plans, Audit: aud}); err != nil {
		return err
	}
	// Invoices price usage through the pricer, and the usage service's
	// money reports read the invoices' statements: one computation, one
	// number everywhere, and no cycle in the graph.
	usageRepo := store.NewUsageRepo(db)
	pricer, err := usage.NewPricer(usageRepo, a.Plans)
	if err != nil {
		return err
	}
	renderer := c.Renderer
	if renderer == nil {
		renderer = pdf.Renderer{Issuer: "billingd"}
	}
	inv := store.NewInvoiceRepo(db)
	if a.Invoices, err = invoice.NewService(invoice.Config{Repo: inv, Tx: db, Clock: clk, Plans: a.Plans, Usage: pricer,
		Subscriptions: subs, Renderer: renderer, Contacts: inv, Issuer: c.Issuer, Audit: aud}); err != nil {
		return err
	}
	if a.Usage, err = usage.NewService(usage.Config{Repo: usageRepo, Tx: db, Clock: clk, Plans: a.Plans, TokenKey: key,
		Namespaces: ten, Statements: a.Invoices, Audit: aud}); err != nil {
		return err
	}
	if a.Audit, err = audit.NewService(audit.Config{Repo: aud}); err != nil {
		return err
	}
	return nil
}

// Close closes the database, unless it came as Config.Store.
func (a *App) Close() error {
	if !a.ownsDB {
		return nil
	}
	return a.DB.Close()
}
