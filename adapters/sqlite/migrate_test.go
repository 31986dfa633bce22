package sqlite_test

import (
	"context"
	"testing"
	"time"

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

// TestMigrateCurrentSchemaNeedsNoWriteLock opens a migrated database while another process holds its
// write lock: Migrate has nothing to do and must say so without waiting for the lock, so that a
// command that only reads (orkesta payments list) works beside a long write instead of failing
// with "database is locked" after the busy timeout.
func TestMigrateCurrentSchemaNeedsNoWriteLock(t *testing.T) {
	ctx := context.Background()
	db, path := openDB(t, sqlite.OpenOptions{})
	require.NoError(t, sqlite.New(db, sqlite.Options{}).Migrate(ctx))
	holder, err := db.Conn(ctx) // "another process": its own connection, in a write transaction
	require.NoError(t, err)
	_, err = holder.ExecContext(ctx, `BEGIN IMMEDIATE`)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = holder.ExecContext(ctx, `ROLLBACK`)
		_ = holder.Close()
	})

	other, err := sqlite.Open(ctx, path, sqlite.OpenOptions{BusyTimeout: 200 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(func() { _ = other.Close() })
	s := sqlite.New(other, sqlite.Options{})
	require.NoError(t, s.Migrate(ctx), "the schema is current: nothing to write")
	var n int
	require.NoError(t, other.QueryRowContext(ctx, `SELECT count(*) FROM payments`).Scan(&n), "reads work beside the writer")

	// A database that does need migrating still takes the lock, and says why it gave up.
	_, err = holder.ExecContext(ctx, `ROLLBACK`)
	require.NoError(t, err)
	last := sqlite.SchemaVersion()
	_, err = db.ExecContext(ctx, `DELETE FROM schema_migrations WHERE version = ?;
		DROP TRIGGER payment_work_created; DROP TRIGGER payment_work_changed; DROP TRIGGER payment_work_done;
		DROP TRIGGER payment_work_approval_mode; DROP TRIGGER payment_work_threshold_added;
		DROP TRIGGER payment_work_threshold_changed; DROP TRIGGER payment_work_threshold_removed;
		DROP VIEW payment_approval; DROP INDEX payment_work_due;
		ALTER TABLE payment_work DROP COLUMN method; ALTER TABLE payment_work DROP COLUMN awaiting_approval;
		ALTER TABLE payment_work DROP COLUMN outside;
		CREATE INDEX payments_active ON payments (created_at, id) WHERE status IN ('pending', 'approved', 'processing')`, last)
	require.NoError(t, err)
	_, err = holder.ExecContext(ctx, `BEGIN IMMEDIATE`)
	require.NoError(t, err)
	err = s.Migrate(ctx)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "database is locked")
	_, err = holder.ExecContext(ctx, `ROLLBACK`)
	require.NoError(t, err)
	require.NoError(t, s.Migrate(ctx))
	var v int
	require.NoError(t, other.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v))
	assert.Equal(t, last, v)
}
