package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
)

// TestCachedRows checks the store's memory of workspaces and accounts (cache.go): every read returns
// the stored row in a copy of its own, a row that was not found is looked up again, and an account is
// found in its own workspace only.
func TestCachedRows(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	env := paymenttest.NewEnv(t, s, paymenttest.WithApproval(payment.ApprovalPolicy{
		Mode: payment.ApprovalThreshold, Thresholds: map[payment.Currency]int64{"TRY": 100_000}}))
	for range 2 { // the first read fills the cache, the second comes from it
		w, err := s.GetWorkspace(ctx, env.Workspace.ID)
		require.NoError(t, err)
		assert.Equal(t, env.Workspace, w)
		w.Plan.Methods[0], w.Approval.Thresholds["TRY"] = "changed", 1 // the caller's copy only
		a, err := s.GetAccount(ctx, env.Workspace.ID, env.Own.ID)
		require.NoError(t, err)
		assert.Equal(t, env.Own, a)
		_, err = s.GetAccount(ctx, "ws_other", env.Own.ID)
		assert.ErrorIs(t, err, payment.ErrNotFound, "an account of another workspace")
	}

	late := payment.Account{ID: "acc_late", Workspace: env.Workspace.ID, Name: "Late", Currency: "TRY",
		Type: payment.AccountExternal, CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)}
	_, err := s.GetAccount(ctx, env.Workspace.ID, late.ID)
	require.ErrorIs(t, err, payment.ErrNotFound)
	require.NoError(t, s.CreateAccount(ctx, late))
	a, err := s.GetAccount(ctx, env.Workspace.ID, late.ID)
	require.NoError(t, err, "not found is not remembered")
	assert.Equal(t, late, a)
}
