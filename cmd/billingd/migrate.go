package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/internal/app"
)

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var db dbFlags
	fs := newFlagSet("migrate [--database-url URL]", "Applies every database migration not yet applied, then exits.", stderr)
	db.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	// Only the store: migrating builds no service, so it works whatever
	// the data holds (a stored catalog, for one).
	log := slog.New(slog.NewTextHandler(stderr, nil))
	clk, err := processClock(db, log)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, db.url, store.Options{Logger: log, MaxOpenConns: 2, Clock: clk})
	if err != nil {
		return err
	}
	defer st.Close()
	if err := app.Migrate(ctx, st, log); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database (%s) is up to date\n", st.Dialect())
	return nil
}
