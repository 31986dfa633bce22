package postgres_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/postgres"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
)

// TestRestartRoundTrip writes every kind of record through one Store and reads it back through a
// second Store with its own pool, as another instance or a restarted one would.
func TestRestartRoundTrip(t *testing.T) {
	dsn, schema := newSchema(t)
	pool := openPool(t, dsn, schema, 2)
	first := postgres.New(pool, postgres.Options{})
	require.NoError(t, first.Migrate(context.Background()))
	paymenttest.RoundTrip(t, first, func(t *testing.T) payment.Store {
		pool.Close()
		return postgres.New(openPool(t, dsn, schema, 2), postgres.Options{})
	})
}
