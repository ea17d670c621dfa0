package main

import (
	"log/slog"

	"github.com/billingd/billingd/adapters/httpmw"
	"github.com/billingd/billingd/adapters/rest"
	"github.com/billingd/billingd/graph"
	"github.com/billingd/billingd/internal/app"
	"github.com/gorilla/mux"
)

// mountAPI serves GraphQL, the web console and the REST routes of a on r, both behind the
// same middleware (httpmw): token check, per-token rate limit, body limit,
// logging and metrics.
func mountAPI(r *mux.Router, a *app.App, c serveConfig, log *slog.Logger, m *httpmw.Metrics) error {
	if err := mountGraphQL(r, a, c, log, m); err != nil {
		return err
	}
	mountConsole(r, log, m)
	return rest.Register(r, rest.Config{Logger: log, Auth: a.Tenancy, Metrics: m, Quotas: a.Quotas, Plans: a.Plans, Subscriptions: a.Subscriptions,
		Usage: a.Usage, Payments: a.Payments, Invoices: a.Invoices, Namespaces: a.Tenancy, MaxBodyBytes: c.maxBodyBytes, RateLimit: c.limiter})
}

// mountGraphQL serves /graphql behind the same token check, body limit,
// logging and metrics as the REST routes, and the playground (public: it is
// only a page and its assets, embedded; every query it sends needs a token)
// while introspection is on.
func mountGraphQL(r *mux.Router, a *app.App, c serveConfig, log *slog.Logger, m *httpmw.Metrics) error {
	gql, err := graph.NewHandler(graph.Config{Quotas: a.Quotas, Tenancy: a.Tenancy, Plans: a.Plans, Subscriptions: a.Subscriptions, Usage: a.Usage,
		Payments: a.Payments, Invoices: a.Invoices, Audit: a.Audit, Logger: log, Introspection: c.introspection, MaxBodyBytes: c.maxBodyBytes,
		MaxDepth: c.gqlMaxDepth, MaxComplexity: c.gqlMaxComplexity, APQCacheSize: c.apqCacheSize})
	if err != nil {
		return err
	}
	r.Handle("/graphql", httpmw.GraphQLErrors(httpmw.Instrument("graphql", log, m, httpmw.LimitBody(c.maxBodyBytes, httpmw.RequireAuth(a.Tenancy, log, c.limiter.Wrap(log, gql)))))).Methods("GET", "POST", "OPTIONS")
	// The playground needs introspection: without it there is no playground.
	if c.introspection {
		r.PathPrefix("/playground").Handler(httpmw.Instrument("playground", log, m, graph.Playground())).Methods("GET", "HEAD")
	}
	return nil
}
