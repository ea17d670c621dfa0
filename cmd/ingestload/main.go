// Command ingestload measures usage ingestion: it posts batches of events to
// a running billingd over loopback HTTP from N workers for a duration and
// prints events/s, then loads the same number of rows into a scratch table
// with PostgreSQL's COPY, the database's own bulk-load limit, and prints the
// ratio of the two. With --direct it calls the usage service in its own
// process instead, on the database itself: the same ingestion without HTTP
// and JSON, which tells the server's share of the gap from the database's.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/usage"
	"github.com/billingd/billingd/internal/app"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"
)

type config struct {
	target, token, ns, pg string
	direct                bool
	copyRows              int64
	workers, batch        int
	objects               int
	duration              time.Duration
}

func main() {
	var c config
	flag.StringVar(&c.target, "target", "http://127.0.0.1:8080", "billingd base URL (loopback only)")
	flag.StringVar(&c.token, "token", "", "API token of an editor or admin")
	flag.StringVar(&c.ns, "namespace", "bench", "namespace to ingest into")
	flag.StringVar(&c.pg, "pg", "", "PostgreSQL URL for the COPY comparison (skipped when empty)")
	flag.Int64Var(&c.copyRows, "copy-only", 0, "only load this many rows with COPY into --pg (no ingestion), so a script can measure each phase apart")
	flag.BoolVar(&c.direct, "direct", false, "call the usage service in this process on the database --pg instead of posting to --target (ingestion's cost without HTTP and JSON)")
	flag.IntVar(&c.workers, "workers", 8, "concurrent HTTP clients (with --direct: concurrent batches)")
	flag.IntVar(&c.batch, "batch", 1000, "events per request")
	flag.IntVar(&c.objects, "objects", 100, "distinct object names (rollup rows per hour and usage type)")
	flag.DurationVar(&c.duration, "duration", 10*time.Second, "how long to send")
	flag.Parse()
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "ingestload:", err)
		os.Exit(1)
	}
}

func run(c config) error {
	if c.copyRows > 0 {
		if c.pg == "" {
			return fmt.Errorf("--copy-only needs --pg")
		}
		_, err := copyReport(c, c.copyRows)
		return err
	}
	if c.token == "" {
		return fmt.Errorf("--token is required")
	}
	var send sender
	how := "http ingest"
	if c.direct {
		if c.pg == "" {
			return fmt.Errorf("--direct needs --pg")
		}
		s, closeApp, err := directSender(c)
		if err != nil {
			return err
		}
		defer closeApp()
		send, how = s, "direct ingest (no HTTP)"
	} else {
		u, err := url.Parse(c.target)
		if err != nil {
			return err
		}
		// A load generator pointed at someone else's server is an attack.
		if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return fmt.Errorf("--target %s is not a loopback address", c.target)
		}
		send = httpSender(c)
	}
	n, d, lat, err := closedLoop(c, send)
	if err != nil {
		return err
	}
	rate := float64(n) / d.Seconds()
	fmt.Printf("%s: %d events accepted in %s by %d workers, batches of %d: %.0f events/s; batch latency p50 %s p99 %s\n",
		how, n, d.Round(time.Millisecond), c.workers, c.batch, rate, pct(lat, 0.50), pct(lat, 0.99))
	if c.pg == "" || n == 0 {
		return nil
	}
	cd, err := copyReport(c, n)
	if err != nil {
		return err
	}
	fmt.Printf("ratio %s / COPY: %.2f\n", how, rate/(float64(n)/cd.Seconds()))
	return nil
}

// copyReport loads n rows with COPY, prints the rate and answers the time
// it took.
func copyReport(c config, n int64) (time.Duration, error) {
	cd, err := copyLoad(c, n)
	if err != nil {
		return 0, err
	}
	fmt.Printf("postgres COPY: the same %d rows (same columns and primary key, batches of %d, %d connections) in %s: %.0f rows/s\n",
		n, c.batch, c.workers, cd.Round(time.Millisecond), float64(n)/cd.Seconds())
	return cd, nil
}

func pct(lat []time.Duration, p float64) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return lat[min(len(lat)-1, int(float64(len(lat))*p))].Round(100 * time.Microsecond)
}

