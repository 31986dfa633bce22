package sqlite_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/sqlite"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
)

// TestRestartRoundTrip writes every kind of record through one Store and reads it back through a
// second Store on its own connections to the same file, as after a restart.
func TestRestartRoundTrip(t *testing.T) {
	ctx := context.Background()
	db, path := openDB(t, sqlite.OpenOptions{})
	first := sqlite.New(db, sqlite.Options{})
	require.NoError(t, first.Migrate(ctx))
	paymenttest.RoundTrip(t, first, func(t *testing.T) payment.Store {
		require.NoError(t, first.Close())
		require.NoError(t, db.Close())
		db2, err := sqlite.Open(ctx, path, sqlite.OpenOptions{})
		require.NoError(t, err)
		t.Cleanup(func() { _ = db2.Close() })
		return sqlite.New(db2, sqlite.Options{})
	})
}
