package memory_test

import (
	"context"
	"testing"
	"time"

	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var ctx = context.Background()

// The shared paymenttest.ClaimerSuite (run in store_test.go) covers the Claimer contract; the tests
// here check the in-memory bookkeeping itself (Store.WorkOf).

func TestUpdateWork(t *testing.T) {
	store, e, q, stale := claimOne(t, payment.StatusApproved)
	now, p := q.Now, stale.Payment

	// a's lease runs out and b takes the payment: a may no longer write.
	q.Owner, q.Now, q.Until = "b", now.Add(time.Minute), now.Add(2*time.Minute)
	got, err := store.Claim(ctx, q)
	require.NoError(t, err)
	require.Len(t, got, 1)
	stale.Attempts, stale.LastError = 9, "late"
	assert.ErrorIs(t, store.UpdateWork(ctx, stale), payment.ErrConflict)

	w := got[0]
	w.Attempts, w.LastError, w.Until = 1, "busy", now.Add(5*time.Minute)
	require.NoError(t, store.UpdateWork(ctx, w))
	kept, ok := store.WorkOf(p.ID)
	require.True(t, ok)
	assert.Equal(t, payment.Work{Owner: "b", Until: now.Add(5 * time.Minute), Attempts: 1, LastError: "busy"}, kept)

	// Once the payment no longer needs a rail its bookkeeping goes.
	e.MustAdvance(t, p, payment.StatusCancelled)
	require.NoError(t, store.UpdateWork(ctx, w))
	_, ok = store.WorkOf(p.ID)
	assert.False(t, ok)

	unknown := w
	unknown.Payment.ID = "pay_01JZZZZZZZZZZZZZZZZZZZZZZZ"
	assert.ErrorIs(t, store.UpdateWork(ctx, unknown), payment.ErrNotFound)
}

// TestClaimForgetsFinishedPayments: a payment that finished while its processor died before
// recording it leaves bookkeeping behind; the next claim drops it.
func TestClaimForgetsFinishedPayments(t *testing.T) {
	store, e, q, w := claimOne(t, payment.StatusApproved)
	p := w.Payment
	e.MustAdvance(t, p, payment.StatusCancelled) // the owner never calls UpdateWork
	_, kept := store.WorkOf(p.ID)
	require.True(t, kept)
	got, err := store.Claim(ctx, q)
	require.NoError(t, err)
	assert.Empty(t, got)
	_, kept = store.WorkOf(p.ID)
	assert.False(t, kept)
}

// claimOne makes one payment in status st, claims it for owner "a" for a minute and returns the
// store, the env, the query used and the claim.
func claimOne(t *testing.T, st payment.Status) (*memory.Store, *paymenttest.Env, payment.ClaimQuery, payment.Work) {
	t.Helper()
	store := memory.New()
	e := paymenttest.NewEnv(t, store)
	e.MustAdvance(t, e.MustCreate(t), st)
	now := e.Clock.Now()
	q := payment.ClaimQuery{Owner: "a", Now: now, Until: now.Add(time.Minute), Limit: 10,
		Methods: []payment.Method{payment.MethodBankTransfer}}
	got, err := store.Claim(ctx, q)
	require.NoError(t, err)
	require.Len(t, got, 1)
	return store, e, q, got[0]
}

// BenchmarkClaim50: paymenttest.BenchClaim, a claim of 50 among 100,000 active payments.
func BenchmarkClaim50(b *testing.B) {
	paymenttest.BenchClaim(b, memory.New(), nil)
}