// milliQuantity is the quantity of event number k in thousandths, for both
// senders: 0.100 to 999.196, whose thousandths are always 100 to 196.
func milliQuantity(k int) int64 {
	return int64(k%1000*1000 + 100 + k%97)
}

// batchBody builds a batch of new events: unique IDs, spread over objects and
// the last hours, so each batch updates a realistic number of rollup rows.
// It appends bytes instead of calling json.Marshal: the generator shares the
// machine with the server and the database, and must cost little CPU.
func batchBody(buf []byte, run string, worker, seq, size, objects int, stamps [][]byte) []byte {
	b := append(buf[:0], '[')
	for i := 0; i < size; i++ {
		k := seq*size + i
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":"`...)
		b = append(b, run...)
		b = append(b, '-')
		b = strconv.AppendInt(b, int64(worker), 10)
		b = append(b, '-')
		b = strconv.AppendInt(b, int64(k), 10)
		b = append(b, `","usage_type":"http_requests","object_name":"lb-`...)
		b = strconv.AppendInt(b, int64(k%objects), 10)
		b = append(b, `","quantity":"`...)
		m := milliQuantity(k)
		b = strconv.AppendInt(b, m/1000, 10)
		b = append(b, '.')
		b = strconv.AppendInt(b, m%1000, 10) // 100 to 196: three digits
		b = append(b, `","unit_name":"request","timestamp":"`...)
		b = append(b, stamps[k%len(stamps)]...)
		b = append(b, `"}`...)
	}
	return append(b, ']')
}

// sender sends worker w's batch number seq and answers how many events
// were accepted.
type sender func(ctx context.Context, w, seq int) (int, error)

