package sqlite_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/sqlite"
)

func TestMigrateIsIdempotent(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t, sqlite.OpenOptions{})
	s := sqlite.New(db, sqlite.Options{})
	for range 3 {
		require.NoError(t, s.Migrate(ctx))
	}
	var n, max int
	require.NoError(t, db.QueryRowContext(ctx, `SELECT count(*), max(version) FROM schema_migrations`).Scan(&n, &max))
	assert.Equal(t, sqlite.SchemaVersion(), n, "each migration recorded once")
	assert.Equal(t, sqlite.SchemaVersion(), max)
}

func TestMigrateConcurrently(t *testing.T) {
	ctx := context.Background()
	_, path := openDB(t, sqlite.OpenOptions{})
	errs := make(chan error, 4)
	for range 4 { // four processes' worth of stores, each with its own connections
		go func() {
			db, err := sqlite.Open(ctx, path, sqlite.OpenOptions{})
			if err != nil {
				errs <- err
				return
			}
			defer db.Close()
			errs <- sqlite.New(db, sqlite.Options{}).Migrate(ctx)
		}()
	}
	for range 4 {
		assert.NoError(t, <-errs)
	}
}

func TestMigrateRefusesANewerSchema(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t, sqlite.OpenOptions{})
	s := sqlite.New(db, sqlite.Options{})
	require.NoError(t, s.Migrate(ctx))
	future := sqlite.SchemaVersion() + 1
	_, err := db.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from_the_future', '')`, future)
	require.NoError(t, err)

	err = s.Migrate(ctx)
	require.ErrorIs(t, err, sqlite.ErrSchemaTooNew)
	var ve *sqlite.SchemaVersionError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, future, ve.Database)
	assert.Equal(t, sqlite.SchemaVersion(), ve.Code)
	assert.Contains(t, err.Error(), "never downgrade")
}
