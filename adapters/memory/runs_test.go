package memory_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/reconciletest"
)

func TestRunStoreSuite(t *testing.T) {
	reconciletest.StoreSuite(t, func(*testing.T) reconcile.Store { return memory.NewRunStore(nil) })
}

func TestRunStoreWritesEventsToTheOutbox(t *testing.T) {
	ctx := context.Background()
	ps := memory.New()
	s := memory.NewRunStore(ps)
	r := reconciletest.SampleRun("ws_1", 1)
	require.NoError(t, s.CreateRun(ctx, r))
	r.Version = 2
	ev := payment.Event{ID: "evt_1", Type: payment.EventReconciliationCompleted, Workspace: "ws_1"}
	require.NoError(t, s.UpdateRun(ctx, r, 1, ev))
	require.NoError(t, s.UpdateRun(ctx, func() reconcile.Run { r.Version = 3; return r }(), 2, payment.Event{}))
	out := ps.Outbox()
	require.Len(t, out, 1)
	assert.Equal(t, ev, out[0])
	logged, err := ps.EventsAfter(ctx, 0, 0)
	require.NoError(t, err)
	assert.Len(t, logged, 1)
}
