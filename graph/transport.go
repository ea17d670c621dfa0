package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/billingd/billingd/domain/errs"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// The extensions.code of the transport errors that have no error Kind.
const (
	// CodeUnsupportedMediaType: a POST whose body is not application/json.
	CodeUnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE"
	// CodeMethodNotAllowed: a method other than GET, POST and OPTIONS, or a
	// mutation sent with GET (GET must stay safe to repeat).
	CodeMethodNotAllowed = "METHOD_NOT_ALLOWED"
)

func init() {
	// A mutation over GET is refused before it runs, as a protocol error
	// (the status is set by statusWriter: 405).
	errcode.RegisterErrorType(CodeMethodNotAllowed, errcode.KindProtocol)
}

// ResponseMediaType is the GraphQL-over-HTTP media type. A client that
// accepts it gets it, and the spec's statuses: 400 for a document that
// does not parse or validate. Any other client (application/json, */*, as
// Apollo Client sends) gets application/json and 200 for those, with the
// errors in the body, as the spec's legacy mode asks: either way a client
// sees GraphQL errors, never a network error.
const ResponseMediaType = "application/graphql-response+json"

// acceptsGraphQLResponse reports whether the Accept header names the
// GraphQL-over-HTTP media type (with a q above 0).
func acceptsGraphQLResponse(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err == nil && mt == ResponseMediaType && params["q"] != "0" && params["q"] != "0.0" {
			return true
		}
	}
	return false
}

// outcome travels in the request context from the extensions to
// statusWriter: what gqlgen's status 422 stands for.
type outcome struct{ getMutation bool }

type outcomeKey struct{}

// statusWriter turns gqlgen's statuses into GraphQL-over-HTTP's: gqlgen
// answers 422 for every request-level error (parse, validation, a mutation
// over GET); the spec wants 400 (or 200 in legacy mode) and 405 for a
// mutation over GET.
type statusWriter struct {
	http.ResponseWriter
	modern bool
	out    *outcome
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if w.wrote {
		return
	}
	w.wrote = true
	if w.modern {
		w.Header().Set("Content-Type", ResponseMediaType)
	}
	if code == http.StatusUnprocessableEntity {
		switch {
		case w.out.getMutation:
			w.Header().Set("Allow", "POST")
			code = http.StatusMethodNotAllowed
		case w.modern:
			code = http.StatusBadRequest
		default:
			code = http.StatusOK
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// transportError answers a request gqlgen's transports would refuse with an
// uncoded error (some of which echo the whole body back). msg never quotes
// the request.
func transportError(w http.ResponseWriter, status int, code, msg string) {
	b, _ := json.Marshal(graphql.Response{Errors: gqlerror.List{{Message: msg, Extensions: map[string]any{"code": code}}}})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// methodKey marks a request context with the request's HTTP method, for
// getMutationGuard.
type methodKey struct{}

// paramsKey carries a JSON POST's request, decoded by guardTransport, to
// postTransport, so the body is read and decoded once.
type paramsKey struct{}

// guardTransport checks what gqlgen's GET and POST transports would refuse
// without an extensions.code, and answers it with one:
//   - a body over limit bytes, declared or not (413, PAYLOAD_TOO_LARGE). Cut
//     silently, it would reach gqlgen as a read error. gqlgen reads the body
//     whole anyway, so buffering it here costs nothing;
//   - a POST body that is not a JSON GraphQL request (400, INVALID_ARGUMENT):
//     gqlgen's message would carry the whole body;
//   - a GET whose URL query or variables do not decode (400,
//     INVALID_ARGUMENT).
//
// The decode here is the one gqlgen's transports do, so what passes here
// decodes there; a JSON POST's decoded request goes on to postTransport.
func guardTransport(limit int64, h http.Handler) http.Handler {
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	tooLarge := "request body is larger than " + strconv.FormatInt(limit, 10) + " bytes, the limit"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(context.WithValue(r.Context(), methodKey{}, r.Method))
		if r.Method == http.MethodGet && r.Header.Get("Upgrade") == "" {
			if msg := badGetRequest(r.URL.RawQuery); msg != "" {
				transportError(w, http.StatusBadRequest, CodeOf(errs.Invalid), msg)
				return
			}
		}
		var b []byte
		if r.Body != nil && r.Body != http.NoBody {
			if r.ContentLength > limit {
				transportError(w, http.StatusRequestEntityTooLarge, CodeOf(errs.TooLarge), tooLarge)
				return
			}
			var err error
			b, err = io.ReadAll(io.LimitReader(r.Body, limit+1))
			var mbe *http.MaxBytesError
			switch {
			case errors.As(err, &mbe) || int64(len(b)) > limit:
				transportError(w, http.StatusRequestEntityTooLarge, CodeOf(errs.TooLarge), tooLarge)
				return
			case err != nil:
				transportError(w, http.StatusBadRequest, CodeOf(errs.Invalid), "could not read the request body")
				return
			}
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
		}
		if isJSONPost(r) {
			p := &graphql.RawParams{ReadTime: graphql.TraceTiming{Start: graphql.Now()}}
			if err := decodeJSON(bytes.NewReader(b), p); err != nil {
				transportError(w, http.StatusBadRequest, CodeOf(errs.Invalid), "request body is not a GraphQL request: "+describeJSONError(err))
				return
			}
			p.ReadTime.End = graphql.Now()
			r = r.WithContext(context.WithValue(r.Context(), paramsKey{}, p)) // postTransport's request
		}
		out := &outcome{}
		r = r.WithContext(context.WithValue(r.Context(), outcomeKey{}, out))
		h.ServeHTTP(&statusWriter{ResponseWriter: w, modern: acceptsGraphQLResponse(r.Header.Get("Accept")), out: out}, r)
	})
}

// isJSONPost is gqlgen's POST transport's test.
func isJSONPost(r *http.Request) bool {
	if r.Method != http.MethodPost || r.Header.Get("Upgrade") != "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/json"
}

// decodeJSON decodes as gqlgen's transports do (numbers kept as
// json.Number, one value, trailing bytes ignored).
func decodeJSON(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	return dec.Decode(v)
}

// badGetRequest returns why gqlgen's GET transport would refuse rawQuery, or
// "" when it would not.
func badGetRequest(rawQuery string) string {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "the URL query string is malformed (bad %-escape or ';')"
	}
	for _, k := range []string{"variables", "extensions"} {
		if s := q.Get(k); s != "" {
			var m map[string]any
			if err := decodeJSON(strings.NewReader(s), &m); err != nil {
				return "the " + k + " parameter is not a JSON object: " + describeJSONError(err)
			}
		}
	}
	return ""
}

// describeJSONError says what is wrong with a JSON document without quoting
// it (the standard library's syntax errors quote one character at most).
func describeJSONError(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return "it is empty"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "it ends early"
	case errors.As(err, &se):
		return fmt.Sprintf("invalid JSON at byte %d (%s)", se.Offset, se.Error())
	case errors.As(err, &te):
		where := "it"
		if te.Field != "" {
			where = strconv.Quote(te.Field)
		}
		return fmt.Sprintf("%s must be %s, not %s", where, jsonKind(te.Type), te.Value)
	}
	return "invalid JSON"
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Bool:
		return "a boolean"
	}
	return "a " + t.Kind().String()
}

