// Package e2e drives a real billingd binary over HTTP, on SQLite and on
// PostgreSQL, and checks the answers against the upstream OpenAPI schemas.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/adapters/store/storetest"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/tenancy"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "billingd-e2e")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "billingd")
	build := exec.Command("go", "build", "-race", "-o", binary, "../cmd/billingd")
	if os.Getenv("BILLINGD_E2E_NORACE") != "" {
		build = exec.Command("go", "build", "-o", binary, "../cmd/billingd")
	}
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build billingd:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is a running billingd process.
type server struct {
	t      *testing.T
	base   string
	dbURL  string
	cmd    *exec.Cmd
	logs   *syncBuffer
	exited chan error
}

// syncBuffer collects the server's log lines while tests read them.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) WriteString(x string) {
	s.mu.Lock()
	s.b.WriteString(x)
	s.mu.Unlock()
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// billingd runs a CLI command of the binary against dbURL and returns stdout.
func billingd(t *testing.T, dbURL string, args ...string) string {
	t.Helper()
	return billingdEnv(t, dbURL, nil, args...)
}

// billingdEnv is billingd with extra environment variables.
func billingdEnv(t *testing.T, dbURL string, env []string, args ...string) string {
	t.Helper()
	return billingdBin(t, binary, dbURL, env, args...)
}

// billingdBin is billingdEnv with another build of billingd (bin).
func billingdBin(t *testing.T, bin, dbURL string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append(args, "--database-url", dbURL)...)
	cmd.Env = append(clockEnv(dbURL), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("billingd %v: %v\n%s", args, err, errb.String())
	}
	return out.String()
}

// token creates a token and returns the secret (the last line of stdout).
func token(t *testing.T, dbURL, tenant, role, ns string) string {
	t.Helper()
	args := []string{"token", "create", "--tenant", tenant, "--role", role}
	if ns != "" {
		args = append(args, "--namespace", ns)
	}
	lines := strings.Split(strings.TrimSpace(billingd(t, dbURL, args...)), "\n")
	return lines[len(lines)-1]
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// start runs `billingd serve` on a fresh database of dialect d, on the
// wall clock.
func start(t *testing.T, d store.Dialect) *server {
	t.Helper()
	dbURL := storetest.URL(t, d)
	return startOn(t, dbURL)
}

// startAt runs `billingd serve` on a fresh database of dialect d with its
// clock starting at the instant at; CLI commands run through billingd()
// against that database use the same (running) clock.
func startAt(t *testing.T, d store.Dialect, at time.Time) *server {
	t.Helper()
	return startOnAt(t, storetest.URL(t, d), at)
}

// startOnAt is startOn with the clock starting at the instant at.
func startOnAt(t *testing.T, dbURL string, at time.Time, extra ...string) *server {
	t.Helper()
	setSimClock(dbURL, at)
	return startOn(t, dbURL, append([]string{"--clock-start", at.UTC().Format(time.RFC3339Nano)}, extra...)...)
}

// spawnServe starts `billingd serve` on addr and dbURL with extra flags,
// collects its log lines and stops it when the test ends (logging them if
// it failed); exited receives the process's end. BILLINGD_E2E_CLOCK_START
// runs every server of the suite on a simulated clock from that instant,
// to try the whole suite at a chosen hour.
func spawnServe(t *testing.T, addr, dbURL string, extra ...string) (*exec.Cmd, *syncBuffer, chan error) {
	t.Helper()
	return spawnServeBin(t, binary, addr, dbURL, extra...)
}

// spawnServeBin is spawnServe with another build of billingd (bin).
func spawnServeBin(t *testing.T, bin, addr, dbURL string, extra ...string) (*exec.Cmd, *syncBuffer, chan error) {
	t.Helper()
	if at := os.Getenv("BILLINGD_E2E_CLOCK_START"); at != "" && !slices.Contains(extra, "--clock-start") {
		st, err := time.Parse(time.RFC3339Nano, at)
		if err != nil {
			t.Fatalf("BILLINGD_E2E_CLOCK_START: %v", err)
		}
		setSimClock(dbURL, st)
		extra = append([]string{"--clock-start", at}, extra...)
	}
	logs, exited := &syncBuffer{}, make(chan error, 1)
	cmd := exec.Command(bin, append([]string{"serve", "--addr", addr, "--database-url", dbURL, "--log-format", "text"}, extra...)...)
	cmd.Stdout = io.Discard
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			logs.WriteString(sc.Text() + "\n")
		}
	}()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { exited <- cmd.Wait(); pw.Close() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
		}
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	return cmd, logs, exited
}

func startOn(t *testing.T, dbURL string, extra ...string) *server {
	t.Helper()
	return startOnBin(t, binary, dbURL, extra...)
}

// startOnBin is startOn with another build of billingd (bin).
func startOnBin(t *testing.T, bin, dbURL string, extra ...string) *server {
	t.Helper()
	addr := freeAddr(t)
	s := &server{t: t, base: "http://" + addr, dbURL: dbURL}
	s.cmd, s.logs, s.exited = spawnServeBin(t, bin, addr, dbURL, extra...)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				s.syncSimClock()
				return s
			}
		}
		select {
		case err := <-s.exited:
			t.Fatalf("billingd exited at start: %v\n%s", err, s.logs.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("billingd did not become healthy\n%s", s.logs.String())
	return nil
}

// response is an HTTP answer with its decoded JSON.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("answer is not a JSON object: %v\n%s", err, r.Body)
	}
	return m
}

// do sends a request; body may be nil, a string or a value to encode.
// Like F5's Go client, it sets no Content-Type unless asked.
func (s *server) do(method, path, tok string, body any, headers ...string) response {
	s.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(enc)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "APIToken "+tok)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

func expect(t *testing.T, r response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
}

// forEachDialect runs fn in parallel subtests with a server per dialect,
// on the wall clock: fn must hold at any hour (see clock_helpers_test.go).
func forEachDialect(t *testing.T, fn func(t *testing.T, s *server)) {
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			fn(t, start(t, d))
		})
	}
}

// forEachDialectAt runs fn like forEachDialect, once on the wall clock and
// once more per boundary instant (boundaryInstants) on a simulated clock.
func forEachDialectAt(t *testing.T, fn func(t *testing.T, s *server)) {
	forEachDialect(t, fn)
	for _, at := range boundaryInstants() {
		for _, d := range storetest.Dialects(t) {
			t.Run(string(d)+"@"+at.Format("2006-01-02T15:04Z"), func(t *testing.T) {
				t.Parallel()
				fn(t, startAt(t, d, at))
			})
		}
	}
}

// withStore opens the database at dbURL behind the server's back for fn,
// and closes it when fn returns.
func withStore(t *testing.T, dbURL string, fn func(ctx context.Context, db *store.DB)) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dbURL, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fn(ctx, db)
}

// withTenant is withStore that also resolves the tenant of token tok.
func withTenant(t *testing.T, dbURL, tok string, fn func(ctx context.Context, db *store.DB, tenantID string)) {
	t.Helper()
	withStore(t, dbURL, func(ctx context.Context, db *store.DB) {
		p, err := store.NewTenancyRepo(db, kernel.SystemClock{}).PrincipalByTokenHash(ctx, tenancy.HashToken(tok))
		if err != nil {
			t.Fatal(err)
		}
		fn(ctx, db, p.TenantID)
	})
}
