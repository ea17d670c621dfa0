package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// pgCluster is a private PostgreSQL cluster that a test may stop and start:
// the shared server on 5432 serves every other test package at once and must
// never go down.
type pgCluster struct {
	t    *testing.T
	bin  string
	dir  string
	port int
}

// pgBinDir finds initdb and pg_ctl of an installed PostgreSQL (Debian's layout).
func pgBinDir() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i]
		}
	}
	return ""
}

// newPGCluster initialises and starts a private cluster, stopped at cleanup.
// It skips without initdb or root (initdb refuses root, so the cluster runs as
// user postgres through su), except under CI=true where it fails.
func newPGCluster(t *testing.T) *pgCluster {
	t.Helper()
	skip := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true: "+format, args...)
		}
		t.Skipf(format, args...)
	}
	bin := pgBinDir()
	if bin == "" {
		skip("no PostgreSQL initdb under /usr/lib/postgresql/*/bin")
	}
	if os.Geteuid() != 0 {
		skip("a private PostgreSQL cluster needs root (to run initdb as user postgres)")
	}
	if _, err := exec.LookPath("su"); err != nil {
		skip("no su: %v", err)
	}
	// The data folder must be reachable by user postgres: t.TempDir's parent
	// folders are private to root, so make one under /tmp directly.
	dir, err := os.MkdirTemp("", "billingd-pgcluster-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	c := &pgCluster{t: t, bin: bin, dir: dir, port: port}
	if out, err := exec.Command("chown", "postgres:postgres", dir).CombinedOutput(); err != nil {
		skip("chown to postgres: %v %s", err, out)
	}
	c.su(fmt.Sprintf("%s/initdb -D %s/data -U postgres --auth=trust -E UTF8 --no-sync >%s/initdb.log 2>&1", bin, dir, dir))
	t.Cleanup(func() {
		// Immediate: the test is over, nothing needs a clean checkpoint.
		_ = exec.Command("su", "postgres", "-s", "/bin/sh", "-c",
			fmt.Sprintf("%s/pg_ctl -D %s/data -m immediate -w stop", bin, dir)).Run()
	})
	c.Start()
	return c
}

func (c *pgCluster) su(script string) {
	c.t.Helper()
	out, err := exec.Command("su", "postgres", "-s", "/bin/sh", "-c", script).CombinedOutput()
	if err != nil {
		logs, _ := os.ReadFile(filepath.Join(c.dir, "initdb.log"))
		srv, _ := os.ReadFile(filepath.Join(c.dir, "server.log"))
		c.t.Fatalf("%s: %v\n%s\n%s\n%s", script, err, out, logs, srv)
	}
}

// Start starts the cluster and waits until it accepts connections.
func (c *pgCluster) Start() {
	c.t.Helper()
	c.su(fmt.Sprintf(`%s/pg_ctl -D %s/data -l %s/server.log -o "-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60" -w -t 30 start`,
		c.bin, c.dir, c.dir, c.port, c.dir))
}

// Stop shuts the cluster down the way an operator's restart does: fast mode
// ends every session with admin_shutdown.
func (c *pgCluster) Stop() {
	c.t.Helper()
	c.su(fmt.Sprintf("%s/pg_ctl -D %s/data -m fast -w -t 30 stop", c.bin, c.dir))
}

// pids returns the postmaster's process id and its children's (the backends
// and auxiliary processes), read from /proc.
func (c *pgCluster) pids() []int {
	c.t.Helper()
	b, err := os.ReadFile(filepath.Join(c.dir, "data", "postmaster.pid"))
	if err != nil {
		c.t.Fatal(err)
	}
	pm, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	if err != nil {
		c.t.Fatal(err)
	}
	out := []int{pm}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, st := range stats {
		b, err := os.ReadFile(st)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so cut after ')'.
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(pm) {
			pid, _ := strconv.Atoi(strings.Fields(string(b))[0])
			out = append(out, pid)
		}
	}
	return out
}

// Freeze stops every process of the cluster with SIGSTOP: connections stay
// open and new ones are accepted by the kernel, but nothing answers, the way
// a partitioned or wedged database behaves. Thaw resumes them.
func (c *pgCluster) Freeze() { c.signal(syscall.SIGSTOP) }

// Thaw resumes a frozen cluster.
func (c *pgCluster) Thaw() { c.signal(syscall.SIGCONT) }

func (c *pgCluster) signal(sig syscall.Signal) {
	c.t.Helper()
	for _, pid := range c.pids() {
		_ = syscall.Kill(pid, sig)
	}
}

// URL returns the URL of database name (postgres is always there).
func (c *pgCluster) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, name)
}

// CreateDB creates a database and returns its URL.
func (c *pgCluster) CreateDB(name string) string {
	c.t.Helper()
	db := openSQL(c.t, "pgx", c.URL("postgres"))
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		c.t.Fatal(err)
	}
	return c.URL(name)
}

func freePort(t *testing.T) int {
	t.Helper()
	_, p, err := net.SplitHostPort(freeAddr(t))
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return n
}

// openSQL opens a database/sql pool for direct checks, closed at cleanup.
func openSQL(t *testing.T, driver, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		t.Fatalf("open %s: %v", driver, err)
	}
	return db
}

// sqlOf opens the database behind a billingd URL (postgres:// or sqlite:PATH).
func sqlOf(t *testing.T, dbURL string) *sql.DB {
	t.Helper()
	if p, ok := strings.CutPrefix(dbURL, "sqlite:"); ok {
		return openSQL(t, "sqlite", "file:"+p+"?_pragma=busy_timeout(10000)")
	}
	return openSQL(t, "pgx", dbURL)
}

// faultClient sends requests that may fail (the server is being killed or its
// database stopped): it reports transport errors instead of failing the test.
type faultClient struct {
	base string
	tok  string
	hc   *http.Client
}

func newFaultClient(base, tok string, timeout time.Duration) *faultClient {
	return &faultClient{base: base, tok: tok, hc: &http.Client{Timeout: timeout, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
}

// do returns the status and body, or the transport error.
func (c *faultClient) do(method, path string, body []byte, headers ...string) (int, []byte, error) {
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if c.tok != "" {
		req.Header.Set("Authorization", "APIToken "+c.tok)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

var (
	serveHelpOnce sync.Once
	serveHelp     string
)

// loadFlags are the serve flags of the fault tests: they drive one token far
// over the per-token rate limit, which is tested elsewhere, so it is off when
// the binary has it.
func loadFlags(extra ...string) []string {
	serveHelpOnce.Do(func() {
		out, _ := exec.Command(binary, "serve", "--help").CombinedOutput()
		serveHelp = string(out)
	})
	if strings.Contains(serveHelp, "-rate-limit") {
		extra = append(extra, "--rate-limit", "0")
	}
	return extra
}
