package rest

import (
	"bytes"

	"github.com/billingd/billingd/domain/usage"
	"github.com/valyala/fastjson"
)

// The batch every real client sends is a JSON array of plain events: known
// keys, string values, a number or a string for the quantity. Decoding it
// (decodeEvents) was 31 % of the server's CPU while ingesting, 21 % in
// encoding/json's Decode of each element (its scanner, then reflection into
// eventWire). decodeEventsFast checks such a batch (fastjson's validation,
// checkJSON) and parses it once with valyala/fastjson, 2.2-2.7x faster
// (BenchmarkDecodeEvents); it answers only when the batch is that plain; anything else (a syntax error, an escape, an unknown
// or misspelt key, a null, a wrong type, a problem checkJSON names) goes to
// the general path, which explains it. So the two paths agree wherever the
// fast one answers (FuzzFastEventDecodeAgrees).

var eventParsers fastjson.ParserPool

// decodeEventsFast is decodeEvents for a plain JSON array of plain events;
// ok is false when the batch is anything else.
func decodeEventsFast(body []byte) (b decodedBatch, ok bool) {
	// No backslash: every string is its own bytes, so fastjson and
	// encoding/json cannot differ on an escape (or a surrogate).
	if bytes.IndexByte(body, '\\') >= 0 || fastjson.ValidateBytes(body) != nil || checkJSON(body, 0) != nil {
		return b, false
	}
	p := eventParsers.Get()
	defer eventParsers.Put(p)
	v, err := p.ParseBytes(body)
	if err != nil {
		return b, false
	}
	elems, err := v.Array()
	if err != nil || len(elems) > usage.MaxBatch {
		return b, false
	}
	b.events = make([]usage.Event, 0, len(elems))
	b.index = make([]int, 0, len(elems))
	for _, el := range elems {
		w, plain := plainEvent(el)
		if !plain {
			return decodedBatch{}, false
		}
		b.addDecoded(fromWire(w))
	}
	return b, true
}

// plainEvent reads one element into the wire struct when it is an object of
// eventWire's keys (spelt exactly) with string values, the quantity also a
// number.
func plainEvent(el *fastjson.Value) (w eventWire, plain bool) {
	o, err := el.Object()
	if err != nil || o.Len() > maxEventMembers {
		return w, false
	}
	plain = true
	o.Visit(func(key []byte, v *fastjson.Value) {
		t := v.Type()
		if string(key) == "quantity" && (t == fastjson.TypeNumber || t == fastjson.TypeString) {
			w.Quantity = v.MarshalTo(nil) // the literal as sent, as a json.RawMessage
			return
		}
		s, err := v.StringBytes()
		if err != nil {
			plain = false
			return
		}
		switch string(key) {
		case "id":
			w.ID = string(s)
		case "usage_type":
			w.UsageType = string(s)
		case "object_name":
			w.ObjectName = string(s)
		case "unit_name":
			w.UnitName = string(s)
		case "timestamp":
			w.Timestamp = string(s)
		case "deployment":
			w.Deployment = string(s)
		case "container":
			w.Container = string(s)
		default:
			plain = false
		}
	})
	return w, plain
}
