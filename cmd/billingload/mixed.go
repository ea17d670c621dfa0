package main

// The mixed scenario: an open-loop, weighted mix of every kind of request a
// real installation sees (usage ingestion batches, quota reservations, REST
// reads of every report and the nested GraphQL query), followed by a check
// that nothing was lost or counted twice.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// mixedConfig is what the mixed scenario needs from the command line.
type mixedConfig struct {
	target, token string
	prefix        string // namespace prefix: PREFIX-0 .. PREFIX-(namespaces-1)
	namespaces    int
	rate          int
	dur           time.Duration
	mix           string
	minBatch      int
	maxBatch      int
}

// mixedGraphQL is the frontend's nested query (issue 2 §5 plus usage and cost).
const mixedGraphQL = `{ namespaces(first: 50) { edges { node { name quotas { edges { node { name } } } quotaUsage { objects { key current } } usage { items { quantity } } cost { totalCents } } } } }`

// opStats is what one operation measured.
type opStats struct {
	mu        sync.Mutex
	latencies []time.Duration
	statuses  map[string]int // unexpected answers: "503", "error: ..." -> count
	ok        int
}

func (s *opStats) add(d time.Duration, status int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latencies = append(s.latencies, d)
	switch {
	case err != nil:
		msg := err.Error()
		if i := strings.LastIndex(msg, ": "); i >= 0 {
			msg = msg[i+2:] // drop the URL, keep the cause
		}
		s.statuses["error: "+msg]++
	case status == http.StatusOK:
		s.ok++
	default:
		s.statuses[strconv.Itoa(status)]++
	}
}

// note counts an answer that was a 200 but still not the expected one.
func (s *opStats) note(what string) {
	s.mu.Lock()
	s.statuses[what]++
	s.ok--
	s.mu.Unlock()
}

// mixer runs the scenario.
type mixer struct {
	c      mixedConfig
	client *http.Client
	runID  string

	statsMu sync.Mutex
	stats   map[string]*opStats
	order   []string

	// Ingestion: what 200 answers acknowledged, and what their batches held.
	batchSeq   atomic.Int64
	sentOK     atomic.Int64 // events in batches answered 200
	accepted   atomic.Int64
	duplicates atomic.Int64
	rejected   atomic.Int64
	sentOther  atomic.Int64 // events in batches not answered 200 (unknown fate until resent)
	resentOK   atomic.Int64 // of those, events whose resend was answered 200
	failedMu   sync.Mutex
	failed     [][]byte // bodies of batches without a 200, resent after the run

	// Reservations: per namespace, the +1s not yet released and the net of
	// the 200-answered deltas.
	pending    []atomic.Int64
	net        []atomic.Int64
	reserveSeq atomic.Int64
	unknownMu  sync.Mutex
	unknown    []reservation // sent, but no 200 and no 4xx: retried after the run

	fivexx   atomic.Int64
	noAnswer atomic.Int64 // transport errors and client timeouts (10 s)
}

func (m *mixer) op(name string) *opStats {
	m.statsMu.Lock()
	defer m.statsMu.Unlock()
	s, ok := m.stats[name]
	if !ok {
		s = &opStats{statuses: map[string]int{}}
		m.stats[name] = s
		m.order = append(m.order, name)
	}
	return s
}

// do sends one request, records it under op (when op is not empty) and
// returns the status and body.
func (m *mixer) do(ctx context.Context, op, method, path string, body []byte, hdr ...string) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, m.c.target+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "APIToken "+m.c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	t := time.Now()
	resp, err := m.client.Do(req)
	var b []byte
	status := 0
	if err == nil {
		b, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		status = resp.StatusCode
	}
	if op != "" {
		m.op(op).add(time.Since(t), status, err)
	}
	if status >= 500 {
		m.fivexx.Add(1)
	}
	if err != nil && op != "" {
		m.noAnswer.Add(1)
	}
	return status, b, err
}

func (m *mixer) ns(i int) string { return fmt.Sprintf("%s-%d", m.c.prefix, i%m.c.namespaces) }

// weighted is one entry of the mix.
type weighted struct {
	name   string
	weight int
	run    func(ctx context.Context, i int)
}

