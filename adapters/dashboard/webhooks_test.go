package dashboard_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/dashboard"
	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/payment"
)

// fakeHooks is payment.Webhooks on the memory store; SendTest answers with answer. It judges URLs as
// the dispatcher does: https, and http only with allowHTTP (serve --webhook-allow-http); and it
// refuses any URL with "refused" in it, as a dispatcher may refuse what the form lets through, and
// one with "quota" for a field the form does not have.
type fakeHooks struct {
	store     *memory.Store
	n         int
	answer    payment.WebhookTest
	sent      []payment.EventType
	allowHTTP bool
	conflict  bool // changes lose their compare-and-set, as when other changes keep coming in between
}

func (f *fakeHooks) validate(r *payment.WebhookEndpointRequest) error {
	u, err := url.Parse(r.URL)
	switch {
	case err != nil || u.Host == "":
		return &payment.ValidationError{Field: "url", Reason: "is not an absolute URL"}
	case u.Scheme != "https" && (u.Scheme != "http" || !f.allowHTTP):
		return &payment.ValidationError{Field: "url", Reason: "must use https"}
	case strings.Contains(r.URL, "refused"):
		return &payment.ValidationError{Field: "url", Reason: "is refused by the dispatcher"}
	case strings.Contains(r.URL, "quota"):
		return &payment.ValidationError{Field: "endpoints", Reason: "are at most 10 per workspace"}
	}
	return nil
}

func (f *fakeHooks) Endpoints(ctx context.Context, ws payment.WorkspaceID) ([]payment.WebhookEndpoint, error) {
	return f.store.ListWebhookEndpoints(ctx, ws)
}

func (f *fakeHooks) Endpoint(ctx context.Context, ws payment.WorkspaceID, id string) (payment.WebhookEndpoint, error) {
	return f.store.GetWebhookEndpoint(ctx, ws, id)
}

func (f *fakeHooks) CreateEndpoint(ctx context.Context, ws payment.WorkspaceID, r payment.WebhookEndpointRequest) (payment.WebhookEndpoint, error) {
	if err := f.validate(&r); err != nil {
		return payment.WebhookEndpoint{}, err
	}
	f.n++
	e := payment.WebhookEndpoint{ID: payment.PrefixWebhookEndpoint + payment.EncodeULID(1, 0, uint64(f.n)), Workspace: ws,
		URL: r.URL, Description: r.Description, Events: r.Events, Secret: "whsec_test", CreatedAt: time.Unix(0, 0).UTC()}
	return e, f.store.CreateWebhookEndpoint(ctx, e)
}

func (f *fakeHooks) UpdateEndpoint(ctx context.Context, ws payment.WorkspaceID, id string,
	change func(*payment.WebhookEndpointRequest)) (payment.WebhookEndpoint, error) {
	if f.conflict {
		return payment.WebhookEndpoint{}, payment.ErrConflict
	}
	e, err := f.store.GetWebhookEndpoint(ctx, ws, id)
	if err != nil {
		return e, err
	}
	r := payment.WebhookEndpointRequest{URL: e.URL, Description: e.Description, Events: e.Events}
	change(&r)
	if err := f.validate(&r); err != nil {
		return e, err
	}
	old := e
	e.URL, e.Description, e.Events = r.URL, r.Description, r.Events
	return e, f.store.UpdateWebhookEndpoint(ctx, old, e)
}

func (f *fakeHooks) RotateSecret(ctx context.Context, ws payment.WorkspaceID, id string) (payment.WebhookEndpoint, error) {
	if f.conflict {
		return payment.WebhookEndpoint{}, payment.ErrConflict
	}
	e, err := f.store.GetWebhookEndpoint(ctx, ws, id)
	if err != nil {
		return e, err
	}
	f.n++
	old := e
	e.Secret = "whsec_rotated" + strconv.Itoa(f.n)
	return e, f.store.UpdateWebhookEndpoint(ctx, old, e)
}

func (f *fakeHooks) DisableEndpoint(ctx context.Context, ws payment.WorkspaceID, id, reason string) (payment.WebhookEndpoint, error) {
	return f.setDisabled(ctx, ws, id, true, time.Unix(0, 0).UTC(), reason)
}

func (f *fakeHooks) setDisabled(ctx context.Context, ws payment.WorkspaceID, id string, disabled bool, at time.Time, reason string) (payment.WebhookEndpoint, error) {
	if err := f.store.SetWebhookEndpointDisabled(ctx, ws, id, disabled, at, reason); err != nil {
		return payment.WebhookEndpoint{}, err
	}
	return f.store.GetWebhookEndpoint(ctx, ws, id)
}

func (f *fakeHooks) DeleteEndpoint(ctx context.Context, ws payment.WorkspaceID, id string) error {
	return f.store.DeleteWebhookEndpoint(ctx, ws, id)
}

func (f *fakeHooks) EnableEndpoint(ctx context.Context, ws payment.WorkspaceID, id string) (payment.WebhookEndpoint, error) {
	return f.setDisabled(ctx, ws, id, false, time.Time{}, "")
}

