package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
)

// InstallSecret returns the 32-byte secret called name, creating it on first
// use. Concurrent first calls (several replicas starting) agree on one value:
// the insert does nothing when a row exists, and everyone reads the row.
//
// Every command reads a secret when it starts, so the common case is a read:
// only the first use writes, and it writes in a transaction, which on SQLite
// waits for its turn among the writers of every process (a bare autocommit
// insert there only has the busy timeout, and a CLI command starting beside a
// long import could run out of it: "database unavailable").
func (d *DB) InstallSecret(ctx context.Context, name string) ([]byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	s, err := d.ensureSecret(ctx, name, hex.EncodeToString(b))
	if err != nil {
		return nil, err
	}
	return hex.DecodeString(s)
}

// ensureSecret returns the stored value of the installation secret name,
// storing value first when there is none.
func (d *DB) ensureSecret(ctx context.Context, name, value string) (string, error) {
	if s, err := d.readSecret(ctx, name); err == nil {
		return s, nil
	} else if !errors.Is(err, sql.ErrNoRows) {
		return "", translate(err)
	}
	var s string
	err := d.InTx(ctx, func(ctx context.Context) error {
		if _, err := d.idb(ctx).NewRaw(`INSERT INTO install_secrets (name, secret, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`,
			name, value, d.clock.Now()).Exec(ctx); err != nil {
			return err
		}
		var err error
		s, err = d.readSecret(ctx, name)
		return err
	})
	return s, translate(err)
}

func (d *DB) readSecret(ctx context.Context, name string) (string, error) {
	var s string
	err := d.idb(ctx).NewRaw(`SELECT secret FROM install_secrets WHERE name = ?`, name).Scan(ctx, &s)
	return s, err
}
