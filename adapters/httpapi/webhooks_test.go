package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/httpapi"
	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/payment"
)

// fakeWebhooks is payment.Webhooks over the memory store, with the rules of adapters/webhook's
// dispatcher that the API passes on (an https URL, known event types; each broken rule a
// *payment.ValidationError, all of them joined). A test event "reaches" an endpoint whose URL contains
// "down" only to get 503; any other answers 204. (The real dispatcher, signatures included, is tested
// through cmd/orkesta.)
type fakeWebhooks struct {
	store *memory.Store
	newID func(prefix string) string
	now   func() time.Time

	mu      sync.Mutex
	secrets int
	tests   []string // "id type" of every test event sent
}

var _ payment.Webhooks = (*fakeWebhooks)(nil)

func (fw *fakeWebhooks) secret() string {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	fw.secrets++
	return fmt.Sprintf("whsec_%064x", fw.secrets)
}

func (fw *fakeWebhooks) check(r payment.WebhookEndpointRequest) error {
	var errs []error
	if !strings.HasPrefix(r.URL, "https://") {
		errs = append(errs, &payment.ValidationError{Field: "url", Reason: "must use https"})
	}
	for _, t := range r.Events {
		if !slices.Contains(payment.EventTypes(), t) {
			errs = append(errs, &payment.ValidationError{Field: "events", Reason: "unknown event type " + string(t)})
		}
	}
	return errors.Join(errs...)
}

func (fw *fakeWebhooks) CreateEndpoint(ctx context.Context, ws payment.WorkspaceID, r payment.WebhookEndpointRequest) (payment.WebhookEndpoint, error) {
	if err := fw.check(r); err != nil {
		return payment.WebhookEndpoint{}, err
	}
	e := payment.WebhookEndpoint{ID: fw.newID(payment.PrefixWebhookEndpoint), Workspace: ws, URL: r.URL,
		Description: r.Description, Events: r.Events, Secret: fw.secret(), CreatedAt: fw.now()}
	return e, fw.store.CreateWebhookEndpoint(ctx, e)
}

func (fw *fakeWebhooks) Endpoint(ctx context.Context, ws payment.WorkspaceID, id string) (payment.WebhookEndpoint, error) {
	return fw.store.GetWebhookEndpoint(ctx, ws, id)
}

func (fw *fakeWebhooks) Endpoints(ctx context.Context, ws payment.WorkspaceID) ([]payment.WebhookEndpoint, error) {
	return fw.store.ListWebhookEndpoints(ctx, ws)
}

// change gets the endpoint, lets fn change it and stores it.
func (fw *fakeWebhooks) change(ctx context.Context, ws payment.WorkspaceID, id string, fn func(*payment.WebhookEndpoint)) (payment.WebhookEndpoint, error) {
	e, err := fw.store.GetWebhookEndpoint(ctx, ws, id)
	if err != nil {
		return e, err
	}
	old := e
	fn(&e)
	return e, fw.store.UpdateWebhookEndpoint(ctx, old, e)
}

func (fw *fakeWebhooks) UpdateEndpoint(ctx context.Context, ws payment.WorkspaceID, id string,
	change func(*payment.WebhookEndpointRequest)) (payment.WebhookEndpoint, error) {
	e, err := fw.store.GetWebhookEndpoint(ctx, ws, id)
	if err != nil {
		return e, err
	}
	r := payment.WebhookEndpointRequest{URL: e.URL, Description: e.Description, Events: e.Events}
	change(&r)
	if err := fw.check(r); err != nil {
		return payment.WebhookEndpoint{}, err
	}
	return fw.change(ctx, ws, id, func(e *payment.WebhookEndpoint) { e.URL, e.Description, e.Events = r.URL, r.Description, r.Events })
}

func (fw *fakeWebhooks) RotateSecret(ctx context.Context, ws payment.WorkspaceID, id string) (payment.WebhookEndpoint, error) {
	return fw.change(ctx, ws, id, func(e *payment.WebhookEndpoint) { e.Secret = fw.secret() })
}

