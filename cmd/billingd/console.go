package main

import (
	"log/slog"

	"github.com/billingd/billingd/adapters/httpmw"
	"github.com/billingd/billingd/web/console"
	"github.com/gorilla/mux"
)

// mountConsole serves the web console (web/console, embedded in the
// binary) at /console/. It is public like the playground: it is only pages;
// every query it sends carries the token the user signs in with.
func mountConsole(r *mux.Router, log *slog.Logger, m *httpmw.Metrics) {
	h := httpmw.Instrument("console", log, m, console.Handler())
	r.Handle("/console", h).Methods("GET", "HEAD")
	r.PathPrefix(console.Prefix).Handler(h).Methods("GET", "HEAD")
}
