package httpmw

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/tenancy"
)

// fakeClock is a settable clock for the limiter.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newTestLimiter(perSecond float64, burst int) (*TokenLimiter, *fakeClock) {
	l := NewTokenLimiter(kernel.SystemClock{}, perSecond, burst, nil)
	c := &fakeClock{t: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	l.now = c.now
	return l, c
}

func TestTokenLimiterBurstThenRate(t *testing.T) {
	t.Parallel()
	l, clock := newTestLimiter(10, 5)
	for i := range 5 {
		if ok, _ := l.Allow(context.Background(), "a"); !ok {
			t.Fatalf("request %d of the burst refused", i)
		}
	}
	ok, wait := l.Allow(context.Background(), "a")
	if ok || wait <= 0 || wait > 100*time.Millisecond {
		t.Fatalf("6th request: ok=%v wait=%v, want refused with a wait of at most 100ms", ok, wait)
	}
	// Another token has its own bucket.
	if ok, _ := l.Allow(context.Background(), "b"); !ok {
		t.Fatal("token b refused because of token a")
	}
	// A refusal takes nothing: after 100ms exactly one more is allowed.
	clock.add(100 * time.Millisecond)
	if ok, _ := l.Allow(context.Background(), "a"); !ok {
		t.Fatal("refill after 100ms refused")
	}
	if ok, _ := l.Allow(context.Background(), "a"); ok {
		t.Fatal("second request after one refill allowed")
	}
}

func TestTokenLimiterOffAndDefaults(t *testing.T) {
	t.Parallel()
	var off *TokenLimiter = NewTokenLimiter(kernel.SystemClock{}, 0, 10, nil)
	if off != nil {
		t.Fatal("rate 0 must turn the limiter off")
	}
	if ok, _ := off.Allow(context.Background(), "x"); !ok {
		t.Fatal("nil limiter refused")
	}
	h := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	if off.Wrap(slog.New(slog.DiscardHandler), h) == nil {
		t.Fatal("nil limiter must return the handler")
	}
	if l := NewTokenLimiter(kernel.SystemClock{}, 200, 0, nil); l.burst != 400 {
		t.Fatalf("default burst %d, want 400", l.burst)
	}
}

// TestTokenLimiterEvictsIdleBuckets proves memory stays bounded: buckets of
// tokens that stopped calling go once they are full again.
func TestTokenLimiterEvictsIdleBuckets(t *testing.T) {
	t.Parallel()
	l, clock := newTestLimiter(100, 100) // refills completely in 1s
	for i := range 1000 {
		l.Allow(context.Background(), "tok-"+strconv.Itoa(i))
	}
	if n := l.Len(); n != 1000 {
		t.Fatalf("%d buckets, want 1000", n)
	}
	clock.add(2 * time.Second)
	l.Allow(context.Background(), "fresh")
	if n := l.Len(); n != 1 {
		t.Fatalf("%d buckets after the idle period, want 1", n)
	}
}

func TestTokenLimiterCap(t *testing.T) {
	t.Parallel()
	l, _ := newTestLimiter(1, 1)
	for i := range maxRateBuckets + 10 {
		l.Allow(context.Background(), strconv.Itoa(i))
	}
	if n := l.Len(); n > maxRateBuckets {
		t.Fatalf("%d buckets, over the cap %d", n, maxRateBuckets)
	}
}

func TestTokenLimiterWrap(t *testing.T) {
	t.Parallel()
	l, _ := newTestLimiter(1, 2)
	h := l.Wrap(slog.New(slog.DiscardHandler), http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}))
	call := func(tokenID string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/x", nil)
		r = r.WithContext(tenancy.WithPrincipal(r.Context(), tenancy.Principal{TenantID: "t1", TokenID: tokenID, Role: tenancy.RoleAdmin}))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	for range 2 {
		if w := call("tok1"); w.Code != 200 {
			t.Fatalf("status %d within the burst", w.Code)
		}
	}
	w := call("tok1")
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("status %d over the rate, want 429", w.Code)
	}
	if ra := w.Header().Get("Retry-After"); ra != "1" {
		t.Fatalf("Retry-After %q, want 1", ra)
	}
	var body ErrorBody
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Code != "RATE_LIMITED" || body.Message == "" {
		t.Fatalf("body %s (%v)", w.Body.String(), err)
	}
	if d, ok := body.Details.(map[string]any); !ok || d["limit"] != "requests_per_token" {
		t.Fatalf("details %#v", body.Details)
	}
	if w := call("tok2"); w.Code != 200 {
		t.Fatalf("another token: status %d", w.Code)
	}
	// Without a principal (wired outside RequireAuth): 401, never a pass.
	r := httptest.NewRequest("GET", "/x", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("no principal: status %d", rec.Code)
	}
}

// fakeShared is a SharedRate that answers what it is told and records the
// limit it was asked about.
type fakeShared struct {
	mu        sync.Mutex
	ok        bool
	err       error
	calls     int
	perSecond float64
	burst     int
	keys      []string
}

func (f *fakeShared) Allow(_ context.Context, key string, perSecond float64, burst int) (bool, time.Duration, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	f.perSecond, f.burst = perSecond, burst
	f.keys = append(f.keys, key)
	if f.err != nil {
		return false, 0, f.err
	}
	if !f.ok {
		return false, 1500 * time.Millisecond, nil
	}
	return true, 0, nil
}

// TestTokenLimiterShared: with a shared store the shared store decides (the process
// buckets are not used), and a store that fails lets requests through.
func TestTokenLimiterShared(t *testing.T) {
	t.Parallel()
	f := &fakeShared{ok: true}
	l := NewTokenLimiter(kernel.SystemClock{}, 1, 1, f)
	for range 5 {
		if ok, _ := l.Allow(context.Background(), "a"); !ok {
			t.Fatal("refused although the shared store admits")
		}
	}
	if f.calls != 5 || f.perSecond != 1 || f.burst != 1 || l.Len() != 0 {
		t.Fatalf("calls %d, limit %v/%d, local buckets %d; want 5 calls of 1/s burst 1 and no local bucket", f.calls, f.perSecond, f.burst, l.Len())
	}
	f.ok = false
	if ok, wait := l.Allow(context.Background(), "a"); ok || wait != 1500*time.Millisecond {
		t.Fatalf("shared refusal: ok=%v wait=%v", ok, wait)
	}
	f.err = errors.New("redis: connection refused")
	for range 3 {
		if ok, _ := l.Allow(context.Background(), "a"); !ok {
			t.Fatal("an unreachable shared store must let requests through")
		}
	}
	off := NewTokenLimiter(kernel.SystemClock{}, 0, 1, f) // no rate: off, shared or not
	if ok, _ := off.Allow(context.Background(), "a"); !ok {
		t.Fatal("nil limiter refused")
	}
}
