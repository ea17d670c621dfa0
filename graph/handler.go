package graph

import (
	"log/slog"
	"net/http"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/99designs/gqlgen/graphql/playground"
	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/graph/generated"
	"github.com/billingd/billingd/graph/loaders"
	"github.com/vektah/gqlparser/v2/ast"
)

// Defaults of Config.
const (
	DefaultMaxDepth      = 12
	DefaultMaxComplexity = 1000
	// maxBodyBytes bounds a POST body; gqlgen reads it whole otherwise.
	maxBodyBytes = 1 << 20
	// queryCacheSize is how many parsed and validated queries are kept.
	queryCacheSize = 1000
)

// Config wires the GraphQL handler.
type Config struct {
	Quotas  *quota.Service
	Tenancy *tenancy.Service
	// Logger receives internal errors and panics; nil discards them.
	Logger *slog.Logger
	// Introspection lets clients (and the playground) read the schema.
	Introspection bool
	// MaxDepth is the deepest field nesting accepted; 0 means DefaultMaxDepth.
	MaxDepth int
	// MaxComplexity is the most fields (counted by gqlgen's complexity
	// calculation) one operation may select; 0 means DefaultMaxComplexity.
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
		Resolvers: &Resolver{quotas: cfg.Quotas, tenancy: cfg.Tenancy},
	}))
	// No websocket or multipart transports: there are no subscriptions or
	// uploads, and each transport is surface to defend.
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](queryCacheSize))
	if cfg.Introspection {
		srv.Use(extension.Introspection{})
	}
	// Depth first: it is the cheaper check and the clearer error.
	srv.Use(depthLimit{max: cfg.MaxDepth})
	srv.Use(extension.FixedComplexityLimit(cfg.MaxComplexity))
	srv.SetErrorPresenter(errorPresenter(log))
	srv.SetRecoverFunc(recoverFunc(log))

	var h http.Handler = loaders.Middleware(cfg.Quotas, srv)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		h.ServeHTTP(w, r)
	})
}

// Playground serves the GraphiQL playground, pointed at /graphql.
func Playground() http.Handler {
	return playground.Handler("billingd GraphQL", "/graphql")
}
