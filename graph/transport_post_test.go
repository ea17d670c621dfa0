package graph

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// FuzzWriteResponseAgrees: writeResponse writes what json.Marshal (gqlgen's
// writeJson) writes, for data as gqlgen's marshallers produce it (compact
// JSON: an object of strings here, from the fuzzer's text) with or without
// errors and extensions.
func FuzzWriteResponseAgrees(f *testing.F) {
	for _, s := range []string{"", "plain", "a<b>&c", "line\u2028sep\u2029", "quote\" back\\ \x01 ctl", "é ü 日本", "\xff invalid"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, withErrors bool) {
		var data bytes.Buffer
		data.WriteString(`{"a":`)
		graphql.MarshalString(s).MarshalGQL(&data)
		data.WriteString(`,"n":[1,2.5,null,true],"o":{}}`)
		resp := &graphql.Response{Data: data.Bytes()}
		if withErrors {
			resp.Errors = gqlerror.List{{Message: s}}
			resp.Extensions = map[string]any{"k": s}
		} else if len(s)%2 == 1 {
			// gqlgen's empty, not nil, lists and maps are omitted too
			resp.Errors, resp.Extensions = gqlerror.List{}, map[string]any{}
		}
		want, err := json.Marshal(resp)
		if err != nil {
			t.Skip() // json.Marshal refuses it: gqlgen would panic too
		}
		var got bytes.Buffer
		writeResponse(&got, resp)
		if !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("writeResponse = %s\njson.Marshal = %s", got.Bytes(), want)
		}
	})
}