func (fw *fakeWebhooks) DisableEndpoint(ctx context.Context, ws payment.WorkspaceID, id, reason string) (payment.WebhookEndpoint, error) {
	if err := payment.CheckText("reason", reason, 200); err != nil { // as the dispatcher checks it
		return payment.WebhookEndpoint{}, err
	}
	return fw.setDisabled(ctx, ws, id, true, reason)
}

func (fw *fakeWebhooks) EnableEndpoint(ctx context.Context, ws payment.WorkspaceID, id string) (payment.WebhookEndpoint, error) {
	return fw.setDisabled(ctx, ws, id, false, "")
}

func (fw *fakeWebhooks) setDisabled(ctx context.Context, ws payment.WorkspaceID, id string, disabled bool, reason string) (payment.WebhookEndpoint, error) {
	if err := fw.store.SetWebhookEndpointDisabled(ctx, ws, id, disabled, fw.now(), reason); err != nil {
		return payment.WebhookEndpoint{}, err
	}
	return fw.store.GetWebhookEndpoint(ctx, ws, id)
}

func (fw *fakeWebhooks) DeleteEndpoint(ctx context.Context, ws payment.WorkspaceID, id string) error {
	return fw.store.DeleteWebhookEndpoint(ctx, ws, id)
}

func (fw *fakeWebhooks) Deliveries(ctx context.Context, ws payment.WorkspaceID, id string, limit int) ([]payment.WebhookDelivery, error) {
	if _, err := fw.store.GetWebhookEndpoint(ctx, ws, id); err != nil {
		return nil, err
	}
	return fw.store.ListWebhookDeliveries(ctx, ws, id, limit)
}

func (fw *fakeWebhooks) SendTest(ctx context.Context, ws payment.WorkspaceID, id string, t payment.EventType) (payment.WebhookTest, error) {
	if !slices.Contains(payment.EventTypes(), t) {
		return payment.WebhookTest{}, &payment.ValidationError{Field: "type", Reason: "unknown event type"}
	}
	e, err := fw.store.GetWebhookEndpoint(ctx, ws, id)
	if err != nil {
		return payment.WebhookTest{}, err
	}
	fw.mu.Lock()
	fw.tests = append(fw.tests, id+" "+string(t))
	fw.mu.Unlock()
	res := payment.WebhookTest{EventID: fw.newID(payment.PrefixEvent), StatusCode: http.StatusNoContent}
	if strings.Contains(e.URL, "down") {
		res.StatusCode, res.Err = http.StatusServiceUnavailable, errors.New("answered 503 Service Unavailable")
	}
	return res, nil
}

// hookFixture is the API fixture with the webhook endpoint routes mounted over a fakeWebhooks.
type hookFixture struct {
	*fixture
	hooks *fakeWebhooks
}

const hooksPath = "/v1/webhook_endpoints"

func newHookFixture(t *testing.T) *hookFixture {
	t.Helper()
	f := newFixture(t)
	hooks := &fakeWebhooks{store: f.store, newID: f.env.Service.NewID, now: f.env.Clock.Now}
	for _, rt := range httpapi.WebhookRoutes(hooks) {
		f.h.Mount(rt)
	}
	return &hookFixture{fixture: f, hooks: hooks}
}

// endpoint creates an endpoint of workspace ws through the fake, as the dashboard would.
func (f *hookFixture) endpoint(t *testing.T, ws payment.WorkspaceID, url string) payment.WebhookEndpoint {
	t.Helper()
	e, err := f.hooks.CreateEndpoint(ctx, ws, payment.WebhookEndpointRequest{URL: url})
	require.NoError(t, err)
	return e
}

// deliveries stores n deliveries of events to endpoint e, oldest first.
func (f *hookFixture) deliveries(t *testing.T, e payment.WebhookEndpoint, n int) []payment.WebhookDelivery {
	t.Helper()
	cur, err := f.store.WebhookCursor(ctx)
	require.NoError(t, err)
	ds := make([]payment.WebhookDelivery, n)
	for i := range ds {
		at := f.env.Clock.Advance(time.Minute)
		ds[i] = payment.WebhookDelivery{ID: f.env.Service.NewID(payment.PrefixWebhookDelivery), Workspace: e.Workspace,
			EndpointID: e.ID, Seq: cur + int64(i) + 1, Status: payment.DeliveryPending, NextAttemptAt: at, CreatedAt: at,
			Event: payment.Event{ID: f.env.Service.NewID(payment.PrefixEvent), Type: payment.EventPaymentSettled,
				Workspace: e.Workspace, OccurredAt: at}}
	}
	ds[0].Status, ds[0].Attempts, ds[0].DeliveredAt, ds[0].LastAttemptAt, ds[0].LastStatusCode =
		payment.DeliverySucceeded, 1, ds[0].CreatedAt, ds[0].CreatedAt, http.StatusOK
	require.NoError(t, f.store.EnqueueWebhookDeliveries(ctx, cur, cur+int64(n), ds))
	return ds
}

