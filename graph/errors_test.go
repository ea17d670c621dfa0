package graph

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/quota"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// TestErrorPresenterCodes sends every Kind through the presenter: each has a
// row in the table, and its code is the Kind's own name.
func TestErrorPresenterCodes(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	present := errorPresenter(slog.New(slog.NewTextHandler(&logs, nil)))
	for _, k := range errs.Kinds() {
		t.Run(k.String(), func(t *testing.T) {
			if _, ok := codeOf[k]; !ok {
				t.Fatalf("kind %d has no row in codeOf", k)
			}
			secret := errors.New("dial tcp 10.0.0.7:5432: password authentication failed")
			err := fmt.Errorf("resolver: %w", errs.Wrap(k, secret, "something about %s", k))
			got := present(context.Background(), err)
			if got.Extensions["code"] != k.String() {
				t.Fatalf("code = %v, want %s", got.Extensions["code"], k)
			}
			if strings.Contains(got.Message, "10.0.0.7") {
				t.Fatalf("message leaks the cause: %q", got.Message)
			}
			if k == errs.Internal && got.Message != "internal error" {
				t.Fatalf("internal message = %q", got.Message)
			}
		})
	}
	if !strings.Contains(logs.String(), "password authentication failed") {
		t.Fatalf("internal cause not logged: %s", logs.String())
	}
}

func TestErrorPresenterExtensions(t *testing.T) {
	t.Parallel()
	present := errorPresenter(slog.New(slog.DiscardHandler))
	ctx := context.Background()

	var f errs.Fields
	f.Add("input.name", "must be a DNS-1035 label")
	got := present(ctx, f.Err())
	if fs, _ := got.Extensions["fields"].([]errs.FieldError); len(fs) != 1 || fs[0].Field != "input.name" {
		t.Fatalf("fields = %#v", got.Extensions["fields"])
	}

	details := []quota.Exceeded{{Class: quota.Objects, Key: "origin_pool", Limit: "1", Current: "1", Requested: "1"}}
	got = present(ctx, &errs.Error{Kind: errs.QuotaExceeded, Message: "over", Details: details})
	if d, _ := got.Extensions["details"].([]quota.Exceeded); len(d) != 1 || d[0].Key != "origin_pool" {
		t.Fatalf("details = %#v", got.Extensions["details"])
	}
	if _, ok := got.Extensions["fields"]; ok {
		t.Fatal("fields present without field errors")
	}

	// An unclassified error is a bug: INTERNAL, its text hidden.
	got = present(ctx, errors.New("pq: relation \"quotas\" does not exist"))
	if got.Extensions["code"] != "INTERNAL" || got.Message != "internal error" {
		t.Fatalf("unclassified = %+v", got)
	}

	// gqlgen's own errors (parse, validation, limits) keep their message
	// and code.
	own := gqlerror.Errorf("Cannot query field \"nope\" on type \"Query\".")
	own.Extensions = map[string]any{"code": "GRAPHQL_VALIDATION_FAILED"}
	if got = present(ctx, own); got.Message != own.Message || got.Extensions["code"] != "GRAPHQL_VALIDATION_FAILED" {
		t.Fatalf("gqlgen error changed: %+v", got)
	}
	// ... but a message quoting a huge name is cut (on a rune boundary),
	// and one without a code gets INVALID_ARGUMENT.
	long := gqlerror.Errorf("Cannot query field \"%s\"", strings.Repeat("é", 100_000))
	got = present(ctx, long)
	if len(got.Message) > 320 || !utf8.ValidString(got.Message) || !strings.HasSuffix(got.Message, "(cut)") || got.Extensions["code"] != "INVALID_ARGUMENT" {
		t.Fatalf("long error = %.400s %v", got.Message, got.Extensions)
	}
	if long.Extensions != nil || len(long.Message) < 100_000 {
		t.Fatal("the original error was modified")
	}

	// An unknown Kind is never shown as the caller's fault.
	if c := CodeOf(errs.Kind(999)); c != "INTERNAL" {
		t.Fatalf("unknown kind code = %s", c)
	}
}

func TestRecoverHidesPanic(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	err := recoverFunc(log)(context.Background(), "secret panic value")
	got := errorPresenter(log)(context.Background(), err)
	if got.Extensions["code"] != "INTERNAL" || strings.Contains(got.Message, "secret") {
		t.Fatalf("presented = %+v", got)
	}
	if !strings.Contains(logs.String(), "secret panic value") || strings.Count(logs.String(), "level=ERROR") != 1 {
		t.Fatalf("want the panic logged once, got: %s", logs.String())
	}
}