// closedLoop runs c.workers workers for c.duration, each sending its next
// batch as soon as the previous one is answered, and answers the events
// accepted, the time taken and every batch's latency.
func closedLoop(c config, send sender) (int64, time.Duration, []time.Duration, error) {
	var accepted atomic.Int64
	var mu sync.Mutex
	var lats []time.Duration
	var firstErr error
	ctx, cancel := context.WithTimeout(context.Background(), c.duration)
	defer cancel()
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < c.workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for seq := 0; ctx.Err() == nil; seq++ {
				t0 := time.Now()
				// The batch in flight when the duration ends is finished,
				// not cancelled: a cancelled batch is not an error.
				n, err := send(context.WithoutCancel(ctx), w, seq)
				if err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
				accepted.Add(int64(n))
				mu.Lock()
				lats = append(lats, time.Since(t0))
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	return accepted.Load(), time.Since(start), lats, firstErr
}

// recentStamps is the last 3 hours, a minute apart, the events' timestamps.
func recentStamps() []time.Time {
	now := time.Now().UTC()
	stamps := make([]time.Time, 180)
	for i := range stamps {
		stamps[i] = now.Add(-time.Duration(i) * time.Minute).Truncate(time.Second)
	}
	return stamps
}

// httpSender posts each batch as JSON to the server.
func httpSender(c config) sender {
	tr := &http.Transport{MaxIdleConnsPerHost: c.workers}
	client := &http.Client{Transport: tr, Timeout: 60 * time.Second}
	runID := fmt.Sprintf("r%d", time.Now().UnixNano())
	var stamps [][]byte
	for _, t := range recentStamps() {
		stamps = append(stamps, []byte(t.Format(time.RFC3339)))
	}
	bodies := make([][]byte, c.workers) // one buffer per worker, reused
	return func(ctx context.Context, w, seq int) (int, error) {
		bodies[w] = batchBody(bodies[w], runID, w, seq, c.batch, c.objects, stamps)
		req, _ := http.NewRequestWithContext(ctx, "POST", c.target+"/api/web/namespaces/"+c.ns+"/usage/events", bytes.NewReader(bodies[w]))
		req.Header.Set("Authorization", "APIToken "+c.token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		var res struct {
			Accepted int `json:"accepted"`
			Rejected []struct {
				Reason string `json:"reason"`
			} `json:"rejected"`
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || json.Unmarshal(b, &res) != nil || len(res.Rejected) > 0 {
			return 0, fmt.Errorf("status %d: %.300s", resp.StatusCode, b)
		}
		return res.Accepted, nil
	}
}

// directSender ingests each batch by calling the usage service in this
// process, on the database at c.pg: the same domain and store code as the
// server (validation, content hashes, exactly-once, rollups), without HTTP
// and JSON. Its rate is what the server could reach if HTTP cost nothing.
// It answers the sender and a function closing what it opened.
func directSender(c config) (sender, func(), error) {
	ctx := context.Background()
	a, err := app.New(ctx, app.Config{DatabaseURL: c.pg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Clock: kernel.SystemClock{}})
	if err != nil {
		return nil, nil, err
	}
	p, err := a.Tenancy.Authenticate(ctx, "APIToken "+c.token)
	if err != nil {
		a.Close()
		return nil, nil, err
	}
	runID := fmt.Sprintf("d%d", time.Now().UnixNano())
	stamps := recentStamps()
	send := func(ctx context.Context, w, seq int) (int, error) {
		events := make([]usage.Event, c.batch)
		for i := range events {
			k := seq*c.batch + i
			events[i] = usage.Event{ID: fmt.Sprintf("%s-%d-%d", runID, w, k), UsageType: "http_requests",
				ObjectName: "lb-" + strconv.Itoa(k%c.objects), Quantity: decimal.New(milliQuantity(k), -3),
				UnitName: "request", Timestamp: stamps[k%len(stamps)]}
		}
		res, err := a.Usage.Ingest(ctx, p, c.ns, events)
		if err == nil && len(res.Rejected) > 0 {
			err = fmt.Errorf("%d events rejected, the first: %s", len(res.Rejected), res.Rejected[0].Reason)
		}
		return res.Accepted, err
	}
	return send, func() { a.Close() }, nil
}

// copyLoad loads n rows shaped like usage_events into a scratch table with
// the same primary key, from the same number of connections in batches of
// the same size, so the comparison is like for like (WAL, unique index).
func copyLoad(c config, n int64) (time.Duration, error) {
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, c.pg)
	if err != nil {
		return 0, err
	}
	defer admin.Close(ctx)
	const table = "ingestload_copy_scratch"
	if _, err := admin.Exec(ctx, `DROP TABLE IF EXISTS `+table+`;
		CREATE TABLE `+table+` (tenant_id TEXT NOT NULL, event_id TEXT NOT NULL, namespace TEXT NOT NULL, usage_type TEXT NOT NULL,
		object_name TEXT NOT NULL, deployment TEXT NOT NULL, container TEXT NOT NULL, quantity NUMERIC NOT NULL, unit_name TEXT NOT NULL,
		ts TIMESTAMPTZ NOT NULL, content_hash TEXT NOT NULL, received_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (tenant_id, event_id))`); err != nil {
		return 0, err
	}
	defer admin.Exec(ctx, `DROP TABLE IF EXISTS `+table) //nolint:errcheck
	cols := []string{"tenant_id", "event_id", "namespace", "usage_type", "object_name", "deployment", "container", "quantity", "unit_name", "ts", "content_hash", "received_at"}
	hash := "3f1c0a9e5b7d2c4e6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e"
	now := time.Now().UTC()
	var next atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, c.workers)
	start := time.Now()
	for w := 0; w < c.workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := pgx.Connect(ctx, c.pg)
			if err != nil {
				errc <- err
				return
			}
			defer conn.Close(ctx)
			for {
				lo := next.Add(int64(c.batch)) - int64(c.batch)
				if lo >= n {
					return
				}
				hi := min(lo+int64(c.batch), n)
				rows := make([][]any, 0, hi-lo)
				for k := lo; k < hi; k++ {
					q := pgtype.Numeric{Int: big.NewInt(k % 1000 * 1000), Exp: -3, Valid: true}
					rows = append(rows, []any{"tenant-bench", fmt.Sprintf("copy-%d", k), "bench", "http_requests", fmt.Sprintf("lb-%d", k%int64(c.objects)),
						"", "", q, "request", now.Add(-time.Duration(k%180) * time.Minute), hash, now})
				}
				if _, err := conn.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows)); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	d := time.Since(start)
	close(errc)
	return d, <-errc
}