// parseMix reads "ingest=2,reserve=40,read=52,graphql=6".
func parseMix(s string) (map[string]int, error) {
	out := map[string]int{}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil || n < 0 {
			return nil, fmt.Errorf("--mix: %q is not name=weight", part)
		}
		switch k {
		case "ingest", "reserve", "read", "graphql":
			out[k] = n
		default:
			return nil, fmt.Errorf("--mix: unknown operation %q (ingest, reserve, read, graphql)", k)
		}
	}
	return out, nil
}

func runMixed(c mixedConfig) error {
	mix, err := parseMix(c.mix)
	if err != nil {
		return err
	}
	if c.rate <= 0 || c.namespaces <= 0 || c.minBatch <= 0 || c.maxBatch < c.minBatch {
		return fmt.Errorf("mixed: --rate, --mix-namespaces and the batch sizes must be positive")
	}
	m := &mixer{
		c:       c,
		client:  &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c.rate/4 + 64}, Timeout: 10 * time.Second},
		runID:   strconv.FormatInt(time.Now().UnixNano(), 36),
		stats:   map[string]*opStats{},
		pending: make([]atomic.Int64, c.namespaces),
		net:     make([]atomic.Int64, c.namespaces),
	}
	bg := context.Background()
	// The verification window: every event of this run is stamped in the
	// hour before it is sent, so [start-2h, end+2h) holds them all.
	start := time.Now()
	from := start.Add(-2 * time.Hour).UTC().Truncate(time.Hour)
	to := start.Add(c.dur + 2*time.Hour).UTC().Truncate(time.Hour)
	baseEvents, err := m.storedEvents(bg, from, to)
	if err != nil {
		return fmt.Errorf("baseline usage_details: %w", err)
	}
	baseRes := make([]float64, c.namespaces)
	for i := range baseRes {
		if baseRes[i], err = m.reserved(bg, i); err != nil {
			return fmt.Errorf("baseline quota/usage: %w", err)
		}
	}

	var ops []weighted
	add := func(name string, w int, f func(context.Context, int)) {
		if w > 0 {
			ops = append(ops, weighted{name, w, f})
		}
	}
	add("ingest", mix["ingest"], m.ingest)
	add("reserve", mix["reserve"], m.reserve)
	add("graphql", mix["graphql"], func(ctx context.Context, _ int) {
		body, _ := json.Marshal(map[string]string{"query": mixedGraphQL})
		st, b, err := m.do(ctx, "graphql", "POST", "/graphql", body)
		// GraphQL answers 200 with an errors array; count that as unexpected.
		if err == nil && st == 200 && bytes.Contains(b, []byte(`"errors"`)) {
			m.op("graphql").note("200 with errors[]")
		}
	})
	reads := m.reads()
	if w := mix["read"]; w > 0 {
		// The read share is split evenly over every kind of read.
		for _, r := range reads {
			add(r.name, max(w*100/len(reads), 1), r.run)
		}
		for i := range ops {
			if ops[i].name == "ingest" || ops[i].name == "reserve" || ops[i].name == "graphql" {
				ops[i].weight *= 100
			}
		}
	}
	if len(ops) == 0 {
		return fmt.Errorf("--mix has no operation with a weight")
	}
	// A fixed schedule: request i is due at start + i/rate and is the op a
	// deterministic weighted pick names, whatever the answers do.
	total := 0
	for _, o := range ops {
		total += o.weight
	}
	pick := make([]int, 0, total)
	for i, o := range ops {
		for j := 0; j < o.weight; j++ {
			pick = append(pick, i)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(pick), func(i, j int) { pick[i], pick[j] = pick[j], pick[i] })

	fmt.Printf("mixed: %d requests/s for %s over %d namespaces, batches of %d-%d events, mix %s\n", c.rate, c.dur, c.namespaces, c.minBatch, c.maxBatch, c.mix)
	ctx := bg
	runCtx, cancel := context.WithTimeout(bg, c.dur)
	defer cancel()
	interval := time.Second / time.Duration(c.rate)
	var wg sync.WaitGroup
	start = time.Now()
	late := 0
	sent := 0
	for i := 0; runCtx.Err() == nil; i++ {
		due := start.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		} else if -d > 100*time.Millisecond {
			late++
		}
		if runCtx.Err() != nil {
			break
		}
		o := ops[pick[i%len(pick)]]
		wg.Add(1)
		sent++
		go func(i int) {
			defer wg.Done()
			o.run(ctx, i)
		}(i)
	}
	sendEnd := time.Since(start)
	wg.Wait()
	elapsed := time.Since(start)

	// Report per operation.
	fmt.Printf("sent %d requests in %s (%.0f/s offered; %d were sent >100 ms late by the generator); all answered after %s\n",
		sent, sendEnd.Round(time.Millisecond), float64(sent)/sendEnd.Seconds(), late, elapsed.Round(time.Millisecond))
	fmt.Printf("%-22s %7s %9s %9s %9s %9s %9s  %s\n", "operation", "count", "per s", "p50", "p95", "p99", "max", "unexpected statuses")
	sort.Strings(m.order)
	for _, name := range m.order {
		s := m.stats[name]
		sort.Slice(s.latencies, func(i, j int) bool { return s.latencies[i] < s.latencies[j] })
		pct := func(p float64) string {
			if len(s.latencies) == 0 {
				return "-"
			}
			return fmtDur(s.latencies[int(float64(len(s.latencies)-1)*p)])
		}
		un := "none"
		if len(s.statuses) > 0 {
			un = fmt.Sprint(s.statuses)
		}
		fmt.Printf("%-22s %7d %9.1f %9s %9s %9s %9s  %s\n", name, len(s.latencies), float64(len(s.latencies))/sendEnd.Seconds(), pct(.5), pct(.95), pct(.99), pct(1), un)
	}

	// Resend batches whose fate is unknown (no 200): ingestion is
	// idempotent, so what was stored counts as duplicates.
	m.failedMu.Lock()
	failed := m.failed
	m.failedMu.Unlock()
	for _, b := range failed {
		for try := 0; try < 5; try++ {
			if m.postBatch(bg, "ingest (resend)", b, countEvents(b)) {
				m.resentOK.Add(int64(countEvents(b)))
				break
			}
			time.Sleep(time.Second)
		}
	}

	// Settle reservations whose fate is unknown: the same Idempotency-Key
	// makes the retry count once whether or not the first attempt landed.
	m.unknownMu.Lock()
	unknown := m.unknown
	m.unknownMu.Unlock()
	unsettled := 0
	for _, r := range unknown {
		settled := false
		for try := 0; try < 5 && !settled; try++ {
			st, err := m.sendReservation(bg, "reserve (retry)", r)
			switch {
			case err == nil && st == 200:
				m.net[r.ns].Add(int64(r.delta))
				settled = true
			case err == nil && st < 500:
				settled = true // refused: it did not apply (and a retry of an applied one answers 200)
			default:
				time.Sleep(time.Second)
			}
		}
		if !settled {
			unsettled++
		}
	}

	// Verify.
	var problems []string
	sentOK, acc, dup, rej := m.sentOK.Load(), m.accepted.Load(), m.duplicates.Load(), m.rejected.Load()
	stored, err := m.storedEvents(bg, from, to)
	if err != nil {
		problems = append(problems, "read back usage_details: "+err.Error())
	}
	stored -= baseEvents
	fmt.Printf("verify ingestion: %d events in %d batches answered 200 (%d resent); acknowledged %d accepted + %d duplicates, %d rejected; stored (usage_details on system) %d\n",
		sentOK, m.batchSeq.Load(), len(failed), acc, dup, rej, stored)
	if acc+dup != sentOK || rej != 0 {
		problems = append(problems, fmt.Sprintf("ingestion: %d events sent in 200-answered batches but %d acknowledged and %d rejected", sentOK, acc+dup, rej))
	}
	// Each distinct event is in exactly one 200-answered batch (a batch
	// without a 200 was resent until it had one), so the store must hold
	// exactly sentOK events: fewer is a loss, more a double count.
	if stored != sentOK {
		problems = append(problems, fmt.Sprintf("ingestion: %d distinct events acknowledged but %d stored (lost or doubled: %+d)", sentOK, stored, stored-sentOK))
	}
	if n := m.sentOther.Load() - m.resentOK.Load(); n > 0 {
		problems = append(problems, fmt.Sprintf("ingestion: %d events in batches that never had a 200, even resent", n))
	}
	var netTotal, counterTotal float64
	for i := 0; i < c.namespaces; i++ {
		got, err := m.reserved(bg, i)
		if err != nil {
			problems = append(problems, "read back quota/usage: "+err.Error())
			continue
		}
		got -= baseRes[i]
		want := float64(m.net[i].Load())
		netTotal += want
		counterTotal += got
		if got != want {
			problems = append(problems, fmt.Sprintf("reservations in %s: counter moved by %v, the 200-answered deltas net %v", m.ns(i), got, want))
		}
	}
	fmt.Printf("verify reservations: net of 200-answered deltas %v, counters (quota/usage) moved by %v over %d namespaces; %d reservations without an answer retried with their Idempotency-Key\n",
		netTotal, counterTotal, c.namespaces, len(unknown))
	if unsettled > 0 {
		problems = append(problems, fmt.Sprintf("%d reservations never had an answer, even retried; their effect is unknown", unsettled))
	}
	if n := m.fivexx.Load(); n > 0 {
		problems = append(problems, fmt.Sprintf("%d answers were 5xx", n))
	}
	if n := m.noAnswer.Load(); n > 0 {
		problems = append(problems, fmt.Sprintf("%d requests had no answer within 10 s: the rate was not sustained", n))
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(os.Stderr, "FAIL:", p)
		}
		return fmt.Errorf("mixed: %d problem(s)", len(problems))
	}
	fmt.Println("verify: OK (0 5xx, 0 lost or doubled events, reservation counters exact)")
	return nil
}

