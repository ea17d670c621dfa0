package graph

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"runtime/debug"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/billingd/billingd/domain/errs"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// codeOf is the one table from error Kind to GraphQL extensions.code. The
// codes are the kinds' own names, so REST bodies and GraphQL errors agree.
var codeOf = map[errs.Kind]string{
	errs.Internal:        errs.Internal.String(),
	errs.Invalid:         errs.Invalid.String(),
	errs.NotFound:        errs.NotFound.String(),
	errs.Conflict:        errs.Conflict.String(),
	errs.Forbidden:       errs.Forbidden.String(),
	errs.Unauthenticated: errs.Unauthenticated.String(),
	errs.QuotaExceeded:   errs.QuotaExceeded.String(),
	errs.TooLarge:        errs.TooLarge.String(),
	errs.Unavailable:     errs.Unavailable.String(),
	errs.RateLimited:     errs.RateLimited.String(),
}

// CodeOf returns the extensions.code of a Kind; an unknown Kind is INTERNAL,
// never the caller's fault.
func CodeOf(k errs.Kind) string {
	if c, ok := codeOf[k]; ok {
		return c
	}
	return codeOf[errs.Internal]
}

// errPanicked is what a recovered panic becomes; the recover func has
// already logged it with its stack.
var errPanicked = errs.New(errs.Internal, "internal error")

// errorPresenter turns every error into what the caller may see:
//   - a domain error gets its code, its public message, and its fields and
//     details when present;
//   - an error gqlgen itself made (parse, validation, limits) is kept, it
//     has no internals and already carries its code;
//   - anything else is a bug or an unclassified library error: logged, and
//     shown as INTERNAL without its text.
func errorPresenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		base := graphql.DefaultErrorPresenter(ctx, err)
		var de *errs.Error
		// An Int literal out of the 32-bit range fails in gqlgen's input
		// coercion, not in validation: it is the caller's fault.
		// So does a Time literal that is not RFC 3339 (gqlgen's Time scalar
		// has no error type of its own when the literal is not a string).
		var ie *graphql.IntegerError
		var te *time.ParseError
		if !errors.As(err, &de) {
			switch {
			case errors.As(err, &ie):
				de = invalidArgument(base, ie.Error())
			case errors.As(err, &te):
				de = invalidArgument(base, "must be an RFC 3339 time such as 2026-01-31T00:00:00Z")
			case base.Err != nil && base.Err.Error() == errTimeNotString:
				de = invalidArgument(base, "must be an RFC 3339 time string")
			}
		}
		if de == nil {
			if base.Err == nil {
				return gqlgenError(base)
			}
			de = errs.As(base.Err)
		}
		if de.Kind == errs.Internal && !errors.Is(err, errPanicked) {
			log.ErrorContext(ctx, "graphql internal error", "path", base.Path.String(), "err", err)
		}
		out := &gqlerror.Error{
			Err:        err,
			Message:    de.PublicMessage(),
			Path:       base.Path,
			Locations:  base.Locations,
			Extensions: map[string]any{"code": CodeOf(de.Kind)},
		}
		if len(de.Fields) > 0 {
			out.Extensions["fields"] = de.Fields
		}
		if de.Details != nil {
			out.Extensions["details"] = de.Details
		}
		return out
	}
}

// recoverFunc logs a resolver panic with its stack and answers INTERNAL: the
// panic value may hold internals and must not reach the caller.
func recoverFunc(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "graphql resolver panic", "path", graphql.GetPath(ctx).String(), "panic", p, "stack", string(debug.Stack()))
		return errPanicked
	}
}

// errTimeNotString is the text of gqlgen's graphql.UnmarshalTime error for
// a literal that is not a string.
const errTimeNotString = "time should be RFC3339Nano formatted string"

func invalidArgument(at *gqlerror.Error, problem string) *errs.Error {
	return &errs.Error{Kind: errs.Invalid, Message: "invalid argument",
		Fields: []errs.FieldError{{Field: at.Path.String(), Problem: problem}}}
}

// maxMessageBytes bounds the message of an error gqlgen or gqlparser made:
// they quote the offending token or name, which a hostile query can make a
// megabyte long.
const maxMessageBytes = 300

// gqlgenError shapes an error gqlgen made itself (parse, validation,
// limits): its message is cut to maxMessageBytes, on a character boundary,
// and one without a code gets INVALID_ARGUMENT when it is about the whole
// request (a field error without a code is a resolver's and keeps none, as
// before).
func gqlgenError(orig *gqlerror.Error) *gqlerror.Error {
	// A copy: the original may be shared (a cached or package-level error).
	e := *orig
	e.Extensions = maps.Clone(orig.Extensions)
	if len(e.Message) > maxMessageBytes {
		cut := maxMessageBytes
		for cut > 0 && !utf8.RuneStart(e.Message[cut]) {
			cut--
		}
		e.Message = e.Message[:cut] + "… (cut)"
	}
	if _, ok := e.Extensions["code"]; !ok && len(e.Path) == 0 {
		errcode.Set(&e, CodeOf(errs.Invalid))
	}
	return &e
}
