package graph

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/billingd/billingd/domain/audit"
	"github.com/billingd/billingd/domain/invoice"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/payment"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/domain/subscription"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/domain/usage"
	"github.com/billingd/billingd/graph/generated"
	"github.com/billingd/billingd/graph/loaders"
	"github.com/billingd/billingd/graph/playground"
	"github.com/vektah/gqlparser/v2/ast"
)

const (
	// DefaultMaxDepth is the depth limit when Config.MaxDepth is 0. The
	// deepest real query of the schema is 9 levels; introspection counts
	// too, and the standard introspection query (graphql-js 17, typeDepth 9:
	// __schema types fields args type and nine ofType) is 15 deep.
	DefaultMaxDepth = 15
	// DefaultMaxComplexity is the complexity limit when
	// Config.MaxComplexity is 0: about 1000 selected fields, fewer with
	// report fields (complexity.go).
	DefaultMaxComplexity = 1000
	// DefaultMaxTokens bounds a query's tokens when Config.MaxTokens is 0:
	// about 40 KB of query text, 30 times the standard introspection query.
	// Large inputs belong in variables, which are not tokens.
	DefaultMaxTokens = 10_000
	// DefaultMaxFields bounds the fields of an operation or fragment, after
	// fragment expansion, when Config.MaxFields is 0. The validator's
	// overlapping-fields check is quadratic in the fields sharing a response
	// name, so this is what keeps validation short.
	DefaultMaxFields = 1000
	// DefaultMaxFieldsPerSet bounds the fields side by side in one selection
	// set, after fragment expansion, when Config.MaxFieldsPerSet is 0. That
	// quadratic check compares the fields of one set pairwise: under the
	// defaults its worst case measured about 6 ms (999 fields side by side
	// took 0.5 to 0.9 s).
	DefaultMaxFieldsPerSet = 100
	// DefaultMaxAliases bounds aliased fields, after fragment expansion,
	// when Config.MaxAliases is 0.
	DefaultMaxAliases = 200
	// DefaultMaxBodyBytes bounds a POST body when Config.MaxBodyBytes is 0;
	// gqlgen reads it whole.
	DefaultMaxBodyBytes = 1 << 20
	// queryCacheSize is how many parsed and validated queries are kept.
	queryCacheSize = 1000
	// DefaultAPQCacheSize is how many automatic persisted queries (query
	// text by its SHA-256) are kept when Config.APQCacheSize is 0; the least
	// recently used goes first, and a client whose hash was evicted sends the
	// text again (PERSISTED_QUERY_NOT_FOUND tells it to).
	DefaultAPQCacheSize = 1000
)

// Config wires the GraphQL handler. The services and the Logger are
// required; the limits are options (0: their defaults).
type Config struct {
	// Quotas and Tenancy are the domain services the resolvers call.
	Quotas  *quota.Service
	Tenancy *tenancy.Service
	// Plans answers the catalog.
	Plans *plan.Service
	// Subscriptions answers plans and currentPlan (with their states), the
	// plan transitions, add-ons and subscriptions.
	Subscriptions *subscription.Service
	// Usage records usage (recordUsage) and answers the usage reports
	// (Namespace.usage and cost, monthlyUsage, usageSummary).
	Usage *usage.Service
	// Payments answers paymentMethods and the payment-method mutations.
	Payments *payment.Service
	// Invoices answers invoices and setInvoiceStatus.
	Invoices *invoice.Service
	// Audit reads the audit log.
	Audit *audit.Service
	// Logger receives internal errors and panics.
	Logger *slog.Logger
	// Introspection lets clients (and the playground) read the schema.
	Introspection bool
	// MaxBodyBytes is the largest request body; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// MaxDepth is the deepest field nesting accepted; 0 means DefaultMaxDepth.
	MaxDepth int
	// MaxComplexity is the most one operation may cost: 1 per field,
	// introspection included, and more for the report fields (the table is
	// in complexity.go); lists are not multiplied by their page size: pages
	// are capped at 100 and depth is limited, which bounds the answer, and
	// the SQL cost does not grow with pages thanks to the dataloaders. 0
	// means DefaultMaxComplexity.
	MaxComplexity int
	// MaxTokens is the most tokens a query may have; 0 means
	// DefaultMaxTokens.
	MaxTokens int
	// MaxFields is the most fields an operation or fragment may have once
	// its fragments are expanded; 0 means DefaultMaxFields.
	MaxFields int
	// MaxFieldsPerSet is the most fields one selection set may have side by
	// side once its fragments are expanded; 0 means DefaultMaxFieldsPerSet.
	MaxFieldsPerSet int
	// MaxAliases is the most aliased fields an operation or fragment may
	// have once its fragments are expanded; 0 means DefaultMaxAliases.
	MaxAliases int
	// APQCacheSize bounds the automatic persisted queries kept; 0 means
	// DefaultAPQCacheSize, a negative value turns APQ off.
	APQCacheSize int
}

