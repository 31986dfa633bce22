package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/postgres"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/reconciletest"
)

// dsnEnv names the environment variable with the test server's DSN.
const dsnEnv = "ORKESTA_TEST_POSTGRES"

// testDSN returns the test server's DSN, or skips the test when there is none.
func testDSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv(dsnEnv)
	if dsn == "" {
		tb.Skip(dsnEnv + " is not set: skipping the PostgreSQL tests (e.g. " + dsnEnv +
			"=postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	return dsn
}

// newSchema creates an empty schema with a random name, dropped at the end of the test, so that test
// runs never see each other's data.
func newSchema(tb testing.TB) (dsn, schema string) {
	tb.Helper()
	dsn = testDSN(tb)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema = "orkesta_test_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(tb, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "CREATE SCHEMA "+schema)
	require.NoError(tb, err)
	tb.Cleanup(func() {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return dsn, schema
}

// openPool opens a pool of maxConns connections whose search_path is schema, closed at the end of
// the test.
func openPool(tb testing.TB, dsn, schema string, maxConns int32) *pgxpool.Pool {
	tb.Helper()
	cfg, err := pgxpool.ParseConfig(dsn)
	require.NoError(tb, err)
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(tb, err)
	tb.Cleanup(pool.Close)
	return pool
}

// newStore returns a migrated store in a new schema.
func newStore(tb testing.TB) *postgres.Store {
	tb.Helper()
	dsn, schema := newSchema(tb)
	s := postgres.New(openPool(tb, dsn, schema, 0), postgres.Options{})
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
