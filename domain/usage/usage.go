// Package usage is the bounded context of usage metering: events ingested
// exactly once, hourly rollups maintained in the same transaction, and the
// reports and prices read from those rollups.
package usage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/shopspring/decimal"
)

// Event is one metered usage record as a client reports it. ID is unique per
// tenant: the same ID is counted once whatever the retries.
type Event struct {
	ID         string
	Namespace  string
	UsageType  string // the rate card's metric_label
	ObjectName string
	Quantity   decimal.Decimal // in UnitName, >= 0
	UnitName   string
	Timestamp  time.Time // UTC
	Deployment string
	Container  string
}

// Hour is the UTC hour an event's usage is rolled up into.
func (e Event) Hour() time.Time { return e.Timestamp.UTC().Truncate(time.Hour) }

// ContentHash identifies the content of an event, so a retry (same ID, same
// content) is told apart from a conflict (same ID, other content).
func (e Event) ContentHash() string {
	// One buffer on the stack, hashed at once, rather than a hash.Hash fed
	// field by field with a conversion each: this runs for every ingested
	// event.
	var buf [256]byte
	b := buf[:0]
	for _, s := range [...]string{e.Namespace, e.UsageType, e.ObjectName, e.Quantity.String(), e.UnitName} {
		b = append(append(b, s...), 0)
	}
	b = append(e.Timestamp.UTC().AppendFormat(b, time.RFC3339Nano), 0)
	b = append(append(b, e.Deployment...), 0)
	b = append(append(b, e.Container...), 0)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// RollupKey identifies one hourly rollup row of a tenant.
type RollupKey struct {
	Namespace  string
	UsageType  string
	ObjectName string
	Deployment string
	Container  string
	Hour       time.Time // UTC, on the hour
}

// Rollup is the summed usage of one key: what reports read instead of events.
type Rollup struct {
	RollupKey
	UnitName string
	Quantity decimal.Decimal
	Events   int64
}

// Outcome is what happened to one event of a batch.
type Outcome int

// The outcomes of storing an event.
const (
	// Accepted: stored now and added to its rollup.
	Accepted Outcome = iota
	// Duplicate: the same ID with the same content was stored before.
	Duplicate
	// Conflict: the ID was stored before with other content; nothing changed.
	Conflict
)

// DefaultLateWindow is how old an event may be when a tenant set nothing.
const DefaultLateWindow = 35 * 24 * time.Hour

// FutureTolerance is how far ahead of the server clock an event may be.
const FutureTolerance = 5 * time.Minute

// RollupsByRange answers Repository.RangeTotals and ObjectTotals with each
// range's rows of rollups (Repository.Rollups of the namespaces, all when
// nss is nil), as a repository that cannot sum may.
func RollupsByRange(ctx context.Context, rollups func(ctx context.Context, tenantID string, nss []string, from, to time.Time) ([]Rollup, error), tenantID string, nss []string, ranges []Window) ([][]Rollup, error) {
	out := make([][]Rollup, len(ranges))
	for i, r := range ranges {
		rows, err := rollups(ctx, tenantID, nss, r.From, r.To)
		if err != nil {
			return nil, err
		}
		out[i] = rows
	}
	return out, nil
}
