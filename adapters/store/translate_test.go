package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/billingd/billingd/domain/errs"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestTranslateOutages: every way a database outage reaches a repository is
// Unavailable (503), never Internal (500); the fault tests in e2e/ drive the
// real ones.
func TestTranslateOutages(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		err  error
		want errs.Kind
	}{
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, errs.Unavailable},
		{"connection failure", &pgconn.PgError{Code: "08006"}, errs.Unavailable},
		{"too many clients", &pgconn.PgError{Code: "53300"}, errs.Unavailable},
		{"dial", fmt.Errorf("failed to connect to `host=127.0.0.1`: %w", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}), errs.Unavailable},
		{"request deadline", fmt.Errorf("query: %w", context.DeadlineExceeded), errs.Unavailable},
		{"sqlite interrupted", errors.New("interrupted (9): Operation terminated by sqlite3_interrupt()(SQLITE_INTERRUPT)"), errs.Unavailable},
		{"unique", &pgconn.PgError{Code: "23505"}, errs.Conflict},
		{"no rows", sql.ErrNoRows, errs.NotFound},
		{"syntax", &pgconn.PgError{Code: "42601"}, errs.Internal},
	} {
		if got := errs.As(translate(c.err)).Kind; got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
