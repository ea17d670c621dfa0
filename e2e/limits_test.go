package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/billingd/billingd/adapters/store/storetest"
	"github.com/billingd/billingd/domain/usage"
)

// errorCode reads the code of the REST error body, failing when the body
// is not the one JSON error shape with a message.
func errorCode(t *testing.T, r response) string {
	t.Helper()
	var b struct{ Code, Message string }
	if err := json.Unmarshal(r.Body, &b); err != nil || b.Code == "" || b.Message == "" {
		t.Fatalf("not a JSON error body (%v): %s", err, r.Body)
	}
	return b.Code
}

// gqlError reads the first GraphQL error's code and message, or, for a
// mutation, the first user error of its payload ("field: message" when it
// names a field).
func gqlError(t *testing.T, r response) (code, msg string) {
	t.Helper()
	var b struct {
		Errors []struct {
			Message    string
			Extensions struct{ Code string }
		}
		Data map[string]*struct {
			UserErrors []struct {
				Field         *string
				Message, Code string
			}
		}
	}
	_ = json.Unmarshal(r.Body, &b) // a payload without userErrors does not decode into this shape
	if len(b.Errors) > 0 {
		return b.Errors[0].Extensions.Code, b.Errors[0].Message
	}
	for _, p := range b.Data {
		if p != nil && len(p.UserErrors) > 0 {
			u := p.UserErrors[0]
			if u.Field != nil {
				return u.Code, *u.Field + ": " + u.Message
			}
			return u.Code, u.Message
		}
	}
	t.Fatalf("not a GraphQL error answer: %s", r.Body)
	return "", ""
}

func gqlBody(query string) []byte {
	b, _ := json.Marshal(map[string]string{"query": query})
	return b
}

