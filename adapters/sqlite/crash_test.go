package sqlite_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
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

	acked := map[payment.ID]bool{}
	for round, killAfter := range []int{1, 40, 150, 300} {
		ids := runAndKill(t, killAfter, crashDBEnv+"="+path,
			crashPaymentEnv+"="+strings.Join([]string{string(env.Workspace.ID), string(env.Own.ID), string(env.Vendor.ID)}, ","))
		require.GreaterOrEqual(t, len(ids), killAfter, "round %d", round)
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

// runAndKill starts the test binary as a child running TestCrashChild with env, reads the ids it
// prints, kills it with SIGKILL once it printed killAfter of them, and returns every id it printed.
func runAndKill(t *testing.T, killAfter int, env ...string) []payment.ID {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	var ids []payment.ID
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		id, ok := strings.CutPrefix(sc.Text(), "ack ")
		if !ok {
			continue
		}
		ids = append(ids, payment.ID(id))
		if len(ids) == killAfter {
			require.NoError(t, cmd.Process.Kill()) // SIGKILL: no deferred code, no flush, no goodbye
		}
	}
	// The ids printed before the kill landed are acknowledged too: read them all.
	require.NoError(t, sc.Err())
	err = cmd.Wait()
	require.Error(t, err, "the child never stops on its own")
	return ids
}

// TestCrashChild is the child process of TestCrashSafety: it creates payments from four goroutines
// until it is killed, printing "ack <id>" for each one Create returned.
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
	crashChild(t, func(i int) (payment.ID, error) {
		p, err := svc.Create(ctx, payment.WorkspaceID(ids[0]), payment.Request{
			Amount: int64(i + 1), Currency: "TRY", Method: payment.MethodBankTransfer,
			FromAccount: payment.AccountID(ids[1]), ToAccount: payment.AccountID(ids[2]),
			Description: "Crash test ödeme", IdempotencyKey: fmt.Sprintf("crash-%d", i),
		})
		return p.ID, err
	})
}

// crashChild calls create from four goroutines forever, printing each acknowledged id.
func crashChild(t *testing.T, create func(i int) (payment.ID, error)) {
	var mu sync.Mutex
	next := int(os.Getpid()) * 1_000_000 // distinct idempotency keys in every round
	w := bufio.NewWriter(os.Stdout)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				id, err := create(i)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				fmt.Fprintf(w, "ack %s\n", id)
				err = w.Flush() // the ack leaves the process before the next payment starts
				mu.Unlock()
				if err != nil {
					return
				}
			}
		})
	}
	wg.Wait()
}
