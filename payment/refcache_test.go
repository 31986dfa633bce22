package payment_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countingStore counts the workspace and account reads that reach the store.
type countingStore struct {
	*memory.Store
	workspaces, accounts atomic.Int32
}

func (s *countingStore) GetWorkspace(ctx context.Context, id payment.WorkspaceID) (payment.Workspace, error) {
	s.workspaces.Add(1)
	return s.Store.GetWorkspace(ctx, id)
}

func (s *countingStore) GetAccount(ctx context.Context, ws payment.WorkspaceID, id payment.AccountID) (payment.Account, error) {
	s.accounts.Add(1)
	return s.Store.GetAccount(ctx, ws, id)
}

// TestServiceKeepsWorkspacesAndAccounts: creates read the workspace and each account from the store
// once; a row not found is asked for again (it may exist by then); an account is never answered for
// another workspace.
func TestServiceKeepsWorkspacesAndAccounts(t *testing.T) {
	st := &countingStore{Store: memory.New()}
	env := paymenttest.NewEnv(t, st)
	st.workspaces.Store(0)
	st.accounts.Store(0)
	for range 10 {
		env.MustCreate(t)
	}
	assert.EqualValues(t, 1, st.workspaces.Load(), "workspace reads")
	assert.EqualValues(t, 2, st.accounts.Load(), "account reads: from and to, once each")

	// an account that does not exist yet, then does
	later := payment.AccountID(env.Service.NewID(payment.PrefixAccount))
	_, err := env.Service.Create(ctx, env.Workspace.ID, env.Request(func(r *payment.Request) { r.ToAccount = later }))
	require.ErrorIs(t, err, payment.ErrInvalid)
	require.NoError(t, st.CreateAccount(ctx, payment.Account{ID: later, Workspace: env.Workspace.ID, Name: "Later",
		Currency: "TRY", Type: payment.AccountExternal, CreatedAt: env.Clock.Now()}))
	_, err = env.Service.Create(ctx, env.Workspace.ID, env.Request(func(r *payment.Request) { r.ToAccount = later }))
	require.NoError(t, err, "a row not found is not remembered")

	// another workspace on the same store and service never sees this workspace's accounts
	other := paymenttest.NewEnv(t, st, paymenttest.WithServiceOptions(payment.Options{IDs: payment.NewULIDSource()}))
	_, err = env.Service.Create(ctx, other.Workspace.ID, other.Request(func(r *payment.Request) { r.ToAccount = env.Vendor.ID }))
	require.ErrorIs(t, err, payment.ErrInvalid)
	assert.ErrorContains(t, err, "to_account")
}
