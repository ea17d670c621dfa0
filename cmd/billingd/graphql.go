package main

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/billingd/billingd/adapters/rest"
	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/graph"
	"github.com/gorilla/mux"
)

// mountGraphQL serves /graphql behind the same token check, body limit,
// logging and metrics as the REST routes, and the playground (public: it is
// only a page; every query it sends needs a token).
func mountGraphQL(r *mux.Router, a *app, c serveConfig, log *slog.Logger, m *rest.Metrics) {
	gql := graph.NewHandler(graph.Config{Quotas: a.quotas, Tenancy: a.tenancy, Plans: a.plans, Usage: a.usage, Payments: a.payments, Invoices: a.invoices, Audit: a.audit, Logger: log, Introspection: c.introspection, MaxDepth: c.gqlMaxDepth, MaxComplexity: c.gqlMaxComplexity})
	r.Handle("/graphql", rest.Instrument("graphql", log, m, rest.LimitBody(c.maxBodyBytes, rest.RequireAuth(a.tenancy, log, c.limiter.Wrap(log, limitGraphQLBody(c.maxBodyBytes, gql)))))).Methods("GET", "POST", "OPTIONS")
	r.Handle("/playground", rest.Instrument("playground", log, m, graph.Playground())).Methods("GET")
}

// limitGraphQLBody answers a body over limit bytes (--max-body-bytes) with
// 413 and a GraphQL error coded PAYLOAD_TOO_LARGE, whether its length was
// declared or not. Without it, a body cut by the limit reached gqlgen as a
// read error: status 200 and an error without a code. The body is at most
// limit bytes and gqlgen reads it whole anyway, so buffering it costs nothing.
func limitGraphQLBody(limit int64, h http.Handler) http.Handler {
	tooLarge := func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		_, _ = io.WriteString(w, `{"errors":[{"message":"request body is larger than `+strconv.FormatInt(limit, 10)+
			` bytes","extensions":{"code":"`+graph.CodeOf(errs.TooLarge)+`"}}]}`+"\n")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody || limit <= 0 {
			h.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > limit {
			tooLarge(w)
			return
		}
		b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) || int64(len(b)) > limit {
			tooLarge(w)
			return
		}
		if err != nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"errors":[{"message":"could not read the request body","extensions":{"code":"`+graph.CodeOf(errs.Invalid)+`"}}]}`+"\n")
			return
		}
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
		h.ServeHTTP(w, r)
	})
}
