package graph

import (
	"bytes"
	"errors"
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
	// DefaultMaxBodyBytes bounds a POST body when Config.MaxBodyBytes is 0;
	// gqlgen reads it whole.
	DefaultMaxBodyBytes = 1 << 20
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
	// MaxBodyBytes is the largest request body; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
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
	return limitBody(cfg.MaxBodyBytes, h)
}

// limitBody answers a body over limit bytes with 413 and a GraphQL error
// coded PAYLOAD_TOO_LARGE, whether its length was declared or not. Cut
// silently, the body would reach gqlgen as a read error: status 200 and an
// error without a code. gqlgen reads the body whole anyway, so buffering the
// (at most limit) bytes here costs nothing.
func limitBody(limit int64, h http.Handler) http.Handler {
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	answer := func(w http.ResponseWriter, status int, kind errs.Kind, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, `{"errors":[{"message":"`+msg+`","extensions":{"code":"`+CodeOf(kind)+`"}}]}`+"\n")
	}
	tooLarge := "request body is larger than " + strconv.FormatInt(limit, 10) + " bytes"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			h.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > limit {
			answer(w, http.StatusRequestEntityTooLarge, errs.TooLarge, tooLarge)
			return
		}
		b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe) || int64(len(b)) > limit:
			answer(w, http.StatusRequestEntityTooLarge, errs.TooLarge, tooLarge)
			return
		case err != nil:
			answer(w, http.StatusBadRequest, errs.Invalid, "could not read the request body")
			return
		}
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
		h.ServeHTTP(w, r)
	})
}

// Playground serves the GraphiQL playground, pointed at /graphql.
func Playground() http.Handler {
	return playground.Handler("billingd GraphQL", "/graphql")
}
