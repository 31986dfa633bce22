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

func TestStoreSuite(t *testing.T) {
	paymenttest.StoreSuite(t, func(t *testing.T) payment.Store { return memory.New() })
}

func TestClaimerSuite(t *testing.T) {
	paymenttest.ClaimerSuite(t, func(t *testing.T) payment.Store { return memory.New() })
}

func TestWebhookStoreSuite(t *testing.T) {
	paymenttest.WebhookStoreSuite(t, func(t *testing.T) payment.Store { return memory.New() })
}

// TestOutboxKeepsEventsExactly: the outbox stores a payment event compactly when its payment snapshot
// says the rest; any other event (another time, another workspace) comes back exactly as written.
func TestOutboxKeepsEventsExactly(t *testing.T) {
	s := memory.New()
	env := paymenttest.NewEnv(t, s)
	cs := env.Changes(t, 3)
	cs[1].Event.OccurredAt = cs[1].Event.OccurredAt.Add(time.Second)
	cs[2].Event.Workspace = "ws_other"
	var want []payment.Event
	for _, c := range cs {
		require.NoError(t, s.CreatePayment(context.Background(), c))
		want = append(want, c.Event)
	}
	assert.Equal(t, want, s.Outbox())
}

// TestHistoryKeptExactly: a creation transition that payment.Service would record is implied by the
// payment, any other is kept as given; both come back exactly, before and after an update.
func TestHistoryKeptExactly(t *testing.T) {
	ctx := context.Background()
	s := memory.New()
	env := paymenttest.NewEnv(t, s)
	cs := env.Changes(t, 2)
	cs[1].History.Reason, cs[1].History.Actor = "imported from the old system", "migration"
	for _, c := range cs {
		require.NoError(t, s.CreatePayment(ctx, c))
		h, err := s.History(ctx, env.Workspace.ID, c.Payment.ID)
		require.NoError(t, err)
		assert.Equal(t, []payment.Transition{c.History}, h)

		p, err := env.Service.Approve(ctx, env.Workspace.ID, c.Payment.ID, "checker")
		require.NoError(t, err)
		h, err = s.History(ctx, env.Workspace.ID, c.Payment.ID)
		require.NoError(t, err)
		require.Len(t, h, 2)
		assert.Equal(t, c.History, h[0], "the creation, as stored")
		assert.Equal(t, payment.StatusApproved, h[1].To)
		assert.Equal(t, p.Status, h[1].To)
	}
}

// TestWorkspaceIsACopy: the store keeps its own copy of a workspace's plan and approval thresholds,
// as the SQL stores do. It kept the caller's map: a caller reusing its policy map for the next
// workspace changed the first one's thresholds (and which of its payments the processor sends
// without approval), and a reader changing the workspace it got changed the store's.
func TestWorkspaceIsACopy(t *testing.T) {
	ctx := context.Background()
	s := memory.New()
	svc := payment.NewService(s, payment.Options{})
	thresholds := map[payment.Currency]int64{"TRY": 100000}
	ws, err := svc.CreateWorkspace(ctx, "Acme", payment.PlanStarter,
		payment.ApprovalPolicy{Mode: payment.ApprovalThreshold, Thresholds: thresholds})
	require.NoError(t, err)
	thresholds["TRY"] = 1 // the caller's next workspace

	got, err := s.GetWorkspace(ctx, ws.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(100000), got.Approval.Thresholds["TRY"])
	got.Approval.Thresholds["TRY"] = 2
	got.Plan.Methods[0] = "changed"

	again, err := s.GetWorkspace(ctx, ws.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(100000), again.Approval.Thresholds["TRY"])
	assert.Equal(t, payment.PlanStarter.Methods, again.Plan.Methods)
}
