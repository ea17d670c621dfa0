package httpmw

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/billingd/billingd/domain/errs"
)

// TestEveryKindHasAStatus sends every Kind through the status table, so a
// new Kind cannot silently become a 500.
func TestEveryKindHasAStatus(t *testing.T) {
	t.Parallel()
	want := map[errs.Kind]int{
		errs.Internal: 500, errs.Invalid: 400, errs.NotFound: 404, errs.Conflict: 409, errs.Forbidden: 403,
		errs.Unauthenticated: 401, errs.QuotaExceeded: 429, errs.TooLarge: 413, errs.Unavailable: 503, errs.RateLimited: 429,
	}
	for _, k := range errs.Kinds() {
		w, ok := want[k]
		if !ok {
			t.Fatalf("kind %s has no expected status in this test", k)
		}
		if got := StatusOf(errs.New(k, "x")); got != w {
			t.Errorf("%s → %d, want %d", k, got, w)
		}
	}
	if StatusOf(http.ErrBodyNotAllowed) != 500 {
		t.Error("an unclassified error must be a 500")
	}
}

// TestGraphQLErrorShape: under GraphQLErrors the same error is a GraphQL
// response with the same status, its code in extensions.
func TestGraphQLErrorShape(t *testing.T) {
	t.Parallel()
	h := GraphQLErrors(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e := errs.New(errs.RateLimited, "slow down")
		e.RetryAfter = 2 * time.Second
		WriteError(w, r, slog.New(slog.NewTextHandler(io.Discard, nil)), e)
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/graphql", nil))
	var body struct {
		Errors []struct {
			Message    string
			Extensions struct{ Code string }
		}
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || w.Code != 429 || len(body.Errors) != 1 ||
		body.Errors[0].Extensions.Code != "RATE_LIMITED" || body.Errors[0].Message != "slow down" || w.Header().Get("Retry-After") != "2" {
		t.Fatalf("%d %s (%v)", w.Code, w.Body, err)
	}
}