// NewHandler returns the GraphQL endpoint. The caller must already be in the
// request context (tenancy.WithPrincipal, done by the HTTP auth middleware);
// the handler gives each request its own dataloaders.
func NewHandler(cfg Config) (http.Handler, error) {
	var d kernel.Deps
	d.Need("Quotas", cfg.Quotas != nil)
	d.Need("Tenancy", cfg.Tenancy != nil)
	d.Need("Plans", cfg.Plans != nil)
	d.Need("Subscriptions", cfg.Subscriptions != nil)
	d.Need("Usage", cfg.Usage != nil)
	d.Need("Payments", cfg.Payments != nil)
	d.Need("Invoices", cfg.Invoices != nil)
	d.Need("Audit", cfg.Audit != nil)
	d.Need("Logger", cfg.Logger != nil)
	if err := d.Err("graph.NewHandler"); err != nil {
		return nil, err
	}
	log := cfg.Logger
	lim := queryLimits{
		tokens:     orDefault(cfg.MaxTokens, DefaultMaxTokens),
		depth:      orDefault(cfg.MaxDepth, DefaultMaxDepth),
		fields:     orDefault(cfg.MaxFields, DefaultMaxFields),
		setFields:  orDefault(cfg.MaxFieldsPerSet, DefaultMaxFieldsPerSet),
		aliases:    orDefault(cfg.MaxAliases, DefaultMaxAliases),
		complexity: orDefault(cfg.MaxComplexity, DefaultMaxComplexity),
	}

	srv := handler.New(generated.NewExecutableSchema(generated.Config{
		Resolvers: &Resolver{quotas: cfg.Quotas, tenancy: cfg.Tenancy, plans: cfg.Plans, subs: cfg.Subscriptions, usage: cfg.Usage,
			payments: cfg.Payments, invoices: cfg.Invoices, audit: cfg.Audit},
		Complexity: complexityTable(),
	}))
	// No websocket or multipart transports: there are no subscriptions or
	// uploads, and each transport is surface to defend. The last one answers
	// whatever the others refuse.
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(postTransport{})
	srv.AddTransport(unsupportedTransport{})
	cache := lru.New[*ast.QueryDocument](queryCacheSize)
	srv.SetQueryCache(cache)
	// The parser's own limit backs up the guard's token count (the parser
	// may count the end of input as a token, hence one more).
	srv.SetParserTokenLimit(lim.tokens + 1)
	if cfg.Introspection {
		srv.Use(extension.Introspection{})
	} else {
		srv.Use(noIntrospection{})
	}
	// Automatic persisted queries (Apollo's protocol): the request may carry
	// only the query's hash. It runs first, so the limits below measure the
	// query text it found, as they would the text itself.
	if cfg.APQCacheSize >= 0 {
		srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](orDefault(cfg.APQCacheSize, DefaultAPQCacheSize))})
	}
	srv.Use(getMutationGuard{})
	srv.Use(&limitGuard{lim: lim, cache: cache})
	// Queries may be answered by a database standby within its staleness
	// bound (the store decides per statement); mutations read the primary.
	// Each query gets its own memo of tenant-level reads (kernel.Memo): the
	// resolvers of a page ask several services about the same tenant, and
	// the store reads each of its row sets once. Never shared between
	// operations (it would serve another request's, or tenant's, rows), and
	// none for mutations, whose reads must see their writes.
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		if op := graphql.GetOperationContext(ctx).Operation; op != nil && op.Operation == ast.Query {
			ctx = kernel.WithMemo(kernel.AllowStaleReads(ctx))
		}
		return next(ctx)
	})
	srv.SetErrorPresenter(errorPresenter(log))
	srv.SetRecoverFunc(recoverFunc(log))

	var h http.Handler = loaders.Middleware(cfg.Quotas, cfg.Usage, srv)
	return guardTransport(cfg.MaxBodyBytes, h), nil
}

func orDefault(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// Playground serves the GraphiQL playground at /playground, pointed at
// /graphql, with its JavaScript and CSS embedded (graph/playground).
func Playground() http.Handler {
	return playground.Handler("/playground", "/graphql")
}
