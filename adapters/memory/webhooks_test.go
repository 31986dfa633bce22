package memory_test

import (
	"testing"
	"time"

	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func delivery(id, ep string, ws payment.WorkspaceID, evt string, due time.Time) payment.WebhookDelivery {
	return payment.WebhookDelivery{ID: id, Workspace: ws, EndpointID: ep, Event: payment.Event{ID: evt},
		Status: payment.DeliveryPending, NextAttemptAt: due, CreatedAt: due}
}

func TestWebhookEndpoints(t *testing.T) {
	store := memory.New()
	e := paymenttest.NewEnv(t, store)
	ws := e.Workspace.ID
	ep := payment.WebhookEndpoint{ID: "whk_1", Workspace: ws, URL: "https://a.example/h", Secret: "s1",
		Events: []payment.EventType{payment.EventPaymentSettled}, CreatedAt: paymenttest.Epoch}
	require.NoError(t, store.CreateWebhookEndpoint(ctx, ep))
	assert.ErrorIs(t, store.CreateWebhookEndpoint(ctx, ep), payment.ErrDuplicate)
	assert.ErrorIs(t, store.CreateWebhookEndpoint(ctx, payment.WebhookEndpoint{ID: "whk_2", Workspace: "ws_nope"}), payment.ErrNotFound)

	// What the caller keeps is not the store's.
	ep.Events[0] = payment.EventPaymentFailed
	got, err := store.GetWebhookEndpoint(ctx, ws, "whk_1")
	require.NoError(t, err)
	assert.Equal(t, []payment.EventType{payment.EventPaymentSettled}, got.Events)
	_, err = store.GetWebhookEndpoint(ctx, "ws_other", "whk_1")
	assert.ErrorIs(t, err, payment.ErrNotFound, "another workspace's endpoint")

	got.URL, got.Secret, got.Disabled = "https://b.example/h", "s2", true
	require.NoError(t, store.UpdateWebhookEndpoint(ctx, got))
	got, err = store.GetWebhookEndpoint(ctx, ws, "whk_1")
	require.NoError(t, err)
	assert.Equal(t, "https://b.example/h", got.URL)
	assert.Equal(t, "s2", got.Secret)
	assert.False(t, got.Disabled, "the disabled state changes only through SetWebhookEndpointDisabled")

	at := paymenttest.Epoch.Add(time.Hour)
	require.NoError(t, store.SetWebhookEndpointDisabled(ctx, ws, "whk_1", true, at, "too many failures"))
	got, _ = store.GetWebhookEndpoint(ctx, ws, "whk_1")
	assert.True(t, got.Disabled)
	assert.Equal(t, at, got.DisabledAt)
	assert.Equal(t, "too many failures", got.DisabledReason)
	require.NoError(t, store.SetWebhookEndpointDisabled(ctx, ws, "whk_1", false, at, ""))
	got, _ = store.GetWebhookEndpoint(ctx, ws, "whk_1")
	assert.False(t, got.Disabled)
	assert.Empty(t, got.DisabledReason)
	assert.ErrorIs(t, store.SetWebhookEndpointDisabled(ctx, "ws_other", "whk_1", true, at, ""), payment.ErrNotFound)
}

func TestWebhookDeliveries(t *testing.T) {
	store := memory.New()
	e := paymenttest.NewEnv(t, store)
	ws := e.Workspace.ID
	t0 := paymenttest.Epoch
	for _, id := range []string{"whk_a", "whk_b"} {
		require.NoError(t, store.CreateWebhookEndpoint(ctx, payment.WebhookEndpoint{ID: id, Workspace: ws, CreatedAt: t0}))
	}

	cur, err := store.WebhookCursor(ctx)
	require.NoError(t, err)
	assert.Zero(t, cur)
	first := []payment.WebhookDelivery{
		delivery("dlv_1", "whk_a", ws, "evt_1", t0.Add(2*time.Second)),
		delivery("dlv_2", "whk_b", ws, "evt_1", t0.Add(time.Second)),
	}
	require.NoError(t, store.EnqueueWebhookDeliveries(ctx, 0, 5, first))
	assert.ErrorIs(t, store.EnqueueWebhookDeliveries(ctx, 0, 7, []payment.WebhookDelivery{
		delivery("dlv_3", "whk_a", ws, "evt_9", t0)}), payment.ErrConflict, "the cursor moved: nothing stored")
	// The same event to the same endpoint again is dropped; the cursor moves on.
	require.NoError(t, store.EnqueueWebhookDeliveries(ctx, 5, 6, []payment.WebhookDelivery{
		delivery("dlv_4", "whk_a", ws, "evt_1", t0), delivery("dlv_5", "whk_a", ws, "evt_2", t0.Add(3*time.Second))}))
	cur, _ = store.WebhookCursor(ctx)
	assert.Equal(t, int64(6), cur)

	// Claims: due ones only, earliest first, and leased until the given time.
	got, err := store.ClaimWebhookDeliveries(ctx, t0.Add(2*time.Second), t0.Add(time.Minute), 10)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, "dlv_2", got[0].ID)
	assert.Equal(t, "dlv_1", got[1].ID)
	assert.Equal(t, t0.Add(time.Minute), got[0].NextAttemptAt)
	again, err := store.ClaimWebhookDeliveries(ctx, t0.Add(2*time.Second), t0.Add(time.Minute), 10)
	require.NoError(t, err)
	assert.Empty(t, again, "leased")

	// A disabled endpoint's deliveries wait.
	require.NoError(t, store.SetWebhookEndpointDisabled(ctx, ws, "whk_a", true, t0, "off"))
	got, err = store.ClaimWebhookDeliveries(ctx, t0.Add(time.Hour), t0.Add(2*time.Hour), 10)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "dlv_2", got[0].ID)

	got[0].Status, got[0].Attempts = payment.DeliverySucceeded, 1
	require.NoError(t, store.UpdateWebhookDelivery(ctx, got[0]))
	wrong := got[0]
	wrong.Workspace = "ws_other"
	assert.ErrorIs(t, store.UpdateWebhookDelivery(ctx, wrong), payment.ErrNotFound)

	list, err := store.ListWebhookDeliveries(ctx, ws, "whk_a", 0)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, "dlv_5", list[0].ID, "newest first")
	list, err = store.ListWebhookDeliveries(ctx, ws, "whk_b", 1)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, payment.DeliverySucceeded, list[0].Status)

	// Deleting an endpoint removes its pending deliveries.
	require.NoError(t, store.DeleteWebhookEndpoint(ctx, ws, "whk_a"))
	list, err = store.ListWebhookDeliveries(ctx, ws, "whk_a", 0)
	require.NoError(t, err)
	assert.Empty(t, list)
	assert.ErrorIs(t, store.DeleteWebhookEndpoint(ctx, ws, "whk_a"), payment.ErrNotFound)
	eps, err := store.ListWebhookEndpoints(ctx, ws)
	require.NoError(t, err)
	require.Len(t, eps, 1)
	assert.Equal(t, "whk_b", eps[0].ID)
}
