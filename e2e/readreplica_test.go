package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// newStandby makes a streaming standby of primary with pg_basebackup -R
// into a temporary folder and starts it on a port of its own; it is
// stopped at cleanup.
func newStandby(t *testing.T, primary *pgCluster) *pgCluster {
	t.Helper()
	dir, err := os.MkdirTemp("", "billingd-pgstandby-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("chown", "postgres:postgres", dir).CombinedOutput(); err != nil {
		t.Fatalf("chown: %v %s", err, out)
	}
	s := &pgCluster{t: t, bin: primary.bin, dir: dir, port: freePort(t)}
	s.su(fmt.Sprintf("%s/pg_basebackup -h 127.0.0.1 -p %d -U postgres -D %s/data -R -X stream -c fast >%s/initdb.log 2>&1",
		primary.bin, primary.port, dir, dir))
	t.Cleanup(func() {
		_ = exec.Command("su", "postgres", "-s", "/bin/sh", "-c",
			fmt.Sprintf("%s/pg_ctl -D %s/data -m immediate -w stop", s.bin, dir)).Run()
	})
	s.Start()
	return s
}

// metric reads one unlabelled sample from /metrics.
func metric(t *testing.T, s *server, name string) float64 {
	t.Helper()
	v, ok := metricSample(t, s, name)
	if !ok {
		t.Fatalf("no %s in /metrics", name)
	}
	return v
}

