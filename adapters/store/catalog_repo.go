package store

import (
	"context"
	"time"
)

// SaveCatalog stores a validated catalog body as the one in force. Ids grow
// by one under the primary key, so two concurrent loads cannot both win the
// same id: the loser gets a Conflict and can retry.
func (d *DB) SaveCatalog(ctx context.Context, version string, body []byte, at time.Time) error {
	// In a transaction: on SQLite it waits for its writer's turn like every
	// other write (see InstallSecret).
	return d.InTx(ctx, func(ctx context.Context) error {
		_, err := d.idb(ctx).NewRaw(`INSERT INTO plan_catalogs (id, version, body, loaded_at)
		SELECT COALESCE(MAX(id), 0) + 1, ?, ?, ? FROM plan_catalogs`, version, string(body), at.UTC()).Exec(ctx)
		return err
	})
}

// LatestCatalog returns the body of the catalog in force; found is false when
// none was ever loaded.
func (d *DB) LatestCatalog(ctx context.Context) (body []byte, found bool, err error) {
	var bodies []string
	if err := d.idb(ctx).NewRaw(`SELECT body FROM plan_catalogs ORDER BY id DESC LIMIT 1`).Scan(ctx, &bodies); err != nil {
		return nil, false, translate(err)
	}
	if len(bodies) == 0 {
		return nil, false, nil
	}
	return []byte(bodies[0]), true, nil
}

// PlansInUse lists the plan names some tenant is on, so a new catalog that
// drops one of them can be refused.
func (d *DB) PlansInUse(ctx context.Context) ([]string, error) {
	var names []string
	err := d.idb(ctx).NewRaw(`SELECT DISTINCT plan_name FROM tenant_plans ORDER BY plan_name`).Scan(ctx, &names)
	return names, translate(err)
}
