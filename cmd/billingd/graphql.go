package main

import (
	"log/slog"

	"github.com/billingd/billingd/adapters/rest"
	"github.com/billingd/billingd/graph"
	"github.com/gorilla/mux"
)

// mountGraphQL serves /graphql behind the same token check, body limit,
// logging and metrics as the REST routes, and the playground (public: it is
// only a page; every query it sends needs a token).
func mountGraphQL(r *mux.Router, a *app, c serveConfig, log *slog.Logger, m *rest.Metrics) {
	gql := graph.NewHandler(graph.Config{Quotas: a.quotas, Tenancy: a.tenancy, Plans: a.plans, Subscriptions: a.subs, Usage: a.usage, Payments: a.payments, Invoices: a.invoices, Audit: a.audit, Logger: log, Introspection: c.introspection, MaxBodyBytes: c.maxBodyBytes, MaxDepth: c.gqlMaxDepth, MaxComplexity: c.gqlMaxComplexity})
	r.Handle("/graphql", rest.Instrument("graphql", log, m, rest.LimitBody(c.maxBodyBytes, rest.RequireAuth(a.tenancy, log, c.limiter.Wrap(log, gql))))).Methods("GET", "POST", "OPTIONS")
	r.Handle("/playground", rest.Instrument("playground", log, m, graph.Playground())).Methods("GET")
}
