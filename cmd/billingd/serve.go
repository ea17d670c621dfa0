package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/billingd/billingd/adapters/rest"
	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

type serveConfig struct {
	addr          string
	db            dbFlags
	noMigrate     bool
	maxBodyBytes  int64
	introspection bool
	logLevel      string
	logFormat     string
	shutdownWait  time.Duration
	debugAddr     string
	authCacheTTL  time.Duration
	dbMaxConns    int
}

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c serveConfig
	fs := newFlagSet("serve [flags]", "Runs the HTTP server: the F5 Billing & Usage REST API under /api, GraphQL at /graphql\n(playground at /playground), and /healthz, /readyz, /metrics. Migrations run at start.\nSIGTERM or SIGINT drains the requests in flight, then exits 0.", stderr)
	fs.StringVar(&c.addr, "addr", envOr("BILLING_ADDR", "127.0.0.1:8080"), "listen address (env BILLING_ADDR)")
	c.db.register(fs)
	fs.BoolVar(&c.noMigrate, "no-migrate", false, "do not apply migrations at start")
	fs.Int64Var(&c.maxBodyBytes, "max-body-bytes", 1<<20, "largest accepted request body, in bytes")
	fs.BoolVar(&c.introspection, "graphql-introspection", true, "allow GraphQL introspection (the playground needs it)")
	fs.StringVar(&c.logLevel, "log-level", envOr("BILLING_LOG_LEVEL", "info"), "debug, info, warn or error (env BILLING_LOG_LEVEL)")
	fs.StringVar(&c.logFormat, "log-format", envOr("BILLING_LOG_FORMAT", "json"), "json or text (env BILLING_LOG_FORMAT)")
	fs.DurationVar(&c.shutdownWait, "shutdown-timeout", 30*time.Second, "how long SIGTERM waits for requests in flight")
	fs.DurationVar(&c.authCacheTTL, "auth-cache-ttl", time.Second, "keep successful token lookups this long (a token revoked by 'billingd token revoke' stops working within it); 0 turns the cache off")
	fs.IntVar(&c.dbMaxConns, "db-max-conns", 16, "PostgreSQL connection pool size (SQLite always uses one connection)")
	fs.StringVar(&c.debugAddr, "debug-addr", "", "serve Go's pprof profiles on this separate address (e.g. 127.0.0.1:6060); off when empty")
	if err := parse(fs, args); err != nil {
		return err
	}
	log, err := newLogger(stderr, c.logLevel, c.logFormat)
	if err != nil {
		return err
	}
	a, err := openApp(ctx, c.db.url, !c.noMigrate, c.dbMaxConns, log)
	if err != nil {
		return err
	}
	defer a.db.Close()
	a.tenancy.CacheAuthentications(c.authCacheTTL)

	if ok, err := a.tenancy.HasTokens(ctx); err == nil && !ok {
		log.Warn("no API tokens yet; create one with: billingd token create --tenant NAME --role admin" + dbHint(c.db.url))
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(a.db.SQL(), string(a.db.Dialect())))
	metrics, err := rest.NewMetrics(reg)
	if err != nil {
		return err
	}

	r := mux.NewRouter()
	r.Handle("/healthz", rest.Instrument("healthz", log, metrics, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"ok"}`+"\n")
	}))).Methods("GET")
	r.Handle("/readyz", rest.Instrument("readyz", log, metrics, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		pctx, cancel := context.WithTimeout(req.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "application/json")
		if err := a.db.Ping(pctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `{"status":"database unreachable"}`+"\n")
			return
		}
		_, _ = io.WriteString(w, `{"status":"ready"}`+"\n")
	}))).Methods("GET")
	r.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{})).Methods("GET")
	mountGraphQL(r, a, c, log, metrics)
	rest.Register(r, rest.Config{Logger: log, Auth: a.tenancy, Metrics: metrics, Quotas: a.quotas, Plans: a.plans, Usage: a.usage, Payments: a.payments, MaxBodyBytes: c.maxBodyBytes})

	if c.debugAddr != "" {
		startDebug(c.debugAddr, log)
	}

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.addr, err)
	}
	srv := &http.Server{
		Handler:           r,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("billingd listening", "addr", ln.Addr().String(), "database", string(a.db.Dialect()))
	fmt.Fprintf(stdout, "billingd listening on http://%s\n", ln.Addr())

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: draining requests in flight", "timeout", c.shutdownWait.String())
	sctx, cancel := context.WithTimeout(context.Background(), c.shutdownWait)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

func dbHint(url string) string {
	if url == "" {
		return ""
	}
	return " --database-url '<same URL>'"
}
