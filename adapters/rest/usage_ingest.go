package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/usage"
	"github.com/gorilla/mux"
	"github.com/shopspring/decimal"
)

// IngestMaxBodyBytes is the body limit of the ingestion route, above the
// general --max-body-bytes: a full batch (usage.MaxBatch events of a few
// hundred bytes) must fit.
const IngestMaxBodyBytes = 16 << 20

// eventWire is one event as clients send it.
type eventWire struct {
	ID         string          `json:"id"`
	UsageType  string          `json:"usage_type"`
	ObjectName string          `json:"object_name"`
	Quantity   json.RawMessage `json:"quantity"` // JSON number or string, kept exact
	UnitName   string          `json:"unit_name"`
	Timestamp  string          `json:"timestamp"` // RFC 3339
	Deployment string          `json:"deployment"`
	Container  string          `json:"container"`
}

type rejectionWire struct {
	Index  int    `json:"index"`
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

type ingestResponse struct {
	Accepted   int             `json:"accepted"`
	Duplicates int             `json:"duplicates"`
	Rejected   []rejectionWire `json:"rejected"` // always present
}

// decodedBatch is a batch after decoding: the well-formed events with their
// positions in the body, and the malformed ones already rejected.
type decodedBatch struct {
	events   []usage.Event
	index    []int // index[k] is the position of events[k] in the body
	rejected []usage.Rejection
	total    int
}

// ingestEvents is the extension POST .../usage/events.
//
// The caller's right to write the namespace is checked before the body (up
// to IngestMaxBodyBytes) is read.
func (a *api) ingestEvents(_ http.ResponseWriter, r *http.Request) (any, error) {
	ns := mux.Vars(r)["namespace"]
	if err := a.Usage.AuthorizeIngest(r.Context(), caller(r), ns); err != nil {
		return nil, err
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errs.New(errs.TooLarge, "request body is larger than %d bytes; send smaller batches", mbe.Limit)
		}
		return nil, errs.Wrap(errs.Invalid, err, "could not read the request body")
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	b, err := decodeEvents(body, mt == "application/x-ndjson")
	if err != nil {
		return nil, err
	}
	res, err := a.Usage.Ingest(r.Context(), caller(r), ns, b.events)
	if err != nil {
		return nil, err
	}
	out := ingestResponse{Accepted: res.Accepted, Duplicates: res.Duplicates, Rejected: make([]rejectionWire, 0, len(res.Rejected)+len(b.rejected))}
	// Merge the two sorted lists of rejections, in body order.
	i, j := 0, 0
	for i < len(b.rejected) || j < len(res.Rejected) {
		if j == len(res.Rejected) || (i < len(b.rejected) && b.rejected[i].Index < b.index[res.Rejected[j].Index]) {
			rj := b.rejected[i]
			out.Rejected = append(out.Rejected, rejectionWire{Index: rj.Index, ID: rj.ID, Reason: rj.Reason})
			i++
			continue
		}
		rj := res.Rejected[j]
		out.Rejected = append(out.Rejected, rejectionWire{Index: b.index[rj.Index], ID: rj.ID, Reason: rj.Reason})
		j++
	}
	return out, nil
}

// decodeEvents parses a JSON array or NDJSON body. A body that is not JSON
// (NDJSON) at all is an error naming the byte offset (line); an element that
// is JSON but not a valid event is a rejection of that element only.
func decodeEvents(body []byte, ndjson bool) (decodedBatch, error) {
	var b decodedBatch
	add := func(raw []byte) error {
		if b.total >= usage.MaxBatch {
			return bodyError("body", "a batch holds at most %d events; split it", usage.MaxBatch)
		}
		b.addDecoded(DecodeEvent(raw))
		return nil
	}
	if ndjson {
		for n, line := range bytes.Split(body, []byte("\n")) {
			line = bytes.TrimSpace(line)
			if len(line) == 0 {
				continue
			}
			if !json.Valid(line) {
				return b, bodyError("body", "line %d is not valid JSON", n+1)
			}
			if err := add(line); err != nil {
				return b, err
			}
		}
		return b, nil
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return b, nil
	}
	if fast, ok := decodeEventsFast(body); ok {
		return fast, nil
	}
	return decodeEventArray(body)
}

// decodeEventArray is the general path for a JSON array body: every
// element in turn through encoding/json, each problem explained.
func decodeEventArray(body []byte) (decodedBatch, error) {
	var b decodedBatch
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	if err != nil {
		return b, jsonError(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return b, bodyError("body", "must be a JSON array of events, or NDJSON with Content-Type application/x-ndjson")
	}
	// Each element is decoded straight into the wire struct (one pass over
	// the body): encoding/json reads a whole value before filling the
	// struct, so a syntax error is the body's fault (400) while a type error
	// or an unknown field concerns that element only (a rejection).
	dec.DisallowUnknownFields()
	for dec.More() {
		if b.total >= usage.MaxBatch {
			return b, bodyError("body", "a batch holds at most %d events; split it", usage.MaxBatch)
		}
		var w eventWire
		start := elemStart(body, dec.InputOffset())
		err := dec.Decode(&w)
		var se *json.SyntaxError
		if errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return b, bodyError("body", "not valid JSON near byte %d: %s", dec.InputOffset(), strings.TrimPrefix(err.Error(), "json: "))
		}
		var e usage.Event
		isObject := start < len(body) && body[start] == '{'
		var problem error
		if isObject {
			problem = eventProblem(body[start:dec.InputOffset()])
		}
		switch {
		case !isObject:
			e, err = usage.Event{}, errors.New("an event must be a JSON object")
		case problem != nil:
			e, err = usage.Event{ID: w.ID}, problem
		case err != nil:
			e, err = usage.Event{ID: w.ID}, errors.New(eventFieldProblem(err))
		default:
			e, err = fromWire(w)
		}
		b.addDecoded(e, err)
	}
	if _, err := dec.Token(); err != nil { // the closing ]
		return b, bodyError("body", "not valid JSON near byte %d: %s", dec.InputOffset(), strings.TrimPrefix(err.Error(), "json: "))
	}
	if _, err := dec.Token(); err != io.EOF {
		return b, bodyError("body", "unexpected data after the JSON array at byte %d", dec.InputOffset())
	}
	return b, nil
}

func (b *decodedBatch) addDecoded(e usage.Event, err error) {
	if err != nil {
		b.rejected = append(b.rejected, usage.Rejection{Index: b.total, ID: e.ID, Reason: err.Error()})
	} else {
		b.events = append(b.events, e)
		b.index = append(b.index, b.total)
	}
	b.total++
}

// elemStart returns the index of the first byte of body at or after off
// that is not a space or the comma between elements (len(body) if none).
func elemStart(body []byte, off int64) int {
	i := int(off)
	for ; i < len(body); i++ {
		switch body[i] {
		case ' ', '\t', '\r', '\n', ',':
		default:
			return i
		}
	}
	return i
}

// maxEventMembers bounds the members of one event object; it has 8 fields.
const maxEventMembers = 64

// eventProblem is what checkJSON refuses in one event (a repeated key, a
// NUL, invalid UTF-8, a number bomb) as a rejection reason that names the
// field, or nil.
func eventProblem(raw []byte) error {
	p := checkJSON(raw, maxEventMembers)
	if p == nil {
		return nil
	}
	if p.path == "" {
		return errors.New(p.problem)
	}
	return errors.New(p.path + " " + p.problem)
}

// DecodeEvent turns one JSON event (the wire form of this route) into an
// Event; `billingd usage import` reads NDJSON files with it. On error the
// returned event still carries the ID when one could be read.
func DecodeEvent(raw []byte) (usage.Event, error) {
	var w eventWire
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
		return usage.Event{}, errors.New("an event must be a JSON object")
	}
	if err := eventProblem(raw); err != nil {
		var idOnly struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(raw, &idOnly)
		return usage.Event{ID: idOnly.ID}, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		var idOnly struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(raw, &idOnly)
		return usage.Event{ID: idOnly.ID}, errors.New(eventFieldProblem(err))
	}
	return fromWire(w)
}

