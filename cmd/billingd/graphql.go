package main

import (
	"log/slog"

	"github.com/billingd/billingd/adapters/rest"
	"github.com/gorilla/mux"
)

// mountGraphQL is replaced when the graph package lands.
func mountGraphQL(r *mux.Router, a *app, c serveConfig, log *slog.Logger, m *rest.Metrics) {}