// unsupportedTransport is the last transport: gqlgen picks the first one
// that supports a request, so this one answers every request the others
// refused, with a code instead of gqlgen's bare "transport not supported".
type unsupportedTransport struct{}

var _ graphql.Transport = unsupportedTransport{}

// Supports accepts every request: the transports before it had their turn.
func (unsupportedTransport) Supports(*http.Request) bool { return true }

// Do refuses the request.
func (unsupportedTransport) Do(w http.ResponseWriter, r *http.Request, _ graphql.GraphExecutor) {
	switch {
	case r.Header.Get("Upgrade") != "":
		transportError(w, http.StatusBadRequest, CodeOf(errs.Invalid), "connection upgrades (websockets) are not served: send queries with GET or POST")
	case r.Method == http.MethodPost:
		transportError(w, http.StatusUnsupportedMediaType, CodeUnsupportedMediaType, "a POST body must be JSON with Content-Type application/json")
	default:
		w.Header().Set("Allow", "GET, POST, OPTIONS")
		transportError(w, http.StatusMethodNotAllowed, CodeMethodNotAllowed, "only GET, POST and OPTIONS are served")
	}
}

// getMutationGuard refuses a mutation sent with GET before it runs, with a
// code (gqlgen's GET transport answers 406 without one).
type getMutationGuard struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = getMutationGuard{}

// ExtensionName names the extension in gqlgen's registry.
func (getMutationGuard) ExtensionName() string { return "GetMutationGuard" }

// Validate accepts every schema.
func (getMutationGuard) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext refuses anything but a query over GET.
func (getMutationGuard) MutateOperationContext(ctx context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if m, _ := ctx.Value(methodKey{}).(string); m != http.MethodGet || op.Operation == nil || op.Operation.Operation == ast.Query {
		return nil
	}
	if out, ok := ctx.Value(outcomeKey{}).(*outcome); ok {
		out.getMutation = true
	}
	return limitError(CodeMethodNotAllowed, "a %s must be sent with POST: GET requests may only run queries", op.Operation.Operation)
}
