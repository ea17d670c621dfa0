package store

import (
	"database/sql/driver"
	"fmt"

	"github.com/shopspring/decimal"
	"modernc.org/sqlite"
)

// SQLite has no exact decimal type: quantities are stored as the decimal's
// text, and its own sum() would add them as doubles. billingd registers two
// functions with the driver that add them exactly, so the rollups are kept
// and read by the database as on PostgreSQL (NUMERIC):
//
//   - decimal_add(a, b), scalar: a + b, for the rollup upserts;
//   - decimal_sum(x), aggregate: the sum of a group, for the readers and
//     the migrations that backfill a rollup table.
//
// Both answer the decimal's canonical text (shopspring's String).
func init() {
	sqlite.MustRegisterFunction("decimal_add", &sqlite.FunctionImpl{NArgs: 2, Deterministic: true,
		Scalar: func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			a, err := decimalArg(args[0])
			if err != nil {
				return nil, err
			}
			b, err := decimalArg(args[1])
			if err != nil {
				return nil, err
			}
			return a.Add(b).String(), nil
		}})
	sqlite.MustRegisterFunction("decimal_sum", &sqlite.FunctionImpl{NArgs: 1, Deterministic: true,
		MakeAggregate: func(sqlite.FunctionContext) (sqlite.AggregateFunction, error) { return &decimalSum{}, nil }})
}

// decimalArg reads a stored quantity: text (how it is stored) or an integer
// (a literal in SQL).
func decimalArg(v driver.Value) (decimal.Decimal, error) {
	switch x := v.(type) {
	case string:
		return decimal.NewFromString(x)
	case []byte:
		return decimal.NewFromString(string(x))
	case int64:
		return decimal.NewFromInt(x), nil
	}
	return decimal.Decimal{}, fmt.Errorf("decimal function: %T is not a stored decimal", v)
}

// decimalSum is one evaluation of decimal_sum. A group of one row (every
// key of usage_hourly on SQLite, which writes shard 0 only) answers that
// row's text as it is, unparsed: the readers sum over shards, and parsing
// and printing a decimal per row would double the cost of a large report.
type decimalSum struct {
	n       int    // values stepped so far
	only    string // the first value, while it is the only one and text
	pending bool   // only holds it
	sum     decimal.Decimal
}

// settle moves a pending single value into sum.
func (s *decimalSum) settle() error {
	if !s.pending {
		return nil
	}
	d, err := decimal.NewFromString(s.only)
	if err != nil {
		return err
	}
	s.sum, s.pending, s.only = s.sum.Add(d), false, ""
	return nil
}

func (s *decimalSum) Step(_ *sqlite.FunctionContext, args []driver.Value) error {
	if args[0] == nil {
		return nil // like sum(): NULLs add nothing
	}
	s.n++
	if x, ok := args[0].(string); ok && s.n == 1 {
		s.only, s.pending = x, true
		return nil
	}
	if err := s.settle(); err != nil {
		return err
	}
	d, err := decimalArg(args[0])
	if err != nil {
		return err
	}
	s.sum = s.sum.Add(d)
	return nil
}

func (s *decimalSum) WindowInverse(_ *sqlite.FunctionContext, args []driver.Value) error {
	if args[0] == nil {
		return nil
	}
	if err := s.settle(); err != nil {
		return err
	}
	d, err := decimalArg(args[0])
	if err != nil {
		return err
	}
	s.sum = s.sum.Sub(d)
	return nil
}

func (s *decimalSum) WindowValue(*sqlite.FunctionContext) (driver.Value, error) {
	if s.pending {
		return s.only, nil // its reader parses it, as it parses every sum
	}
	return s.sum.String(), nil
}

func (s *decimalSum) Final(*sqlite.FunctionContext) {}
