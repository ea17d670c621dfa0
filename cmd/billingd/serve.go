package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/billingd/billingd/adapters/httpmw"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/internal/app"
	"github.com/billingd/billingd/internal/scheduler"
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
	// metricsAddr, when set, moves /metrics off the public listener.
	metricsAddr  string
	authCacheTTL time.Duration
	dbMaxConns   int
	// requestTimeout bounds every request's work, database calls included:
	// a wedged or partitioned database answers 503 instead of hanging.
	requestTimeout time.Duration
	// rateLimit is requests per second per token (0: off), rateBurst the
	// bucket size; limiter is built from them after parsing.
	rateLimit         float64
	rateBurst         int
	limiter           *httpmw.TokenLimiter
	readHeaderTimeout time.Duration
	// gqlMaxDepth and gqlMaxComplexity are the GraphQL limits (0: defaults).
	gqlMaxDepth, gqlMaxComplexity int
	// redisURL, when set, keeps the rate limits in Redis for every replica,
	// under keys starting with redisPrefix.
	redisURL, redisPrefix string
	// tlsCert and tlsKey turn on HTTPS; clientCA adds CAs trusted for
	// client certificates besides the installation CA (see cert.go).
	tlsCert, tlsKey, clientCA string
	// corsOrigins are the exact origins whose pages may call the API.
	corsOrigins []string
	// apqCacheSize bounds GraphQL's automatic persisted queries (0: the
	// default, negative: off).
	apqCacheSize int
}

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c serveConfig
	fs := newFlagSet("serve [flags]", "Runs the HTTP server: the F5 Billing & Usage REST API under /api, GraphQL at /graphql\n(playground at /playground), and /healthz, /readyz, /metrics. Migrations run at start.\nSIGTERM or SIGINT drains the requests in flight, then exits 0.", stderr)
	fs.StringVar(&c.addr, "addr", envOr("BILLING_ADDR", "127.0.0.1:8080"), "listen address (env BILLING_ADDR)")
	c.db.register(fs)
	var scale scaleFlags // read standby and usage event partitions (scale.go)
	scale.register(fs)
	fs.BoolVar(&c.noMigrate, "no-migrate", false, "do not apply migrations at start")
	fs.Int64Var(&c.maxBodyBytes, "max-body-bytes", 1<<20, "largest accepted request body, in bytes")
	fs.BoolVar(&c.introspection, "graphql-introspection", true, "allow GraphQL introspection (the playground needs it)")
	fs.StringVar(&c.logLevel, "log-level", envOr("BILLING_LOG_LEVEL", "info"), "debug, info, warn or error (env BILLING_LOG_LEVEL)")
	fs.StringVar(&c.logFormat, "log-format", envOr("BILLING_LOG_FORMAT", "json"), "json or text (env BILLING_LOG_FORMAT)")
	fs.DurationVar(&c.shutdownWait, "shutdown-timeout", 30*time.Second, "how long SIGTERM waits for requests in flight")
	fs.DurationVar(&c.authCacheTTL, "auth-cache-ttl", time.Second, "keep successful token lookups this long (a token revoked by 'billingd token revoke' stops working within it); 0 turns the cache off")
	fs.DurationVar(&c.requestTimeout, "request-timeout", 15*time.Second, "deadline of each request's work, database calls included; past it the answer is 503 (0: none)")
	fs.IntVar(&c.dbMaxConns, "db-max-conns", 16, "PostgreSQL connection pool size (SQLite: one writer connection and four WAL readers, fixed)")
	fs.StringVar(&c.metricsAddr, "metrics-addr", "", "serve /metrics on this separate address (e.g. 127.0.0.1:9090) instead of the public one; on --addr when empty")
	fs.StringVar(&c.debugAddr, "debug-addr", "", "serve Go's pprof profiles on this separate address (e.g. 127.0.0.1:6060); off when empty")
	noInvoiceScheduler := fs.Bool("no-invoice-scheduler", false, "do not close finished months or mark overdue invoices from this process (run 'billingd invoices close' instead)")
	invoiceEvery := fs.Duration("invoice-scheduler-interval", 5*time.Minute, "how often the invoice scheduler looks for a month to close and invoices past due")
	fs.Float64Var(&c.rateLimit, "rate-limit", 200, "requests per second allowed per API token over REST and GraphQL together (429 with Retry-After above it); 0 turns the limit off")
	fs.IntVar(&c.rateBurst, "rate-burst", 400, "requests one API token may send at once before --rate-limit applies (0: twice --rate-limit)")
	fs.DurationVar(&c.readHeaderTimeout, "read-header-timeout", 5*time.Second, "how long a client may take to send the request headers before the connection is closed")
	fs.IntVar(&c.gqlMaxDepth, "graphql-max-depth", 0, "deepest GraphQL field nesting accepted, introspection included (0: the default, 15)")
	fs.IntVar(&c.gqlMaxComplexity, "graphql-max-complexity", 0, "largest cost of one GraphQL operation: 1 per field, report fields more (graph/complexity.go) (0: the default, 1000)")
	fs.StringVar(&c.tlsCert, "tls-cert", "", "serve HTTPS on --addr with this PEM certificate (chain); needs --tls-key. Clients may then authenticate with an API certificate ('billingd cert create')")
	fs.StringVar(&c.tlsKey, "tls-key", "", "PEM private key of --tls-cert")
	fs.StringVar(&c.clientCA, "client-ca", "", "PEM file of further CAs whose client certificates pass the TLS handshake (the installation CA always does); a certificate still authenticates only as an API certificate issued here")
	fs.StringVar(&c.redisURL, "redis-url", os.Getenv("BILLING_REDIS_URL"), "keep quota api_limits and the per-token rate limit in this Redis (redis://host:6379/0, rediss:// for TLS), shared by every replica; in process memory when empty. Redis down: quota API limits answer 503, the per-token limit lets requests through (env BILLING_REDIS_URL)")
	fs.StringVar(&c.redisPrefix, "redis-key-prefix", "billingd:", "prefix of every Redis key billingd writes (installations sharing one Redis use different ones)")
	fs.Func("cors-origin", "let pages of this exact origin (scheme://host[:port]) call /graphql and the REST API from a browser; repeat for several; no wildcard (env BILLING_CORS_ORIGINS, comma-separated)", func(s string) error {
		o, err := httpmw.ParseOrigin(s)
		if err == nil {
			c.corsOrigins = append(c.corsOrigins, o)
		}
		return err
	})
	fs.IntVar(&c.apqCacheSize, "graphql-apq-cache-size", 0, "automatic persisted queries kept (least recently used first out) (0: the default, 1000; negative: APQ off)")
	issuerFile := fs.String("invoice-issuer", "", issuerFlagHelp)
	gcPercent := fs.Int("gc-percent", 400, "the garbage collector's target heap growth, as GOGC: 400 spends memory (a heap up to five times what is live) on fewer collections; the GOGC environment variable wins when set")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *gcPercent <= 0 {
		return usageError{"--gc-percent must be more than 0"}
	}
	// A GraphQL answer allocates for every field and an ingested batch for
	// every event, while what stays live is small (caches, pools): at Go's
	// default of 100 the collector took a quarter of the dashboard's CPU.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(*gcPercent)
	}
	if env := os.Getenv("BILLING_CORS_ORIGINS"); env != "" && len(c.corsOrigins) == 0 {
		for _, s := range strings.Split(env, ",") {
			o, err := httpmw.ParseOrigin(strings.TrimSpace(s))
			if err != nil {
				return usageError{"BILLING_CORS_ORIGINS: " + err.Error()}
			}
			c.corsOrigins = append(c.corsOrigins, o)
		}
	}
	if (c.tlsCert == "") != (c.tlsKey == "") || (c.clientCA != "" && c.tlsCert == "") {
		return usageError{"--tls-cert and --tls-key go together, and --client-ca needs them"}
	}
	if c.rateLimit < 0 || c.rateBurst < 0 || c.readHeaderTimeout <= 0 {
		return usageError{"--rate-limit and --rate-burst must be 0 or more, --read-header-timeout more than 0"}
	}
	log, err := newLogger(stderr, c.logLevel, c.logFormat)
	if err != nil {
		return err
	}
	issuer, err := loadIssuer(*issuerFile)
	if err != nil {
		return err
	}
	// The quota buckets live in Redis when it is given, so they are opened
	// first: the graph is built once, with every dependency.
	shared, err := openSharedLimits(ctx, c.redisURL, c.redisPrefix, log)
	if err != nil {
		return err
	}
	defer shared.close()
	cfg, err := appConfig(c.db, c.dbMaxConns, log)
	if err != nil {
		return err
	}
	cfg.Migrate, cfg.Issuer, cfg.AuthCacheTTL = !c.noMigrate, issuer, c.authCacheTTL
	if shared != nil {
		cfg.QuotaLimiter = shared.quota
	}
	a, err := app.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	c.limiter = httpmw.NewTokenLimiter(a.Clock, c.rateLimit, c.rateBurst, shared.tokens())
	// Revocations by other processes (the CLI, other replicas) empty this
	// process's cache at once; it listens before serving.
	defer listenRevocations(ctx, a, log)()

	if ok, err := a.Tenancy.HasTokens(ctx, serverPrincipal); err == nil && !ok {
		log.Warn("no API tokens yet; create one with: billingd token create --tenant NAME --role admin" + dbHint(c.db.url))
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(a.DB.SQL(), string(a.DB.Dialect())))
	metrics, err := httpmw.NewMetrics(reg)
	if err != nil {
		return err
	}
	if err := shared.register(reg); err != nil {
		return err
	}
	stopScale, err := startScale(ctx, a, scale, reg, log)
	if err != nil {
		return err
	}
	defer stopScale()

	r := mux.NewRouter()
	r.Handle("/healthz", httpmw.Instrument("healthz", log, metrics, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"ok"}`+"\n")
	}))).Methods("GET")
	r.Handle("/readyz", httpmw.Instrument("readyz", log, metrics, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		pctx, cancel := context.WithTimeout(req.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "application/json")
		if err := a.DB.Ping(pctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `{"status":"database unreachable"}`+"\n")
			return
		}
		_ = json.NewEncoder(w).Encode(readiness{Status: "ready", Clock: clockStatus(a.Clock)})
	}))).Methods("GET")
	metricsHandler := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	if c.metricsAddr == "" {
		r.Handle("/metrics", metricsHandler).Methods("GET")
	} else {
		side := http.NewServeMux()
		side.Handle("GET /metrics", metricsHandler)
		if err := startSideListener("metrics", c.metricsAddr, side, log); err != nil {
			return err
		}
	}
	if err := mountAPI(r, a, c, log, metrics); err != nil {
		return err
	}

	if c.debugAddr != "" {
		if err := startSideListener("pprof", c.debugAddr, pprofHandler(), log); err != nil {
			return err
		}
	}

	var tlsConf *tls.Config
	if c.tlsCert != "" {
		if tlsConf, err = serverTLS(ctx, a, c.tlsCert, c.tlsKey, c.clientCA); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.addr, err)
	}
	// Answers are brotli- or gzip-compressed for clients that accept it
	// (REST, GraphQL and the playground's assets; small answers are sent as
	// they are); cross-origin preflights are answered before any route runs.
	compressed, err := httpmw.Compress(httpmw.CORS(c.corsOrigins, r))
	if err != nil {
		return err
	}
	srv := &http.Server{
		TLSConfig:         tlsConf,
		Handler:           withDeadline(compressed, c.requestTimeout),
		ReadHeaderTimeout: c.readHeaderTimeout,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	scheme := "http"
	if tlsConf != nil {
		scheme = "https"
	}
	log.Info("billingd listening", "addr", ln.Addr().String(), "scheme", scheme, "database", string(a.DB.Dialect()))
	fmt.Fprintf(stdout, "billingd listening on %s://%s\n", scheme, ln.Addr())

	// The invoice scheduler closes the previous month once it is due and
	// marks invoices past due OVERDUE. Several replicas may run it: each
	// pass holds a PostgreSQL advisory lock, so one replica closes a month
	// and the others skip (on SQLite the lock is a no-op); issuing is still
	// guarded by the unique (tenant, period) and one transaction per
	// tenant. It stops (and waits) before the database closes.
	schedCtx, stopSched := context.WithCancel(ctx)
	schedDone := make(chan struct{})
	if *noInvoiceScheduler {
		close(schedDone)
	} else {
		go func() {
			defer close(schedDone)
			scheduler.Run(schedCtx, scheduler.Config{Invoices: a.Invoices, Lock: a.DB.AdvisoryLock("invoice-scheduler"), Interval: *invoiceEvery, Logger: log})
		}()
	}
	defer func() { stopSched(); <-schedDone }()
	errc := make(chan error, 1)
	go func() {
		if tlsConf != nil {
			errc <- srv.ServeTLS(ln, "", "")
			return
		}
		errc <- srv.Serve(ln)
	}()
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

// withDeadline gives every request's context a deadline, so that database
// calls give up (and the request answers 503, see store.translate) when the
// database stops answering, instead of holding the client and a pool
// connection until the TCP connection dies.
func withDeadline(h http.Handler, d time.Duration) http.Handler {
	if d <= 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

func dbHint(url string) string {
	if url == "" {
		return ""
	}
	return " --database-url '<same URL>'"
}

// readiness is /readyz's body. It shows the clock, so an operator (or a test
// driving a simulated clock) sees at once which instant the process bills at.
type readiness struct {
	Status string     `json:"status"`
	Clock  clockState `json:"clock"`
}

type clockState struct {
	// Simulated is true under --clock-start / BILLINGD_CLOCK_START.
	Simulated bool `json:"simulated"`
	// Start is the simulated clock's starting instant (empty on the wall clock).
	Start string `json:"start,omitempty"`
	// Now is the process's current instant, RFC 3339 with nanoseconds, UTC.
	Now string `json:"now"`
}

func clockStatus(c kernel.Clock) clockState {
	st := clockState{Simulated: kernel.IsSimulated(c), Now: c.Now().Format(time.RFC3339Nano)}
	if sc, ok := c.(*kernel.SimulatedClock); ok {
		st.Start = sc.Start().Format(time.RFC3339Nano)
	}
	return st
}
