package store

import (
	"context"
	"io/fs"
	"strings"
	"testing/fstest"

	"github.com/uptrace/bun/migrate"
)

// MigrateThrough applies the migrations of d's dialect whose names sort at
// or before last (e.g. "20261126000014"): the schema of an earlier release,
// so a test can write what that release wrote before it runs Migrate, which
// applies the rest.
func MigrateThrough(ctx context.Context, d *DB, last string) ([]string, error) {
	return MigrateWhere(ctx, d, func(name string) bool { return name <= last })
}

// MigrateWhere applies the migrations of d's dialect whose names (e.g.
// "20261126000014") keep accepts: the schema of an earlier release that
// lacked some migrations, which Migrate then applies.
func MigrateWhere(ctx context.Context, d *DB, keep func(name string) bool) ([]string, error) {
	dir := "migrations/" + string(d.Dialect())
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, err
	}
	prefix := fstest.MapFS{}
	for _, e := range entries {
		if name, _, _ := strings.Cut(e.Name(), "_"); keep(name) {
			b, err := migrationFiles.ReadFile(dir + "/" + e.Name())
			if err != nil {
				return nil, err
			}
			prefix[e.Name()] = &fstest.MapFile{Data: b}
		}
	}
	ms := migrate.NewMigrations()
	if err := ms.Discover(prefix); err != nil {
		return nil, err
	}
	m := migrate.NewMigrator(d.txdb, ms, migrate.WithMarkAppliedOnSuccess(true))
	if err := m.Init(ctx); err != nil {
		return nil, err
	}
	g, err := m.Migrate(ctx)
	if err != nil {
		return nil, err
	}
	return groupNames(g), nil
}

// RollbackLast rolls back the last group of migrations Migrate applied
// (their down files, newest first) and returns their names.
func RollbackLast(ctx context.Context, d *DB) ([]string, error) {
	ms, err := d.migrations()
	if err != nil {
		return nil, err
	}
	g, err := migrate.NewMigrator(d.txdb, ms).Rollback(ctx)
	if err != nil {
		return nil, err
	}
	return groupNames(g), nil
}

// groupNames returns the names of g's migrations, in g's order.
func groupNames(g *migrate.MigrationGroup) []string {
	var names []string
	for _, mg := range g.Migrations {
		names = append(names, mg.Name)
	}
	return names
}
