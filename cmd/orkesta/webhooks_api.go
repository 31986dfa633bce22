package main

import (
	"context"

	"github.com/orkesta/orkesta/adapters/httpapi"
	"github.com/orkesta/orkesta/adapters/webhook"
	"github.com/orkesta/orkesta/payment"
)

// webhookAPI gives the REST API the webhook dispatcher (httpapi.Webhooks): adapters do not import
// each other, so the binary joins them here. The dispatcher's own methods serve where their types
// are the API's (listing, rotating, disabling, deleting, deliveries); the rest convert.
type webhookAPI struct {
	*webhook.Dispatcher
	store payment.WebhookStore
}

var _ httpapi.Webhooks = webhookAPI{}

func (w webhookAPI) Endpoint(ctx context.Context, ws payment.WorkspaceID, id string) (payment.WebhookEndpoint, error) {
	return w.store.GetWebhookEndpoint(ctx, ws, id)
}

func (w webhookAPI) CreateEndpoint(ctx context.Context, ws payment.WorkspaceID, r httpapi.WebhookEndpointRequest) (payment.WebhookEndpoint, error) {
	return w.Dispatcher.CreateEndpoint(ctx, ws, webhook.EndpointRequest(r))
}

func (w webhookAPI) UpdateEndpoint(ctx context.Context, ws payment.WorkspaceID, id string, r httpapi.WebhookEndpointRequest) (payment.WebhookEndpoint, error) {
	return w.Dispatcher.UpdateEndpoint(ctx, ws, id, webhook.EndpointRequest(r))
}

func (w webhookAPI) SendTest(ctx context.Context, ws payment.WorkspaceID, id string, t payment.EventType) (httpapi.WebhookTest, error) {
	r, err := w.Dispatcher.SendTest(ctx, ws, id, t)
	return httpapi.WebhookTest(r), err
}
