package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/orkesta/orkesta/payment"
)

// CreateAPIKey implements payment.KeyStore. A key of an unknown workspace is ErrNotFound; a reused id
// or hash is ErrDuplicate. A time the store cannot hold (after the year 9999 in UTC) is ErrInvalid: the
// key would be stored, and neither it nor the workspace's list of keys could be read again.
func (s *Store) CreateAPIKey(ctx context.Context, k payment.APIKey) error {
	if err := k.CheckKeyTimes(); err != nil {
		return err
	}
	return s.write(ctx, func(ctx context.Context, q querier) error {
		_, err := q.exec(ctx, `INSERT INTO api_keys
			(id, workspace_id, name, scope, hash, prefix, created_at, expires_at, revoked_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			k.ID, string(k.Workspace), k.Name, string(k.Scope), k.Hash[:], k.Prefix, formatTime(k.CreatedAt),
			nullTime(k.ExpiresAt), nullTime(k.RevokedAt))
		return translate(err)
	})
}

const apiKeyColumns = `id, workspace_id, name, scope, hash, prefix, created_at, expires_at, revoked_at`

func scanAPIKey(sc interface{ Scan(...any) error }) (payment.APIKey, error) {
	var k payment.APIKey
	var hash []byte
	var created string
	var expires, revoked sql.NullString
	if err := sc.Scan(&k.ID, &k.Workspace, &k.Name, &k.Scope, &hash, &k.Prefix, &created, &expires, &revoked); err != nil {
		return k, translate(err)
	}
	if len(hash) != len(k.Hash) {
		return k, fmt.Errorf("sqlite: api key %s: stored hash has %d bytes", k.ID, len(hash))
	}
	copy(k.Hash[:], hash)
	var err1, err2, err3 error
	k.CreatedAt, err1 = parseTime(created)
	k.ExpiresAt, err2 = parseNullTime(expires)
	k.RevokedAt, err3 = parseNullTime(revoked)
	return k, errors.Join(err1, err2, err3)
}

// GetAPIKeyByHash implements payment.KeyStore.
func (s *Store) GetAPIKeyByHash(ctx context.Context, hash [32]byte) (payment.APIKey, error) {
	k, err := scanAPIKey(s.q().queryRow(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE hash = ?`, hash[:]))
	if errors.Is(err, payment.ErrNotFound) {
		return k, fmt.Errorf("%w: api key", payment.ErrNotFound)
	}
	return k, err
}

// ListAPIKeys implements payment.KeyStore: the workspace's keys by id (oldest first).
func (s *Store) ListAPIKeys(ctx context.Context, ws payment.WorkspaceID) ([]payment.APIKey, error) {
	rows, err := s.q().query(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE workspace_id = ? ORDER BY id`, string(ws))
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []payment.APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, translate(rows.Err())
}

// RevokeAPIKey implements payment.KeyStore. Revoking a revoked key keeps the first revocation time.
func (s *Store) RevokeAPIKey(ctx context.Context, ws payment.WorkspaceID, id string, at time.Time) error {
	if err := payment.CheckKeyTime("revoked_at", at); err != nil {
		return err
	}
	return s.write(ctx, func(ctx context.Context, q querier) error {
		res, err := q.exec(ctx, `UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? AND workspace_id = ?`,
			formatTime(at), id, string(ws))
		if err != nil {
			return translate(err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return translate(err)
		} else if n == 0 {
			return fmt.Errorf("%w: api key %s", payment.ErrNotFound, id)
		}
		return nil
	})
}