func fmtDur(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 2, 64) + "ms"
}

// ingest sends one batch of minBatch..maxBatch valid FREE-plan events with
// unique ids (http_requests, 1 request each, stamped in the last hour).
func (m *mixer) ingest(ctx context.Context, i int) {
	seq := m.batchSeq.Add(1)
	n := m.c.minBatch + int(rand.IntN(m.c.maxBatch-m.c.minBatch+1))
	now := time.Now().UTC()
	var b bytes.Buffer
	b.WriteByte('[')
	for k := 0; k < n; k++ {
		if k > 0 {
			b.WriteByte(',')
		}
		ts := now.Add(-time.Duration(1+rand.IntN(3500)) * time.Second).Format(time.RFC3339)
		fmt.Fprintf(&b, `{"id":"load-%s-%d-%d","usage_type":"http_requests","object_name":"lb-%d","quantity":1,"unit_name":"request","timestamp":%q}`,
			m.runID, seq, k, k%8, ts)
	}
	b.WriteByte(']')
	path := "/api/web/namespaces/" + m.ns(i) + "/usage/events"
	body := b.Bytes()
	if !m.postBatchTo(ctx, "ingest", path, body, n) {
		m.failedMu.Lock()
		m.failed = append(m.failed, append([]byte(path+"\n"), body...))
		m.failedMu.Unlock()
		m.sentOther.Add(int64(n))
	}
}

