package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/billingd/billingd/adapters/store/storetest"
)

// TestReportsReadTenantRowsOnce: a legacy report asks several services
// about the same tenant (plan, subscriptions, invoices, payment methods);
// with the request's own memo (rest.withMemo) the store reads the tenant
// with its plan and subscriptions in one statement and every invoice with
// its lines in one, once per request. Counted here, current_usage ran 9
// statements per request before the memo and 7 with it, on both databases
// (on a running server's PostgreSQL log: 8 and 6); the answer is the same
// as the first one's.
func TestReportsReadTenantRowsOnce(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			srv, a := newRoutedServer(t, storetest.EmptyURL(t, d))
			post := func(path string) string {
				t.Helper()
				rec := httptest.NewRecorder()
				req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(`{}`))
				req.Header.Set("Authorization", "APIToken "+srv.secret)
				srv.h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
				}
				return rec.Body.String()
			}
			for _, tc := range []struct {
				path string
				max  int64
			}{
				{"/api/web/namespaces/system/current_usage", 7},
			} {
				first := post(tc.path)
				before := a.DB.Queries()
				again := post(tc.path)
				n := a.DB.Queries() - before
				t.Logf("%s: %d statements", tc.path, n)
				if n > tc.max {
					t.Errorf("%s ran %d statements, want at most %d", tc.path, n, tc.max)
				}
				if again != first {
					t.Errorf("%s answered %s, then %s", tc.path, first, again)
				}
			}
		})
	}
}
