package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/internal/app"
	"github.com/billingd/billingd/internal/scheduler"
	"github.com/prometheus/client_golang/prometheus"
)

// scaleFlags are serve's flags for a database past one server: a streaming
// standby for reads, and the lifetime of raw usage events.
type scaleFlags struct {
	readURL    string
	readMaxLag time.Duration
	retention  retentionFlag
	maintEvery time.Duration
}

func (s *scaleFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.readURL, "database-read-url", os.Getenv("BILLING_DATABASE_READ_URL"),
		"a PostgreSQL streaming standby (postgres://...) answering reports and GraphQL queries while it is at most --database-read-max-lag behind; writes, reservations, ingestion, transitions and a token's reads right after its own writes use --database-url (env BILLING_DATABASE_READ_URL)")
	fs.DurationVar(&s.readMaxLag, "database-read-max-lag", 5*time.Second,
		"largest staleness a read from --database-read-url may have; past it (or with the standby down) reads go to the primary until it catches up")
	fs.Var(&s.retention, "event-retention",
		"PostgreSQL: drop a month's raw usage events once the month ended this long ago (e.g. 90d, 2160h) and its invoices are issued; hourly rollups, reports and invoices stay. 'keep' (default) keeps every event")
	fs.DurationVar(&s.maintEvery, "event-maintenance-interval", time.Hour,
		"how often usage event partitions are created ahead (this month and the next two) and --event-retention applied")
}

// retentionFlag is a duration that also reads whole days ("90d") and
// "keep" (0: keep every event).
type retentionFlag struct{ d time.Duration }

func (r *retentionFlag) String() string {
	if r == nil || r.d <= 0 {
		return "keep"
	}
	return r.d.String()
}

func (r *retentionFlag) Set(s string) error {
	s = strings.TrimSpace(s)
	switch {
	case s == "keep" || s == "" || s == "0":
		r.d = 0
		return nil
	case strings.HasSuffix(s, "d"):
		n, err := strconv.Atoi(strings.TrimSuffix(s, "d"))
		if err != nil || n <= 0 {
			return fmt.Errorf("want a positive number of days such as 90d, a duration such as 2160h, or keep")
		}
		r.d = time.Duration(n) * 24 * time.Hour
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return fmt.Errorf("want a positive number of days such as 90d, a duration such as 2160h, or keep")
	}
	r.d = d
	return nil
}

// startScale connects the read standby (when given), registers its metrics
// and starts the usage event maintenance; the returned stop waits for the
// maintenance loop to end.
func startScale(ctx context.Context, a *app.App, s scaleFlags, reg prometheus.Registerer, log *slog.Logger) (stop func(), err error) {
	if s.readURL != "" {
		if a.DB.Dialect() != store.Postgres {
			return nil, usageError{"--database-read-url needs --database-url on PostgreSQL"}
		}
		if s.readMaxLag <= 0 {
			return nil, usageError{"--database-read-max-lag must be more than 0"}
		}
		if err := a.DB.OpenReadReplica(ctx, store.ReadReplicaOptions{URL: s.readURL, MaxLag: s.readMaxLag, Logger: log}); err != nil {
			return nil, err
		}
	}
	if s.retention.d > 0 && a.DB.Dialect() != store.Postgres {
		log.Warn("--event-retention applies to PostgreSQL only; SQLite keeps every event")
	}
	if err := registerDBMetrics(a.DB, reg); err != nil {
		return nil, err
	}
	if s.maintEvery <= 0 {
		s.maintEvery = time.Hour
	}
	// At start before serving, so this month's and the next ones'
	// partitions exist whatever the migration's clock said; then under an
	// advisory lock, so one replica at a time drops partitions.
	if _, err := a.DB.MaintainEvents(ctx, 0); err != nil {
		return nil, fmt.Errorf("create usage event partitions: %w", err)
	}
	mctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	lock := a.DB.AdvisoryLock("event-maintenance")
	go func() {
		defer close(done)
		scheduler.Every(mctx, s.maintEvery, func(ctx context.Context) {
			scheduler.Locked(ctx, lock, "event maintenance", log, func() { maintainEvents(ctx, a.DB, s.retention.d, log) })
		})
	}()
	return func() { cancel(); <-done }, nil
}

func maintainEvents(ctx context.Context, db *store.DB, keep time.Duration, log *slog.Logger) {
	res, err := db.MaintainEvents(ctx, keep)
	if err != nil && !errors.Is(err, context.Canceled) {
		log.Error("usage event maintenance failed", "err", err)
	}
	if len(res.Created)+len(res.Dropped)+len(res.Kept) > 0 || res.ForgottenIDs > 0 {
		log.Info("usage event maintenance", "created", res.Created, "dropped", res.Dropped,
			"kept_uninvoiced", res.Kept, "forgotten_ids", res.ForgottenIDs)
	}
}

// registerDBMetrics shows where statements ran: billingd_db_statements_total
// counts every statement, billingd_db_read_replica_statements_total those the
// standby answered, and the standby's usability and staleness.
func registerDBMetrics(db *store.DB, reg prometheus.Registerer) error {
	cs := []prometheus.Collector{
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "billingd_db_statements_total",
			Help: "SQL statements run, on the primary and the read replica together."},
			func() float64 { return float64(db.Queries()) }),
	}
	if db.ReadReplicaStats().Configured {
		cs = append(cs,
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "billingd_db_read_replica_statements_total",
				Help: "SQL statements the read replica (--database-read-url) answered for requests."},
				func() float64 { return float64(db.ReadReplicaStats().Statements) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "billingd_db_read_replica_usable",
				Help: "1 while reads that may be stale go to the read replica, 0 while they go to the primary."},
				func() float64 {
					if db.ReadReplicaStats().Usable {
						return 1
					}
					return 0
				}),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "billingd_db_read_replica_staleness_seconds",
				Help: "How far behind the primary the read replica is known to be at most (-1: unreachable or not a standby)."},
				func() float64 {
					st := db.ReadReplicaStats()
					if st.Staleness == 0 && !st.Usable {
						return -1
					}
					return st.Staleness.Seconds()
				}))
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}
