// Package httpmw is the HTTP middleware REST and GraphQL share: the caller's
// authentication, the per-token rate limit, the body limit, panic recovery,
// one log line and metrics per request, and the one JSON error body (the
// error Kind → HTTP status table) those layers answer with.
package httpmw

import (
	"context"
	"encoding/json"
	"log/slog"
	"math"
	"net/http"
	"strconv"

	"github.com/billingd/billingd/domain/errs"
)

// statusOf is the one table from error Kind to HTTP status.
var statusOf = map[errs.Kind]int{
	errs.Internal:        http.StatusInternalServerError,
	errs.Invalid:         http.StatusBadRequest,
	errs.NotFound:        http.StatusNotFound,
	errs.Conflict:        http.StatusConflict,
	errs.Forbidden:       http.StatusForbidden,
	errs.Unauthenticated: http.StatusUnauthorized,
	errs.QuotaExceeded:   http.StatusTooManyRequests,
	errs.TooLarge:        http.StatusRequestEntityTooLarge,
	errs.Unavailable:     http.StatusServiceUnavailable,
	errs.RateLimited:     http.StatusTooManyRequests,
}

// StatusOf returns the HTTP status of an error.
func StatusOf(err error) int {
	if s, ok := statusOf[errs.KindOf(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// ErrorBody is the one JSON error shape of every route.
type ErrorBody struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  []errs.FieldError `json:"fields,omitempty"`
	Details any               `json:"details,omitempty"`
}

// graphQLKey marks a request whose errors are answered as GraphQL errors.
type graphQLKey struct{}

// GraphQLErrors makes the errors this package answers for h (no or a bad
// credential, the rate limit, a panic) GraphQL responses: {"errors":
// [{"message", "extensions": {"code", ...}}]} with the same status, so a
// GraphQL client reads them as it reads every other error of /graphql.
// It goes outside Instrument, whose panic answer it shapes too.
func GraphQLErrors(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), graphQLKey{}, true)))
	})
}

// graphQLError is one entry of a GraphQL response's errors.
type graphQLError struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

// WriteError answers with the error's status and body. Internal causes go to
// the log, never to the caller.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	e := errs.As(err)
	status := StatusOf(e)
	if e.Kind == errs.Internal {
		log.ErrorContext(r.Context(), "internal error", "route", RouteName(r), "err", err)
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
	}
	if e.Kind == errs.Unavailable {
		w.Header().Set("Retry-After", "1")
	}
	if gql, _ := r.Context().Value(graphQLKey{}).(bool); gql {
		ext := map[string]any{"code": e.Kind.String()}
		if len(e.Fields) > 0 {
			ext["fields"] = e.Fields
		}
		if e.Details != nil {
			ext["details"] = e.Details
		}
		WriteJSON(w, status, struct {
			Errors []graphQLError `json:"errors"`
		}{[]graphQLError{{Message: e.PublicMessage(), Extensions: ext}}})
		return
	}
	WriteJSON(w, status, ErrorBody{Code: e.Kind.String(), Message: e.PublicMessage(), Fields: e.Fields, Details: e.Details})
}

// WriteJSON answers status with v as JSON (a 500 when v does not encode).
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"code":"INTERNAL","message":"internal error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
