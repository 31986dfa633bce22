package main

import (
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/httpapi"
	"github.com/orkesta/orkesta/adapters/webhook"
	"github.com/orkesta/orkesta/payment"
)

// signedReceiver is a webhook receiver that checks every request's X-Signature-256 with
// webhook.Verify against the secret it was given: 204 when it verifies, 401 when not. Each request's
// outcome goes to got before the answer, so it is there when the sender has the answer.
type signedReceiver struct {
	mu     sync.Mutex
	secret string
	clock  payment.Clock
	got    chan error
}

func (sr *signedReceiver) setSecret(s string) {
	sr.mu.Lock()
	defer sr.mu.Unlock()
	sr.secret = s
}

func (sr *signedReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err == nil {
		sr.mu.Lock()
		secret := sr.secret
		sr.mu.Unlock()
		_, err = webhook.Verify(secret, body, r.Header.Get(webhook.SignatureHeader), sr.clock.Now(), webhook.DefaultTolerance)
	}
	sr.got <- err
	if err != nil {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// received is the outcome of the request the receiver has had (the sender waited for its answer).
func (sr *signedReceiver) received(t *testing.T) error {
	t.Helper()
	select {
	case err := <-sr.got:
		return err
	default:
		t.Fatal("the receiver got no request")
		return nil
	}
}

// TestServeWebhookAPI configures a webhook endpoint through the REST API of a running server, with
// the real dispatcher behind it: create (the secret once), a signed test event the receiver verifies,
// a rotated secret the receiver must switch to, and delete.
func TestServeWebhookAPI(t *testing.T) {
	h := newHarness(t)
	rcv := &signedReceiver{clock: h.clock, got: make(chan error, 10)}
	hook := httptest.NewServer(rcv)
	defer hook.Close()
	const key = "ok_SEEDEDKEYFORWEBHOOKAPI01"
	h.env["ORKESTA_API_KEY"] = key
	base, _, _, stop := startServe(t, h, "--webhook-allow-http", "--webhook-allow-private", "--no-demo")
	api := base + "/v1/webhook_endpoints"
	call := func(method, url, body string, v any) int {
		t.Helper()
		ct := ""
		if body != "" {
			ct = "application/json"
		}
		code, out := send(t, method, url, key, ct, body)
		if v != nil {
			require.NoError(t, json.Unmarshal([]byte(out), v), "%d %s", code, out)
		}
		return code
	}

	var created httpapi.WebhookEndpoint
	require.Equal(t, http.StatusCreated, call("POST", api, `{"url":"`+hook.URL+`/hook","events":["payment.settled"]}`, &created))
	assert.Regexp(t, `^whsec_[0-9a-f]{64}$`, created.Secret)
	assert.Equal(t, []payment.EventType{payment.EventPaymentSettled}, created.Events)
	one := api + "/" + created.ID
	rcv.setSecret(created.Secret)

	var got httpapi.WebhookEndpoint
	require.Equal(t, http.StatusOK, call("GET", one, "", &got))
	assert.Empty(t, got.Secret, "a read never shows the secret")
	assert.Equal(t, hook.URL+"/hook", got.URL)

	var res httpapi.WebhookTestResult
	require.Equal(t, http.StatusOK, call("POST", one+"/test", `{"type":"payment.settled"}`, &res))
	require.NoError(t, rcv.received(t), "the test event is signed with the endpoint's secret")
	assert.True(t, res.Delivered, "%+v", res)
	assert.Equal(t, http.StatusNoContent, res.StatusCode)

	var rotated httpapi.WebhookEndpoint
	require.Equal(t, http.StatusOK, call("POST", one+"/rotate_secret", "", &rotated))
	require.NotEqual(t, created.Secret, rotated.Secret)
	res = httpapi.WebhookTestResult{}
	require.Equal(t, http.StatusOK, call("POST", one+"/test", `{"type":"payment.created"}`, &res))
	assert.ErrorIs(t, rcv.received(t), webhook.ErrSignature, "after rotation the old secret no longer verifies")
	assert.False(t, res.Delivered)
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	assert.Equal(t, "answered 401 Unauthorized", res.Error)
	rcv.setSecret(rotated.Secret)
	require.Equal(t, http.StatusOK, call("POST", one+"/test", `{"type":"payment.created"}`, &res))
	require.NoError(t, rcv.received(t))
	assert.True(t, res.Delivered)

	var disabled httpapi.WebhookEndpoint
	require.Equal(t, http.StatusOK, call("POST", one+"/disable", `{"reason":"maintenance"}`, &disabled))
	assert.True(t, disabled.Disabled)
	assert.Equal(t, "maintenance", disabled.DisabledReason)
	var deliveries httpapi.WebhookDeliveryList
	require.Equal(t, http.StatusOK, call("GET", one+"/deliveries?limit=5", "", &deliveries))
	assert.Empty(t, deliveries.Data, "test events are not stored")

	require.Equal(t, http.StatusOK, call("DELETE", one, "", nil))
	var gone struct{ Error httpapi.Error }
	require.Equal(t, http.StatusNotFound, call("GET", one, "", &gone))
	assert.Equal(t, httpapi.CodeNotFound, gone.Error.Code)
	assert.Equal(t, ExitOK, stop())
}

// TestServeWebhookAPIRequiresHTTPS: without --webhook-allow-http the dispatcher's rules come back as
// the API's field errors, every one of them, and nothing is stored.
func TestServeWebhookAPIRequiresHTTPS(t *testing.T) {
	h := newHarness(t)
	const key = "ok_SEEDEDKEYFORWEBHOOKAPI02"
	h.env["ORKESTA_API_KEY"] = key
	base, _, _, stop := startServe(t, h, "--no-demo")
	code, out := send(t, "POST", base+"/v1/webhook_endpoints", key, "application/json",
		`{"url":"http://erp.example.com/hook","events":["payment.created","payment.refunded"]}`)
	require.Equal(t, http.StatusUnprocessableEntity, code, out)
	var body struct{ Error httpapi.Error }
	require.NoError(t, json.Unmarshal([]byte(out), &body))
	assert.Equal(t, httpapi.CodeValidationFailed, body.Error.Code)
	assert.Equal(t, []httpapi.FieldError{
		{Param: "url", Code: httpapi.FieldInvalid, Message: "url: must use https"},
		{Param: "events", Code: httpapi.FieldInvalid, Message: "events: unknown event type payment.refunded"},
	}, body.Error.Errors)
	es, err := h.store.ListWebhookEndpoints(t.Context(), defaultWorkspace)
	require.NoError(t, err)
	assert.Empty(t, es)

	code, out = send(t, "POST", base+"/v1/webhook_endpoints", key, "application/json", `{"url":"https://erp.example.com/hook"}`)
	assert.Equal(t, http.StatusCreated, code, out)
	assert.Equal(t, ExitOK, stop())
}

// TestServeWebhookAllowPrivate: serve's dispatcher refuses to connect to the server's own network
// (here a receiver on 127.0.0.1) unless --webhook-allow-private or ORKESTA_WEBHOOK_ALLOW_PRIVATE says
// otherwise.
func TestServeWebhookAllowPrivate(t *testing.T) {
	for _, tc := range boolFlagCases("--webhook-allow-private", "ORKESTA_WEBHOOK_ALLOW_PRIVATE") {
		t.Run(tc.name, func(t *testing.T) {
			var got atomic.Int32
			hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got.Add(1)
				w.WriteHeader(http.StatusNoContent)
			}))
			defer hook.Close()
			h := newHarness(t)
			const key = "ok_SEEDEDKEYFORWEBHOOKAPI03"
			h.env["ORKESTA_API_KEY"] = key
			maps.Copy(h.env, tc.env)
			base, _, _, stop := startServe(t, h, append([]string{"--webhook-allow-http", "--no-demo"}, tc.args...)...)
			api := base + "/v1/webhook_endpoints"
			code, out := send(t, "POST", api, key, "application/json", `{"url":"`+hook.URL+`/hook"}`)
			if !tc.want {
				require.Equal(t, http.StatusUnprocessableEntity, code, out)
				assert.Contains(t, out, "is a loopback address; endpoints must be on the public internet")
				// An endpoint made before (or by a name that resolves there) is refused when it is sent to.
				require.NoError(t, h.store.CreateWebhookEndpoint(context.Background(), payment.WebhookEndpoint{
					ID: "whk_01KF0E44M0000000000000LOOP", Workspace: defaultWorkspace, URL: hook.URL + "/hook",
					Secret: "whsec_x", CreatedAt: time.Now().UTC()}))
				out = `{"id":"whk_01KF0E44M0000000000000LOOP"}`
			} else {
				require.Equal(t, http.StatusCreated, code, out)
			}
			var ep httpapi.WebhookEndpoint
			require.NoError(t, json.Unmarshal([]byte(out), &ep))
			code, out = send(t, "POST", api+"/"+ep.ID+"/test", key, "application/json", `{"type":"payment.settled"}`)
			require.Equal(t, http.StatusOK, code, out)
			var res httpapi.WebhookTestResult
			require.NoError(t, json.Unmarshal([]byte(out), &res))
			assert.Equal(t, tc.want, res.Delivered, out)
			if tc.want {
				assert.Equal(t, int32(1), got.Load())
			} else {
				assert.Zero(t, got.Load(), "no request reached the receiver")
				assert.Equal(t, "webhook: 127.0.0.1 is a loopback address; endpoints must be on the public internet", res.Error)
			}
			assert.Equal(t, ExitOK, stop())
		})
	}
	t.Run("a value that is not a boolean is a usage error", func(t *testing.T) {
		badBoolEnv(t, "ORKESTA_WEBHOOK_ALLOW_PRIVATE", "yes please")
	})
}