// TestLimits checks every request limit of issue 5 §3 over HTTP, each with
// its status and a clear error body.
func TestLimits(t *testing.T) {
	t.Parallel()
	dbURL := storetest.URL(t, storetest.Dialects(t)[0])
	s := startOn(t, dbURL, "--read-header-timeout", "1s", "--graphql-max-depth", "4", "--graphql-max-complexity", "50",
		"--rate-limit", "2", "--rate-burst", "5", "--max-body-bytes", "65536")
	// Each subtest has its own token: the rate limit is per token.
	tok := func() string { return token(t, s.dbURL, "acme", "admin", "") }

	t.Run("body size", func(t *testing.T) {
		tk := tok()
		big := `{"metadata":{"name":"q1","description":"` + strings.Repeat("x", 70_000) + `"}}`
		r := s.do("POST", "/api/web/namespaces/ns1/quotas", tk, big)
		expect(t, r, 413)
		if c := errorCode(t, r); c != "PAYLOAD_TOO_LARGE" {
			t.Fatalf("code %s", c)
		}
		// GraphQL: the same body limit bounds the query size.
		r = s.do("POST", "/graphql", tk, gqlBody("{ currentPlan { name } }"+strings.Repeat(" ", 70_000)), "Content-Type", "application/json")
		expect(t, r, 413)
		if code, msg := gqlError(t, r); code != "PAYLOAD_TOO_LARGE" || !strings.Contains(msg, "larger than 65536 bytes") {
			t.Fatalf("GraphQL oversized query: %s", r.Body)
		}
		// Also when the length is not declared (chunked).
		chunked := func(path string) response {
			pr, pw := io.Pipe()
			go func() {
				_, _ = io.WriteString(pw, `{"query":"{ currentPlan { name } }`+strings.Repeat(" ", 70_000)+`"}`)
				pw.Close()
			}()
			req, err := http.NewRequest("POST", s.base+path, pr) // no ContentLength: chunked
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "APIToken "+tk)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return response{Status: resp.StatusCode, Header: resp.Header, Body: b}
		}
		r = chunked("/graphql")
		expect(t, r, 413)
		if code, _ := gqlError(t, r); code != "PAYLOAD_TOO_LARGE" {
			t.Fatalf("chunked GraphQL query: %s", r.Body)
		}
		// A query under the limit still works.
		expect(t, s.do("POST", "/graphql", tk, gqlBody("{ currentPlan { name } }"), "Content-Type", "application/json"), 200)
	})

	t.Run("graphql depth", func(t *testing.T) {
		r := s.do("POST", "/graphql", tok(), gqlBody(`{ namespaces { edges { node { quotas { edges { node { name } } } } } } }`), "Content-Type", "application/json")
		expect(t, r, 200) // GraphQL errors travel in a 200 answer
		if code, msg := gqlError(t, r); code != "QUERY_TOO_DEEP" || !strings.Contains(msg, "4 levels") {
			t.Fatalf("depth: %s %s", code, msg)
		}
	})

	t.Run("graphql complexity", func(t *testing.T) {
		var q strings.Builder
		q.WriteString("{")
		for i := range 30 {
			fmt.Fprintf(&q, " p%d: currentPlan { name }", i) // 2 per alias: 60 > 50
		}
		q.WriteString(" }")
		r := s.do("POST", "/graphql", tok(), gqlBody(q.String()), "Content-Type", "application/json")
		expect(t, r, 200)
		if code, msg := gqlError(t, r); code != "COMPLEXITY_LIMIT_EXCEEDED" || !strings.Contains(msg, "50") {
			t.Fatalf("complexity: %s %s", code, msg)
		}
	})

	t.Run("ingestion batch", func(t *testing.T) {
		ts := s.now().Add(-time.Hour)
		batch := make([]any, usage.MaxBatch+1)
		for i := range batch {
			batch[i] = event("b"+strconv.Itoa(i), "http_requests", "request", "1", ts)
		}
		r := s.do("POST", "/api/web/namespaces/ns1/usage/events", tok(), batch)
		expect(t, r, 400)
		if c := errorCode(t, r); c != "INVALID_ARGUMENT" || !strings.Contains(string(r.Body), "at most 10000 events") {
			t.Fatalf("batch over the limit: %s", r.Body)
		}
	})

	t.Run("rate limit", func(t *testing.T) {
		tk, other := tok(), tok()
		var limited response
		for i := range 20 {
			r := s.do("GET", "/api/web/namespaces/ns1/quotas", tk, nil)
			if r.Status == 429 {
				limited = r
				if i < 5 {
					t.Fatalf("429 after %d requests, within the burst of 5", i)
				}
				break
			}
			expect(t, r, 200)
		}
		if limited.Status != 429 {
			t.Fatal("20 quick requests never hit the limit of 2/s, burst 5")
		}
		if c := errorCode(t, limited); c != "RATE_LIMITED" || !strings.Contains(string(limited.Body), "rate limit") {
			t.Fatalf("429 body: %s", limited.Body)
		}
		if ra, err := strconv.Atoi(limited.Header.Get("Retry-After")); err != nil || ra < 1 {
			t.Fatalf("Retry-After %q", limited.Header.Get("Retry-After"))
		}
		// GraphQL shares the token's bucket.
		gql := 0
		for i := 0; i < 10 && gql != 429; i++ {
			gql = s.do("POST", "/graphql", tk, gqlBody("{ currentPlan { name } }"), "Content-Type", "application/json").Status
		}
		if gql != 429 {
			t.Fatal("GraphQL requests with a rate-limited token never got 429")
		}
		// Another token has its own bucket; public routes have none.
		expect(t, s.do("GET", "/api/web/namespaces/ns1/quotas", other, nil), 200)
		expect(t, s.do("GET", "/healthz", "", nil), 200)
		// The bucket refills: 2/s means one request within about 0.5s.
		time.Sleep(600 * time.Millisecond)
		expect(t, s.do("GET", "/api/web/namespaces/ns1/quotas", tk, nil), 200)
	})

	t.Run("header read timeout", func(t *testing.T) {
		conn, err := net.Dial("tcp", strings.TrimPrefix(s.base, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		start := time.Now()
		// A slow client: a header line every 400ms, never finishing.
		done := make(chan error, 1)
		go func() {
			_, _ = io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n")
			for i := range 20 {
				time.Sleep(400 * time.Millisecond)
				if _, err := fmt.Fprintf(conn, "X-Slow-%d: y\r\n", i); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
		_ = conn.SetReadDeadline(time.Now().Add(6 * time.Second))
		resp, err := bufio.NewReader(conn).ReadString('\n')
		elapsed := time.Since(start)
		if err == nil && !strings.Contains(resp, "408") {
			t.Fatalf("slow headers got an answer: %q", resp)
		}
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("server kept a slow-header connection open for %v", elapsed)
		}
		if elapsed < 900*time.Millisecond || elapsed > 4*time.Second {
			t.Fatalf("connection cut after %v, want about 1s (--read-header-timeout)", elapsed)
		}
		// A normal client is unaffected.
		expect(t, s.do("GET", "/healthz", "", nil), 200)
	})
}
