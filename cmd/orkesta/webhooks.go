package main

import (
	"context"

	"github.com/orkesta/orkesta/adapters/dashboard"
	"github.com/orkesta/orkesta/adapters/webhook"
	"github.com/orkesta/orkesta/payment"
)

// webhookUI gives the dashboard the webhook dispatcher (dashboard.Webhooks): adapters do not import
// each other, so the binary joins them here. The dispatcher's own methods serve where their types
// are the dashboard's (listing, rotating, disabling, enabling, deleting, deliveries); the rest convert.
type webhookUI struct {
	*webhook.Dispatcher
	store payment.WebhookStore
}

var _ dashboard.Webhooks = webhookUI{}

func (w webhookUI) Endpoint(ctx context.Context, ws payment.WorkspaceID, id string) (payment.WebhookEndpoint, error) {
	return w.store.GetWebhookEndpoint(ctx, ws, id)
}

func (w webhookUI) CreateEndpoint(ctx context.Context, ws payment.WorkspaceID, r dashboard.EndpointRequest) (payment.WebhookEndpoint, error) {
	return w.Dispatcher.CreateEndpoint(ctx, ws, webhook.EndpointRequest(r))
}

func (w webhookUI) UpdateEndpoint(ctx context.Context, ws payment.WorkspaceID, id string, r dashboard.EndpointRequest) (payment.WebhookEndpoint, error) {
	return w.Dispatcher.UpdateEndpoint(ctx, ws, id, webhook.EndpointRequest(r))
}

func (w webhookUI) SendTest(ctx context.Context, ws payment.WorkspaceID, id string, t payment.EventType) (dashboard.TestResult, error) {
	r, err := w.Dispatcher.SendTest(ctx, ws, id, t)
	return dashboard.TestResult{StatusCode: r.StatusCode, Err: r.Err}, err
}
