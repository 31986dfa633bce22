package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/orkesta/orkesta/payment"
)

// CreateAPIKey implements payment.KeyStore. A key of an unknown workspace is ErrNotFound; a reused id
// or hash is ErrDuplicate. A time after the year 9999 in UTC is ErrInvalid, as on the other stores:
// RFC 3339, and so the API's JSON, cannot write it, nor SQLite store it.
func (s *Store) CreateAPIKey(ctx context.Context, k payment.APIKey) error {
	if err := k.CheckKeyTimes(); err != nil {
		return err
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO api_keys
		(id, workspace_id, name, scope, hash, prefix, created_at, expires_at, revoked_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		k.ID, string(k.Workspace), k.Name, string(k.Scope), k.Hash[:], k.Prefix, pgTime(k.CreatedAt),
		nullTime(k.ExpiresAt), nullTime(k.RevokedAt))
	return translate(err)
}

const apiKeyColumns = `id, workspace_id, name, scope, hash, prefix, created_at, expires_at, revoked_at`

func scanAPIKey(row pgx.Row) (payment.APIKey, error) {
	var k payment.APIKey
	var hash []byte
	var expires, revoked pgtype.Timestamptz
	if err := row.Scan(&k.ID, &k.Workspace, &k.Name, &k.Scope, &hash, &k.Prefix, &k.CreatedAt, &expires, &revoked); err != nil {
		return k, translate(err)
	}
	if len(hash) != len(k.Hash) {
		return k, fmt.Errorf("postgres: api key %s: stored hash has %d bytes", k.ID, len(hash))
	}
	copy(k.Hash[:], hash)
	k.CreatedAt, k.ExpiresAt, k.RevokedAt = k.CreatedAt.UTC(), fromNullTime(expires), fromNullTime(revoked)
	return k, nil
}

// GetAPIKeyByHash implements payment.KeyStore.
func (s *Store) GetAPIKeyByHash(ctx context.Context, hash [32]byte) (payment.APIKey, error) {
	k, err := scanAPIKey(s.pool.QueryRow(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE hash = $1`, hash[:]))
	if errors.Is(err, payment.ErrNotFound) {
		return k, fmt.Errorf("%w: api key", payment.ErrNotFound)
	}
	return k, err
}

// ListAPIKeys implements payment.KeyStore: the workspace's keys by id (oldest first).
func (s *Store) ListAPIKeys(ctx context.Context, ws payment.WorkspaceID) ([]payment.APIKey, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE workspace_id = $1 ORDER BY id`, string(ws))
	if err != nil {
		return nil, translate(err)
	}
	return collect(rows, scanAPIKey)
}

// RevokeAPIKey implements payment.KeyStore. Revoking a revoked key keeps the first revocation time.
// An id that is not UTF-8 text or holds a NUL byte (a path segment such as %FF) names no key:
// ErrNotFound, as on the other stores, where PostgreSQL would refuse the query.
func (s *Store) RevokeAPIKey(ctx context.Context, ws payment.WorkspaceID, id string, at time.Time) error {
	if err := payment.CheckKeyTime("revoked_at", at); err != nil {
		return err
	}
	if cannotHold(id) {
		return fmt.Errorf("%w: api key %q", payment.ErrNotFound, id)
	}
	tag, err := s.pool.Exec(ctx, `UPDATE api_keys SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2 AND workspace_id = $3`,
		pgTime(at), id, string(ws))
	if err != nil {
		return translate(err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: api key %s", payment.ErrNotFound, id)
	}
	return nil
}
