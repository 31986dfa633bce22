package reconcile_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
)

// TestRunCache: with a store that tells a run's version, the Service reads a run from the store
// once, keeps what it writes, hands out copies, and reads the run again when another process has
// changed it or when its own write failed.
func TestRunCache(t *testing.T) {
	f := newFixture(t)
	store := &versionedRuns{RunStore: f.runs}
	svc := reconcile.NewService(f.env.Service, store, reconcile.ServiceOptions{})
	f.pay(payment.StatusSettled, "INV-1")
	run, err := svc.CreateRun(f.ctx, f.ws, reconcile.RunRequest{Account: f.env.Own.ID,
		From: payment.MustDate("2026-01-01"), To: payment.MustDate("2026-01-31")}, "ayse@example.com")
	require.NoError(t, err)
	run, _, err = svc.Import(f.ctx, f.ws, run.ID, []reconcile.Statement{f.statement(
		entry("line 1", "Fatura INV-1"), entry("line 2", "HESAP İŞLETİM ÜCRETİ", func(e *reconcile.Entry) { e.Amount = 1500 }))},
		"ayse@example.com")
	require.NoError(t, err)
	fee := fingerprint(t, run, "line 2")
	_, err = svc.Dismiss(f.ctx, f.ws, run.ID, fee, "mehmet@example.com", "account fee")
	require.NoError(t, err)
	got, err := svc.GetRun(f.ctx, f.ws, run.ID)
	require.NoError(t, err)
	assert.Equal(t, 0, store.readCount(), "create, import, review and read: the run is never read back")
	assert.Equal(t, reconcile.StateDismissed, decisionOf(t, got, "line 2").State)

	t.Run("a copy", func(t *testing.T) {
		got.Entries[0].Decision.Note = "changed by the caller"
		got.Entries[0].Entry.Fields = map[string]string{"x": "y"}
		again, err := svc.GetRun(f.ctx, f.ws, run.ID)
		require.NoError(t, err)
		assert.Empty(t, again.Entries[0].Decision.Note)
		assert.Nil(t, again.Entries[0].Entry.Fields)
	})

	t.Run("changed by another process", func(t *testing.T) {
		other, err := f.runs.GetRun(f.ctx, f.ws, run.ID)
		require.NoError(t, err)
		prev := other.Version
		other.Version++
		other.CreatedBy = "another process"
		require.NoError(t, f.runs.UpdateRun(f.ctx, other, prev, payment.Event{}))
		reads := store.readCount()
		again, err := svc.GetRun(f.ctx, f.ws, run.ID)
		require.NoError(t, err)
		assert.Equal(t, "another process", again.CreatedBy)
		assert.Equal(t, reads+1, store.readCount())
		_, err = svc.GetRun(f.ctx, f.ws, run.ID)
		require.NoError(t, err)
		assert.Equal(t, reads+1, store.readCount(), "kept again")
	})

	t.Run("a write that fails is not kept", func(t *testing.T) {
		store.mu.Lock()
		store.failNext = true
		store.mu.Unlock()
		_, err := svc.Unmatch(f.ctx, f.ws, run.ID, fingerprint(t, run, "line 1"), "mehmet@example.com", "wrong payment")
		require.ErrorIs(t, err, errDisk)
		again, err := svc.GetRun(f.ctx, f.ws, run.ID)
		require.NoError(t, err)
		assert.Equal(t, reconcile.StateMatched, decisionOf(t, again, "line 1").State, "as the store holds it")
		// A second Service on the same store stands for another process.
		rival := reconcile.NewService(f.env.Service, store, reconcile.ServiceOptions{})
		_, err = rival.Unmatch(f.ctx, f.ws, run.ID, fingerprint(t, run, "line 1"), "rival", "wrong payment")
		require.NoError(t, err)
		again, err = svc.GetRun(f.ctx, f.ws, run.ID)
		require.NoError(t, err)
		assert.Equal(t, reconcile.StateUnmatched, decisionOf(t, again, "line 1").State, "the other process's change")
	})

	t.Run("another workspace", func(t *testing.T) {
		_, err := svc.GetRun(f.ctx, "ws_01KAWW1Y000000000000000WS2", run.ID)
		assert.ErrorIs(t, err, payment.ErrNotFound)
	})
}
