package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/sqlite"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
)

// TestOneConnectionPool runs a store on a pool of one connection (OpenOptions.MaxConns 1, or a
// caller's *sql.DB with SetMaxOpenConns(1), the usual advice for SQLite): writes, reads whose
// statements are new to the store's cache, claims and batches from several goroutines at once. A
// statement met first inside a write transaction must not wait for a second connection, which such a
// pool never has: the write, and every caller after it, would wait forever.
func TestOneConnectionPool(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "one.db"), sqlite.OpenOptions{MaxConns: 1})
	require.NoError(t, err)
	// No Cleanup closing db: after a deadlock, Close would wait for the stuck connection too.
	done := make(chan error, 1)
	go func() { done <- oneConnectionWork(ctx, t, sqlite.New(db, sqlite.Options{})) }()
	select {
	case err := <-done:
		require.NoError(t, err)
		require.NoError(t, db.Close())
	case <-time.After(10 * time.Second):
		t.Fatal("the store's calls on a pool of one connection have not returned after 10s: deadlocked")
	}
}

func oneConnectionWork(ctx context.Context, t *testing.T, s *sqlite.Store) error {
	if err := s.Migrate(ctx); err != nil {
		return err
	}
	env := paymenttest.NewEnv(t, s, paymenttest.WithServiceOptions(payment.Options{
		Clock: payment.SystemClock, IDs: payment.NewULIDSource()}))
	svc, ws := env.Service, env.Workspace.ID
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 4 {
		wg.Go(func() {
			for i := range 10 {
				p, err := svc.Create(ctx, ws, env.Request(func(r *payment.Request) {
					r.Reference = fmt.Sprintf("G%d-%d", g, i)
					r.IdempotencyKey = fmt.Sprintf("key-%d-%d", g, i)
				}))
				if err != nil {
					errs <- err
					return
				}
				if i%2 == 0 {
					_, err = svc.Cancel(ctx, ws, p.ID, "ayse", "not needed")
				} else {
					_, err = svc.Submit(ctx, ws, p.ID, "ayse")
				}
				if err != nil {
					errs <- err
					return
				}
				// A filter per goroutine and round: statements the cache has not seen yet.
				if _, err := svc.List(ctx, ws, payment.ListFilter{Reference: p.Reference, Limit: 1 + g*10 + i}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Go(func() {
		cs := make([]payment.Change, 20)
		for i := range cs {
			c, _, err := svc.Prepare(ctx, ws, env.Request(func(r *payment.Request) { r.Reference = fmt.Sprintf("B-%d", i) }))
			if err != nil {
				errs <- err
				return
			}
			cs[i] = c
		}
		if _, err := s.CreatePayments(ctx, cs); err != nil {
			errs <- err
		}
	})
	wg.Go(func() {
		for range 5 {
			if _, err := s.Claim(ctx, payment.ClaimQuery{Owner: "prc_one", Now: time.Now(), Until: time.Now().Add(time.Minute),
				Limit: 10, Methods: []payment.Method{payment.MethodBankTransfer, payment.MethodEFT}}); err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		return err
	}
	page, err := svc.List(ctx, ws, payment.ListFilter{Limit: 100})
	if err != nil {
		return err
	}
	assert.Len(t, page.Payments, 60)
	return nil
}
