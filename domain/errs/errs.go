// Package errs is the one error taxonomy of billingd. Every domain error carries
// a Kind; the REST adapter maps a Kind to an HTTP status and the GraphQL layer
// to an extensions.code, each through one table.
package errs

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Kind classifies an error by what the caller can do about it.
type Kind int

// The kinds, in no particular order. Internal is the zero value on purpose:
// an error nobody classified must never be shown as the caller's fault.
const (
	Internal Kind = iota
	Invalid
	NotFound
	Conflict
	Forbidden
	Unauthenticated
	QuotaExceeded
	TooLarge
	Unavailable
	// RateLimited: the caller sent more requests than its rate allows (the
	// per-token request limit); waiting RetryAfter helps. Not a quota: a
	// quota's limit is QuotaExceeded.
	RateLimited
)

var kindNames = map[Kind]string{
	Internal:        "INTERNAL",
	Invalid:         "INVALID_ARGUMENT",
	NotFound:        "NOT_FOUND",
	Conflict:        "CONFLICT",
	Forbidden:       "FORBIDDEN",
	Unauthenticated: "UNAUTHENTICATED",
	QuotaExceeded:   "QUOTA_EXCEEDED",
	TooLarge:        "PAYLOAD_TOO_LARGE",
	Unavailable:     "UNAVAILABLE",
	RateLimited:     "RATE_LIMITED",
}

// Kinds lists every Kind, so mapping tables can be tested for completeness.
func Kinds() []Kind {
	ks := make([]Kind, 0, len(kindNames))
	for k := range kindNames {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i] < ks[j] })
	return ks
}

// String returns the stable code of the kind (used as GraphQL extensions.code).
func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return "INTERNAL"
}

// FieldError names one bad input field and what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Problem string `json:"problem"`
}

// Error is a classified domain error. Message is safe to show to the caller;
// Cause is kept for logs only.
type Error struct {
	Kind    Kind
	Message string
	Fields  []FieldError
	// Details carries structured data for the caller (e.g. the keys over quota).
	Details any
	// RetryAfter, when positive, is how long the caller should wait before
	// the same request can succeed (rate limits); transports advertise it.
	RetryAfter time.Duration
	Cause      error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Message)
	for i, f := range e.Fields {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(f.Field + ": " + f.Problem)
	}
	if e.Cause != nil && e.Kind == Internal {
		b.WriteString(": " + e.Cause.Error())
	}
	return b.String()
}

// PublicMessage is the message without the internal cause.
func (e *Error) PublicMessage() string {
	if e.Kind == Internal {
		return "internal error"
	}
	c := *e
	c.Cause = nil
	return c.Error()
}

func (e *Error) Unwrap() error { return e.Cause }

// New returns an error of the kind with a formatted message.
func New(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// Wrap classifies cause under kind with a message.
func Wrap(k Kind, cause error, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...), Cause: cause}
}

// KindOf returns the Kind of err, Internal when err is not classified.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Is reports whether err is classified as k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// As returns the *Error inside err, or an Internal one wrapping it.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Kind: Internal, Message: "internal error", Cause: err}
}

// Fields collects field errors so Validate can report every bad field at once.
type Fields []FieldError

// Add records a problem with field.
func (f *Fields) Add(field, format string, args ...any) {
	*f = append(*f, FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
}

// Err returns nil when no field was bad, else an Invalid error listing them.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Kind: Invalid, Message: "invalid request", Fields: f}
}
