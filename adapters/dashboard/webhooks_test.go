package dashboard_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/dashboard"
	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/payment"
)

// fakeHooks is dashboard.Webhooks on the memory store; SendTest answers with answer.
type fakeHooks struct {
	store  *memory.Store
	n      int
	answer dashboard.TestResult
	sent   []payment.EventType
}

func (f *fakeHooks) Endpoints(ctx context.Context, ws payment.WorkspaceID) ([]payment.WebhookEndpoint, error) {
	return f.store.ListWebhookEndpoints(ctx, ws)
}

func (f *fakeHooks) Endpoint(ctx context.Context, ws payment.WorkspaceID, id string) (payment.WebhookEndpoint, error) {
	return f.store.GetWebhookEndpoint(ctx, ws, id)
}

func (f *fakeHooks) CreateEndpoint(ctx context.Context, ws payment.WorkspaceID, r dashboard.EndpointRequest) (payment.WebhookEndpoint, error) {
	f.n++
	e := payment.WebhookEndpoint{ID: payment.PrefixWebhookEndpoint + payment.EncodeULID(1, 0, uint64(f.n)), Workspace: ws,
		URL: r.URL, Description: r.Description, Events: r.Events, Secret: "whsec_test", CreatedAt: time.Unix(0, 0).UTC()}
	return e, f.store.CreateWebhookEndpoint(ctx, e)
}

func (f *fakeHooks) EnableEndpoint(ctx context.Context, ws payment.WorkspaceID, id string) error {
	return f.store.SetWebhookEndpointDisabled(ctx, ws, id, false, time.Time{}, "")
}

func (f *fakeHooks) Deliveries(ctx context.Context, ws payment.WorkspaceID, id string, limit int) ([]payment.WebhookDelivery, error) {
	return f.store.ListWebhookDeliveries(ctx, ws, id, limit)
}

func (f *fakeHooks) SendTest(_ context.Context, _ payment.WorkspaceID, _ string, t payment.EventType) (dashboard.TestResult, error) {
	f.sent = append(f.sent, t)
	return f.answer, nil
}

func TestWebhooksPages(t *testing.T) {
	hooks := &fakeHooks{answer: dashboard.TestResult{StatusCode: 204}}
	e := newTestEnv(t, dashboard.Options{Webhooks: hooks})
	hooks.store = e.store
	c := newClient(t, e)
	c.signIn(e.writer)
	_, body := c.get("/integrations/webhooks")
	assert.Contains(t, body, "No endpoints yet")

	t.Run("field errors", func(t *testing.T) {
		code, body := c.post("/integrations/webhooks", url.Values{"url": {"http://erp.example.com/hook"}})
		assert.Equal(t, http.StatusUnprocessableEntity, code)
		assert.Contains(t, body, `id="url-error"`)
		assert.Contains(t, body, "Use HTTPS")
		assert.Contains(t, body, `id="events-error"`)
	})

	var id string
	t.Run("add an endpoint: the secret is shown once", func(t *testing.T) {
		code, body := c.post("/integrations/webhooks", url.Values{"url": {"https://erp.example.com/hook"},
			"events": {"payment.settled", "payment.failed"}})
		require.Equal(t, http.StatusOK, code)
		assert.Contains(t, body, "whsec_test")
		m := regexp.MustCompile(`/integrations/webhooks/(whk_[0-9A-Z]+)`).FindStringSubmatch(body)
		require.Len(t, m, 2)
		id = m[1]
		_, body = c.get("/integrations/webhooks")
		assert.NotContains(t, body, "whsec_test")
		assert.Contains(t, body, "payment.settled, payment.failed")
	})

	t.Run("send a test event", func(t *testing.T) {
		c.get("/integrations/webhooks/" + id)
		_, body := c.post("/integrations/webhooks/"+id+"/test", url.Values{"type": {"payment.created"}})
		assert.Contains(t, body, "answered 204")
		hooks.answer = dashboard.TestResult{StatusCode: 500, Err: errors.New("status 500")}
		_, body = c.post("/integrations/webhooks/"+id+"/test", url.Values{"type": {"payment.settled"}})
		assert.Contains(t, body, "did not accept the test event: it answered 500")
		assert.Equal(t, []payment.EventType{"payment.created", "payment.settled"}, hooks.sent)
	})

	t.Run("re-enable a disabled endpoint and see its deliveries", func(t *testing.T) {
		ctx := context.Background()
		require.NoError(t, e.store.SetWebhookEndpointDisabled(ctx, e.Workspace.ID, id, true, e.Clock.Now(), "5 retries failed"))
		require.NoError(t, e.store.EnqueueWebhookDeliveries(ctx, 0, 1, []payment.WebhookDelivery{{
			ID: "dlv_01", Workspace: e.Workspace.ID, EndpointID: id, Seq: 1, Status: payment.DeliveryFailed, Attempts: 6,
			LastStatusCode: 503, LastError: "status 503", CreatedAt: e.Clock.Now(),
			Event: payment.Event{ID: "evt_1", Type: payment.EventPaymentSettled, Workspace: e.Workspace.ID}}}))
		_, body := c.get("/integrations/webhooks/" + id)
		assert.Contains(t, body, "5 retries failed")
		assert.Contains(t, body, "503")
		assert.Contains(t, body, `id="enable"`)
		_, body = c.post("/integrations/webhooks/"+id+"/enable", nil)
		assert.Contains(t, body, "Endpoint enabled")
		ep, err := e.store.GetWebhookEndpoint(ctx, e.Workspace.ID, id)
		require.NoError(t, err)
		assert.False(t, ep.Disabled)
	})

	t.Run("another workspace's endpoint is not found", func(t *testing.T) {
		code, _ := c.get("/integrations/webhooks/whk_01KF0E44M0000000000000000Z")
		assert.Equal(t, http.StatusNotFound, code)
	})
}
