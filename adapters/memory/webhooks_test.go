package memory_test

import (
	"testing"

	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The shared paymenttest.WebhookStoreSuite (run in store_test.go) covers the WebhookStore contract;
// this checks what only an in-memory store can get wrong: sharing slices with its caller.
func TestWebhookEndpointsAreCopied(t *testing.T) {
	store := memory.New()
	e := paymenttest.NewEnv(t, store)
	ws := e.Workspace.ID
	ep := payment.WebhookEndpoint{ID: "whk_1", Workspace: ws, URL: "https://a.example/h", Secret: "s1",
		Events: []payment.EventType{payment.EventPaymentSettled}, CreatedAt: paymenttest.Epoch}
	require.NoError(t, store.CreateWebhookEndpoint(ctx, ep))

	ep.Events[0] = payment.EventPaymentFailed // what the caller keeps is not the store's
	got, err := store.GetWebhookEndpoint(ctx, ws, "whk_1")
	require.NoError(t, err)
	assert.Equal(t, []payment.EventType{payment.EventPaymentSettled}, got.Events)

	got.Events[0] = payment.EventPaymentCancelled // nor is what it reads
	again, err := store.GetWebhookEndpoint(ctx, ws, "whk_1")
	require.NoError(t, err)
	assert.Equal(t, []payment.EventType{payment.EventPaymentSettled}, again.Events)
}
