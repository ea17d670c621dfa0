package httpmw

import (
	"net/http"
	"testing"

	"github.com/billingd/billingd/domain/errs"
)

// TestEveryKindHasAStatus sends every Kind through the status table, so a
// new Kind cannot silently become a 500.
func TestEveryKindHasAStatus(t *testing.T) {
	t.Parallel()
	want := map[errs.Kind]int{
		errs.Internal: 500, errs.Invalid: 400, errs.NotFound: 404, errs.Conflict: 409, errs.Forbidden: 403,
		errs.Unauthenticated: 401, errs.QuotaExceeded: 429, errs.TooLarge: 413, errs.Unavailable: 503,
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
