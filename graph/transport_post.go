package graph

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// postTransport is gqlgen's POST transport (transport.POST, whose Supports
// it keeps) with two changes in Do. It takes the request guardTransport
// decoded (the same test, isJSONPost, chose both) instead of reading and
// decoding the body again. And an answer without errors is written around
// the data gqlgen's marshallers produced, instead of through json.Marshal,
// which re-reads all of it to validate and compact it (11 % of the
// server's CPU on the console's 211 KB dashboard answer). The bytes are the
// same: gqlgen's marshallers write compact JSON, and data with a character
// json.Marshal would escape for HTML (<, >, &, U+2028, U+2029) goes through
// json.Marshal as before. Status codes and content types are gqlgen's.
type postTransport struct{ transport.POST }

var _ graphql.Transport = postTransport{}

// Do is transport.POST's Do over guardTransport's decoded request, writing
// with writeResponse.
func (h postTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	params, ok := ctx.Value(paramsKey{}).(*graphql.RawParams)
	if !ok {
		// NewHandler always puts guardTransport in front.
		panic("graph: postTransport without guardTransport")
	}
	contentType := responseContentType(r)
	w.Header().Add("Content-Type", contentType)
	params.Headers = r.Header
	rc, opErr := exec.CreateOperationContext(ctx, params)
	if opErr != nil {
		w.WriteHeader(protocolStatus(opErr, contentType))
		writeResponse(w, exec.DispatchError(graphql.WithOperationContext(ctx, rc), opErr))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	writeResponse(w, responses(ctx))
}

// responseContentType is gqlgen's choice for a POST transport without
// headers of its own: the first media type of Accept it knows, and the
// GraphQL-over-HTTP one when none.
func responseContentType(r *http.Request) string {
	accept := r.Header.Get("Accept")
	if accept == "" {
		return "application/json"
	}
	for part := range strings.SplitSeq(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "*/*", "application/*", "application/json":
			return "application/json"
		case ResponseMediaType:
			return ResponseMediaType
		}
	}
	return ResponseMediaType
}

// protocolStatus is gqlgen's status for a request-level error (statusWriter
// then maps it to GraphQL-over-HTTP's).
func protocolStatus(errs gqlerror.List, contentType string) int {
	if errcode.GetErrorKind(errs) != errcode.KindProtocol {
		return http.StatusOK
	}
	if contentType == ResponseMediaType {
		return http.StatusBadRequest
	}
	return http.StatusUnprocessableEntity
}

// writeResponse writes resp as json.Marshal would: directly when it is data
// alone that json.Marshal would copy unchanged, else through json.Marshal.
func writeResponse(w io.Writer, resp *graphql.Response) {
	if len(resp.Errors) == 0 && resp.Label == "" && len(resp.Path) == 0 && resp.HasNext == nil && len(resp.Extensions) == 0 &&
		len(resp.Data) > 0 && !htmlEscaped(resp.Data) {
		_, _ = io.WriteString(w, `{"data":`)
		_, _ = w.Write(resp.Data)
		_, _ = io.WriteString(w, `}`)
		return
	}
	b, err := json.Marshal(resp)
	if err != nil {
		panic(err) // as gqlgen's: the recover middleware answers
	}
	_, _ = w.Write(b)
}

// htmlEscaped tells whether json.Marshal would escape a character of b
// (HTMLEscape's set). The ASCII ones are one fast scan.
func htmlEscaped(b []byte) bool {
	return bytes.ContainsAny(b, "<>&") || bytes.Contains(b, []byte("\u2028")) || bytes.Contains(b, []byte("\u2029"))
}