// decoded is the JSON body of r as a T.
func decoded[T any](t *testing.T, r resp) T {
	t.Helper()
	var v T
	r.json(t, &v)
	return v
}

// TestWebhookEndpointsFlow configures an endpoint from creation to deletion: the secret is in the
// answers to create and rotate_secret and nowhere else.
func TestWebhookEndpointsFlow(t *testing.T) {
	f := newHookFixture(t)
	older := f.endpoint(t, f.env.Workspace.ID, "https://older.example.com/hook")

	r := f.post(f.rw, hooksPath, `{"url":"https://erp.example.com/hooks/orkesta","description":"ERP sync",`+
		`"events":["payment.settled","payment.failed","payment.settled"]}`)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	created := decoded[httpapi.WebhookEndpoint](t, r)
	assert.Regexp(t, `^whsec_[0-9a-f]{64}$`, created.Secret)
	assert.Equal(t, "https://erp.example.com/hooks/orkesta", created.URL)
	assert.Equal(t, "ERP sync", created.Description)
	assert.Equal(t, []payment.EventType{payment.EventPaymentSettled, payment.EventPaymentFailed}, created.Events,
		"a type listed twice counts once")
	assert.False(t, created.Disabled)
	stored, err := f.store.GetWebhookEndpoint(ctx, f.env.Workspace.ID, created.ID)
	require.NoError(t, err)
	assert.Equal(t, created.Secret, stored.Secret)
	one := hooksPath + "/" + created.ID

	t.Run("list and get, without the secret", func(t *testing.T) {
		r := f.get(f.ro, hooksPath)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		list := decoded[httpapi.WebhookEndpointList](t, r)
		require.Len(t, list.Data, 2)
		assert.Equal(t, []string{older.ID, created.ID}, []string{list.Data[0].ID, list.Data[1].ID}, "oldest first")
		assert.Equal(t, []payment.EventType{}, list.Data[0].Events, "no filter: every type")
		assert.NotContains(t, string(r.Body), "whsec_")
		assert.NotContains(t, string(r.Body), `"secret"`)

		r = f.get(f.ro, one)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		got := decoded[httpapi.WebhookEndpoint](t, r)
		want := created
		want.Secret = ""
		assert.Equal(t, want, got)
		assert.NotContains(t, string(r.Body), "whsec_")
	})

	t.Run("change: the members sent, the others kept", func(t *testing.T) {
		r := f.post(f.rw, one, `{"description":"ERP sync (prod)","events":[]}`)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		got := decoded[httpapi.WebhookEndpoint](t, r)
		assert.Equal(t, created.URL, got.URL)
		assert.Equal(t, "ERP sync (prod)", got.Description)
		assert.Equal(t, []payment.EventType{}, got.Events)
		assert.Empty(t, got.Secret)

		r = f.post(f.rw, one, `{"url":"https://erp.example.com/v2/hooks","events":["payment.created"]}`)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		got = decoded[httpapi.WebhookEndpoint](t, r)
		assert.Equal(t, "https://erp.example.com/v2/hooks", got.URL)
		assert.Equal(t, "ERP sync (prod)", got.Description)
		assert.Equal(t, []payment.EventType{payment.EventPaymentCreated}, got.Events)
		stored, err := f.store.GetWebhookEndpoint(ctx, f.env.Workspace.ID, created.ID)
		require.NoError(t, err)
		assert.Equal(t, created.Secret, stored.Secret, "a change keeps the secret")
	})

	t.Run("disable with a reason, enable", func(t *testing.T) {
		r := f.post(f.rw, one+"/disable", `{"reason":"ERP maintenance"}`)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		got := decoded[httpapi.WebhookEndpoint](t, r)
		assert.True(t, got.Disabled)
		assert.Equal(t, "ERP maintenance", got.DisabledReason)
		assert.Equal(t, f.env.Clock.Now(), got.DisabledAt)

		r = f.do(req{method: "POST", path: one + "/enable", key: f.rw})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		got = decoded[httpapi.WebhookEndpoint](t, r)
		assert.False(t, got.Disabled)
		assert.Empty(t, got.DisabledReason)
		assert.Zero(t, got.DisabledAt)
		assert.NotContains(t, string(r.Body), "disabled_at")

		r = f.post(f.rw, one+"/disable", `{}`)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		assert.True(t, decoded[httpapi.WebhookEndpoint](t, r).Disabled, "the reason is optional")
		require.Equal(t, http.StatusOK, f.post(f.rw, one+"/enable", `{}`).Status)
	})

	t.Run("rotate: a new secret, once", func(t *testing.T) {
		r := f.do(req{method: "POST", path: one + "/rotate_secret", key: f.rw})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		got := decoded[httpapi.WebhookEndpoint](t, r)
		assert.Regexp(t, `^whsec_[0-9a-f]{64}$`, got.Secret)
		assert.NotEqual(t, created.Secret, got.Secret)
		stored, err := f.store.GetWebhookEndpoint(ctx, f.env.Workspace.ID, created.ID)
		require.NoError(t, err)
		assert.Equal(t, got.Secret, stored.Secret)
		assert.NotContains(t, string(f.get(f.ro, one).Body), got.Secret)
	})

	t.Run("deliveries, newest first", func(t *testing.T) {
		ds := f.deliveries(t, stored, 3)
		r := f.get(f.ro, one+"/deliveries?limit=2")
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		page := decoded[httpapi.WebhookDeliveryList](t, r)
		assert.True(t, page.HasMore)
		require.Len(t, page.Data, 2)
		assert.Equal(t, []string{ds[2].ID, ds[1].ID}, []string{page.Data[0].ID, page.Data[1].ID})
		assert.Equal(t, httpapi.WebhookDelivery{ID: ds[2].ID, EndpointID: created.ID, EventID: ds[2].Event.ID,
			EventType: payment.EventPaymentSettled, Status: payment.DeliveryPending, NextAttemptAt: ds[2].NextAttemptAt,
			CreatedAt: ds[2].CreatedAt}, page.Data[0])

		r = f.get(f.ro, one+"/deliveries")
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		page = decoded[httpapi.WebhookDeliveryList](t, r)
		assert.False(t, page.HasMore)
		require.Len(t, page.Data, 3)
		last := page.Data[2]
		assert.Equal(t, payment.DeliverySucceeded, last.Status)
		assert.Equal(t, http.StatusOK, last.LastStatusCode)
		assert.Zero(t, last.NextAttemptAt, "only a pending delivery has a next attempt")

		r = f.get(f.ro, hooksPath+"/"+older.ID+"/deliveries")
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		assert.JSONEq(t, `{"data":[],"has_more":false}`, string(r.Body))
	})

	t.Run("test events", func(t *testing.T) {
		r := f.post(f.rw, one+"/test", `{"type":"payment.settled"}`)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		res := decoded[httpapi.WebhookTestResult](t, r)
		assert.True(t, res.Delivered)
		assert.Equal(t, http.StatusNoContent, res.StatusCode)
		assert.Equal(t, payment.EventPaymentSettled, res.Type)
		assert.Empty(t, res.Error)
		assert.Contains(t, f.hooks.tests, created.ID+" payment.settled")

		down := f.endpoint(t, f.env.Workspace.ID, "https://down.example.com/hook")
		r = f.post(f.rw, hooksPath+"/"+down.ID+"/test", `{"type":"reconciliation.completed"}`)
		require.Equal(t, http.StatusOK, r.Status, "an endpoint that fails the test is still an answer: %s", r.Body)
		res = decoded[httpapi.WebhookTestResult](t, r)
		assert.False(t, res.Delivered)
		assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
		assert.Equal(t, "answered 503 Service Unavailable", res.Error)
	})

	t.Run("delete, then not found", func(t *testing.T) {
		r := f.do(req{method: "DELETE", path: one, key: f.rw})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		assert.JSONEq(t, `{"id":"`+created.ID+`","deleted":true}`, string(r.Body))
		for _, rq := range []req{
			{method: "GET", path: one, key: f.ro},
			{method: "DELETE", path: one, key: f.rw},
			{method: "GET", path: one + "/deliveries", key: f.ro},
			{method: "POST", path: one + "/enable", key: f.rw},
		} {
			r := f.do(rq)
			assert.Equal(t, http.StatusNotFound, r.Status, "%s %s: %s", rq.method, rq.path, r.Body)
			assert.Equal(t, httpapi.CodeNotFound, r.err(t).Code)
		}
		r = f.get(f.ro, hooksPath)
		assert.NotContains(t, string(r.Body), created.ID)
	})
}

