// Package storetest gives tests a fresh, migrated database: an SQLite file in
// a temporary folder, and a PostgreSQL database cloned from a migrated
// template when BILLINGD_TEST_DATABASE_URL is set. With CI=true a missing or
// unreachable PostgreSQL fails the test instead of skipping it.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/billingd/billingd/adapters/store"
	_ "github.com/jackc/pgx/v5/stdlib"
)

// EnvURL names the variable holding the PostgreSQL server URL for tests.
const EnvURL = "BILLINGD_TEST_DATABASE_URL"

// Dialects lists the databases tests run on: SQLite always, PostgreSQL when
// configured (or required by CI=true).
func Dialects(t testing.TB) []store.Dialect {
	ds := []store.Dialect{store.SQLite}
	if os.Getenv(EnvURL) != "" || os.Getenv("CI") == "true" {
		ds = append(ds, store.Postgres)
	}
	return ds
}

// ForEach runs fn as a subtest on every dialect with a fresh database.
func ForEach(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	for _, d := range Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			fn(t, Open(t, d))
		})
	}
}

// Open returns a fresh migrated database of dialect d, closed at cleanup.
func Open(t testing.TB, d store.Dialect) *store.DB {
	t.Helper()
	u := URL(t, d)
	db, err := store.Open(context.Background(), u, store.Options{MaxOpenConns: 16})
	if err != nil {
		t.Fatalf("open %s: %v", d, err)
	}
	t.Cleanup(func() { db.Close() })
	if d == store.SQLite {
		if _, err := db.Migrate(context.Background()); err != nil {
			t.Fatalf("migrate: %v", err)
		}
	}
	return db
}

// URL returns the URL of a fresh migrated database (for tests that start the
// binary themselves).
func URL(t testing.TB, d store.Dialect) string {
	t.Helper()
	if d == store.SQLite {
		return "sqlite:" + t.TempDir() + "/billingd.db"
	}
	server := serverURL(t)
	return createDB(t, server, "TEMPLATE "+template(t, server))
}

// EmptyURL returns the URL of a fresh database without any migration, for
// tests that migrate in steps (see store.MigrateThrough in the store tests).
func EmptyURL(t testing.TB, d store.Dialect) string {
	t.Helper()
	if d == store.SQLite {
		return "sqlite:" + t.TempDir() + "/billingd.db"
	}
	return createDB(t, serverURL(t), "")
}

// serverURL is the PostgreSQL server of EnvURL; without it the test is
// skipped, or fails when CI=true.
func serverURL(t testing.TB) string {
	t.Helper()
	server := os.Getenv(EnvURL)
	if server == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %s is not set", EnvURL)
		}
		t.Skipf("PostgreSQL tests skipped: set %s (e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable)", EnvURL)
	}
	return server
}

// createDB creates a database on server with the CREATE DATABASE options
// opts, dropped at cleanup, and returns its URL.
func createDB(t testing.TB, server, opts string) string {
	t.Helper()
	name := "billingd_test_" + randHex(6)
	admin := adminDB(t, server)
	if _, err := admin.Exec(fmt.Sprintf(`CREATE DATABASE %s %s`, name, opts)); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name))
	})
	return withDB(server, name)
}

var (
	tmplOnce sync.Once
	tmplName string
	tmplErr  error
	adminMu  sync.Mutex
	admins   = map[string]*sql.DB{}
)

func adminDB(t testing.TB, server string) *sql.DB {
	adminMu.Lock()
	defer adminMu.Unlock()
	if db, ok := admins[server]; ok {
		return db
	}
	db, err := sql.Open("pgx", server)
	if err != nil {
		t.Fatalf("open %s: %v", EnvURL, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		t.Fatalf("PostgreSQL at %s is unreachable: %v", EnvURL, err)
	}
	admins[server] = db
	return db
}

// template returns a template database migrated with the current migrations
// (named by their hash, so later runs reuse it); clones of it cost a file
// copy instead of a migration per test. Test binaries of
// several packages run at once, so creation is serialised by an advisory lock.
func template(t testing.TB, server string) string {
	tmplOnce.Do(func() {
		admin := adminDB(t, server)
		ctx := context.Background()
		conn, err := admin.Conn(ctx)
		if err != nil {
			tmplErr = err
			return
		}
		defer conn.Close()
		if _, tmplErr = conn.ExecContext(ctx, `SELECT pg_advisory_lock(824114)`); tmplErr != nil {
			return
		}
		defer conn.ExecContext(ctx, `SELECT pg_advisory_unlock(824114)`) //nolint:errcheck
		name := "billingd_tmpl_" + store.MigrationsHash(store.Postgres)
		var exists bool
		if tmplErr = conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); tmplErr != nil {
			return
		}
		if exists {
			tmplName = name
			return
		}
		if _, tmplErr = conn.ExecContext(ctx, `CREATE DATABASE `+name); tmplErr != nil {
			return
		}
		db, err := store.Open(ctx, withDB(server, name), store.Options{})
		if err != nil {
			tmplErr = err
			return
		}
		_, tmplErr = db.Migrate(ctx)
		db.Close()
		tmplName = name
	})
	if tmplErr != nil {
		t.Fatalf("prepare template database: %v", tmplErr)
	}
	return tmplName
}

func withDB(server, name string) string {
	u, err := url.Parse(server)
	if err != nil {
		return server
	}
	u.Path = "/" + name
	return u.String()
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
