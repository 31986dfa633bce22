package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/sqlite"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
)

// The crash test's child process reads its orders from these variables.
const (
	crashDBEnv      = "ORKESTA_CRASH_SQLITE_DB"
	crashPaymentEnv = "ORKESTA_CRASH_REQUEST" // workspace, from and to account, comma-separated
)

// TestCrashSafety kills a process that is creating payments as fast as it can, with SIGKILL, several
// times, and checks after each kill that every payment the process acknowledged (printed after Create
// returned) is in the database exactly once with its history and event, that nothing was
// half-written, and that the database passes SQLite's integrity check.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	ctx := context.Background()
	db, path := openDB(t, sqlite.OpenOptions{})
	s := sqlite.New(db, sqlite.Options{})
	require.NoError(t, s.Migrate(ctx))
	env := paymenttest.NewEnv(t, s)
	require.NoError(t, db.Close())

	crash := paymenttest.Crash{Child: "TestCrashChild", Env: []string{crashDBEnv + "=" + path,
		crashPaymentEnv + "=" + strings.Join([]string{string(env.Workspace.ID), string(env.Own.ID), string(env.Vendor.ID)}, ",")}}
	acked := map[payment.ID]bool{}
	for round, killAfter := range []int{1, 40, 150, 300} {
		ids := crash.KillAfter(t, killAfter)
		for _, id := range ids {
			acked[id] = true
		}

		db, err := sqlite.Open(ctx, path, sqlite.OpenOptions{})
		require.NoError(t, err)
		var integrity string
		require.NoError(t, db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&integrity))
		assert.Equal(t, "ok", integrity, "round %d", round)
		var fkProblems int
		require.NoError(t, db.QueryRowContext(ctx, `SELECT count(*) FROM pragma_foreign_key_check`).Scan(&fkProblems))
		assert.Zero(t, fkProblems, "round %d: foreign key violations", round)
		s := sqlite.New(db, sqlite.Options{})
		for id := range acked {
			var n, h, e int
			require.NoError(t, db.QueryRowContext(ctx, `SELECT
				(SELECT count(*) FROM payments WHERE id = ?),
				(SELECT count(*) FROM payment_history WHERE payment_id = ?),
				(SELECT count(*) FROM events WHERE payment_id = ?)`, string(id), string(id), string(id)).Scan(&n, &h, &e))
			assert.Equal(t, []int{1, 1, 1}, []int{n, h, e}, "round %d: payment %s, its history and its event", round, id)
		}
		// Unacknowledged payments may have been committed, but never in part.
		var payments, history, events int
		require.NoError(t, db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM payments),
			(SELECT count(*) FROM payment_history), (SELECT count(*) FROM events)`).Scan(&payments, &history, &events))
		assert.Equal(t, payments, history, "round %d: one history record per payment", round)
		assert.Equal(t, payments, events, "round %d: one event per payment", round)
		assert.GreaterOrEqual(t, payments, len(acked))
		t.Logf("round %d: killed after %d acknowledged payments (%d stored in all, %d acknowledged)", round, len(ids), payments, len(acked))
		// The store works on the recovered database.
		_, err = payment.NewService(s, payment.Options{}).Create(ctx, env.Workspace.ID, env.Request())
		require.NoError(t, err, "round %d", round)
		require.NoError(t, s.Close())
		require.NoError(t, db.Close())
	}
}

// TestCrashChild is the child process of TestCrashSafety: it creates payments through
// payment.Service from four goroutines until it is killed, printing "ack <id>" for each one Create
// returned.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashDBEnv)
	if path == "" {
		t.Skip("the child process of TestCrashSafety")
	}
	ids := strings.Split(os.Getenv(crashPaymentEnv), ",")
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path, sqlite.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	svc := payment.NewService(sqlite.New(db, sqlite.Options{}), payment.Options{})
	paymenttest.CrashChild(t, func(i int) (payment.ID, error) {
		p, err := svc.Create(ctx, payment.WorkspaceID(ids[0]), payment.Request{
			Amount: int64(i + 1), Currency: "TRY", Method: payment.MethodBankTransfer,
			FromAccount: payment.AccountID(ids[1]), ToAccount: payment.AccountID(ids[2]),
			Description: "Crash test ödeme", IdempotencyKey: fmt.Sprintf("crash-%d", i),
		})
		return p.ID, err
	})
}
