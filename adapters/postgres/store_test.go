package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
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
	schema = createSchema(tb, dsn)
	tb.Cleanup(func() {
		if err := dropSchema(dsn, schema); err != nil {
			tb.Error(err)
		}
	})
	return dsn, schema
}

func createSchema(tb testing.TB, dsn string) string {
	tb.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "orkesta_test_" + hex.EncodeToString(b[:])
	require.NoError(tb, adminExec(dsn, "CREATE SCHEMA "+schema))
	return schema
}

func dropSchema(dsn, schema string) error {
	if err := adminExec(dsn, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
		return fmt.Errorf("drop schema %s: %w", schema, err)
	}
	return nil
}

// adminExec runs sql on a connection of its own.
func adminExec(dsn, sql string) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// reusable holds migrated schemas that finished tests emptied, for newStore: the suites make a store
// per subtest, and a new schema each time would create and drop dozens of tables, and as many files
// for the server to sync, per store. TestMain drops them all at the end.
var reusable struct {
	mu   sync.Mutex
	free []string
	all  []string
}

func TestMain(m *testing.M) {
	code := m.Run()
	if dsn := os.Getenv(dsnEnv); dsn != "" {
		for _, schema := range reusable.all {
			if err := dropSchema(dsn, schema); err != nil {
				fmt.Fprintln(os.Stderr, err)
				code = 1
			}
		}
	}
	os.Exit(code)
}

// emptySchema deletes every row of every table but the schema's migrations, and rewinds the cursors,
// so that the schema looks freshly migrated. Triggers (the foreign keys', history's append-only one)
// are off for the session.
func emptySchema(dsn, schema string) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = $1
		AND tablename NOT IN ('schema_migrations', 'events_cursor', 'webhook_cursor')`, schema)
	if err != nil {
		return err
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	var sql strings.Builder
	sql.WriteString("BEGIN; SET LOCAL session_replication_role = replica;")
	for _, t := range tables {
		fmt.Fprintf(&sql, " DELETE FROM %s.%s;", schema, t)
	}
	fmt.Fprintf(&sql, " UPDATE %[1]s.events_cursor SET last = 0; UPDATE %[1]s.webhook_cursor SET seq = 0; COMMIT;", schema)
	_, err = conn.Exec(ctx, sql.String())
	return err
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

// newStore returns a migrated store in an empty schema of its own for the test: a reusable one when
// there is one, else a new one.
func newStore(tb testing.TB) *postgres.Store {
	tb.Helper()
	dsn := testDSN(tb)
	reusable.mu.Lock()
	var schema string
	if n := len(reusable.free); n > 0 {
		schema, reusable.free = reusable.free[n-1], reusable.free[:n-1]
	}
	reusable.mu.Unlock()
	if schema == "" {
		schema = createSchema(tb, dsn)
		reusable.mu.Lock()
		reusable.all = append(reusable.all, schema)
		reusable.mu.Unlock()
	}
	tb.Cleanup(func() { // runs after the pool's cleanup below has closed it
		if err := emptySchema(dsn, schema); err != nil {
			tb.Errorf("empty schema %s: %v", schema, err) // not reused; TestMain drops it
			return
		}
		reusable.mu.Lock()
		reusable.free = append(reusable.free, schema)
		reusable.mu.Unlock()
	})
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