// fromWire checks the fields encoding/json cannot: the exact quantity and the
// timestamp.
func fromWire(w eventWire) (usage.Event, error) {
	e := usage.Event{ID: w.ID, UsageType: w.UsageType, ObjectName: w.ObjectName, UnitName: w.UnitName, Deployment: w.Deployment, Container: w.Container}
	var problems []string
	q, err := parseQuantity(w.Quantity)
	if err != nil {
		problems = append(problems, err.Error())
	}
	e.Quantity = q
	if w.Timestamp == "" {
		problems = append(problems, "timestamp is required")
	} else if ts, err := time.Parse(time.RFC3339Nano, w.Timestamp); err != nil {
		problems = append(problems, fmt.Sprintf("timestamp %q is not RFC 3339", w.Timestamp))
	} else {
		e.Timestamp = ts.UTC()
	}
	if len(problems) > 0 {
		return e, errors.New(strings.Join(problems, "; "))
	}
	return e, nil
}

func eventFieldProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fmt.Sprintf("%s: expected %s, got JSON %s", te.Field, te.Type, te.Value)
	}
	if s := err.Error(); strings.HasPrefix(s, "json: unknown field ") {
		return "unknown field " + strings.TrimPrefix(s, "json: unknown field ")
	}
	return "not a valid event: " + strings.TrimPrefix(err.Error(), "json: ")
}

// parseQuantity reads a JSON number or a string holding one, exactly.
func parseQuantity(raw json.RawMessage) (decimal.Decimal, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return decimal.Zero, errors.New("quantity is required")
	}
	// raw is one valid JSON value: fromWire only sees what was decoded into
	// eventWire. So a number needs no second decoding (json.Unmarshal ran
	// for every event), and nor does a string without escapes.
	s := string(raw)
	switch c := raw[0]; {
	case c == '"' && bytes.IndexByte(raw, '\\') < 0:
		s = s[1 : len(s)-1]
	case c == '"':
		if err := json.Unmarshal(raw, &s); err != nil {
			return decimal.Zero, errors.New("quantity is not a decimal")
		}
	case c != '-' && (c < '0' || c > '9'):
		return decimal.Zero, fmt.Errorf("quantity must be a JSON number or a string, got %s", truncate(s, 20))
	}
	// A short literal keeps a hostile exponent (1e999999999) from becoming
	// a gigabyte-long number.
	if len(s) > 64 {
		return decimal.Zero, errors.New("quantity has more than 64 characters")
	}
	d, err := decimal.NewFromString(strings.TrimSpace(s))
	if err != nil || d.Exponent() > 40 || d.Exponent() < -40 {
		return decimal.Zero, fmt.Errorf("quantity %q is not a decimal number in range", truncate(s, 40))
	}
	return d, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
