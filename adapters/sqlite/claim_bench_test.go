package sqlite_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/sqlite"
	"github.com/orkesta/orkesta/payment/paymenttest"
)

// BenchmarkClaim50: paymenttest.BenchClaim, a claim of 50 among 100,000 active payments.
func BenchmarkClaim50(b *testing.B) {
	db, _ := openDB(b, sqlite.OpenOptions{})
	s := sqlite.New(db, sqlite.Options{})
	require.NoError(b, s.Migrate(context.Background()))
	paymenttest.BenchClaim(b, s, reportCPU)
}
