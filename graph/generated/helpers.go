package generated

// Written by hand, not generated: the helpers graph/codegen's rewrites of
// generated.go call (see graph/codegen for why each rewrite is made).

import (
	"context"
	"io"

	"github.com/99designs/gqlgen/graphql"
)

// marshalInOrder is graphql.MarshalSliceConcurrently without its goroutines:
// it marshals the elements of a list of a resolver-free type in order, each
// under its own field context as the concurrent version gives it. A panic
// goes up to the list's own field, which gqlgen turns into that field's
// error.
func marshalInOrder(ctx context.Context, length int, marshalElement func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	ret := make(graphql.Array, length)
	fcs := make([]graphql.FieldContext, length)
	for i := range length {
		idx := i
		fcs[i].Index = &idx
		ret[i] = marshalElement(graphql.WithFieldContext(ctx, &fcs[i]), i)
	}
	return ret
}

// fieldSetJSON is an object's collected fields and their values, written
// as graphql.FieldSet writes them: in order, each response name once
// (CollectFields merged repeats already; a later one is skipped as
// FieldSet skips it). Response names are GraphQL names, which need no
// escaping.
type fieldSetJSON struct {
	fields []graphql.CollectedField
	values []graphql.Marshaler
}

func (f fieldSetJSON) MarshalGQL(w io.Writer) {
	first := true
	_, _ = w.Write([]byte{'{'})
fields:
	for i := range f.fields {
		alias := f.fields[i].Alias
		for j := range i {
			if f.fields[j].Alias == alias {
				continue fields
			}
		}
		if !first {
			_, _ = w.Write([]byte{','})
		}
		first = false
		_, _ = w.Write([]byte{'"'})
		_, _ = io.WriteString(w, alias)
		_, _ = w.Write([]byte{'"', ':'})
		f.values[i].MarshalGQL(w)
	}
	_, _ = w.Write([]byte{'}'})
}
