package postgres_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/postgres"
	"github.com/orkesta/orkesta/payment/paymenttest"
)

// BenchmarkClaim50: paymenttest.BenchClaim, a claim of 50 among 100,000 active payments.
func BenchmarkClaim50(b *testing.B) {
	dsn, schema := newSchema(b)
	s := postgres.New(openPool(b, dsn, schema, 8), postgres.Options{})
	require.NoError(b, s.Migrate(context.Background()))
	paymenttest.BenchClaim(b, s, reportCPU)
}
