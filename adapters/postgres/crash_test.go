package postgres_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/postgres"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
)

// The crash test's child process reads its orders from these variables.
const (
	crashSchemaEnv  = "ORKESTA_CRASH_POSTGRES_SCHEMA"
	crashPaymentEnv = "ORKESTA_CRASH_REQUEST" // workspace, from and to account, comma-separated
)

// TestCrashSafety kills a process that is creating payments as fast as it can, with SIGKILL, several
// times, and checks after each kill, through a new pool, that every payment it acknowledged is stored
// exactly once with its history and event, that nothing was half-written (the server rolled back the
// dead process's open transactions), and that the schema is intact.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	ctx := context.Background()
	dsn, schema := newSchema(t)
	s := postgres.New(openPool(t, dsn, schema, 2), postgres.Options{})
	require.NoError(t, s.Migrate(ctx))
	env := paymenttest.NewEnv(t, s)
	crash := paymenttest.Crash{Child: "TestCrashChild", Env: []string{crashSchemaEnv + "=" + schema,
		crashPaymentEnv + "=" + strings.Join([]string{string(env.Workspace.ID), string(env.Own.ID), string(env.Vendor.ID)}, ",")}}

	acked := map[payment.ID]bool{}
	for round, killAfter := range []int{1, 40, 150, 300} {
		for _, id := range crash.KillAfter(t, killAfter) {
			acked[id] = true
		}
		pool := openPool(t, dsn, schema, 2)
		var version int
		require.NoError(t, pool.QueryRow(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&version))
		assert.Equal(t, postgres.SchemaVersion(), version, "round %d", round)
		ids := make([]string, 0, len(acked))
		for id := range acked {
			ids = append(ids, string(id))
		}
		var found, wrong int
		require.NoError(t, pool.QueryRow(ctx, `SELECT count(*),
				count(*) FILTER (WHERE (SELECT count(*) FROM payment_history h WHERE h.payment_id = p.id) <> 1
					OR (SELECT count(*) FROM events e WHERE e.payment_id = p.id) <> 1)
			FROM payments p WHERE p.id = ANY ($1)`, ids).Scan(&found, &wrong))
		assert.Equal(t, len(acked), found, "round %d: every acknowledged payment is stored, once", round)
		assert.Zero(t, wrong, "round %d: acknowledged payments without exactly one history record and event", round)
		// Unacknowledged payments may have been committed, but never in part.
		var payments, history, events int
		require.NoError(t, pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM payments),
			(SELECT count(*) FROM payment_history), (SELECT count(*) FROM events)`).Scan(&payments, &history, &events))
		assert.Equal(t, payments, history, "round %d: one history record per payment", round)
		assert.Equal(t, payments, events, "round %d: one event per payment", round)
		t.Logf("round %d: %d payments stored in all, %d acknowledged", round, payments, len(acked))
		pool.Close()
	}
}

// TestCrashChild is the child process of TestCrashSafety: it creates payments through
// payment.Service from four goroutines until it is killed, printing "ack <id>" for each one Create
// returned.
func TestCrashChild(t *testing.T) {
	schema := os.Getenv(crashSchemaEnv)
	if schema == "" {
		t.Skip("the child process of TestCrashSafety")
	}
	ids := strings.Split(os.Getenv(crashPaymentEnv), ",")
	ctx := context.Background()
	svc := payment.NewService(postgres.New(openPool(t, testDSN(t), schema, 4), postgres.Options{}), payment.Options{})
	paymenttest.CrashChild(t, func(i int) (payment.ID, error) {
		p, err := svc.Create(ctx, payment.WorkspaceID(ids[0]), payment.Request{
			Amount: int64(i + 1), Currency: "TRY", Method: payment.MethodBankTransfer,
			FromAccount: payment.AccountID(ids[1]), ToAccount: payment.AccountID(ids[2]),
			Description: "Crash test ödeme", IdempotencyKey: fmt.Sprintf("crash-%d", i),
		})
		return p.ID, err
	})
}
