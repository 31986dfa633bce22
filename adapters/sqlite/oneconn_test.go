package sqlite_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/sqlite"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/reconciletest"
)

// every conformance suite on a pool of one connection (run with -timeout to catch a hang).
func newOneConnStore(tb testing.TB) *sqlite.Store {
	tb.Helper()
	db, _ := openDB(tb, sqlite.OpenOptions{MaxConns: 1})
	s := sqlite.New(db, sqlite.Options{})
	require.NoError(tb, s.Migrate(context.Background()))
	return s
}

func TestOneConnSuites(t *testing.T) {
	t.Run("store", func(t *testing.T) {
		paymenttest.StoreSuite(t, func(t *testing.T) payment.Store { return newOneConnStore(t) })
	})
	t.Run("runs", func(t *testing.T) {
		reconciletest.StoreSuite(t, func(t *testing.T) reconcile.Store { return newOneConnStore(t) })
	})
	t.Run("claimer", func(t *testing.T) {
		paymenttest.ClaimerSuite(t, func(t *testing.T) payment.Store { return newOneConnStore(t) })
	})
	t.Run("webhooks", func(t *testing.T) {
		paymenttest.WebhookStoreSuite(t, func(t *testing.T) payment.Store { return newOneConnStore(t) })
	})
	t.Run("durable", func(t *testing.T) {
		paymenttest.DurableSuite(t, func(t *testing.T) payment.Store { return newOneConnStore(t) })
	})
}
