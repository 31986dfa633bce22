package postgres_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/postgres"
)

func TestMigrate(t *testing.T) {
	ctx := context.Background()
	dsn, schema := newSchema(t)

	// Four instances starting at once on an empty schema: one migrates, the others find it done.
	errs := make(chan error, 4)
	for range 4 {
		pool := openPool(t, dsn, schema, 1)
		go func() { errs <- postgres.New(pool, postgres.Options{}).Migrate(ctx) }()
	}
	for range 4 {
		require.NoError(t, <-errs)
	}
	pool := openPool(t, dsn, schema, 1)
	s := postgres.New(pool, postgres.Options{})
	require.NoError(t, s.Migrate(ctx), "idempotent")
	var n, max int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*), max(version) FROM schema_migrations`).Scan(&n, &max))
	assert.Equal(t, postgres.SchemaVersion(), n, "each migration recorded once")
	assert.Equal(t, postgres.SchemaVersion(), max)

	// A database migrated by newer code is refused, and left as it is.
	future := postgres.SchemaVersion() + 1
	_, err := pool.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, 'from_the_future')`, future)
	require.NoError(t, err)
	err = s.Migrate(ctx)
	require.ErrorIs(t, err, postgres.ErrSchemaTooNew)
	var ve *postgres.SchemaVersionError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, future, ve.Database)
	assert.Equal(t, postgres.SchemaVersion(), ve.Code)
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n))
	assert.Equal(t, postgres.SchemaVersion()+1, n)
}