// TestWebhookEndpointRefusals: every wrong request gets its 4xx, its code and every problem listed,
// and nothing is stored or changed.
func TestWebhookEndpointRefusals(t *testing.T) {
	f := newHookFixture(t)
	e := f.endpoint(t, f.env.Workspace.ID, "https://erp.example.com/hook")
	one := hooksPath + "/" + e.ID
	long := strings.Repeat("x", 201) // the dispatcher takes 200 characters
	tests := []struct {
		name, method, path, body, ct string
		status                       int
		code                         string
		params                       []string // the params of errors[], in order
	}{
		{"create: http URL", "POST", hooksPath, `{"url":"http://erp.example.com/hook"}`, "", 422, httpapi.CodeValidationFailed, []string{"url"}},
		{"create: unknown event types and a bad URL, all listed", "POST", hooksPath,
			`{"url":"ftp://x","events":["payment.created","payment.refunded","payment.reconciled"]}`, "", 422,
			httpapi.CodeValidationFailed, []string{"url", "events", "events"}},
		{"create: no url", "POST", hooksPath, `{"description":"x"}`, "", 422, httpapi.CodeValidationFailed, []string{"url"}},
		{"create: unknown members and wrong types, all listed", "POST", hooksPath,
			`{"url":"https://x.example.com","secret":"mine","events":"payment.created","description":7}`, "", 400,
			httpapi.CodeUnknownField, []string{"secret", "events", "description"}},
		{"create: an event type that is no string", "POST", hooksPath, `{"url":"https://x.example.com","events":[1]}`, "", 400,
			httpapi.CodeInvalidType, []string{"events[0]"}},
		{"create: duplicate member", "POST", hooksPath, `{"url":"https://a.example.com","url":"https://b.example.com"}`, "", 400,
			httpapi.CodeDuplicateKey, []string{"url"}},
		{"create: not JSON", "POST", hooksPath, `{"url":`, "", 400, httpapi.CodeInvalidJSON, nil},
		{"create: empty body", "POST", hooksPath, "", "application/json", 400, httpapi.CodeEmptyBody, nil},
		{"create: form encoded", "POST", hooksPath, "url=https://x", "application/x-www-form-urlencoded", 415, httpapi.CodeUnsupportedMediaType, nil},
		{"list: unknown parameter", "GET", hooksPath + "?disabled=true", "", "", 400, httpapi.CodeUnknownParameter, nil},
		{"change: http URL", "POST", one, `{"url":"http://erp.example.com/hook"}`, "", 422, httpapi.CodeValidationFailed, []string{"url"}},
		{"change: unknown member", "POST", one, `{"disabled":true}`, "", 400, httpapi.CodeUnknownField, []string{"disabled"}},
		{"disable: reason too long", "POST", one + "/disable", `{"reason":"` + long + `"}`, "", 422, httpapi.CodeValidationFailed, []string{"reason"}},
		{"disable: unknown member", "POST", one + "/disable", `{"note":"x"}`, "", 400, httpapi.CodeUnknownField, []string{"note"}},
		{"enable: a member", "POST", one + "/enable", `{"reason":"x"}`, "", 400, httpapi.CodeUnknownField, []string{"reason"}},
		{"rotate: a member", "POST", one + "/rotate_secret", `{"secret":"mine"}`, "", 400, httpapi.CodeUnknownField, []string{"secret"}},
		{"deliveries: limit 0", "GET", one + "/deliveries?limit=0", "", "", 400, httpapi.CodeInvalidParameter, nil},
		{"deliveries: limit 101", "GET", one + "/deliveries?limit=101", "", "", 400, httpapi.CodeInvalidParameter, nil},
		{"deliveries: unknown parameter", "GET", one + "/deliveries?status=failed", "", "", 400, httpapi.CodeUnknownParameter, nil},
		{"test: no type", "POST", one + "/test", `{}`, "", 422, httpapi.CodeValidationFailed, []string{"type"}},
		{"test: unknown type", "POST", one + "/test", `{"type":"payment.refunded"}`, "", 422, httpapi.CodeValidationFailed, []string{"type"}},
		{"test: no body", "POST", one + "/test", "", "application/json", 400, httpapi.CodeEmptyBody, nil},
		{"not an endpoint id", "GET", hooksPath + "/pay_01KF0000000000000000000000", "", "", 404, httpapi.CodeNotFound, nil},
		{"no such endpoint", "POST", hooksPath + "/whk_01KF0000000000000000000000", `{"description":"x"}`, "", 404, httpapi.CodeNotFound, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := f.hookState(t)
			r := f.do(req{method: tc.method, path: tc.path, key: f.rw, body: tc.body, contentType: tc.ct})
			require.Equal(t, tc.status, r.Status, "%s", r.Body)
			got := r.err(t)
			assert.Equal(t, tc.code, got.Code)
			var params []string
			for _, fe := range got.Errors {
				params = append(params, fe.Param)
			}
			assert.Equal(t, tc.params, params, "%s", r.Body)
			assert.Equal(t, before, f.hookState(t), "nothing changed")
		})
	}
	assert.Empty(t, f.hooks.tests, "no test event was sent")
}

