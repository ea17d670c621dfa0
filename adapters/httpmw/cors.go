package httpmw

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/tenancy"
)

// CORS lets browser pages of other origins call the API (issue 13 item 1).
// Only exact origins are allowed (no wildcard: the API takes credentials,
// and a wildcard with credentials would let any site use a visitor's
// certificate). A preflight (OPTIONS with Access-Control-Request-Method) is
// answered here, before authentication: browsers send it without the
// Authorization header.

// corsPaths are the path prefixes CORS applies to: GraphQL and the REST API.
var corsPaths = []string{"/graphql", "/api/", "/no_auth/"}

// corsAllowHeaders are the request headers a page may send: the credential,
// the JSON body, the REST API's own headers, and what Apollo Client and urql
// add.
var corsAllowHeaders = []string{"Authorization", "Content-Type", "Accept", "Idempotency-Key", "If-Match", tenancy.TenantHeader,
	"Apollo-Require-Preflight", "X-Apollo-Operation-Name", "Apollographql-Client-Name", "Apollographql-Client-Version"}

// corsExposeHeaders are the response headers a page may read.
const corsExposeHeaders = "ETag, Retry-After, WWW-Authenticate"

// corsMaxAge is how long a browser may reuse a preflight's answer (seconds).
const corsMaxAge = "600"

// ParseOrigin checks one --cors-origin value and returns it as browsers
// send it: scheme://host[:port], lower case, nothing else. "*" and values
// with a path, query or credentials are refused.
func ParseOrigin(s string) (string, error) {
	if strings.Contains(s, "*") {
		return "", errors.New("a CORS origin must be exact (scheme://host[:port]); a wildcard is not allowed with credentials")
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return "", errors.New("a CORS origin is scheme://host[:port] with scheme http or https, e.g. https://console.example.com")
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), nil
}

// CORS answers cross-origin requests to GraphQL and the REST routes from
// the exact origins given (already checked by ParseOrigin); with none it
// returns h unchanged.
func CORS(origins []string, h http.Handler) http.Handler {
	if len(origins) == 0 {
		return h
	}
	allowHeaders := strings.Join(corsAllowHeaders, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" || !slices.ContainsFunc(corsPaths, func(p string) bool { return strings.HasPrefix(r.URL.Path, p) }) {
			h.ServeHTTP(w, r)
			return
		}
		w.Header().Add("Vary", "Origin")
		allowed := slices.Contains(origins, origin)
		preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
		if preflight {
			w.Header().Add("Vary", "Access-Control-Request-Method")
			w.Header().Add("Vary", "Access-Control-Request-Headers")
			if !allowed {
				WriteJSON(w, http.StatusForbidden, ErrorBody{Code: errs.Forbidden.String(), Message: "origin not allowed: start billingd with --cors-origin for it"})
				return
			}
			setCORS(w, origin)
			w.Header().Set("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS")
			w.Header().Set("Access-Control-Allow-Headers", allowHeaders)
			w.Header().Set("Access-Control-Max-Age", corsMaxAge)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if allowed {
			setCORS(w, origin)
			w.Header().Set("Access-Control-Expose-Headers", corsExposeHeaders)
		}
		h.ServeHTTP(w, r)
	})
}

func setCORS(w http.ResponseWriter, origin string) {
	w.Header().Set("Access-Control-Allow-Origin", origin)
	w.Header().Set("Access-Control-Allow-Credentials", "true")
}
