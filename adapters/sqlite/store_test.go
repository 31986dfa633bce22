package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/sqlite"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/reconciletest"
)

// openDB opens a new database file in a temporary directory, closed at the end of the test.
func openDB(tb testing.TB, o sqlite.OpenOptions) (*sql.DB, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "orkesta.db")
	db, err := sqlite.Open(context.Background(), path, o)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = db.Close() })
	return db, path
}

// newStore returns a migrated store on a new database.
func newStore(tb testing.TB) *sqlite.Store {
	tb.Helper()
	db, _ := openDB(tb, sqlite.OpenOptions{})
	s := sqlite.New(db, sqlite.Options{})
	require.NoError(tb, s.Migrate(context.Background()))
	return s
}

func TestStoreSuite(t *testing.T) {
	paymenttest.StoreSuite(t, func(t *testing.T) payment.Store { return newStore(t) })
}

func TestRunStoreSuite(t *testing.T) {
	reconciletest.StoreSuite(t, func(t *testing.T) reconcile.Store { return newStore(t) })
}

func TestClaimerSuite(t *testing.T) {
	paymenttest.ClaimerSuite(t, func(t *testing.T) payment.Store { return newStore(t) })
}

func TestWebhookStoreSuite(t *testing.T) {
	paymenttest.WebhookStoreSuite(t, func(t *testing.T) payment.Store { return newStore(t) })
}

func TestDurableSuite(t *testing.T) {
	paymenttest.DurableSuite(t, func(t *testing.T) payment.Store { return newStore(t) })
}