// hookState is both workspaces' endpoints, secrets included.
func (f *hookFixture) hookState(t *testing.T) string {
	t.Helper()
	var out []payment.WebhookEndpoint
	for _, ws := range []payment.WorkspaceID{f.env.Workspace.ID, f.otherWS.ID} {
		es, err := f.store.ListWebhookEndpoints(ctx, ws)
		require.NoError(t, err)
		out = append(out, es...)
	}
	return fmt.Sprintf("%+v", out)
}

// hookCalls is one call of every webhook endpoint route, on endpoint id.
func hookCalls(id string) []req {
	one := hooksPath + "/" + id
	return []req{
		{method: "POST", path: hooksPath, body: `{"url":"https://new.example.com/hook"}`},
		{method: "GET", path: hooksPath},
		{method: "GET", path: one},
		{method: "POST", path: one, body: `{"description":"changed"}`},
		{method: "POST", path: one + "/disable", body: `{"reason":"x"}`},
		{method: "POST", path: one + "/enable"},
		{method: "POST", path: one + "/rotate_secret"},
		{method: "GET", path: one + "/deliveries"},
		{method: "POST", path: one + "/test", body: `{"type":"payment.created"}`},
		{method: "DELETE", path: one},
	}
}

// TestWebhookEndpointScopes: read-only keys may read; every change needs read-write and a read-only
// key's attempt changes nothing; no key is 401.
func TestWebhookEndpointScopes(t *testing.T) {
	f := newHookFixture(t)
	e := f.endpoint(t, f.env.Workspace.ID, "https://erp.example.com/hook")
	for _, call := range hookCalls(e.ID) {
		t.Run(call.method+" "+call.path, func(t *testing.T) {
			before := f.hookState(t)
			call.key = f.ro
			r := f.do(call)
			if call.method == "GET" {
				assert.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
			} else {
				assert.Equal(t, http.StatusForbidden, r.Status, "%s", r.Body)
				assert.Equal(t, httpapi.CodeInsufficientScope, r.err(t).Code)
			}
			call.key = ""
			r = f.do(call)
			assert.Equal(t, http.StatusUnauthorized, r.Status, "%s", r.Body)
			assert.Equal(t, before, f.hookState(t))
		})
	}
	assert.Empty(t, f.hooks.tests)
	for _, call := range hookCalls(e.ID) {
		call.key = f.rw
		r := f.do(call)
		assert.Less(t, r.Status, 300, "a read-write key may %s %s: %s", call.method, call.path, r.Body)
	}
}

