package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
)

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var db dbFlags
	fs := newFlagSet("migrate [--database-url URL]", "Applies every database migration not yet applied, then exits.", stderr)
	db.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	a, err := openApp(ctx, db, true, 2, slog.New(slog.NewTextHandler(stderr, nil)))
	if err != nil {
		return err
	}
	defer a.db.Close()
	fmt.Fprintf(stdout, "database (%s) is up to date\n", a.db.Dialect())
	return nil
}