func (f *fakeHooks) Deliveries(ctx context.Context, ws payment.WorkspaceID, id string, limit int) ([]payment.WebhookDelivery, error) {
	return f.store.ListWebhookDeliveries(ctx, ws, id, limit)
}

func (f *fakeHooks) SendTest(_ context.Context, _ payment.WorkspaceID, _ string, t payment.EventType) (payment.WebhookTest, error) {
	f.sent = append(f.sent, t)
	return f.answer, nil
}

func TestWebhooksPages(t *testing.T) {
	hooks := &fakeHooks{answer: payment.WebhookTest{StatusCode: 204}}
	e := newTestEnv(t, dashboard.Options{Webhooks: hooks})
	hooks.store = e.store
	c := newClient(t, e)
	c.signIn(e.writer)
	_, body := c.get("/integrations/webhooks")
	assert.Contains(t, body, "No endpoints yet")

	t.Run("field errors", func(t *testing.T) {
		code, body := c.post("/integrations/webhooks", url.Values{"url": {""}})
		assert.Equal(t, http.StatusUnprocessableEntity, code)
		assert.Contains(t, body, `id="url-error"`)
		assert.Contains(t, body, "Enter the URL that receives the events.")
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
		hooks.answer = payment.WebhookTest{StatusCode: 500, Err: errors.New("status 500")}
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

	t.Run("change an endpoint: the form opens with what it says", func(t *testing.T) {
		_, body := c.get("/integrations/webhooks/" + id)
		assert.Contains(t, body, `value="https://erp.example.com/hook"`)
		assert.Regexp(t, `value="payment.settled" checked`, body)
		assert.NotRegexp(t, `id="all-events" checked`, body)
		code, body := c.post("/integrations/webhooks/"+id, url.Values{"url": {"ftp://erp.example.com/x"}})
		assert.Equal(t, http.StatusUnprocessableEntity, code)
		assert.Contains(t, body, `id="events-error"`)
		assert.Contains(t, body, `value="ftp://erp.example.com/x"`, "what was typed stays in the form")
		code, body = c.post("/integrations/webhooks/"+id, url.Values{"url": {"ftp://erp.example.com/x"}, "all": {"1"}})
		assert.Equal(t, http.StatusUnprocessableEntity, code)
		assert.Contains(t, body, `<p class="field-error" id="url-error">Must use https.</p>`)
		code, body = c.post("/integrations/webhooks/"+id, url.Values{"url": {"https://refused.example.com/"}, "all": {"1"}})
		assert.Equal(t, http.StatusUnprocessableEntity, code)
		assert.Contains(t, body, "Is refused by the dispatcher.")
		_, body = c.post("/integrations/webhooks/"+id, url.Values{"url": {"https://erp.example.com/v2/hook"},
			"description": {"ERP, new path"}, "all": {"1"}})
		assert.Contains(t, body, "Endpoint saved")
		ep, err := e.store.GetWebhookEndpoint(context.Background(), e.Workspace.ID, id)
		require.NoError(t, err)
		assert.Equal(t, "https://erp.example.com/v2/hook", ep.URL)
		assert.Equal(t, "ERP, new path", ep.Description)
		assert.Empty(t, ep.Events, "all events")
		assert.Regexp(t, `id="all-events" checked`, body)
	})

	t.Run("disable by hand, with a reason", func(t *testing.T) {
		_, body := c.post("/integrations/webhooks/"+id+"/disable", url.Values{"reason": {strings.Repeat("x", 201)}})
		assert.Contains(t, body, "The reason is longer than 200 characters.")
		_, body = c.post("/integrations/webhooks/"+id+"/disable", url.Values{"reason": {"ERP down for migration"}})
		assert.Contains(t, body, "Endpoint disabled")
		assert.Contains(t, body, "ERP down for migration")
		assert.Contains(t, body, `id="enable"`)
		assert.NotContains(t, body, `id="disable"`)
		ep, err := e.store.GetWebhookEndpoint(context.Background(), e.Workspace.ID, id)
		require.NoError(t, err)
		assert.True(t, ep.Disabled)
		assert.Equal(t, "ERP down for migration", ep.DisabledReason)
		c.post("/integrations/webhooks/"+id+"/enable", nil)
	})

	t.Run("rotate the secret: the new one is shown once", func(t *testing.T) {
		code, body := c.post("/integrations/webhooks/"+id+"/rotate", nil)
		require.Equal(t, http.StatusOK, code)
		ep, err := e.store.GetWebhookEndpoint(context.Background(), e.Workspace.ID, id)
		require.NoError(t, err)
		assert.Contains(t, body, `id="new-secret"`)
		assert.Contains(t, body, ep.Secret)
		_, body = c.get("/integrations/webhooks/" + id)
		assert.NotContains(t, body, ep.Secret)
	})

	t.Run("a change that keeps losing to other changes says so", func(t *testing.T) {
		hooks.conflict = true
		defer func() { hooks.conflict = false }()
		before, err := e.store.GetWebhookEndpoint(context.Background(), e.Workspace.ID, id)
		require.NoError(t, err)
		for _, post := range []func() (int, string){
			func() (int, string) {
				return c.post("/integrations/webhooks/"+id, url.Values{"url": {"https://erp.example.com/v3"}, "all": {"1"}})
			},
			func() (int, string) { return c.post("/integrations/webhooks/"+id+"/rotate", nil) },
		} {
			code, body := post()
			assert.Equal(t, http.StatusOK, code, "not a server error")
			assert.Contains(t, body, "the endpoint kept changing while this was being saved")
		}
		after, err := e.store.GetWebhookEndpoint(context.Background(), e.Workspace.ID, id)
		require.NoError(t, err)
		assert.Equal(t, before, after)
	})

	t.Run("a read-only key sees the endpoint but changes nothing", func(t *testing.T) {
		ro := newClient(t, e)
		ro.signIn(e.reader)
		_, body := ro.get("/integrations/webhooks/" + id)
		assert.NotContains(t, body, `id="delete"`)
		assert.NotContains(t, body, `id="endpoint-form"`)
		for _, action := range []string{"", "/disable", "/rotate", "/delete"} {
			code, _ := ro.post("/integrations/webhooks/"+id+action, url.Values{"url": {"https://x.example.com/"}, "all": {"1"}})
			assert.Equal(t, http.StatusForbidden, code, action)
		}
	})

	t.Run("another workspace's endpoint is not found", func(t *testing.T) {
		code, _ := c.get("/integrations/webhooks/whk_01KF0E44M0000000000000000Z")
		assert.Equal(t, http.StatusNotFound, code)
	})

	t.Run("delete an endpoint", func(t *testing.T) {
		_, body := c.post("/integrations/webhooks/"+id+"/delete", nil)
		assert.Contains(t, body, "deleted")
		assert.Contains(t, body, "No endpoints yet")
		code, _ := c.get("/integrations/webhooks/" + id)
		assert.Equal(t, http.StatusNotFound, code)
		code, _ = c.post("/integrations/webhooks/"+id+"/delete", nil)
		assert.Equal(t, http.StatusNotFound, code)
	})
}

// TestWebhookURLsAreForTheWebhooksToJudge: the dashboard has no URL rules of its own beyond asking
// for one. What the Webhooks implementation accepts is saved, when added and when changed: plain
// HTTP where the server allows it, a URL longer than the dashboard used to take. What it refuses is
// shown under the URL field in its words, and nothing is stored.
func TestWebhookURLsAreForTheWebhooksToJudge(t *testing.T) {
	long := "https://erp.example.com/hooks?token=" + strings.Repeat("a", 2100)
	tests := []struct {
		name      string
		allowHTTP bool
		url       string
		refusal   string // empty: accepted
	}{
		{"http where the server allows it", true, "http://erp.internal/hooks", ""},
		{"a URL of 2,100 characters", false, long, ""},
		{"http where the server does not allow it", false, "http://erp.internal/hooks", "Must use https."},
		{"http where the server does not allow it, even to localhost", false, "http://localhost:8080/hooks", "Must use https."},
		{"a URL the implementation refuses", false, "https://refused.example.com/", "Is refused by the dispatcher."},
		{"a refusal of a field the form does not have", false, "https://quota.example.com/", "Endpoints are at most 10 per workspace."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hooks := &fakeHooks{allowHTTP: tc.allowHTTP}
			e := newTestEnv(t, dashboard.Options{Webhooks: hooks})
			hooks.store = e.store
			c := newClient(t, e)
			c.signIn(e.writer)
			c.get("/integrations/webhooks")
			code, body := c.post("/integrations/webhooks", url.Values{"url": {tc.url}, "all": {"1"}})
			eps, err := e.store.ListWebhookEndpoints(context.Background(), e.Workspace.ID)
			require.NoError(t, err)
			if tc.refusal != "" {
				assert.Equal(t, http.StatusUnprocessableEntity, code)
				assert.Contains(t, body, `<p class="field-error" id="url-error">`+tc.refusal+`</p>`)
				assert.NotContains(t, body, "only to localhost", "no hint of a rule the dashboard does not decide")
				assert.Empty(t, eps)
				return
			}
			require.Equal(t, http.StatusOK, code, body)
			require.Len(t, eps, 1)
			assert.Equal(t, tc.url, eps[0].URL)
			// An endpoint the API created with such a URL can be changed in the dashboard.
			_, body = c.post("/integrations/webhooks/"+eps[0].ID, url.Values{"url": {tc.url + "2"}, "all": {"1"},
				"description": {"changed"}})
			assert.Contains(t, body, "Endpoint saved")
			ep, err := e.store.GetWebhookEndpoint(context.Background(), e.Workspace.ID, eps[0].ID)
			require.NoError(t, err)
			assert.Equal(t, tc.url+"2", ep.URL)
			assert.Equal(t, "changed", ep.Description)
		})
	}
}