// TestReadReplica runs billingd with a real streaming standby as
// --database-read-url: reports and GraphQL queries are answered by the
// standby (its statement counter moves, and with replay paused it shows the
// data of before the pause), writes and the writing token's own reads use
// the primary, a standby past --database-read-max-lag or stopped hands the
// reads to the primary, and one that catches up or comes back takes them
// again, without a restart.
func TestReadReplica(t *testing.T) {
	t.Parallel()
	pg := newPGCluster(t)
	dbURL := pg.CreateDB("billingd")
	writer := token(t, dbURL, "acme", "admin", "")
	reader := token(t, dbURL, "acme", "viewer", "")
	standby := newStandby(t, pg)
	// A wide bound: with replay paused the standby must stay in use long
	// enough to be caught serving old data on a loaded machine.
	const maxLag = 20 * time.Second
	s := startOn(t, dbURL, loadFlags("--database-read-url", standby.URL("billingd"), "--database-read-max-lag", maxLag.String())...)
	sdb := openSQL(t, "pgx", standby.URL("billingd"))

	replica := func() float64 { return metric(t, s, "billingd_db_read_replica_statements_total") }
	waitUsable := func(want float64) {
		t.Helper()
		deadline := time.Now().Add(maxLag + 60*time.Second)
		for metric(t, s, "billingd_db_read_replica_usable") != want {
			if time.Now().After(deadline) {
				t.Fatalf("billingd_db_read_replica_usable did not become %v\n%s", want, s.logs.String())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	now := time.Now().UTC()
	var seq int
	ingest := func(qty string) {
		t.Helper()
		seq++
		before := replica()
		acc, _, rej := ingestCounts(t, s.do("POST", eventsPath, writer, []any{event(fmt.Sprintf("e%d", seq), "http_requests", "request", qty, now.Add(-time.Minute))}))
		if acc != 1 || len(rej) != 0 {
			t.Fatalf("ingest: accepted %d, rejected %v", acc, rej)
		}
		if after := replica(); after != before {
			t.Fatalf("an ingestion ran %v statements on the standby", after-before)
		}
	}
	rng := fmt.Sprintf(`{"start_time":%q,"end_time":%q}`, now.Add(-2*time.Hour).Format(time.RFC3339), now.Add(time.Hour).Format(time.RFC3339))
	// summary is http_requests over the window, by REST (usage_summary) or
	// GraphQL (usageSummary), and whether the standby ran statements for it.
	summary := func(tok string, gql bool) (decimal.Decimal, bool) {
		t.Helper()
		before := replica()
		total := decimal.Zero
		if gql {
			q := fmt.Sprintf(`{"query":"{ usageSummary(from: \"%s\", to: \"%s\") { usageType quantity } }"}`,
				now.Add(-2*time.Hour).Format(time.RFC3339), now.Add(time.Hour).Format(time.RFC3339))
			r := s.do("POST", "/graphql", tok, q, "Content-Type", "application/json")
			expect(t, r, 200)
			var body struct {
				Data struct {
					UsageSummary []struct {
						UsageType string
						Quantity  decimal.Decimal
					}
				}
				Errors []any
			}
			if err := json.Unmarshal(r.Body, &body); err != nil || len(body.Errors) > 0 {
				t.Fatalf("usageSummary: %v %s", err, r.Body)
			}
			for _, it := range body.Data.UsageSummary {
				if it.UsageType == "http_requests" {
					total = total.Add(it.Quantity)
				}
			}
		} else {
			r := s.do("POST", "/api/data/namespaces/system/billing/usage_summary", tok, rng)
			expect(t, r, 200)
			var body struct {
				Items []struct {
					Data struct {
						Unit  string
						Value struct{ Value decimal.Decimal } `json:"metric_value"`
					} `json:"usage_metric_data"`
				} `json:"usage_summary_items"`
			}
			if err := json.Unmarshal(r.Body, &body); err != nil {
				t.Fatalf("usage_summary: %v %s", err, r.Body)
			}
			for _, it := range body.Items {
				if it.Data.Unit == "request" {
					total = total.Add(it.Data.Value.Value)
				}
			}
		}
		return total, replica() > before
	}

	// 1. Streaming: the standby answers reports and queries.
	ingest("5")
	waitUsable(1)
	var servedREST, servedGQL bool
	for i := 0; i < 50 && !(servedREST && servedGQL); i++ {
		// The writer's own reads go to the primary until the standby has
		// replayed its write, so they always show it.
		if got, _ := summary(writer, false); !got.Equal(decimal.NewFromInt(5)) {
			t.Fatalf("the writer reads %s right after writing 5", got)
		}
		gotR, byStandbyR := summary(reader, false)
		gotG, byStandbyG := summary(reader, true)
		servedREST, servedGQL = servedREST || byStandbyR, servedGQL || byStandbyG
		// Within the bound a reader may see the standby before the write.
		for _, got := range []decimal.Decimal{gotR, gotG} {
			if !got.Equal(decimal.NewFromInt(5)) && !got.IsZero() {
				t.Fatalf("a reader sees %s, want 5 (or 0 from a standby not there yet)", got)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !servedREST || !servedGQL {
		t.Fatalf("the standby answered no report (REST %v, GraphQL %v)", servedREST, servedGQL)
	}

	// 2. Replay paused: the standby stays in use within the bound and then
	// shows the data of before the pause, the writer still reads its own
	// writes (primary), and past the bound the primary answers everyone.
	standbyHas := func(events int) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for {
			var n int
			if err := sdb.QueryRow(`SELECT count(*) FROM usage_events`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n == events {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the standby holds %d events, want %d", n, events)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	standbyHas(1)
	if _, err := sdb.Exec(`SELECT pg_wal_replay_pause()`); err != nil {
		t.Fatal(err)
	}
	// The pause is a request: replay stops at the next record boundary.
	for deadline := time.Now().Add(30 * time.Second); ; {
		var state string
		if err := sdb.QueryRow(`SELECT pg_get_wal_replay_pause_state()`).Scan(&state); err != nil {
			t.Fatal(err)
		}
		if state == "paused" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("replay pause state %q", state)
		}
		time.Sleep(20 * time.Millisecond)
	}
	ingest("7") // 12 on the primary, 5 on the paused standby
	if got, byStandby := summary(writer, false); !got.Equal(decimal.NewFromInt(12)) || byStandby {
		t.Fatalf("the writer reads %s (standby: %v) after writing; want 12 from the primary", got, byStandby)
	}
	sawStale := false
	for i := 0; i < 20; i++ {
		got, byStandby := summary(reader, true)
		if byStandby {
			if !got.Equal(decimal.NewFromInt(5)) {
				t.Fatalf("the paused standby answered %s, want 5 (its replay stopped before the 7)", got)
			}
			sawStale = true
			break
		}
		if !got.Equal(decimal.NewFromInt(12)) {
			t.Fatalf("the primary answered %s, want 12", got)
		}
	}
	if !sawStale {
		t.Fatalf("the paused standby answered nothing within its staleness bound")
	}
	waitUsable(0)
	for _, gql := range []bool{false, true} {
		if got, byStandby := summary(reader, gql); byStandby || !got.Equal(decimal.NewFromInt(12)) {
			t.Fatalf("past the staleness bound: %s (standby: %v), want 12 from the primary", got, byStandby)
		}
	}
	if _, err := sdb.Exec(`SELECT pg_wal_replay_resume()`); err != nil {
		t.Fatal(err)
	}
	waitUsable(1)
	if got, _ := summary(reader, true); !got.Equal(decimal.NewFromInt(12)) {
		t.Fatalf("after replay resumed: %s, want 12", got)
	}

	// 3. Standby stopped: the primary takes the reads over; started again,
	// the standby gets them back, billingd running all along.
	standby.Stop()
	waitUsable(0)
	ingest("1")
	for _, gql := range []bool{false, true} {
		if got, byStandby := summary(reader, gql); byStandby || !got.Equal(decimal.NewFromInt(13)) {
			t.Fatalf("standby stopped: %s (standby: %v), want 13 from the primary", got, byStandby)
		}
	}
	standby.Start()
	waitUsable(1)
	served := false
	for i := 0; i < 50 && !served; i++ {
		var got decimal.Decimal
		got, served = summary(reader, true)
		if !got.Equal(decimal.NewFromInt(13)) {
			t.Fatalf("standby back: %s, want 13", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !served {
		t.Fatalf("the standby, back, answered no query")
	}
	if !strings.Contains(s.logs.String(), "read replica in use") {
		t.Fatalf("no 'read replica in use' in the log")
	}
}
