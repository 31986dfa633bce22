package main

import (
	"context"

	"github.com/orkesta/orkesta/adapters/dashboard"
	"github.com/orkesta/orkesta/adapters/webhook"
	"github.com/orkesta/orkesta/payment"
)

// webhookUI gives the dashboard the webhook dispatcher (dashboard.Webhooks): adapters do not import
// each other, so the binary joins them here.
type webhookUI struct {
	d     *webhook.Dispatcher
	store payment.WebhookStore
}

var _ dashboard.Webhooks = webhookUI{}

func (w webhookUI) Endpoints(ctx context.Context, ws payment.WorkspaceID) ([]payment.WebhookEndpoint, error) {
	return w.d.Endpoints(ctx, ws)
}

func (w webhookUI) Endpoint(ctx context.Context, ws payment.WorkspaceID, id string) (payment.WebhookEndpoint, error) {
	return w.store.GetWebhookEndpoint(ctx, ws, id)
}

func (w webhookUI) CreateEndpoint(ctx context.Context, ws payment.WorkspaceID, r dashboard.EndpointRequest) (payment.WebhookEndpoint, error) {
	return w.d.CreateEndpoint(ctx, ws, webhook.EndpointRequest{URL: r.URL, Description: r.Description, Events: r.Events})
}

func (w webhookUI) UpdateEndpoint(ctx context.Context, ws payment.WorkspaceID, id string, r dashboard.EndpointRequest) (payment.WebhookEndpoint, error) {
	return w.d.UpdateEndpoint(ctx, ws, id, webhook.EndpointRequest{URL: r.URL, Description: r.Description, Events: r.Events})
}

func (w webhookUI) RotateSecret(ctx context.Context, ws payment.WorkspaceID, id string) (payment.WebhookEndpoint, error) {
	return w.d.RotateSecret(ctx, ws, id)
}

func (w webhookUI) DisableEndpoint(ctx context.Context, ws payment.WorkspaceID, id, reason string) error {
	return w.d.DisableEndpoint(ctx, ws, id, reason)
}

func (w webhookUI) DeleteEndpoint(ctx context.Context, ws payment.WorkspaceID, id string) error {
	return w.d.DeleteEndpoint(ctx, ws, id)
}

func (w webhookUI) EnableEndpoint(ctx context.Context, ws payment.WorkspaceID, id string) error {
	return w.d.EnableEndpoint(ctx, ws, id)
}

func (w webhookUI) Deliveries(ctx context.Context, ws payment.WorkspaceID, id string, limit int) ([]payment.WebhookDelivery, error) {
	return w.d.Deliveries(ctx, ws, id, limit)
}

func (w webhookUI) SendTest(ctx context.Context, ws payment.WorkspaceID, id string, t payment.EventType) (dashboard.TestResult, error) {
	r, err := w.d.SendTest(ctx, ws, id, t)
	return dashboard.TestResult{StatusCode: r.StatusCode, Err: r.Err}, err
}
