package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
)

// InstallSecret returns the 32-byte secret called name, creating it on first
// use. Concurrent first calls (several replicas starting) agree on one value:
// the insert does nothing when a row exists, and everyone reads the row.
func (d *DB) InstallSecret(ctx context.Context, name string) ([]byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	db := d.idb(ctx)
	if _, err := db.NewRaw(`INSERT INTO install_secrets (name, secret, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`,
		name, hex.EncodeToString(b), d.clock.Now()).Exec(ctx); err != nil {
		return nil, translate(err)
	}
	var s string
	if err := db.NewRaw(`SELECT secret FROM install_secrets WHERE name = ?`, name).Scan(ctx, &s); err != nil {
		return nil, translate(err)
	}
	return hex.DecodeString(s)
}
