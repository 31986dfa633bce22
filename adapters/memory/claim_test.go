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

func claimIDs(ws []payment.Work) []payment.ID {
	out := make([]payment.ID, len(ws))
	for i, w := range ws {
		out[i] = w.Payment.ID
	}
	return out
}

func TestClaimSelectsWork(t *testing.T) {
	store := memory.New()
	e := paymenttest.NewEnv(t, store, paymenttest.WithApproval(payment.ApprovalPolicy{
		Mode: payment.ApprovalThreshold, Thresholds: map[payment.Currency]int64{"TRY": 10_000}}))
	// A second workspace where everything needs approval.
	strict := paymenttest.NewEnv(t, store, paymenttest.WithApproval(payment.ApprovalPolicy{Mode: payment.ApprovalRequired}),
		paymenttest.WithServiceOptions(payment.Options{Clock: paymenttest.NewClock(paymenttest.Epoch.Add(-time.Hour))}))

	approved := e.MustAdvance(t, e.MustCreate(t), payment.StatusApproved)
	smallPending := e.MustCreate(t, func(r *payment.Request) { r.Amount = 9_999 })
	largePending := e.MustCreate(t, func(r *payment.Request) { r.Amount = 10_000 })
	processing := e.MustAdvance(t, e.MustCreate(t), payment.StatusProcessing)
	settled := e.MustAdvance(t, e.MustCreate(t), payment.StatusSettled)
	eft := e.MustAdvance(t, e.MustCreate(t, func(r *payment.Request) { r.Method = payment.MethodEFT }), payment.StatusApproved)
	strictPending := strict.MustCreate(t, func(r *payment.Request) { r.Amount = 1 })
	strictApproved := strict.MustAdvance(t, strict.MustCreate(t), payment.StatusApproved)

	now := e.Clock.Now()
	got, err := store.Claim(ctx, payment.ClaimQuery{Owner: "a", Now: now, Until: now.Add(time.Minute), Limit: 100,
		Methods: []payment.Method{payment.MethodBankTransfer}})
	require.NoError(t, err)
	assert.ElementsMatch(t, []payment.ID{approved.ID, smallPending.ID, processing.ID, strictApproved.ID}, claimIDs(got))
	for _, w := range got {
		assert.Equal(t, "a", w.Owner)
		assert.Equal(t, now.Add(time.Minute), w.Until)
	}
	for _, id := range []payment.ID{largePending.ID, settled.ID, eft.ID, strictPending.ID} {
		assert.NotContains(t, claimIDs(got), id)
	}

	// Nothing is handed out twice while the leases hold, even to their owner.
	for _, owner := range []string{"a", "b"} {
		again, err := store.Claim(ctx, payment.ClaimQuery{Owner: owner, Now: now, Until: now.Add(time.Minute), Limit: 100,
			Methods: []payment.Method{payment.MethodBankTransfer}})
		require.NoError(t, err)
		assert.Empty(t, again, owner)
	}
	// Another method is separate work.
	efts, err := store.Claim(ctx, payment.ClaimQuery{Owner: "b", Now: now, Until: now.Add(time.Minute), Limit: 100,
		Methods: []payment.Method{payment.MethodEFT}})
	require.NoError(t, err)
	assert.Equal(t, []payment.ID{eft.ID}, claimIDs(efts))

	// When the leases end they are free again, the longest-waiting first.
	later := now.Add(time.Minute)
	next, err := store.Claim(ctx, payment.ClaimQuery{Owner: "b", Now: later, Until: later.Add(time.Minute), Limit: 2,
		Methods: []payment.Method{payment.MethodBankTransfer}})
	require.NoError(t, err)
	require.Len(t, next, 2)
	assert.Equal(t, "b", next[0].Owner)
}

func TestClaimSentAndPolled(t *testing.T) {
	store, _, q, first := claimOne(t, payment.StatusProcessing)
	now, p := q.Now, first.Payment
	got := []payment.Work{first}
	assert.False(t, got[0].Sent, "never sent: work")

	w := got[0]
	w.Sent, w.Until = true, now
	require.NoError(t, store.UpdateWork(ctx, w))
	got, err := store.Claim(ctx, q)
	require.NoError(t, err)
	assert.Empty(t, got, "sent on a rail that reports nothing: no more work")

	q.Polled = q.Methods
	got, err = store.Claim(ctx, q)
	require.NoError(t, err)
	require.Len(t, got, 1, "sent on a polled rail: work until it settles")
	assert.True(t, got[0].Sent)
	assert.Equal(t, p.ID, got[0].Payment.ID)
}

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

func TestClaimNothingAsked(t *testing.T) {
	store := memory.New()
	e := paymenttest.NewEnv(t, store)
	e.MustAdvance(t, e.MustCreate(t), payment.StatusApproved)
	now := e.Clock.Now()
	for name, q := range map[string]payment.ClaimQuery{
		"no limit":   {Owner: "a", Now: now, Until: now, Methods: []payment.Method{payment.MethodBankTransfer}},
		"no methods": {Owner: "a", Now: now, Until: now, Limit: 5},
	} {
		got, err := store.Claim(ctx, q)
		require.NoError(t, err)
		assert.Empty(t, got, name)
	}
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
