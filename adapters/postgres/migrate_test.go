package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
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

// TestMigrateReadOnly opens a migrated schema through read-only connections (a read replica, a role
// without CREATE, default_transaction_read_only): Migrate has nothing to do and must succeed without
// writing, so that commands that only read work there; a schema that does need migrating still
// fails, saying why.
func TestMigrateReadOnly(t *testing.T) {
	ctx := context.Background()
	dsn, schema := newSchema(t)
	require.NoError(t, postgres.New(openPool(t, dsn, schema, 1), postgres.Options{}).Migrate(ctx))

	readOnly := func() *pgxpool.Pool {
		cfg, err := pgxpool.ParseConfig(dsn)
		require.NoError(t, err)
		cfg.ConnConfig.RuntimeParams["search_path"] = schema
		cfg.ConnConfig.RuntimeParams["default_transaction_read_only"] = "on"
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		require.NoError(t, err)
		t.Cleanup(pool.Close)
		return pool
	}
	ro := readOnly()
	require.NoError(t, postgres.New(ro, postgres.Options{}).Migrate(ctx), "the schema is current: nothing to write")

	rw := openPool(t, dsn, schema, 1)
	_, err := rw.Exec(ctx, `DELETE FROM schema_migrations WHERE version = $1`, postgres.SchemaVersion())
	require.NoError(t, err)
	err = postgres.New(ro, postgres.Options{}).Migrate(ctx)
	require.Error(t, err, "a schema behind the code needs a writable connection")
	assert.Contains(t, err.Error(), "read-only transaction")
}

// TestMigrateFirstSchemaOfThePath migrates a new schema whose search_path also names an
// already-migrated one after it: the store's tables are created in the first, never taken from the
// second.
func TestMigrateFirstSchemaOfThePath(t *testing.T) {
	ctx := context.Background()
	dsn, done := newSchema(t)
	require.NoError(t, postgres.New(openPool(t, dsn, done, 1), postgres.Options{}).Migrate(ctx))
	_, fresh := newSchema(t)
	require.NoError(t, postgres.New(openPool(t, dsn, fresh+", "+done, 1), postgres.Options{}).Migrate(ctx))
	var n int
	require.NoError(t, openPool(t, dsn, fresh, 1).QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n))
	assert.Equal(t, postgres.SchemaVersion(), n)
}