// TestWebhookEndpointIsolation: workspace B's endpoint does not exist for A's admin key, whatever the
// call, and nothing of it changes; A's list does not show it.
func TestWebhookEndpointIsolation(t *testing.T) {
	f := newHookFixture(t)
	theirs := f.endpoint(t, f.otherWS.ID, "https://rakip.example.com/hook")
	f.deliveries(t, theirs, 1)
	before := fmt.Sprint(f.hooks.Endpoint(ctx, f.otherWS.ID, theirs.ID))
	for _, call := range hookCalls(theirs.ID) {
		t.Run(call.method+" "+call.path, func(t *testing.T) {
			call.key = f.admin
			r := f.do(call)
			if strings.HasPrefix(call.path, hooksPath+"/") {
				assert.Equal(t, http.StatusNotFound, r.Status, "%s", r.Body)
				assert.Equal(t, httpapi.CodeNotFound, r.err(t).Code)
			} else {
				assert.Less(t, r.Status, 300, "%s", r.Body)
				assert.NotContains(t, string(r.Body), theirs.ID)
			}
			assert.Equal(t, before, fmt.Sprint(f.hooks.Endpoint(ctx, f.otherWS.ID, theirs.ID)), "B's endpoint is unchanged")
		})
	}
	assert.Empty(t, f.hooks.tests, "no test event went to B's endpoint")
	r := f.get(f.otherKey, hooksPath+"/"+theirs.ID)
	assert.Equal(t, http.StatusOK, r.Status, "B's key sees it: %s", r.Body)
}

