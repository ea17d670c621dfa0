package graph

import (
	"io"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/99designs/gqlgen/graphql/playground"
	"github.com/billingd/billingd/domain/audit"
	"github.com/billingd/billingd/domain/billing"
	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/invoice"
	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/domain/subscription"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/domain/usage"
	"github.com/billingd/billingd/graph/generated"
	"github.com/billingd/billingd/graph/loaders"
	"github.com/vektah/gqlparser/v2/ast"
)

const (
	// DefaultMaxDepth is the depth limit when Config.MaxDepth is 0; the
	// deepest real query of the schema is 9 levels.
	DefaultMaxDepth = 12
	// DefaultMaxComplexity is the complexity limit when
	// Config.MaxComplexity is 0: about 1000 selected fields.
	DefaultMaxComplexity = 1000
	// maxBodyBytes bounds a POST body; gqlgen reads it whole otherwise.
	maxBodyBytes = 1 << 20
	// queryCacheSize is how many parsed and validated queries are kept.
	queryCacheSize = 1000
)

// Config wires the GraphQL handler.
type Config struct {
	// Quotas and Tenancy are the domain services the resolvers call.
	Quotas  *quota.Service
	Tenancy *tenancy.Service
	// Plans answers plans and currentPlan.
	Plans *subscription.Service
	// Usage records usage (recordUsage) and answers the usage reports
	// (Namespace.usage and cost, monthlyUsage, usageSummary).
	Usage *usage.Service
	// Payments answers paymentMethods and the payment-method mutations.
	Payments *billing.Service
	// Invoices answers invoices and setInvoiceStatus.
	Invoices *invoice.Service
	// Audit reads the audit log; may be nil (auditLog then fails as not wired).
	Audit *audit.Service
	// Logger receives internal errors and panics; nil discards them.
	Logger *slog.Logger
	// Introspection lets clients (and the playground) read the schema.
	Introspection bool
	// MaxDepth is the deepest field nesting accepted; 0 means DefaultMaxDepth.
	MaxDepth int
	// MaxComplexity is the most fields one operation may select, as gqlgen
	// counts them (1 per field, lists not multiplied by their page size:
	// pages are capped at 100 and depth is limited, which bounds the answer,
	// and the SQL cost does not grow with pages thanks to the dataloaders);
	// 0 means DefaultMaxComplexity.
	MaxComplexity int
}

// NewHandler returns the GraphQL endpoint. The caller must already be in the
// request context (tenancy.WithPrincipal, done by the HTTP auth middleware);
// the handler gives each request its own dataloaders.
func NewHandler(cfg Config) http.Handler {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxDepth <= 0 {
		cfg.MaxDepth = DefaultMaxDepth
	}
	if cfg.MaxComplexity <= 0 {
		cfg.MaxComplexity = DefaultMaxComplexity
	}

	srv := handler.New(generated.NewExecutableSchema(generated.Config{
		Resolvers: &Resolver{quotas: cfg.Quotas, tenancy: cfg.Tenancy, plans: cfg.Plans, usage: cfg.Usage,
			payments: cfg.Payments, invoices: cfg.Invoices, audit: cfg.Audit},
	}))
	// No websocket or multipart transports: there are no subscriptions or
	// uploads, and each transport is surface to defend.
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](queryCacheSize))
	if cfg.Introspection {
		srv.Use(extension.Introspection{})
	} else {
		srv.Use(noIntrospection{})
	}
	// Depth first: it is the cheaper check and the clearer error.
	srv.Use(depthLimit{max: cfg.MaxDepth})
	srv.Use(extension.FixedComplexityLimit(cfg.MaxComplexity))
	srv.SetErrorPresenter(errorPresenter(log))
	srv.SetRecoverFunc(recoverFunc(log))

	// A nil *usage.Service must stay a nil interface, so the loaders can
	// tell that it is missing.
	var reports loaders.ReportSource
	if cfg.Usage != nil {
		reports = cfg.Usage
	}
	var h http.Handler = loaders.Middleware(cfg.Quotas, reports, srv)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A declared oversized body is refused before it is read; an
		// undeclared one is cut at the limit and gqlgen reports the read
		// error.
		if r.ContentLength > maxBodyBytes {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			_, _ = io.WriteString(w, tooLargeBody)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		h.ServeHTTP(w, r)
	})
}

// tooLargeBody is the GraphQL error answer to an oversized request.
var tooLargeBody = `{"errors":[{"message":"request body is larger than ` + strconv.Itoa(maxBodyBytes) + ` bytes","extensions":{"code":"` + CodeOf(errs.TooLarge) + `"}}]}`

// Playground serves the GraphiQL playground, pointed at /graphql.
func Playground() http.Handler {
	return playground.Handler("billingd GraphQL", "/graphql")
}