// postBatch resends a stored "path\nbody".
func (m *mixer) postBatch(ctx context.Context, op string, pb []byte, n int) bool {
	path, body, _ := bytes.Cut(pb, []byte("\n"))
	return m.postBatchTo(ctx, op, string(path), body, n)
}

func (m *mixer) postBatchTo(ctx context.Context, op, path string, body []byte, n int) bool {
	st, b, err := m.do(ctx, op, "POST", path, body)
	if err != nil || st != 200 {
		return false
	}
	var r struct {
		Accepted   int64             `json:"accepted"`
		Duplicates int64             `json:"duplicates"`
		Rejected   []json.RawMessage `json:"rejected"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		m.op(op).note("200 with an unreadable body")
		return false
	}
	m.sentOK.Add(int64(n))
	m.accepted.Add(r.Accepted)
	m.duplicates.Add(r.Duplicates)
	m.rejected.Add(int64(len(r.Rejected)))
	return true
}

func countEvents(pb []byte) int {
	_, body, _ := bytes.Cut(pb, []byte("\n"))
	return bytes.Count(body, []byte(`"id":`))
}

// reservation is one reservation request, with its Idempotency-Key.
type reservation struct {
	ns    int
	delta int
	key   string
}

func (m *mixer) sendReservation(ctx context.Context, op string, r reservation) (int, error) {
	st, _, err := m.do(ctx, op, "POST", "/api/web/namespaces/"+m.ns(r.ns)+"/quota/reserve",
		[]byte(fmt.Sprintf(`{"objects":{"http_loadbalancer":%d}}`, r.delta)), "Idempotency-Key", r.key)
	return st, err
}

// reserve takes one http_loadbalancer in namespace i, or releases one taken
// earlier there and answered 200: +1/-1 pairs, so limits are never reached
// and a release never meets an empty counter.
func (m *mixer) reserve(ctx context.Context, i int) {
	k := i % m.c.namespaces
	r := reservation{ns: k, delta: 1, key: fmt.Sprintf("load-%s-%d", m.runID, m.reserveSeq.Add(1))}
	for {
		p := m.pending[k].Load()
		if p <= 0 {
			break
		}
		if m.pending[k].CompareAndSwap(p, p-1) {
			r.delta = -1
			break
		}
	}
	op := "reserve +1"
	if r.delta < 0 {
		op = "reserve -1"
	}
	st, err := m.sendReservation(ctx, op, r)
	switch {
	case err == nil && st == 200:
		m.net[k].Add(int64(r.delta))
		if r.delta > 0 {
			m.pending[k].Add(1)
		}
	case err != nil || st >= 500:
		// Fate unknown: retried with the same Idempotency-Key after the run.
		m.unknownMu.Lock()
		m.unknown = append(m.unknown, r)
		m.unknownMu.Unlock()
	default:
		if r.delta < 0 { // refused: the unit is still held; release it later
			m.pending[k].Add(1)
		}
	}
}

// reads lists every kind of REST read, each spread over the namespaces.
func (m *mixer) reads() []weighted {
	get := func(name string, path func(ns string) string) weighted {
		return weighted{name: name, run: func(ctx context.Context, i int) { m.do(ctx, name, "GET", path(m.ns(i)), nil) }}
	}
	post := func(name string, path func(ns string) string) weighted {
		return weighted{name: name, run: func(ctx context.Context, i int) { m.do(ctx, name, "POST", path(m.ns(i)), []byte(`{}`)) }}
	}
	web := func(suffix string) func(string) string {
		return func(ns string) string { return "/api/web/namespaces/" + ns + suffix }
	}
	fixed := func(p string) func(string) string { return func(string) string { return p } }
	return []weighted{
		get("quota get", fixed("/api/web/namespaces/system/quotas/bench")),
		get("quota list", web("/quotas")),
		get("quota limits", web("/quota/limits")),
		get("quota usage", web("/quota/usage")),
		post("usage_details", web("/usage_details")),
		post("current_usage", web("/current_usage")),
		post("monthly_usage", web("/monthly_usage")),
		post("usage_summary", fixed("/api/data/namespaces/system/billing/usage_summary")),
		get("usage_plans current", fixed("/api/web/namespaces/system/usage_plans/current")),
		get("usage_plans list", fixed("/api/web/namespaces/system/usage_plans/custom_list")),
		get("subscriptions list", fixed("/api/web/namespaces/system/subscriptions/custom_list")),
	}
}

// storedEvents is the tenant's stored http_requests quantity in [from, to),
// read through the API (usage_details on system covers every namespace).
// Every event of this generator has quantity 1, so it is the event count.
func (m *mixer) storedEvents(ctx context.Context, from, to time.Time) (int64, error) {
	body, _ := json.Marshal(map[string]string{"from": from.Format(time.RFC3339), "to": to.Format(time.RFC3339)})
	st, b, err := m.do(ctx, "", "POST", "/api/web/namespaces/system/usage_details", body)
	if err != nil {
		return 0, err
	}
	if st != 200 {
		return 0, fmt.Errorf("status %d: %s", st, b)
	}
	var r struct {
		UsageItems []struct {
			MetricLabel string  `json:"metric_label"`
			Quantity    float64 `json:"quantity"`
		} `json:"usage_items"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return 0, err
	}
	var sum float64
	for _, it := range r.UsageItems {
		if it.MetricLabel == "http_requests" {
			sum += it.Quantity
		}
	}
	return int64(sum), nil
}

// reserved is the http_loadbalancer counter of namespace i (GET quota/usage).
func (m *mixer) reserved(ctx context.Context, i int) (float64, error) {
	st, b, err := m.do(ctx, "", "GET", "/api/web/namespaces/"+m.ns(i)+"/quota/usage", nil)
	if err != nil {
		return 0, err
	}
	if st != 200 {
		return 0, fmt.Errorf("status %d: %s", st, b)
	}
	var r struct {
		Objects map[string]struct {
			Usage struct {
				Current float64 `json:"current"`
			} `json:"usage"`
		} `json:"objects"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return 0, err
	}
	return r.Objects["http_loadbalancer"].Usage.Current, nil
}
