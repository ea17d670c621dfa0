package main

import (
	"log/slog"

	"github.com/billingd/billingd/adapters/httpmw"
	"github.com/billingd/billingd/graph"
	"github.com/gorilla/mux"
)

// mountGraphQL serves /graphql behind the same token check, body limit,
// logging and metrics as the REST routes, and the playground (public: it is
// only a page; every query it sends needs a token).
func mountGraphQL(r *mux.Router, a *app, c serveConfig, log *slog.Logger, m *httpmw.Metrics) {
	gql := graph.NewHandler(graph.Config{Quotas: a.quotas, Tenancy: a.tenancy, Plans: a.plans, Subscriptions: a.subs, Usage: a.usage, Payments: a.payments, Invoices: a.invoices, Audit: a.audit, Logger: log, Introspection: c.introspection, MaxBodyBytes: c.maxBodyBytes, MaxDepth: c.gqlMaxDepth, MaxComplexity: c.gqlMaxComplexity})
	r.Handle("/graphql", httpmw.Instrument("graphql", log, m, httpmw.LimitBody(c.maxBodyBytes, httpmw.RequireAuth(a.tenancy, log, c.limiter.Wrap(log, gql))))).Methods("GET", "POST", "OPTIONS")
	r.Handle("/playground", httpmw.Instrument("playground", log, m, graph.Playground())).Methods("GET")
}