// TestWebhookEndpointIdempotency: a create retried with its Idempotency-Key gets the first answer, the
// same endpoint and secret, and creates nothing more.
func TestWebhookEndpointIdempotency(t *testing.T) {
	f := newHookFixture(t)
	send := func(body string) resp {
		return f.do(req{method: "POST", path: hooksPath, key: f.rw, body: body, header: map[string]string{"Idempotency-Key": "hook-1"}})
	}
	body := `{"url":"https://erp.example.com/hook"}`
	first := send(body)
	require.Equal(t, http.StatusCreated, first.Status, "%s", first.Body)
	again := send(body)
	require.Equal(t, http.StatusCreated, again.Status, "%s", again.Body)
	assert.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
	assert.Equal(t, string(first.Body), string(again.Body))
	es, err := f.store.ListWebhookEndpoints(ctx, f.env.Workspace.ID)
	require.NoError(t, err)
	assert.Len(t, es, 1)

	other := send(`{"url":"https://other.example.com/hook"}`)
	assert.Equal(t, http.StatusUnprocessableEntity, other.Status)
	assert.Equal(t, httpapi.CodeIdempotencyKeyReused, other.err(t).Code)

	// The answer holds the endpoint's secret: another key's same request is not given it.
	byOther := f.do(req{method: "POST", path: hooksPath, key: f.rw2, body: body, header: map[string]string{"Idempotency-Key": "hook-1"}})
	require.Equal(t, http.StatusUnprocessableEntity, byOther.Status, "%s", byOther.Body)
	assert.Equal(t, httpapi.CodeIdempotencyKeyReused, byOther.err(t).Code)
	id := first.Header.Get("Location")
	if id == "" {
		var e struct{ ID string }
		first.json(t, &e)
		id = hooksPath + "/" + e.ID
	}
	rotate := func(key string) resp {
		return f.do(req{method: "POST", path: id + "/rotate_secret", key: key, header: map[string]string{"Idempotency-Key": "rot-1"}})
	}
	r1 := rotate(f.rw)
	require.Equal(t, http.StatusOK, r1.Status, "%s", r1.Body)
	assert.Equal(t, "true", rotate(f.rw).Header.Get("Idempotent-Replayed"))
	other2 := rotate(f.rw2)
	assert.Equal(t, http.StatusUnprocessableEntity, other2.Status, "a rotated secret is not replayed to another key")
}
